// The directory through the /api/v1 shim: envelope, pagination, search and filters, validation with
// field-level messages, ownership rules, archive/restore, and nothing lost on a rejected write.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let agency: Session & { agencyId: string }
let rival: Session & { agencyId: string }
let promoter: Session
let geo: Awaited<ReturnType<typeof seedGeo>>
let genres: Awaited<ReturnType<typeof seedGenres>>

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  rival = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  geo = await seedGeo(h.app.db)
  genres = await seedGenres(h.app.db)
})

const createArtist = async (body: Record<string, unknown>, as: Session | 'machine' = agency) => {
  const r = await h.app.rest('POST', '/api/v1/artists', { as, body })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body.data
}

describe('artists', () => {
  it('creates an artist with profile, ordered genres and location, in the envelope', async () => {
    const r = await h.app.rest('POST', '/api/v1/artists', {
      as: agency,
      body: {
        name: '  Rosalía Núñez ',
        kind: 'solo',
        countryCode: 'es',
        cityId: geo.madrid.id,
        genreIds: [genres.techno.id, genres.jazz.id],
        profile: { biography: 'Flamenco meets techno.', websiteUrl: 'https://rosalia.example', formedYear: 2016 },
      },
    })
    expect(r.status).toBe(201)
    expect(r.body.success).toBe(true)
    const a = r.body.data
    expect(a).toMatchObject({ name: 'Rosalía Núñez', slug: 'rosalia-nunez', kind: 'solo', countryId: geo.es.id, cityId: geo.madrid.id })
    expect(a.country.code).toBe('ES')
    expect(a.profile).toMatchObject({ biography: 'Flamenco meets techno.', formedYear: 2016 })
    expect(a.genres.map((g: { genre: { name: string } }) => g.genre.name)).toEqual(['Techno', 'Jazz'])
    expect(a.createdByOrgId).toBe(agency.orgId)

    const fetched = await h.app.rest('GET', `/api/v1/artists/${a.id}`, { as: promoter })
    expect(fetched.status).toBe(200)
    expect(fetched.body).toEqual({ success: true, data: a })
  })

  it('gives same-named artists distinct slugs, even when created concurrently', async () => {
    const created = await Promise.all(
      Array.from({ length: 5 }, () => h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: 'Echo Chamber' } })),
    )
    expect(created.map((r) => r.status)).toEqual(Array(5).fill(201))
    const slugs = created.map((r) => r.body.data.slug).sort()
    expect(new Set(slugs).size).toBe(5)
    expect(slugs).toContain('echo-chamber')
  })

  it('answers field-level validation errors and writes nothing', async () => {
    const before = await h.app.db.artist.count()
    const r = await h.app.rest('POST', '/api/v1/artists', {
      as: agency,
      body: { name: '', kind: 'orchestra', countryCode: 'ESP', genreIds: ['nope'], profile: { websiteUrl: 'ftp://x', formedYear: 1200 } },
    })
    expect(r.status).toBe(400)
    expect(r.body.success).toBe(false)
    expect(r.body.error.code).toBe('validation_error')
    const fields = r.body.error.fields.map((f: { field: string }) => f.field).sort()
    expect(fields).toEqual(['countryCode', 'genreIds.0', 'kind', 'name', 'profile.formedYear', 'profile.websiteUrl'])
    expect(r.body.error.message).toContain('name:')
    expect(await h.app.db.artist.count()).toBe(before)
  })

  it('names unknown references: country, city in another country, archived genre', async () => {
    const country = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: 'X', countryCode: 'ZZ' } })
    expect(country.body.error.fields).toEqual([{ field: 'countryCode', message: 'unknown country ZZ' }])
    const city = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: 'X', countryCode: 'ES', cityId: geo.paris.id } })
    expect(city.body.error.fields).toEqual([{ field: 'cityId', message: 'the city is not in the given country' }])
    const archived = await h.app.db.genre.create({ data: { name: 'Old', slug: 'old-genre', archivedAt: new Date() } })
    const genre = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: 'X', genreIds: [genres.jazz.id, archived.id] } })
    expect(genre.body.error.fields).toEqual([{ field: 'genreIds.1', message: 'unknown or archived genre' }])
  })

  it('rejects oversize strings and a non-UUID path id', async () => {
    const long = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: 'x'.repeat(201) } })
    expect(long.status).toBe(400)
    expect(long.body.error.fields[0].field).toBe('name')
    const badId = await h.app.rest('GET', '/api/v1/artists/not-a-uuid', { as: agency })
    expect(badId.status).toBe(400)
    expect(badId.body.error.fields).toEqual([{ field: 'id', message: 'expected a UUID' }])
  })

  it('answers 404 in the envelope for an unknown artist', async () => {
    const r = await h.app.rest('GET', '/api/v1/artists/00000000-0000-4000-8000-000000000000', { as: agency })
    expect(r.status).toBe(404)
    expect(r.body).toEqual({
      success: false,
      error: { code: 'not_found', message: 'artist 00000000-0000-4000-8000-000000000000 not found' },
    })
  })

  it('patches: absent fields are kept, null clears, genres are replaced', async () => {
    const a = await createArtist({
      name: 'Patchwork',
      countryCode: 'ES',
      genreIds: [genres.jazz.id],
      profile: { biography: 'old', formedYear: 2001 },
    })
    const r = await h.app.rest('PATCH', `/api/v1/artists/${a.id}`, {
      as: agency,
      body: { countryCode: null, genreIds: [genres.techno.id, genres.electronic.id], profile: { biography: 'new' } },
    })
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ name: 'Patchwork', countryId: null, profile: { biography: 'new', formedYear: 2001 } })
    expect(r.body.data.genres.map((g: { genreId: string }) => g.genreId)).toEqual([genres.techno.id, genres.electronic.id])
  })

  it('lets only the managing company (or a platform admin) change an artist', async () => {
    const a = await createArtist({ name: 'Guarded' })
    const denied = await h.app.rest('PATCH', `/api/v1/artists/${a.id}`, { as: rival, body: { name: 'Hijacked' } })
    expect(denied.status).toBe(403)
    expect(denied.body.error.code).toBe('not_artist_manager')
    expect((await h.app.rest('POST', `/api/v1/artists/${a.id}/archive`, { as: rival })).status).toBe(403)
    expect((await h.app.db.artist.findUniqueOrThrow({ where: { id: a.id } })).name).toBe('Guarded')
    const admin = await h.app.rest('PATCH', `/api/v1/artists/${a.id}`, { as: 'machine', body: { name: 'Guarded (admin)' } })
    expect(admin.status).toBe(200)
    const promoterWrite = await h.app.rest('PATCH', `/api/v1/artists/${a.id}`, { as: promoter, body: { name: 'x' } })
    expect(promoterWrite.status).toBe(403)
    expect(promoterWrite.body.error.message).toBe('module not granted: artist')
  })

  it('archives (hidden from listings, kept by id) and restores', async () => {
    const a = await createArtist({ name: 'Zzyzx Archive Test' })
    const archived = await h.app.rest('POST', `/api/v1/artists/${a.id}/archive`, { as: agency })
    expect(archived.body.data.archivedAt).not.toBeNull()
    const hidden = await h.app.rest('GET', '/api/v1/artists?q=zzyzx', { as: agency })
    expect(hidden.body.data.total).toBe(0)
    const shown = await h.app.rest('GET', '/api/v1/artists?q=zzyzx&includeArchived=true', { as: agency })
    expect(shown.body.data.items.map((x: { id: string }) => x.id)).toEqual([a.id])
    expect((await h.app.rest('GET', `/api/v1/artists/${a.id}`, { as: agency })).status).toBe(200)
    const restored = await h.app.rest('POST', `/api/v1/artists/${a.id}/restore`, { as: agency })
    expect(restored.body.data.archivedAt).toBeNull()
    expect((await h.app.rest('GET', '/api/v1/artists?q=zzyzx', { as: agency })).body.data.total).toBe(1)
  })
})

