// One truth per read: for every permission of the catalog, a caller holding only it reads the same world
// over REST and GraphQL, and both faces show exactly the same data (or the same refusal). Then what the
// narrow readers may see of nested data: cards under the reading rule, directory parts under directory.read,
// roster notes under roster.read, a denied nested field null with its error and the rest of the answer intact.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { PERMISSIONS, type Permission } from '../src/access/catalog.ts'
import { addDays, formatDay, today } from '../src/dates.ts'
import { useHarness, type GraphqlResult, type RestResult } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { booked, request } = pipelines(
  () => h.app,
  () => agency,
)

const day = (offset: number) => formatDay(addDays(today(), offset))
const world = { artistId: '', artistName: '', requestId: '', offerRequestId: '', bookingId: '', contractId: '' }

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  await seedGeo(h.app.db)
  const { techno } = await seedGenres(h.app.db)

  world.artistName = `Matrix ${randomUUID().slice(0, 8)}`
  const artist = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: world.artistName, genreIds: [techno.id] } })
  world.artistId = artist.body.data.id
  await h.app.rest('POST', '/api/v1/representation-claims', { as: agency, body: { artistId: world.artistId } })
  const link = await h.app.db.rosterLink.findFirstOrThrow({ where: { artistId: world.artistId } })
  await h.app.rest('PATCH', `/api/v1/roster/${link.id}`, { as: agency, body: { notes: 'Prefers late slots' } })
  const w = await h.app.rest('POST', `/api/v1/artists/${world.artistId}/availability`, {
    as: agency,
    body: { startsOn: day(40), endsOn: day(42), countryCode: 'ES' },
  })
  expect(w.status, JSON.stringify(w.body)).toBe(201)

  // A confirmed booking with a contract the buyer signed before the agency edited it (v2: its signature no longer counts).
  const { booking, requestId } = await booked(promoter, world.artistId)
  world.bookingId = booking.id
  world.requestId = requestId
  const template = await h.app.rest('POST', '/api/v1/contract-templates', {
    as: agency,
    body: { name: 'Matrix', body: 'Agreement for {{artist.name}}' },
  })
  const contract = await h.app.rest('POST', '/api/v1/contracts', {
    as: agency,
    body: {
      templateId: template.body.data.id,
      bookingId: booking.id,
      signers: [
        { role: 'buyer', side: 'promoter', name: 'Pat Promoter' },
        { role: 'agency_countersign', side: 'agency', name: 'Agency countersign' },
      ],
    },
  })
  expect(contract.status, JSON.stringify(contract.body)).toBe(201)
  world.contractId = contract.body.data.id
  expect((await h.app.rest('POST', `/api/v1/contracts/${world.contractId}/send`, { as: agency })).status).toBe(200)
  const signed = await h.app.rest('POST', `/api/v1/contracts/${world.contractId}/sign`, {
    as: promoter,
    body: { signerId: contract.body.data.signers[0].id, contentHash: contract.body.data.current.contentHash },
  })
  expect(signed.status, JSON.stringify(signed.body)).toBe(200)
  const edited = await h.app.rest('PATCH', `/api/v1/contracts/${world.contractId}`, {
    as: agency,
    body: { baseVersion: 1, body: `Agreement for ${world.artistName}, amended` },
  })
  expect(edited.status, JSON.stringify(edited.body)).toBe(200)

  // A second pipeline with an open offer of the agency: the promoter's to answer.
  const open = await request(promoter, world.artistId)
  world.offerRequestId = open.id
  expect((await h.app.rest('POST', `/api/v1/booking-requests/${open.id}/offers`, { as: agency, body: flat })).status).toBe(201)
})

/** A caller holding only `permission`, in the company of its side (the agency's or the promoter's). */
function narrow(permission: Permission) {
  const module = permission.split('.')[0] as 'artist' | 'promoter'
  return h.auth.session({ modules: [module], permissions: [permission], orgId: module === 'artist' ? agency.orgId : promoter.orgId })
}

