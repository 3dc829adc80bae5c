// After a handover the tour's former owner still reads the tour (touring README), but not the new agency's deals:
// the shows the new agency puts on it, and its engagements around the tour, are left out of the stops, the routing
// and the day sheet it reads, and out of its activity.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { activityAbout } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const DAY = 86_400_000
const h = useHarness()
let former: AgencySession
let newcomer: AgencySession
let promoter: Session
const { representedArtist, booked, held, request, handedOver } = pipelines(
  () => h.app,
  () => former,
)
let cities: Record<'madrid' | 'valencia', { id: string; countryCode: string; name: string }>

/** A show of the artist booked through `by` in a city, with the offer's terms (a radius clause). */
async function bookedIn(
  by: AgencySession,
  artistId: string,
  when: { startsAt: string; endsAt: string },
  city: keyof typeof cities,
  terms = {},
) {
  const c = cities[city]
  const req = await request(promoter, artistId, when, { cityId: c.id, countryCode: c.countryCode, city: c.name })
  const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: by, body: { ...flat, ...terms } })
  expect(offer.status, JSON.stringify(offer.body)).toBe(201)
  expect((await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })).status).toBe(200)
  const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: by })
  const booking = await h.app.rest('POST', `/api/v1/booking-holds/${detail.body.data.holds[0].id}/confirm`, { as: by })
  expect(booking.status, JSON.stringify(booking.body)).toBe(201)
  return { id: booking.body.data.id as string, requestId: req.id as string }
}

beforeAll(async () => {
  former = await agencySession(h.auth, h.app.db)
  newcomer = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const es = await h.app.db.country.create({ data: { code: 'ES', name: 'Spain' } })
  const city = async (name: string, latitude: number, longitude: number) => ({
    id: (await h.app.db.city.create({ data: { name, countryId: es.id, latitude, longitude, timezone: 'Europe/Madrid' } })).id,
    countryCode: 'ES',
    name,
  })
  cities = { madrid: await city('Madrid', 40.4168, -3.7038), valencia: await city('Valencia', 39.4699, -0.3763) }
})

describe("a tour's former owner", () => {
  it("reads its tour without the new agency's shows and engagements, on both faces and in its activity", async () => {
    const artistId = await representedArtist(former)
    const [ownShow, heldShow, tourShow] = [nextSlot(40), nextSlot(40), nextSlot(40)]
    const own = await bookedIn(former, artistId, ownShow, 'madrid')
    const day = (slot: { startsAt: string }) => slot.startsAt.slice(0, 10)
    const tour = await h.app.rest('POST', '/api/v1/tours', {
      as: former,
      body: { artistId, name: 'Spring run', startsOn: day(ownShow), endsOn: day(tourShow) },
    })
    expect(tour.status, JSON.stringify(tour.body)).toBe(201)
    const tourId = tour.body.data.id as string
    expect((await h.app.rest('POST', `/api/v1/tours/${tourId}/stops`, { as: former, body: { bookingId: own.id } })).status).toBe(201)
    // A show still on hold when the artist is handed over: the newcomer confirms it, and the booking is the newcomer's.
    const { hold, requestId: heldRequest } = await held(promoter, artistId, heldShow)
    expect((await h.app.rest('POST', `/api/v1/tours/${tourId}/stops`, { as: former, body: { holdId: hold.id } })).status).toBe(201)

    await handedOver(artistId, newcomer, former)

    // The newcomer books two shows: one it puts on the tour, and one in Valencia the day after the former's Madrid show,
    // outside the tour, whose radius clause (400 km, 5 days) that show breaks: a routing issue for whoever sees both.
    const confirmedHold = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: newcomer })
    expect(confirmedHold.status, JSON.stringify(confirmedHold.body)).toBe(201)
    const heldBooking = confirmedHold.body.data.id as string
    const { booking: theirs } = await booked(promoter, artistId, tourShow, newcomer)
    const nextDay = (at: string) => new Date(Date.parse(at) + DAY).toISOString()
    const around = await bookedIn(
      newcomer,
      artistId,
      { startsAt: nextDay(ownShow.startsAt), endsAt: nextDay(ownShow.endsAt) },
      'valencia',
      {
        radiusKm: 400,
        radiusDaysBefore: 5,
        radiusDaysAfter: 5,
      },
    )
    const added = await h.app.rest('POST', `/api/v1/tours/${tourId}/stops`, { as: newcomer, body: { bookingId: theirs.id } })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect((await h.app.rest('GET', `/api/v1/bookings/${theirs.id}`, { as: former })).status).toBe(404)

    const stopsOf = async (as: Session) => {
      const rest = await h.app.rest('GET', `/api/v1/tours/${tourId}/stops`, { as })
      expect(rest.status, JSON.stringify(rest.body)).toBe(200)
      const gql = await h.app.graphql(
        `query($id: ID!) { tour(id: $id) { stops { id bookingId requestId } routing { issues { requestIds } } } }`,
        { id: tourId },
        { as },
      )
      expect(gql.errors).toBeUndefined()
      const t = (gql.data as { tour: { stops: { bookingId: string | null; requestId: string | null }[]; routing: unknown } }).tour
      expect(t.stops.map((s) => s.bookingId)).toEqual(rest.body.data.map((s: { bookingId: string | null }) => s.bookingId))
      const routing = await h.app.rest('GET', `/api/v1/tours/${tourId}/routing`, { as })
      expect(routing.status).toBe(200)
      return { bookingIds: t.stops.map((s) => s.bookingId), seen: JSON.stringify([t, routing.body.data]) }
    }
    const newcomers = await stopsOf(newcomer)
    expect(newcomers.bookingIds).toEqual([own.id, heldBooking, theirs.id])
    expect(newcomers.seen).toContain(around.requestId)

    const formers = await stopsOf(former)
    expect(formers.bookingIds).toEqual([own.id])
    for (const hidden of [heldBooking, theirs.id, theirs.requestId, around.id, around.requestId]) expect(formers.seen).not.toContain(hidden)

    const sheet = await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet?date=${day(tourShow)}`, { as: former })
    expect(sheet.status, JSON.stringify(sheet.body)).toBe(200)
    expect(JSON.stringify(sheet.body)).not.toContain(theirs.requestId)

    // Its activity tells it of the stops it added (before the handover), not of the newcomer's.
    const stopEvents = (await activityAbout(h.app, former, tourId)).filter((e) => e.type === 'tour.stop.added')
    expect(stopEvents.map((e) => e.payload.requestId)).toEqual([own.requestId, heldRequest])
  })
})
