// Marketplace: "who is near Lyon around 14 March under €20k" answers the artists with a confirmed show
// within the radius around that day whose published fee guidance fits the budget, from the read model
// the triggers keep; on both faces, and rebuilt by operators to the same rows.
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres } from './support/fixtures.ts'
import { backendPid, holdsUpAnother, untilLocked } from './support/lock-race.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)
const YEAR = new Date().getUTCFullYear() + 4
const on = (monthDay: string, hour = 20) => {
  const start = new Date(`${YEAR}-${monthDay}T${String(hour).padStart(2, '0')}:00:00.000Z`)
  return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString() }
}
const ids: Record<string, string> = {}
let lyon: { id: string }

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const fr = await h.app.db.country.create({ data: { code: 'FR', name: 'France' } })
  const city = (name: string, latitude: number, longitude: number) =>
    h.app.db.city.create({ data: { name, countryId: fr.id, latitude, longitude, timezone: 'Europe/Paris' } })
  lyon = await city('Lyon', 45.764, 4.8357)
  const grenoble = await city('Grenoble', 45.1885, 5.7245)
  const paris = await city('Paris', 48.8566, 2.3522)
  const show = async (key: string, cityId: string, when: ReturnType<typeof on>, fee: [number, number] | null) => {
    const artistId = await representedArtist(agency, `Market ${key} ${crypto.randomUUID().slice(0, 6)}`)
    ids[key] = artistId
    if (fee) {
      const r = await h.app.rest('PATCH', `/api/v1/artists/${artistId}`, {
        as: agency,
        body: { profile: { feeGuidanceMin: fee[0], feeGuidanceMax: fee[1], feeGuidanceCurrency: 'eur' } },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
    }
    const { booking } = await booked(promoter, artistId, when)
    await h.app.db.booking.update({ where: { id: booking.id }, data: { cityId } })
    return booking.id as string
  }
  await show('grenoble', grenoble.id, on('03-14'), [1_000_000, 1_800_000])
  await show('expensive', lyon.id, on('03-15'), [2_500_000, 4_000_000])
  await show('paris', paris.id, on('03-14'), [500_000, 900_000])
  await show('january', lyon.id, on('01-10'), [500_000, 900_000])
  await show('unpublished', lyon.id, on('03-13'), null)
  const cancelled = await show('cancelled', lyon.id, on('03-16'), [500_000, 900_000])
  expect((await h.app.rest('POST', `/api/v1/bookings/${cancelled}/cancel`, { as: agency, body: { reason: 'moved' } })).status).toBe(200)
}, 120_000)

