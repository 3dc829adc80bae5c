// Starts the real service (real config parsing, real Fastify on a real port, real PostgreSQL) for a
// test file, and gives the tests small REST/GraphQL clients. Every SQL statement is recorded, and so is
// every log line.
import { Writable } from 'node:stream'
import pino from 'pino'
import { identityFromConfig } from '../../src/auth/identity.ts'
import { loadConfig } from '../../src/config.ts'
import { createDb, type Db } from '../../src/db/client.ts'
import { Metrics } from '../../src/metrics.ts'
import { buildServer } from '../../src/server.ts'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { startAuthStandIn, type AuthStandIn, type Session } from './auth-stand-in.ts'
import { TestClock } from './clock.ts'
import { freshDatabase } from './db.ts'

export const MACHINE_KEY = 'machine-key-current'
export const MACHINE_KEY_PREVIOUS = 'machine-key-previous'

export interface TestApp {
  url: string
  db: Db
  /** The service's clock: tests advance it rather than sleep. */
  clock: TestClock
  /** Every SQL statement Prisma sent, in order. */
  sql: string[]
  /** Every log line, parsed. */
  logs: Record<string, unknown>[]
  rest(
    method: string,
    path: string,
    options?: { as?: Session | 'machine'; body?: unknown; headers?: Record<string, string> },
  ): Promise<RestResult>
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    options?: { as?: Session | 'machine'; headers?: Record<string, string> },
  ): Promise<GraphqlResult>
  close(): Promise<void>
}

export interface RestResult {
  status: number
  headers: Headers
  // Tests read the envelope freely.
  body: any
}

export interface GraphqlResult {
  status: number
  headers: Headers
  data: any
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[]
}

export function authHeaders(as: Session | 'machine' | undefined): Record<string, string> {
  if (!as) return {}
  if (as === 'machine') return { 'x-internal-api-key': MACHINE_KEY }
  return as.headers
}

export async function startApp(options: { auth: AuthStandIn; databaseUrl: string; env?: Record<string, string> }): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl,
    INTERNAL_API_KEY: `${MACHINE_KEY},${MACHINE_KEY_PREVIOUS}`,
    // Suites send bursts from one address; the rate-limit suite turns limits on with its own figures.
    RATE_LIMIT_ENABLED: 'false',
    // Suites seed large data sets through the service's client and run 50-way races on a 5-connection pool
    // on a loaded CI machine; the fault suite sets production-like timeouts of its own.
    DATABASE_STATEMENT_TIMEOUT_MS: '120000',
    DATABASE_POOL_TIMEOUT_MS: '60000',
    ...options.auth.env(),
    ...options.env,
  })
  const sql: string[] = []
  const logs: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line))
      done()
    },
  })
  const log = pino({ level: config.logLevel }, sink)
  const db = createDb({
    url: options.databaseUrl,
    poolMax: Math.min(config.database.poolMax, 5),
    statementTimeoutMs: config.database.statementTimeoutMs,
    poolTimeoutMs: config.database.poolTimeoutMs,
    onQuery: (q) => sql.push(q),
  })
  const metrics = new Metrics()
  const clock = new TestClock()
  const identity = await identityFromConfig(config, clock, metrics.auth)
  const app = await buildServer({ config, db, identity, log, metrics, clock })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

  return {
    url,
    db,
    clock,
    sql,
    logs,
    async rest(method, path, { as, body, headers } = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...authHeaders(as), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
    },
    async graphql(query, variables, { as, headers } = {}) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders(as), ...headers },
        body: JSON.stringify({ query, variables }),
      })
      const body = (await res.json()) as { data?: unknown; errors?: GraphqlResult['errors'] }
      return { status: res.status, headers: res.headers, data: body.data, errors: body.errors }
    },
    async close() {
      await app.close()
      await db.$disconnect()
    },
  }
}

export interface Harness {
  auth: AuthStandIn
  app: TestApp
  database: { url: string; drop: () => Promise<void> }
}

/**
 * One test file's world: an Auth stand-in, a fresh database, and the service on top; torn down after the
 * file. Fields are filled in by the time the file's tests (and later beforeAll hooks) run.
 */
export function useHarness(env: Record<string, string> = {}): Harness {
  const h = {} as Harness
  beforeAll(async () => {
    h.auth = await startAuthStandIn()
    h.database = await freshDatabase()
    h.app = await startApp({ auth: h.auth, databaseUrl: h.database.url, env })
  })
  afterEach(() => h.app?.clock.reset())
  afterAll(async () => {
    await h.app?.close()
    await h.auth?.close()
    await h.database?.drop()
  })
  return h
}
