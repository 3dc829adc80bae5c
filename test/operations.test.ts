// Running the service: health and readiness, request ids, logs (once per error, with who called, never
// with credentials), masked internal errors, GraphQL depth/cost/alias limits, graceful shutdown.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import { MACHINE_KEY, startApp, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_ALIASES: '5' })
let promoter: Session

beforeAll(async () => {
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('health and readiness', () => {
  it('answers /health without credentials', async () => {
    const r = await h.app.rest('GET', '/health')
    expect(r).toMatchObject({ status: 200, body: { success: true, data: { status: 'ok' } } })
  })

  it('is ready when the database and the JWKS answer', async () => {
    const r = await h.app.rest('GET', '/ready')
    expect(r.body).toEqual({ success: true, data: { status: 'ready', checks: { database: 'ok', jwks: 'ok' } } })
  })

  it('is not ready (503) when the database or the JWKS cannot be reached', async () => {
    const noDb = await startApp({ auth: h.auth, databaseUrl: h.database.url.replace(/\/[^/]+$/, '/no_such_database') })
    const noJwks = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' } })
    try {
      const db = await noDb.rest('GET', '/ready')
      expect(db.status).toBe(503)
      expect(db.body.error).toEqual({ code: 'service_unavailable', message: 'not ready: database unreachable' })
      const jwks = await noJwks.rest('GET', '/ready')
      expect(jwks.status).toBe(503)
      expect(jwks.body.error.message).toBe('not ready: jwks unreachable')
    } finally {
      await noDb.close()
      await noJwks.close()
    }
  })
})

describe('request ids and logs', () => {
  it('echoes a valid incoming x-request-id and makes one up otherwise', async () => {
    const echoed = await h.app.rest('GET', '/health', { headers: { 'x-request-id': 'gw-7f3a.42' } })
    expect(echoed.headers.get('x-request-id')).toBe('gw-7f3a.42')
    for (const bad of ['bad id {"injected":true}', 'x'.repeat(200)]) {
      const replaced = await h.app.rest('GET', '/health', { headers: { 'x-request-id': bad } })
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('logs one line per request and one per error, with user, company, code and request id', async () => {
    const requestId = `trace-${Date.now()}`
    const denied = await h.auth.session({ modules: ['promoter'], permissions: [] })
    await h.app.rest('GET', '/api/v1/artists', { as: denied, headers: { 'x-request-id': requestId } })
    const lines = h.app.logs.filter((l) => l.requestId === requestId)
    expect(lines).toHaveLength(2)
    const error = lines.find((l) => l.code)!
    expect(error).toMatchObject({
      level: 40,
      userId: denied.userId,
      companyId: denied.orgId,
      code: 'forbidden',
      status: 403,
      msg: 'missing permission: promoter.directory.read',
    })
    const completed = lines.find((l) => l.msg === 'request completed')!
    expect(completed).toMatchObject({ statusCode: 403, userId: denied.userId, companyId: denied.orgId, method: 'GET' })
  })

  it('logs GraphQL errors once each, with the request id', async () => {
    const requestId = `gql-${Date.now()}`
    await h.app.graphql(
      '{ artists(first: 1) { totalCount } genres(first: 1) { totalCount } }',
      {},
      { headers: { 'x-request-id': requestId } },
    )
    const errors = h.app.logs.filter((l) => l.requestId === requestId && l.code)
    expect(errors.map((l) => l.path).sort()).toEqual(['artists', 'genres'])
    expect(errors.every((l) => l.code === 'unauthorized')).toBe(true)
  })

  it('never writes a token or an API key to the logs', async () => {
    const session = await agencySession(h.auth, h.app.db)
    await h.app.rest('GET', '/api/v1/artists', { as: session })
    await h.app.rest('GET', '/api/v1/artists', { headers: { 'x-internal-api-key': 'wrong-key-value' } })
    await h.app.rest('GET', '/api/v1/artists', { as: 'machine' })
    await h.app.graphql('{ artists(first: 1) { totalCount } }', {}, { as: session })
    const text = JSON.stringify(h.app.logs)
    expect(text).not.toContain(session.token)
    expect(text).not.toContain(session.token.split('.')[2])
    expect(text).not.toContain(MACHINE_KEY)
    expect(text).not.toContain('wrong-key-value')
    expect(text).toContain(session.userId)
  })
})

describe('internal errors', () => {
  it('are masked on both faces (stable code, no stack) and logged with the cause', async () => {
    await h.app.db.$executeRawUnsafe('ALTER TABLE "genres" RENAME TO "genres_moved"')
    try {
      const rest = await h.app.rest('GET', '/api/v1/genres', { as: promoter, headers: { 'x-request-id': 'boom-rest' } })
      expect(rest.status).toBe(500)
      expect(rest.body).toEqual({ success: false, error: { code: 'internal_error', message: 'internal server error' } })
      const gql = await h.app.graphql('{ genres(first: 1) { totalCount } }', {}, { as: promoter })
      expect(gql.errors?.[0]?.message).toBe('internal server error')
      expect(gql.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', reason: 'internal_error' })
      expect(JSON.stringify(gql)).not.toContain('genres_moved')
      const logged = h.app.logs.find((l) => l.requestId === 'boom-rest' && l.level === 50) as { err?: { message?: string } }
      expect(logged?.err?.message).toContain('genres')
    } finally {
      await h.app.db.$executeRawUnsafe('ALTER TABLE "genres_moved" RENAME TO "genres"')
    }
  })
})

describe('GraphQL limits', () => {
  it('rejects a query deeper than GRAPHQL_MAX_DEPTH before executing it', async () => {
    const deep = '{ artists { edges { node { country { regions { country { regions { name } } } } } } } }'
    const r = await h.app.graphql(deep, {}, { as: promoter })
    expect(r.data).toBeUndefined()
    expect(r.errors?.[0]?.message).toMatch(/depth/i)
  })

  it('rejects more aliases than GRAPHQL_MAX_ALIASES', async () => {
    const aliased = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: genres(first: 1) { totalCount }`).join(' ')} }`
    const r = await h.app.graphql(aliased, {}, { as: promoter })
    expect(r.errors?.[0]?.message).toMatch(/alias/i)
  })

  it('rejects a query costlier than GRAPHQL_MAX_COST', async () => {
    const cheap = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { GRAPHQL_MAX_COST: '20' } })
    try {
      const r = await cheap.graphql(
        '{ artists { edges { node { id name slug country { code name } city { name } } } } }',
        {},
        { as: promoter },
      )
      expect(r.errors?.[0]?.message).toMatch(/cost/i)
      expect((await cheap.graphql('{ genres(first: 1) { totalCount } }', {}, { as: promoter })).errors).toBeUndefined()
    } finally {
      await cheap.close()
    }
  })
})

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, finishes the request in flight, and exits 0', async () => {
    const port = await freePort()
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        ...h.auth.env(),
        DATABASE_URL: h.database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        AUTH_TIMEOUT_MS: '5000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      for (let i = 0; i < 200 && !output.includes('"msg":"ready"'); i++) await new Promise((r) => setTimeout(r, 100))
      expect(output).toContain('"msg":"ready"')
      const session = await h.auth.session(PROMOTER_ACCESS)
      h.auth.setMode('slow', 1000)
      const inFlight = fetch(`http://127.0.0.1:${port}/api/v1/artists`, { headers: session.headers })
      await new Promise((r) => setTimeout(r, 300))
      child.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 200))
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
      const res = await inFlight.catch((e) => {
        throw new Error(`in-flight request failed: ${e}\n${output}`)
      })
      expect(res.status).toBe(200)
      expect(await exited).toBe(0)
      expect(output).toContain('"msg":"stopped"')
    } finally {
      h.auth.setMode('up')
      child.kill('SIGKILL')
    }
  })
})
