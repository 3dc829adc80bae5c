// Back-pressure: 200 clients at once, half reading a directory list, half sending a booking request. Run
// three times in one process: with the pool as the service configures it (DATABASE_POOL_MAX, a bounded wait
// for a connection, statement_timeout), with an unbounded pool wait, and with a starved pool (2 connections,
// 250 ms wait), where the bound turns waiting into fast 503s with Retry-After.
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { loadConfig } from '../src/config.ts'
import { benchAgency, benchApp, benchDatabase, goal, seedDirectory } from './support.ts'

const CLIENTS = Number(process.env.BENCH_BURST_CLIENTS ?? 200)
const ARTISTS = 2_000
/** A burst's requests are parsed and authorised on one event loop before the pool sheds them: ~1.3 s here for 200. */
const SHED_SLACK_MS = 2_000
// A client gives up after this long: the bench ends by itself even if the service never answers.
const CLIENT_TIMEOUT_MS = 120_000

interface Outcome {
  status: number
  ms: number
  retryAfter: string | null
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

function summarize(label: string, outcomes: Outcome[]) {
  const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300)
  const shed = outcomes.filter((o) => o.status === 503)
  const other = outcomes.filter((o) => !ok.includes(o) && !shed.includes(o))
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b)
  const shedMs = shed.map((o) => o.ms).sort((a, b) => a - b)
  console.log(
    `  ${label.padEnd(44)} answered ${String(ok.length).padStart(3)}   503 ${String(shed.length).padStart(3)} ` +
      `(Retry-After on ${shed.filter((o) => o.retryAfter).length}, slowest ${(shedMs.at(-1) ?? 0).toFixed(0)} ms)   ` +
      `other ${other.length}${other.length ? ` [${[...new Set(other.map((o) => o.status))].join(',')}]` : ''}   ` +
      `p50 ${percentile(ms, 50).toFixed(0)} ms   p99 ${percentile(ms, 99).toFixed(0)} ms   max ${(ms.at(-1) ?? 0).toFixed(0)} ms`,
  )
}

export async function burstBenchmark() {
  const database = await benchDatabase('artists_bench_burst')
  const { sql } = database
  await seedDirectory(sql, ARTISTS)
  const agencyOrg = randomUUID()
  const promoterOrg = randomUUID()
  const agencyId = await benchAgency(sql, agencyOrg)
  await sql.query(
    `INSERT INTO artists_roster_links (id, artist_id, agency_id, role, starts_on) SELECT gen_random_uuid(), id, $1, 'agency', '2020-01-01' FROM artists`,
    [agencyId],
  )
  await sql.query('ANALYZE')
  const artistIds = (await sql.query<{ id: string }>('SELECT id FROM artists ORDER BY slug')).rows.map((r) => r.id)
  const defaults = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url }).database
  let round = 0

  const burst = async (label: string, pool: { poolMax: number; poolTimeoutMs?: number; statementTimeoutMs?: number }) => {
    const app = await benchApp(database.url, { pool })
    try {
      const promoter = await app.session({
        userId: randomUUID(),
        orgId: promoterOrg,
        modules: ['promoter'],
        permissions: ['promoter.directory.read', 'promoter.bookings.read', 'promoter.bookings.manage'],
      })
      const call = async (path: string, init: RequestInit): Promise<Outcome> => {
        const t = performance.now()
        const res = await fetch(`${app.base}${path}`, { ...init, headers: promoter, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) })
        await res.arrayBuffer()
        return { status: res.status, ms: performance.now() - t, retryAfter: res.headers.get('retry-after') }
      }
      // Warm the app (JIT, prepared plans) before the burst, as a running replica would be.
      await call('/api/v1/artists?limit=20', {})
      round++
      const reads: Promise<Outcome>[] = []
      const writes: Promise<Outcome>[] = []
      for (let i = 0; i < CLIENTS; i++) {
        if (i % 2 === 0) reads.push(call(`/api/v1/artists?limit=20&offset=${i}`, {}))
        else {
          const starts = new Date(Date.UTC(2032, 0, 1) + (round * CLIENTS + i) * 86_400_000)
          const body = {
            artistId: artistIds[i % artistIds.length],
            startsAt: starts.toISOString(),
            endsAt: new Date(starts.getTime() + 2 * 3600_000).toISOString(),
          }
          writes.push(call('/api/v1/booking-requests', { method: 'POST', body: JSON.stringify(body) }))
        }
      }
      const [r, w] = await Promise.all([Promise.all(reads), Promise.all(writes)])
      console.log(
        `\n${label} (pool ${pool.poolMax}, pool wait ${pool.poolTimeoutMs ?? 'unbounded'} ms, statement_timeout ${pool.statementTimeoutMs ?? 'none'} ms)`,
      )
      summarize(`GET /api/v1/artists?limit=20 ×${r.length}`, r)
      summarize(`POST /api/v1/booking-requests ×${w.length}`, w)
      // With the pool's wait bounded, no request waits longer than that wait and its statements' timeout, and a refusal
      // comes within the wait and the time one event loop takes to parse and authorise the whole burst before the pool
      // refuses it (SHED_SLACK_MS).
      if (pool.poolTimeoutMs !== undefined && pool.statementTimeoutMs !== undefined) {
        const all = [...r, ...w]
        const other = all.filter((o) => !(o.status >= 200 && o.status < 300) && o.status !== 503)
        const slowest = Math.max(...all.map((o) => o.ms))
        const slowestShed = Math.max(0, ...all.filter((o) => o.status === 503).map((o) => o.ms))
        goal(
          `${CLIENTS} clients at once get answers or fast 503s`,
          other.length === 0 &&
            slowest <= pool.poolTimeoutMs + pool.statementTimeoutMs &&
            slowestShed <= pool.poolTimeoutMs + SHED_SLACK_MS,
          `${other.length} other answers, slowest ${slowest.toFixed(0)} ms (bound ${pool.poolTimeoutMs + pool.statementTimeoutMs}), slowest 503 ${slowestShed.toFixed(0)} ms (bound ${pool.poolTimeoutMs + SHED_SLACK_MS})`,
        )
      }
    } finally {
      await app.close()
    }
  }
  try {
    console.log(`Burst: ${CLIENTS} clients at once, half reads, half booking writes`)
    await burst('the service as configured', {
      poolMax: defaults.poolMax,
      poolTimeoutMs: defaults.poolTimeoutMs,
      statementTimeoutMs: defaults.statementTimeoutMs,
    })
    await burst('unbounded pool wait (no DATABASE_POOL_TIMEOUT_MS)', { poolMax: defaults.poolMax })
    // What shedding looks like when the pool is what runs out: the bounded wait answers 503 fast.
    await burst('a starved pool', { poolMax: 2, poolTimeoutMs: 250, statementTimeoutMs: defaults.statementTimeoutMs })
  } finally {
    await database.close()
  }
}
