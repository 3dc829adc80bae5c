import { MoneyRef } from '../../graphql/money.ts'
import { money } from '../../money.ts'
import { ownersOf } from '../../access/ownership.ts'
import { readAs } from '../../access/read-as.ts'
import type { RequestContext } from '../../context.ts'
import type { Booking, BookingActivity } from '../../generated/prisma/client.ts'
import {
  BookingRequestStatus,
  BookingRequestWarning,
  BookingSide,
  BookingStatus,
  DealType,
  DepositKind,
  HoldStatus,
  OfferStatus,
} from '../../generated/prisma/client.ts'
import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf, NESTED_FIRST, NESTED_OFFSET, nestedPage } from '../../graphql/connections.ts'
import { DEFAULT_PAGE_SIZE } from '../../pagination.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import { resolveReferences } from '../../graphql/entities.ts'
import { AgencyRef } from '../directory/agencies.graphql.ts'
import { ArtistRef } from '../directory/artists.graphql.ts'
import { ActedRef, CompanyRef } from '../directory/tenant-company.graphql.ts'
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
import { actionFields } from './actions.graphql.ts'
import { DepositTermInput } from './deal-terms.ts'
import { CounterInput, OFFER_ACTIONS, OfferFilter, offers } from './negotiation.service.ts'
import { BookingRequestFilter, BookingRequestInput, bookingRequests, CloseInput, REQUEST_ACTIONS } from './requests.service.ts'
import { depositTermOrder, holdOrder, offerOrder } from './views.ts'
import { BOOKING_SORT_FIELDS, SORT_FIELDS, SORT_ORDERS } from './inbox.ts'
import { ACTOR_TYPES, BOOKING_ACTIVITY_ACTIONS, BOOKING_SUBJECTS, bookingsSeen } from './parties.ts'
import { refOf, UserRef } from '../../graphql/references.ts'

const RequestStatusEnum = graphqlEnum('BookingRequestStatus', BookingRequestStatus)
const OfferStatusEnum = graphqlEnum('OfferStatus', OfferStatus)
const HoldStatusEnum = graphqlEnum('HoldStatus', HoldStatus)
export const BookingStatusEnum = graphqlEnum('BookingStatus', BookingStatus)
export const DealTypeEnum = graphqlEnum('DealType', DealType, 'flat fee, a guarantee versus a share of the net, or a share only')
export const SideEnum = graphqlEnum('BookingSide', BookingSide)
graphqlEnum('InboxSort', SORT_FIELDS, 'What an inbox list is ordered by')
graphqlEnum('BookingSort', BOOKING_SORT_FIELDS, 'What a bookings list is ordered by')
graphqlEnum('SortOrder', SORT_ORDERS)
const SubjectEnum = graphqlEnum('BookingSubject', BOOKING_SUBJECTS, 'What a pipeline activity entry is about')
const ActivityActionEnum = graphqlEnum('BookingActivityAction', BOOKING_ACTIVITY_ACTIONS, 'What happened in a pipeline activity entry')
export const ActorTypeEnum = graphqlEnum(
  'ActorType',
  ACTOR_TYPES,
  'Who acted: a tenant user, a machine caller, or the system (expiry, lapse)',
)
const WarningEnum = graphqlEnum(
  'BookingRequestWarning',
  BookingRequestWarning,
  "What the dates meet in the artist's published availability",
)
export const DepositKindEnum = graphqlEnum('DepositKind', DepositKind, 'a fixed amount, or a percentage of the fee')
/**
 * The booking a request or a hold came to, as the caller sees it (bookingsSeen), batched per operation: not a preloaded
 * relation, which would follow the request's visibility rather than the booking's own.
 */
export const bookingOf = (ctx: RequestContext, by: 'requestId' | 'holdId', id: string) =>
  ctx.loader<string, Booking | null>(`bookingOf:${by}`, (ids) => bookingsSeen(ctx, by, ids)).load(id)

