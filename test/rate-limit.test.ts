// Rate limits on both faces: per user and company for tenants, per key for machine callers, per address for
// anonymous calls; 429 in the envelope (GraphQL: RATE_LIMITED) with Retry-After. Shared across replicas
// through a Redis the test owns; when that Redis is stopped or stalls, requests keep being served (limits
// counted in memory) and the limiter goes back to Redis by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MACHINE_KEY_PREVIOUS, startApp, type TestApp, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { PROMOTER_ACCESS } from './support/fixtures.ts'
import { type OwnedRedis, startRedis } from './support/redis.ts'

const h = useHarness()
const LIMITS = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_TENANT_MAX: '4', RATE_LIMIT_ANONYMOUS_MAX: '3', RATE_LIMIT_MACHINE_MAX: '5' }

async function metric(app: TestApp, line: RegExp): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text()
  return Number(line.exec(text)?.[1] ?? 0)
}

const refusals = (app: TestApp, caller: string) => metric(app, new RegExp(`^rate_limit_refusals_total\\{caller="${caller}"\\} (\\d+)`, 'm'))
const fallbacks = (app: TestApp) => metric(app, /^rate_limit_store_fallbacks_total (\d+)/m)

async function statuses(n: number, call: () => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await call()).status)
  return out
}

describe('limits in memory (no REDIS_URL)', () => {
  let app: TestApp
  let promoter: Session
  beforeAll(async () => {
    app = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: LIMITS })
    promoter = await h.auth.session(PROMOTER_ACCESS)
  })
  afterAll(() => app.close())

  it('refuses a tenant past its limit with 429 in the envelope and Retry-After; another user or company has its own', async () => {
    const other = await h.auth.session(PROMOTER_ACCESS)
    expect(await statuses(4, () => app.rest('GET', '/api/v1/genres', { as: promoter }))).toEqual([200, 200, 200, 200])
    const refused = await app.rest('GET', '/api/v1/genres', { as: promoter })
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({
      success: false,
      error: { code: 'rate_limited', message: expect.stringMatching(/^rate limit exceeded: 4 requests per 60 s; retry in/) },
    })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.headers.get('x-ratelimit-limit')).toBe('4')
    expect((await app.rest('GET', '/api/v1/genres', { as: other })).status).toBe(200)
    // The same user acting for another company is counted apart.
    const sameUserOtherOrg = await h.auth.session({ ...PROMOTER_ACCESS, userId: promoter.userId })
    expect((await app.rest('GET', '/api/v1/genres', { as: sameUserOtherOrg })).status).toBe(200)
    expect(await refusals(app, 'tenant')).toBe(1)
  })

  it("refuses on GraphQL too, in GraphQL shape (RATE_LIMITED), sharing the caller's budget with REST", async () => {
    const session = await h.auth.session(PROMOTER_ACCESS)
    expect(await statuses(4, () => app.rest('GET', '/api/v1/genres', { as: session }))).toEqual([200, 200, 200, 200])
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...session.headers },
      body: JSON.stringify({ query: '{ genres(first: 1) { totalCount } }' }),
    })
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await res.json()).toEqual({
      errors: [{ message: expect.stringMatching(/^rate limit exceeded/), extensions: { code: 'RATE_LIMITED', reason: 'rate_limited' } }],
    })
  })

  it('counts machine callers per key and anonymous callers per address; health, readiness and metrics are never limited', async () => {
    expect(await statuses(6, () => app.rest('GET', '/api/v1/genres', { as: 'machine' }))).toEqual([200, 200, 200, 200, 200, 429])
    expect((await app.rest('GET', '/api/v1/genres', { headers: { 'x-internal-api-key': MACHINE_KEY_PREVIOUS } })).status).toBe(200)
    // Anonymous (and forged) calls share the address's budget: a bad token is not a way around the limit.
    const anonymous = await statuses(4, () => app.rest('GET', '/api/v1/genres', { headers: { authorization: 'Bearer forged' } }))
    expect(anonymous).toEqual([401, 401, 401, 429])
    expect(await statuses(5, () => app.rest('GET', '/health'))).toEqual([200, 200, 200, 200, 200])
    expect((await app.rest('GET', '/ready')).status).toBe(200)
    expect(await refusals(app, 'machine')).toBe(1)
    expect(await refusals(app, 'anonymous')).toBe(1)
  })
})

describe('limits shared through Redis', () => {
  let redis: OwnedRedis
  let a: TestApp
  let b: TestApp
  beforeAll(async () => {
    redis = await startRedis()
    const env = { ...LIMITS, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `rl-test-${process.pid}:` }
    a = await startApp({ auth: h.auth, databaseUrl: h.database.url, env })
    b = await startApp({ auth: h.auth, databaseUrl: h.database.url, env })
    // Both replicas connected to Redis before counting.
    for (let i = 0; i < 50 && (await readyReplicas()) < 2; i++) await new Promise((r) => setTimeout(r, 20))
  })
  const readyReplicas = async () => {
    const c = redis.client()
    try {
      return (
        String(await c.client('LIST'))
          .split('\n')
          .filter(Boolean).length - 1
      )
    } finally {
      c.disconnect()
    }
  }
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await redis?.stop()
  })

  it('counts a caller once across replicas', async () => {
    const session = await h.auth.session(PROMOTER_ACCESS)
    expect(await statuses(2, () => a.rest('GET', '/api/v1/genres', { as: session }))).toEqual([200, 200])
    expect(await statuses(3, () => b.rest('GET', '/api/v1/genres', { as: session }))).toEqual([200, 200, 429])
    const c = redis.client()
    const keys = await c.keys(`rl-test-${process.pid}:rate-limit:tenant:${session.userId}:*`)
    c.disconnect()
    expect(keys).toHaveLength(1)
    expect(await fallbacks(a)).toBe(0)
  })

  it('serves without Redis while it stalls or is down (limits in memory), never a 5xx, and goes back to it by itself', async () => {
    const session = await h.auth.session(PROMOTER_ACCESS)
    // Stalled: every client paused for 1.5 s; each answer comes within the 50 ms Redis timeout plus the request.
    const pauser = redis.client()
    await pauser.client('PAUSE', 1500, 'ALL')
    const started = Date.now()
    expect((await a.rest('GET', '/api/v1/genres', { as: session })).status).toBe(200)
    expect(Date.now() - started).toBeLessThan(1000)
    pauser.disconnect()

    await redis.stop()
    const down = await statuses(5, () => a.rest('GET', '/api/v1/genres', { as: session }))
    // Counted in this replica's memory meanwhile: the limit still holds (4 per window).
    expect(down.filter((s) => s === 200).length).toBeLessThanOrEqual(4)
    expect(down.every((s) => s === 200 || s === 429)).toBe(true)
    expect(await fallbacks(a)).toBeGreaterThanOrEqual(5)

    await redis.start()
    // Each probe is a new caller (a window's budget is 4) whose count must land in Redis again.
    for (let i = 0; i < 50; i++) {
      const probe = await h.auth.session(PROMOTER_ACCESS)
      expect((await a.rest('GET', '/api/v1/genres', { as: probe })).status).toBe(200)
      const c = redis.client()
      const keys = await c.keys(`*rate-limit:tenant:${probe.userId}:*`)
      c.disconnect()
      if (keys.length) return
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error('the limiter never went back to Redis')
  })
})
