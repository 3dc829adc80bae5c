// The booking flow under parallel load: request → offer → accept (hold) → confirm, four HTTP calls by two
// companies, against a baseline of the same SQL statements run directly on pg in the same run.
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { benchAgency, benchApp, benchDatabase, goal, measure, report, send } from './support.ts'

const FLOWS = Number(process.env.BENCH_FLOWS ?? 400)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const ARTISTS = 2_000

const agencyPermissions = ['artist.directory.read', 'artist.bookings.read', 'artist.bookings.manage']
const promoterPermissions = ['promoter.directory.read', 'promoter.bookings.read', 'promoter.bookings.manage']

/** Each flow books its own artist and slot, so that flows measure the pipeline, not contention. */
function slot(i: number) {
  const start = new Date(Date.UTC(2031, 0, 1) + (i % 300) * 86_400_000 + Math.floor(i / 300) * 4 * 3600_000)
  return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString() }
}

/** The statements the service's four transactions write, as plain SQL. */
async function sqlFlow(
  pool: pg.Pool,
  artistId: string,
  agencyId: string,
  promoterOrgId: string,
  userId: string,
  when: { startsAt: string; endsAt: string },
  onQuery?: () => void,
) {
  const tx = async (run: (c: pg.PoolClient) => Promise<void>) => {
    const c = await pool.connect()
    const query = c.query
    // Counted on this checkout only: the pooled client goes back as it came.
    if (onQuery) c.query = ((...args: unknown[]) => (onQuery(), (query as (...a: unknown[]) => unknown).apply(c, args))) as never
    try {
      await c.query('BEGIN')
      await run(c)
      await c.query('COMMIT')
    } catch (e) {
      await c.query('ROLLBACK')
      throw e
    } finally {
      c.query = query
      c.release()
    }
  }
  const activity = (
    c: pg.PoolClient,
    requestId: string,
    subject: string,
    subjectId: string,
    action: string,
    from: string | null,
    to: string,
  ) =>
    c.query(
      `INSERT INTO booking_activity (id, request_id, subject, subject_id, action, from_status, to_status, actor_type, actor_user_id) VALUES ($1,$2,$3,$4,$5,$6,$7,'user',$8)`,
      [randomUUID(), requestId, subject, subjectId, action, from, to, userId],
    )
  const requestId = randomUUID()
  const offerId = randomUUID()
  const holdId = randomUUID()
  await tx(async (c) => {
    await c.query(
      `INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [requestId, artistId, agencyId, promoterOrgId, userId, when.startsAt, when.endsAt],
    )
    await activity(c, requestId, 'request', requestId, 'create', null, 'open')
  })
  await tx(async (c) => {
    await c.query('SELECT id FROM booking_requests WHERE id = $1 FOR UPDATE', [requestId])
    await c.query(`UPDATE booking_requests SET status = 'negotiating' WHERE id = $1`, [requestId])
    await c.query(
      `INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type) VALUES ($1,$2,1,'agency',$3,1000000,'EUR','flat')`,
      [offerId, requestId, userId],
    )
    await activity(c, requestId, 'offer', offerId, 'offer', null, 'open')
  })
  await tx(async (c) => {
    await c.query('SELECT id FROM booking_requests WHERE id = $1 FOR UPDATE', [requestId])
    await c.query(`UPDATE booking_offers SET status = 'accepted' WHERE id = $1`, [offerId])
    await c.query(
      `INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, priority, expires_at) VALUES ($1,$2,$3,$4,$5,$6,1, now() + interval '7 days')`,
      [holdId, requestId, offerId, artistId, when.startsAt, when.endsAt],
    )
    await c.query(`UPDATE booking_requests SET status = 'held' WHERE id = $1`, [requestId])
    await activity(c, requestId, 'hold', holdId, 'hold', null, 'active')
  })
  const bookingId = randomUUID()
  await tx(async (c) => {
    await c.query('SELECT id FROM booking_requests WHERE id = $1 FOR UPDATE', [requestId])
    await c.query(
      `INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, starts_at, ends_at, fee, currency, deal_type)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,1000000,'EUR','flat')`,
      [bookingId, requestId, offerId, holdId, artistId, agencyId, promoterOrgId, when.startsAt, when.endsAt],
    )
    await c.query(`UPDATE booking_holds SET status = 'confirmed' WHERE id = $1`, [holdId])
    await c.query(`UPDATE booking_requests SET status = 'booked' WHERE id = $1`, [requestId])
    await activity(c, requestId, 'booking', bookingId, 'confirm', null, 'confirmed')
  })
}

/** The bench's database: one agency (bridged to `agencyOrg`) booking ARTISTS artists, a promoter org, analyzed. */
export async function seedBookingBench(sql: pg.Pool) {
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
  const artistAt = (i: number) => {
    const artistId = artistIds[i % ARTISTS]
    if (!artistId) throw new Error(`the seed made ${artistIds.length} artists, not ${ARTISTS}`)
    return artistId
  }
  return { agencyOrg, promoterOrg, agencyId, artistAt }
}

type BookingSeed = Awaited<ReturnType<typeof seedBookingBench>>

/** An app with an agency user and a promoter user of its own (each app signs its own tokens). */
export async function serveBooking(url: string, seed: BookingSeed, options?: Parameters<typeof benchApp>[1]) {
  const app = await benchApp(url, options)
  const [agency, promoter] = await Promise.all([
    app.session({ userId: randomUUID(), orgId: seed.agencyOrg, modules: ['artist'], permissions: agencyPermissions }),
    app.session({ userId: randomUUID(), orgId: seed.promoterOrg, modules: ['promoter'], permissions: promoterPermissions }),
  ])
  return { ...app, agency, promoter }
}

/**
 * One flow through REST: request → offer → accept → confirm, for slot `i` (of its own artist). `onStep` is told
 * each step's name before its call (the counting run splits statements by step); the hold's id is read on
 * `sql` between accept and confirm.
 */
export async function restFlow(
  sql: pg.Pool,
  seed: BookingSeed,
  { base, agency, promoter }: Awaited<ReturnType<typeof serveBooking>>,
  i: number,
  onStep?: (step: string) => void,
) {
  const post = async (path: string, headers: Record<string, string>, body: unknown) => {
    const res = await send(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
    const json = res.json() as { data: { id: string } }
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
    return json.data
  }
  const when = slot(i + FLOWS + 20)
  onStep?.('request')
  const request = await post('/api/v1/booking-requests', promoter, { artistId: seed.artistAt(i + 1000), ...when })
  onStep?.('offer')
  const offer = await post(`/api/v1/booking-requests/${request.id}/offers`, agency, { fee: 1_000_000, currency: 'EUR', dealType: 'flat' })
  onStep?.('accept')
  await post(`/api/v1/booking-offers/${offer.id}/accept`, promoter, {})
  const [hold] = (await sql.query<{ id: string }>(`SELECT id FROM booking_holds WHERE request_id = $1`, [request.id])).rows
  if (!hold) throw new Error(`accepting the offer of ${request.id} placed no hold`)
  onStep?.('confirm')
  await post(`/api/v1/booking-holds/${hold.id}/confirm`, agency, {})
}

export async function bookingBenchmark() {
  const database = await benchDatabase('artists_bench_booking')
  const { sql } = database
  const seed = await seedBookingBench(sql)
  const { agencyId, promoterOrg, artistAt } = seed
  const serve = (options?: Parameters<typeof benchApp>[1]) => serveBooking(database.url, seed, options)
  const app = await serve()
  try {
    const baselineUser = randomUUID()
    const baseline = await measure('baseline: the same SQL on pg directly (4 transactions)', FLOWS, CONCURRENCY, (i) =>
      sqlFlow(sql, artistAt(i), agencyId, promoterOrg, baselineUser, slot(i)),
    )
    // The seed was analyzed with no booking yet; the baseline's flows have written hundreds since. Statistics
    // of tables that hold rows, as autovacuum keeps them in service, so that the service's reads (the accept's
    // "artist booked" check) are planned as in production, not against an empty bookings table.
    await sql.query('ANALYZE bookings, booking_requests, booking_holds, booking_offers')
    const flows = await measure('REST: request → offer → accept → confirm', FLOWS, CONCURRENCY, (i) => restFlow(sql, seed, app, i))
    report(`Booking flow, ${CONCURRENCY} in parallel (${FLOWS} flows; flows/s in the last column)`, baseline, [flows])

    // Where the difference goes: the statements one flow sends, on an app of its own (logging costs time).
    // The first flow warms the app's caches; the second is the one counted. BENCH_SQL=1 prints each statement.
    let step = ''
    const perStep = new Map<string, string[]>()
    const counting = await serve({ onQuery: (text) => perStep.get(step)?.push(text) })
    try {
      await restFlow(sql, seed, counting, 2 * FLOWS + 100)
      await restFlow(sql, seed, counting, 2 * FLOWS + 101, (name) => {
        step = name
        perStep.set(name, [])
      })
    } finally {
      await counting.close()
    }
    let baselineStatements = 0
    await sqlFlow(sql, artistAt(7), agencyId, promoterOrg, randomUUID(), slot(3 * FLOWS + 100), () => baselineStatements++)
    const appStatements = [...perStep.values()].reduce((sum, list) => sum + list.length, 0)
    console.log(
      `SQL statements per flow: service ${appStatements}, baseline ${baselineStatements} (both with BEGIN/COMMIT: the flow's transactions run on src/db/sql.ts, which reports them)`,
    )
    for (const [name, list] of perStep) {
      console.log(`  ${name.padEnd(8)} ${String(list.length).padStart(3)}`)
      if (process.env.BENCH_SQL) for (const text of list) console.log(`      ${text.replace(/\s+/g, ' ').slice(0, 220)}`)
    }
    goal(
      "at most 30 statements per flow, ≥ 0.5× the baseline's flows per second",
      appStatements <= 30 && flows.perSecond >= 0.5 * baseline.perSecond,
      `${appStatements} statements, ×${(flows.perSecond / baseline.perSecond).toFixed(2)} the baseline's flows/s`,
    )
  } finally {
    await app.close()
    await database.close()
  }
}
