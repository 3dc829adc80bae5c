// Limits that mean what they say (issue 20): the query cost counts variables like literals, date-times
// need a time zone, one bad row never fails a list, empty connections have no cursors, nested lists page,
// searches ignore accents, money reads as one Money shape on both faces.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { searchFold } from '../src/search.ts'
import { startApp, useHarness, type TestApp } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'

const h = useHarness()
let promoter: Session
let agency: AgencySession
const pipes = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  promoter = await h.auth.session(PROMOTER_ACCESS)
  agency = await agencySession(h.auth, h.app.db)
})

describe('query cost', () => {
  // genres(first: n) { edges { node { id name } } } costs 16.25·n: n = 10 is 162.5, n = 11 is 178.75.
  let capped: TestApp
  beforeAll(async () => {
    capped = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { GRAPHQL_MAX_COST: '170' } })
    return () => capped.close()
  })
  const literal = (n: number) => `{ genres(first: ${n}) { edges { node { id name } } } }`
  const variable = 'query Page($n: Int) { genres(first: $n) { edges { node { id name } } } }'

  it('costs a variable page size like its literal twin, on both sides of the limit', async () => {
    for (const [n, allowed] of [
      [10, true],
      [11, false],
    ] as const) {
      const a = await capped.graphql(literal(n), {}, { as: promoter })
      const b = await capped.graphql(variable, { n }, { as: promoter })
      for (const r of [a, b]) {
        if (allowed) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined()
        else {
          expect(r.status).toBe(400)
          expect(r.data).toBeUndefined()
          expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED')
          expect(r.errors?.[0]?.message).toMatch(/^Query cost 179 is over the limit of 170/)
          expect(r.errors?.[0]?.message).not.toMatch(/syntax/i)
        }
      }
    }
  })

  it('counts page sizes reached through fragments, aliases and @include, and the default page when none is given', async () => {
    const fragment = 'query F($n: Int) { ...G } fragment G on Query { genres(first: $n) { edges { node { id name } } } }'
    expect((await capped.graphql(fragment, { n: 11 }, { as: promoter })).status).toBe(400)
    expect((await capped.graphql(fragment, { n: 10 }, { as: promoter })).errors).toBeUndefined()
    const included = 'query I($n: Int, $all: Boolean!) { genres(first: $n) { edges { node { id name @include(if: $all) } } } }'
    // Without the name a node costs 3.5 instead of 5: 11 rows fit (144), with it they do not.
    expect((await capped.graphql(included, { n: 11, all: false }, { as: promoter })).errors).toBeUndefined()
    expect((await capped.graphql(included, { n: 11, all: true }, { as: promoter })).status).toBe(400)
    // No `first`: the default page of 20 is what is served, and costed.
    expect((await capped.graphql('{ genres { edges { node { id name } } } }', {}, { as: promoter })).status).toBe(400)
  })

  it('charges each batch of representations by its size, the same document with 30 and with 40 ids', async () => {
    // Each Artist { id name } costs 5: 30 of them are 150, 40 are 200.
    const query = 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Artist { id name } } }'
    const batch = (n: number) => ({ r: Array.from({ length: n }, () => ({ __typename: 'Artist', id: randomUUID() })) })
    for (const [n, allowed] of [
      [30, true],
      [40, false],
      [30, true],
      [40, false],
    ] as const) {
      const r = await capped.graphql(query, batch(n), { as: 'machine' })
      if (allowed) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined()
      else expect(r.errors?.[0]?.message).toMatch(/^Query cost 200 is over the limit of 170/)
    }
  })

  it('leaves a bad variable to execution, which names it', async () => {
    const r = await capped.graphql('query P($n: Int) { genres(first: $n) { totalCount } }', { n: 'many' }, { as: promoter })
    expect(r.status).toBe(400)
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(r.errors?.[0]?.message).toMatch(/\$n/)
  })

  it('does not charge introspection', async () => {
    const r = await capped.graphql('{ __schema { types { name fields { name type { name ofType { name } } } } } }', {}, { as: promoter })
    expect(r.errors).toBeUndefined()
  })
})