type Seen = unknown
const refusal = (code: string) => ({ refused: code })

function seenOverRest(r: RestResult, map: (data: any) => Seen): Seen {
  if (r.status === 200) return map(r.body.data)
  return refusal(r.status === 404 ? 'not_found' : r.status === 403 ? 'forbidden' : `status ${r.status}: ${r.body.error?.code}`)
}

function seenOverGraphql(g: GraphqlResult, root: string, map: (data: any) => Seen): Seen {
  const value = g.data?.[root]
  if (value != null) return map(value)
  const error = g.errors?.find((e) => e.path?.[0] === root)
  return refusal(error ? String(error.extensions?.code).toLowerCase() : 'null without an error')
}

const lower = (s: string) => s.toLowerCase()
const names = (list: { name: string }[] | null) => (list ? list.map((x) => x.name) : null)

/** One read, on both faces, mapped to what a client sees. */
interface Probe {
  name: string
  rest: () => string
  graphql: () => { query: string; variables: Record<string, unknown>; root: string }
  fromRest: (data: any) => Seen
  fromGraphql: (data: any) => Seen
}

const probes: Probe[] = [
  {
    name: "an artist's representation",
    rest: () => `/api/v1/artists/${world.artistId}/representation`,
    graphql: () => ({
      query: 'query($id: ID!) { artist(id: $id) { representation { role agency { name } notes } } }',
      variables: { id: world.artistId },
      root: 'artist',
    }),
    fromRest: (d) => d.links.map((l: any) => ({ role: l.role, agency: l.agency.name, notes: l.notes })),
    fromGraphql: (a) => a.representation.map((l: any) => ({ role: lower(l.role), agency: l.agency.name, notes: l.notes })),
  },
  {
    name: "an artist's windows",
    rest: () => `/api/v1/artists/${world.artistId}/availability`,
    graphql: () => ({
      query: 'query($id: ID!) { artistAvailability(artistId: $id) { startsOn status country { code } } }',
      variables: { id: world.artistId },
      root: 'artistAvailability',
    }),
    fromRest: (d) => d.map((w: any) => ({ startsOn: w.startsOn, status: w.status, country: w.country?.code ?? null })),
    fromGraphql: (d) => d.map((w: any) => ({ startsOn: w.startsOn, status: lower(w.status), country: w.country?.code ?? null })),
  },
  {
    name: 'availability search',
    rest: () => `/api/v1/availability/search?from=${day(30)}&to=${day(50)}&q=${encodeURIComponent(world.artistName)}`,
    graphql: () => ({
      query: `query($f: AvailabilitySearchFilter!) {
        availabilitySearch(filter: $f) { edges { node { name genres { name } } matchingAvailability { startsOn country { code } } } }
      }`,
      variables: { f: { from: day(30), to: day(50), q: world.artistName } },
      root: 'availabilitySearch',
    }),
    fromRest: (d) =>
      d.items.map((a: any) => ({
        name: a.name,
        genres: a.genres ? a.genres.map((g: any) => g.genre.name) : null,
        windows: a.matchingAvailability.map((w: any) => ({ startsOn: w.startsOn, country: w.country?.code ?? null })),
      })),
    fromGraphql: (c) =>
      c.edges.map((e: any) => ({
        name: e.node.name,
        genres: names(e.node.genres),
        windows: e.matchingAvailability.map((w: any) => ({ startsOn: w.startsOn, country: w.country?.code ?? null })),
      })),
  },
  {
    name: "the agency's roster",
    rest: () => `/api/v1/roster?q=${encodeURIComponent(world.artistName)}`,
    graphql: () => ({
      query: 'query($q: String) { myRoster(filter: { q: $q }) { edges { node { role notes artist { name } agency { name } } } } }',
      variables: { q: world.artistName },
      root: 'myRoster',
    }),
    fromRest: (d) => d.items.map((l: any) => ({ role: l.role, notes: l.notes, artist: l.artist.name, agency: l.agency.name })),
    fromGraphql: (c) =>
      c.edges.map(({ node: l }: any) => ({ role: lower(l.role), notes: l.notes, artist: l.artist.name, agency: l.agency.name })),
  },
  {
    name: 'booking requests',
    rest: () => `/api/v1/booking-requests?artistId=${world.artistId}`,
    graphql: () => ({
      query: 'query($a: ID) { bookingRequests(filter: { artistId: $a }) { edges { node { id status artist { name } agency { name } } } } }',
      variables: { a: world.artistId },
      root: 'bookingRequests',
    }),
    fromRest: (d) => d.items.map((r: any) => ({ id: r.id, status: r.status, artist: r.artist.name, agency: r.agency.name })),
    fromGraphql: (c) =>
      c.edges.map(({ node: r }: any) => ({ id: r.id, status: lower(r.status), artist: r.artist.name, agency: r.agency.name })),
  },
  {
    name: 'offers and what the caller may do with them',
    rest: () => `/api/v1/booking-offers?requestId=${world.offerRequestId}`,
    graphql: () => ({
      query: 'query($r: ID) { bookingOffers(filter: { requestId: $r }) { edges { node { version status actions } } } }',
      variables: { r: world.offerRequestId },
      root: 'bookingOffers',
    }),
    fromRest: (d) => d.items.map((o: any) => ({ version: o.version, status: o.status, actions: o.actions })),
    fromGraphql: (c) => c.edges.map(({ node: o }: any) => ({ version: o.version, status: lower(o.status), actions: o.actions.map(lower) })),
  },
  {
    name: 'a booking',
    rest: () => `/api/v1/bookings/${world.bookingId}`,
    graphql: () => ({
      query: 'query($id: ID!) { booking(id: $id) { status artist { name } agency { name } } }',
      variables: { id: world.bookingId },
      root: 'booking',
    }),
    fromRest: (b) => ({ status: b.status, artist: b.artist.name, agency: b.agency.name }),
    fromGraphql: (b) => ({ status: lower(b.status), artist: b.artist.name, agency: b.agency.name }),
  },
  {
    name: 'a contract and its signing state',
    rest: () => `/api/v1/contracts/${world.contractId}`,
    graphql: () => ({
      query: `query($id: ID!) {
        contract(id: $id) { status current { version } signatures { contentHash } signers { name } blockingSigners { name } }
      }`,
      variables: { id: world.contractId },
      root: 'contract',
    }),
    fromRest: (c) => ({
      status: c.status,
      current: c.current.version,
      signatures: c.signatures.map((s: any) => s.contentHash),
      signers: names(c.signers),
      blocking: names(c.blocking),
    }),
    fromGraphql: (c) => ({
      status: lower(c.status),
      current: c.current.version,
      signatures: c.signatures.map((s: any) => s.contentHash),
      signers: names(c.signers),
      blocking: names(c.blockingSigners),
    }),
  },
  {
    name: 'an unknown artist by id',
    rest: () => `/api/v1/artists/${randomUUID()}`,
    graphql: () => ({ query: 'query($id: ID!) { artist(id: $id) { id } }', variables: { id: randomUUID() }, root: 'artist' }),
    fromRest: (a) => a.id,
    fromGraphql: (a) => a.id,
  },
  {
    name: 'an unknown booking by id',
    rest: () => `/api/v1/bookings/${randomUUID()}`,
    graphql: () => ({ query: 'query($id: ID!) { booking(id: $id) { id } }', variables: { id: randomUUID() }, root: 'booking' }),
    fromRest: (b) => b.id,
    fromGraphql: (b) => b.id,
  },
]

