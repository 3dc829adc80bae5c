// Where PostgreSQL's time goes in one booking flow, step by step: auto_explain (analyze, buffers, nested
// statements, triggers) on the database's sessions, its plans read back as notices. Run:
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/booking-explain.ts
import pg from 'pg'
import { restFlow, seedBookingBench, serveBooking } from './booking.ts'
import { benchDatabase } from './support.ts'

const WARM = Number(process.env.EXPLAIN_WARM ?? 300)
const COUNTED = Number(process.env.EXPLAIN_FLOWS ?? 5)

interface Plan {
  'Query Text': string
  Plan: Record<string, unknown>
  Triggers?: { 'Trigger Name': string; Relation: string; Time: number; Calls: number }[]
  'Execution Time'?: number
}
const notices: { level: number; plan: Plan; duration: number }[] = []
let capturing = false
const connect = pg.Client.prototype.connect
pg.Client.prototype.connect = function (this: pg.Client, ...args: unknown[]) {
  this.on('notice', (n) => {
    if (!capturing || !n.message?.startsWith('duration:')) return
    const [head, json] = n.message.split(/plan:\s*/)
    const duration = Number(/duration: ([\d.]+)/.exec(head ?? '')?.[1] ?? 0)
    notices.push({ level: 0, plan: JSON.parse(json ?? '{}') as Plan, duration })
  })
  return (connect as (...a: unknown[]) => unknown).apply(this, args)
} as never

const sum = (node: Record<string, unknown>, key: string): number => Number(node[key] ?? 0)

async function main() {
  const database = await benchDatabase('artists_bench_booking_explain')
  const { sql } = database
  const seed = await seedBookingBench(sql)
  // In-process: the plans arrive as notices on this process's pg clients.
  const serve = () => serveBooking(database.url, seed, { inProcess: true })
  let step = ''
  const steps = new Map<string, typeof notices>()
  const flow = async (app: Awaited<ReturnType<typeof serve>>, i: number, counted: boolean) => {
    const at = (name: string) => {
      if (!counted) return
      // The bench's own read of the hold (between accept and confirm) is not the service's.
      const service = notices.splice(0).filter(({ plan }) => !plan['Query Text'].startsWith('SELECT id FROM booking_holds'))
      if (step) steps.set(step, [...(steps.get(step) ?? []), ...service])
      step = name
    }
    await restFlow(sql, seed, app, i, at)
    at('')
  }
  const warm = await serve()
  try {
    for (let i = 0; i < WARM; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => flow(warm, i + k, false)))
  } finally {
    await warm.close()
  }
  await sql.query(`ALTER DATABASE artists_bench_booking_explain SET session_preload_libraries = 'auto_explain'`)
  for (const [k, v] of Object.entries({
    'auto_explain.log_min_duration': '0',
    'auto_explain.log_analyze': 'on',
    'auto_explain.log_buffers': 'on',
    'auto_explain.log_nested_statements': 'on',
    'auto_explain.log_triggers': 'on',
    'auto_explain.log_format': 'json',
    'auto_explain.log_level': 'notice',
  }))
    await sql.query(`ALTER DATABASE artists_bench_booking_explain SET ${k} = '${v}'`)
  const app = await serve()
  try {
    await flow(app, WARM + 50, false)
    capturing = true
    for (let i = 0; i < COUNTED; i++) await flow(app, WARM + 60 + i, true)
    capturing = false
  } finally {
    await app.close()
  }
  if (process.env.EXPLAIN_DUMP) {
    const { writeFileSync } = await import('node:fs')
    writeFileSync(process.env.EXPLAIN_DUMP, JSON.stringify(Object.fromEntries(steps), null, 1))
  }
  for (const [name, list] of steps) {
    // Nested statements are logged before the statement that runs them; a top-level one is any not nested:
    // counted by text, per flow.
    const rows = new Map<string, { n: number; ms: number; hit: number; read: number; trig: Map<string, number> }>()
    for (const { plan, duration } of list) {
      const text = plan['Query Text'].replace(/\s+/g, ' ').slice(0, 150)
      const r = rows.get(text) ?? { n: 0, ms: 0, hit: 0, read: 0, trig: new Map() }
      r.n++
      r.ms += duration
      r.hit += sum(plan.Plan, 'Shared Hit Blocks')
      r.read += sum(plan.Plan, 'Shared Read Blocks')
      for (const t of plan.Triggers ?? []) r.trig.set(t['Trigger Name'], (r.trig.get(t['Trigger Name']) ?? 0) + t.Time)
      rows.set(text, r)
    }
    console.log(`\n== ${name} (per flow, ${COUNTED} flows)`)
    for (const [text, r] of [...rows].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(
        `${(r.ms / COUNTED).toFixed(3).padStart(8)} ms ${String(Math.round(r.hit / COUNTED)).padStart(6)} hit  x${r.n / COUNTED}  ${text}`,
      )
      for (const [t, ms] of r.trig) console.log(`           trigger ${t} ${(ms / COUNTED).toFixed(3)} ms`)
    }
  }
  await database.close()
}
await main()
