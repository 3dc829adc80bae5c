// PostgreSQL outages done for real: a cluster this file owns is stopped and started again, backends are
// killed with pg_terminate_backend, statements are held by locks past the statement timeout and requests
// past the pool timeout. Every call answers 503 service_unavailable (REST) / SERVICE_UNAVAILABLE
// (GraphQL) with Retry-After, nothing is half-written, and the service heals without a restart.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedCluster } from '../src/db/embedded.ts'
import { applyMigrations } from '../src/db/migrations.ts'
import { startApp, type TestApp } from './support/app.ts'
import { startAuthStandIn, type AuthStandIn } from './support/auth-stand-in.ts'

const STATEMENT_TIMEOUT_MS = 1000
const POOL_TIMEOUT_MS = 500

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

let auth: AuthStandIn
let dir: string
let port: number
let cluster: EmbeddedCluster
let url: string
let app: TestApp
/** A second service on the same cluster with a single pooled connection (pool-timeout cases). */
let narrow: TestApp

/** Reads run again after meeting a dead connection, from /metrics. */
async function retries(): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text()
  return Number(/^db_read_retries_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0)
}

const genresNamed = async (name: string) => (await app.db.genre.findMany({ where: { name } })).length

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await run(c)
  } finally {
    await c.end()
  }
}

