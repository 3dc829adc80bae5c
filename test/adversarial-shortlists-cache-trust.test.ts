// Adversarial review of the areas merged on 1 December: what a careless client or an attacker does
// to the new writes (bulk requests under one key, the 500th shortlist item) and to the REST GET cache
// (callers of different companies with the same grant), each asserted with what a refusal leaves behind.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startApp, type TestApp, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { type OwnedRedis, startRedis } from './support/redis.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeEach(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const post = (path: string, as: Session, body: unknown, key?: string) =>
  h.app.rest('POST', path, { as, body, headers: key ? { 'idempotency-key': key } : {} })

async function shortlistOf(artistIds: string[]) {
  const list = await post('/api/v1/shortlists', promoter, { name: `Review ${randomUUID().slice(0, 6)}`, budget: 900_000, currency: 'EUR' })
  expect(list.status, JSON.stringify(list.body)).toBe(201)
  for (const artistId of artistIds)
    expect((await post(`/api/v1/shortlists/${list.body.data.id}/items`, promoter, { artistId })).status).toBe(201)
  return list.body.data.id as string
}

const DAY = 86_400_000
function terms(offsetDays: number) {
  const start = new Date(Date.UTC(new Date().getUTCFullYear() + 7, 6, 14) + offsetDays * DAY + 20 * 3600_000)
  return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString(), venueName: 'Razzmatazz' }
}

const requestsTo = (artistId: string) => h.app.db.bookingRequest.count({ where: { promoterOrgId: promoter.orgId, artistId } })

describe('bulk requests from a shortlist', () => {
  it('a fault after some requests were sent settles the answer under the key: a retry replays it, never a second set', async () => {
    const [a, b] = [await representedArtist(), await representedArtist()]
    const listId = await shortlistOf([a, b])
    // The pipeline fails on the second artist only (a fault the service cannot name: a 500 of its own).
    await h.app.db.$executeRawUnsafe(`CREATE FUNCTION review_fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.artist_id = '${b}'::uuid THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`)
    await h.app.db.$executeRawUnsafe(
      'CREATE TRIGGER review_fail_insert BEFORE INSERT ON booking_requests FOR EACH ROW EXECUTE FUNCTION review_fail_insert()',
    )
    const key = randomUUID()
    let first
    try {
      first = await post(`/api/v1/shortlists/${listId}/request`, promoter, terms(40), key)
    } finally {
      await h.app.db.$executeRawUnsafe('DROP TRIGGER review_fail_insert ON booking_requests')
      await h.app.db.$executeRawUnsafe('DROP FUNCTION review_fail_insert()')
    }
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.body.data.outcomes.map((o: { artistId: string; outcome: string }) => [o.artistId, o.outcome])).toEqual([
      [a, 'created'],
      [b, 'refused'],
    ])
    expect(first.body.data.outcomes[1].error).toEqual({ code: 'internal_error', message: 'internal server error' })

    const retry = await post(`/api/v1/shortlists/${listId}/request`, promoter, terms(40), key)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(retry.body).toEqual(first.body)
    expect([await requestsTo(a), await requestsTo(b)]).toEqual([1, 0])
  })

  it('refuses the key reused with another body (400) or while the first call runs (409), and sends one set', async () => {
    const [a, b] = [await representedArtist(), await representedArtist()]
    const listId = await shortlistOf([a, b])
    const key = randomUUID()
    const racing = await Promise.all([0, 1, 2].map(() => post(`/api/v1/shortlists/${listId}/request`, promoter, terms(50), key)))
    const statuses = racing.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 200).length, JSON.stringify(racing.map((r) => r.body))).toBeGreaterThanOrEqual(1)
    for (const r of racing.filter((r) => r.status !== 200)) expect([r.status, r.body.error.code]).toEqual([409, 'idempotency_in_progress'])
    const other = await post(`/api/v1/shortlists/${listId}/request`, promoter, terms(51), key)
    expect([other.status, other.body.error.code]).toEqual([400, 'idempotency_key_reused'])
    expect([await requestsTo(a), await requestsTo(b)]).toEqual([1, 1])
  })
})

describe('the 500th shortlist item', () => {
  it('two adds racing for the last place: one 201, one clean 409 shortlist_full, 500 kept', async () => {
    const listId = await shortlistOf([])
    const ids = Array.from({ length: 501 }, () => randomUUID())
    await h.app.db.artist.createMany({ data: ids.map((id, i) => ({ id, name: `Filler ${i}`, slug: `review-filler-${id}` })) })
    await h.app.db.$executeRaw`
      INSERT INTO shortlist_items (id, shortlist_id, artist_id, position, added_by_user_id, updated_at)
      SELECT gen_random_uuid(), ${listId}::uuid, a, n - 1, ${promoter.userId}::uuid, now() FROM unnest(${ids.slice(0, 499)}::uuid[]) WITH ORDINALITY AS t(a, n)`
    const racing = await Promise.all(ids.slice(499).map((artistId) => post(`/api/v1/shortlists/${listId}/items`, promoter, { artistId })))
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409])
    expect(racing.find((r) => r.status === 409)!.body.error.code).toBe('shortlist_full')
    expect(await h.app.db.shortlistItem.count({ where: { shortlistId: listId } })).toBe(500)
  })
})