const names = (items: { artistId: string }[]) => items.map((i) => Object.keys(ids).find((k) => ids[k] === i.artistId))
const search = (query: Record<string, string | number>) =>
  h.app.rest(
    'GET',
    `/api/v1/marketplace/artists?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
    {
      as: promoter,
    },
  )

describe('marketplace', () => {
  it('answers who is near Lyon around 14 March under €20k', async () => {
    const r = await search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 150, budgetMax: 2_000_000, currency: 'EUR' })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(names(r.body.data.items)).toEqual(['grenoble'])
    expect(r.body.data.total).toBe(1)
    expect(r.body.data.items[0]).toMatchObject({
      artistId: ids.grenoble,
      artist: { id: ids.grenoble },
      agency: { id: agency.agencyId, name: expect.any(String) },
      feeGuidance: { min: { amount: 1_000_000, currency: 'EUR', decimals: 2 }, max: { amount: 1_800_000, currency: 'EUR', decimals: 2 } },
    })
    // Grenoble is 94 km from Lyon as the crow flies: the distance of the show that matched.
    expect(r.body.data.items[0].distanceKm).toBeGreaterThan(90)
    expect(r.body.data.items[0].distanceKm).toBeLessThan(100)
    // Without the budget: every show near Lyon in the days around, never a cancelled one nor one in Paris.
    const near = await search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 150, sort: 'fee' })
    expect(names(near.body.data.items)).toEqual(['grenoble', 'expensive', 'unpublished'])
    const tight = await search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 20, aroundDays: 1 })
    expect(names(tight.body.data.items).sort()).toEqual(['expensive', 'unpublished'])
    // A later page, and one past the last, where the count is asked alone: the same shows counted.
    const page = (n: number) => search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 150, sort: 'fee', limit: 2, page: n })
    const second = await page(2)
    expect(names(second.body.data.items)).toEqual(['unpublished'])
    expect(second.body.data).toMatchObject({ total: 3, totalCapped: false })
    expect((await page(3)).body.data).toMatchObject({ items: [], total: 3, totalCapped: false })
  })

  it('validates the filter per field', async () => {
    const r = await search({ nearCityId: lyon.id, budgetMax: 5 })
    expect(r.status).toBe(400)
    expect(r.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['around', 'currency'])
    // A country code the geo directory does not know: a 400 on the code.
    const nowhereLand = await search({ countryCode: 'zz', sort: 'activity' })
    expect(nowhereLand.status, JSON.stringify(nowhereLand.body)).toBe(400)
    expect(nowhereLand.body.error.fields).toEqual([{ field: 'countryCode', message: 'unknown country ZZ' }])
    // "Near" a city the geo directory does not know, or knows without coordinates: 400s on the city.
    const nowhere = await h.app.db.city.create({ data: { name: 'Nowhere', countryId: (await h.app.db.country.findFirstOrThrow()).id } })
    for (const [cityId, message] of [
      [crypto.randomUUID(), 'unknown city'],
      [nowhere.id, 'no coordinates'],
    ]) {
      const unknown = await search({ nearCityId: cityId!, around: `${YEAR}-03-14` })
      expect(unknown.status, JSON.stringify(unknown.body)).toBe(400)
      expect(unknown.body.error.fields).toEqual([{ field: 'nearCityId', message: expect.stringContaining(message!) }])
    }
    const fee = await h.app.rest('PATCH', `/api/v1/artists/${ids.paris}`, { as: agency, body: { profile: { feeGuidanceMax: 100 } } })
    expect(fee.status).toBe(400)
    expect(fee.body.error.fields).toEqual([{ field: 'profile.feeGuidanceMax', message: 'feeGuidanceMax must not be below feeGuidanceMin' }])
  })

  it('answers through GraphQL and is rebuilt by operators to the same rows', async () => {
    const QUERY = `query($filter: MarketplaceFilter) {
      marketplace(first: 5, filter: $filter) { totalCount edges { node { artist { id } name agency { id } feeGuidance { max { amount currency } } nextAvailableOn availableDays } } }
    }`
    const filter = { nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 150, budgetMax: 2_000_000, currency: 'EUR' }
    const first = await h.app.graphql(QUERY, { filter }, { as: promoter })
    expect(first.errors).toBeUndefined()
    expect(first.data.marketplace).toMatchObject({
      totalCount: 1,
      edges: [
        {
          node: {
            artist: { id: ids.grenoble },
            agency: { id: agency.agencyId },
            feeGuidance: { max: { amount: 1_800_000, currency: 'EUR' } },
            availableDays: 0,
          },
        },
      ],
    })
    const before = await h.app.db
      .$queryRaw`SELECT artist_id, genre_ids, fee_min, fee_max, free_on::text FROM marketplace_artists ORDER BY artist_id`
    const rebuilt = await h.app.rest('POST', '/internal/admin/marketplace/rebuild', { as: 'machine' })
    expect(rebuilt.status, JSON.stringify(rebuilt.body)).toBe(200)
    expect(
      await h.app.db.$queryRaw`SELECT artist_id, genre_ids, fee_min, fee_max, free_on::text FROM marketplace_artists ORDER BY artist_id`,
    ).toEqual(before)
    expect((await h.app.rest('GET', '/api/v1/marketplace/artists')).status).toBe(401)
  })

  it('moves a newly booked artist to the top of activity, the row as a refresh writes it', async () => {
    // A booking insert only takes active_at forward (marketplace_bookings_added): the row must still be what
    // recomputing it from scratch gives, with the artist's last change older than the booking.
    const artistId = await representedArtist(agency, `Market fresh ${crypto.randomUUID().slice(0, 6)}`)
    await h.app.db.$executeRaw`UPDATE artists SET updated_at = now() - interval '3 days' WHERE id = ${artistId}::uuid`
    const row = () =>
      h.app.db.$queryRaw<{ active_at: Date }[]>`
        SELECT artist_id, name, genre_ids, country_id, city_id, fee_min, fee_max, fee_currency, free_on::text, next_available_on, active_at
        FROM marketplace_artists WHERE artist_id = ${artistId}::uuid`
    const { booking } = await booked(promoter, artistId, on('05-02'))
    const kept = await row()
    const [stored] = await h.app.db.$queryRaw<{ updated_at: Date }[]>`SELECT updated_at FROM bookings WHERE id = ${booking.id}::uuid`
    expect(kept).toHaveLength(1)
    expect(kept[0]?.active_at).toEqual(stored?.updated_at)
    await h.app.db.$executeRaw`SELECT marketplace_refresh(ARRAY[${artistId}::uuid])`
    expect(await row()).toEqual(kept)
  })

  it('finds a name whatever its accents or case, on both faces (q folds like the directory)', async () => {
    const artistId = await representedArtist(agency, `Los Satélites ${crypto.randomUUID().slice(0, 6)}`)
    for (const q of ['sate', 'SATÉLITES', 'los satelites']) {
      const r = await search({ q })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      expect(r.body.data.items.map((i: { artistId: string }) => i.artistId)).toEqual([artistId])
      expect(r.body.data.items[0]).not.toHaveProperty('nameSearch')
    }
    // % and _ are letters, not patterns.
    expect((await search({ q: 'sat_lites' })).body.data.items).toEqual([])
    const g = await h.app.graphql(
      '{ marketplace(first: 5, filter: { q: "satelites", sort: RELEVANCE }) { totalCount edges { node { artist { id } name } } } }',
      {},
      {
        as: promoter,
      },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.marketplace.totalCount).toBe(1)
    expect(g.data.marketplace.edges[0].node.artist.id).toBe(artistId)
  })

  it('counts a show still on around the day though it began before the days around', async () => {
    const artistId = await representedArtist(agency, `Market residency ${crypto.randomUUID().slice(0, 6)}`)
    // From 8 March 20:00 to 12 March 02:00: it overlaps 11–17 March (3 days around the 14th), not 13–15.
    const { booking } = await booked(promoter, artistId, { startsAt: on('03-08').startsAt, endsAt: on('03-12', 2).startsAt })
    await h.app.db.booking.update({ where: { id: booking.id }, data: { cityId: lyon.id } })
    const near = async (aroundDays: number) =>
      (await search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 20, aroundDays })).body.data.items.map(
        (i: { artistId: string }) => i.artistId,
      )
    expect(await near(3)).toContain(artistId)
    expect(await near(1)).not.toContain(artistId)
  })

  it('ranks free text best match first: names that start with it, then a word that does, then inside a word; shorter first, then activity', async () => {
    // active_at follows the artist's own updated_at here (no windows, no bookings): quokkaberry-1 is the latest.
    await h.app.db.$executeRawUnsafe(
      `INSERT INTO artists (id, name, slug, updated_at)
       SELECT gen_random_uuid(), name, 'quokkaberry-' || i, now() - i * interval '1 day'
       FROM unnest(ARRAY['Quokkaberry Brass Band Collective', 'Quokkabérry Brass', 'The Quokkaberry', 'QUOKKABERRY BRASS',
                         'Superquokkaberry', 'Quokkaberry']) WITH ORDINALITY t(name, i)`,
    )
    const slugs = async (query: Record<string, string | number>) => {
      const r = await search(query)
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return { total: r.body.data.total, slugs: r.body.data.items.map((i: { slug: string }) => i.slug) }
    }
    // The two exact matches (accents and case aside), the more recently active first; then the longer name.
    expect(await slugs({ q: 'Quokkaberry Brass', limit: 3 })).toEqual({
      total: 3,
      slugs: ['quokkaberry-2', 'quokkaberry-4', 'quokkaberry-1'],
    })
    // The exact name first, then the names that start with it (shorter first), then a later word, then inside a word.
    const all = ['quokkaberry-6', 'quokkaberry-2', 'quokkaberry-4', 'quokkaberry-1', 'quokkaberry-3', 'quokkaberry-5']
    expect(await slugs({ q: 'quokkaberry' })).toEqual({ total: 6, slugs: all })
    // Pages cut the same order: the first from the names that start with q alone, the second across the tiers.
    expect(await slugs({ q: 'quokkaberry', limit: 3 })).toEqual({ total: 6, slugs: all.slice(0, 3) })
    expect(await slugs({ q: 'quokkaberry', limit: 3, page: 2 })).toEqual({ total: 6, slugs: all.slice(3) })
    expect(await slugs({ q: 'quokkaberry', limit: 4, page: 2 })).toEqual({ total: 6, slugs: all.slice(4) })
    // Inside a word only: shorter first, equally long by latest activity.
    expect(await slugs({ q: 'kkaberry' })).toEqual({
      total: 6,
      slugs: ['quokkaberry-6', 'quokkaberry-3', 'quokkaberry-5', 'quokkaberry-2', 'quokkaberry-4', 'quokkaberry-1'],
    })
    // Regular-expression characters are letters too.
    expect(await slugs({ q: 'quokka(berry*' })).toEqual({ total: 0, slugs: [] })
    // Another sort keeps the same matches and count.
    expect((await slugs({ q: 'quokkaberry', sort: 'activity' })).slugs).toEqual([
      'quokkaberry-1',
      'quokkaberry-2',
      'quokkaberry-3',
      'quokkaberry-4',
      'quokkaberry-5',
      'quokkaberry-6',
    ])
  })
})

/** The statements one call sends (transaction control included: it is a round trip too). */
async function statementsOf<T>(call: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const start = h.app.sql.length
  const result = await call()
  return { result, statements: h.app.sql.length - start }
}

describe('marketplace cards', () => {
  let genres: Awaited<ReturnType<typeof seedGenres>>
  const CARDS = `query($first: Int!, $q: String) { marketplace(first: $first, filter: { q: $q, sort: FEE }) { totalCount edges { node {
    artistId name slug genres { name } country { code name } city { name } agency { id name }
    feeGuidance { min { amount currency } } nextAvailableOn availableDays distanceKm artist { id slug } } } } }`
  const DEEPER = '{ marketplace(first: 1, filter: { q: "stallholder", sort: FEE }) { edges { node { artist { id genres { name } } } } } }'

  beforeAll(async () => {
    genres = await seedGenres(h.app.db)
    const fr = await h.app.db.country.findUniqueOrThrow({ where: { code: 'FR' } })
    // 25 listed artists at home in Lyon with two genres, a fee guidance and the agency booking them; the
    // triggers write their marketplace rows.
    await h.app.db.$executeRawUnsafe(
      `INSERT INTO artists (id, name, slug, country_id, city_id)
       SELECT gen_random_uuid(), 'Stallholder ' || lpad(i::text, 2, '0'), 'stallholder-' || i, $1::uuid, $2::uuid FROM generate_series(1, 25) i`,
      fr.id,
      lyon.id,
    )
    const where = `WHERE name LIKE 'Stallholder %'`
    await h.app.db.$executeRawUnsafe(
      `INSERT INTO artist_genres (artist_id, genre_id, position) SELECT id, $1::uuid, 0 FROM artists ${where}
       UNION ALL SELECT id, $2::uuid, 1 FROM artists ${where}`,
      genres.techno.id,
      genres.jazz.id,
    )
    await h.app.db.$executeRawUnsafe(
      `INSERT INTO artist_profiles (id, artist_id, fee_guidance_min, fee_guidance_max, fee_guidance_currency)
       SELECT gen_random_uuid(), id, 100000 + right(name, 2)::int, 200000, 'EUR' FROM artists ${where}`,
    )
    await h.app.db.$executeRawUnsafe(
      `INSERT INTO artists_roster_links (id, artist_id, agency_id, role, starts_on)
       SELECT gen_random_uuid(), id, $1::uuid, 'agency', date '2020-01-01' FROM artists ${where}`,
      agency.agencyId,
    )
  }, 60_000)

  it('show what a promoter needs, named, in the order asked, on both faces', async () => {
    const r = await search({ q: 'stallholder', sort: 'fee', limit: 3 })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.data.total).toBe(25)
    expect(r.body.data.items.map((i: { name: string }) => i.name)).toEqual(['Stallholder 01', 'Stallholder 02', 'Stallholder 03'])
    const agencyName = (await h.app.db.agency.findUniqueOrThrow({ where: { id: agency.agencyId } })).name
    const card = {
      name: 'Stallholder 01',
      slug: 'stallholder-1',
      genres: [
        { id: genres.techno.id, name: 'Techno' },
        { id: genres.jazz.id, name: 'Jazz' },
      ],
      country: { code: 'FR', name: 'France' },
      city: { id: lyon.id, name: 'Lyon' },
      agency: { id: agency.agencyId, name: agencyName },
      feeGuidance: { min: { amount: 100_001, currency: 'EUR', decimals: 2 }, max: { amount: 200_000, currency: 'EUR', decimals: 2 } },
      nextAvailableOn: null,
      availableDays: 0,
      distanceKm: null,
    }
    expect(r.body.data.items[0]).toMatchObject({ ...card, artist: { id: r.body.data.items[0].artistId, slug: 'stallholder-1' } })
    // Never the read model's own columns: a card is not a row.
    expect(r.body.data.items[0]).not.toHaveProperty('genreIds')
    expect(r.body.data.items[0]).not.toHaveProperty('feeMin')

    const g = await h.app.graphql(CARDS, { first: 1, q: 'stallholder' }, { as: promoter })
    expect(g.errors).toBeUndefined()
    expect(g.data.marketplace.edges[0].node).toMatchObject({
      artistId: r.body.data.items[0].artistId,
      slug: 'stallholder-1',
      genres: [{ name: 'Techno' }, { name: 'Jazz' }],
      country: { code: 'FR', name: 'France' },
      city: { name: 'Lyon' },
      agency: { id: agency.agencyId, name: agencyName },
      feeGuidance: { min: { amount: 100_001, currency: 'EUR' } },
      distanceKm: null,
      artist: { id: r.body.data.items[0].artistId, slug: 'stallholder-1' },
    })
  })

  it('leave the directory out for a caller who may search availability but not read the directory', async () => {
    const scout = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.availability.read'] })
    const r = await h.app.rest('GET', '/api/v1/marketplace/artists?q=stallholder&sort=fee&limit=1', { as: scout })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.data.items[0]).toMatchObject({
      name: 'Stallholder 01',
      genres: null,
      country: null,
      city: null,
      agency: { id: agency.agencyId },
      feeGuidance: { min: { amount: 100_001 } },
    })
    const g = await h.app.graphql(CARDS, { first: 1, q: 'stallholder' }, { as: scout })
    expect(g.errors).toBeUndefined()
    expect(g.data.marketplace.edges[0].node).toMatchObject({ genres: null, country: null, city: null, agency: { id: agency.agencyId } })
    // Its relations keep their own rule: the artist's genres need directory.read.
    const deeper = await h.app.graphql(DEEPER, {}, { as: scout })
    expect(deeper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')
    expect(deeper.data.marketplace.edges[0].node.artist.genres).toBeNull()
    // A directory reader wanting more of the artist gets it through the same reference.
    const more = await h.app.graphql(DEEPER, {}, { as: promoter })
    expect(more.errors).toBeUndefined()
    expect(more.data.marketplace.edges[0].node.artist.genres.map((x: { name: string }) => x.name)).toEqual(['Techno', 'Jazz'])
  })

  it('cost the same few statements for 2 cards as for 20, on REST and GraphQL', async () => {
    const rest = (limit: number) => statementsOf(() => search({ q: 'stallholder', sort: 'fee', limit }))
    const [small, large] = [await rest(2), await rest(20)]
    expect(small.result.body.data.items).toHaveLength(2)
    expect(large.result.body.data.items).toHaveLength(20)
    expect(large.result.body.data.items[19].genres).toHaveLength(2)
    expect(large.statements).toBe(small.statements)
    // The stale-date check, the page of cards and its count: one statement.
    expect(large.statements).toBe(1)
    expect(large.result.body.data).toMatchObject({ total: 25, totalCapped: false })
    // A country by its code: still one statement (the code is looked up in it).
    const french = await statementsOf(() => search({ q: 'stallholder', countryCode: 'fr', sort: 'fee' }))
    expect(french.result.body.data).toMatchObject({ total: 25, totalCapped: false })
    expect(french.statements).toBe(1)
    // A page past the end: its one row carries the count, and no card.
    const past = await statementsOf(() => search({ q: 'stallholder', sort: 'fee', limit: 20, page: 3 }))
    expect(past.result.body.data).toMatchObject({ items: [], total: 25, totalCapped: false })
    expect(past.statements).toBe(1)

    const gql = (first: number) => statementsOf(() => h.app.graphql(CARDS, { first, q: 'stallholder' }, { as: promoter }))
    const [few, many] = [await gql(2), await gql(20)]
    expect(many.result.errors).toBeUndefined()
    expect(many.result.data.marketplace.totalCount).toBe(25)
    expect(many.result.data.marketplace.edges).toHaveLength(20)
    expect(many.statements).toBe(few.statements)
    expect(many.statements).toBe(1)
  })
})

describe('genre counts', () => {
  // The capped count is planned without the genre's frequency (the GIN bitmap for every genre, stopped at the
  // cap): a dense genre past the cap and a sparse subgenre, each checked against the base tables.
  let genres: Awaited<ReturnType<typeof seedGenres>>
  const GENRES = `query($genreId: ID!) { marketplace(first: 2, filter: { genreId: $genreId }) { totalCount totalCapped edges { node { artistId } } } }`
  const listed = async (genreId: string) => {
    const [row] = await h.app.db.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM artists a WHERE a.archived_at IS NULL AND EXISTS (
         SELECT FROM artist_genres ag JOIN genres g ON g.id = ag.genre_id WHERE ag.artist_id = a.id AND $1::uuid IN (g.id, g.parent_id))`,
      genreId,
    )
    return row!.n
  }
  const archive = (...numbers: number[]) =>
    h.app.db.$executeRawUnsafe(
      `UPDATE artists SET archived_at = now() WHERE slug = ANY($1::text[])`,
      numbers.map((i) => `crowd-${i}`),
    )
  const counted = async (genreId: string, sort = 'relevance') => {
    const r = await search({ genreId, sort, limit: 2 })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return { total: r.body.data.total, totalCapped: r.body.data.totalCapped }
  }

  beforeAll(async () => {
    genres = await seedGenres(h.app.db)
    // 995 artists in Electronic, 9 in Techno alone (its subgenre), one of them archived: 1,003 listed
    // Electronic artists (its subgenre included), 8 Techno.
    await h.app.db.$executeRawUnsafe(
      `INSERT INTO artists (id, name, slug) SELECT gen_random_uuid(), 'Crowd ' || i, 'crowd-' || i FROM generate_series(1, 1004) i`,
    )
    await h.app.db.$executeRawUnsafe(
      `INSERT INTO artist_genres (artist_id, genre_id, position)
       SELECT a.id, CASE WHEN right(a.slug, -6)::int <= 995 THEN $1::uuid ELSE $2::uuid END, 0 FROM artists a WHERE a.slug LIKE 'crowd-%'`,
      genres.electronic.id,
      genres.techno.id,
    )
    await archive(1004)
  }, 60_000)

  it('counts a dense genre to the cap and a sparse subgenre exactly, in every sort and on both faces', async () => {
    expect(await listed(genres.electronic.id)).toBe(1003)
    expect(await listed(genres.techno.id)).toBe(8)
    for (const sort of ['relevance', 'soonest', 'activity', 'fee']) {
      expect(await counted(genres.electronic.id, sort)).toEqual({ total: 1000, totalCapped: true })
      expect(await counted(genres.techno.id, sort)).toEqual({ total: 8, totalCapped: false })
    }
    const dense = await h.app.graphql(GENRES, { genreId: genres.electronic.id }, { as: promoter })
    expect(dense.errors).toBeUndefined()
    expect(dense.data.marketplace).toMatchObject({ totalCount: 1000, totalCapped: true })
    const sparse = await h.app.graphql(GENRES, { genreId: genres.techno.id }, { as: promoter })
    expect(sparse.data.marketplace).toMatchObject({ totalCount: 8, totalCapped: false })
    // A genre no listed artist has: counted as none.
    expect(await counted(genres.jazz.id)).toEqual({ total: 0, totalCapped: false })
  })

  it('tells exactly 1,000 from more at the cap, and counts with another filter beside the genre', async () => {
    // Three Electronic artists archived: 1,000 listed, the listing's limit and not past it; one more: 999.
    await archive(1, 2, 3)
    expect(await listed(genres.electronic.id)).toBe(1000)
    expect(await counted(genres.electronic.id)).toEqual({ total: 1000, totalCapped: false })
    await archive(4)
    expect(await counted(genres.electronic.id, 'soonest')).toEqual({ total: 999, totalCapped: false })
    // With a name: Crowd 10–19 and 100–199 (Electronic) and 1000–1003 (Techno); Crowd 1 and 1004 are archived.
    const named = await search({ genreId: genres.electronic.id, q: 'crowd 1', limit: 2 })
    expect(named.body.data).toMatchObject({ total: 10 + 100 + 4, totalCapped: false })
  })
})

