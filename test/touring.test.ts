// Tours on both faces: a booker builds a tour from a booking, a hold, a request, a pencil and a day off; stop
// states follow the deals; routing shows legs and issues; a preview writes nothing; outsiders get 404 / null,
// the artist's management reads and never writes; refusals leave nothing behind; _entities resolves tours in
// a constant number of statements; a gateway-style query reaches Booking.tour.routing.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { EVENTS } from '../src/modules/outbox/catalog.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let dealer: AgencySession
let manager: AgencySession
let outsider: AgencySession
let promoter: Session
let cities: Record<'barcelona' | 'madrid' | 'valencia' | 'lisbon' | 'bilbao', { id: string; countryCode: string; name: string }>

const { representedArtist, request } = pipelines(
  () => h.app,
  () => dealer,
)

const YEAR = new Date().getUTCFullYear() + 6
let month = 0
/** A fresh month of dates per tour, so tours of one artist never meet unless a test means them to. */
function nextMonth() {
  month++
  const m = String(((month - 1) % 12) + 1).padStart(2, '0')
  const y = YEAR + Math.floor((month - 1) / 12)
  return (d: number) => `${y}-${m}-${String(d).padStart(2, '0')}`
}
const show = (day: string, hour = 20, hours = 2) => {
  const startsAt = new Date(`${day}T${String(hour).padStart(2, '0')}:00:00.000Z`)
  return { startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + hours * 3600_000).toISOString() }
}
const where = (city: keyof typeof cities) => ({ cityId: cities[city].id, countryCode: cities[city].countryCode, city: cities[city].name })

async function manage(as: AgencySession, artistId: string) {
  const claim = await h.app.rest('POST', '/api/v1/representation-claims', { as, body: { artistId, role: 'management' } })
  expect(claim.status, JSON.stringify(claim.body)).toBe(201)
  if (claim.body.data.status === 'pending') {
    const approved = await h.app.rest('POST', `/internal/admin/representation-claims/${claim.body.data.id}/approve`, {
      as: 'machine',
      body: {},
    })
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
  }
}

/** A deal in a city: requested, held or booked, with optional offer terms (a radius clause…). */
async function deal(
  artistId: string,
  when: { startsAt: string; endsAt: string },
  city: keyof typeof cities,
  to: 'request' | 'hold' | 'booking',
  terms = {},
) {
  const req = await request(promoter, artistId, when, where(city))
  if (to === 'request') return { requestId: req.id as string }
  const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: dealer, body: { ...flat, ...terms } })
  expect(offer.status, JSON.stringify(offer.body)).toBe(201)
  const accepted = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
  const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: dealer })
  const holdId = detail.body.data.holds[0].id as string
  if (to === 'hold') return { requestId: req.id as string, holdId }
  const booking = await h.app.rest('POST', `/api/v1/booking-holds/${holdId}/confirm`, { as: dealer })
  expect(booking.status, JSON.stringify(booking.body)).toBe(201)
  return { requestId: req.id as string, holdId, bookingId: booking.body.data.id as string }
}

async function createTour(artistId: string, day: (d: number) => string, extra: Record<string, unknown> = {}) {
  const r = await h.app.rest('POST', '/api/v1/tours', {
    as: dealer,
    body: { artistId, name: `Tour ${randomUUID().slice(0, 6)}`, startsOn: day(1), endsOn: day(28), ...extra },
  })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body.data as { id: string; status: string; phase: string }
}

async function addStop(tourId: string, body: Record<string, unknown>, as: Session = dealer) {
  return h.app.rest('POST', `/api/v1/tours/${tourId}/stops`, { as, body })
}

const counts = async () => ({
  tours: await h.app.db.tour.count(),
  stops: await h.app.db.tourStop.count(),
  events: await h.app.db.outboxEvent.count(),
})

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  manager = await agencySession(h.auth, h.app.db)
  outsider = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const es = await h.app.db.country.create({ data: { code: 'ES', name: 'Spain' } })
  const pt = await h.app.db.country.create({ data: { code: 'PT', name: 'Portugal' } })
  const city = async (name: string, country: { id: string; code: string }, latitude: number, longitude: number, timezone: string) => {
    const c = await h.app.db.city.create({ data: { name, countryId: country.id, latitude, longitude, timezone } })
    return { id: c.id, countryCode: country.code.toLowerCase(), name }
  }
  cities = {
    barcelona: await city('Barcelona', es, 41.3874, 2.1686, 'Europe/Madrid'),
    madrid: await city('Madrid', es, 40.4168, -3.7038, 'Europe/Madrid'),
    valencia: await city('Valencia', es, 39.4699, -0.3763, 'Europe/Madrid'),
    bilbao: await city('Bilbao', es, 43.263, -2.935, 'Europe/Madrid'),
    lisbon: await city('Lisbon', pt, 38.7223, -9.1393, 'Europe/Lisbon'),
  }
})