describe('artist search and pagination', () => {
  // Genres of their own, so that artists of other tests do not match the filters.
  let g: Awaited<ReturnType<typeof seedGenres>>
  beforeAll(async () => {
    g = await seedGenres(h.app.db)
    const mk = (name: string, extra: Record<string, unknown> = {}) => createArtist({ name, ...extra })
    for (let i = 0; i < 23; i++) await mk(`Pager ${String(i).padStart(2, '0')}`)
    await mk('Techno Tina', { genreIds: [g.techno.id], countryCode: 'FR', kind: 'dj' })
    await mk('Electro Ed', { genreIds: [g.electronic.id], countryCode: 'ES' })
    await mk('Jazz Jo', { genreIds: [g.jazz.id], countryCode: 'FR' })
  })

  it('pages with page/limit and reports { items, total, page, limit }', async () => {
    const p1 = await h.app.rest('GET', '/api/v1/artists?q=pager&limit=10', { as: promoter })
    expect(p1.body.data).toMatchObject({ total: 23, page: 1, limit: 10 })
    expect(p1.body.data.items.map((a: { name: string }) => a.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `Pager ${String(i).padStart(2, '0')}`),
    )
    const p3 = await h.app.rest('GET', '/api/v1/artists?q=pager&limit=10&page=3', { as: promoter })
    expect(p3.body.data.items.map((a: { name: string }) => a.name)).toEqual(['Pager 20', 'Pager 21', 'Pager 22'])
    const beyond = await h.app.rest('GET', '/api/v1/artists?q=pager&limit=10&page=9', { as: promoter })
    expect(beyond.body.data).toMatchObject({ items: [], total: 23, page: 9 })
  })

  it('defaults to page 1 of 20 and caps the page size', async () => {
    const d = await h.app.rest('GET', '/api/v1/artists?q=pager', { as: promoter })
    expect(d.body.data).toMatchObject({ page: 1, limit: 20 })
    expect(d.body.data.items).toHaveLength(20)
    const big = await h.app.rest('GET', '/api/v1/artists?limit=500', { as: promoter })
    expect(big.status).toBe(400)
    expect(big.body.error.fields[0].field).toBe('limit')
    const zero = await h.app.rest('GET', '/api/v1/artists?page=0', { as: promoter })
    expect(zero.body.error.fields[0].field).toBe('page')
  })

  it('filters by genre (subgenres included), country, kind; searches names case-insensitively', async () => {
    const names = async (query: string) =>
      (await h.app.rest('GET', `/api/v1/artists?${query}`, { as: promoter })).body.data.items.map((a: { name: string }) => a.name).sort()
    expect(await names(`genreId=${g.electronic.id}`)).toEqual(['Electro Ed', 'Techno Tina'])
    expect(await names(`genreId=${g.techno.id}`)).toEqual(['Techno Tina'])
    expect(await names(`countryCode=fr&genreId=${g.electronic.id}`)).toEqual(['Techno Tina'])
    expect(await names('countryCode=fr&q=j')).toEqual(['Jazz Jo'])
    expect(await names('kind=dj&q=tina')).toEqual(['Techno Tina'])
    expect(await names('kind=band&q=tina')).toEqual([])
    expect(await names('q=TINA')).toEqual(['Techno Tina'])
    const bad = await h.app.rest('GET', '/api/v1/artists?genreId=jazz', { as: promoter })
    expect(bad.body.error.fields[0].field).toBe('genreId')
  })

  it('sorts newest first on request', async () => {
    const r = await h.app.rest('GET', '/api/v1/artists?sort=newest&limit=1', { as: promoter })
    expect(r.body.data.items[0].name).toBe('Jazz Jo')
  })
})

