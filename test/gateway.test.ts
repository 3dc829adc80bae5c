// The subgraph behind a real gateway: the supergraph composed from this subgraph and the committed peer SDLs,
// @apollo/gateway over HTTP in front of the running service and the Auth and Venue stand-ins, and the kind
// of operations a frontend sends — directory pages, a booking with its contract and venue, @include/@skip
// with variables, fragments — with errors reaching the client with their codes, and only the headers the
// operator chose reaching the subgraph.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MACHINE_KEY, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'
import { startGateway, type Gateway } from './support/gateway.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let gateway: Gateway
let artistId: string
let bookingId: string
let contractId: string
const venueId = randomUUID()
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const { es, madrid } = await seedGeo(h.app.db)
  const g = await seedGenres(h.app.db)
  artistId = await representedArtist(agency, 'Gateway Quartet')
  await h.app.db.artist.update({
    where: { id: artistId },
    data: { countryId: es.id, cityId: madrid.id, genres: { create: [{ genreId: g.jazz.id, position: 0 }] } },
  })
  const { booking } = await booked(promoter, artistId)
  await h.app.db.booking.update({ where: { id: booking.id }, data: { venueId } })
  bookingId = booking.id
  const template = await h.app.rest('POST', '/api/v1/contract-templates', {
    as: agency,
    body: { name: 'Club show', body: 'Agreement for {{artist.name}}' },
  })
  const contract = await h.app.rest('POST', '/api/v1/contracts', {
    as: agency,
    body: { templateId: template.body.data.id, bookingId, signers: [{ role: 'buyer', side: 'promoter', name: 'Pat Promoter' }] },
  })
  expect(contract.status, JSON.stringify(contract.body)).toBe(201)
  contractId = contract.body.data.id

  gateway = await startGateway({
    subgraphUrl: `${h.app.url}/graphql`,
    companies: [
      { id: agency.orgId, name: 'Sonar Booking SL' },
      { id: promoter.orgId, name: 'Live Nation Iberia' },
    ],
    venues: [{ id: venueId, name: 'Sala Apolo', city: 'Barcelona' }],
  })
})
afterAll(async () => {
  await gateway?.stop()
})

const DIRECTORY_PAGE = `
  fragment ArtistCard on Artist { __typename id name slug country { code } }
  query Directory($q: String, $withGenres: Boolean!, $withoutCity: Boolean!) {
    artists(first: 10, filter: { q: $q }) {
      totalCount
      edges { node { ...ArtistCard genres @include(if: $withGenres) { name } city @skip(if: $withoutCity) { name } } }
    }
  }`

describe('frontend operations through the gateway', () => {
  it('serves a directory page with a fragment, @include and @skip driven by variables', async () => {
    const full = await gateway.query(DIRECTORY_PAGE, { q: 'gateway', withGenres: true, withoutCity: false }, promoter.headers)
    expect(full.errors).toBeUndefined()
    expect(full.data.artists).toEqual({
      totalCount: 1,
      edges: [
        {
          node: {
            __typename: 'Artist',
            id: artistId,
            name: 'Gateway Quartet',
            slug: expect.any(String),
            country: { code: 'ES' },
            genres: [{ name: 'Jazz' }],
            city: { name: 'Madrid' },
          },
        },
      ],
    })
    const lean = await gateway.query(DIRECTORY_PAGE, { q: 'gateway', withGenres: false, withoutCity: true }, promoter.headers)
    expect(lean.errors).toBeUndefined()
    expect(Object.keys(lean.data.artists.edges[0].node).sort()).toEqual(['__typename', 'country', 'id', 'name', 'slug'])
  })

  it('serves a booking with its contract (this subgraph), its venue (Venue) and its promoter (Auth)', async () => {
    const r = await gateway.query(
      `query Booking($id: ID!, $withContract: Boolean!) {
        booking(id: $id) {
          id artist { name } promoter { id name } venue { __typename id name city }
          contract @include(if: $withContract) { id status signers { name side } booking { id } }
        }
      }`,
      { id: bookingId, withContract: true },
      promoter.headers,
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.booking).toEqual({
      id: bookingId,
      artist: { name: 'Gateway Quartet' },
      promoter: { id: promoter.orgId, name: 'Live Nation Iberia' },
      venue: { __typename: 'Venue', id: venueId, name: 'Sala Apolo', city: 'Barcelona' },
      contract: { id: contractId, status: 'DRAFT', signers: [{ name: 'Pat Promoter', side: 'PROMOTER' }], booking: { id: bookingId } },
    })
    const without = await gateway.query(
      `query($id: ID!, $skipVenue: Boolean!) { booking(id: $id) { id venue @skip(if: $skipVenue) { name } } }`,
      { id: bookingId, skipVenue: true },
      promoter.headers,
    )
    expect(without.data.booking).toEqual({ id: bookingId })
  })

  it('goes from the tenant company (Auth) to its agency, people and the directory (Artists), @include on the entity field', async () => {
    await h.app.db.person.create({ data: { firstName: 'Gateway', lastName: 'Agent', agencyId: agency.agencyId } })
    const q = `query($id: ID!, $withAgency: Boolean!) {
      company(id: $id) { name agency @include(if: $withAgency) { name claimed people { fullName } } }
      companies { name agency { id } }
    }`
    const r = await gateway.query(q, { id: agency.orgId, withAgency: true }, promoter.headers)
    expect(r.errors).toBeUndefined()
    expect(r.data.company).toMatchObject({ name: 'Sonar Booking SL', agency: { claimed: true, people: [{ fullName: 'Gateway Agent' }] } })
    expect(r.data.companies).toEqual(
      expect.arrayContaining([
        { name: 'Sonar Booking SL', agency: { id: agency.agencyId } },
        { name: 'Live Nation Iberia', agency: null },
      ]),
    )
    const skipped = await gateway.query(q, { id: agency.orgId, withAgency: false }, promoter.headers)
    expect(skipped.data.company).toEqual({ name: 'Sonar Booking SL' })
  })
})

