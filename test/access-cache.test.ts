// The local effective-access cache obeys the platform's rules: short-lived, keyed so that a new token or
// tokenVersion misses, and never used once expired — if Auth is down then, the answer is 503.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from './support/app.ts'
import { startAuthStandIn, type AuthStandIn } from './support/auth-stand-in.ts'
import { freshDatabase } from './support/db.ts'
import { PROMOTER_ACCESS } from './support/fixtures.ts'

let auth: AuthStandIn
let app: TestApp
/** The same service with its own clock and the default TTL, for the expiry cases (its clock is advanced past the TTL). */
let expiring: TestApp
let database: Awaited<ReturnType<typeof freshDatabase>>
const TTL_MS = 5_000

beforeAll(async () => {
  auth = await startAuthStandIn()
  database = await freshDatabase()
  app = await startApp({ auth, databaseUrl: database.url, env: { ACCESS_CACHE_TTL_MS: '30000' } })
  expiring = await startApp({ auth, databaseUrl: database.url, env: { ACCESS_CACHE_TTL_MS: String(TTL_MS) } })
})
afterAll(async () => {
  await app.close()
  await expiring.close()
  await auth.close()
  await database.drop()
})

const callsFor = (orgId: string) => auth.accessCalls.filter((c) => c.org === orgId).length
const list = (headers: Record<string, string>, on: TestApp = app) => on.rest('GET', '/api/v1/artists', { headers })

describe('effective access cache', () => {
  it('asks Auth once for repeated calls with the same token, and once for concurrent ones', async () => {
    const session = await auth.session(PROMOTER_ACCESS)
    const results = await Promise.all(Array.from({ length: 8 }, () => list(session.headers)))
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200))
    expect((await list(session.headers)).status).toBe(200)
    expect(callsFor(session.orgId)).toBe(1)
  })

  it('misses for a new token of the same user and company (e.g. a bumped tokenVersion)', async () => {
    const session = await auth.session(PROMOTER_ACCESS)
    await list(session.headers)
    auth.grant(session.userId, session.orgId, { ...PROMOTER_ACCESS, tokenVersion: 2 })
    const reissued = await auth.sign({ tokenVersion: 2 }, { subject: session.userId })
    expect((await list({ authorization: `Bearer ${reissued}`, 'x-org': session.orgId })).status).toBe(200)
    expect(callsFor(session.orgId)).toBe(2)
  })

  it('asks again after the TTL, and reflects access changed in Auth', async () => {
    const session = await auth.session(PROMOTER_ACCESS)
    expect((await list(session.headers, expiring)).status).toBe(200)
    auth.grant(session.userId, session.orgId, { modules: ['promoter'], permissions: [] })
    expiring.clock.advance(TTL_MS + 1)
    const after = await list(session.headers, expiring)
    expect(after.status).toBe(403)
    expect(after.body.error.message).toBe('missing permission: promoter.directory.read')
    expect(callsFor(session.orgId)).toBe(2)
  })

  it('never serves an expired entry when Auth is down: 503', async () => {
    const session = await auth.session(PROMOTER_ACCESS)
    expect((await list(session.headers, expiring)).status).toBe(200)
    expiring.clock.advance(TTL_MS + 1)
    auth.setMode('error')
    try {
      const r = await list(session.headers, expiring)
      expect(r.status).toBe(503)
      expect(r.body.error.code).toBe('service_unavailable')
    } finally {
      auth.setMode('up')
    }
  })

  it('does not cache failures', async () => {
    const session = await auth.session(PROMOTER_ACCESS)
    auth.setMode('error')
    expect((await list(session.headers)).status).toBe(503)
    auth.setMode('up')
    expect((await list(session.headers)).status).toBe(200)
  })

  it('treats a token older than the tokenVersion Auth reports as revoked: 401', async () => {
    const session = await auth.session(PROMOTER_ACCESS)
    auth.grant(session.userId, session.orgId, { ...PROMOTER_ACCESS, tokenVersion: 5 })
    const r = await list(session.headers)
    expect(r.status).toBe(401)
    expect(r.body.error.code).toBe('unauthorized')
  })
})
