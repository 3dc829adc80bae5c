// A tour's routing, computed from its stops and nothing else: no database, no clock, no I/O, so the same
// function answers GET …/routing, Tour.routing and the what-if preview, and is property-tested alone.
// Legs join consecutive stops that have a city; issues are advisory (they never block a write).

export type StopKind = 'show' | 'pencil' | 'day_off' | 'travel' | 'rehearsal' | 'promo'
/** What a stop stands for now, read from its deal at read time (never stored). */
export type StopState = 'requested' | 'held' | 'confirmed' | 'released' | 'cancelled' | 'pencil' | 'planned'
export type RadiusClauseHandling = 'ignore' | 'warning' | 'error'

export interface RoutingCity {
  id: string
  name: string
  latitude: number | null
  longitude: number | null
  /** IANA time zone, when the directory has one. */
  timezone: string | null
}

export interface RadiusClause {
  km: number
  daysBefore: number
  daysAfter: number
}

export interface RoutingStop {
  id: string
  /** YYYY-MM-DD */
  date: string
  position: number
  kind: StopKind
  state: StopState
  /** A held show's rank among the artist's holds on its dates (1 = first). */
  holdRank: number | null
  city: RoutingCity | null
  /** A show's engagement (its deal's times). */
  startsAt: Date | null
  endsAt: Date | null
  requestId: string | null
  bookingId: string | null
  radius: RadiusClause | null
}

/** Another live engagement of the artist (a confirmed booking or an active hold outside this tour). */
export interface Engagement {
  requestId: string
  bookingId: string | null
  /** YYYY-MM-DD */
  date: string
  city: RoutingCity | null
  radius: RadiusClause | null
}

export interface RoutingRules {
  maxLegKm: number | null
  maxDriveMinutes: number | null
  maxConsecutiveShows: number | null
  avgSpeedKmh: number
  detourFactor: number
  loadInMinutes: number
  radiusClause: RadiusClauseHandling
}

export interface RoutingTour {
  startsOn: string
  endsOn: string
  rules: RoutingRules
}

export interface Leg {
  fromStopId: string
  toStopId: string
  fromCityId: string
  toCityId: string
  /** Great-circle distance × the detour factor (road estimate). */
  distanceKm: number
  driveMinutes: number
  daysBetween: number
  /** Local clock change from one city to the next (minutes; null when either city lacks a time zone). */
  tzShiftMinutes: number | null
  source: 'haversine'
}

type IssueKind =
  | 'leg_too_long'
  | 'drive_too_long'
  | 'impossible_leg'
  | 'too_many_consecutive_shows'
  | 'double_date'
  | 'backtrack'
  | 'radius_clause'
  | 'hold_not_first'
  | 'deal_off'
  | 'outside_tour_window'
  | 'missing_coordinates'

export interface Issue {
  kind: IssueKind
  severity: 'error' | 'warning'
  stopIds: string[]
  requestIds: string[]
  message: string
}

export interface Routing {
  legs: Leg[]
  issues: Issue[]
}

const EARTH_RADIUS_KM = 6371.0088
const DAY_MS = 86_400_000
/** A detour shorter than this is noise, not backtracking. */
const BACKTRACK_MIN_EXCESS_KM = 100

const rad = (deg: number) => (deg * Math.PI) / 180

/**
 * Great-circle distance in km, by the spherical case of Vincenty's formula: the haversine's `asin` loses about a
 * centimetre near antipodal points, enough for three distances to break the triangle inequality by float error.
 */
export function greatCircleKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const [latA, latB, dLng] = [rad(a.latitude), rad(b.latitude), rad(b.longitude - a.longitude)]
  const y = Math.hypot(Math.cos(latB) * Math.sin(dLng), Math.cos(latA) * Math.sin(latB) - Math.sin(latA) * Math.cos(latB) * Math.cos(dLng))
  const x = Math.sin(latA) * Math.sin(latB) + Math.cos(latA) * Math.cos(latB) * Math.cos(dLng)
  return EARTH_RADIUS_KM * Math.atan2(y, x)
}

const located = (c: RoutingCity | null): c is RoutingCity & { latitude: number; longitude: number } =>
  c !== null && c.latitude !== null && c.longitude !== null

const days = new Map<string, number>()

/** Days since the epoch of a YYYY-MM-DD day (remembered: a routing compares the same few days many times). */
function dayNumber(day: string): number {
  let n = days.get(day)
  if (n === undefined) {
    n = Date.parse(`${day}T00:00:00Z`) / DAY_MS
    days.set(day, n)
  }
  return n
}

const offsets = new Map<string, number | null>()

