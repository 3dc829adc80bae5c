// CORS exactly as the Artist module has always read it: CORS_ORIGIN preferred; the legacy
// CORS_ALLOWED_ORIGINS only when CORS_ORIGIN is unset; its wildcard ignored once CORS_ORIGIN is set;
// credentials only for an explicit allowlist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { corsPolicy } from '../src/config.ts'
import { startApp, type TestApp } from './support/app.ts'
import { startAuthStandIn, type AuthStandIn } from './support/auth-stand-in.ts'
import { freshDatabase } from './support/db.ts'

let auth: AuthStandIn
let database: Awaited<ReturnType<typeof freshDatabase>>
const apps: TestApp[] = []

beforeAll(async () => {
  auth = await startAuthStandIn()
  database = await freshDatabase()
})
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
  await auth.close()
  await database.drop()
})

async function appWith(env: Record<string, string>) {
  const app = await startApp({ auth, databaseUrl: database.url, env })
  apps.push(app)
  return app
}

async function preflight(app: TestApp, origin: string) {
  const res = await fetch(`${app.url}/api/v1/artists`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,x-org' },
  })
  return {
    status: res.status,
    allowOrigin: res.headers.get('access-control-allow-origin'),
    allowCredentials: res.headers.get('access-control-allow-credentials'),
    allowHeaders: res.headers.get('access-control-allow-headers'),
  }
}

async function simple(app: TestApp, origin: string) {
  const res = await fetch(`${app.url}/health`, { headers: { origin } })
  return {
    allowOrigin: res.headers.get('access-control-allow-origin'),
    allowCredentials: res.headers.get('access-control-allow-credentials'),
    expose: res.headers.get('access-control-expose-headers'),
  }
}

describe('corsPolicy', () => {
  it('reads CORS_ORIGIN first, the legacy list only without it, and never lists a wildcard', () => {
    expect(corsPolicy(['https://a.kisum.io', 'https://b.kisum.io'], ['https://legacy.kisum.io'])).toEqual({
      kind: 'allowlist',
      origins: ['https://a.kisum.io', 'https://b.kisum.io'],
    })
    expect(corsPolicy(['https://a.kisum.io'], ['*'])).toEqual({ kind: 'allowlist', origins: ['https://a.kisum.io'] })
    expect(corsPolicy([], ['https://legacy.kisum.io', '*'])).toEqual({ kind: 'allowlist', origins: ['https://legacy.kisum.io'] })
    expect(corsPolicy([], ['*'])).toEqual({ kind: 'any' })
    expect(corsPolicy(['*'], [])).toEqual({ kind: 'none' })
    expect(corsPolicy([], [])).toEqual({ kind: 'none' })
  })
})

describe('CORS over HTTP', () => {
  it('allows the CORS_ORIGIN allowlist with credentials, and nobody else', async () => {
    const app = await appWith({ CORS_ORIGIN: 'https://app.kisum.io, https://artists.kisum.io', CORS_ALLOWED_ORIGINS: '*' })
    const ok = await preflight(app, 'https://artists.kisum.io')
    expect(ok).toMatchObject({ status: 204, allowOrigin: 'https://artists.kisum.io', allowCredentials: 'true' })
    expect(ok.allowHeaders).toContain('x-org')
    expect(ok.allowHeaders).toContain('authorization')
    const evil = await preflight(app, 'https://evil.example')
    expect(evil.allowOrigin).toBeNull()
    expect(evil.allowCredentials).toBeNull()
    expect(await simple(app, 'https://app.kisum.io')).toEqual({
      allowOrigin: 'https://app.kisum.io',
      allowCredentials: 'true',
      expose: 'x-request-id, idempotent-replayed, server-timing',
    })
    expect((await simple(app, 'https://evil.example')).allowOrigin).toBeNull()
  })

  it('falls back to an explicit legacy CORS_ALLOWED_ORIGINS list, with credentials', async () => {
    const app = await appWith({ CORS_ALLOWED_ORIGINS: 'https://legacy.kisum.io' })
    expect(await preflight(app, 'https://legacy.kisum.io')).toMatchObject({
      allowOrigin: 'https://legacy.kisum.io',
      allowCredentials: 'true',
    })
    expect((await preflight(app, 'https://app.kisum.io')).allowOrigin).toBeNull()
  })

  it('honours a legacy wildcard only without CORS_ORIGIN, and never with credentials', async () => {
    const app = await appWith({ CORS_ALLOWED_ORIGINS: '*' })
    const r = await preflight(app, 'https://anyone.example')
    expect(r.allowOrigin).toBe('*')
    expect(r.allowCredentials).toBeNull()
  })

  it('sends no CORS headers when nothing is configured', async () => {
    const app = await appWith({})
    expect(await simple(app, 'https://app.kisum.io')).toEqual({ allowOrigin: null, allowCredentials: null, expose: null })
  })
})
