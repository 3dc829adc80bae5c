// Dashboards, activity and tasks at scale: one agency with 100,000 bookings (and their requests, offers,
// holds and activity) in a database of 1,000,000 bookings across 2,000 agencies and 3,000 promoter
// companies, seeded with generate_series. Each read runs through REST against a baseline of its own SQL on
// pg directly; the statements a dashboard costs are counted on an app of their own, and the plans printed,
// with a WARNING line for a sequential scan of a big table.
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { systemClock } from '../src/clock.ts'
import type { Party } from '../src/modules/booking/parties.ts'
import { activityStatement, dashboardStatement, tasksStatement } from '../src/modules/dashboards/dashboards.service.ts'
import { FEED_READ_RULES } from '../src/modules/outbox/catalog.ts'
import { benchApp, benchDatabase, measure, report, send } from './support.ts'
import { md5Uuid } from './seed-sql.ts'

const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 1_000_000)
const AGENCY_BOOKINGS = Math.min(BOOKINGS, Number(process.env.BENCH_AGENCY_BOOKINGS ?? 100_000))
const RUNS = Number(process.env.BENCH_RUNS ?? 200)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const AGENCIES = 2000
const PROMOTERS = 3000
const ARTISTS_PER_AGENCY = 10
/** Request i ≤ AGENCY_BOOKINGS belongs to agency 1 (its 200 artists); the rest spread over the others. */
const AGENCY = md5Uuid(`'agency' || 1`)
const AGENCY_ORG = md5Uuid(`'org' || 1`)
const PROMOTER_ORG = md5Uuid(`'promoter' || 1`)
const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`

async function seed(sql: pg.PoolClient) {
  // Bulk load without the row triggers; the roll-ups are rebuilt below by the migration's own function.
  await sql.query(`SET session_replication_role = replica`)
  await sql.query(`INSERT INTO artists_companies (id, name, slug, claimed)
    SELECT ${md5Uuid(`'agency' || i`)}, 'Agency ' || i, 'agency-' || i, true FROM generate_series(1, ${AGENCIES}) i`)
  await sql.query(`INSERT INTO artists_company_claims (id, company_id, org_id, status, decided_at)
    SELECT gen_random_uuid(), ${md5Uuid(`'agency' || i`)}, ${md5Uuid(`'org' || i`)}, 'approved', now() FROM generate_series(1, ${AGENCIES}) i`)
  // Agency 1 represents 200 artists; every other agency 10.
  await sql.query(`INSERT INTO artists (id, name, slug)
    SELECT ${md5Uuid(`'artist' || i`)}, 'Artist ' || i, 'artist-' || i FROM generate_series(1, ${200 + AGENCIES * ARTISTS_PER_AGENCY}) i`)
  await sql.query(`INSERT INTO artists_roster_links (id, artist_id, agency_id, role, starts_on)
    SELECT gen_random_uuid(), ${md5Uuid(`'artist' || i`)},
           CASE WHEN i <= 200 THEN ${AGENCY} ELSE ${md5Uuid(`'agency' || (2 + (i - 201) / ${ARTISTS_PER_AGENCY} % ${AGENCIES - 1})`)} END,
           'agency', date '2020-01-01'
    FROM generate_series(1, ${200 + AGENCIES * ARTISTS_PER_AGENCY}) i`)
  // Requests: 90 % booked (one in 18 of them cancelled), the rest live: open, negotiating, held. Shows from
  // three years back to two years ahead, in two-hour slots so that no artist is booked twice at once.
  await sql.query(`CREATE TEMP TABLE seed AS
    SELECT i, ${md5Uuid(`'request' || i`)} AS id, ${md5Uuid(`'offer' || i`)} AS offer_id, ${md5Uuid(`'hold' || i`)} AS hold_id,
           CASE WHEN i <= ${AGENCY_BOOKINGS} THEN ${md5Uuid(`'artist' || (1 + i % 200)`)}
                ELSE ${md5Uuid(`'artist' || (201 + i % ${AGENCIES * ARTISTS_PER_AGENCY})`)} END AS artist_id,
           CASE WHEN i <= ${AGENCY_BOOKINGS} THEN ${AGENCY}
                ELSE ${md5Uuid(`'agency' || (2 + (i % ${AGENCIES * ARTISTS_PER_AGENCY}) / ${ARTISTS_PER_AGENCY} % ${AGENCIES - 1})`)} END AS agency_id,
           ${md5Uuid(`'promoter' || (1 + i % ${PROMOTERS})`)} AS promoter_org_id,
           CASE WHEN i % 10 = 0 THEN (ARRAY['open','negotiating','held'])[1 + (i / 10) % 3] ELSE 'booked' END AS status,
           CASE WHEN i % 10 = 0 THEN now() + ((i % 700) + 2) * interval '1 day'
                ELSE now() + ((i % 1825) - 1095) * interval '1 day' + (i / 14600 % 12) * interval '2 hours' END AS starts_at
    FROM generate_series(1, ${BOOKINGS}) i`)
  await sql.query(`INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, status,
      budget, currency, expires_at, created_at, updated_at)
    SELECT id, artist_id, agency_id, promoter_org_id, promoter_org_id, starts_at, starts_at + interval '2 hours', status::"BookingRequestStatus",
           1000000, 'EUR', CASE WHEN status = 'open' THEN now() + (i % 20) * interval '1 day' END, starts_at - interval '60 days', now()
    FROM seed`)
  await sql.query(`INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, status, expires_at, updated_at)
    SELECT offer_id, id, 1, 'agency', agency_id, 500000 + (i % 50) * 10000, 'EUR', 'flat',
           CASE WHEN status = 'negotiating' THEN 'open' ELSE 'accepted' END::"OfferStatus",
           CASE WHEN status = 'negotiating' THEN now() + (i % 5) * interval '1 day' - interval '12 hours' END, now()
    FROM seed WHERE status <> 'open'`)
  await sql.query(`INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, priority, expires_at, status, updated_at)
    SELECT hold_id, id, offer_id, artist_id, starts_at, starts_at + interval '2 hours', 1 + i % 3,
           CASE WHEN status = 'held' THEN now() + (i % 7) * interval '1 day' - interval '1 day' ELSE starts_at END,
           CASE WHEN status = 'held' THEN 'active' ELSE 'confirmed' END::"HoldStatus", now()
    FROM seed WHERE status IN ('held', 'booked')`)
  await sql.query(`INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, starts_at, ends_at, fee, currency,
      deal_type, status, cancelled_at, updated_at)
    SELECT ${md5Uuid(`'booking' || i`)}, id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, starts_at, starts_at + interval '2 hours',
           500000 + (i % 50) * 10000, 'EUR', 'flat', CASE WHEN i % 18 = 1 THEN 'cancelled' ELSE 'confirmed' END::"BookingStatus",
           CASE WHEN i % 18 = 1 THEN now() END, now()
    FROM seed WHERE status = 'booked'`)
  // Contracts: one for every other booking, signed, except one in four of those for upcoming shows: sent,
  // waiting for the buyer's signature then the agency's (a version and two signers each). The request's
  // parties are copied as contracts_parties_follow would.
  await sql.query(`INSERT INTO contracts (id, request_id, artist_id, agency_id, promoter_org_id, booking_id, title, status, created_by_side,
      created_by_org_id, sent_at, signed_at, updated_at)
    SELECT ${md5Uuid(`'contract' || i`)}, id, artist_id, agency_id, promoter_org_id, ${md5Uuid(`'booking' || i`)}, 'Contract ' || i,
           CASE WHEN starts_at > now() AND i % 8 = 0 THEN 'sent' ELSE 'signed' END::"ContractStatus", 'agency', agency_id, now(),
           CASE WHEN starts_at > now() AND i % 8 = 0 THEN NULL ELSE now() END, now()
    FROM seed WHERE status = 'booked' AND i % 2 = 0`)
  await sql.query(`INSERT INTO contract_versions (id, contract_id, version, body, content_hash, created_by_user_id, created_by_org_id)
    SELECT gen_random_uuid(), c.id, 1, c.title, md5(c.title) || md5(c.title), c.created_by_org_id, c.created_by_org_id
    FROM contracts c WHERE c.status = 'sent'`)
  await sql.query(`INSERT INTO contract_signers (id, contract_id, role, side, name, position, updated_at)
    SELECT gen_random_uuid(), c.id, s.role::"SignerRole", s.side::"BookingSide", s.role, s.position, now()
    FROM contracts c, (VALUES ('buyer', 'promoter', 1), ('agency_countersign', 'agency', 2)) s(role, side, position)
    WHERE c.status = 'sent'`)
  // Activity: three events per request for both parties (the agency's org, for half of the other agencies'
  // requests, and the promoter's).
  await sql.query(`INSERT INTO org_activity (org_id, seq, event_id, event_type, aggregate_type, aggregate_id, occurred_at, payload, updated_at)
    SELECT CASE WHEN s.i <= ${AGENCY_BOOKINGS} THEN ${AGENCY_ORG} ELSE ${md5Uuid(`'org' || (2 + s.i % ${AGENCIES - 1})`)} END,
           s.i * 3 + e, gen_random_uuid(), (ARRAY['booking.request.created','booking.offer.made','booking.confirmed'])[1 + e], 'booking',
           s.id, now() - (${BOOKINGS} - s.i) * interval '1 minute', jsonb_build_object('requestId', s.id), now()
    FROM seed s, generate_series(0, 2) e WHERE s.i % 2 = 0 OR s.i <= ${AGENCY_BOOKINGS}
    UNION ALL
    SELECT s.promoter_org_id, s.i * 3 + e, gen_random_uuid(), (ARRAY['booking.request.created','booking.offer.made','booking.confirmed'])[1 + e],
           'booking', s.id, now() - (${BOOKINGS} - s.i) * interval '1 minute', jsonb_build_object('requestId', s.id), now()
    FROM seed s, generate_series(0, 2) e`)
  // Whose signature each waiting contract needs, the live pipeline's items and counts, and the agencies that
  // handled each artist, as the migrations build them for rows written before them.
  await sql.query(`UPDATE contracts SET awaiting_agency = 'agency' = ANY(contract_awaiting_sides(id, current_version, signing_order)),
      awaiting_promoter = 'promoter' = ANY(contract_awaiting_sides(id, current_version, signing_order))
    WHERE status IN ('sent', 'partially_signed')`)
  await sql.query(`SELECT pipeline_counts_rebuild()`)
  await sql.query(`SELECT artist_handlers_backfill()`)
  await sql.query(`SELECT booking_rollups_apply(b, CASE WHEN b.status = 'confirmed' THEN 1 ELSE 0 END, CASE WHEN b.status = 'cancelled' THEN 1 ELSE 0 END)
    FROM bookings b`)
  await sql.query(`SET session_replication_role = origin`)
  await sql.query('VACUUM ANALYZE')
}

const BIG =
  /Seq Scan on (booking_requests|booking_offers|booking_holds|bookings|contracts|contract_signers|contract_versions|org_activity|booking_month_rollups|pipeline_live_items|pipeline_agency_counts|pipeline_artist_counts) /

async function explain(sql: pg.Pool, what: string, statement: { text: string; values: unknown[] }) {
  const { rows } = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.text}`, statement.values)
  const lines = rows.map((r) => r['QUERY PLAN'])
  console.log(`    ${what} plan:`)
  for (const l of lines) console.log(`      ${l}`)
  for (const l of lines.filter((l) => BIG.test(l)))
    console.log(`    WARNING: sequential scan of a big table in the ${what} plan: ${l.trim()}`)
}

