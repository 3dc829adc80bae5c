// A booking is credited to the agency that confirmed it (booking README) and read as every pipeline is: after a
// handover the agency the request was sent to still reads the request and its holds, not the booking the new agency
// confirmed; neither the request's detail, nor a hold's or a request's `booking` on the graph, nor its activity shows it.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { activityAbout } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let former: AgencySession
let newcomer: AgencySession
let promoter: Session
const { representedArtist, held, handedOver } = pipelines(
  () => h.app,
  () => former,
)

beforeAll(async () => {
  former = await agencySession(h.auth, h.app.db)
  newcomer = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const eventsAbout = async (as: Session, subjectId: string) => (await activityAbout(h.app, as, subjectId)).map((e) => e.type)

describe('a booking confirmed after a handover', () => {
  it("is the new agency's and the promoter's, on every face and in their activity, not the former agency's", async () => {
    const artistId = await representedArtist(former)
    const { requestId, hold } = await held(promoter, artistId)

    await handedOver(artistId, newcomer, former)

    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: newcomer })
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201)
    const bookingId = confirmed.body.data.id as string
    expect(confirmed.body.data.agencyId).toBe(newcomer.agencyId)
    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${bookingId}/cancel`, { as: promoter, body: { reason: 'venue closed' } })
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)

    // The former agency still reads the request (it handled it), not the booking: 404, and left out of the request.
    const detail = await h.app.rest('GET', `/api/v1/booking-requests/${requestId}`, { as: former })
    expect(detail.status).toBe(200)
    expect(detail.body.data.booking).toBeNull()
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${requestId}`, { as: newcomer })).body.data.booking.id).toBe(bookingId)
    expect((await h.app.rest('GET', `/api/v1/bookings/${bookingId}`, { as: former })).status).toBe(404)
    const graph = async (as: Session) => {
      const r = await h.app.graphql(
        `query($r: ID!, $b: ID!) { bookingRequest(id: $r) { booking { id } holds { booking { id } } } booking(id: $b) { id } }`,
        { r: requestId, b: bookingId },
        { as },
      )
      const data = r.data as {
        bookingRequest: { booking: { id: string } | null; holds: { booking: { id: string } | null }[] }
        booking: unknown
      }
      return [
        data.bookingRequest.booking?.id ?? null,
        ...data.bookingRequest.holds.map((x) => x.booking?.id ?? null),
        data.booking ? bookingId : null,
      ]
    }
    expect(await graph(newcomer)).toEqual([bookingId, bookingId, bookingId])
    expect(await graph(former)).toEqual([null, null, null])
    const list = await h.app.rest('GET', `/api/v1/bookings?artistId=${artistId}`, { as: former })
    expect(list.body.data.items.map((b: { id: string }) => b.id)).not.toContain(bookingId)

    // The request's history as each reads it: the booking's own steps (its confirmation and cancellation) for its parties;
    // the request and its hold closing with it stay the request's.
    const history = async (as: Session) => {
      const rest = await h.app.rest('GET', `/api/v1/booking-requests/${requestId}/activity`, { as })
      expect(rest.status, JSON.stringify(rest.body)).toBe(200)
      const gql = await h.app.graphql(`query($r: ID!) { bookingRequest(id: $r) { activity { subject } } }`, { r: requestId }, { as })
      const subjects = (rest.body.data as { subject: string }[]).map((a) => a.subject)
      expect(
        (gql.data as { bookingRequest: { activity: { subject: string }[] } }).bookingRequest.activity.map((a) => a.subject.toLowerCase()),
      ).toEqual(subjects)
      return { subjects, text: JSON.stringify(rest.body.data) }
    }
    const newcomers = await history(newcomer)
    expect(newcomers.subjects.filter((x) => x === 'booking')).toHaveLength(2)
    const formers = await history(former)
    expect(formers.subjects).toEqual(newcomers.subjects.filter((x) => x !== 'booking'))
    expect(formers.text).not.toContain(bookingId)

    // The booking's events go to its parties: the promoter and the agency credited with it.
    expect(await eventsAbout(promoter, bookingId)).toEqual(['booking.confirmed', 'booking.cancelled'])
    expect(await eventsAbout(newcomer, bookingId)).toEqual(['booking.confirmed', 'booking.cancelled'])
    expect(await eventsAbout(former, bookingId)).toEqual([])
  })
})
