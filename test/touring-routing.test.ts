// The routing function alone (no database): distances, legs, each issue on a minimal tour, and properties
// over random tours (fast-check): one leg per consecutive pair of live located stops, distances symmetric and
// within the Earth's half circumference × the detour factor, input order irrelevant, and no issue without a cause.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  greatCircleKm,
  routeTour,
  utcOffsetMinutes,
  type Engagement,
  type RoutingCity,
  type RoutingRules,
  type RoutingStop,
  type RoutingTour,
} from '../src/modules/touring/routing.ts'

const city = (name: string, latitude: number | null, longitude: number | null, timezone: string | null = 'Europe/Madrid'): RoutingCity => ({
  id: name,
  name,
  latitude,
  longitude,
  timezone,
})
const MADRID = city('Madrid', 40.4168, -3.7038)
const BARCELONA = city('Barcelona', 41.3874, 2.1686)
const VALENCIA = city('Valencia', 39.4699, -0.3763)
const LISBON = city('Lisbon', 38.7223, -9.1393, 'Europe/Lisbon')
const TOKYO = city('Tokyo', 35.6762, 139.6503, 'Asia/Tokyo')

const RULES: RoutingRules = {
  maxLegKm: null,
  maxDriveMinutes: null,
  maxConsecutiveShows: null,
  avgSpeedKmh: 75,
  detourFactor: 1.25,
  loadInMinutes: 180,
  radiusClause: 'warning',
}
const tour = (rules: Partial<RoutingRules> = {}): RoutingTour => ({
  startsOn: '2031-06-01',
  endsOn: '2031-06-30',
  rules: { ...RULES, ...rules },
})

let n = 0
function stop(date: string, c: RoutingCity | null, over: Partial<RoutingStop> = {}): RoutingStop {
  const id = `s${n++}`
  const kind = over.kind ?? 'show'
  return {
    id,
    date,
    position: 1,
    kind,
    state: kind === 'show' ? 'confirmed' : kind === 'pencil' ? 'pencil' : 'planned',
    holdRank: null,
    city: c,
    startsAt: kind === 'show' ? new Date(`${date}T20:00:00Z`) : null,
    endsAt: kind === 'show' ? new Date(`${date}T22:00:00Z`) : null,
    requestId: kind === 'show' ? `r-${id}` : null,
    bookingId: null,
    radius: null,
    ...over,
  }
}
const kinds = (stops: RoutingStop[], rules: Partial<RoutingRules> = {}, others: Engagement[] = []) =>
  routeTour(tour(rules), stops, others)
    .issues.map((i) => i.kind)
    .sort()

describe('distances and legs', () => {
  it('measures great-circle distances (Madrid–Barcelona ≈ 505 km) and derives drive time, days and time-zone shift', () => {
    expect(greatCircleKm(MADRID as never, BARCELONA as never)).toBeCloseTo(505, -1)
    const { legs, issues } = routeTour(tour(), [stop('2031-06-02', MADRID), stop('2031-06-04', LISBON)])
    expect(issues).toEqual([])
    expect(legs).toHaveLength(1)
    const [leg] = legs
    expect(leg?.daysBetween).toBe(2)
    expect(leg?.tzShiftMinutes).toBe(-60)
    expect(leg?.distanceKm).toBeCloseTo(greatCircleKm(MADRID as never, LISBON as never) * 1.25, 0)
    expect(leg?.driveMinutes).toBe(Math.round(((leg?.distanceKm ?? 0) / 75) * 60))
  })

  it('knows offsets across daylight saving and says null for a zone it does not know', () => {
    expect(utcOffsetMinutes('Europe/Madrid', '2031-01-15')).toBe(60)
    expect(utcOffsetMinutes('Europe/Madrid', '2031-07-15')).toBe(120)
    expect(utcOffsetMinutes('Asia/Kolkata', '2031-07-15')).toBe(330)
    expect(utcOffsetMinutes('Mars/Olympus', '2031-07-15')).toBeNull()
    const [leg] = routeTour(tour(), [stop('2031-06-02', MADRID), stop('2031-06-03', city('Nowhere', 40, -3, null))]).legs
    expect(leg?.tzShiftMinutes).toBeNull()
  })

  it('skips stops whose deal is off and cities without coordinates (telling so)', () => {
    const off = stop('2031-06-03', VALENCIA, { state: 'released' })
    const blank = stop('2031-06-04', city('Atlantis', null, null), { kind: 'pencil' })
    const r = routeTour(tour(), [stop('2031-06-02', MADRID), off, blank, stop('2031-06-05', BARCELONA)])
    expect(r.legs.map((l) => [l.fromCityId, l.toCityId])).toEqual([['Madrid', 'Barcelona']])
    expect(r.issues.map((i) => i.kind).sort()).toEqual(['deal_off', 'missing_coordinates'])
  })
})

