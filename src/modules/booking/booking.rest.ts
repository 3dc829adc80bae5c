import { IdParams, route } from '../../rest/route.ts'
import { viewSchema, type JsonSchema } from '../../rest/schemas.ts'
import type { RequestContext } from '../../context.ts'
import type { Prisma } from '../../generated/prisma/client.ts'
import { withActions } from './actions.rest.ts'
import {
  BOOKING_ACTIONS,
  BookingFilter,
  bookings,
  CancelInput,
  ChallengeInput,
  HOLD_ACTIONS,
  HoldFilter,
  holds,
} from './bookings.service.ts'
import { bookingsSeen } from './parties.ts'
import { CounterInput, OFFER_ACTIONS, OfferFilter, OfferInput, offers } from './negotiation.service.ts'
import { BookingRequestFilter, BookingRequestInput, bookingRequests, CloseInput, REQUEST_ACTIONS } from './requests.service.ts'
import { expireDue } from './pipeline.ts'
import { BookingDetailView, BookingView, HoldView, OfferView, RequestDetailView, RequestView } from './views.ts'

const nullableString = (description: string): JsonSchema => ({ type: ['string', 'null'], description })
const eventTime = {
  timezone: nullableString("The event's IANA time zone (its city's)"),
  localStartsAt: nullableString('The start on the wall clock of the event, ISO 8601 with the offset then'),
  localEndsAt: nullableString('The end on the wall clock of the event, ISO 8601 with the offset then'),
}

const tag = 'Booking pipeline'
const request = withActions(viewSchema('BookingRequest', RequestView), REQUEST_ACTIONS)
const offer = withActions(viewSchema('BookingOffer', OfferView), OFFER_ACTIONS)
const hold = withActions(viewSchema('BookingHold', HoldView), HOLD_ACTIONS)
const booking = withActions(viewSchema('Booking', BookingView), BOOKING_ACTIONS, eventTime)
const bookingDetail = withActions(viewSchema('Booking', BookingDetailView), BOOKING_ACTIONS, eventTime)
const requestDetail = withActions(viewSchema('BookingRequest', RequestDetailView), REQUEST_ACTIONS, {
  offers: { type: 'array', items: offer },
  holds: { type: 'array', items: withActions(viewSchema('BookingHold'), HOLD_ACTIONS) },
  booking: { anyOf: [withActions(viewSchema('Booking', { city: true }), BOOKING_ACTIONS, eventTime), { type: 'null' }] },
})

type RequestDetail = Prisma.BookingRequestGetPayload<{ include: typeof RequestDetailView }>

/** A request with its negotiation, holds and booking, each with what the caller may do now. */
async function requestDetailView(ctx: RequestContext, r: RequestDetail) {
  return {
    ...(await bookingRequests.view(ctx, r)),
    offers: await Promise.all(r.offers.map((o) => offers.view(ctx, o))),
    holds: await Promise.all(r.holds.map((h) => holds.view(ctx, h))),
    booking: r.booking && (await bookingsSeen(ctx, 'requestId', [r.id]))[0] ? await bookings.view(ctx, r.booking) : null,
  }
}