describe('platform accounts and provider references', () => {
  it('links, updates and unlinks platform accounts; duplicates are 409; only admins verify', async () => {
    const a = await createArtist({ name: 'Linked' })
    const body = { platform: 'spotify', url: 'https://open.spotify.com/artist/linked', externalId: 'sp-linked' }
    const added = await h.app.rest('POST', `/api/v1/artists/${a.id}/platform-accounts`, { as: agency, body })
    expect(added.status).toBe(201)
    const dup = await h.app.rest('POST', `/api/v1/artists/${a.id}/platform-accounts`, { as: agency, body })
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('platform_account_exists')
    const selfVerify = await h.app.rest('PATCH', `/api/v1/platform-accounts/${added.body.data.id}`, {
      as: agency,
      body: { verified: true },
    })
    expect(selfVerify.status).toBe(403)
    const verified = await h.app.rest('PATCH', `/api/v1/platform-accounts/${added.body.data.id}`, {
      as: 'machine',
      body: { verified: true },
    })
    expect(verified.body.data.verified).toBe(true)
    const listed = await h.app.rest('GET', `/api/v1/artists/${a.id}/platform-accounts`, { as: promoter })
    expect(listed.body.data).toHaveLength(1)
    expect((await h.app.rest('DELETE', `/api/v1/platform-accounts/${added.body.data.id}`, { as: rival })).status).toBe(403)
    expect((await h.app.rest('DELETE', `/api/v1/platform-accounts/${added.body.data.id}`, { as: agency })).status).toBe(200)
    expect((await h.app.rest('GET', `/api/v1/artists/${a.id}/platform-accounts`, { as: promoter })).body.data).toEqual([])
  })

  it('sets provider references (platform only), one per provider, unique per provider id', async () => {
    const a = await createArtist({ name: 'Tracked' })
    const b = await createArtist({ name: 'Tracked Too' })
    expect(
      (
        await h.app.rest('PUT', `/api/v1/artists/${a.id}/provider-references`, {
          as: agency,
          body: { provider: 'viberate', externalId: 'v1' },
        })
      ).status,
    ).toBe(403)
    const set = await h.app.rest('PUT', `/api/v1/artists/${a.id}/provider-references`, {
      as: 'machine',
      body: { provider: 'viberate', externalId: 'v1' },
    })
    expect(set.status).toBe(200)
    const replaced = await h.app.rest('PUT', `/api/v1/artists/${a.id}/provider-references`, {
      as: 'machine',
      body: { provider: 'viberate', externalId: 'v2' },
    })
    expect(replaced.body.data).toMatchObject({ id: set.body.data.id, externalId: 'v2' })
    const taken = await h.app.rest('PUT', `/api/v1/artists/${b.id}/provider-references`, {
      as: 'machine',
      body: { provider: 'viberate', externalId: 'v2' },
    })
    expect(taken.status).toBe(409)
    expect(taken.body.error.code).toBe('provider_reference_taken')
    const removed = await h.app.rest('DELETE', `/api/v1/artists/${a.id}/provider-references/viberate`, { as: 'machine' })
    expect(removed.status).toBe(200)
    expect((await h.app.rest('DELETE', `/api/v1/artists/${a.id}/provider-references/viberate`, { as: 'machine' })).status).toBe(404)
    expect(
      (await h.app.rest('GET', '/api/v1/artists/00000000-0000-4000-8000-000000000000/provider-references', { as: promoter })).status,
    ).toBe(404)
  })
})