describe('errors through the gateway keep their codes', () => {
  it('UNAUTHENTICATED: HTTP 200, the field null, the rest of the answer intact', async () => {
    const r = await gateway.query(`{ companies { name agency { id } } }`)
    expect(r.status).toBe(200)
    expect(r.data.companies).toHaveLength(2)
    expect((r.data.companies as { agency: unknown }[]).every((c) => c.agency === null)).toBe(true)
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'unauthorized' })

    const root = await gateway.query(`{ artists(first: 1) { totalCount } }`)
    expect(root.status).toBe(200)
    expect(root.data).toEqual({ artists: null })
    expect(root.errors?.[0]).toMatchObject({ path: ['artists'], extensions: { code: 'UNAUTHENTICATED' } })
  })

  it('FORBIDDEN, naming the missing permission', async () => {
    const stranger = await h.auth.session({ modules: ['promoter'], permissions: [] })
    const r = await gateway.query(`{ artists(first: 1) { totalCount } }`, {}, stranger.headers)
    expect(r.data).toEqual({ artists: null })
    // @apollo/gateway keeps the subgraph's extensions and names the subgraph the error came from.
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'forbidden', serviceName: 'artists' })
    expect(r.errors?.[0]?.message).toContain('promoter.directory.read')
  })

  it('BAD_USER_INPUT with the fields at fault', async () => {
    const r = await gateway.query(
      `mutation($input: ArtistInput!) { createArtist(input: $input) { id } }`,
      { input: { name: ' ', countryCode: 'Spain' } },
      agency.headers,
    )
    expect(r.data).toEqual({ createArtist: null })
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    const fields = (r.errors?.[0]?.extensions?.fields as { field: string }[]).map((f) => f.field).sort()
    expect(fields).toEqual(['countryCode', 'name'])
  })
})

describe('header propagation', () => {
  it('forwards exactly the configured client headers: a client cannot pass an internal key through', async () => {
    gateway.sent.length = 0
    const r = await gateway.query(`{ artists(first: 1) { totalCount } }`, {}, { 'x-internal-api-key': MACHINE_KEY, cookie: 'session=1' })
    // Straight to the subgraph the key is a machine caller; through the gateway it never arrives.
    expect((await h.app.graphql(`{ artists(first: 1) { totalCount } }`, {}, { as: 'machine' })).errors).toBeUndefined()
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED')
    const toArtists = gateway.sent.filter((s) => s.subgraph === 'artists')
    expect(toArtists).toHaveLength(1)
    expect(Object.keys(toArtists[0]?.headers ?? {})).not.toContain('x-internal-api-key')
    expect(Object.keys(toArtists[0]?.headers ?? {})).not.toContain('cookie')

    gateway.sent.length = 0
    await gateway.query(`{ artists(first: 1) { totalCount } }`, {}, promoter.headers)
    expect(gateway.sent.find((s) => s.subgraph === 'artists')?.headers).toMatchObject({
      authorization: promoter.headers.authorization,
      'x-org': promoter.orgId,
    })
  })
})

describe('tours through the gateway', () => {
  it('reaches Booking.tour.routing, with a fragment and @include driven by a variable', async () => {
    const start = (await h.app.db.booking.findUniqueOrThrow({ where: { id: bookingId } })).startsAt.toISOString().slice(0, 10)
    const tour = await h.app.rest('POST', '/api/v1/tours', {
      as: agency,
      body: { artistId, name: 'Gateway tour', startsOn: start, endsOn: start },
    })
    expect(tour.status, JSON.stringify(tour.body)).toBe(201)
    expect((await h.app.rest('POST', `/api/v1/tours/${tour.body.data.id}/stops`, { as: agency, body: { bookingId } })).status).toBe(201)
    const q = `fragment Stop on TourStop { kind state bookingId }
      query($id: ID!, $withRouting: Boolean!) {
        booking(id: $id) { id tour { name status stops { ...Stop } routing @include(if: $withRouting) { legs { distanceKm } issues { kind } } } }
      }`
    const r = await gateway.query(q, { id: bookingId, withRouting: true }, agency.headers)
    expect(r.errors).toBeUndefined()
    expect(r.data.booking.tour).toEqual({
      name: 'Gateway tour',
      status: 'DRAFT',
      stops: [{ kind: 'SHOW', state: 'CONFIRMED', bookingId }],
      routing: { legs: [], issues: [] },
    })
    const lean = await gateway.query(q, { id: bookingId, withRouting: false }, agency.headers)
    expect(Object.keys(lean.data.booking.tour).sort()).toEqual(['name', 'status', 'stops'])
    // The promoter of the booking holds no tour permission: the field is null, with its code.
    const promoterView = await gateway.query(q, { id: bookingId, withRouting: true }, promoter.headers)
    expect(promoterView.data.booking.tour).toBeNull()
    expect(promoterView.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')
  })
})
