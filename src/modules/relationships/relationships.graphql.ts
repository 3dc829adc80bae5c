import type { Booking } from '../../generated/prisma/client.ts'
import { RelationshipFlagKind } from '../../generated/prisma/client.ts'
import { builder, requires } from '../../graphql/builder.ts'
import { viewConnectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { MoneyRef } from '../../graphql/money.ts'
import { refOf, UserRef } from '../../graphql/references.ts'
import { isUuid, parseId } from '../../validation.ts'
import { BookingStatusEnum, SideEnum } from '../booking/booking.graphql.ts'
import { CompanyRef } from '../directory/tenant-company.graphql.ts'
import { RatingInput, RatingUpdate, ratings, type BookingRatingsView, type RatingView } from './ratings.service.ts'
import {
  FlagInput,
  FlagUpdate,
  NoteInput,
  relationships,
  type FlagView,
  type HistoryView,
  type NoteView,
  type RelationshipSummary,
  type RelationshipView,
} from './relationships.service.ts'
import { trust, type TrustFactor, type TrustView } from './trust.service.ts'

const FlagKindEnum = graphqlEnum('RelationshipFlagKind', RelationshipFlagKind, 'What a flag on a counterparty says')
const CounterpartyKindEnum = graphqlEnum('CounterpartyKind', { agency: 'agency', company: 'company' }, 'An agency, or a promoter company')
const TrustStatusEnum = graphqlEnum('TrustStatus', { scored: 'scored', not_enough_history: 'not_enough_history' })
const RatingWindowEnum = graphqlEnum('RatingWindow', { not_open: 'not_open', open: 'open', closed: 'closed' })

type Counterparty = RelationshipView['counterparty']
type HistoryItem = HistoryView['items'][number]

const CounterpartyRef = builder.objectRef<Counterparty>('RelationshipCounterparty').implement({
  description: 'The other company of a relationship: the agency (for a promoter) or the promoter company (for the artist side).',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: CounterpartyKindEnum, resolve: (c) => c.kind }),
    name: t.exposeString('name', { nullable: true, description: "The agency's name (promoter companies are named by the Auth subgraph)" }),
  }),
})

const SummaryRef = builder.objectRef<RelationshipSummary>('RelationshipSummary').implement({
  description: 'The pipeline with a counterparty, kept current in the transaction of every deal change ("us" is the reading company).',
  fields: (t) => ({
    requests: t.exposeInt('requests'),
    openPipelines: t.exposeInt('openPipelines'),
    bookingsConfirmed: t.exposeInt('bookingsConfirmed'),
    cancelledByUs: t.exposeInt('cancelledByUs'),
    cancelledByThem: t.exposeInt('cancelledByThem'),
    lateCancelledByUs: t.exposeInt('lateCancelledByUs', { description: 'Less than 30 days before the event' }),
    lateCancelledByThem: t.exposeInt('lateCancelledByThem', { description: 'Less than 30 days before the event' }),
    ourAverageAnswerSeconds: t.exposeInt('ourAverageAnswerSeconds', { nullable: true }),
    theirAverageAnswerSeconds: t.exposeInt('theirAverageAnswerSeconds', { nullable: true }),
    firstDealAt: t.expose('firstDealAt', { type: 'DateTime', nullable: true }),
    lastDealAt: t.expose('lastDealAt', { type: 'DateTime', nullable: true }),
    lastInteractionAt: t.expose('lastInteractionAt', { type: 'DateTime', nullable: true }),
  }),
})