describe('tours and stops', () => {
  it('builds a tour from a booking, a hold, a request, a pencil and a day off; stop states follow the deals', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day, { maxLegKm: 800 })
    expect(tour).toMatchObject({ status: 'draft', phase: 'upcoming' })

    const booked = await deal(artistId, show(day(2)), 'barcelona', 'booking')
    const hold = await deal(artistId, show(day(3)), 'valencia', 'hold')
    const asked = await deal(artistId, show(day(5)), 'madrid', 'request')
    expect((await addStop(tour.id, { bookingId: booked.bookingId })).status).toBe(201)
    expect((await addStop(tour.id, { holdId: hold.holdId })).status).toBe(201)
    expect((await addStop(tour.id, { requestId: asked.requestId })).status).toBe(201)
    const pencil = await addStop(tour.id, { date: day(7), kind: 'pencil', cityId: cities.lisbon.id, label: 'Lisbon?' })
    expect(pencil.status, JSON.stringify(pencil.body)).toBe(201)
    expect(pencil.body.data).toMatchObject({
      kind: 'pencil',
      state: 'pencil',
      date: day(7),
      city: { name: 'Lisbon', timezone: 'Europe/Lisbon' },
    })
    expect((await addStop(tour.id, { date: day(4), kind: 'day_off' })).status).toBe(201)

    const read = await h.app.rest('GET', `/api/v1/tours/${tour.id}`, { as: dealer })
    expect(read.status).toBe(200)
    expect(read.body.data.stops.map((s: { kind: string; state: string; date: string }) => [s.date, s.kind, s.state])).toEqual([
      [day(2), 'show', 'confirmed'],
      [day(3), 'show', 'held'],
      [day(4), 'day_off', 'planned'],
      [day(5), 'show', 'requested'],
      [day(7), 'pencil', 'pencil'],
    ])
    expect(read.body.data.stops[1]).toMatchObject({ holdRank: 1, holdId: hold.holdId, requestId: hold.requestId, bookingId: null })

    // The state is read from the deal: confirming the hold shows it confirmed, releasing one shows it released.
    expect((await h.app.rest('POST', `/api/v1/booking-holds/${hold.holdId}/confirm`, { as: dealer })).status).toBe(201)
    await h.app.rest('POST', `/api/v1/booking-requests/${asked.requestId}/withdraw`, { as: promoter, body: {} })
    const stops = (await h.app.rest('GET', `/api/v1/tours/${tour.id}/stops`, { as: dealer })).body.data
    expect(stops.map((s: { state: string }) => s.state)).toEqual(['confirmed', 'confirmed', 'planned', 'released', 'pencil'])

    const events = await h.app.db.outboxEvent.findMany({ where: { aggregateId: tour.id }, orderBy: { seq: 'asc' } })
    expect(events.map((e) => e.eventType)).toEqual(['tour.created', ...Array(5).fill('tour.stop.added')])
    expect(events[1]?.payload).toMatchObject({ tourId: tour.id, artistId, kind: 'show', requestId: booked.requestId, status: 'draft' })
    expect(events[0]?.orgIds).toEqual([dealer.orgId])
  })

  it('confirms, cancels with a reason (bookings stand) and archives; other moves are 409 invalid_transition', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const booked = await deal(artistId, show(day(2)), 'madrid', 'booking')
    await addStop(tour.id, { bookingId: booked.bookingId })
    const archiveDraft = await h.app.rest('POST', `/api/v1/tours/${tour.id}/archive`, { as: dealer })
    expect(archiveDraft.status).toBe(409)
    expect(archiveDraft.body.error.code).toBe('invalid_transition')
    expect((await h.app.rest('POST', `/api/v1/tours/${tour.id}/confirm`, { as: dealer })).body.data.status).toBe('confirmed')
    expect(validation(await h.app.rest('POST', `/api/v1/tours/${tour.id}/cancel`, { as: dealer, body: {} }))).toContain('reason')
    const cancelled = await h.app.rest('POST', `/api/v1/tours/${tour.id}/cancel`, {
      as: dealer,
      body: { reason: 'headliner fell through' },
    })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.data).toMatchObject({
      status: 'cancelled',
      cancelReason: 'headliner fell through',
      confirmedBookingIds: [booked.bookingId],
    })
    expect((await h.app.db.booking.findUniqueOrThrow({ where: { id: booked.bookingId } })).status).toBe('confirmed')
    const before = await counts()
    const late = await addStop(tour.id, { date: day(3), kind: 'day_off' })
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe('invalid_transition')
    expect(await counts()).toEqual(before)

    // A cancelled tour frees its days and its deals: a new tour takes them.
    const again = await createTour(artistId, day)
    expect((await addStop(again.id, { bookingId: booked.bookingId })).status).toBe(201)
    expect((await h.app.rest('POST', `/api/v1/tours/${again.id}/confirm`, { as: dealer })).status).toBe(200)
    expect((await h.app.rest('POST', `/api/v1/tours/${again.id}/archive`, { as: dealer })).body.data.status).toBe('archived')
    const types = (await h.app.db.outboxEvent.findMany({ where: { aggregateId: tour.id }, orderBy: { seq: 'asc' } })).map(
      (e) => e.eventType,
    )
    expect(types).toEqual(['tour.created', 'tour.stop.added', 'tour.confirmed', 'tour.cancelled'])
  })

  it('refuses deals of another artist, a deal twice, a deal of another live tour, overlapping tours, closed deals — writing nothing', async () => {
    const artistId = await representedArtist()
    const otherArtist = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const mine = await deal(artistId, show(day(2)), 'madrid', 'hold')
    const theirs = await deal(otherArtist, show(day(2)), 'madrid', 'booking')
    await addStop(tour.id, { holdId: mine.holdId })
    const before = await counts()

    const wrong = await addStop(tour.id, { bookingId: theirs.bookingId })
    expect([wrong.status, wrong.body.error.code]).toEqual([409, 'deal_of_another_artist'])
    const twice = await addStop(tour.id, { requestId: mine.requestId })
    expect([twice.status, twice.body.error.code]).toEqual([409, 'deal_in_tour'])
    const overlap = await h.app.rest('POST', '/api/v1/tours', {
      as: dealer,
      body: { artistId, name: 'Overlap', startsOn: day(20), endsOn: day(28).replace(/-\d\d$/, '-28') },
    })
    expect([overlap.status, overlap.body.error.code]).toEqual([409, 'tour_overlaps'])
    const otherTour = await createTour(otherArtist, day)
    const elsewhere = await h.app.rest('POST', `/api/v1/tours/${otherTour.id}/stops`, { as: dealer, body: { holdId: mine.holdId } })
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([409, 'deal_of_another_artist'])
    const nextTour = await createTour(artistId, nextMonth())
    const taken = await addStop(nextTour.id, { holdId: mine.holdId })
    expect([taken.status, taken.body.error.code]).toEqual([409, 'deal_in_another_tour'])
    const unseen = await addStop(tour.id, { bookingId: randomUUID() })
    expect(unseen.status).toBe(404)
    const closed = await deal(artistId, show(day(9)), 'madrid', 'request')
    await h.app.rest('POST', `/api/v1/booking-requests/${closed.requestId}/withdraw`, { as: promoter, body: {} })
    const off = await addStop(tour.id, { requestId: closed.requestId })
    expect([off.status, off.body.error.code]).toEqual([409, 'deal_closed'])
    expect(validation(await addStop(tour.id, { bookingId: mine.requestId, holdId: mine.holdId }))).toContain('bookingId')
    expect(validation(await addStop(tour.id, { date: day(3), kind: 'pencil' }))).toContain('cityId')
    expect(validation(await addStop(tour.id, { date: day(3), kind: 'show' }))).toContain('kind')
    expect(validation(await addStop(tour.id, { holdId: mine.holdId, date: day(3) }))).toContain('date')
    expect(validation(await addStop(tour.id, { date: '2031-02-30', kind: 'day_off' }))).toContain('date')
    expect((await h.app.db.tour.count()) - before.tours).toBe(2)
    expect((await h.app.db.tourStop.count()) - before.stops).toBe(0)

    // The database keeps a show's deal to the tour's artist whatever the code does.
    await expect(
      h.app.db.tourStop.create({
        data: {
          tourId: tour.id,
          artistId,
          date: new Date(`${day(2)}T00:00:00Z`),
          position: 9,
          kind: 'show',
          requestId: theirs.requestId,
          createdByUserId: dealer.userId,
        },
      }),
    ).rejects.toThrow()
  })

  it('orders stops within a day: inserting at a position shifts the others, moving and removing close the gap', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const a = (await addStop(tour.id, { date: day(3), kind: 'travel', label: 'a' })).body.data
    const b = (await addStop(tour.id, { date: day(3), kind: 'promo', label: 'b' })).body.data
    const c = (await addStop(tour.id, { date: day(3), kind: 'rehearsal', label: 'c', position: 1 })).body.data
    const order = async () =>
      (await h.app.rest('GET', `/api/v1/tours/${tour.id}/stops`, { as: dealer })).body.data.map(
        (s: { label: string; position: number; date: string }) => `${s.date.slice(8)}:${s.position}:${s.label}`,
      )
    expect(await order()).toEqual(['03:1:c', '03:2:a', '03:3:b'])
    const moved = await h.app.rest('PATCH', `/api/v1/tour-stops/${b.id}`, { as: dealer, body: { position: 1 } })
    expect(moved.status, JSON.stringify(moved.body)).toBe(200)
    expect(await order()).toEqual(['03:1:b', '03:2:c', '03:3:a'])
    await h.app.rest('PATCH', `/api/v1/tour-stops/${c.id}`, { as: dealer, body: { date: day(4), kind: 'day_off' } })
    expect(await order()).toEqual(['03:1:b', '03:2:a', '04:1:c'])
    const removed = await h.app.rest('DELETE', `/api/v1/tour-stops/${b.id}`, { as: dealer })
    expect(removed.body.data).toEqual({ id: b.id, removed: true })
    expect(await order()).toEqual(['03:1:a', '04:1:c'])
    expect((await h.app.rest('DELETE', `/api/v1/tour-stops/${b.id}`, { as: dealer })).status).toBe(404)
    expect(a.id).toBeTruthy()
    // A show's day is its deal's.
    const booked = await deal(artistId, show(day(6)), 'madrid', 'booking')
    const s = (await addStop(tour.id, { bookingId: booked.bookingId })).body.data
    expect(validation(await h.app.rest('PATCH', `/api/v1/tour-stops/${s.id}`, { as: dealer, body: { date: day(7) } }))).toContain('date')
    const written = await h.app.db.outboxEvent.findMany({ where: { aggregateId: tour.id }, orderBy: { seq: 'asc' } })
    // Exactly the catalog's fields, every one of them (a removed stop is described from what it was).
    for (const e of written)
      expect(Object.keys(e.payload as object).sort(), e.eventType).toEqual(Object.keys(EVENTS[e.eventType]?.payload ?? {}).sort())
    const types = written.map((e) => e.eventType)
    expect(types.filter((t) => t === 'tour.stop.removed')).toHaveLength(1)
    expect(types.filter((t) => t === 'tour.stop.updated')).toHaveLength(2)
  })

  it('races end in one stop per deal and distinct positions, never a 500', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const other = await createTour(artistId, nextMonth())
    const hold = await deal(artistId, show(day(5)), 'madrid', 'hold')
    const racers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        h.app.rest('POST', `/api/v1/tours/${i % 2 ? other.id : tour.id}/stops`, { as: dealer, body: { holdId: hold.holdId } }),
      ),
    )
    expect(racers.filter((r) => r.status === 201)).toHaveLength(1)
    for (const r of racers.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409)
      expect(['deal_in_tour', 'deal_in_another_tour']).toContain(r.body.error.code)
    }
    expect(await h.app.db.tourStop.count({ where: { requestId: hold.requestId } })).toBe(1)

    const firsts = await Promise.all(
      Array.from({ length: 5 }, (_, i) => addStop(tour.id, { date: day(9), kind: 'promo', label: `p${i}`, position: 1 })),
    )
    expect(firsts.map((r) => r.status)).toEqual(Array(5).fill(201))
    const positions = (await h.app.db.tourStop.findMany({ where: { tourId: tour.id, date: new Date(`${day(9)}T00:00:00Z`) } })).map(
      (s) => s.position,
    )
    expect(positions.sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('replays a retried creation with the same Idempotency-Key', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const body = { artistId, name: 'Once', startsOn: day(1), endsOn: day(5) }
    const key = randomUUID()
    const first = await h.app.rest('POST', '/api/v1/tours', { as: dealer, body, headers: { 'idempotency-key': key } })
    const retry = await h.app.rest('POST', '/api/v1/tours', { as: dealer, body, headers: { 'idempotency-key': key } })
    expect(first.status).toBe(201)
    expect(retry.body.data.id).toBe(first.body.data.id)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await h.app.db.tour.count({ where: { artistId } })).toBe(1)
  })
})