describe('date-times need a time zone', () => {
  it('refuses a zoneless instant on REST, naming the field, and writes nothing', async () => {
    const artistId = await pipes.representedArtist()
    for (const startsAt of ['2027-01-12 20:00', '2027-01-12T20:00', '2027-01-12T20:00:00']) {
      const r = await h.app.rest('POST', '/api/v1/booking-requests', {
        as: promoter,
        body: { artistId, startsAt, endsAt: '2027-01-12T23:00:00Z', venueName: 'Sala', city: 'Madrid', countryCode: 'ES' },
      })
      expect(validationFields(r).map((f) => f.field)).toEqual(['startsAt'])
      expect(validationFields(r)[0]?.message).toMatch(/time zone/)
    }
    const query = await h.app.rest('GET', '/api/v1/bookings?from=2027-01-12T20:00', { as: promoter })
    expect(validationFields(query).map((f) => f.field)).toEqual(['from'])
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(0)
    // With a zone (Z or an offset) the same instant is accepted.
    const ok = await h.app.rest('GET', `/api/v1/bookings?from=${encodeURIComponent('2027-01-12T20:00+01:00')}`, { as: promoter })
    expect(ok.status).toBe(200)
  })

  it('refuses a zoneless DateTime on GraphQL as a variable (BAD_USER_INPUT naming the field) and as a literal', async () => {
    const q = 'query B($f: BookingFilter) { bookings(filter: $f) { totalCount } }'
    const bad = await h.app.graphql(q, { f: { from: '2027-01-12 20:00' } }, { as: promoter })
    expect(bad.status).toBe(400)
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(bad.errors?.[0]?.message).toMatch(/f\.from.*time zone/)
    const literal = await h.app.graphql('{ bookings(filter: { from: "2027-01-12T20:00" }) { totalCount } }', {}, { as: promoter })
    expect(literal.status).toBe(400)
    expect(literal.errors?.[0]?.message).toMatch(/time zone/)
    const ok = await h.app.graphql(q, { f: { from: '2027-01-12T20:00:00-05:00' } }, { as: promoter })
    expect(ok.errors).toBeUndefined()
  })
})

describe('empty connections', () => {
  it('have null start and end cursors; a page with rows has both', async () => {
    const q =
      'query C($q: String) { artists(filter: { q: $q }) { edges { cursor } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }'
    const empty = await h.app.graphql(q, { q: 'no artist is called this' }, { as: promoter })
    expect(empty.errors).toBeUndefined()
    expect(empty.data.artists.pageInfo).toEqual({ startCursor: null, endCursor: null, hasNextPage: false, hasPreviousPage: false })
    await pipes.representedArtist(agency, 'Cursor Check')
    const full = await h.app.graphql(q, { q: 'Cursor Check' }, { as: promoter })
    expect(full.data.artists.pageInfo.startCursor).toBe(full.data.artists.edges[0].cursor)
    expect(full.data.artists.pageInfo.endCursor).toBe(full.data.artists.edges.at(-1).cursor)
  })
})

