import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { IdParams, route } from '../../rest/route.ts'
import { modelComponents, viewSchema, type JsonSchema } from '../../rest/schemas.ts'
import { LogisticsCategory } from '../../generated/prisma/client.ts'
import { calendarFeeds, FeedInput, FeedToken, RotateInput } from './calendar.service.ts'
import { DaySheetQuery, ItemInput, ItemPatch, itinerary, ItineraryQuery, TourDaySheetQuery } from './itinerary.service.ts'
import { StopSchema } from '../touring/touring.rest.ts'
import {
  DecideInput,
  EditInput,
  ResubmitInput,
  SubmissionFilter,
  SubmissionInput,
  submissions,
  WithdrawInput,
} from './submissions.service.ts'

const str = { type: 'string' }
const instant = { type: 'string', format: 'date-time' }
const localInstant = (what: string) => ({ type: 'string', description: `${what} in the item's time zone, ISO 8601 with its offset` })

const item: JsonSchema = {
  allOf: [
    viewSchema('ItineraryItem'),
    {
      type: 'object',
      properties: {
        localStartsAt: localInstant('The start'),
        localEndsAt: { ...localInstant('The end'), nullable: true },
      },
      required: ['localStartsAt', 'localEndsAt'],
    },
  ],
}

const daySheet: JsonSchema = {
  type: 'object',
  properties: {
    bookingId: str,
    date: { type: 'string', format: 'date', description: 'The local day shown' },
    timezone: { type: 'string', description: "The booking's time zone (its city's; UTC when unknown)" },
    booking: {
      type: 'object',
      properties: {
        id: str,
        artistId: str,
        status: str,
        venueName: { type: 'string', nullable: true },
        startsAt: instant,
        endsAt: instant,
        localStartsAt: str,
        localEndsAt: str,
      },
    },
    items: { type: 'array', items: item, description: 'The items of the day the caller may see, in time order' },
  },
  required: ['bookingId', 'date', 'timezone', 'booking', 'items'],
}

const tourDaySheet: JsonSchema = {
  type: 'object',
  properties: {
    tourId: str,
    date: { type: 'string', format: 'date', description: 'The day shown' },
    stops: { type: 'array', items: StopSchema, description: 'The stops of the day, in order' },
    items: {
      type: 'array',
      items: item,
      description: "The items of that local day the caller may see (the tour day's and its shows' bookings'), in time order",
    },
  },
  required: ['tourId', 'date', 'stops', 'items'],
}

const submission: JsonSchema = {
  allOf: [
    viewSchema('LogisticsSubmission', { versions: true, events: true }),
    { type: 'object', properties: { overdue: { type: 'boolean', description: 'Submitted and past respondBy' } }, required: ['overdue'] },
  ],
}

const feed: JsonSchema = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      Object.entries((modelComponents().CalendarFeed?.properties ?? {}) as Record<string, JsonSchema>).filter(([k]) => k !== 'tokenHash'),
    ),
    status: { type: 'string', enum: ['active', 'revoked'] },
    token: { type: 'string', description: 'The secret (only in the answer that made it: store it, it is not shown again)' },
    url: { type: 'string', description: 'The feed path to subscribe to (only with the token)' },
  },
}

const BookingCategoryQuery = z.object({ category: z.enum(LogisticsCategory).optional() })
const logistics = 'Logistics'
const itineraryTag = 'Itinerary'
const calendarTag = 'Calendar feeds'

