import { IdParams, route } from '../../rest/route.ts'
import { viewSchema, type JsonSchema } from '../../rest/schemas.ts'
import { BookingFilter, bookings, CancelInput, ChallengeInput, HoldFilter, holds } from './bookings.service.ts'
import { OfferFilter, OfferInput, offers } from './negotiation.service.ts'
import { BookingRequestFilter, BookingRequestInput, bookingRequests, CloseInput } from './requests.service.ts'
import { expireDue } from './pipeline.ts'
import { BookingDetailView, BookingView, HoldView, OfferView, RequestDetailView, RequestView } from './views.ts'

const withActions = (schema: JsonSchema): JsonSchema => ({
  allOf: [
    schema,
    {
      type: 'object',
      properties: {
        actions: {
          type: 'array',
          items: { type: 'string', enum: ['accept', 'counter', 'decline', 'withdraw'] },
          description: 'What the caller may do now',
        },
      },
      required: ['actions'],
    },
  ],
})

const tag = 'Booking pipeline'
const request = viewSchema('BookingRequest', RequestView)
const requestDetail = viewSchema('BookingRequest', RequestDetailView)
const offer = withActions(viewSchema('BookingOffer', OfferView))
const hold = viewSchema('BookingHold', HoldView)
const booking = viewSchema('Booking', BookingView)
const bookingDetail = viewSchema('Booking', BookingDetailView)

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
    handler: async ({ ctx, body }) => bookingRequests.create(ctx, body, { include: RequestView }),
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
    handler: ({ ctx, query, page }) => bookingRequests.list(ctx, query, page, { include: RequestView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/booking-requests/:id',
    tag,
    summary: 'A request with its negotiation (offers by version), holds and booking',
    access: 'bookings.read',
    params: IdParams,
    response: requestDetail,
    handler: ({ ctx, params }) => bookingRequests.get(ctx, params.id, { include: RequestDetailView }),
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
    handler: async ({ ctx, params, body }) => bookingRequests.decline(ctx, params.id, body, { include: RequestView }),
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
    handler: async ({ ctx, params, body }) => bookingRequests.withdraw(ctx, params.id, body, { include: RequestView }),
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
    handler: async ({ ctx, params, body }) => offers.view(ctx, await offers.make(ctx, params.id, body, { include: OfferView })),
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
        counter: 'Counter the latest offer with new terms (the next version)',
      }[action],
      access: 'bookings.manage',
      params: IdParams,
      body: action === 'counter' ? OfferInput : CloseInput,
      status: action === 'counter' ? 201 : 200,
      response: offer,
      handler: async ({ ctx, params, body }) => {
        const o =
          action === 'counter'
            ? await offers.counter(ctx, params.id, body, { include: OfferView })
            : action === 'accept'
              ? await offers.accept(ctx, params.id, { include: OfferView })
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
      return listing
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
    handler: async ({ ctx, params }) => holds.get(ctx, params.id, { include: HoldView }),
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
    handler: ({ ctx, params }) => holds.confirm(ctx, params.id, { include: BookingView }),
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
    handler: async ({ ctx, params, body }) => holds.challenge(ctx, params.id, body, { include: HoldView }),
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
    handler: async ({ ctx, params, body }) => holds.release(ctx, params.id, body, { include: HoldView }),
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
    handler: ({ ctx, query, page }) => bookings.list(ctx, query, page, { include: BookingView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/bookings/:id',
    tag,
    summary: 'A booking with its terms, hold and activity',
    access: 'bookings.read',
    params: IdParams,
    response: bookingDetail,
    handler: ({ ctx, params }) => bookings.get(ctx, params.id, { include: BookingDetailView }),
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
    handler: ({ ctx, params, body }) => bookings.cancel(ctx, params.id, body, { include: BookingView }),
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