describe('hostile input', () => {
  it('answers 400 with the fields, 404 for unknown ids, 409 for overlaps — on both faces, writing nothing', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const later = await createTour(artistId, nextMonth())
    const before = await counts()
    const patch = (body: unknown) => h.app.rest('PATCH', `/api/v1/tours/${tour.id}`, { as: dealer, body })
    expect(validation(await patch({ startsOn: day(28).replace(/\d\d$/, '29'), endsOn: day(2) }))).toContain('endsOn')
    expect(validation(await patch({ startsOn: '2099-12-31' }))).toContain('endsOn')
    expect(validation(await patch({ homeCityId: randomUUID() }))).toContain('homeCityId')
    expect(validation(await patch({ detourFactor: 0.5, avgSpeedKmh: 0, radiusClause: 'loud' }))).toEqual(
      expect.arrayContaining(['detourFactor', 'avgSpeedKmh', 'radiusClause']),
    )
    expect(validation(await patch({ name: '   ' }))).toContain('name')
    const overlap = await h.app.rest('PATCH', `/api/v1/tours/${later.id}`, { as: dealer, body: { startsOn: day(20) } })
    expect([overlap.status, overlap.body.error.code]).toEqual([409, 'tour_overlaps'])
    expect((await h.app.rest('GET', '/api/v1/tours/not-a-uuid', { as: dealer })).status).toBe(400)
    expect((await h.app.rest('GET', `/api/v1/tours/${randomUUID()}/routing`, { as: dealer })).status).toBe(404)
    expect(validation(await h.app.rest('GET', '/api/v1/tours?status=bogus&from=2031-13-01', { as: dealer }))).toEqual(
      expect.arrayContaining(['status', 'from']),
    )
    expect(validation(await h.app.rest('POST', `/api/v1/tours/${tour.id}/routing/preview`, { as: dealer, body: {} }))).toEqual(
      expect.arrayContaining(['date', 'kind']),
    )
    expect(validation(await h.app.rest('POST', `/api/v1/tours/${tour.id}/cancel`, { as: dealer, body: { reason: '  ' } }))).toContain(
      'reason',
    )
    expect(
      validation(
        await h.app.rest('POST', '/api/v1/tours', { as: dealer, body: { artistId, name: 'x', startsOn: day(5), endsOn: day(1) } }),
      ),
    ).toContain('endsOn')
    expect(
      (
        await h.app.rest('POST', '/api/v1/tours', {
          as: dealer,
          body: { artistId: randomUUID(), name: 'x', startsOn: day(1), endsOn: day(2) },
        })
      ).status,
    ).toBe(404)
    expect((await h.app.rest('PATCH', `/api/v1/tour-stops/${randomUUID()}`, { as: dealer, body: { label: 'x' } })).status).toBe(404)

    const gql = async (query: string, variables: Record<string, unknown>) =>
      (await h.app.graphql(query, variables, { as: dealer })).errors?.[0]?.extensions
    expect(await gql('query($id: ID!) { tour(id: $id) { id } }', { id: 'nope' })).toMatchObject({ code: 'BAD_USER_INPUT' })
    expect(await gql('query($id: ID!) { tour(id: $id) { id } }', { id: randomUUID() })).toMatchObject({ code: 'NOT_FOUND' })
    expect(
      await gql('mutation($t: ID!, $i: TourStopInput!) { addTourStop(tourId: $t, input: $i) { id } }', {
        t: tour.id,
        i: { kind: 'SHOW', date: day(3) },
      }),
    ).toMatchObject({ code: 'BAD_USER_INPUT' })
    expect(
      await gql('mutation($t: ID!, $i: TourPatch!) { updateTour(id: $t, input: $i) { id } }', { t: tour.id, i: { maxLegKm: -1 } }),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
    })
    expect(await counts()).toEqual(before)
  })
})

