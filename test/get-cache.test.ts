// The REST GET cache on a Redis the test owns: HIT/MISS/BYPASS on the allowlisted routes only, the access
// rule before the cache, a key per caller's visible access (two users of one company with different
// permissions never share an answer), invalidation by the writes' outbox events on both faces (also for an
// answer read while the write committed), and Redis down or stalled: answers served live, never an error.
import { randomUUID } from 'node:crypto'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GetCache } from '../src/cache/get-cache.ts'
import { addDays, formatDay, today } from '../src/dates.ts'
import { Metrics } from '../src/metrics.ts'
import { startApp, type TestApp, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { type OwnedRedis, startRedis } from './support/redis.ts'

const h = useHarness()
let redis: OwnedRedis
let app: TestApp
let agency: Session & { agencyId: string }

beforeAll(async () => {
  redis = await startRedis()
  app = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { REDIS_URL: redis.url, RATE_LIMIT_ENABLED: 'false' } })
  agency = await agencySession(h.auth, app.db)
  for (let i = 0; i < 50 && (await app.rest('GET', '/api/v1/genres', { as: agency })).headers.get('x-cache') === null; i++) {
    await new Promise((r) => setTimeout(r, 20))
  }
})
afterAll(async () => {
  await app?.close()
  await redis?.stop()
})

const cacheOf = (r: { headers: Headers }) => r.headers.get('x-cache')

/** Runs `work` with a Redis client of the test's, closed after (it would report the planned outage as errors). */
async function withRedis<T>(work: (client: ReturnType<OwnedRedis['client']>) => Promise<T>): Promise<T> {
  const client = redis.client()
  try {
    return await work(client)
  } finally {
    client.disconnect()
  }
}
const day = (offset: number) => formatDay(addDays(today(), offset))

async function artist(as: Session = agency) {
  const created = await app.rest('POST', '/api/v1/artists', { as, body: { name: `Act ${randomUUID().slice(0, 8)}` } })
  expect(created.status).toBe(201)
  return created.body.data.id as string
}