/** The zone's UTC offset (minutes) at noon UTC of the day; null for a zone Intl does not know. */
export function utcOffsetMinutes(timezone: string, day: string): number | null {
  const key = `${timezone}|${day}`
  const cached = offsets.get(key)
  if (cached !== undefined) return cached
  let offset: number | null = null
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(`${day}T12:00:00Z`))
      .find((p) => p.type === 'timeZoneName')?.value
    const m = name?.match(/^GMT(?:([+-])(\d{2}):(\d{2}))?$/)
    if (m) offset = m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0
  } catch {
    offset = null
  }
  offsets.set(key, offset)
  return offset
}

/** Stops in tour order: by date, then position within the day. */
const inTourOrder = <T extends { date: string; position: number }>(stops: readonly T[]): T[] =>
  [...stops].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.position - b.position))

/** A stop that will happen: not a show whose deal is off. */
const live = (s: RoutingStop) => s.state !== 'released' && s.state !== 'cancelled'
const isShow = (s: RoutingStop) => s.kind === 'show' && live(s)

const km = (x: number) => Math.round(x * 10) / 10

function legBetween(from: RoutingStop, to: RoutingStop, rules: RoutingRules): Leg | null {
  if (!located(from.city) || !located(to.city)) return null
  const distanceKm = km(greatCircleKm(from.city, to.city) * rules.detourFactor)
  const fromOffset = from.city.timezone ? utcOffsetMinutes(from.city.timezone, from.date) : null
  const toOffset = to.city.timezone ? utcOffsetMinutes(to.city.timezone, to.date) : null
  return {
    fromStopId: from.id,
    toStopId: to.id,
    fromCityId: from.city.id,
    toCityId: to.city.id,
    distanceKm,
    driveMinutes: Math.round((distanceKm / rules.avgSpeedKmh) * 60),
    daysBetween: dayNumber(to.date) - dayNumber(from.date),
    tzShiftMinutes: fromOffset === null || toOffset === null ? null : toOffset - fromOffset,
    source: 'haversine',
  }
}

const ids = (stops: readonly RoutingStop[]) => stops.map((s) => s.id)
const deals = (stops: readonly RoutingStop[]) => stops.flatMap((s) => (s.requestId ? [s.requestId] : []))
const issue = (kind: IssueKind, severity: Issue['severity'], stops: RoutingStop[], message: string, requestIds = deals(stops)): Issue => ({
  kind,
  severity,
  stopIds: ids(stops),
  requestIds,
  message,
})

/** Whether `b` falls inside the radius window of `a`'s clause. */
function withinClause(
  a: { date: string; city: RoutingCity | null; radius: RadiusClause | null },
  b: { date: string; city: RoutingCity | null },
) {
  if (!a.radius || !located(a.city) || !located(b.city)) return false
  const days = dayNumber(b.date) - dayNumber(a.date)
  if (days < -a.radius.daysBefore || days > a.radius.daysAfter) return false
  return greatCircleKm(a.city, b.city) <= a.radius.km
}

function legIssues(legs: Leg[], byId: Map<string, RoutingStop>, rules: RoutingRules): Issue[] {
  const out: Issue[] = []
  for (const leg of legs) {
    const from = byId.get(leg.fromStopId)
    const to = byId.get(leg.toStopId)
    if (!from || !to) continue
    const pair = [from, to]
    const where = `${from.city?.name ?? '?'} → ${to.city?.name ?? '?'}`
    if (rules.maxLegKm !== null && leg.distanceKm > rules.maxLegKm)
      out.push(issue('leg_too_long', 'error', pair, `${where}: ${leg.distanceKm} km, over the tour's ${rules.maxLegKm} km`))
    if (rules.maxDriveMinutes !== null && leg.driveMinutes > rules.maxDriveMinutes * Math.max(1, leg.daysBetween))
      out.push(
        issue(
          'drive_too_long',
          'warning',
          pair,
          `${where}: ${leg.driveMinutes} min of driving over ${Math.max(1, leg.daysBetween)} day(s), over ${rules.maxDriveMinutes} min a day`,
        ),
      )
    if (isShow(from) && isShow(to) && from.endsAt && to.startsAt) {
      const available = (to.startsAt.getTime() - rules.loadInMinutes * 60_000 - from.endsAt.getTime()) / 60_000
      if (leg.driveMinutes > available)
        out.push(
          issue(
            'impossible_leg',
            'error',
            pair,
            `${where}: ${leg.driveMinutes} min of driving, ${Math.max(0, Math.floor(available))} min between the end of one show and the next load-in`,
          ),
        )
    }
  }
  return out
}

type Placed = RoutingStop & { city: RoutingCity & { latitude: number; longitude: number } }
const placed = (s: RoutingStop): s is Placed => located(s.city)

function backtracks(path: Placed[]): Issue[] {
  const out: Issue[] = []
  for (let i = 2; i < path.length; i++) {
    const [a, b, c] = [path[i - 2], path[i - 1], path[i]] as [Placed, Placed, Placed]
    const direct = greatCircleKm(a.city, c.city)
    const excess = greatCircleKm(a.city, b.city) + greatCircleKm(b.city, c.city) - direct
    if (excess >= BACKTRACK_MIN_EXCESS_KM && excess > direct)
      out.push(
        issue(
          'backtrack',
          'warning',
          [a, b, c],
          `${a.city.name} → ${b.city.name} → ${c.city.name} doubles back: ${Math.round(excess)} km more than going straight`,
        ),
      )
  }
  return out
}