describe('issues', () => {
  it('leg_too_long and drive_too_long follow the rules', () => {
    const stops = [stop('2031-06-02', MADRID), stop('2031-06-03', BARCELONA)]
    expect(kinds(stops, { maxLegKm: 600 })).toEqual(['leg_too_long'])
    expect(kinds(stops, { maxLegKm: 700 })).toEqual([])
    expect(kinds(stops, { maxDriveMinutes: 240 })).toEqual(['drive_too_long'])
  })

  it('impossible_leg: the drive is longer than the time between the end of one show and the next load-in', () => {
    const early = stop('2031-06-03', LISBON, { startsAt: new Date('2031-06-03T14:00:00Z'), endsAt: new Date('2031-06-03T16:00:00Z') })
    expect(kinds([stop('2031-06-02', BARCELONA), early])).toEqual(['impossible_leg'])
    expect(kinds([stop('2031-06-02', BARCELONA), stop('2031-06-04', LISBON)])).toEqual([])
  })

  it('double_date, too_many_consecutive_shows (a day off breaks the run), hold_not_first', () => {
    const matinee = stop('2031-06-02', MADRID, { startsAt: new Date('2031-06-02T12:00:00Z'), endsAt: new Date('2031-06-02T13:00:00Z') })
    expect(kinds([matinee, stop('2031-06-02', MADRID, { position: 2 })])).toEqual(['double_date'])
    const run = ['02', '03', '04'].map((d) => stop(`2031-06-${d}`, MADRID))
    expect(kinds(run, { maxConsecutiveShows: 2 })).toEqual(['too_many_consecutive_shows'])
    expect(kinds(run, { maxConsecutiveShows: 3 })).toEqual([])
    const broken = [stop('2031-06-02', MADRID), stop('2031-06-03', null, { kind: 'day_off' }), stop('2031-06-04', MADRID)]
    expect(kinds(broken, { maxConsecutiveShows: 1 })).toEqual([])
    expect(kinds([stop('2031-06-02', MADRID, { state: 'held', holdRank: 2 })])).toEqual(['hold_not_first'])
    expect(kinds([stop('2031-06-02', MADRID, { state: 'held', holdRank: 1 })])).toEqual([])
  })

  it('backtrack: a stop that makes the route double back', () => {
    expect(kinds([stop('2031-06-02', MADRID), stop('2031-06-04', BARCELONA), stop('2031-06-06', LISBON)])).toEqual(['backtrack'])
    expect(kinds([stop('2031-06-02', BARCELONA), stop('2031-06-04', MADRID), stop('2031-06-06', LISBON)])).toEqual([])
  })

  it('radius_clause: within the clause of a stop or of another engagement, by distance and days; severity from the rules', () => {
    const radius = { km: 400, daysBefore: 5, daysAfter: 5 }
    const clause = stop('2031-06-10', MADRID, { radius })
    const near = stop('2031-06-12', VALENCIA)
    expect(kinds([clause, near])).toEqual(['radius_clause'])
    expect(kinds([clause, stop('2031-06-20', VALENCIA)])).toEqual([])
    expect(kinds([clause, stop('2031-06-12', BARCELONA)])).toEqual([])
    const other: Engagement = { requestId: 'elsewhere', bookingId: 'b', date: '2031-06-08', city: VALENCIA, radius: null }
    const lone = routeTour(tour({ radiusClause: 'error' }), [clause], [other])
    expect(lone.issues).toEqual([
      expect.objectContaining({ kind: 'radius_clause', severity: 'error', requestIds: [clause.requestId, 'elsewhere'] }),
    ])
    expect(kinds([clause], { radiusClause: 'ignore' }, [other])).toEqual([])
    // The other engagement's clause counts too.
    expect(kinds([stop('2031-06-09', VALENCIA)], {}, [{ ...other, radius }])).toEqual(['radius_clause'])
  })

  it('outside_tour_window', () => {
    expect(kinds([stop('2031-07-02', MADRID)])).toEqual(['outside_tour_window'])
  })
})