const RequestActions = actionFields('BookingRequest', REQUEST_ACTIONS, bookingRequests.actions)
const OfferActions = actionFields('Offer', OFFER_ACTIONS, offers.actionsView)
const HoldActions = actionFields('BookingHold', HOLD_ACTIONS, holds.actions)
const BookingActions = actionFields('Booking', BOOKING_ACTIONS, bookings.actions)

/** The Venue subgraph's venue, referenced by id only. */
const VenueRef = builder.externalRef('Venue', builder.keyDirective(builder.selection<{ id: string }>('id'), false)).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
})

const venueOf = (row: { venueId: string | null }) => (row.venueId ? { id: row.venueId } : null)

const BookingRequestRef = builder.prismaObject('BookingRequest', {
  ...typeRequires('bookings.read'),
  description: 'A promoter company asking the agency of an artist for a date: the root of a booking pipeline.',
  fields: (t) => ({
    id: t.exposeID('id'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (request) => readAs('bookings.read', request.artist),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ agency: nested() }),
      resolve: (request) => readAs('bookings.read', request.agency),
    }),
    promoter: t.field({ type: CompanyRef, resolve: (r) => ({ id: r.promoterOrgId }) }),
    requestedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user who sent the request.',
      resolve: (r) => refOf(r.requestedByUserId),
    }),
    status: t.expose('status', {
      type: RequestStatusEnum,
      description: 'Expiry is written on read: an unanswered request past its time is EXPIRED.',
    }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    venue: t.field({ type: VenueRef, nullable: true, select: { venueId: true }, resolve: venueOf }),
    venueName: t.exposeString('venueName', { nullable: true }),
    city: t.exposeString('city', { nullable: true }),
    cityId: t.exposeID('cityId', { nullable: true, description: 'The city of the geo directory.' }),
    geoCity: t.relation('geoCity', { nullable: true, description: 'The city of the geo directory (coordinates, time zone).' }),
    countryCode: t.exposeString('countryCode', { nullable: true }),
    warnings: t.expose('warnings', {
      type: [WarningEnum],
      description: "Set when the request is made: the dates against the artist's published availability.",
    }),
    budget: t.expose('budget', {
      type: 'SafeInt',
      nullable: true,
      description: 'In minor units of the currency.',
      deprecationReason: 'Use budgetMoney',
    }),
    budgetMoney: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'The budget the promoter has in mind.',
      resolve: (r) => money(r.budget, r.currency),
    }),
    currency: t.exposeString('currency', { nullable: true }),
    dealType: t.expose('dealType', { type: DealTypeEnum, nullable: true }),
    message: t.exposeString('message', { nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    closedReason: t.exposeString('closedReason', { nullable: true }),
    offers: t.relation('offers', { description: 'The negotiation, version by version.', query: { orderBy: offerOrder } }),
    holds: t.relation('holds', { query: { orderBy: holdOrder } }),
    booking: t.field({ type: BookingRef, nullable: true, resolve: (r, _args, ctx) => bookingOf(ctx, 'requestId', r.id) }),
    activity: t.field({
      type: [BookingActivityRef],
      resolve: (r, _args, ctx) =>
        ctx.loader<string, BookingActivity[]>('requestActivity', (ids) => bookingRequests.activities(ctx, ids)).load(r.id),
    }),
    actions: t.field({
      type: [RequestActions.ActionEnum],
      description: 'What the signed-in company may do with this request now.',
      resolve: async (o, _args, ctx) => (await RequestActions.viewOf(ctx, o)).actions,
    }),
    blockedActions: t.field({
      type: [RequestActions.Blocked],
      description: 'The other actions of this request, and why each is not open now.',
      resolve: async (o, _args, ctx) => (await RequestActions.viewOf(ctx, o)).blockedActions,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const depositTermFields = {
  seq: 'Order in the schedule, from 1',
  amount: 'Due, in minor units of the currency (computed from the fee for a percent term).',
  percent: 'PERCENT terms: the share of the fee.',
  dueDaysBeforeEvent: 'Due this many days before the event.',
  amountMoney: 'Due, in the currency of the offer or booking (computed from the fee for a percent term).',
} as const

builder.prismaObject('OfferDepositTerm', {
  ...typeRequires('bookings.read'),
  description: 'One deposit of an offer: with neither dueOn nor dueDaysBeforeEvent, due on confirmation.',
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: depositTermFields.seq }),
    kind: t.expose('kind', { type: DepositKindEnum }),
    amount: t.expose('amount', { type: 'SafeInt', description: depositTermFields.amount, deprecationReason: 'Use amountMoney' }),
    amountMoney: t.field({
      type: MoneyRef,
      description: depositTermFields.amountMoney,
      select: { offer: { select: { currency: true } } },
      resolve: (d) => money(d.amount, d.offer.currency)!,
    }),
    percent: t.exposeInt('percent', { nullable: true, description: depositTermFields.percent }),
    dueOn: t.expose('dueOn', { type: 'Date', nullable: true }),
    dueDaysBeforeEvent: t.exposeInt('dueDaysBeforeEvent', { nullable: true, description: depositTermFields.dueDaysBeforeEvent }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObject('BookingDepositTerm', {
  ...typeRequires('bookings.read'),
  description: 'One deposit a booking keeps from its accepted offer: with neither dueOn nor dueDaysBeforeEvent, due on confirmation.',
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: depositTermFields.seq }),
    kind: t.expose('kind', { type: DepositKindEnum }),
    amount: t.expose('amount', { type: 'SafeInt', description: depositTermFields.amount, deprecationReason: 'Use amountMoney' }),
    amountMoney: t.field({
      type: MoneyRef,
      description: depositTermFields.amountMoney,
      select: { booking: { select: { currency: true } } },
      resolve: (d) => money(d.amount, d.booking.currency)!,
    }),
    percent: t.exposeInt('percent', { nullable: true, description: depositTermFields.percent }),
    dueOn: t.expose('dueOn', { type: 'Date', nullable: true }),
    dueDaysBeforeEvent: t.exposeInt('dueDaysBeforeEvent', { nullable: true, description: depositTermFields.dueDaysBeforeEvent }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const OfferRef = builder.prismaObject('BookingOffer', {
  ...typeRequires('bookings.read'),
  description: 'One version of the terms; only the latest open one is actionable, by the side that did not make it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    request: t.relation('request'),
    version: t.exposeInt('version'),
    madeBy: t.expose('madeBy', { type: SideEnum }),
    madeByUser: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user who made this version.',
      resolve: (o) => refOf(o.madeByUserId),
    }),
    promoter: t.field({
      type: CompanyRef,
      description: 'The buying company of the pipeline.',
      select: { request: { select: { promoterOrgId: true } } },
      resolve: (o) => ({ id: o.request.promoterOrgId }),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      description: 'The agency of the pipeline (a card).',
      select: (_args, _ctx, nested) => ({ request: { select: { agency: nested() } } }),
      resolve: (o) => readAs('bookings.read', o.request.agency),
    }),
    fee: t.expose('fee', {
      type: 'SafeInt',
      nullable: true,
      description: 'In minor units of the currency.',
      deprecationReason: 'Use feeMoney',
    }),
    feeMoney: t.field({ type: MoneyRef, nullable: true, resolve: (o) => money(o.fee, o.currency) }),
    currency: t.exposeString('currency'),
    dealType: t.expose('dealType', { type: DealTypeEnum }),
    percentage: t.exposeInt('percentage', { nullable: true }),
    deposit: t.expose('deposit', {
      type: 'SafeInt',
      nullable: true,
      description: 'The total of depositTerms.',
      deprecationReason: 'Use depositMoney',
    }),
    depositMoney: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'The total of depositTerms.',
      resolve: (o) => money(o.deposit, o.currency),
    }),
    depositTerms: t.relation('depositTerms', { query: { orderBy: depositTermOrder } }),
    radiusKm: t.exposeInt('radiusKm', { nullable: true, description: 'Radius clause: no other show within this distance…' }),
    radiusDaysBefore: t.exposeInt('radiusDaysBefore', { nullable: true, description: '…from this many days before the event…' }),
    radiusDaysAfter: t.exposeInt('radiusDaysAfter', { nullable: true, description: '…to this many days after it.' }),
    holdDays: t.exposeInt('holdDays'),
    terms: t.exposeString('terms', { nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    status: t.expose('status', { type: OfferStatusEnum }),
    actions: t.field({
      type: [OfferActions.ActionEnum],
      description: 'What the signed-in company may do with this offer now.',
      resolve: async (o, _args, ctx) => (await OfferActions.viewOf(ctx, o)).actions,
    }),
    blockedActions: t.field({
      type: [OfferActions.Blocked],
      description: 'The other actions of this offer, and why each is not open now.',
      resolve: async (o, _args, ctx) => (await OfferActions.viewOf(ctx, o)).blockedActions,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const HoldRef = builder.prismaObject('BookingHold', {
  ...typeRequires('bookings.read'),
  description: "A date held for an accepted offer, ranked among the artist's holds on overlapping dates.",
  fields: (t) => ({
    id: t.exposeID('id'),
    request: t.relation('request'),
    offer: t.relation('offer'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (hold) => readAs('bookings.read', hold.artist),
    }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    priority: t.exposeInt('priority', {
      description: '1 for the first hold on these dates, 2 for the next...: only the first confirms.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    challengeDeadline: t.expose('challengeDeadline', {
      type: 'DateTime',
      nullable: true,
      description: 'Challenged by a lower hold: confirm or release by then, or the hold is released.',
    }),
    venue: t.field({ type: VenueRef, nullable: true, select: { venueId: true }, resolve: venueOf }),
    cityId: t.exposeID('cityId', { nullable: true }),
    city: t.relation('city', { nullable: true }),
    status: t.expose('status', { type: HoldStatusEnum }),
    releasedReason: t.exposeString('releasedReason', { nullable: true }),
    booking: t.field({ type: BookingRef, nullable: true, resolve: (h, _args, ctx) => bookingOf(ctx, 'holdId', h.id) }),
    actions: t.field({
      type: [HoldActions.ActionEnum],
      description: 'What the signed-in company may do with this hold now.',
      resolve: async (o, _args, ctx) => (await HoldActions.viewOf(ctx, o)).actions,
    }),
    blockedActions: t.field({
      type: [HoldActions.Blocked],
      description: 'The other actions of this hold, and why each is not open now.',
      resolve: async (o, _args, ctx) => (await HoldActions.viewOf(ctx, o)).blockedActions,
    }),
    promoter: t.field({
      type: CompanyRef,
      description: 'The buying company of the pipeline.',
      select: { request: { select: { promoterOrgId: true } } },
      resolve: (h) => ({ id: h.request.promoterOrgId }),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      description: 'The agency of the pipeline (a card).',
      select: (_args, _ctx, nested) => ({ request: { select: { agency: nested() } } }),
      resolve: (h) => readAs('bookings.read', h.request.agency),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const BookingActivityRef = builder.prismaObject('BookingActivity', {
  interfaces: [ActedRef],
  ...typeRequires('bookings.read'),
  description: 'One transition in a booking pipeline (append-only).',
  fields: (t) => ({
    id: t.exposeID('id'),
    subject: t.field({ type: SubjectEnum, resolve: (a) => a.subject as keyof typeof BOOKING_SUBJECTS }),
    subjectId: t.exposeID('subjectId'),
    action: t.field({ type: ActivityActionEnum, resolve: (a) => a.action as keyof typeof BOOKING_ACTIVITY_ACTIONS }),
    fromStatus: t.exposeString('fromStatus', { nullable: true, description: "The subject's status before, as REST writes it (lowercase)" }),
    toStatus: t.exposeString('toStatus', { description: "The subject's status after, as REST writes it (lowercase)" }),
    actorType: t.field({ type: ActorTypeEnum, resolve: (a) => a.actorType as keyof typeof ACTOR_TYPES }),
    note: t.exposeString('note', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

export const BookingRef = builder.prismaObject('Booking', {
  ...typeRequires('bookings.read'),
  description: 'A confirmed booking of an artist; never overlapping another confirmed booking of the artist.',
  fields: (t) => ({
    id: t.exposeID('id'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (booking) => readAs('bookings.read', booking.artist),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ agency: nested() }),
      resolve: (booking) => readAs('bookings.read', booking.agency),
    }),
    agencyCompany: t.field({
      type: CompanyRef,
      nullable: true,
      description: 'The tenant company that owns the agency.',
      resolve: async (b, _args, ctx) => {
        const orgId = await ctx
          .loader<string, string | null>('ownerOfCompany', async (ids) => {
            const owners = await ownersOf(ctx.db, ids)
            return ids.map((id) => owners.get(id) ?? null)
          })
          .load(b.agencyId)
        return orgId ? { id: orgId } : null
      },
    }),
    promoter: t.field({ type: CompanyRef, resolve: (b) => ({ id: b.promoterOrgId }) }),
    venue: t.field({ type: VenueRef, nullable: true, select: { venueId: true }, resolve: venueOf }),
    venueName: t.exposeString('venueName', { nullable: true }),
    cityId: t.exposeID('cityId', { nullable: true }),
    city: t.relation('city', { nullable: true }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    fee: t.expose('fee', {
      type: 'SafeInt',
      nullable: true,
      description: 'In minor units of the currency.',
      deprecationReason: 'Use feeMoney',
    }),
    feeMoney: t.field({ type: MoneyRef, nullable: true, resolve: (o) => money(o.fee, o.currency) }),
    currency: t.exposeString('currency'),
    dealType: t.expose('dealType', { type: DealTypeEnum }),
    percentage: t.exposeInt('percentage', { nullable: true }),
    deposit: t.expose('deposit', {
      type: 'SafeInt',
      nullable: true,
      description: 'The total of depositTerms.',
      deprecationReason: 'Use depositMoney',
    }),
    depositMoney: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'The total of depositTerms.',
      resolve: (o) => money(o.deposit, o.currency),
    }),
    depositTerms: t.relation('depositTerms', { query: { orderBy: depositTermOrder } }),
    radiusKm: t.exposeInt('radiusKm', { nullable: true }),
    radiusDaysBefore: t.exposeInt('radiusDaysBefore', { nullable: true }),
    radiusDaysAfter: t.exposeInt('radiusDaysAfter', { nullable: true }),
    status: t.expose('status', { type: BookingStatusEnum }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    cancelReason: t.exposeString('cancelReason', { nullable: true }),
    request: t.relation('request'),
    offer: t.relation('offer'),
    hold: t.relation('hold'),
    timezone: t.string({
      nullable: true,
      description: "The event's IANA time zone (its city's); null without a city that names one.",
      select: { city: { select: { timezone: true } } },
      resolve: (b) => b.city?.timezone ?? null,
    }),
    localStartsAt: t.string({
      nullable: true,
      description: 'The start on the wall clock of the event, ISO 8601 with the offset then (e.g. 2031-01-12T20:00:00+01:00).',
      select: { city: { select: { timezone: true } } },
      resolve: (b) => bookings.eventTime(b, b.city?.timezone).localStartsAt,
    }),
    localEndsAt: t.string({
      nullable: true,
      description: 'The end on the wall clock of the event, ISO 8601 with the offset then.',
      select: { city: { select: { timezone: true } } },
      resolve: (b) => bookings.eventTime(b, b.city?.timezone).localEndsAt,
    }),
    actions: t.field({
      type: [BookingActions.ActionEnum],
      description: 'What the signed-in company may do with this booking now.',
      resolve: async (o, _args, ctx) => (await BookingActions.viewOf(ctx, o)).actions,
    }),
    blockedActions: t.field({
      type: [BookingActions.Blocked],
      description: 'The other actions of this booking, and why each is not open now.',
      resolve: async (o, _args, ctx) => (await BookingActions.viewOf(ctx, o)).blockedActions,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.asEntity(BookingRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: resolveReferences('Booking', bookings.byIds),
})

/** A nested bookings list, batched across parents into one query. */
type BookingsArgs = { from?: Date | null; to?: Date | null; first?: number | null; offset?: number | null }

// One loader per distinct page and period: every parent of a selection shares it, so the SQL statements
// stay two whatever the number of artists or agencies shown.
const bookingsOf =
  (key: 'artistId' | 'agencyId') => (parent: { id: string }, args: BookingsArgs, ctx: Parameters<typeof bookings.groupedBy>[0]) => {
    const page = nestedPage(args)
    const period = { from: args.from ?? undefined, to: args.to ?? undefined }
    const name = `bookingsBy:${key}:${period.from?.toISOString()}:${period.to?.toISOString()}:${page.skip}:${page.take}`
    return ctx.loader<string, Booking[]>(name, (ids) => bookings.groupedBy(ctx, key, ids, period, page)).load(parent.id)
  }

const bookingsArgs = builder.args((t) => ({
  from: t.field({ type: 'DateTime', description: 'Starting at or after' }),
  to: t.field({ type: 'DateTime', description: 'Starting before' }),
  first: t.int({ defaultValue: DEFAULT_PAGE_SIZE, description: NESTED_FIRST }),
  offset: t.int({ defaultValue: 0, description: NESTED_OFFSET }),
}))

builder.prismaObjectFields('Artist', (t) => ({
  bookings: t.field({
    ...requires('bookings.read'),
    type: [BookingRef],
    description: 'Bookings of the artist the signed-in company is party to, by start, a page at a time.',
    args: bookingsArgs,
    resolve: bookingsOf('artistId'),
  }),
}))

builder.prismaObjectFields('Agency', (t) => ({
  bookings: t.field({
    ...requires('bookings.read'),
    type: [BookingRef],
    description: 'Bookings handled by the agency that the signed-in company is party to, by start, a page at a time.',
    args: bookingsArgs,
    resolve: bookingsOf('agencyId'),
  }),
}))

const RequestInputType = inputFromZod('BookingRequestInput', BookingRequestInput)
const RequestFilterInput = inputFromZod('BookingRequestFilter', BookingRequestFilter)
// Declared before OfferInput, so that the nested input keeps its own name.
inputFromZod('DepositTermInput', DepositTermInput)
const OfferInputType = inputFromZod('OfferInput', CounterInput)
const OfferFilterInput = inputFromZod('OfferFilter', OfferFilter)
const HoldFilterInput = inputFromZod('HoldFilter', HoldFilter)
const BookingFilterInput = inputFromZod('BookingFilter', BookingFilter)
const CloseInputType = inputFromZod('CloseInput', CloseInput)
const CancelInputType = inputFromZod('CancelBookingInput', CancelInput)
const ChallengeInputType = inputFromZod('ChallengeHoldInput', ChallengeInput)

builder.queryFields((t) => ({
  bookingRequests: t.connection(
    {
      ...requires('bookings.read'),
      type: BookingRequestRef,
      description: 'The requests inbox (agency) or outbox (promoter), newest first.',
      args: { filter: t.arg({ type: RequestFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => bookingRequests.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'BookingRequestConnection' },
    { name: 'BookingRequestEdge' },
  ),
  bookingRequest: t.prismaField({
    ...requires('bookings.read'),
    type: 'BookingRequest',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => bookingRequests.get(ctx, parseId(args.id), query),
  }),
  bookingOffers: t.connection(
    {
      ...requires('bookings.read'),
      type: OfferRef,
      args: { filter: t.arg({ type: OfferFilterInput }) },
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => offers.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'BookingOfferConnection' },
    { name: 'BookingOfferEdge' },
  ),
  bookingOffer: t.prismaField({
    ...requires('bookings.read'),
    type: 'BookingOffer',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => offers.get(ctx, parseId(args.id), query),
  }),
  bookingHolds: t.connection(
    {
      ...requires('bookings.read'),
      type: HoldRef,
      args: { filter: t.arg({ type: HoldFilterInput }) },
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => holds.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'BookingHoldConnection' },
    { name: 'BookingHoldEdge' },
  ),
  bookingHold: t.prismaField({
    ...requires('bookings.read'),
    type: 'BookingHold',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => holds.get(ctx, parseId(args.id), query),
  }),
  bookings: t.connection(
    {
      ...requires('bookings.read'),
      type: BookingRef,
      args: { filter: t.arg({ type: BookingFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => bookings.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'BookingConnection' },
    { name: 'BookingEdge' },
  ),
  booking: t.prismaField({
    ...requires('bookings.read'),
    type: 'Booking',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => bookings.get(ctx, parseId(args.id), query),
  }),
}))

builder.mutationFields((t) => ({
  requestBooking: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingRequest',
    description: 'A promoter company asks the agency representing the artist for a date.',
    args: { input: t.arg({ type: RequestInputType, required: true }) },
    resolve: (query, _root, args, ctx) => bookingRequests.create(ctx, args.input, query),
  }),
  declineBookingRequest: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingRequest',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CloseInputType }) },
    resolve: (query, _root, args, ctx) => bookingRequests.decline(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  withdrawBookingRequest: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingRequest',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CloseInputType }) },
    resolve: (query, _root, args, ctx) => bookingRequests.withdraw(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  makeOffer: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingOffer',
    description: "The agency's answer to a request.",
    args: { requestId: t.arg.id({ required: true }), input: t.arg({ type: OfferInputType, required: true }) },
    resolve: (query, _root, args, ctx) => offers.make(ctx, parseId(args.requestId, 'requestId'), args.input, query),
  }),
  counterOffer: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingOffer',
    description:
      'Answers the latest offer with the next version: the fields sent change, everything else is carried over (null clears a field).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: OfferInputType, required: true }) },
    resolve: (query, _root, args, ctx) => offers.counter(ctx, parseId(args.id), args.input, query),
  }),
  acceptOffer: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingOffer',
    description: 'Accepts the latest offer: a hold is placed on the date.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => offers.accept(ctx, parseId(args.id), query),
  }),
  declineOffer: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingOffer',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CloseInputType }) },
    resolve: (query, _root, args, ctx) => offers.decline(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  withdrawOffer: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingOffer',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CloseInputType }) },
    resolve: (query, _root, args, ctx) => offers.withdraw(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  confirmHold: t.prismaField({
    ...requires('bookings.manage'),
    type: 'Booking',
    description: "Confirms a hold into a booking; the artist's competing holds on overlapping dates are released.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => holds.confirm(ctx, parseId(args.id), query),
  }),
  challengeHold: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingHold',
    description:
      'Challenges the holds ranked above this one: each confirms or releases by a deadline (default 48 h, at most its event), or is released and this hold moves up.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ChallengeInputType }) },
    resolve: (query, _root, args, ctx) => holds.challenge(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  releaseHold: t.prismaField({
    ...requires('bookings.manage'),
    type: 'BookingHold',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CloseInputType }) },
    resolve: (query, _root, args, ctx) => holds.release(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  cancelBooking: t.prismaField({
    ...requires('bookings.manage'),
    type: 'Booking',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CancelInputType, required: true }) },
    resolve: (query, _root, args, ctx) => bookings.cancel(ctx, parseId(args.id), args.input, query),
  }),
}))