describe('the REST GET cache', () => {
  it('misses, then hits with the same answer; ?live=true and x-redis: bypass read live and refresh the entry', async () => {
    const id = await artist()
    const first = await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })
    expect([first.status, cacheOf(first)]).toEqual([200, 'MISS'])
    const second = await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })
    expect([second.status, cacheOf(second)]).toEqual([200, 'HIT'])
    expect(second.body).toEqual(first.body)

    // A change behind the API's back (no event) is what a bypass is for: it reads live and refreshes the entry.
    await app.db.artist.update({ where: { id }, data: { name: 'Renamed in SQL' } })
    expect((await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })).body.data.name).not.toBe('Renamed in SQL')
    const live = await app.rest('GET', `/api/v1/artists/${id}?live=true`, { as: agency })
    expect([cacheOf(live), live.body.data.name]).toEqual(['BYPASS', 'Renamed in SQL'])
    const after = await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })
    expect([cacheOf(after), after.body.data.name]).toEqual(['HIT', 'Renamed in SQL'])
    await app.db.artist.update({ where: { id }, data: { name: 'Renamed again' } })
    const header = await app.rest('GET', `/api/v1/artists/${id}`, { as: agency, headers: { 'x-redis': 'bypass' } })
    expect([cacheOf(header), header.body.data.name]).toEqual(['BYPASS', 'Renamed again'])

    // The key is the platform's, with the caller's access fingerprint after the company.
    const keys = await withRedis((c) => c.keys(`artists:GET:/api/v1/artists/${id}:*`))
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(new RegExp(`^artists:GET:/api/v1/artists/${id}:[0-9a-f]{16}:${agency.orgId}:[0-9a-f]{32}$`))
  })

  it('keys the query string sorted, without `live`', async () => {
    const a = await app.rest('GET', '/api/v1/genres?limit=5&page=1', { as: agency })
    const b = await app.rest('GET', '/api/v1/genres?page=1&limit=5&live=false', { as: agency })
    expect([cacheOf(a), cacheOf(b)]).toEqual(['MISS', 'HIT'])
    expect((await app.rest('GET', '/api/v1/genres?page=2&limit=5', { as: agency })).headers.get('x-cache')).toBe('MISS')
  })

  it('is invalidated by a write on either face before the write answers', async () => {
    const id = await artist()
    await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })
    expect(cacheOf(await app.rest('GET', `/api/v1/artists/${id}`, { as: agency }))).toBe('HIT')
    const patched = await app.rest('PATCH', `/api/v1/artists/${id}`, { as: agency, body: { name: 'Los Satélites' } })
    expect(patched.status).toBe(200)
    const fresh = await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })
    expect([cacheOf(fresh), fresh.body.data.name]).toEqual(['MISS', 'Los Satélites'])

    // The list is tagged alike: a GraphQL mutation makes it stale too.
    const list = `/api/v1/artists?q=${encodeURIComponent('Satélites')}`
    await app.rest('GET', list, { as: agency })
    expect(cacheOf(await app.rest('GET', list, { as: agency }))).toBe('HIT')
    const renamed = await app.graphql(
      `mutation ($id: ID!) { updateArtist(id: $id, input: { name: "Los Satélites Dos" }) { id name } }`,
      { id },
      { as: agency },
    )
    expect(renamed.errors).toBeUndefined()
    const listed = await app.rest('GET', list, { as: agency })
    expect([cacheOf(listed), listed.body.data.items.map((a: any) => a.name)]).toEqual(['MISS', ['Los Satélites Dos']])
  })

  it('never shares an answer between two users of one company with different permissions', async () => {
    const id = await artist()
    const claim = await app.rest('POST', '/api/v1/representation-claims', { as: agency, body: { artistId: id } })
    expect(claim.body.data.status).toBe('approved')
    const window = await app.rest('POST', `/api/v1/artists/${id}/availability`, {
      as: agency,
      body: { startsOn: day(30), endsOn: day(40), status: 'available' },
    })
    expect(window.status).toBe(201)
    const full = await h.auth.session(PROMOTER_ACCESS)
    const searchOnly = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.availability.read'], orgId: full.orgId })
    const url = `/api/v1/availability/search?from=${day(31)}&to=${day(32)}`
    const hitFor = (items: any[]) => items.find((i: any) => i.id === id)

    const a1 = await app.rest('GET', url, { as: full })
    const b1 = await app.rest('GET', url, { as: searchOnly })
    expect([cacheOf(a1), cacheOf(b1)]).toEqual(['MISS', 'MISS'])
    // The directory reader sees the artist as the directory shows it; the other user only its card.
    expect(hitFor(a1.body.data.items)).toHaveProperty('genres')
    expect(hitFor(b1.body.data.items)).not.toHaveProperty('genres')
    const [a2, b2] = [await app.rest('GET', url, { as: full }), await app.rest('GET', url, { as: searchOnly })]
    expect([cacheOf(a2), cacheOf(b2)]).toEqual(['HIT', 'HIT'])
    expect(a2.body).toEqual(a1.body)
    expect(b2.body).toEqual(b1.body)

    // The marketplace shapes its hits the same way; here the narrower user fills the cache first.
    const name = (await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })).body.data.name as string
    const market = `/api/v1/marketplace/artists?q=${encodeURIComponent(name)}`
    const m1 = await app.rest('GET', market, { as: searchOnly })
    const m2 = await app.rest('GET', market, { as: full })
    expect([m1.status, cacheOf(m1), m2.status, cacheOf(m2)]).toEqual([200, 'MISS', 200, 'MISS'])
    // A card names genres, country and city for directory readers only.
    expect(m1.body.data.items[0].genres).toBeNull()
    expect(m2.body.data.items[0].genres).toEqual(expect.any(Array))
    const [m3, m4] = [await app.rest('GET', market, { as: searchOnly }), await app.rest('GET', market, { as: full })]
    expect([cacheOf(m3), cacheOf(m4)]).toEqual(['HIT', 'HIT'])
    expect([m3.body, m4.body]).toEqual([m1.body, m2.body])
  })

  it('checks the access rule before the cache and never stores a refusal', async () => {
    const id = await artist()
    expect(cacheOf(await app.rest('GET', `/api/v1/artists/${id}`, { as: agency }))).toBe('MISS')
    const colleague = await h.auth.session({ modules: ['artist'], permissions: ['artist.bookings.read'], orgId: agency.orgId })
    const refused = await app.rest('GET', `/api/v1/artists/${id}`, { as: colleague })
    expect([refused.status, refused.body.error.code, cacheOf(refused)]).toEqual([403, 'forbidden', null])
    const anonymous = await app.rest('GET', `/api/v1/artists/${id}`)
    expect([anonymous.status, cacheOf(anonymous)]).toEqual([401, null])
    const unknown = randomUUID()
    const missing = await app.rest('GET', `/api/v1/artists/${unknown}`, { as: agency })
    expect([missing.status, cacheOf(missing)]).toEqual([404, null])
    // Only the answer the agency was given is stored: no entry for the refused callers or the unknown id.
    expect(await withRedis((c) => c.keys(`artists:GET:/api/v1/artists/${id}:*`))).toHaveLength(1)
    expect(await withRedis((c) => c.keys(`artists:GET:/api/v1/artists/${unknown}:*`))).toEqual([])
  })

  it('leaves the booking pipeline, the dashboards and the admin routes uncached', async () => {
    expect(cacheOf(await app.rest('GET', '/api/v1/bookings', { as: agency }))).toBeNull()
    expect(cacheOf(await app.rest('GET', '/api/v1/booking-requests', { as: agency }))).toBeNull()
    // Dashboards count what lapses by time at the moment of reading (src/cache/README.md): never cached.
    const dashboard = await app.rest('GET', '/api/v1/dashboard', { as: agency })
    expect([dashboard.status, cacheOf(dashboard)]).toEqual([200, null])
    expect(cacheOf(await app.rest('GET', '/internal/admin/outbox', { as: 'machine' }))).toBeNull()
  })
})

