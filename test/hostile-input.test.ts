// Issue 9, section 1: each input that once answered 500 is a client error in the envelope, naming what was
// wrong, and leaves the database as it was. test/never-500.test.ts generates such inputs for every route and
// root field; these are the cases found by hand, pinned one by one.
import { connect } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import { MACHINE_KEY, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { databaseState } from './support/rows.ts'

const h = useHarness({ BODY_LIMIT_BYTES: '65536' })
let agency: Session & { agencyId: string }
let promoter: Session
let artistId: string

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const r = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: 'Hostile Input Test Artist' } })
  expect(r.status).toBe(201)
  artistId = r.body.data.id
})

/** Runs a request and asserts it changed nothing in the database. */
async function refusedWithoutWrite<T>(request: () => Promise<T>): Promise<T> {
  const before = await databaseState(h.app.db)
  const result = await request()
  expect(await databaseState(h.app.db)).toEqual(before)
  return result
}

function expectFieldError(r: { status: number; body: any }, field: string, code = 'validation_error') {
  expect(r.status, JSON.stringify(r.body)).toBe(400)
  expect(r.body.success).toBe(false)
  expect(r.body.error.code).toBe(code)
  expect(r.body.error.fields?.map((f: { field: string }) => f.field)).toContain(field)
}

/** Sends raw bytes and reads the whole answer: for what fetch would refuse to send or would tidy up. */
function raw(request: string): Promise<{ status: number; headers: string; body: any }> {
  const { port } = new URL(h.app.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request))
    let data = ''
    socket.on('data', (chunk) => (data += chunk.toString()))
    socket.on('error', reject)
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n')
      const chunked = /transfer-encoding: chunked/i.test(head)
      const text = chunked
        ? body
            .split('\r\n')
            .filter((_, i) => i % 2 === 1)
            .join('')
        : body
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: text ? JSON.parse(text) : undefined })
    })
  })
}

describe('NUL characters', () => {
  it('are a 400 naming the field on REST bodies, with nothing written', async () => {
    const artist = await refusedWithoutWrite(() => h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: 'Nul\u0000Artist' } }))
    expectFieldError(artist, 'name')
    const template = await refusedWithoutWrite(() =>
      h.app.rest('POST', '/api/v1/contract-templates', { as: agency, body: { name: 'Deal memo', body: 'Fee: \u0000' } }),
    )
    expectFieldError(template, 'body')
    const profile = await refusedWithoutWrite(() =>
      h.app.rest('PATCH', `/api/v1/artists/${artistId}`, { as: agency, body: { profile: { biography: 'a\u0000b' } } }),
    )
    expectFieldError(profile, 'profile.biography')
  })

  it('are a 400 naming the parameter in search strings and free-text filters', async () => {
    expectFieldError(await h.app.rest('GET', '/api/v1/artists?q=a%00b', { as: agency }), 'q')
    expectFieldError(await h.app.rest('GET', '/api/v1/contract-templates?q=%00', { as: agency }), 'q')
  })

  it('are BAD_USER_INPUT naming the field on GraphQL, with nothing written', async () => {
    const r = await refusedWithoutWrite(() =>
      h.app.graphql('mutation($input: ArtistInput!) { createArtist(input: $input) { id } }', { input: { name: '\u0000' } }, { as: agency }),
    )
    expect(r.status).toBe(200)
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'name' }] })
    const search = await h.app.graphql('{ artists(filter: { q: "a\\u0000" }) { totalCount } }', {}, { as: agency })
    expect(search.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'q' }] })
  })
})