describe('routing', () => {
  it('computes legs (distance, drive time, days, time-zone shift) and every kind of issue', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day, { maxLegKm: 700, maxConsecutiveShows: 2, maxDriveMinutes: 480 })
    // Barcelona (a radius clause: 200 km, 10 days either side) → Lisbon (too far, too little time) → Valencia
    // (doubles back) → Valencia again the same day → Madrid on hold #2; another booking of the artist in Barcelona.
    const clause = await deal(artistId, show(day(2)), 'barcelona', 'booking', { radiusKm: 200, radiusDaysBefore: 10, radiusDaysAfter: 10 })
    const lisbon = await deal(artistId, show(day(3), 14), 'lisbon', 'booking')
    const valencia = await deal(artistId, show(day(4)), 'valencia', 'hold')
    const sameDay = await deal(artistId, show(day(4), 12, 1), 'valencia', 'request')
    await deal(artistId, show(day(6)), 'madrid', 'hold')
    const second = await deal(artistId, show(day(6)), 'madrid', 'hold')
    await deal(artistId, show(day(8)), 'barcelona', 'booking')
    for (const body of [
      { bookingId: clause.bookingId },
      { bookingId: lisbon.bookingId },
      { holdId: valencia.holdId },
      { requestId: sameDay.requestId },
      { holdId: second.holdId },
    ])
      expect((await addStop(tour.id, body)).status).toBe(201)

    const r = await h.app.rest('GET', `/api/v1/tours/${tour.id}/routing`, { as: dealer })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const [first] = r.body.data.legs
    expect(first).toMatchObject({ daysBetween: 1, tzShiftMinutes: -60, source: 'haversine' })
    expect(first.distanceKm).toBeGreaterThan(1200)
    expect(first.distanceKm).toBeLessThan(1300)
    expect(first.driveMinutes).toBe(Math.round((first.distanceKm / 75) * 60))
    const kinds = new Set(r.body.data.issues.map((i: { kind: string }) => i.kind))
    for (const kind of [
      'leg_too_long',
      'drive_too_long',
      'impossible_leg',
      'too_many_consecutive_shows',
      'double_date',
      'backtrack',
      'radius_clause',
      'hold_not_first',
    ])
      expect(kinds, kind).toContain(kind)
    const radius = r.body.data.issues.find((i: { kind: string }) => i.kind === 'radius_clause')
    expect(radius).toMatchObject({ severity: 'warning', requestIds: [clause.requestId, expect.any(String)] })

    // Rules decide: radius-clause conflicts can be errors or ignored; no limits, fewer issues.
    await h.app.rest('PATCH', `/api/v1/tours/${tour.id}`, {
      as: dealer,
      body: { radiusClause: 'ignore', maxLegKm: null, maxConsecutiveShows: null, maxDriveMinutes: null },
    })
    const relaxed = new Set(
      (await h.app.rest('GET', `/api/v1/tours/${tour.id}/routing`, { as: dealer })).body.data.issues.map((i: { kind: string }) => i.kind),
    )
    expect([...relaxed].sort()).toEqual(['backtrack', 'double_date', 'hold_not_first', 'impossible_leg'])
  })

  it('previews a candidate stop without writing anything, on both faces', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const madrid = await deal(artistId, show(day(2)), 'madrid', 'booking')
    const offer = await deal(artistId, show(day(4)), 'bilbao', 'request')
    await addStop(tour.id, { bookingId: madrid.bookingId })
    const before = await counts()
    const sqlBefore = h.app.sql.length

    const pencil = await h.app.rest('POST', `/api/v1/tours/${tour.id}/routing/preview`, {
      as: dealer,
      body: { date: day(3), kind: 'pencil', cityId: cities.valencia.id },
    })
    expect(pencil.status, JSON.stringify(pencil.body)).toBe(200)
    expect(pencil.body.data.legs).toHaveLength(1)
    expect(pencil.body.data.legs[0].toStopId).toBe(pencil.body.data.candidateStopId)
    const whatIf = await h.app.graphql(
      `query($t: ID!, $c: TourStopInput!) { routingPreview(tourId: $t, candidate: $c) { candidateStopId legs { toStopId daysBetween } issues { kind } } }`,
      { t: tour.id, c: { requestId: offer.requestId } },
      { as: dealer },
    )
    expect(whatIf.errors).toBeUndefined()
    expect(whatIf.data.routingPreview.legs).toEqual([{ toStopId: whatIf.data.routingPreview.candidateStopId, daysBetween: 2 }])

    expect(await counts()).toEqual(before)
    const writes = h.app.sql.slice(sqlBefore).filter((s) => /^\s*(INSERT|UPDATE|DELETE)/i.test(s))
    expect(writes).toEqual([])
    expect((await h.app.rest('GET', `/api/v1/tours/${tour.id}/stops`, { as: dealer })).body.data).toHaveLength(1)
  })

  it('reads routing in at most 3 statements, whatever the number of stops', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const statements = async () => {
      const start = h.app.sql.length
      const r = await h.app.rest('GET', `/api/v1/tours/${tour.id}/routing`, { as: dealer })
      expect(r.status).toBe(200)
      return h.app.sql.slice(start).filter((s) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(s)).length
    }
    await addStop(tour.id, { date: day(2), kind: 'pencil', cityId: cities.madrid.id })
    const small = await statements()
    for (const [d, city] of [
      [3, 'valencia'],
      [4, 'barcelona'],
      [5, 'bilbao'],
    ] as const)
      await addStop(tour.id, { date: day(d), kind: 'pencil', cityId: cities[city].id })
    await addStop(tour.id, { bookingId: (await deal(artistId, show(day(7)), 'lisbon', 'booking')).bookingId })
    const large = await statements()
    expect(large).toBe(small)
    expect(large).toBeLessThanOrEqual(3)
  })
})