describe('agencies (market companies)', () => {
  it('are created by platform admins only, and listed with claimed/sleeping filters', async () => {
    const tenant = await h.app.rest('POST', '/api/v1/artists-companies', { as: agency, body: { name: 'Self Made' } })
    expect(tenant.status).toBe(403)
    const created = await h.app.rest('POST', '/api/v1/artists-companies', {
      as: 'machine',
      body: { name: 'Sleepy Hollow Booking', kind: 'agency', countryCode: 'FR', cityId: geo.paris.id, email: 'hi@sleepy.example' },
    })
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ claimed: false, slug: 'sleepy-hollow-booking', country: { code: 'FR' } })
    const sleeping = await h.app.rest('GET', '/api/v1/artists-companies?claimed=false&q=sleepy', { as: promoter })
    expect(sleeping.body.data.items.map((c: { id: string }) => c.id)).toEqual([created.body.data.id])
    const claimed = await h.app.rest('GET', '/api/v1/artists-companies?claimed=true', { as: promoter })
    expect(claimed.body.data.items.map((c: { id: string }) => c.id).sort()).toEqual([agency.agencyId, rival.agencyId].sort())
  })

  it('are edited by their owning company only; bad input is field-named', async () => {
    const own = await h.app.rest('PATCH', `/api/v1/artists-companies/${agency.agencyId}`, {
      as: agency,
      body: { description: 'Boutique booking agency', websiteUrl: 'https://own.example' },
    })
    expect(own.status).toBe(200)
    expect(own.body.data.description).toBe('Boutique booking agency')
    const other = await h.app.rest('PATCH', `/api/v1/artists-companies/${rival.agencyId}`, {
      as: agency,
      body: { description: 'mine now' },
    })
    expect(other.status).toBe(403)
    expect(other.body.error.code).toBe('not_company_owner')
    const bad = await h.app.rest('PATCH', `/api/v1/artists-companies/${agency.agencyId}`, {
      as: agency,
      body: { email: 'not-an-email', kind: 'bank' },
    })
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'kind'])
  })

  it('are archived and restored by platform admins', async () => {
    const c = await h.app.rest('POST', '/api/v1/artists-companies', { as: 'machine', body: { name: 'Gone Soon' } })
    expect((await h.app.rest('POST', `/api/v1/artists-companies/${c.body.data.id}/archive`, { as: agency })).status).toBe(403)
    expect(
      (await h.app.rest('POST', `/api/v1/artists-companies/${c.body.data.id}/archive`, { as: 'machine' })).body.data.archivedAt,
    ).not.toBeNull()
    expect((await h.app.rest('GET', '/api/v1/artists-companies?q=gone soon', { as: promoter })).body.data.total).toBe(0)
    expect(
      (await h.app.rest('POST', `/api/v1/artists-companies/${c.body.data.id}/restore`, { as: 'machine' })).body.data.archivedAt,
    ).toBeNull()
  })
})