/** What a caller holding only `permission` sees of every probe, on each face. */
async function readAs(permission: Permission) {
  const as = await narrow(permission)
  const seen: Record<string, { rest: Seen; graphql: Seen }> = {}
  for (const probe of probes) {
    const q = probe.graphql()
    const [rest, graphql] = await Promise.all([h.app.rest('GET', probe.rest(), { as }), h.app.graphql(q.query, q.variables, { as })])
    seen[probe.name] = { rest: seenOverRest(rest, probe.fromRest), graphql: seenOverGraphql(graphql, q.root, probe.fromGraphql) }
  }
  return seen
}

describe('every narrow permission reads the same on both faces', () => {
  for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
    it(`${permission} alone`, async () => {
      const seen = await readAs(permission)
      for (const [probe, { rest, graphql }] of Object.entries(seen)) expect(graphql, `${permission}: ${probe}`).toEqual(rest)
    })
  }

  it('and what each narrow permission sees is what the catalog says', async () => {
    const rest = async (permission: Permission) =>
      Object.fromEntries(Object.entries(await readAs(permission)).map(([probe, { rest: r }]) => [probe, r]))

    const discovery = await rest('promoter.availability.read')
    // Who and when: the artist's card and its windows; its genres and the window's country are directory data.
    expect(discovery['availability search']).toEqual([
      { name: world.artistName, genres: null, windows: [{ startsOn: day(40), country: null }] },
    ])
    expect(discovery["an artist's windows"]).toEqual([{ startsOn: day(40), status: 'available', country: null }])
    expect(discovery["an artist's representation"]).toEqual(refusal('forbidden'))
    expect(discovery['a booking']).toEqual(refusal('forbidden'))

    const directory = await rest('promoter.directory.read')
    expect(directory['availability search']).toEqual([
      { name: world.artistName, genres: ['Techno'], windows: [{ startsOn: day(40), country: 'ES' }] },
    ])
    expect(directory['an unknown artist by id']).toEqual(refusal('not_found'))

    // Roster notes are the agency's: its roster readers see them, its directory readers do not.
    const agencyDirectory = await rest('artist.directory.read')
    expect(agencyDirectory["an artist's representation"]).toEqual([{ role: 'agency', agency: expect.any(String), notes: null }])
    expect(agencyDirectory["the agency's roster"]).toEqual(refusal('forbidden'))
    const roster = await rest('artist.roster.read')
    expect(roster["the agency's roster"]).toEqual([
      { role: 'agency', notes: 'Prefers late slots', artist: world.artistName, agency: expect.any(String) },
    ])

    // A deal shows its parties; a reader of the pipeline may not act on it.
    const bookings = await rest('promoter.bookings.read')
    expect(bookings['a booking']).toEqual({ status: 'confirmed', artist: world.artistName, agency: expect.any(String) })
    expect(bookings['offers and what the caller may do with them']).toEqual([{ version: 1, status: 'open', actions: [] }])
    expect(bookings['an unknown booking by id']).toEqual(refusal('not_found'))
    const manager = await rest('promoter.bookings.manage')
    expect(manager['offers and what the caller may do with them']).toEqual([
      { version: 1, status: 'open', actions: ['accept', 'counter', 'decline'] },
    ])

    // `signatures` are the current version's on both faces: the buyer signed version 1, the agency then edited.
    const contracts = await rest('artist.contracts.read')
    expect(contracts['a contract and its signing state']).toEqual({
      status: 'sent',
      current: 2,
      signatures: [],
      signers: ['Pat Promoter', 'Agency countersign'],
      blocking: ['Pat Promoter'],
    })
  })
})

