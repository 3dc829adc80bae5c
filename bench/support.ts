// Shared benchmark plumbing: a database of its own (on DATABASE_URL's server, or an embedded cluster),
// the real service in a worker thread (or in-process where a bench must reach into it), and timing helpers
// that print p50/p95 and throughput.
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { mintDevToken, writeGrant, type DevGrant } from '../src/auth/dev-identity.ts'
import { identityFromConfig } from '../src/auth/identity.ts'
import { loadConfig, type Config } from '../src/config.ts'
import { createDb, type Db, type DbOptions } from '../src/db/client.ts'
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedCluster } from '../src/db/embedded.ts'
import { applyMigrations } from '../src/db/migrations.ts'
import { createLogger } from '../src/logger.ts'
import { buildServer } from '../src/server.ts'

export const MACHINE_KEY = 'bench-machine-key'

export interface BenchDatabase {
  url: string
  sql: pg.Pool
  close(): Promise<void>
}

/** A fresh, migrated database named `name` (dropped and recreated). */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  let cluster: EmbeddedCluster | undefined
  let server = process.env.DATABASE_URL
  if (!server) {
    cluster = await startEmbeddedPostgres({ dir: '.data/bench-postgres', port: Number(process.env.BENCH_PG_PORT ?? 54331) })
    server = cluster.url('postgres')
  }
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  await admin.end()
  const u = new URL(server)
  u.pathname = `/${name}`
  const url = u.toString()
  await ensureDatabase(url)
  await applyMigrations(url)
  const sql = new pg.Pool({ connectionString: url, max: 8 })
  return {
    url,
    sql,
    close: async () => {
      await sql.end()
      await cluster?.stop()
    },
  }
}

/** `artists` artists (half in Spain, half in France) with a profile and two of 40 genres each, analyzed. */
/** A claimed agency bridged to the tenant company `orgId` (as an approved company claim makes it). */
export async function benchAgency(sql: pg.Pool, orgId: string): Promise<string> {
  const [{ id }] = (
    await sql.query(
      `INSERT INTO artists_companies (id, name, slug, claimed) VALUES (gen_random_uuid(), 'Bench Agency', 'bench-agency', true) RETURNING id`,
    )
  ).rows
  await sql.query(`INSERT INTO artists_company_claims (id, company_id, org_id, status) VALUES (gen_random_uuid(), $1, $2, 'approved')`, [
    id,
    orgId,
  ])
  return id as string
}

export async function seedDirectory(sql: pg.Pool, artists: number) {
  await sql.query(
    `INSERT INTO geo_countries (id, code, name) VALUES (gen_random_uuid(), 'ES', 'Spain'), (gen_random_uuid(), 'FR', 'France')`,
  )
  await sql.query(
    `INSERT INTO genres (id, name, slug) SELECT gen_random_uuid(), 'Genre ' || g, 'genre-' || g FROM generate_series(1, 40) g`,
  )
  await sql.query(`
    INSERT INTO artists (id, name, slug, country_id)
    SELECT gen_random_uuid(), 'Artist ' || md5(i::text), 'artist-' || i,
           (SELECT id FROM geo_countries ORDER BY code LIMIT 1 OFFSET (i % 2))
    FROM generate_series(1, ${artists}) i`)
  await sql.query(
    `INSERT INTO artist_profiles (id, artist_id, biography) SELECT gen_random_uuid(), id, 'Biography of ' || name FROM artists`,
  )
  await sql.query(`
    INSERT INTO artist_genres (artist_id, genre_id, position)
    SELECT a.id, g.id, 0 FROM artists a JOIN LATERAL (SELECT id FROM genres ORDER BY md5(a.id::text || id::text) LIMIT 2) g ON true`)
  await sql.query('ANALYZE')
}

/** What `send` answers: the part of fetch's Response the benches read. */
export interface Sent {
  ok: boolean
  status: number
  header(name: string): string | undefined
  text(): string
  json(): unknown
}

// Kept-alive connections, as a gateway holds them to a replica.
const keptAlive = new http.Agent({ keepAlive: true })