/** Terminates every session of the service (all but the caller's own). */
const terminateServiceSessions = () =>
  admin((c) =>
    c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`),
  )

beforeAll(async () => {
  auth = await startAuthStandIn()
  dir = mkdtempSync(path.join(tmpdir(), 'artists-faults-pg-'))
  port = await freePort()
  cluster = await startEmbeddedPostgres({ dir, port })
  url = cluster.url('artists_faults')
  await ensureDatabase(url)
  await applyMigrations(url)
  const env = { DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS), DATABASE_POOL_TIMEOUT_MS: String(POOL_TIMEOUT_MS) }
  app = await startApp({ auth, databaseUrl: url, env })
  narrow = await startApp({ auth, databaseUrl: url, env: { ...env, DATABASE_POOL_MAX: '1' } })
}, 120_000)

afterAll(async () => {
  await app?.close()
  await narrow?.close()
  await auth?.close()
  await cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

function expectUnavailable(r: { status: number; headers: Headers; body: { error?: { code: string; message: string } } }, reason: string) {
  expect(r.status).toBe(503)
  expect(r.headers.get('retry-after')).toBe('1')
  expect(r.body.error?.code).toBe('service_unavailable')
  expect(r.body.error?.message).toBe(`the database is unavailable (${reason}); nothing was written, retry shortly`)
}

describe('the database stopped and started again', () => {
  it('answers 503 on both faces within the pool timeout, writes nothing, and heals by itself', async () => {
    expect((await app.rest('GET', '/api/v1/genres', { as: 'machine' })).status).toBe(200)
    await cluster.stop()
    try {
      const started = Date.now()
      const read = await app.rest('GET', '/api/v1/genres', { as: 'machine', headers: { 'x-request-id': 'outage-read' } })
      expectUnavailable(read, 'unreachable')
      const write = await app.rest('POST', '/api/v1/genres', { as: 'machine', body: { name: 'Outage Polka' } })
      expectUnavailable(write, 'unreachable')
      const res = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-internal-api-key': 'machine-key-current' },
        body: JSON.stringify({ query: '{ genres(first: 5) { totalCount } }' }),
      })
      expect(res.headers.get('retry-after')).toBe('1')
      const body = (await res.json()) as { data: unknown; errors: { message: string; extensions: Record<string, unknown> }[] }
      expect(body.data).toEqual({ genres: null })
      expect(body.errors).toEqual([
        expect.objectContaining({
          message: 'the database is unavailable (unreachable); nothing was written, retry shortly',
          extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'service_unavailable' },
        }),
      ])
      const mutation = await app.graphql('mutation { createGenre(input: { name: "Outage Waltz" }) { id } }', {}, { as: 'machine' })
      expect(mutation.data).toEqual({ createGenre: null })
      expect(mutation.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'service_unavailable' })
      expect(Date.now() - started).toBeLessThan(4 * POOL_TIMEOUT_MS + 2000)

      // Logged as a dependency fault (warn, with its cause), never as an internal error.
      const lines = app.logs.filter((l) => l.requestId === 'outage-read')
      expect(lines.find((l) => l.msg === 'dependency fault')).toMatchObject({
        level: 40,
        dependency: { name: 'database', reason: 'unreachable' },
        cause: expect.stringContaining('reach database server'),
      })
      expect(app.logs.filter((l) => l.level === 50)).toEqual([])
    } finally {
      cluster = await startEmbeddedPostgres({ dir, port })
    }

    // The first calls after the restart succeed: no dead pooled connection is handed out.
    const after = await app.rest('GET', '/api/v1/genres', { as: 'machine' })
    expect(after.status).toBe(200)
    const gql = await app.graphql('{ genres(first: 5) { totalCount } }', {}, { as: 'machine' })
    expect(gql.errors).toBeUndefined()
    expect(await genresNamed('Outage Polka')).toBe(0)
    expect(await genresNamed('Outage Waltz')).toBe(0)
    expect((await app.rest('POST', '/api/v1/genres', { as: 'machine', body: { name: 'After Outage' } })).status).toBe(201)
  })

  it('hands no connection the restart killed to a request (stopped while the pool held idle connections)', async () => {
    // Fill the pool with idle connections, then restart the cluster under them.
    await Promise.all(Array.from({ length: 4 }, () => app.rest('GET', '/api/v1/genres', { as: 'machine' })))
    await cluster.stop()
    cluster = await startEmbeddedPostgres({ dir, port })
    for (let i = 0; i < 4; i++) expect((await app.rest('GET', '/api/v1/genres', { as: 'machine' })).status).toBe(200)
  })
})

describe('connections killed with pg_terminate_backend', () => {
  it('runs a read that meets a killed pooled connection again, on a fresh one', async () => {
    await Promise.all(Array.from({ length: 3 }, () => app.db.genre.count()))
    // Killed from another process while this one's event loop is blocked: the pooled connections' sockets
    // hold the server's farewell unread, so the next read is sent on a dead connection.
    execFileSync(process.execPath, [
      '-e',
      `const pg = require('pg'); const c = new pg.Client(${JSON.stringify(url)});
       c.connect().then(() => c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        .then(() => new Promise((r) => setTimeout(r, 200))).then(() => c.end())`,
    ])
    expect(await app.db.genre.count()).toBeGreaterThanOrEqual(0)
    expect(await retries()).toBeGreaterThanOrEqual(1)
  })

  it("a request after the service's connections were killed succeeds", async () => {
    await Promise.all(Array.from({ length: 3 }, () => app.rest('GET', '/api/v1/genres', { as: 'machine' })))
    await terminateServiceSessions()
    expect((await app.rest('GET', '/api/v1/genres', { as: 'machine' })).status).toBe(200)
    expect((await app.graphql('{ genres(first: 1) { totalCount } }', {}, { as: 'machine' })).errors).toBeUndefined()
  })

  it('does not replay a write whose connection was killed mid-statement: 503, nothing written', async () => {
    await admin(async (locker) => {
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE genres IN ACCESS EXCLUSIVE MODE')
      const pending = app.rest('POST', '/api/v1/genres', { as: 'machine', body: { name: 'Killed Mid Write' } })
      // Wait until the service's INSERT is queued behind the lock, then kill that backend.
      for (let i = 0; i < 50; i++) {
        const { rowCount } = await locker.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        )
        if (rowCount) break
        await new Promise((r) => setTimeout(r, 20))
      }
      expectUnavailable(await pending, 'connection lost')
      await locker.query('ROLLBACK')
    })
    expect(await genresNamed('Killed Mid Write')).toBe(0)
    expect((await app.rest('POST', '/api/v1/genres', { as: 'machine', body: { name: 'Killed Mid Write' } })).status).toBe(201)
  })
})

describe('a stuck database', () => {
  it('ends a statement past the statement timeout with a 503 and writes nothing', async () => {
    await admin(async (locker) => {
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE genres IN ACCESS EXCLUSIVE MODE')
      const started = Date.now()
      const [write, read] = await Promise.all([
        app.rest('POST', '/api/v1/genres', { as: 'machine', body: { name: 'Stuck Tango' } }),
        app.graphql('{ genres(first: 1) { totalCount } }', {}, { as: 'machine' }),
      ])
      expect(Date.now() - started).toBeLessThan(STATEMENT_TIMEOUT_MS + 1500)
      expectUnavailable(write, 'statement timeout')
      expect(read.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'service_unavailable' })
      await locker.query('ROLLBACK')
    })
    expect(await genresNamed('Stuck Tango')).toBe(0)
  })

  it('answers 503 when no pooled connection frees up within the pool timeout', async () => {
    await admin(async (locker) => {
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE genres IN ACCESS EXCLUSIVE MODE')
      // The narrow service's only connection waits on the lock; the next request cannot get one.
      const holding = narrow.rest('GET', '/api/v1/genres', { as: 'machine' })
      await new Promise((r) => setTimeout(r, 100))
      const started = Date.now()
      const starved = await narrow.rest('GET', '/api/v1/genres', { as: 'machine' })
      expect(Date.now() - started).toBeLessThan(POOL_TIMEOUT_MS + 1000)
      expectUnavailable(starved, 'pool timeout')
      await locker.query('ROLLBACK')
      expect((await holding).status).toBe(200)
    })
    expect((await narrow.rest('GET', '/api/v1/genres', { as: 'machine' })).status).toBe(200)
  })
})