export async function dashboardsBenchmark() {
  const database = await benchDatabase('artists_bench_dashboards')
  const { sql } = database
  console.log(`seeding ${BOOKINGS} requests (${AGENCY_BOOKINGS} of one agency), their offers, holds, bookings and activity…`)
  const started = performance.now()
  const seeding = await sql.connect()
  await seed(seeding).finally(() => seeding.release())
  console.log(`seeded in ${seconds(started)}`)
  const ids = (
    await sql.query<{ agency: string; org: string; promoter: string }>(
      `SELECT ${AGENCY} AS agency, ${AGENCY_ORG} AS org, ${PROMOTER_ORG} AS promoter`,
    )
  ).rows[0]!
  const userId = '00000000-0000-4000-8000-000000000001'
  const agencyParty: Party = { side: 'agency', userId, orgId: ids.org, agencyId: ids.agency }
  const promoterParty: Party = { side: 'promoter', userId, orgId: ids.promoter }

  let counting = false
  let statements = 0
  const counted = await benchApp(database.url, { onQuery: () => counting && statements++ })
  const app = await benchApp(database.url)
  try {
    for (const [label, party, modules, permissions] of [
      ['agency', agencyParty, ['artist'], ['artist.dashboard.read']],
      ['promoter', promoterParty, ['promoter'], ['promoter.dashboard.read']],
    ] as const) {
      const grant = { userId, orgId: party.orgId, modules: [...modules], permissions: [...permissions] }
      const headers = await app.session(grant)
      const countedHeaders = await counted.session(grant)
      const get = async (base: string, h: Record<string, string>, path: string) => {
        const res = await send(`${base}${path}`, { headers: h })
        if (!res.ok) throw new Error(`${path}: ${res.status} ${res.text()}`)
        return res.json() as { data: { pageInfo?: { endCursor: string; hasNextPage: boolean } } }
      }
      await get(counted.base, countedHeaders, '/api/v1/dashboard')
      counting = true
      statements = 0
      await get(counted.base, countedHeaders, '/api/v1/dashboard')
      counting = false
      console.log(`\n  ${label} dashboard: ${statements} SQL statements per request (after the caller's access is cached)`)
      const now = systemClock.now()
      const dash = dashboardStatement(party, now, userId)
      await explain(sql, 'dashboard statement', dash)
      const baseline = await measure('baseline: the dashboard SQL on pg directly', RUNS, CONCURRENCY, () =>
        sql.query(dash.text, dash.values),
      )
      const rest = await measure(`REST GET /api/v1/dashboard (${label})`, RUNS, CONCURRENCY, () =>
        get(app.base, headers, '/api/v1/dashboard'),
      )
      report(`Dashboard (${label})`, baseline, [rest])

      // Activity at depth: the page after 20,000 events (or the last full page of a shorter feed).
      let cursor = ''
      for (let page = 0; page < 200; page++) {
        const info = (await get(app.base, headers, `/api/v1/activity?first=100${cursor ? `&after=${cursor}` : ''}`)).data.pageInfo!
        if (!info.hasNextPage) break
        cursor = info.endCursor
      }
      const deep = BigInt(/^a:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString())![1]!)
      // The bench reader holds the dashboard permission alone: every family but the pipeline's is hidden from it.
      const hidden = Object.entries(FEED_READ_RULES)
        .filter(([, rule]) => rule !== 'dashboard.read')
        .map(([aggregate]) => aggregate)
      await explain(sql, 'activity page 1', activityStatement(party.orgId, hidden, null, 25))
      await explain(sql, 'activity after 20,000 events', activityStatement(party.orgId, hidden, deep, 25))
      const activityBase = await measure('baseline: the deep activity page on pg directly', RUNS, CONCURRENCY, () => {
        const s = activityStatement(party.orgId, hidden, deep, 25)
        return sql.query(s.text, s.values)
      })
      const first = await measure(`REST GET /api/v1/activity first page (${label})`, RUNS, CONCURRENCY, () =>
        get(app.base, headers, '/api/v1/activity?first=25'),
      )
      const deepRest = await measure(`REST GET /api/v1/activity after 20,000 (${label})`, RUNS, CONCURRENCY, () =>
        get(app.base, headers, `/api/v1/activity?first=25&after=${cursor}`),
      )
      report(`Activity (${label})`, activityBase, [first, deepRest])

      const tasksSql = tasksStatement(party, now, null, 25)
      await explain(sql, 'tasks page 1', tasksSql)
      const tasksBase = await measure('baseline: the tasks SQL on pg directly', RUNS, CONCURRENCY, () =>
        sql.query(tasksSql.text, tasksSql.values),
      )
      const tasksRest = await measure(`REST GET /api/v1/tasks (${label})`, RUNS, CONCURRENCY, () =>
        get(app.base, headers, '/api/v1/tasks?first=25'),
      )
      report(`Tasks (${label})`, tasksBase, [tasksRest])
    }
  } finally {
    await app.close()
    await counted.close()
    await database.close()
  }
}