/**
 * The load generator's HTTP client. It shares the machine's two cores with the service and PostgreSQL, so its
 * own CPU is charged to every figure: node:http over kept-alive sockets costs a third of global fetch (undici)
 * per request here (measured: ~0.1 against ~0.4 ms of CPU for a POST with a JSON body), which fetch spent
 * beside the service under test. bench/burst.ts keeps fetch: its 200 clients at once are the subject there.
 */
export function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: keptAlive }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString()
        const status = res.statusCode ?? 0
        resolve({
          ok: status >= 200 && status < 300,
          status,
          header: (name) => {
            const value = res.headers[name.toLowerCase()]
            return Array.isArray(value) ? value.join(', ') : value
          },
          text: () => body,
          json: () => JSON.parse(body) as unknown,
        })
      })
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** A server listening on 127.0.0.1:`port` until `close`. */
export interface Listening {
  port: number
  close(): Promise<void>
}

/** What bench/worker.ts runs: the export `start` of `module` (a file URL), called with `args` (structured-cloned). */
export interface WorkerStart {
  module: string
  start: string
  args: unknown[]
}

// Node 20 does not carry tsx's loader hooks (registered by its --import) into a worker thread, so the
// worker registers them itself before it imports the TypeScript entry.
const workerSource = (entry: URL) =>
  `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}) })`

/**
 * Runs `start` of `module` in a worker thread of its own (its own event loop and V8 heap, the same cores), so
 * that the server it starts does not share an event loop with the bench's load generator.
 */
export async function serveInWorker(module: URL, start: string, args: unknown[]): Promise<{ base: string; close(): Promise<void> }> {
  const data: WorkerStart = { module: module.href, start, args }
  const worker = new Worker(workerSource(new URL('./worker.ts', import.meta.url)), { eval: true, workerData: data })
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the worker running ${start} exited with ${code} before it listened`)))
  })
  return {
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve())
        worker.once('error', reject)
        worker.postMessage('close')
      })
      await worker.terminate()
    },
  }
}

interface BenchAppOptions {
  /** Counts statements: the app runs in-process (the callback cannot cross to a thread). */
  onQuery?: (sql: string) => void
  env?: Record<string, string>
  pool?: Omit<DbOptions, 'url' | 'onQuery'>
  /** Runs the service in the bench's own thread and hands out its `db` (a bench that seeds through Prisma). */
  inProcess?: boolean
}

const benchConfig = (url: string, identityDir: string, env: Record<string, string>) =>
  loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    INTERNAL_API_KEY: MACHINE_KEY,
    LOG_LEVEL: 'silent',
    AUTH_MODE: 'dev',
    DEV_IDENTITY_DIR: identityDir,
    // The figures are the service's own cost; bench/rate-limit.ts measures the limiter separately.
    RATE_LIMIT_ENABLED: 'false',
    ...env,
  })

async function listenService(
  url: string,
  identityDir: string,
  env: Record<string, string>,
  pool: BenchAppOptions['pool'],
  onQuery?: (sql: string) => void,
) {
  const config = benchConfig(url, identityDir, env)
  const db = createDb({ url, ...pool, onQuery })
  const app = await buildServer({ config, db, identity: await identityFromConfig(config), log: createLogger('silent') })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    db,
    port: (app.server.address() as { port: number }).port,
    close: async () => {
      await app.close()
      await db.$disconnect()
    },
  }
}

/** The worker thread's side of benchApp. */
export async function serveService(
  url: string,
  identityDir: string,
  env: Record<string, string>,
  pool: BenchAppOptions['pool'],
): Promise<Listening> {
  const { port, close } = await listenService(url, identityDir, env, pool)
  return { port, close }
}

/**
 * The service on a random port, in dev identity mode (tokens minted locally, no Auth service needed) and
 * with a machine key. It runs in a worker thread, as a service of its own process would, unless `inProcess`
 * or `onQuery` is given. `onQuery` sees every SQL statement it sends; logging them costs time, so statements
 * are counted on an app of their own, never on a timed one. Each app prints where it runs.
 */
export async function benchApp(url: string, options: BenchAppOptions & { inProcess: true }): Promise<BenchApp & { db: Db }>
export async function benchApp(url: string, options?: BenchAppOptions): Promise<BenchApp>
export async function benchApp(url: string, { onQuery, env = {}, pool = { poolMax: 8 }, inProcess = false }: BenchAppOptions = {}) {
  const identityDir = mkdtempSync(path.join(tmpdir(), 'artists-bench-identity-'))
  const config = benchConfig(url, identityDir, env)
  const local = inProcess || onQuery !== undefined
  const served = local
    ? await listenService(url, identityDir, env, pool, onQuery)
    : await serveInWorker(new URL(import.meta.url), 'serveService', [url, identityDir, env, pool])
  const base = 'base' in served ? served.base : `http://127.0.0.1:${served.port}`
  console.log(
    `  service at ${base}: ${local ? `in-process, on the load generator's event loop${onQuery ? ' (counts statements, untimed)' : ''}` : 'in a worker thread (its own event loop and heap)'}`,
  )
  return {
    base,
    config,
    ...('db' in served ? { db: served.db } : {}),
    /** Headers of a user of `orgId` with the given effective access. */
    async session(grant: Omit<DevGrant, 'tenantRole'>): Promise<Record<string, string>> {
      writeGrant(identityDir, { ...grant, tenantRole: 'ADMIN' })
      const auth = config.auth as { issuer: string; audience: string }
      const token = await mintDevToken({ dir: identityDir, issuer: auth.issuer, audience: auth.audience, userId: grant.userId })
      return { authorization: `Bearer ${token}`, 'x-org': grant.orgId, 'content-type': 'application/json' }
    },
    async get(path: string): Promise<unknown> {
      const res = await send(`${base}${path}`, { headers: { 'x-internal-api-key': MACHINE_KEY } })
      if (!res.ok) throw new Error(`${path}: ${res.status} ${res.text()}`)
      return res.json()
    },
    async graphql(query: string, variables: Record<string, unknown> = {}) {
      const res = await send(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-internal-api-key': MACHINE_KEY },
        body: JSON.stringify({ query, variables }),
      })
      const body = res.json() as { errors?: unknown[] }
      if (body.errors) throw new Error(JSON.stringify(body.errors))
      return body
    },
    close: async () => {
      await served.close()
      rmSync(identityDir, { recursive: true, force: true })
    },
  }
}