describe('nested data a narrow reader may not see', () => {
  it('is null with its error, and the rest of the answer stays', async () => {
    const as = await narrow('promoter.bookings.read')
    const r = await h.app.graphql(
      `query($a: ID) { bookingRequests(filter: { artistId: $a }) { edges { node { id artist { name genres { name } } } } } }`,
      { a: world.artistId },
      { as },
    )
    const nodes = r.data.bookingRequests.edges.map((e: { node: unknown }) => e.node)
    expect(nodes).toHaveLength(2)
    for (const node of nodes) expect(node).toMatchObject({ artist: { name: world.artistName, genres: null } })
    expect(r.errors?.map((e) => [e.extensions?.code, e.path?.slice(-1)[0]])).toEqual([
      ['FORBIDDEN', 'genres'],
      ['FORBIDDEN', 'genres'],
    ])
  })

  it('keeps every version’s signatures on the versions, and only the current one’s as the contract’s', async () => {
    const as = await narrow('promoter.contracts.read')
    const r = await h.app.graphql(
      'query($id: ID!) { contract(id: $id) { signatures { id } versions { version signatures { signer { name } } } } }',
      { id: world.contractId },
      { as },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.contract).toEqual({
      signatures: [],
      versions: [
        { version: 2, signatures: [] },
        { version: 1, signatures: [{ signer: { name: 'Pat Promoter' } }] },
      ],
    })
  })

  it('an artist reached through a card keeps its relations under directory.read, whoever reads it', async () => {
    const as = await narrow('promoter.availability.read')
    const r = await h.app.graphql(
      `query($f: AvailabilitySearchFilter!) { availabilitySearch(filter: $f) { edges { node { name representation { role } bookings(first: 5) { id } } } } }`,
      { f: { from: day(30), to: day(50), q: world.artistName } },
      { as },
    )
    expect(r.data.availabilitySearch.edges).toEqual([{ node: { name: world.artistName, representation: null, bookings: null } }])
    expect(r.errors?.map((e) => e.path?.slice(-1)[0]).sort()).toEqual(['bookings', 'representation'])
  })
})