const NoteRef = builder.objectRef<NoteView>('RelationshipNote').implement({
  description: 'A note about a counterparty, private to the company that wrote it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    counterpartyId: t.exposeID('counterpartyId'),
    author: t.field({ type: UserRef, nullable: true, resolve: (o) => refOf(o.authorUserId) }),
    authorUserId: t.exposeID('authorUserId', { deprecationReason: 'Use author { id }: a reference the gateway resolves.' }),
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const FlagRef = builder.objectRef<FlagView>('RelationshipFlag').implement({
  description: 'A flag on a counterparty, private to the company that set it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    counterpartyId: t.exposeID('counterpartyId'),
    kind: t.field({ type: FlagKindEnum, resolve: (f) => f.kind }),
    label: t.exposeString('label', { nullable: true }),
    note: t.exposeString('note', { nullable: true }),
    setBy: t.field({ type: UserRef, nullable: true, resolve: (o) => refOf(o.setByUserId) }),
    setByUserId: t.exposeID('setByUserId', { deprecationReason: 'Use setBy { id }: a reference the gateway resolves.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const HistoryItemRef = builder.objectRef<HistoryItem>('RelationshipBooking').implement({
  description: 'A booking with the counterparty, as the history shows it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    requestId: t.exposeID('requestId'),
    artistId: t.exposeID('artistId'),
    artistName: t.exposeString('artistName'),
    agencyId: t.exposeID('agencyId'),
    promoter: t.field({ type: CompanyRef, nullable: true, resolve: (o) => refOf(o.promoterOrgId) }),
    promoterOrgId: t.exposeID('promoterOrgId', { deprecationReason: 'Use promoter { id }: a reference the gateway resolves.' }),
    venueName: t.exposeString('venueName', { nullable: true }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    status: t.field({ type: BookingStatusEnum, resolve: (b) => b.status }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    fee: t.field({ type: MoneyRef, nullable: true, resolve: (b) => b.fee }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const HistoryRef = builder.objectRef<HistoryView>('RelationshipHistory').implement({
  fields: (t) => ({
    totalCount: t.exposeInt('total'),
    items: t.field({ type: [HistoryItemRef], description: 'Newest event first, at most 100', resolve: (h) => h.items }),
  }),
})

const RelationshipRef = builder.objectRef<RelationshipView>('Relationship').implement({
  description: 'What the reading company knows of a counterparty: the summary, its own private notes and flags, the booking history.',
  fields: (t) => ({
    counterparty: t.field({ type: CounterpartyRef, resolve: (r) => r.counterparty }),
    side: t.field({ type: SideEnum, description: "The reading company's side", resolve: (r) => r.side }),
    summary: t.field({ type: SummaryRef, resolve: (r) => r.summary }),
    notes: t.field({ type: [NoteRef], description: 'Newest first', resolve: (r) => r.notes }),
    flags: t.field({ type: [FlagRef], resolve: (r) => r.flags }),
    history: t.field({
      type: HistoryRef,
      nullable: true,
      description: 'The bookings with the counterparty (on relationship(companyId); null in the list)',
      resolve: (r) => r.history,
    }),
  }),
})

const RatingRef = builder.objectRef<RatingView>('BookingRating').implement({
  description: "One side's rating of the other for a booking (1–5 per dimension).",
  fields: (t) => ({
    id: t.exposeID('id'),
    bookingId: t.exposeID('bookingId'),
    raterSide: t.field({ type: SideEnum, resolve: (r) => r.raterSide }),
    communication: t.exposeInt('communication'),
    reliability: t.exposeInt('reliability'),
    hospitalityOrProduction: t.exposeInt('hospitalityOrProduction'),
    paymentOrPerformance: t.exposeInt('paymentOrPerformance'),
    comment: t.exposeString('comment', { nullable: true }),
    revealedAt: t.expose('revealedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const BookingRatingsRef = builder.objectRef<BookingRatingsView>('BookingRatings').implement({
  description:
    "A booking's ratings as the reading party sees them: its own, and the other side's once both rated or the window closed. A company that sees the booking without rating it (the artist's management, an agency that took the artist over) sees the window and no rating.",
  fields: (t) => ({
    side: t.field({ type: SideEnum, resolve: (r) => r.side }),
    opensAt: t.expose('opensAt', { type: 'DateTime' }),
    closesAt: t.expose('closesAt', { type: 'DateTime' }),
    window: t.field({ type: RatingWindowEnum, resolve: (r) => r.window as 'open' }),
    revealed: t.exposeBoolean('revealed'),
    mine: t.field({ type: RatingRef, nullable: true, resolve: (r) => r.mine }),
    theirsSubmitted: t.exposeBoolean('theirsSubmitted'),
    theirs: t.field({ type: RatingRef, nullable: true, description: 'Null until revealed', resolve: (r) => r.theirs }),
  }),
})

const TrustFactorRef = builder.objectRef<TrustFactor>('TrustFactor').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    weight: t.exposeFloat('weight'),
    value: t.exposeFloat('value', { description: '0 to 1' }),
    points: t.exposeFloat('points', { description: 'What the factor adds to the score (weight × value × 100)' }),
    explanation: t.exposeString('explanation'),
  }),
})

const TrustRef = builder.objectRef<TrustView>('TrustScore').implement({
  description:
    'A company\'s trust score (0–100), the formula version and the factors that made it; "not enough history" below 3 completed bookings.',
  fields: (t) => ({
    companyId: t.exposeID('companyId'),
    subjectKind: t.field({ type: CounterpartyKindEnum, resolve: (v) => v.subjectKind }),
    subjectId: t.exposeID('subjectId', { description: 'The agency scored when companyId is a tenant bridged to one' }),
    version: t.exposeInt('version'),
    status: t.field({ type: TrustStatusEnum, resolve: (v) => v.status }),
    score: t.exposeInt('score', { nullable: true }),
    completedBookings: t.exposeInt('completedBookings'),
    minimumCompletedBookings: t.exposeInt('minimumCompletedBookings'),
    ratingsCount: t.exposeInt('ratingsCount'),
    factors: t.field({ type: [TrustFactorRef], resolve: (v) => v.factors }),
    computedAt: t.expose('computedAt', { type: 'DateTime' }),
  }),
})

const trustLoader = (ctx: Parameters<typeof trust.of>[0]) => ctx.loader<string, TrustView>('trust', (ids) => trust.of(ctx, ids))

builder.prismaObjectFields('Agency', (t) => ({
  trust: t.field({
    ...requires('trust.read'),
    type: TrustRef,
    description: "The agency's trust score with its factors (aggregates only).",
    resolve: (agency, _args, ctx) => trustLoader(ctx).load(agency.id),
  }),
}))

builder.objectField(CompanyRef, 'trust', (t) =>
  t.field({
    ...requires('trust.read'),
    type: TrustRef,
    description: "The company's trust score: its agency's when bridged to one, else as a buyer (aggregates only).",
    resolve: (company, _args, ctx) => (isUuid(company.id) ? trustLoader(ctx).load(company.id) : null),
  }),
)

builder.prismaObjectFields('Booking', (t) => ({
  ratings: t.field({
    ...requires('ratings.read'),
    type: BookingRatingsRef,
    description: "The booking's ratings for the caller's side: its own, and the other side's once revealed (the two parties only).",
    select: { endsAt: true, status: true, promoterOrgId: true, agencyId: true },
    resolve: (b, _args, ctx) =>
      ctx.loader<Booking, BookingRatingsView>('bookingRatings', (list) => ratings.forBookings(ctx, list)).load(b as Booking),
  }),
}))

const NoteInputType = inputFromZod('RelationshipNoteInput', NoteInput)
const FlagInputType = inputFromZod('RelationshipFlagInput', FlagInput)
const FlagUpdateType = inputFromZod('RelationshipFlagUpdate', FlagUpdate)
const RatingInputType = inputFromZod('BookingRatingInput', RatingInput)
const RatingUpdateType = inputFromZod('BookingRatingUpdate', RatingUpdate)

const DeletedRef = builder.objectRef<{ id: string; deleted: boolean }>('RelationshipDeleted').implement({
  fields: (t) => ({ id: t.exposeID('id'), deleted: t.exposeBoolean('deleted') }),
})

builder.queryFields((t) => ({
  relationships: t.connection(
    {
      ...requires('relationships.read'),
      type: RelationshipRef,
      description: "The company's counterparties (dealt with, or with notes or flags), latest interaction first.",
      resolve: (_root, args, ctx) => viewConnectionOf(args, (page) => relationships.list(ctx, page)),
    },
    { name: 'RelationshipConnection' },
    { name: 'RelationshipEdge' },
  ),
  relationship: t.field({
    ...requires('relationships.read'),
    type: RelationshipRef,
    description: 'Everything the company knows of a counterparty, with the booking history, in one call.',
    args: { companyId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => relationships.get(ctx, parseId(args.companyId, 'companyId')),
  }),
  relationshipNote: t.field({
    ...requires('relationships.read'),
    type: NoteRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => relationships.note(ctx, parseId(args.id)),
  }),
  relationshipFlag: t.field({
    ...requires('relationships.read'),
    type: FlagRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => relationships.flag(ctx, parseId(args.id)),
  }),
  trustScore: t.field({
    ...requires('trust.read'),
    type: TrustRef,
    description: 'The trust score of an agency or a tenant company (aggregates only).',
    args: { companyId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => trust.get(ctx, parseId(args.companyId, 'companyId')),
  }),
}))

builder.mutationFields((t) => ({
  addRelationshipNote: t.field({
    ...requires('relationships.manage'),
    type: NoteRef,
    args: { companyId: t.arg.id({ required: true }), input: t.arg({ type: NoteInputType, required: true }) },
    resolve: (_root, args, ctx) => relationships.addNote(ctx, parseId(args.companyId, 'companyId'), args.input),
  }),
  editRelationshipNote: t.field({
    ...requires('relationships.manage'),
    type: NoteRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: NoteInputType, required: true }) },
    resolve: (_root, args, ctx) => relationships.editNote(ctx, parseId(args.id), args.input),
  }),
  deleteRelationshipNote: t.field({
    ...requires('relationships.manage'),
    type: DeletedRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => relationships.deleteNote(ctx, parseId(args.id)),
  }),
  setRelationshipFlag: t.field({
    ...requires('relationships.manage'),
    type: FlagRef,
    args: { companyId: t.arg.id({ required: true }), input: t.arg({ type: FlagInputType, required: true }) },
    resolve: (_root, args, ctx) => relationships.setFlag(ctx, parseId(args.companyId, 'companyId'), args.input),
  }),
  editRelationshipFlag: t.field({
    ...requires('relationships.manage'),
    type: FlagRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: FlagUpdateType, required: true }) },
    resolve: (_root, args, ctx) => relationships.editFlag(ctx, parseId(args.id), args.input),
  }),
  clearRelationshipFlag: t.field({
    ...requires('relationships.manage'),
    type: DeletedRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => relationships.clearFlag(ctx, parseId(args.id)),
  }),
  rateBooking: t.field({
    ...requires('ratings.submit'),
    type: BookingRatingsRef,
    description: 'Rate the other side of a booking after its event, once; hidden from them until both rated or the window closed.',
    args: { bookingId: t.arg.id({ required: true }), input: t.arg({ type: RatingInputType, required: true }) },
    resolve: (_root, args, ctx) => ratings.submit(ctx, parseId(args.bookingId, 'bookingId'), args.input),
  }),
  editBookingRating: t.field({
    ...requires('ratings.submit'),
    type: BookingRatingsRef,
    description: "Edit your side's rating until it is revealed (409 rating_revealed after).",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RatingUpdateType, required: true }) },
    resolve: (_root, args, ctx) => ratings.edit(ctx, parseId(args.id), args.input),
  }),
}))
