// Where PostgreSQL's time goes in one booking flow, step by step: auto_explain (analyze, buffers, nested
// statements, triggers) on the database's sessions, its plans read back as notices. Run:
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/booking-explain.ts
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { benchAgency, benchApp, benchDatabase } from './support.ts'

const ARTISTS = 2_000
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
  const agencyOrg = randomUUID()
  const promoterOrg = randomUUID()
  const agencyId = await benchAgency(sql, agencyOrg)
  await sql.query(
    `INSERT INTO artists (id, name, slug) SELECT gen_random_uuid(), 'Bench Artist ' || i, 'bench-artist-' || i FROM generate_series(1, ${ARTISTS}) i`,
  )
  await sql.query(
    `INSERT INTO artists_roster_links (id, artist_id, agency_id, role, starts_on) SELECT gen_random_uuid(), id, $1, 'agency', '2020-01-01' FROM artists`,
    [agencyId],
  )
  await sql.query('ANALYZE')
  const artistIds = (await sql.query<{ id: string }>('SELECT id FROM artists ORDER BY slug')).rows.map((r) => r.id)
  const slot = (i: number) => {
    const start = new Date(Date.UTC(2031, 0, 1) + (i % 300) * 86_400_000 + Math.floor(i / 300) * 4 * 3600_000)
    return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString() }
  }
  const serve = async () => {
    const app = await benchApp(database.url)
    const [agency, promoter] = await Promise.all([
      app.session({
        userId: randomUUID(),
        orgId: agencyOrg,
        modules: ['artist'],
        permissions: ['artist.directory.read', 'artist.bookings.read', 'artist.bookings.manage'],
      }),
      app.session({
        userId: randomUUID(),
        orgId: promoterOrg,
        modules: ['promoter'],
        permissions: ['promoter.directory.read', 'promoter.bookings.read', 'promoter.bookings.manage'],
      }),
    ])
    return { ...app, agency, promoter }
  }
  let step = ''
  const steps = new Map<string, typeof notices>()
  const flow = async ({ base, agency, promoter }: Awaited<ReturnType<typeof serve>>, i: number, counted: boolean) => {
    const post = async (path: string, headers: Record<string, string>, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
      const json = (await res.json()) as { data: { id: string } }
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
      return json.data
    }
    const at = (name: string) => {
      if (!counted) return
      if (step) steps.set(step, [...(steps.get(step) ?? []), ...notices.splice(0)])
      step = name
      notices.length = 0
    }
    const when = slot(i)
    at('request')
    const request = await post('/api/v1/booking-requests', promoter, { artistId: artistIds[(i + 1000) % ARTISTS], ...when })
    at('offer')
    const offer = await post(`/api/v1/booking-requests/${request.id}/offers`, agency, { fee: 1_000_000, currency: 'EUR', dealType: 'flat' })
    at('accept')
    await post(`/api/v1/booking-offers/${offer.id}/accept`, promoter, {})
    capturing = false
    const [hold] = (await sql.query<{ id: string }>(`SELECT id FROM booking_holds WHERE request_id = $1`, [request.id])).rows
    capturing = counted
    at('confirm')
    await post(`/api/v1/booking-holds/${hold!.id}/confirm`, agency, {})
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
