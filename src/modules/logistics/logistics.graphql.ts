import type { Booking } from '../../generated/prisma/client.ts'
import { ItineraryKind, ItineraryVisibility, LogisticsCategory, LogisticsStatus } from '../../generated/prisma/client.ts'
import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import { ActorTypeEnum, BookingStatusEnum } from '../booking/booking.graphql.ts'
import { ACTOR_TYPES, partyOf } from '../booking/parties.ts'
import { calendarFeeds, FeedInput, RotateInput, type FeedView } from './calendar.service.ts'
import { TourRef, TourStopRef } from '../touring/touring.graphql.ts'
import { ItemInput, ItemPatch, itinerary, type DaySheet, type ItemView, type TourDaySheet } from './itinerary.service.ts'
import {
  DecideInput,
  isOverdue,
  LOGISTICS_STEPS,
  ResubmitInput,
  SubmissionFilter,
  submissions,
  WithdrawInput,
} from './submissions.service.ts'
import { refOf, UserRef } from '../../graphql/references.ts'
import { CompanyRef } from '../directory/tenant-company.graphql.ts'

const ItineraryKindEnum = graphqlEnum('ItineraryKind', ItineraryKind)
const VisibilityEnum = graphqlEnum(
  'ItineraryVisibility',
  ItineraryVisibility,
  '`ARTIST_SIDE` (agency and management) or `SHARED` with the promoter',
)
const CategoryEnum = graphqlEnum('LogisticsCategory', LogisticsCategory)
const StatusEnum = graphqlEnum('LogisticsStatus', LogisticsStatus)
const StepEnum = graphqlEnum('LogisticsStep', LOGISTICS_STEPS, "A step of a submission's log")
const ActingSideEnum = graphqlEnum(
  'LogisticsSide',
  { promoter: 'promoter', agency: 'agency', management: 'management' },
  'The side a company acted for',
)
const FeedStatusEnum = graphqlEnum('CalendarFeedStatus', { active: 'active', revoked: 'revoked' })