describe('people', () => {
  it("are added to the caller's own agency by default, and never to someone else's", async () => {
    const p = await h.app.rest('POST', '/api/v1/people', {
      as: agency,
      body: { firstName: 'Ana', lastName: 'Gil', email: 'ana@own.example', jobTitle: 'Agent' },
    })
    expect(p.status).toBe(201)
    expect(p.body.data).toMatchObject({ agencyId: agency.agencyId, agency: { id: agency.agencyId } })
    const foreign = await h.app.rest('POST', '/api/v1/people', { as: agency, body: { firstName: 'Spy', agencyId: rival.agencyId } })
    expect(foreign.status).toBe(400)
    expect(foreign.body.error.fields).toEqual([{ field: 'agencyId', message: 'people can only be added to your own agency' }])
  })

  it('are edited by the agency they work at, searched by name or email, archived and restored', async () => {
    const p = (
      await h.app.rest('POST', '/api/v1/people', {
        as: agency,
        body: { firstName: 'Bea', lastName: 'Searchable', email: 'bea@own.example' },
      })
    ).body.data
    expect((await h.app.rest('PATCH', `/api/v1/people/${p.id}`, { as: rival, body: { jobTitle: 'x' } })).status).toBe(403)
    const updated = await h.app.rest('PATCH', `/api/v1/people/${p.id}`, {
      as: agency,
      body: { jobTitle: 'Head of Touring', lastName: null },
    })
    expect(updated.body.data).toMatchObject({ jobTitle: 'Head of Touring', lastName: null })
    const byEmail = await h.app.rest('GET', '/api/v1/people?q=BEA@OWN', { as: promoter })
    expect(byEmail.body.data.items.map((x: { id: string }) => x.id)).toEqual([p.id])
    const byAgency = await h.app.rest('GET', `/api/v1/people?agencyId=${agency.agencyId}`, { as: promoter })
    expect(byAgency.body.data.total).toBeGreaterThanOrEqual(2)
    await h.app.rest('POST', `/api/v1/people/${p.id}/archive`, { as: agency })
    expect((await h.app.rest('GET', '/api/v1/people?q=bea@own', { as: promoter })).body.data.total).toBe(0)
    await h.app.rest('POST', `/api/v1/people/${p.id}/restore`, { as: agency })
    expect((await h.app.rest('GET', '/api/v1/people?q=bea@own', { as: promoter })).body.data.total).toBe(1)
  })
})

