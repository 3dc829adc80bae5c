// What a tour's stops stand for, read in one statement for any number of tours: each stop with its deal
// (request, latest hold, booking, the accepted offer's radius clause) and its city, and the artist's other
// live engagements around the tour (for radius clauses). A show's state is derived here, at read time.
import type { Db, Tx } from '../../db/client.ts'
import { Prisma } from '../../generated/prisma/client.ts'
import { visibleSql, type Party } from '../booking/parties.ts'
import { effectiveHoldStatus } from '../booking/state.ts'
import type { Engagement, RadiusClause, RoutingCity, RoutingStop, StopKind, StopState } from './routing.ts'

/** A stop as both faces show it. */
export interface StopView extends RoutingStop {
  tourId: string
  holdId: string | null
  label: string | null
  notes: string | null
  createdAt: Date
  updatedAt: Date
}

export interface TourData {
  stops: StopView[]
  others: Engagement[]
}

/** A deal's columns, as the stop and candidate readers select them (r: request, h: latest hold, b: booking, o: its offer). */
const DEAL_JOINS = Prisma.sql`
  LEFT JOIN LATERAL (SELECT * FROM booking_holds h WHERE h.request_id = r.id ORDER BY h.created_at DESC, h.id DESC LIMIT 1) h ON true
  LEFT JOIN bookings b ON b.request_id = r.id
  LEFT JOIN booking_offers o ON o.id = COALESCE(b.offer_id, h.offer_id)`

const DEAL_COLUMNS = Prisma.sql`
  r.status::text AS request_status, r.expires_at AS request_expires_at, r.starts_at AS request_starts_at, r.ends_at AS request_ends_at,
  h.id AS hold_id, h.status::text AS hold_status, h.priority AS hold_priority, h.expires_at AS hold_expires_at,
  h.challenge_deadline AS hold_challenge_deadline, h.starts_at AS hold_starts_at, h.ends_at AS hold_ends_at,
  b.id AS booking_id, b.status::text AS booking_status, b.starts_at AS booking_starts_at, b.ends_at AS booking_ends_at,
  COALESCE(b.radius_km, o.radius_km) AS radius_km, COALESCE(b.radius_days_before, o.radius_days_before) AS radius_days_before,
  COALESCE(b.radius_days_after, o.radius_days_after) AS radius_days_after`

const CITY = Prisma.sql`json_build_object('id', c.id, 'name', c.name, 'latitude', c.latitude, 'longitude', c.longitude, 'timezone', c.timezone)`

interface DealRow {
  request_status: string | null
  request_expires_at: string | null
  request_starts_at: string | null
  request_ends_at: string | null
  hold_id: string | null
  hold_status: string | null
  hold_priority: number | null
  hold_expires_at: string | null
  hold_challenge_deadline: string | null
  hold_starts_at: string | null
  hold_ends_at: string | null
  booking_id: string | null
  booking_status: string | null
  booking_starts_at: string | null
  booking_ends_at: string | null
  radius_km: number | null
  radius_days_before: number | null
  radius_days_after: number | null
  city: RoutingCity | null
}

interface StopRow extends DealRow {
  id: string
  tour_id: string
  date: string
  position: number
  kind: StopKind
  request_id: string | null
  label: string | null
  notes: string | null
  created_at: string
  updated_at: string
}

const at = (v: string | null) => (v === null ? null : new Date(v))

const CLOSED_REQUEST = new Set(['declined', 'withdrawn', 'released', 'expired'])

/** A show's state from its deal, as of `now` (lapses not written yet count as written). */
function dealState(d: DealRow, now: Date): { state: StopState; holdRank: number | null } {
  if (d.booking_status) return { state: d.booking_status === 'cancelled' ? 'cancelled' : 'confirmed', holdRank: null }
  if (d.hold_status && d.hold_expires_at) {
    const status = effectiveHoldStatus(
      { status: d.hold_status as 'active', expiresAt: new Date(d.hold_expires_at), challengeDeadline: at(d.hold_challenge_deadline) },
      now,
    )
    if (status === 'active') return { state: 'held', holdRank: d.hold_priority }
    if (status !== 'confirmed') return { state: 'released', holdRank: null }
  }
  const requestDue =
    (d.request_status === 'open' || d.request_status === 'negotiating') &&
    ((d.request_expires_at !== null && new Date(d.request_expires_at) <= now) ||
      (d.request_starts_at !== null && new Date(d.request_starts_at) <= now))
  if (!d.request_status || requestDue || CLOSED_REQUEST.has(d.request_status)) return { state: 'released', holdRank: null }
  return { state: 'requested', holdRank: null }
}

const radiusOf = (d: DealRow): RadiusClause | null =>
  d.radius_km !== null && d.radius_days_before !== null && d.radius_days_after !== null
    ? { km: d.radius_km, daysBefore: d.radius_days_before, daysAfter: d.radius_days_after }
    : null

/** The deal's own times: the booking's, else the hold's, else the request's. */
const timesOf = (d: DealRow) => ({
  startsAt: at(d.booking_starts_at ?? d.hold_starts_at ?? d.request_starts_at),
  endsAt: at(d.booking_ends_at ?? d.hold_ends_at ?? d.request_ends_at),
})