const cityArb = fc.record({
  id: fc.uuid(),
  name: fc.string({ minLength: 1, maxLength: 8 }),
  latitude: fc.option(fc.double({ min: -89, max: 89, noNaN: true }), { nil: null, freq: 8 }),
  longitude: fc.option(fc.double({ min: -179, max: 179, noNaN: true }), { nil: null, freq: 8 }),
  timezone: fc.constantFrom('Europe/Madrid', 'Europe/Lisbon', 'Asia/Tokyo', 'America/New_York', null),
})
const stopArb = fc.record({
  day: fc.integer({ min: 1, max: 30 }),
  position: fc.integer({ min: 1, max: 3 }),
  kind: fc.constantFrom('show', 'pencil', 'day_off', 'travel', 'rehearsal', 'promo') as fc.Arbitrary<RoutingStop['kind']>,
  state: fc.constantFrom('confirmed', 'held', 'requested', 'released', 'cancelled') as fc.Arbitrary<RoutingStop['state']>,
  city: fc.option(cityArb, { nil: null }),
})
const stopsArb = fc.uniqueArray(stopArb, { maxLength: 25, selector: (s) => `${s.day}-${s.position}` }).map((list) =>
  list.map((s, i) =>
    stop(`2031-06-${String(s.day).padStart(2, '0')}`, s.city, {
      id: `p${i}`,
      position: s.position,
      kind: s.kind,
      state: s.kind === 'show' ? s.state : 'planned',
    }),
  ),
)

describe('properties', () => {
  it('one leg per consecutive pair of live located stops, in tour order, with sane figures', () => {
    fc.assert(
      fc.property(stopsArb, (stops) => {
        const { legs } = routeTour(tour(), stops)
        const path = [...stops]
          .sort((a, b) => a.date.localeCompare(b.date) || a.position - b.position)
          .filter((s) => s.state !== 'released' && s.state !== 'cancelled' && s.city?.latitude != null && s.city.longitude != null)
        expect(legs.map((l) => l.toStopId)).toEqual(path.slice(1).map((s) => s.id))
        for (const leg of legs) {
          expect(leg.distanceKm).toBeGreaterThanOrEqual(0)
          expect(leg.distanceKm).toBeLessThanOrEqual(Math.PI * 6371.0088 * 1.25 + 1)
          expect(leg.daysBetween).toBeGreaterThanOrEqual(0)
          expect(leg.driveMinutes).toBe(Math.round((leg.distanceKm / 75) * 60))
        }
      }),
    )
  })

  it('does not depend on the order stops are given in', () => {
    fc.assert(
      fc.property(stopsArb, fc.integer(), (stops, seed) => {
        const shuffled = [...stops].sort((a, b) => ((a.id.charCodeAt(1) * seed) % 7) - ((b.id.charCodeAt(1) * seed) % 7))
        expect(routeTour(tour({ maxLegKm: 300, maxConsecutiveShows: 2 }), shuffled)).toEqual(
          routeTour(tour({ maxLegKm: 300, maxConsecutiveShows: 2 }), stops),
        )
      }),
    )
  })

  it('great-circle distance is symmetric, zero to itself, and obeys the triangle inequality', () => {
    const point = fc.record({
      latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }),
    })
    fc.assert(
      fc.property(point, point, point, (a, b, c) => {
        expect(greatCircleKm(a, b)).toBeCloseTo(greatCircleKm(b, a), 6)
        expect(greatCircleKm(a, a)).toBeCloseTo(0, 6)
        expect(greatCircleKm(a, c)).toBeLessThanOrEqual(greatCircleKm(a, b) + greatCircleKm(b, c) + 1e-6)
      }),
    )
  })

  it('raises no issue on a tour without limits, clauses, holds or shared dates, inside its window', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 20 }), (days) => {
        const stops = days.map((d) => stop(`2031-06-${String(d).padStart(2, '0')}`, MADRID))
        expect(routeTour(tour(), stops).issues).toEqual([])
        expect(routeTour(tour(), [stop('2031-06-01', TOKYO), ...stops]).legs.length).toBe(stops.length)
      }),
    )
  })
})