describe('genres and geo (platform-curated reference data)', () => {
  it('keeps subgenres one level deep and refuses to archive a genre with active subgenres', async () => {
    const deep = await h.app.rest('POST', '/api/v1/genres', { as: 'machine', body: { name: 'Minimal Techno', parentId: genres.techno.id } })
    expect(deep.status).toBe(400)
    expect(deep.body.error.fields[0]).toEqual({
      field: 'parentId',
      message: 'subgenres are one level deep: the parent must be a top-level genre',
    })
    const blocked = await h.app.rest('POST', `/api/v1/genres/${genres.electronic.id}/archive`, { as: 'machine' })
    expect(blocked.status).toBe(409)
    expect(blocked.body.error.code).toBe('genre_has_subgenres')
    const top = await h.app.rest('GET', '/api/v1/genres?topLevel=true&q=electronic', { as: promoter })
    expect(top.body.data.items[0].subgenres.map((g: { name: string }) => g.name)).toEqual(['Techno'])
  })

  it('adds countries and cities, names duplicates and invalid values', async () => {
    const pt = await h.app.rest('POST', '/api/v1/geo/countries', { as: 'machine', body: { code: 'pt', name: 'Portugal' } })
    expect(pt.body.data.code).toBe('PT')
    const again = await h.app.rest('POST', '/api/v1/geo/countries', { as: 'machine', body: { code: 'PT', name: 'Portugal' } })
    expect(again.status).toBe(409)
    const city = await h.app.rest('POST', '/api/v1/geo/cities', {
      as: 'machine',
      body: { countryCode: 'PT', name: 'Lisbon', timezone: 'Mars/Olympus' },
    })
    expect(city.body.error.fields).toEqual([{ field: 'timezone', message: 'expected an IANA time zone' }])
    const lisbon = await h.app.rest('POST', '/api/v1/geo/cities', {
      as: 'machine',
      body: { countryCode: 'PT', name: 'Lisbon', timezone: 'Europe/Lisbon', latitude: 38.72, longitude: -9.14 },
    })
    expect(lisbon.status).toBe(201)
    const found = await h.app.rest('GET', '/api/v1/geo/cities?countryCode=pt&q=lis', { as: promoter })
    expect(found.body.data.items.map((c: { name: string }) => c.name)).toEqual(['Lisbon'])
    expect((await h.app.rest('GET', '/api/v1/geo/countries/PT', { as: promoter })).body.data.name).toBe('Portugal')
    expect((await h.app.rest('GET', '/api/v1/geo/countries/QQ', { as: promoter })).status).toBe(404)
  })
})

describe('transport errors in the envelope', () => {
  it('answers an unknown route with a 404 envelope', async () => {
    const r = await h.app.rest('GET', '/api/v1/nope', { as: agency })
    expect(r.status).toBe(404)
    expect(r.body).toEqual({ success: false, error: { code: 'not_found', message: 'no route GET /api/v1/nope' } })
  })

  it('answers malformed JSON with 400 validation_error', async () => {
    const res = await fetch(`${h.app.url}/api/v1/artists`, {
      method: 'POST',
      headers: { ...agency.headers, 'content-type': 'application/json' },
      body: '{"name": ',
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_error')
  })
})