function stopView(row: StopRow, now: Date): StopView {
  const show = row.kind === 'show'
  const { state, holdRank } = show
    ? dealState(row, now)
    : { state: row.kind === 'pencil' ? ('pencil' as const) : ('planned' as const), holdRank: null }
  const times = show ? timesOf(row) : { startsAt: null, endsAt: null }
  return {
    id: row.id,
    tourId: row.tour_id,
    date: row.date,
    position: row.position,
    kind: row.kind,
    state,
    holdRank,
    city: row.city,
    ...times,
    requestId: row.request_id,
    holdId: row.hold_id,
    bookingId: row.booking_id,
    radius: show ? radiusOf(row) : null,
    label: row.label,
    notes: row.notes,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

/**
 * The stops (in tour order) and the surrounding engagements of each tour, in one statement. Engagements are
 * the artist's confirmed bookings and active holds within a year of the tour's days (the longest radius
 * window), outside the tour, with a city: radius-clause candidates (bookings through their GiST index).
 * Both hold only the deals the reader sees (the pipeline's visibility, a booking's by the agency credited with it): a
 * tour's former owner, which still reads it after a handover, does not see the shows the new agency adds or confirms,
 * nor its engagements around the tour.
 */
export async function tourData(db: Db | Tx, tourIds: readonly string[], now: Date, reader: Party): Promise<Map<string, TourData>> {
  const rows = await db.$queryRaw<
    { id: string; stops: StopRow[] | null; others: (Omit<Engagement, 'bookingId'> & { bookingId: string | null })[] | null }[]
  >`
    SELECT t.id,
      (SELECT json_agg(x ORDER BY x.date, x.position) FROM (
         SELECT s.id, s.tour_id, to_char(s.date, 'YYYY-MM-DD') AS date, s.position, s.kind::text AS kind, s.request_id, s.label, s.notes,
                s.created_at, s.updated_at, ${DEAL_COLUMNS}, CASE WHEN c.id IS NULL THEN NULL ELSE ${CITY} END AS city
         FROM tour_stops s
         LEFT JOIN booking_requests r ON r.id = s.request_id
         ${DEAL_JOINS}
         LEFT JOIN geo_cities c ON c.id = COALESCE(b.city_id, h.city_id, r.city_id, s.city_id)
         WHERE s.tour_id = t.id AND (s.request_id IS NULL OR (${visibleSql(reader)} AND (b.id IS NULL OR ${visibleSql(reader, 'b')})))) x) AS stops,
      (SELECT json_agg(json_build_object(
           'requestId', e.request_id, 'bookingId', e.booking_id, 'city', ${CITY},
           'date', to_char((e.starts_at AT TIME ZONE COALESCE(c.timezone, 'UTC'))::date, 'YYYY-MM-DD'),
           'radius', CASE WHEN e.radius_km IS NULL THEN NULL ELSE
             json_build_object('km', e.radius_km, 'daysBefore', e.radius_days_before, 'daysAfter', e.radius_days_after) END))
       FROM (
         SELECT b.request_id, b.id AS booking_id, b.starts_at, b.city_id, b.radius_km, b.radius_days_before, b.radius_days_after
         FROM bookings b
         WHERE b.artist_id = t.artist_id AND b.status = 'confirmed'
           AND tstzrange(b.starts_at, b.ends_at, '[)') && tstzrange(w.lo, w.hi, '[)')
         UNION ALL
         SELECT h.request_id, NULL, h.starts_at, h.city_id, o.radius_km, o.radius_days_before, o.radius_days_after
         FROM booking_holds h JOIN booking_offers o ON o.id = h.offer_id
         WHERE h.artist_id = t.artist_id AND h.status = 'active' AND h.expires_at > ${now}
           AND (h.challenge_deadline IS NULL OR h.challenge_deadline > ${now}) AND h.starts_at >= w.lo AND h.starts_at < w.hi
       ) e
       JOIN geo_cities c ON c.id = e.city_id
       JOIN booking_requests r ON r.id = e.request_id AND ${visibleSql(reader)}
       WHERE NOT EXISTS (SELECT 1 FROM tour_stops s WHERE s.tour_id = t.id AND s.request_id = e.request_id)
         AND (e.booking_id IS NULL OR EXISTS (SELECT 1 FROM bookings b WHERE b.id = e.booking_id AND ${visibleSql(reader, 'b')}))) AS others
    FROM tours t
    CROSS JOIN LATERAL (
      SELECT (LEAST(t.starts_on, MIN(s.date)) - 366)::timestamptz AS lo, (GREATEST(t.ends_on, MAX(s.date)) + 367)::timestamptz AS hi
      FROM tour_stops s WHERE s.tour_id = t.id) w
    WHERE t.id = ANY(${[...tourIds]}::uuid[])`
  return new Map(rows.map((r) => [r.id, { stops: (r.stops ?? []).map((s) => stopView(s, now)), others: r.others ?? [] }]))
}

/** A deal as a candidate show (for the what-if preview), in the same shape as a stop. */
export async function dealAsStop(
  db: Db,
  requestId: string,
  now: Date,
  stop: { id: string; tourId: string; date: string; position: number },
) {
  const [row] = await db.$queryRaw<DealRow[]>`
    SELECT ${DEAL_COLUMNS}, CASE WHEN c.id IS NULL THEN NULL ELSE ${CITY} END AS city
    FROM booking_requests r
    ${DEAL_JOINS}
    LEFT JOIN geo_cities c ON c.id = COALESCE(b.city_id, h.city_id, r.city_id)
    WHERE r.id = ${requestId}::uuid`
  if (!row) return null
  const json = JSON.parse(JSON.stringify(row)) as DealRow
  return stopView(
    {
      ...json,
      id: stop.id,
      tour_id: stop.tourId,
      date: stop.date,
      position: stop.position,
      kind: 'show',
      request_id: requestId,
      label: null,
      notes: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    },
    now,
  )
}