describe('the next available day', () => {
  it('is recomputed once it has passed, before the page sorts by it, in the same statement as the page', async () => {
    const DAY = 86_400_000
    const start = h.app.clock.now().getTime()
    const dayAt = (offset: number) => new Date(start + offset * DAY).toISOString().slice(0, 10)
    const name = `Market stale ${crypto.randomUUID().slice(0, 6)}`
    const offered = async (key: string, ...windows: [number, number][]) => {
      const id = await representedArtist(agency, `${name} ${key}`)
      for (const [from, to] of windows) {
        const r = await h.app.rest('POST', `/api/v1/artists/${id}/availability`, {
          as: agency,
          body: { startsOn: dayAt(from), endsOn: dayAt(to), status: 'available' },
        })
        expect(r.status, JSON.stringify(r.body)).toBe(201)
      }
      return id
    }
    const early = await offered('early', [1, 2], [30, 31])
    const steady = await offered('steady', [10, 11])
    const soonest = () => search({ q: name, sort: 'soonest' })
    const order = (items: { artistId: string; nextAvailableOn: string }[]) =>
      items.map((i) => [i.artistId === early ? 'early' : i.artistId === steady ? 'steady' : '?', i.nextAvailableOn])
    expect(order((await soonest()).body.data.items)).toEqual([
      ['early', dayAt(1)],
      ['steady', dayAt(10)],
    ])
    // Five days on, with no write: the early artist's first days have passed, its next is day 30, after the
    // other's. The page that refreshed it reads again: the order and the date are today's.
    h.app.clock.advance(5 * DAY)
    const { result, statements } = await statementsOf(soonest)
    expect(order(result.body.data.items)).toEqual([
      ['steady', dayAt(10)],
      ['early', dayAt(30)],
    ])
    expect(statements).toBe(2)
    // Refreshed: the next search is one statement again.
    expect((await statementsOf(soonest)).statements).toBe(1)
  })

  it("is today's for a search that waited on another search refreshing the same rows", async () => {
    const DAY = 86_400_000
    const start = h.app.clock.now().getTime()
    const dayAt = (offset: number) => new Date(start + offset * DAY).toISOString().slice(0, 10)
    const name = `Market racing ${crypto.randomUUID().slice(0, 6)}`
    const id = await representedArtist(agency, name)
    for (const [from, to] of [
      [1, 2],
      [30, 31],
    ]) {
      const r = await h.app.rest('POST', `/api/v1/artists/${id}/availability`, {
        as: agency,
        body: { startsOn: dayAt(from!), endsOn: dayAt(to!), status: 'available' },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
    }
    const nextOn = async () =>
      (await search({ q: name, sort: 'soonest' })).body.data.items.map((i: { nextAvailableOn: string }) => i.nextAvailableOn)
    expect(await nextOn()).toEqual([dayAt(1)])
    h.app.clock.advance(5 * DAY)
    const today = new Date(h.app.clock.now().getTime()).toISOString().slice(0, 10)
    // Another search's statement has refreshed the rows and not yet committed: this one's check waits on its
    // row locks, then finds nothing left to refresh, while its page reads the snapshot taken before it waited.
    const other = new pg.Client({ connectionString: h.database.url })
    await other.connect()
    try {
      await other.query('BEGIN')
      const refreshed = await other.query(
        `UPDATE marketplace_artists SET next_available_on = lower(free_on * datemultirange(daterange($1::date, NULL))), updated_at = now()
         WHERE next_available_on < $1::date`,
        [today],
      )
      expect(refreshed.rowCount).toBeGreaterThan(0)
      const waiting = nextOn()
      const otherPid = await backendPid(other)
      await untilLocked(() => holdsUpAnother(other, otherPid))
      await other.query('COMMIT')
      expect(await waiting).toEqual([dayAt(30)])
    } finally {
      await other.end()
    }
  })
})