const ItineraryItemRef = builder.objectRef<ItemView>('ItineraryItem').implement({
  description: "One timed entry of a booking's or a tour day's itinerary, shown in its own IANA time zone.",
  fields: (t) => ({
    id: t.exposeID('id'),
    bookingId: t.exposeID('bookingId', { nullable: true, description: "A booking's item: the booking" }),
    tourStopId: t.exposeID('tourStopId', { nullable: true, description: "A tour day's item: the stop (a day without a show)" }),
    tourId: t.exposeID('tourId', { nullable: true, description: "A tour day's item: the tour" }),
    dayOn: t.field({ type: 'Date', description: 'The local day of its start', resolve: (i) => new Date(i.dayOn) }),
    kind: t.field({ type: ItineraryKindEnum, resolve: (i) => i.kind }),
    title: t.exposeString('title'),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', nullable: true }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone' }),
    localStartsAt: t.exposeString('localStartsAt', { description: 'The start in local time, ISO 8601 with the offset' }),
    localEndsAt: t.exposeString('localEndsAt', { nullable: true }),
    location: t.exposeString('location', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
    confirmed: t.exposeBoolean('confirmed'),
    visibility: t.field({ type: VisibilityEnum, resolve: (i) => i.visibility }),
    sourceSubmissionId: t.exposeID('sourceSubmissionId', {
      nullable: true,
      description: 'The approved logistics submission that wrote it',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

type SheetBooking = DaySheet['booking']

const DaySheetBookingRef = builder.objectRef<SheetBooking>('DaySheetBooking').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    artistId: t.exposeID('artistId'),
    status: t.field({ type: BookingStatusEnum, resolve: (b) => b.status }),
    venueName: t.exposeString('venueName', { nullable: true }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    localStartsAt: t.exposeString('localStartsAt'),
    localEndsAt: t.exposeString('localEndsAt'),
  }),
})

const DaySheetRef = builder.objectRef<DaySheet>('DaySheet').implement({
  description: 'A day of a booking: the show and the itinerary items of that local day the caller may see, in order.',
  fields: (t) => ({
    date: t.field({ type: 'Date', resolve: (d) => new Date(d.date) }),
    timezone: t.exposeString('timezone', { description: "The booking's time zone (its city's; UTC when unknown)" }),
    booking: t.field({ type: DaySheetBookingRef, resolve: (d) => d.booking }),
    items: t.field({ type: [ItineraryItemRef], resolve: (d) => d.items }),
  }),
})

const TourDaySheetRef = builder.objectRef<TourDaySheet>('TourDaySheet').implement({
  description:
    "A day of a tour: its stops, and in one time order the items of that local day the caller sees (the tour day's and its shows' bookings'), each in its local time.",
  fields: (t) => ({
    tourId: t.exposeID('tourId'),
    date: t.field({ type: 'Date', resolve: (d) => new Date(d.date) }),
    stops: t.field({ type: [TourStopRef], resolve: (d) => d.stops }),
    items: t.field({ type: [ItineraryItemRef], resolve: (d) => d.items }),
  }),
})

builder.objectFields(TourStopRef, (t) => ({
  itinerary: t.field({
    ...requires('itinerary.read'),
    type: [ItineraryItemRef],
    description: "The tour day's items (a day without a show; a show's are its booking's), in time order.",
    resolve: (stop, _args, ctx) => ctx.loader<string, ItemView[]>('tourStopItinerary', (ids) => itinerary.forStops(ctx, ids)).load(stop.id),
  }),
}))

builder.prismaObjectFields(TourRef, (t) => ({
  daySheet: t.field({
    ...requires('itinerary.read'),
    type: TourDaySheetRef,
    description: "The day sheet of one day of the tour: its stops and that local day's items, in time order.",
    args: { date: t.arg({ type: 'Date', required: true }) },
    resolve: (tour, args, ctx) => itinerary.tourDaySheet(ctx, tour.id, { date: args.date }),
  }),
}))

builder.prismaObject('LogisticsSubmissionVersion', {
  ...typeRequires('logistics.read'),
  description: 'One immutable version of a proposal, with the SHA-256 of its canonical JSON.',
  fields: (t) => ({
    id: t.exposeID('id'),
    version: t.exposeInt('version'),
    payload: t.expose('payload', { type: 'JSONObject' }),
    payloadHash: t.exposeString('payloadHash'),
    changeNote: t.exposeString('changeNote', { nullable: true }),
    createdByCompany: t.field({ type: CompanyRef, nullable: true, resolve: (o) => refOf(o.createdByOrgId) }),
    createdByOrgId: t.exposeID('createdByOrgId', { deprecationReason: 'Use createdByCompany { id }: a reference the gateway resolves.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObject('LogisticsEvent', {
  ...typeRequires('logistics.read'),
  description: "One step of a submission's log (append-only).",
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.field({ type: StepEnum, resolve: (e) => e.type as keyof typeof LOGISTICS_STEPS }),
    version: t.exposeInt('version'),
    fromStatus: t.field({ type: StatusEnum, nullable: true, resolve: (e) => e.fromStatus as LogisticsStatus | null }),
    toStatus: t.field({ type: StatusEnum, resolve: (e) => e.toStatus as LogisticsStatus }),
    actorType: t.field({ type: ActorTypeEnum, resolve: (e) => e.actorType as keyof typeof ACTOR_TYPES }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user who acted (none for the system)',
      resolve: (o) => refOf(o.actorUserId),
    }),
    actorCompany: t.field({ type: CompanyRef, nullable: true, resolve: (o) => refOf(o.actorOrgId) }),
    actorOrgId: t.exposeID('actorOrgId', {
      nullable: true,
      deprecationReason: 'Use actorCompany { id }: a reference the gateway resolves.',
    }),
    actorSide: t.field({
      type: ActingSideEnum,
      nullable: true,
      resolve: (e) => e.actorSide as 'promoter' | 'agency' | 'management' | null,
    }),
    note: t.exposeString('note', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const SubmissionRef = builder.prismaObject('LogisticsSubmission', {
  ...typeRequires('logistics.read'),
  description: "A promoter's logistics proposal for a booking, decided by the artist side on a version and its hash.",
  fields: (t) => ({
    id: t.exposeID('id'),
    bookingId: t.exposeID('bookingId'),
    category: t.expose('category', { type: CategoryEnum }),
    subjectKey: t.exposeString('subjectKey'),
    status: t.expose('status', { type: StatusEnum }),
    currentVersion: t.exposeInt('currentVersion'),
    respondBy: t.expose('respondBy', { type: 'DateTime', nullable: true }),
    overdue: t.boolean({ description: 'Submitted and past respondBy', resolve: (s, _args, ctx) => isOverdue(s, ctx.clock.now()) }),
    submittedByCompany: t.field({ type: CompanyRef, nullable: true, resolve: (o) => refOf(o.submittedByOrgId) }),
    submittedByOrgId: t.exposeID('submittedByOrgId', {
      deprecationReason: 'Use submittedByCompany { id }: a reference the gateway resolves.',
    }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    decidedByCompany: t.field({ type: CompanyRef, nullable: true, resolve: (o) => refOf(o.decidedByOrgId) }),
    decidedByOrgId: t.exposeID('decidedByOrgId', {
      nullable: true,
      deprecationReason: 'Use decidedByCompany { id }: a reference the gateway resolves.',
    }),
    decidedSide: t.field({
      type: ActingSideEnum,
      nullable: true,
      description: 'AGENCY or MANAGEMENT',
      resolve: (s) => s.decidedSide as 'agency' | 'management' | null,
    }),
    decisionNote: t.exposeString('decisionNote', { nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    versions: t.relation('versions', { query: { orderBy: { version: 'asc' } } }),
    events: t.relation('events', { query: { orderBy: { seq: 'asc' } } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const FeedRef = builder.objectRef<FeedView>('CalendarFeed').implement({
  description: "A read-only iCal feed of an artist's dates behind a secret token (shown once, when made or rotated).",
  fields: (t) => ({
    id: t.exposeID('id'),
    artistId: t.exposeID('artistId'),
    tourId: t.exposeID('tourId', { nullable: true, description: 'For a tour feed: the tour' }),
    name: t.exposeString('name', { nullable: true }),
    status: t.field({ type: FeedStatusEnum, resolve: (f) => f.status }),
    includeFinancials: t.exposeBoolean('includeFinancials'),
    token: t.string({ nullable: true, description: 'The secret: only in the answer that made it', resolve: (f) => f.token ?? null }),
    url: t.string({ nullable: true, description: 'The feed path (with the token)', resolve: (f) => f.url ?? null }),
    rotatedAt: t.expose('rotatedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastFetchedAt: t.expose('lastFetchedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObjectFields('Booking', (t) => ({
  itinerary: t.field({
    ...requires('itinerary.read'),
    type: [ItineraryItemRef],
    description: 'The itinerary items the caller may see (the promoter: those shared with it), in time order.',
    args: { date: t.arg({ type: 'Date', description: 'Only this local day' }) },
    resolve: (b, args, ctx) =>
      ctx
        .loader<Booking, ItemView[]>(`itinerary:${args.date ?? ''}`, async (list) =>
          itinerary.forBookings(
            ctx,
            await partyOf(ctx),
            list.map((x) => x.id),
            args.date ?? undefined,
          ),
        )
        .load(b as Booking),
  }),
  daySheet: t.field({
    ...requires('itinerary.read'),
    type: DaySheetRef,
    description: "The day sheet of a local day (default: the show's day in the booking's time zone).",
    args: { date: t.arg({ type: 'Date' }) },
    resolve: async (b, args, ctx) => itinerary.daySheet(ctx, b.id, { date: args.date ?? undefined }),
  }),
  logistics: t.field({
    ...requires('logistics.read'),
    type: [SubmissionRef],
    description: "The booking's logistics submissions, newest first.",
    args: { category: t.arg({ type: CategoryEnum }) },
    resolve: (b, args, ctx) =>
      ctx
        .loader<Booking, Awaited<ReturnType<typeof submissions.forBookings>>[number]>(`logistics:${args.category ?? ''}`, (list) =>
          submissions.forBookings(
            ctx,
            list.map((x) => x.id),
            args.category,
          ),
        )
        .load(b as Booking),
  }),
}))

const FilterInput = inputFromZod('LogisticsSubmissionFilter', SubmissionFilter)
const ItemInputType = inputFromZod('ItineraryItemInput', ItemInput)
const ItemPatchType = inputFromZod('ItineraryItemPatch', ItemPatch)
const ResubmitInputType = builder.inputType('ResubmitLogisticsInput', {
  fields: (t) => ({
    payload: t.field({ type: 'JSONObject', required: true, description: "The new version, validated by its category's schema" }),
    note: t.string({ description: ResubmitInput.shape.note.description }),
  }),
})
const SubmissionInputType = builder.inputType('LogisticsSubmissionInput', {
  fields: (t) => ({
    category: t.field({ type: CategoryEnum, required: true }),
    subjectKey: t.string({ description: 'What the proposal is about within its category, e.g. hotel:night-1 (default: the category)' }),
    payload: t.field({ type: 'JSONObject', required: true, description: "The proposal, validated by its category's schema" }),
    respondBy: t.field({ type: 'DateTime', description: 'When the promoter needs an answer' }),
    note: t.string(),
    submit: t.boolean({ description: 'Submit at once instead of keeping a draft (default false)' }),
  }),
})
const EditInputType = builder.inputType('EditLogisticsSubmissionInput', {
  fields: (t) => ({
    payload: t.field({ type: 'JSONObject', description: 'A new payload: a new version' }),
    respondBy: t.field({ type: 'DateTime' }),
    note: t.string(),
  }),
})
const DecideInputType = inputFromZod('LogisticsDecisionInput', DecideInput)
const WithdrawInputType = inputFromZod('WithdrawLogisticsInput', WithdrawInput)
const FeedInputType = inputFromZod('CalendarFeedInput', FeedInput)
const RotateInputType = inputFromZod('RotateCalendarFeedInput', RotateInput)

builder.queryFields((t) => ({
  logisticsSubmissions: t.connection(
    {
      ...requires('logistics.read'),
      type: SubmissionRef,
      description: 'The review inbox: submissions on the bookings the caller sees, the most urgent respondBy first.',
      args: { filter: t.arg({ type: FilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => submissions.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'LogisticsSubmissionConnection' },
    { name: 'LogisticsSubmissionEdge' },
  ),
  logisticsSubmission: t.prismaField({
    ...requires('logistics.read'),
    type: 'LogisticsSubmission',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => submissions.get(ctx, parseId(args.id), query),
  }),
  itineraryItem: t.field({
    ...requires('itinerary.read'),
    type: ItineraryItemRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => itinerary.get(ctx, parseId(args.id)),
  }),
  calendarFeeds: t.field({
    ...requires('calendar.subscribe'),
    type: [FeedRef],
    description: "The calling user's iCal feeds in this company.",
    resolve: (_root, _args, ctx) => calendarFeeds.list(ctx),
  }),
}))

type Step = (ctx: Parameters<typeof submissions.submit>[0], id: string, input: unknown) => Promise<{ id: string }>

/** A step on a submission: `id`, an input when the step takes one, the submission after it. */
function submissionMutation(
  name: string,
  description: string,
  rule: 'logistics.submit' | 'logistics.decide',
  run: Step,
  input?: typeof DecideInputType | typeof WithdrawInputType | typeof ResubmitInputType,
) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      ...requires(rule),
      type: 'LogisticsSubmission',
      description,
      args: {
        id: t.arg.id({ required: true }),
        ...(input ? { input: t.arg({ type: input as typeof DecideInputType, required: input !== WithdrawInputType }) } : {}),
      },
      resolve: async (query, _root, args, ctx) => {
        const { id } = await run(ctx, parseId(args.id), (args as { input?: object | null }).input ?? {})
        return submissions.get(ctx, id, query)
      },
    }),
  )
}

submissionMutation('submitLogistics', 'Submit a draft to the artist side.', 'logistics.submit', (ctx, id) => submissions.submit(ctx, id))
submissionMutation(
  'resubmitLogistics',
  'Send a new version after a change request.',
  'logistics.submit',
  submissions.resubmit,
  ResubmitInputType,
)
submissionMutation(
  'withdrawLogistics',
  'The promoter withdraws an open submission.',
  'logistics.submit',
  submissions.withdraw,
  WithdrawInputType,
)
submissionMutation(
  'approveLogistics',
  'Approve the current version, named by version and payloadHash (another: STALE_VERSION); supersedes the approved one of the subject.',
  'logistics.decide',
  submissions.approve,
  DecideInputType,
)
submissionMutation('rejectLogistics', 'Reject the current version, with a note.', 'logistics.decide', submissions.reject, DecideInputType)
submissionMutation(
  'requestLogisticsChanges',
  'Ask for changes on the current version, with a note.',
  'logistics.decide',
  submissions.requestChanges,
  DecideInputType,
)

builder.mutationFields((t) => ({
  createLogisticsSubmission: t.prismaField({
    ...requires('logistics.submit'),
    type: 'LogisticsSubmission',
    description: 'The promoter of the booking drafts a proposal (or submits it at once with submit: true).',
    args: { bookingId: t.arg.id({ required: true }), input: t.arg({ type: SubmissionInputType, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await submissions.create(ctx, parseId(args.bookingId, 'bookingId'), args.input ?? {})
      return submissions.get(ctx, id, query)
    },
  }),
  editLogisticsSubmission: t.prismaField({
    ...requires('logistics.submit'),
    type: 'LogisticsSubmission',
    description: 'The promoter edits its draft (a new payload is a new version).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: EditInputType, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await submissions.edit(ctx, parseId(args.id), args.input ?? {})
      return submissions.get(ctx, id, query)
    },
  }),
  addItineraryItem: t.field({
    ...requires('itinerary.manage'),
    type: ItineraryItemRef,
    description: "Add an item to the booking's itinerary (the zone defaults to the booking city's).",
    args: { bookingId: t.arg.id({ required: true }), input: t.arg({ type: ItemInputType, required: true }) },
    resolve: (_root, args, ctx) => itinerary.add(ctx, parseId(args.bookingId, 'bookingId'), args.input ?? {}),
  }),
  addTourStopItineraryItem: t.field({
    ...requires('itinerary.manage'),
    type: ItineraryItemRef,
    description:
      "Add an item to a tour day without a show (the artist side's only; the zone defaults to the stop's city's, else the tour's home city's).",
    args: { tourStopId: t.arg.id({ required: true }), input: t.arg({ type: ItemInputType, required: true }) },
    resolve: (_root, args, ctx) => itinerary.addToStop(ctx, parseId(args.tourStopId, 'tourStopId'), args.input ?? {}),
  }),
  updateItineraryItem: t.field({
    ...requires('itinerary.manage'),
    type: ItineraryItemRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ItemPatchType, required: true }) },
    resolve: (_root, args, ctx) => itinerary.update(ctx, parseId(args.id), args.input ?? {}),
  }),
  removeItineraryItem: t.id({
    ...requires('itinerary.manage'),
    description: 'Remove an itinerary item; answers its id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await itinerary.remove(ctx, parseId(args.id))).id,
  }),
  createCalendarFeed: t.field({
    ...requires('calendar.subscribe'),
    type: FeedRef,
    description: 'Create an iCal feed of an artist: the answer carries the secret token and URL, once.',
    args: { input: t.arg({ type: FeedInputType, required: true }) },
    resolve: (_root, args, ctx) => calendarFeeds.create(ctx, args.input ?? {}),
  }),
  rotateCalendarFeed: t.field({
    ...requires('calendar.subscribe'),
    type: FeedRef,
    description: 'Replace the secret token (the old URL stops working).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RotateInputType }) },
    resolve: (_root, args, ctx) => calendarFeeds.rotate(ctx, parseId(args.id), args.input ?? {}),
  }),
  revokeCalendarFeed: t.field({
    ...requires('calendar.subscribe'),
    type: FeedRef,
    description: 'Revoke the feed (its URL answers 404).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => calendarFeeds.revoke(ctx, parseId(args.id)),
  }),
}))