describe('the REST GET cache across companies', () => {
  let redis: OwnedRedis
  let app: TestApp
  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { REDIS_URL: redis.url, RATE_LIMIT_ENABLED: 'false' } })
  })
  afterAll(async () => {
    await app?.close()
    await redis?.stop()
  })

  it('never serves one company the entry of another with the same grant, whatever the query order or case', async () => {
    const [first, second] = [await h.auth.session(PROMOTER_ACCESS), await h.auth.session(PROMOTER_ACCESS)]
    let served: string | null = null
    for (let i = 0; i < 50 && served === null; i++) {
      served = (await app.rest('GET', '/api/v1/marketplace/artists?sort=fee&limit=5', { as: first })).headers.get('x-cache')
      if (served === null) await new Promise((r) => setTimeout(r, 20))
    }
    // The first company's entry is there (a store or a lookup past the cache's 50 ms timeout, on a loaded machine, is
    // served live as a MISS: asked again until it is a HIT).
    let again: string | null = null
    for (let i = 0; i < 50 && again !== 'HIT'; i++)
      again = (await app.rest('GET', '/api/v1/marketplace/artists?limit=5&sort=fee&live=false', { as: first })).headers.get('x-cache')
    expect(again).toBe('HIT')
    const other = await app.rest('GET', '/api/v1/marketplace/artists?limit=5&sort=fee', { as: second })
    expect([other.status, other.headers.get('x-cache')]).toEqual([200, 'MISS'])
    // A value the schema refuses is a 400, never stored: the next asker is refused again, not served.
    const shouting = await app.rest('GET', '/api/v1/marketplace/artists?limit=5&sort=FEE', { as: first })
    expect([shouting.status, shouting.body.error.code, shouting.headers.get('x-cache')]).toEqual([400, 'validation_error', null])
  })

  it('keys a query by what the route parses: two malformed escapes are two searches, never one entry', async () => {
    const reader = await h.auth.session(PROMOTER_ACCESS)
    const named = await app.rest('POST', '/api/v1/artists', { as: agency, body: { name: `Velvet %FE ${randomUUID().slice(0, 6)}` } })
    await app.rest('POST', '/api/v1/representation-claims', { as: agency, body: { artistId: named.body.data.id } })
    // The route reads `q` as the literal text "%FE" (an invalid escape is kept as written), which the artist's name holds.
    const fe = await app.rest('GET', '/api/v1/marketplace/artists?q=%FE', { as: reader })
    expect([fe.status, fe.headers.get('x-cache')]).toEqual([200, 'MISS'])
    expect(fe.body.data.items.map((c: { artistId: string }) => c.artistId)).toEqual([named.body.data.id])
    const ff = await app.rest('GET', '/api/v1/marketplace/artists?q=%FF', { as: reader })
    expect([ff.status, ff.headers.get('x-cache'), ff.body.data.items]).toEqual([200, 'MISS', []])
    expect((await app.rest('GET', '/api/v1/marketplace/artists?q=%FF', { as: reader })).headers.get('x-cache')).toBe('HIT')
  })
})

describe('marketplace cards', () => {
  it('drop an archived artist on both faces (the rebuild too) and keep the rebuild from tenants', async () => {
    const id = await representedArtist()
    const name = (await h.app.rest('GET', `/api/v1/artists/${id}`, { as: agency })).body.data.name as string
    const query = `query($q: String) { marketplace(first: 5, filter: { q: $q }) { edges { node { artistId } } } }`
    const seen = async () => {
      const rest = await h.app.rest('GET', `/api/v1/marketplace/artists?q=${encodeURIComponent(name)}`, { as: promoter })
      const gql = await h.app.graphql(query, { q: name }, { as: promoter })
      expect(gql.errors).toBeUndefined()
      return [
        rest.body.data.items.map((c: { artistId: string }) => c.artistId),
        gql.data.marketplace.edges.map((e: any) => e.node.artistId),
      ]
    }
    expect(await seen()).toEqual([[id], [id]])
    expect((await h.app.rest('POST', `/api/v1/artists/${id}/archive`, { as: agency, body: {} })).status).toBe(200)
    expect(await seen()).toEqual([[], []])
    const tenant = await h.app.rest('POST', '/internal/admin/marketplace/rebuild', { as: promoter, body: {} })
    expect([tenant.status, tenant.body.error.code]).toEqual([403, 'forbidden'])
    expect((await h.app.rest('POST', '/internal/admin/marketplace/rebuild', { as: 'machine', body: {} })).status).toBe(200)
    expect(await seen()).toEqual([[], []])
  })
})

describe('trust scores', () => {
  it('never show the network mean of fewer than 3 revealed ratings: with one, it is that rating', async () => {
    const buyer = await h.auth.session(PROMOTER_ACCESS)
    const reader = await h.auth.session(PROMOTER_ACCESS)
    const artistId = await representedArtist()
    const deals = [await booked(buyer, artistId), await booked(buyer, artistId), await booked(buyer, artistId)]
    const lastEnd = Math.max(...deals.map((d) => new Date(d.booking.endsAt).getTime()))
    try {
      h.app.clock.advance(lastEnd - Date.now() + 3600_000)
      const scores = { communication: 1, reliability: 1, hospitalityOrProduction: 1, paymentOrPerformance: 1 }
      const rated = await post(`/api/v1/bookings/${deals[0]!.booking.id}/ratings`, buyer, scores)
      expect(rated.status, JSON.stringify(rated.body)).toBe(201)
      h.app.clock.advance(15 * DAY)
      expect(await h.app.db.bookingRating.count()).toBe(1)
      const trust = await h.app.rest('GET', `/api/v1/trust/${agency.agencyId}`, { as: reader })
      expect(trust.body.data).toMatchObject({ status: 'scored', ratingsCount: 1 })
      const rating = trust.body.data.factors.find((f: { name: string }) => f.name === 'rating')
      // The one revealed rating of the network (1 of 5) must not be readable as the "network mean".
      expect(rating.explanation).toBe('fewer than 3 revealed ratings: the network mean 3.5 of 5')
      expect(rating.value).toBe(0.625)
    } finally {
      h.app.clock.reset()
    }
  })
})