export interface BenchApp {
  base: string
  config: Config
  session(grant: Omit<DevGrant, 'tenantRole'>): Promise<Record<string, string>>
  get(path: string): Promise<unknown>
  graphql(query: string, variables?: Record<string, unknown>): Promise<{ errors?: unknown[] }>
  close(): Promise<void>
}

export interface Timing {
  label: string
  n: number
  p50: number
  p95: number
  /** The tail under load, where queueing shows first. */
  p99: number
  perSecond: number
}

// No samples have no percentile: NaN.
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

/**
 * Runs `task` `n` times with `concurrency` in flight and returns its latency figures. A short warm-up runs
 * first with indices n, n+1... so that tasks that must not repeat an index (bookings) stay distinct.
 */
export async function measure(label: string, n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(10, n); i++) await task(n + i)
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++
        const t = performance.now()
        await task(i)
        latencies.push(performance.now() - t)
      }
    }),
  )
  const elapsed = performance.now() - started
  latencies.sort((a, b) => a - b)
  return {
    label,
    n,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    perSecond: (n / elapsed) * 1000,
  }
}

/** One of issue 15's goals, as this run measured it: met or not, with the figures that decide it. */
export function goal(what: string, met: boolean, measured: string) {
  console.log(`  goal: ${what}: ${met ? 'met' : 'NOT MET'} (${measured})`)
}

export function report(title: string, baseline: Timing, subjects: Timing[]) {
  const row = (t: Timing) =>
    `  ${t.label.padEnd(52)} p50 ${t.p50.toFixed(2).padStart(8)} ms   p95 ${t.p95.toFixed(2).padStart(8)} ms   p99 ${t.p99.toFixed(2).padStart(8)} ms (×${(t.p99 / t.p50).toFixed(1)} p50)   ${t.perSecond.toFixed(0).padStart(6)}/s`
  console.log(`\n${title}`)
  console.log(row(baseline))
  for (const s of subjects) {
    console.log(
      `${row(s)}   ×${(s.p50 / baseline.p50).toFixed(1)} baseline p50, ×${(s.perSecond / baseline.perSecond).toFixed(2)} its throughput`,
    )
  }
}