function consecutiveShows(shows: RoutingStop[], dayOffs: Set<string>, max: number): Issue[] {
  const days = [...new Set(shows.map((s) => s.date))].sort()
  const out: Issue[] = []
  let run: string[] = []
  const flush = () => {
    if (run.length > max) {
      const inRun = shows.filter((s) => run.includes(s.date))
      out.push(
        issue(
          'too_many_consecutive_shows',
          'warning',
          inRun,
          `${run.length} show days in a row (${run[0]} to ${run[run.length - 1]}) without a day off, over ${max}`,
        ),
      )
    }
    run = []
  }
  for (const day of days) {
    const previous = run[run.length - 1]
    if (previous !== undefined && (dayNumber(day) - dayNumber(previous) !== 1 || dayOffs.has(day))) flush()
    if (!dayOffs.has(day)) run.push(day)
  }
  flush()
  return out
}

function radiusIssues(shows: RoutingStop[], others: readonly Engagement[], handling: RadiusClauseHandling): Issue[] {
  if (handling === 'ignore') return []
  const out: Issue[] = []
  const severity = handling
  const describe = (x: { city: RoutingCity | null; date: string }) => `${x.city?.name ?? '?'} on ${x.date}`
  for (let i = 0; i < shows.length; i++) {
    const a = shows[i] as RoutingStop
    for (let j = i + 1; j < shows.length; j++) {
      const b = shows[j] as RoutingStop
      if (a.requestId === b.requestId) continue
      const clause = withinClause(a, b) ? a : withinClause(b, a) ? b : null
      if (clause)
        out.push(
          issue('radius_clause', severity, [a, b], `${describe(a)} and ${describe(b)} break the radius clause of ${describe(clause)}`),
        )
    }
    for (const o of others) {
      if (o.requestId === a.requestId) continue
      const clause = withinClause(a, o) ? a : withinClause(o, a) ? o : null
      if (clause)
        out.push(
          issue(
            'radius_clause',
            severity,
            [a],
            `${describe(a)} and another engagement of the artist (${describe(o)}) break the radius clause of ${describe(clause)}`,
            [...deals([a]), o.requestId],
          ),
        )
    }
  }
  return out
}

/** The legs and issues of a tour: `stops` in any order, `others` the artist's live engagements outside it. */
export function routeTour(tour: RoutingTour, stops: readonly RoutingStop[], others: readonly Engagement[] = []): Routing {
  const ordered = inTourOrder(stops)
  const byId = new Map(ordered.map((s) => [s.id, s]))
  const { rules } = tour
  const path = ordered.filter(live).filter(placed)
  const legs: Leg[] = []
  for (let i = 1; i < path.length; i++) {
    const leg = legBetween(path[i - 1] as Placed, path[i] as Placed, rules)
    if (leg) legs.push(leg)
  }
  const shows = ordered.filter(isShow)
  const issues: Issue[] = [...legIssues(legs, byId, rules)]

  const byDate = new Map<string, RoutingStop[]>()
  for (const s of shows) byDate.set(s.date, [...(byDate.get(s.date) ?? []), s])
  for (const [date, same] of byDate) {
    if (same.length > 1) issues.push(issue('double_date', 'error', same, `${same.length} shows on ${date}`))
  }

  if (rules.maxConsecutiveShows !== null) {
    const dayOffs = new Set(ordered.filter((s) => s.kind === 'day_off').map((s) => s.date))
    issues.push(...consecutiveShows(shows, dayOffs, rules.maxConsecutiveShows))
  }
  issues.push(...backtracks(path))
  issues.push(...radiusIssues(shows, others, rules.radiusClause))

  for (const s of ordered) {
    if (s.kind === 'show' && s.state === 'held' && s.holdRank !== null && s.holdRank > 1)
      issues.push(
        issue('hold_not_first', 'warning', [s], `the show on ${s.date} rests on hold #${s.holdRank}: a hold above it confirms first`),
      )
    if (s.kind === 'show' && !live(s)) issues.push(issue('deal_off', 'warning', [s], `the show on ${s.date} is ${s.state}`))
    if (s.date < tour.startsOn || s.date > tour.endsOn)
      issues.push(issue('outside_tour_window', 'warning', [s], `${s.date} is outside the tour's window ${tour.startsOn} to ${tour.endsOn}`))
    if (live(s) && s.city && !located(s.city))
      issues.push(issue('missing_coordinates', 'warning', [s], `${s.city.name} has no coordinates: no leg is computed to or from it`))
  }
  return { legs, issues }
}
