// Routing of a 120-stop tour (bookings, holds, requests and pencils across Europe, with 50 other bookings of
// the artist carrying radius clauses around it): GET /api/v1/tours/:id/routing and Tour.routing, against a
// baseline of the SQL reading the same rows straight from pg, in the same run. Statements are counted on an
// app of their own.
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { benchAgency, benchApp, benchDatabase, measure, report, send } from './support.ts'

const STOPS = 120
const OTHERS = 50
const RUNS = Number(process.env.BENCH_ROUTING_RUNS ?? 300)
const DAY = 86_400_000
const START = Date.UTC(2031, 2, 1)

const day = (i: number) => new Date(START + i * DAY).toISOString().slice(0, 10)

async function seedTour(sql: pg.Pool, agencyId: string, userId: string) {
  const [{ id: artistId }] = (
    await sql.query(`INSERT INTO artists (id, name, slug) VALUES (gen_random_uuid(), 'Bench Touring', 'bench-touring') RETURNING id`)
  ).rows
  await sql.query(
    `INSERT INTO artists_roster_links (id, artist_id, agency_id, role, starts_on) VALUES (gen_random_uuid(), $1, $2, 'agency', '2020-01-01')`,
    [artistId, agencyId],
  )
  await sql.query(`INSERT INTO geo_countries (id, code, name) VALUES (gen_random_uuid(), 'ES', 'Spain')`)
  const cities = (
    await sql.query<{ id: string }>(`
      INSERT INTO geo_cities (id, country_id, name, latitude, longitude, timezone)
      SELECT gen_random_uuid(), (SELECT id FROM geo_countries LIMIT 1), 'City ' || i, 36 + (i * 37 % 240) / 10.0, -9 + (i * 53 % 300) / 10.0,
             (ARRAY['Europe/Madrid', 'Europe/Lisbon', 'Europe/Berlin', 'Europe/London'])[1 + i % 4]
      FROM generate_series(1, ${STOPS + OTHERS}) i RETURNING id`)
  ).rows.map((r) => r.id)
  const [{ id: tourId }] = (
    await sql.query(
      `INSERT INTO tours (id, artist_id, agency_id, name, starts_on, ends_on, max_leg_km, max_drive_minutes, max_consecutive_shows, created_by_user_id)
       VALUES (gen_random_uuid(), $1, $2, 'Bench tour', $3, $4, 900, 600, 5, $5) RETURNING id`,
      [artistId, agencyId, day(0), day(STOPS + 10), userId],
    )
  ).rows
  const promoterOrg = randomUUID()
  for (let i = 0; i < STOPS + OTHERS; i++) {
    const inTour = i < STOPS
    // Stops every day; the other bookings sit among them, a few hours later, each with a radius clause.
    const startsAt = new Date(START + (inTour ? i : (i - STOPS) * 2) * DAY + (inTour ? 20 : 14) * 3600_000)
    const endsAt = new Date(startsAt.getTime() + 2 * 3600_000)
    const cityId = cities[i]
    const kind = inTour ? (i % 12 === 0 ? 'pencil' : i % 12 === 1 ? 'request' : i % 12 <= 3 ? 'hold' : 'booking') : 'booking'
    let requestId: string | null = null
    if (kind !== 'pencil') {
      requestId = randomUUID()
      const offerId = randomUUID()
      const holdId = randomUUID()
      const status = kind === 'request' ? 'open' : kind === 'hold' ? 'held' : 'booked'
      await sql.query(
        `INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, city_id, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [requestId, artistId, agencyId, promoterOrg, userId, startsAt, endsAt, cityId, status],
      )
      if (kind !== 'request') {
        const radius = inTour ? [null, null, null] : [150, 7, 7]
        await sql.query(
          `INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, status, radius_km, radius_days_before, radius_days_after)
           VALUES ($1, $2, 1, 'agency', $3, 1000000, 'EUR', 'flat', 'accepted', $4, $5, $6)`,
          [offerId, requestId, userId, ...radius],
        )
        await sql.query(
          `INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, priority, expires_at, status, city_id)
           VALUES ($1, $2, $3, $4, $5, $6, 1, '2035-01-01', $7, $8)`,
          [holdId, requestId, offerId, artistId, startsAt, endsAt, kind === 'hold' ? 'active' : 'confirmed', cityId],
        )
        if (kind === 'booking')
          await sql.query(
            `INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, starts_at, ends_at, fee, currency, deal_type,
                                   city_id, radius_km, radius_days_before, radius_days_after)
             VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, 1000000, 'EUR', 'flat', $9, $10, $11, $12)`,
            [requestId, offerId, holdId, artistId, agencyId, promoterOrg, startsAt, endsAt, cityId, ...radius],
          )
      }
    }
    if (inTour)
      await sql.query(
        `INSERT INTO tour_stops (id, tour_id, artist_id, date, position, kind, request_id, city_id, created_by_user_id)
         VALUES (gen_random_uuid(), $1, $2, $3, 1, $4, $5, $6, $7)`,
        [tourId, artistId, day(i), kind === 'pencil' ? 'pencil' : 'show', requestId, kind === 'pencil' ? cityId : null, userId],
      )
  }
  await sql.query('ANALYZE')
  return tourId as string
}

/** The rows routing reads, as plain SQL: the tour, its stops with their deals and cities, the artist's other bookings and holds. */
const BASELINE = `
  WITH t AS (SELECT * FROM tours WHERE id = $1)
  SELECT (SELECT to_jsonb(t) FROM t) AS tour,
    (SELECT jsonb_agg(to_jsonb(x)) FROM (
       SELECT s.*, r.status AS request_status, h.status AS hold_status, h.priority, b.status AS booking_status, b.starts_at, b.ends_at,
              o.radius_km, c.latitude, c.longitude, c.timezone
       FROM tour_stops s JOIN t ON t.id = s.tour_id
       LEFT JOIN booking_requests r ON r.id = s.request_id
       LEFT JOIN booking_holds h ON h.request_id = r.id
       LEFT JOIN bookings b ON b.request_id = r.id
       LEFT JOIN booking_offers o ON o.id = h.offer_id
       LEFT JOIN geo_cities c ON c.id = COALESCE(b.city_id, h.city_id, r.city_id, s.city_id)) x) AS stops,
    (SELECT jsonb_agg(to_jsonb(y)) FROM (
       SELECT b.id, b.starts_at, b.radius_km, c.latitude, c.longitude FROM bookings b JOIN t ON b.artist_id = t.artist_id
       JOIN geo_cities c ON c.id = b.city_id
       WHERE b.status = 'confirmed' AND tstzrange(b.starts_at, b.ends_at) && tstzrange(t.starts_on - 366, t.ends_on + 367)) y) AS others`

export async function touringBenchmark() {
  const database = await benchDatabase('artists_bench_touring')
  const { sql } = database
  const orgId = randomUUID()
  const userId = randomUUID()
  const agencyId = await benchAgency(sql, orgId)
  console.log(`seeding a ${STOPS}-stop tour and ${OTHERS} other bookings…`)
  const tourId = await seedTour(sql, agencyId, userId)
  const grant = { userId, orgId, modules: ['artist'], permissions: ['artist.tours.read'] }

  const statements: string[] = []
  const counted = await benchApp(database.url, { onQuery: (q) => statements.push(q) })
  const app = await benchApp(database.url)
  try {
    const headersOf = async (a: typeof app) => a.session(grant)
    const countedHeaders = await headersOf(counted)
    const routing = async (a: typeof app, headers: Record<string, string>) => {
      const res = await send(`${a.base}/api/v1/tours/${tourId}/routing`, { headers })
      if (!res.ok) throw new Error(`routing: ${res.status} ${res.text()}`)
      return res.json() as { data: { legs: unknown[]; issues: { kind: string }[] } }
    }
    await routing(counted, countedHeaders)
    statements.length = 0
    const answer = await routing(counted, countedHeaders)
    const sent = statements.filter((s) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(s))
    const kinds = [...new Set(answer.data.issues.map((i) => i.kind))].sort()
    console.log(
      `GET /api/v1/tours/:id/routing: ${sent.length} SQL statements for ${STOPS} stops; ${answer.data.legs.length} legs, ${answer.data.issues.length} issues (${kinds.join(', ')})`,
    )

    const headers = await headersOf(app)
    const baseline = await measure('baseline: the same rows, one SQL statement on pg', RUNS, 1, () => sql.query(BASELINE, [tourId]))
    const rest = await measure(`REST GET …/routing (${STOPS} stops), one at a time`, RUNS, 1, () => routing(app, headers))
    const gql = await measure(`GraphQL tour { routing { legs issues } }, one at a time`, RUNS, 1, async () => {
      const res = await send(`${app.base}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          query:
            'query($id: ID!) { tour(id: $id) { routing { legs { distanceKm driveMinutes tzShiftMinutes } issues { kind stopIds } } } }',
          variables: { id: tourId },
        }),
      })
      const body = res.json() as { errors?: unknown }
      if (body.errors) throw new Error(JSON.stringify(body.errors))
    })
    const parallel = await measure(`REST GET …/routing, 4 in flight`, RUNS, 4, () => routing(app, headers))
    report(`Tour routing (${STOPS} stops, ${OTHERS} other bookings with radius clauses)`, baseline, [rest, gql, parallel])
  } finally {
    await counted.close()
    await app.close()
    await database.close()
  }
}