describe('who sees and who writes', () => {
  it("the management company reads the artist's tours and never writes; outsiders get 404 / NOT_FOUND / null", async () => {
    const artistId = await representedArtist()
    await manage(manager, artistId)
    const day = nextMonth()
    const tour = await createTour(artistId, day)
    const booked = await deal(artistId, show(day(2)), 'madrid', 'booking')
    const stop = (await addStop(tour.id, { bookingId: booked.bookingId })).body.data
    const reads = [`/api/v1/tours/${tour.id}`, `/api/v1/tours/${tour.id}/stops`, `/api/v1/tours/${tour.id}/routing`]
    for (const path of reads) {
      expect((await h.app.rest('GET', path, { as: manager })).status, path).toBe(200)
      expect((await h.app.rest('GET', path, { as: outsider })).status, path).toBe(404)
    }
    const listed = async (as: Session) =>
      (await h.app.rest('GET', `/api/v1/tours?artistId=${artistId}`, { as })).body.data.items.map((t: { id: string }) => t.id)
    expect(await listed(manager)).toEqual([tour.id])
    expect(await listed(outsider)).toEqual([])
    expect(
      (await h.app.rest('POST', `/api/v1/tours/${tour.id}/routing/preview`, { as: outsider, body: { date: day(3), kind: 'day_off' } }))
        .status,
    ).toBe(404)

    const before = await counts()
    const writes: [string, string, unknown][] = [
      ['PATCH', `/api/v1/tours/${tour.id}`, { name: 'Mine now' }],
      ['POST', `/api/v1/tours/${tour.id}/confirm`, undefined],
      ['POST', `/api/v1/tours/${tour.id}/cancel`, { reason: 'no' }],
      ['POST', `/api/v1/tours/${tour.id}/stops`, { date: day(3), kind: 'day_off' }],
      ['PATCH', `/api/v1/tour-stops/${stop.id}`, { label: 'x' }],
      ['DELETE', `/api/v1/tour-stops/${stop.id}`, undefined],
    ]
    for (const [method, path, body] of writes) {
      const m = await h.app.rest(method, path, { as: manager, body })
      expect([m.status, m.body.error.code], `manager ${method} ${path}`).toEqual([403, 'not_representing'])
      expect((await h.app.rest(method, path, { as: outsider, body })).status, `outsider ${method} ${path}`).toBe(404)
    }
    const create = await h.app.rest('POST', '/api/v1/tours', {
      as: manager,
      body: { artistId, name: 'No', startsOn: day(1), endsOn: day(2) },
    })
    expect([create.status, create.body.error.code]).toEqual([403, 'not_representing'])
    expect(await counts()).toEqual(before)

    // The promoter of the booking has no tour permission: 403 on REST, null with FORBIDDEN on GraphQL.
    expect((await h.app.rest('GET', `/api/v1/tours/${tour.id}`, { as: promoter })).status).toBe(403)
    const viaBooking = await h.app.graphql(
      `query($b: ID!) { booking(id: $b) { id tour { id } } }`,
      { b: booked.bookingId },
      { as: promoter },
    )
    expect(viaBooking.data.booking).toEqual({ id: booked.bookingId, tour: null })
    expect(viaBooking.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')

    const q = `query($id: ID!) { tour(id: $id) { id name stops { kind state } } }`
    expect((await h.app.graphql(q, { id: tour.id }, { as: manager })).data.tour.stops).toEqual([{ kind: 'SHOW', state: 'CONFIRMED' }])
    const hidden = await h.app.graphql(q, { id: tour.id }, { as: outsider })
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
    const entities = await h.app.graphql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tour { id name } } }`,
      { r: [{ __typename: 'Tour', id: tour.id }] },
      { as: outsider },
    )
    expect(entities.data._entities).toEqual([null])
  })
})

describe('GraphQL', () => {
  it('builds a tour, reaches Booking.tour.routing, Artist.tours and Agency.tours, with fragments and @include', async () => {
    const artistId = await representedArtist()
    const day = nextMonth()
    const created = await h.app.graphql(
      `mutation($i: TourInput!) { createTour(input: $i) { id status phase startsOn radiusClause artist { id } agency { id } } }`,
      { i: { artistId, name: 'Iberia', startsOn: day(1), endsOn: day(20), radiusClause: 'ERROR', maxLegKm: 500 } },
      { as: dealer },
    )
    expect(created.errors).toBeUndefined()
    const tour = created.data.createTour
    expect(tour).toMatchObject({
      status: 'DRAFT',
      phase: 'UPCOMING',
      startsOn: day(1),
      radiusClause: 'ERROR',
      artist: { id: artistId },
      agency: { id: dealer.agencyId },
    })
    const a = await deal(artistId, show(day(2)), 'madrid', 'booking')
    const b = await deal(artistId, show(day(3)), 'lisbon', 'booking')
    for (const bookingId of [a.bookingId, b.bookingId]) {
      const added = await h.app.graphql(
        `mutation($t: ID!, $i: TourStopInput!) { addTourStop(tourId: $t, input: $i) { id kind state bookingId city { name } } }`,
        { t: tour.id, i: { bookingId } },
        { as: dealer },
      )
      expect(added.errors).toBeUndefined()
      expect(added.data.addTourStop).toMatchObject({ kind: 'SHOW', state: 'CONFIRMED', bookingId })
    }
    const q = `fragment Leg on RoutingLeg { distanceKm tzShiftMinutes }
      query($b: ID!, $withIssues: Boolean!) { booking(id: $b) { tour { id routing { legs { ...Leg } issues @include(if: $withIssues) { kind severity } } } } }`
    const read = await h.app.graphql(q, { b: a.bookingId, withIssues: true }, { as: dealer })
    expect(read.errors).toBeUndefined()
    expect(read.data.booking.tour.id).toBe(tour.id)
    expect(read.data.booking.tour.routing.legs[0].tzShiftMinutes).toBe(-60)
    expect(read.data.booking.tour.routing.issues).toContainEqual({ kind: 'LEG_TOO_LONG', severity: 'ERROR' })
    const without = await h.app.graphql(q, { b: a.bookingId, withIssues: false }, { as: dealer })
    expect(without.data.booking.tour.routing.issues).toBeUndefined()

    const nested = await h.app.graphql(
      `query($a: ID!) { artist(id: $a) { tours { id } } tours(first: 5, filter: { artistId: $a }) { totalCount edges { node { id agency { tours { id } } } } } }`,
      { a: artistId },
      { as: dealer },
    )
    expect(nested.errors).toBeUndefined()
    expect(nested.data.artist.tours).toEqual([{ id: tour.id }])
    expect(nested.data.tours.totalCount).toBe(1)
    expect(nested.data.tours.edges[0].node.agency.tours.map((t: { id: string }) => t.id)).toContain(tour.id)

    const cancelled = await h.app.graphql(
      `mutation($id: ID!, $i: CancelTourInput!) { cancelTour(id: $id, input: $i) { status cancelReason bookings { id status } } }`,
      { id: tour.id, i: { reason: 'the promoter folded' } },
      { as: dealer, headers: { 'idempotency-key': randomUUID() } },
    )
    expect(cancelled.errors).toBeUndefined()
    expect(cancelled.data.cancelTour).toEqual({
      status: 'CANCELLED',
      cancelReason: 'the promoter folded',
      bookings: [
        { id: a.bookingId, status: 'CONFIRMED' },
        { id: b.bookingId, status: 'CONFIRMED' },
      ],
    })
    const moved = await h.app.graphql(`mutation($id: ID!) { confirmTour(id: $id) { status confirmedAt } }`, { id: tour.id }, { as: dealer })
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'invalid_transition' })
  })

  it('resolves Tour entities with stops and routing in the same number of statements for 2 and 6 tours', async () => {
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      const artistId = await representedArtist()
      const day = nextMonth()
      const tour = await createTour(artistId, day)
      await addStop(tour.id, { date: day(2), kind: 'pencil', cityId: cities.madrid.id })
      await addStop(tour.id, { bookingId: (await deal(artistId, show(day(4)), 'valencia', 'booking')).bookingId })
      ids.push(tour.id)
    }
    const run = async (n: number) => {
      const start = h.app.sql.length
      const r = await h.app.graphql(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tour { id name artist { name } stops { state city { name } } bookings { id } routing { legs { distanceKm } issues { kind } } } } }`,
        { r: ids.slice(0, n).map((id) => ({ __typename: 'Tour', id })) },
        { as: dealer },
      )
      expect(r.errors).toBeUndefined()
      expect(r.data._entities.every((t: { stops: unknown[] } | null) => t && t.stops.length === 2)).toBe(true)
      return h.app.sql.slice(start).filter((s) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(s)).length
    }
    const small = await run(2)
    const large = await run(6)
    expect(large).toBe(small)
    console.log(`_entities Tour with stops and routing: ${small} SQL statements for 2 tours, ${large} for 6`)
  })
})

function validation(r: { status: number; body: { error: { code: string; fields?: { field: string }[] } } }) {
  expect(r.status, JSON.stringify(r.body)).toBe(400)
  expect(r.body.error.code).toBe('validation_error')
  return (r.body.error.fields ?? []).map((f) => f.field)
}