describe('dates outside 0001-01-01 .. 9999-12-31', () => {
  const outside = ['0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '-010000-01-01T00:00:00Z', '+275760-01-01T00:00:00Z']

  it.each(outside)('%s is a 400 naming the filter on /bookings and /booking-requests', async (at) => {
    expectFieldError(await h.app.rest('GET', `/api/v1/bookings?from=${encodeURIComponent(at)}`, { as: promoter }), 'from')
    expectFieldError(await h.app.rest('GET', `/api/v1/booking-requests?to=${encodeURIComponent(at)}`, { as: promoter }), 'to')
  })

  it('a day outside the range is a 400 on /availability/search, in bodies and on GraphQL', async () => {
    expectFieldError(await h.app.rest('GET', '/api/v1/availability/search?from=0000-01-01&to=0000-01-02', { as: promoter }), 'from')
    const body = await refusedWithoutWrite(() =>
      h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, {
        as: agency,
        body: { startsOn: '0000-12-30', endsOn: '0001-01-02', status: 'available' },
      }),
    )
    expectFieldError(body, 'startsOn')
    const search = await h.app.graphql(
      'query($f: AvailabilitySearchFilter!) { availabilitySearch(filter: $f) { totalCount } }',
      { f: { from: '0000-01-01', to: '0000-01-02' } },
      { as: promoter },
    )
    expect(search.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(search.errors?.[0]?.extensions?.fields).toContainEqual({ field: 'from', message: 'must be between 0001-01-01 and 9999-12-31' })
  })

  it("answers the search's read models and bounds at the range's ends: a name alone, a genre or the period alone by name, a currency", async () => {
    // A name alone reads the names model's days, and so does the period alone sorted by name (its walk and count); a
    // genre by name counts its days through an int8range encoding (availability_genre_days) whose slots hold about
    // 2,870 years from 2000; a currency's count is bounded from the windows holding the period's first day, then its
    // last (dayBound): every end of the range stays a 200.
    const genre = await h.app.db.genre.create({ data: { name: 'Edge', slug: `edge-${Date.now()}` } })
    for (const [from, to] of [
      ['0001-01-01', '0001-01-07'],
      ['9999-12-25', '9999-12-31'],
    ] as const)
      for (const filter of [{ q: 'edge' }, { genreId: genre.id }, {}, { currency: 'EUR' }] as Record<string, string>[]) {
        const query = new URLSearchParams({ from, to, sort: 'name', ...filter })
        const rest = await h.app.rest('GET', `/api/v1/availability/search?${query}`, { as: promoter })
        expect(rest.status, `${query}`).toBe(200)
        expect(rest.body.data.total).toBe(0)
        const gql = await h.app.graphql(
          'query($f: AvailabilitySearchFilter!) { availabilitySearch(filter: $f) { totalCount } }',
          { f: { from, to, sort: 'NAME', ...filter } },
          { as: promoter },
        )
        expect(gql.errors, `${query}: ${JSON.stringify(gql.errors)}`).toBeUndefined()
      }
    expectFieldError(await h.app.rest('GET', '/api/v1/availability/search?from=2030-01-01&to=2030-01-02&q=a%00b', { as: promoter }), 'q')
  })

  it("finds a window on the range's last days and reads its artist's booked and held days through the range's end, on both faces", async () => {
    // The busy days are read over the instants [from, to + 1 day): past 9999-12-31, the year JavaScript writes as +010000.
    const name = `Last days ${Date.now()}`
    const lastDays = await pipelines(
      () => h.app,
      () => agency,
    ).representedArtist(agency, name)
    const published = await h.app.rest('POST', `/api/v1/artists/${lastDays}/availability`, {
      as: agency,
      body: { startsOn: '9999-12-01', endsOn: '9999-12-31' },
    })
    expect(published.status, JSON.stringify(published.body)).toBe(201)
    const filter = { q: name, from: '9999-12-01', to: '9999-12-31' }
    const rest = await h.app.rest('GET', `/api/v1/availability/search?${new URLSearchParams(filter)}`, { as: promoter })
    expect(rest.status, JSON.stringify(rest.body)).toBe(200)
    expect(rest.body.data.items.map((i: { id: string; bookedOn: string[] }) => [i.id, i.bookedOn])).toEqual([[lastDays, []]])
    const gql = await h.app.graphql(
      'query($f: AvailabilitySearchFilter!) { availabilitySearch(filter: $f) { edges { node { id } bookedOn heldOn { on } } } }',
      { f: filter },
      { as: promoter },
    )
    expect(gql.errors, JSON.stringify(gql.errors)).toBeUndefined()
    expect(
      (gql.data as { availabilitySearch: { edges: { node: { id: string } }[] } }).availabilitySearch.edges.map((e) => e.node.id),
    ).toEqual([lastDays])
  })

  it('a DateTime variable or literal outside the range is refused before any resolver runs', async () => {
    const variable = await h.app.graphql(
      'query($f: BookingFilter) { bookings(filter: $f) { totalCount } }',
      { f: { from: '-000001-01-01T00:00:00Z' } },
      { as: promoter },
    )
    expect(variable.status).toBe(400)
    expect(variable.errors?.[0]?.message).toMatch(/DateTime must be between 0001-01-01 and 9999-12-31/)
    expect(variable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    const literal = await h.app.graphql('{ bookings(filter: { to: "0000-06-01T00:00:00Z" }) { totalCount } }', {}, { as: promoter })
    expect(literal.status).toBe(400)
    expect(literal.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED')
  })

  it('the edges of the range are accepted', async () => {
    const r = await h.app.rest('GET', `/api/v1/bookings?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z`, { as: promoter })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
  })
})

describe('request bodies', () => {
  const deep = (levels: number) => `{"name":${'['.repeat(levels)}${']'.repeat(levels)}}`

  it('a body nested 20,000 levels deep with an Idempotency-Key is a 400 in the envelope, with nothing written', async () => {
    const r = await refusedWithoutWrite(async () => {
      const res = await fetch(`${h.app.url}/api/v1/artists`, {
        method: 'POST',
        headers: { ...agency.headers, 'content-type': 'application/json', 'idempotency-key': 'deep-body' },
        body: deep(20_000),
      })
      return { status: res.status, body: (await res.json()) as any }
    })
    expectFieldError(r, 'body')
    expect(r.body.error.message).toMatch(/deeper than 32 levels/)
  })

  it('a GraphQL request nesting its variables too deep is refused the same way', async () => {
    const res = await fetch(`${h.app.url}/graphql`, {
      method: 'POST',
      headers: { ...agency.headers, 'content-type': 'application/json' },
      body: `{"query":"{ __typename }","variables":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ success: false, error: { code: 'validation_error' } })
  })

  it('brackets inside strings do not count as nesting', async () => {
    const r = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: `Brackets ${'['.repeat(100)}` } })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
  })

  it('a body over BODY_LIMIT_BYTES is a 413 in the envelope, with nothing written', async () => {
    const r = await refusedWithoutWrite(() =>
      h.app.rest('POST', '/api/v1/contract-templates', { as: agency, body: { name: 'Big', body: 'x'.repeat(70_000) } }),
    )
    expect(r.status).toBe(413)
    expect(r.body).toMatchObject({ success: false, error: { code: 'payload_too_large' } })
  })
})

describe("Fastify's and Node's own refusals use the envelope", () => {
  it('415 for a body that is not JSON', async () => {
    const res = await fetch(`${h.app.url}/api/v1/artists`, {
      method: 'POST',
      headers: { ...agency.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    })
    expect(res.status).toBe(415)
    expect(await res.json()).toMatchObject({ success: false, error: { code: 'unsupported_media_type' } })
  })

  it('400 for a body that is not valid JSON', async () => {
    const res = await fetch(`${h.app.url}/api/v1/artists`, {
      method: 'POST',
      headers: { ...agency.headers, 'content-type': 'application/json' },
      body: '{"name":',
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ success: false, error: { code: 'validation_error' } })
  })

  it('404 for an unknown route', async () => {
    const r = await h.app.rest('GET', '/api/v1/nothing-here')
    expect(r.status).toBe(404)
    expect(r.body).toMatchObject({ success: false, error: { code: 'not_found' } })
  })

  it('400 for a URL that cannot be decoded', async () => {
    const r = await raw(`GET /api/v1/artists/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ success: false, error: { code: 'bad_request' } })
  })

  it('431 for oversized headers, answered on the socket', async () => {
    const r = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`)
    expect(r.status).toBe(431)
    expect(r.body).toEqual({ success: false, error: { code: 'headers_too_large', message: 'request headers are too large' } })
  })

  it('400 for a malformed request line', async () => {
    const r = await raw(`NOT A REQUEST\r\n\r\n`)
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ success: false, error: { code: 'bad_request' } })
  })
})

describe('GraphQL documents', () => {
  const post = async (query: string) => {
    const res = await fetch(`${h.app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-internal-api-key': MACHINE_KEY },
      body: JSON.stringify({ query }),
    })
    return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } }
  }
  const codeOf = (r: Awaited<ReturnType<typeof post>>) => r.body.errors?.[0]?.extensions?.code

  it('an unterminated document is 400 GRAPHQL_PARSE_FAILED', async () => {
    const r = await post('{ __typename')
    expect(r.status).toBe(400)
    expect(codeOf(r)).toBe('GRAPHQL_PARSE_FAILED')
  })

  it.each([
    ['5,000 repeated fields', `{ ${'__typename '.repeat(5000)}}`],
    ['2,000 declared variables', `query(${Array.from({ length: 2000 }, (_, i) => `$v${i}: Int`).join(', ')}) { __typename }`],
  ])('%s exceed the token limit: 400 GRAPHQL_PARSE_FAILED', async (_, query) => {
    const r = await post(query)
    expect(r.status).toBe(400)
    expect(codeOf(r)).toBe('GRAPHQL_PARSE_FAILED')
    expect(r.body.errors?.[0]?.message).toMatch(/2000 tokens/)
  })

  it('300 directives: 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await post(`{ __typename ${'@include(if: true) '.repeat(300)}}`)
    expect(r.status).toBe(400)
    expect(codeOf(r)).toMatch(/GRAPHQL_(VALIDATION|PARSE)_FAILED/)
  })

  it('aliases of __typename count toward the alias limit', async () => {
    const r = await post(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`)
    expect(r.status).toBe(400)
    expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED')
    const within = await post(`{ ${Array.from({ length: 30 }, (_, i) => `a${i}: __typename`).join(' ')} }`)
    expect(within.status).toBe(200)
  })
})

describe('_entities', () => {
  const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Artist { id name } } }'

  it('answers a client error per bad representation and resolves the others', async () => {
    const r = await h.app.graphql(
      ENTITIES,
      {
        r: [
          { __typename: 'Foo', id: artistId },
          { __typename: 'Artist', id: artistId },
          { __typename: 'Venue', id: artistId },
          { id: artistId },
          'Artist',
        ],
      },
      { as: 'machine' },
    )
    expect(r.status).toBe(200)
    expect(r.data._entities).toEqual([null, { __typename: 'Artist', id: artistId, name: 'Hostile Input Test Artist' }, null, null, null])
    const byIndex: Record<string, Record<string, unknown> | undefined> = Object.fromEntries(
      (r.errors ?? []).map((e) => [String(e.path?.[1]), e.extensions]),
    )
    expect(Object.keys(byIndex).sort()).toEqual(['0', '2', '3', '4'])
    for (const extensions of Object.values(byIndex)) expect(extensions?.code).toBe('BAD_USER_INPUT')
    expect(byIndex[0]).toMatchObject({
      fields: [{ field: 'representations.0.__typename', message: 'Foo is not an entity this subgraph resolves' }],
    })
    expect(byIndex[2]).toMatchObject({ fields: [{ field: 'representations.2.__typename' }] })
    expect(byIndex[3]).toMatchObject({ fields: [{ field: 'representations.3.__typename', message: 'required' }] })
  })

  it('refuses more than GRAPHQL_MAX_ENTITIES representations in one call', async () => {
    const r = await h.app.graphql(
      ENTITIES,
      { r: Array.from({ length: 501 }, () => ({ __typename: 'Artist', id: artistId })) },
      { as: 'machine' },
    )
    expect(r.data ?? null).toBeNull()
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'representations' }] })
    const ok = await h.app.graphql(
      ENTITIES,
      { r: Array.from({ length: 500 }, () => ({ __typename: 'Artist', id: artistId })) },
      { as: 'machine' },
    )
    expect(ok.errors).toBeUndefined()
    expect(ok.data._entities).toHaveLength(500)
  })
})

describe('tokens', () => {
  it('a token whose sub is not a UUID is 401 on both faces, with nothing written', async () => {
    const token = await h.auth.sign({ tokenVersion: 1 }, { subject: 'user-42' })
    const headers = { authorization: `Bearer ${token}`, 'x-org': agency.orgId }
    const rest = await refusedWithoutWrite(() => h.app.rest('POST', '/api/v1/artists', { headers, body: { name: 'Via odd subject' } }))
    expect(rest.status).toBe(401)
    expect(rest.body).toEqual({ success: false, error: { code: 'unauthorized', message: 'invalid token: sub claim is not a user id' } })
    const gql = await h.app.graphql('mutation { createArtist(input: { name: "Via odd subject" }) { id } }', {}, { headers })
    expect(gql.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED')
  })
})

describe('money past 2^31 minor units', () => {
  const deal = pipelines(
    () => h.app,
    () => agency,
  )
  const TOUR_FEE = 2_500_000_000 // €25M in cents
  const LARGEST = Number.MAX_SAFE_INTEGER

  it('an offer and its booking carry a €25M fee on both faces, exactly', async () => {
    const artist = await deal.representedArtist()
    const request = await deal.request(promoter, artist, undefined, { budget: LARGEST })
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${request.id}/offers`, {
      as: agency,
      body: { fee: TOUR_FEE, deposit: TOUR_FEE - 1, currency: 'EUR', dealType: 'flat' },
    })
    expect(offer.status, JSON.stringify(offer.body)).toBe(201)
    expect(offer.body.data).toMatchObject({ fee: TOUR_FEE, deposit: TOUR_FEE - 1 })
    const gql = await h.app.graphql(
      'query($id: ID!) { bookingRequest(id: $id) { budget offers { fee deposit } } }',
      { id: request.id },
      { as: promoter },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.bookingRequest).toEqual({ budget: LARGEST, offers: [{ fee: TOUR_FEE, deposit: TOUR_FEE - 1 }] })
    const rest = await h.app.rest('GET', `/api/v1/booking-requests/${request.id}`, { as: promoter })
    expect(rest.body.data.budget).toBe(LARGEST)
  })

  it('an amount JSON cannot carry exactly is a 400 on REST and refused by SafeInt on GraphQL, with nothing written', async () => {
    const artist = await deal.representedArtist()
    const rest = await refusedWithoutWrite(() =>
      h.app.rest('POST', `/api/v1/artists/${artist}/availability`, {
        as: agency,
        body: { startsOn: '2031-05-01', endsOn: '2031-05-02', feeMin: LARGEST + 1, currency: 'EUR' },
      }),
    )
    expectFieldError(rest, 'feeMin')
    const gql = await h.app.graphql(
      'query($f: AvailabilitySearchFilter!) { availabilitySearch(filter: $f) { totalCount } }',
      { f: { from: '2031-05-01', to: '2031-05-02', budgetMin: 2 ** 60, currency: 'EUR' } },
      { as: promoter },
    )
    expect(gql.status).toBe(400)
    expect(gql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(gql.errors?.[0]?.message).toMatch(/SafeInt/)
  })

  it('a budget past 2^31 filters availability on both faces', async () => {
    const artist = await deal.representedArtist()
    const window = await h.app.rest('POST', `/api/v1/artists/${artist}/availability`, {
      as: agency,
      body: { startsOn: '2031-06-01', endsOn: '2031-06-03', feeMin: TOUR_FEE, feeMax: TOUR_FEE * 2, currency: 'EUR' },
    })
    expect(window.status, JSON.stringify(window.body)).toBe(201)
    expect(window.body.data).toMatchObject({ feeMin: TOUR_FEE, feeMax: TOUR_FEE * 2 })
    const rest = await h.app.rest(
      'GET',
      `/api/v1/availability/search?from=2031-06-01&to=2031-06-02&budgetMin=${TOUR_FEE * 3}&currency=EUR`,
      {
        as: promoter,
      },
    )
    expect(rest.status, JSON.stringify(rest.body)).toBe(200)
    expect(rest.body.data.items.map((i: { id: string }) => i.id)).not.toContain(artist)
    const gql = await h.app.graphql(
      'query($f: AvailabilitySearchFilter!) { availabilitySearch(filter: $f) { edges { node { id } matchingAvailability { feeMin feeMax } } } }',
      { f: { from: '2031-06-01', to: '2031-06-02', budgetMin: TOUR_FEE, currency: 'EUR' } },
      { as: promoter },
    )
    expect(gql.errors).toBeUndefined()
    const edge = gql.data.availabilitySearch.edges.find((e: { node: { id: string } }) => e.node.id === artist)
    expect(edge.matchingAvailability).toEqual([{ feeMin: TOUR_FEE, feeMax: TOUR_FEE * 2 }])
  })
})