describe('when Redis fails', () => {
  it('serves live while Redis is down and caches again once it is back', async () => {
    const id = await artist()
    await redis.stop()
    try {
      for (let i = 0; i < 3; i++) {
        const started = performance.now()
        const r = await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })
        expect([r.status, cacheOf(r)]).toEqual([200, 'MISS'])
        expect(performance.now() - started).toBeLessThan(2000)
      }
      const patched = await app.rest('PATCH', `/api/v1/artists/${id}`, { as: agency, body: { name: 'Written while Redis is down' } })
      expect(patched.status).toBe(200)
    } finally {
      await redis.start()
    }
    let last: string | null = null
    for (let i = 0; i < 100 && last !== 'HIT'; i++) {
      last = cacheOf(await app.rest('GET', `/api/v1/artists/${id}`, { as: agency }))
      if (last !== 'HIT') await new Promise((r) => setTimeout(r, 50))
    }
    expect(last).toBe('HIT')
    expect((await app.rest('GET', `/api/v1/artists/${id}`, { as: agency })).body.data.name).toBe('Written while Redis is down')
  })
})

describe('an answer read while a write commits', () => {
  it('is stored but never served: the tag versions it was read under are already stale', () =>
    withRedis(async (client) => {
      const cache = new GetCache(client, pino({ level: 'silent' }), new Metrics())
      const policy = { ttlSeconds: 60, tags: ['directory'] } as const
      const key = `artists:GET:/race:${randomUUID()}`
      const during = await cache.serve(key, policy, false, async () => {
        await cache.invalidate(['directory'])
        return '"read before the write committed"'
      })
      expect(during.outcome).toBe('MISS')
      await new Promise((r) => setTimeout(r, 50))
      expect(await client.exists(key)).toBe(1)
      const next = await cache.serve(key, policy, false, async () => '"fresh"')
      expect(next).toEqual({ body: '"fresh"', outcome: 'MISS' })
      await new Promise((r) => setTimeout(r, 50))
      expect(await cache.serve(key, policy, false, async () => '"not called"')).toEqual({ body: '"fresh"', outcome: 'HIT' })
    }))
})