describe('one Money shape on both faces', () => {
  const eur = (amount: number) => ({ amount, currency: 'EUR', decimals: 2 })

  it('shows fee, deposit, deposit terms and budget as Money beside the old numbers (REST and GraphQL alike)', async () => {
    const artistId = await pipes.representedArtist()
    const { booking, requestId } = await pipes.booked(promoter, artistId)
    const rest = (await h.app.rest('GET', `/api/v1/bookings/${booking.id}`, { as: promoter })).body.data
    expect(rest).toMatchObject({ fee: 1_500_000, feeMoney: eur(1_500_000), deposit: 500_000, depositMoney: eur(500_000) })
    expect(rest.depositTerms[0]).toMatchObject({ amount: 500_000, amountMoney: eur(500_000) })
    const request = (await h.app.rest('GET', `/api/v1/booking-requests/${requestId}`, { as: promoter })).body.data
    expect(request).toMatchObject({ budget: 1_200_000, budgetMoney: eur(1_200_000) })
    expect(request.offers[0]).toMatchObject({ feeMoney: eur(1_500_000) })
    const list = (await h.app.rest('GET', `/api/v1/bookings?agencyId=${agency.agencyId}`, { as: agency })).body.data.items
    expect(list.find((b: { id: string }) => b.id === booking.id)).toMatchObject({ feeMoney: eur(1_500_000) })

    const money = '{ amount currency decimals }'
    const g = await h.app.graphql(
      `query B($id: ID!, $r: ID!) {
        booking(id: $id) { fee feeMoney ${money} depositMoney ${money} depositTerms { amountMoney ${money} } }
        bookingRequest(id: $r) { budgetMoney ${money} offers { feeMoney ${money} depositMoney ${money} depositTerms { amountMoney ${money} } } }
      }`,
      { id: booking.id, r: requestId },
      { as: promoter },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.booking).toEqual({
      fee: 1_500_000,
      feeMoney: rest.feeMoney,
      depositMoney: rest.depositMoney,
      depositTerms: [{ amountMoney: rest.depositTerms[0].amountMoney }],
    })
    expect(g.data.bookingRequest.budgetMoney).toEqual(request.budgetMoney)
    expect(g.data.bookingRequest.offers[0]).toEqual({
      feeMoney: eur(1_500_000),
      depositMoney: eur(500_000),
      depositTerms: [{ amountMoney: eur(500_000) }],
    })

    const fin = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/finance`, { as: agency })
    expect(fin.status, JSON.stringify(fin.body)).toBe(200)
    expect(fin.body.data.agreed).toMatchObject({ fee: 1_500_000, feeMoney: eur(1_500_000), depositMoney: eur(500_000) })
    const gf = await h.app.graphql(
      `query F($id: ID!) { booking(id: $id) { finance { agreed { feeMoney ${money} } } } }`,
      { id: booking.id },
      { as: agency },
    )
    expect(gf.data.booking.finance.agreed.feeMoney).toEqual(fin.body.data.agreed.feeMoney)
  })

  it('shows fee guidance as Money in the currency of the window, and null without one', async () => {
    const artistId = await pipes.representedArtist()
    const w = await h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, {
      as: agency,
      body: { startsOn: '2031-03-01', endsOn: '2031-03-05', status: 'available', feeMin: 100_000, feeMax: 250_000, currency: 'jpy' },
    })
    expect(w.status, JSON.stringify(w.body)).toBe(201)
    expect(w.body.data).toMatchObject({
      feeMinMoney: { amount: 100_000, currency: 'JPY', decimals: 0 },
      feeMaxMoney: { amount: 250_000, currency: 'JPY', decimals: 0 },
    })
    const bare = await h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, {
      as: agency,
      body: { startsOn: '2031-04-01', endsOn: '2031-04-05', status: 'available' },
    })
    expect(bare.body.data).toMatchObject({ feeMinMoney: null, feeMaxMoney: null })
    const g = await h.app.graphql(
      'query A($id: ID!) { artistAvailability(artistId: $id) { startsOn feeMinMoney { amount currency decimals } } }',
      { id: artistId },
      { as: agency },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.artistAvailability).toEqual([
      { startsOn: '2031-03-01', feeMinMoney: { amount: 100_000, currency: 'JPY', decimals: 0 } },
      { startsOn: '2031-04-01', feeMinMoney: null },
    ])
  })
})

describe('nested lists page', () => {
  it("pages an artist's bookings by period and page, and an agency's bookings, roster and people", async () => {
    const artistId = await pipes.representedArtist(agency, 'Paged Artist')
    const starts: string[] = []
    for (let i = 0; i < 3; i++) {
      const { booking } = await pipes.booked(promoter, artistId, nextSlot(400 + i * 10))
      starts.push(booking.startsAt)
    }
    for (const name of ['Ana', 'Bea', 'Carla']) await h.app.db.person.create({ data: { firstName: name, agencyId: agency.agencyId } })
    const q = `query A($id: ID!, $ag: ID!, $from: DateTime, $first: Int, $offset: Int) {
      artist(id: $id) { all: bookings { startsAt } page: bookings(first: $first, offset: $offset) { startsAt } since: bookings(from: $from) { startsAt } }
      agency(id: $ag) { bookings(first: 1) { startsAt } roster(first: 1) { id } people(first: 2, offset: 1) { firstName } }
    }`
    const r = await h.app.graphql(q, { id: artistId, ag: agency.agencyId, from: starts[1], first: 1, offset: 1 }, { as: agency })
    expect(r.errors).toBeUndefined()
    const at = (list: { startsAt: string }[]) => list.map((b) => b.startsAt)
    expect(at(r.data.artist.all)).toEqual(starts)
    expect(at(r.data.artist.page)).toEqual([starts[1]])
    expect(at(r.data.artist.since)).toEqual(starts.slice(1))
    expect(r.data.agency.bookings).toHaveLength(1)
    expect(r.data.agency.roster).toHaveLength(1)
    expect(r.data.agency.people.map((p: { firstName: string }) => p.firstName)).toEqual(['Bea', 'Carla'])
  })

  it('refuses a page past the largest, naming the argument', async () => {
    const r = await h.app.graphql(
      'query A($id: ID!) { agency(id: $id) { people(first: 101) { id } } }',
      { id: agency.agencyId },
      { as: agency },
    )
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(r.errors?.[0]?.message).toMatch(/first/)
  })
})

describe('one bad row never fails a list', () => {
  it("serves the inbox with a stored out-of-range date: that row's node is null with its error (GraphQL), the row served (REST)", async () => {
    const artistId = await pipes.representedArtist()
    const good = await pipes.request(promoter, artistId)
    const bad = await pipes.request(promoter, artistId)
    await h.app.db.$executeRawUnsafe(
      `UPDATE booking_requests SET starts_at = '10000-01-01T00:00:00Z', ends_at = '10000-01-02T00:00:00Z' WHERE id = $1::uuid`,
      bad.id,
    )
    const rest = await h.app.rest('GET', `/api/v1/booking-requests?artistId=${artistId}`, { as: agency })
    expect(rest.status).toBe(200)
    expect(rest.body.data.items.map((r: { id: string }) => r.id).sort()).toEqual([good.id, bad.id].sort())
    const g = await h.app.graphql(
      'query R($a: ID) { bookingRequests(first: 50, filter: { artistId: $a }) { totalCount edges { node { id startsAt } } } }',
      { a: artistId },
      { as: agency },
    )
    expect(g.data.bookingRequests.totalCount).toBe(2)
    const nodes = g.data.bookingRequests.edges.map((e: { node: { id: string } | null }) => e.node)
    expect(nodes).toContainEqual({ id: good.id, startsAt: good.startsAt })
    expect(nodes).toContain(null)
    expect(g.errors).toHaveLength(1)
    expect(g.errors?.[0]?.path?.slice(-2)).toEqual(['node', 'startsAt'])
  })
})

describe('accent-insensitive search', () => {
  it('finds names whatever their accents or case, on both faces, and for every typed name', async () => {
    await pipes.representedArtist(agency, 'Los Satélites')
    const otherAgency = await h.app.db.agency.create({ data: { name: 'Agência Ñandú', slug: `nandu-${Date.now()}` } })
    await h.app.db.person.create({ data: { firstName: 'José', lastName: 'Ångström', agencyId: otherAgency.id } })
    await h.app.db.genre.create({ data: { name: 'Música Clásica', slug: `clasica-${Date.now()}` } })
    const es = await h.app.db.country.create({ data: { code: 'ES', name: 'España' } })
    await h.app.db.city.create({ data: { name: 'Málaga', countryId: es.id } })

    const rest = async (path: string) =>
      (await h.app.rest('GET', path, { as: agency })).body.data.items.map(
        (i: { name?: string; firstName?: string }) => i.name ?? i.firstName,
      )
    expect(await rest('/api/v1/artists?q=sate')).toEqual(['Los Satélites'])
    expect(await rest('/api/v1/artists?q=SATÉ')).toEqual(['Los Satélites'])
    expect(await rest('/api/v1/artists-companies?q=nandu')).toEqual(['Agência Ñandú'])
    expect(await rest('/api/v1/people?q=jose%20angs')).toEqual(['José'])
    expect(await rest('/api/v1/genres?q=musica%20clas')).toEqual(['Música Clásica'])
    expect(await rest('/api/v1/geo/cities?q=malaga')).toEqual(['Málaga'])
    expect(await rest('/api/v1/geo/countries?q=espana')).toEqual(['España'])
    // The folded column is the database's: no answer shows it.
    const one = (await h.app.rest('GET', '/api/v1/artists?q=sate', { as: agency })).body.data.items[0]
    expect(one).not.toHaveProperty('nameSearch')

    const g = await h.app.graphql(
      `{ artists(filter: { q: "sate" }) { edges { node { name } } }
         agencies(filter: { q: "agencia nandu" }) { edges { node { name } } }
         people(filter: { q: "angstrom" }) { edges { node { firstName } } }
         genres(filter: { q: "clasica" }) { edges { node { name } } } }`,
      {},
      { as: agency },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.artists.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Los Satélites'])
    expect(g.data.agencies.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Agência Ñandú'])
    expect(g.data.people.edges.map((e: { node: { firstName: string } }) => e.node.firstName)).toEqual(['José'])
    expect(g.data.genres.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Música Clásica'])
  })

  it('finds an artist by an unaccented name in availability search and in the roster', async () => {
    const artistId = await pipes.representedArtist(agency, 'Bandá Émérita')
    const w = await h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, {
      as: agency,
      body: { startsOn: '2032-05-01', endsOn: '2032-05-09', status: 'available' },
    })
    expect(w.status, JSON.stringify(w.body)).toBe(201)
    const search = await h.app.rest('GET', '/api/v1/availability/search?from=2032-05-02&to=2032-05-03&q=banda%20emer', { as: promoter })
    expect(search.status, JSON.stringify(search.body)).toBe(200)
    expect(JSON.stringify(search.body.data.items)).toContain(artistId)
    const g = await h.app.graphql('{ myRoster(filter: { q: "EMERITA" }) { edges { node { artist { name } } } } }', {}, { as: agency })
    expect(g.errors).toBeUndefined()
    expect(g.data.myRoster.edges.map((e: { node: { artist: { name: string } } }) => e.node.artist.name)).toEqual(['Bandá Émérita'])
  })

  it('folds a query exactly as PostgreSQL folds the names, and searches through the trigram index', async () => {
    const samples = ['Los Satélites', 'Ærø Straße', 'Łódź Đorđe Þór', 'ÑANDÚ Çà Œuvre', 'Smørrebrød İzmir', 'Ａｒｔ ﬁre']
    for (const text of samples) {
      const [row] = await h.app.db.$queryRawUnsafe<{ folded: string }[]>('SELECT search_fold($1) AS folded', text)
      expect(searchFold(text), text).toBe(row!.folded)
    }
    const plan = await h.app.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off')
      const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN SELECT id FROM artists WHERE name_search LIKE '%sate%'`)
      return rows.map((r) => r['QUERY PLAN']).join('\n')
    })
    expect(plan).toContain('artists_name_search_trgm_idx')
  })
})