export const logisticsRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/bookings/:id/itinerary',
    tag: itineraryTag,
    summary: "The booking's itinerary items the caller may see (the promoter: those shared with it), in time order",
    access: 'itinerary.read',
    params: IdParams,
    query: ItineraryQuery,
    response: { type: 'array', items: item },
    handler: ({ ctx, params, query }) => itinerary.ofBooking(ctx, params.id, query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/bookings/:id/itinerary-items',
    tag: itineraryTag,
    summary: "Add an item to the booking's itinerary (the artist side working for the artist now)",
    description:
      "`timezone` defaults to the booking city's; without one it is required (400). 403 `not_representing`; 409 `booking_cancelled`.",
    access: 'itinerary.manage',
    params: IdParams,
    body: ItemInput,
    response: item,
    status: 201,
    handler: ({ ctx, params, body }) => itinerary.add(ctx, params.id, body),
  }),
  route({
    method: 'GET',
    url: '/api/v1/tour-stops/:id/itinerary-items',
    tag: itineraryTag,
    summary: "A tour day's itinerary items, in time order (the artist side's: a promoter or a company outside the tour gets 404)",
    access: 'itinerary.read',
    params: IdParams,
    response: { type: 'array', items: item },
    handler: ({ ctx, params }) => itinerary.ofStop(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/tour-stops/:id/itinerary-items',
    tag: itineraryTag,
    summary:
      'Add an item to a tour day without a show: travel, day off, rehearsal, promo or a pencil (the artist side working for the artist now)',
    description:
      "`timezone` defaults to the stop city's, else the tour's home city's; without either it is required (400). `visibility` stays `artist_side` (`shared`: 400). 403 `not_representing`; 409 `show_stop` (a show's items are its booking's), `tour_closed`.",
    access: 'itinerary.manage',
    params: IdParams,
    body: ItemInput,
    response: item,
    status: 201,
    handler: ({ ctx, params, body }) => itinerary.addToStop(ctx, params.id, body),
  }),
  route({
    method: 'GET',
    url: '/api/v1/tours/:id/day-sheet',
    tag: itineraryTag,
    summary:
      "A tour's day sheet: the day's stops, and that local day's items the caller may see (tour day's and shows' bookings'), in time order",
    access: 'tours.read',
    params: IdParams,
    query: TourDaySheetQuery,
    response: tourDaySheet,
    handler: ({ ctx, params, query }) => itinerary.tourDaySheet(ctx, params.id, query),
  }),
  route({
    method: 'GET',
    url: '/api/v1/itinerary-items/:id',
    tag: itineraryTag,
    summary: 'An itinerary item (404 outside the deal, and for a promoter when it is not shared)',
    access: 'itinerary.read',
    params: IdParams,
    response: item,
    handler: ({ ctx, params }) => itinerary.get(ctx, params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/itinerary-items/:id',
    tag: itineraryTag,
    summary: 'Edit an itinerary item: times, zone, title, confirmation, visibility',
    access: 'itinerary.manage',
    params: IdParams,
    body: ItemPatch,
    response: item,
    handler: ({ ctx, params, body }) => itinerary.update(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/itinerary-items/:id',
    tag: itineraryTag,
    summary: 'Remove an itinerary item',
    access: 'itinerary.manage',
    params: IdParams,
    response: { type: 'object', properties: { id: str, removed: { type: 'boolean' } } },
    handler: ({ ctx, params }) => itinerary.remove(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/bookings/:id/day-sheet',
    tag: itineraryTag,
    summary: 'The day sheet: the booking and the items of one local day the caller may see, in order, in local time',
    access: 'itinerary.read',
    params: IdParams,
    query: DaySheetQuery,
    response: daySheet,
    handler: ({ ctx, params, query }) => itinerary.daySheet(ctx, params.id, query),
  }),

  route({
    method: 'GET',
    url: '/api/v1/bookings/:id/logistics-submissions',
    tag: logistics,
    summary: "The booking's logistics submissions, newest first, with versions and log",
    access: 'logistics.read',
    params: IdParams,
    query: BookingCategoryQuery,
    response: { type: 'array', items: submission },
    handler: ({ ctx, params, query }) => submissions.ofBooking(ctx, params.id, query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/bookings/:id/logistics-submissions',
    tag: logistics,
    summary: 'The promoter of the booking drafts a proposal (or submits it at once with `submit: true`)',
    description:
      "The payload is validated by its category's schema (400 names `payload.<field>`). 409 `submission_open` while an open one exists for the booking, category and subject; 409 `booking_cancelled`.",
    access: 'logistics.submit',
    params: IdParams,
    body: SubmissionInput,
    response: submission,
    status: 201,
    handler: ({ ctx, params, body }) => submissions.create(ctx, params.id, body),
  }),
  route({
    method: 'GET',
    url: '/api/v1/logistics-submissions',
    tag: logistics,
    summary: 'The review inbox: submissions on the bookings the caller sees, the most urgent respondBy first',
    access: 'logistics.read',
    list: true,
    query: SubmissionFilter,
    response: submission,
    handler: ({ ctx, query, page }) => submissions.list(ctx, query, page),
  }),
  route({
    method: 'GET',
    url: '/api/v1/logistics-submissions/:id',
    tag: logistics,
    summary: 'A submission with its versions (payload and hash) and its log',
    access: 'logistics.read',
    params: IdParams,
    response: submission,
    handler: ({ ctx, params }) => submissions.get(ctx, params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/logistics-submissions/:id',
    tag: logistics,
    summary: 'The promoter edits its draft (a new payload is a new version)',
    access: 'logistics.submit',
    params: IdParams,
    body: EditInput,
    response: submission,
    handler: ({ ctx, params, body }) => submissions.edit(ctx, params.id, body),
  }),
  ...(
    [
      [
        'submit',
        'Submit the draft to the artist side',
        'logistics.submit',
        z.object({}),
        (ctx: RequestContext, id: string) => submissions.submit(ctx, id),
      ],
      ['resubmit', 'Send a new version after a change request', 'logistics.submit', ResubmitInput, submissions.resubmit],
      ['withdraw', 'The promoter withdraws an open submission', 'logistics.submit', WithdrawInput, submissions.withdraw],
      [
        'approve',
        'Approve the current version (by version and hash): supersedes the approved one of the subject',
        'logistics.decide',
        DecideInput,
        submissions.approve,
      ],
      ['reject', 'Reject the current version (by version and hash), with a note', 'logistics.decide', DecideInput, submissions.reject],
      [
        'request-changes',
        'Ask for changes on the current version (by version and hash), with a note',
        'logistics.decide',
        DecideInput,
        submissions.requestChanges,
      ],
    ] as const
  ).map(([verb, summary, access, body, act]) =>
    route({
      method: 'POST',
      url: `/api/v1/logistics-submissions/:id/${verb}`,
      tag: logistics,
      summary,
      description:
        '409 `invalid_transition` from a state that does not allow it; deciding on another version or hash than the current one: 409 `stale_version`.',
      access,
      params: IdParams,
      body,
      response: submission,
      handler: ({ ctx, params, body: input }) =>
        (act as (ctx: RequestContext, id: string, input: unknown) => Promise<unknown>)(ctx, params.id, input),
    }),
  ),

  route({
    method: 'GET',
    url: '/api/v1/calendar-feeds',
    tag: calendarTag,
    summary: "The calling user's iCal feeds in this company (tokens are never shown again)",
    access: 'calendar.subscribe',
    response: { type: 'array', items: feed },
    handler: ({ ctx }) => calendarFeeds.list(ctx),
  }),
  route({
    method: 'POST',
    url: '/api/v1/calendar-feeds',
    tag: calendarTag,
    summary: 'Create an iCal feed of an artist: the answer carries the secret token and URL, once',
    description:
      '404 for an artist the caller does not work with; 403 `financials_not_allowed` for `includeFinancials` without a finance permission.',
    access: 'calendar.subscribe',
    body: FeedInput,
    response: feed,
    status: 201,
    handler: ({ ctx, body }) => calendarFeeds.create(ctx, body),
  }),
  route({
    method: 'POST',
    url: '/api/v1/calendar-feeds/:id/rotate',
    tag: calendarTag,
    summary: 'Replace the secret token (the old URL answers 404 from now on)',
    access: 'calendar.subscribe',
    params: IdParams,
    body: RotateInput,
    response: feed,
    handler: ({ ctx, params, body }) => calendarFeeds.rotate(ctx, params.id, body),
  }),
  route({
    method: 'POST',
    url: '/api/v1/calendar-feeds/:id/revoke',
    tag: calendarTag,
    summary: 'Revoke the feed (its URL answers 404)',
    access: 'calendar.subscribe',
    params: IdParams,
    response: feed,
    handler: ({ ctx, params }) => calendarFeeds.revoke(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/calendar/:token.ics',
    tag: calendarTag,
    summary: "An iCal feed (RFC 5545, text/calendar): the artist's deals and itinerary as its creator may see them",
    description:
      'Public: the secret token in the path is the credential. Unknown, rotated or revoked token: 404. Answers an `ETag`; with a current `If-None-Match`, 304 without a body.',
    access: 'public',
    params: FeedToken,
    response: { type: 'string' },
    produces: 'text/calendar; charset=utf-8',
    handler: ({ ctx, params, headers }) => calendarFeeds.ics(ctx, params.token, headers['if-none-match'] as string | undefined),
  }),
]