describe('by-id root fields', () => {
  it('answer an unknown record as NOT_FOUND (the field null) on GraphQL, as REST answers 404', async () => {
    const id = randomUUID()
    const reads = [
      ['artist', `/api/v1/artists/${id}`],
      ['agency', `/api/v1/artists-companies/${id}`],
      ['person', `/api/v1/people/${id}`],
      ['genre', `/api/v1/genres/${id}`],
      ['city', `/api/v1/geo/cities/${id}`],
      ['bookingRequest', `/api/v1/booking-requests/${id}`],
      ['bookingOffer', `/api/v1/booking-offers/${id}`],
      ['bookingHold', `/api/v1/booking-holds/${id}`],
      ['booking', `/api/v1/bookings/${id}`],
      ['contract', `/api/v1/contracts/${id}`],
      ['contractTemplate', `/api/v1/contract-templates/${id}`],
    ] as const
    for (const [field, path] of reads) {
      const g = await h.app.graphql(`query($id: ID!) { ${field}(id: $id) { id } }`, { id }, { as: agency })
      expect(g.data[field], field).toBeNull()
      expect(
        g.errors?.map((e) => [e.extensions?.code, e.path]),
        field,
      ).toEqual([['NOT_FOUND', [field]]])
      const r = await h.app.rest('GET', path, { as: agency })
      expect([r.status, r.body.error.code], path).toEqual([404, 'not_found'])
    }
    const country = await h.app.graphql('{ country(code: "ZZ") { code } }', {}, { as: agency })
    expect(country.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND'])
    expect((await h.app.rest('GET', '/api/v1/geo/countries/ZZ', { as: agency })).status).toBe(404)
  })

  it('read every id with one parser and one message, on both faces', async () => {
    const g = await h.app.graphql('{ booking(id: "nope") { id } }', {}, { as: agency })
    expect(g.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'id: expected a UUID']])
    const r = await h.app.rest('GET', '/api/v1/bookings/nope', { as: agency })
    expect(r.body.error.fields).toEqual([{ field: 'id', message: 'expected a UUID' }])
    const filter = await h.app.rest('GET', '/api/v1/booking-requests?artistId=nope', { as: agency })
    expect(filter.body.error.fields).toEqual([{ field: 'artistId', message: 'expected a UUID' }])
  })
})