export const bookingRoutes = [
  route({
    method: 'POST',
    url: '/api/v1/booking-requests',
    tag,
    summary: 'Send a booking request to the agency representing the artist (promoter side)',
    access: 'bookings.manage',
    body: BookingRequestInput,
    status: 201,
    response: request,
    handler: async ({ ctx, body }) => bookingRequests.view(ctx, await bookingRequests.create(ctx, body)),
  }),
  route({
    method: 'GET',
    url: '/api/v1/booking-requests',
    tag,
    summary: 'Requests inbox (agency) or outbox (promoter), newest first',
    access: 'bookings.read',
    list: true,
    query: BookingRequestFilter,
    response: request,
    handler: async ({ ctx, query, page }) => {
      const listing = await bookingRequests.list(ctx, query, page, { include: RequestView })
      return { ...listing, items: await Promise.all(listing.items.map((r) => bookingRequests.view(ctx, r))) }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/booking-requests/:id',
    tag,
    summary: 'A request with its negotiation (offers by version), holds and booking',
    access: 'bookings.read',
    params: IdParams,
    response: requestDetail,
    handler: async ({ ctx, params }) =>
      requestDetailView(ctx, (await bookingRequests.get(ctx, params.id, { include: RequestDetailView })) as RequestDetail),
  }),
  route({
    method: 'GET',
    url: '/api/v1/booking-requests/:id/activity',
    tag,
    summary: "A pipeline's activity: every transition, who and when, oldest first",
    access: 'bookings.read',
    params: IdParams,
    response: { type: 'array', items: viewSchema('BookingActivity') },
    handler: ({ ctx, params }) => bookingRequests.activity(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/booking-requests/:id/decline',
    tag,
    summary: 'Decline a request (agency side)',
    access: 'bookings.manage',
    params: IdParams,
    body: CloseInput,
    response: request,
    handler: async ({ ctx, params, body }) =>
      bookingRequests.view(ctx, await bookingRequests.decline(ctx, params.id, body, { include: RequestView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/booking-requests/:id/withdraw',
    tag,
    summary: 'Withdraw a request (promoter side)',
    access: 'bookings.manage',
    params: IdParams,
    body: CloseInput,
    response: request,
    handler: async ({ ctx, params, body }) =>
      bookingRequests.view(ctx, await bookingRequests.withdraw(ctx, params.id, body, { include: RequestView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/booking-requests/:id/offers',
    tag,
    summary: 'Answer a request with an offer (agency side)',
    access: 'bookings.manage',
    params: IdParams,
    body: OfferInput,
    status: 201,
    response: offer,
    handler: async ({ ctx, params, body }) => offers.view(ctx, await offers.make(ctx, params.id, body)),
  }),
  route({
    method: 'GET',
    url: '/api/v1/booking-offers',
    tag,
    summary: 'Offers the caller is party to, newest first',
    access: 'bookings.read',
    list: true,
    query: OfferFilter,
    response: offer,
    handler: async ({ ctx, query, page }) => {
      const listing = await offers.list(ctx, query, page, { include: OfferView })
      return { ...listing, items: await Promise.all(listing.items.map((o) => offers.view(ctx, o))) }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/booking-offers/:id',
    tag,
    summary: 'An offer with its holds and the actions the caller may take',
    access: 'bookings.read',
    params: IdParams,
    response: offer,
    handler: async ({ ctx, params }) => offers.view(ctx, await offers.get(ctx, params.id, { include: OfferView })),
  }),
  ...(['accept', 'decline', 'withdraw', 'counter'] as const).map((action) =>
    route({
      method: 'POST',
      url: `/api/v1/booking-offers/:id/${action}`,
      tag,
      summary: {
        accept: 'Accept the latest offer (the side that did not make it): a hold is placed on the date',
        decline: 'Decline the latest offer (the side that did not make it): the negotiation ends',
        withdraw: 'Withdraw your own open offer: the negotiation ends',
        counter: 'Counter the latest offer (the next version): the fields sent change, the rest is carried over',
      }[action],
      access: 'bookings.manage',
      params: IdParams,
      body: action === 'counter' ? CounterInput : CloseInput,
      status: action === 'counter' ? 201 : 200,
      response: offer,
      handler: async ({ ctx, params, body }) => {
        const o =
          action === 'counter'
            ? await offers.counter(ctx, params.id, body, { include: OfferView })
            : action === 'accept'
              ? await offers.accept(ctx, params.id)
              : await offers[action](ctx, params.id, body, { include: OfferView })
        return offers.view(ctx, o)
      },
    }),
  ),
  route({
    method: 'GET',
    url: '/api/v1/booking-holds',
    tag,
    summary: 'Holds the caller is party to, by date',
    access: 'bookings.read',
    list: true,
    query: HoldFilter,
    response: hold,
    handler: async ({ ctx, query, page }) => {
      const listing = await holds.list(ctx, query, page, { include: HoldView })
      return { ...listing, items: await Promise.all(listing.items.map((h) => holds.view(ctx, h))) }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/booking-holds/:id',
    tag,
    summary: 'A hold',
    access: 'bookings.read',
    params: IdParams,
    response: hold,
    handler: async ({ ctx, params }) => holds.view(ctx, await holds.get(ctx, params.id, { include: HoldView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/booking-holds/:id/confirm',
    tag,
    summary: "Confirm a hold into a booking (agency side); the artist's competing holds are released",
    description:
      'Only the first-ranked hold on its dates confirms (409 hold_outranked otherwise, until the holds above are gone or a challenge against them lapses). A confirmed booking never overlaps another of the artist: the loser of a race gets 409 artist_already_booked or invalid_transition.',
    access: 'bookings.manage',
    params: IdParams,
    status: 201,
    response: booking,
    handler: async ({ ctx, params }) => bookings.view(ctx, await holds.confirm(ctx, params.id)),
  }),
  route({
    method: 'POST',
    url: '/api/v1/booking-holds/:id/challenge',
    tag,
    summary: 'Challenge the holds ranked above this one (either side of this hold): they confirm or release by a deadline',
    description:
      'Each hold above gets a deadline (default 48 h, at most its event). Past it, the hold is released whoever reads or acts first, and this hold moves up. 409 nothing_to_challenge when no hold ranks above, challenge_pending when all are already challenged.',
    access: 'bookings.manage',
    params: IdParams,
    body: ChallengeInput,
    response: hold,
    handler: async ({ ctx, params, body }) => holds.view(ctx, await holds.challenge(ctx, params.id, body, { include: HoldView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/booking-holds/:id/release',
    tag,
    summary: 'Release a hold (either side)',
    access: 'bookings.manage',
    params: IdParams,
    body: CloseInput,
    response: hold,
    handler: async ({ ctx, params, body }) => holds.view(ctx, await holds.release(ctx, params.id, body, { include: HoldView })),
  }),
  route({
    method: 'GET',
    url: '/api/v1/bookings',
    tag,
    summary: 'Bookings the caller is party to, by date; filtered by counterparty (promoterOrgId, agencyId), venue or city',
    access: 'bookings.read',
    list: true,
    query: BookingFilter,
    response: booking,
    handler: async ({ ctx, query, page }) => {
      const listing = await bookings.list(ctx, query, page, { include: BookingView })
      return { ...listing, items: await Promise.all(listing.items.map((b) => bookings.view(ctx, b))) }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/bookings/:id',
    tag,
    summary: 'A booking with its terms, hold and activity',
    access: 'bookings.read',
    params: IdParams,
    response: bookingDetail,
    handler: async ({ ctx, params }) => bookings.view(ctx, await bookings.get(ctx, params.id, { include: BookingDetailView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/bookings/:id/cancel',
    tag,
    summary: 'Cancel a confirmed booking, with the reason (either side)',
    access: 'bookings.manage',
    params: IdParams,
    body: CancelInput,
    response: booking,
    handler: async ({ ctx, params, body }) => bookings.view(ctx, await bookings.cancel(ctx, params.id, body, { include: BookingView })),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/bookings/sweep-expired',
    tag: 'Booking pipeline (platform)',
    summary: 'Write as expired every offer, hold and request past its time (correctness never depends on it)',
    access: 'platform.operate',
    response: { type: 'object', properties: { expired: { type: 'integer' } }, required: ['expired'] },
    handler: async ({ ctx }) => ({ expired: await expireDue(ctx.db, 'all', ctx.clock.now()) }),
  }),
]
