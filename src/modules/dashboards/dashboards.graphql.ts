import { builder, requires } from '../../graphql/builder.ts'
import { graphqlEnum } from '../../graphql/inputs.ts'
import { MoneyRef } from '../../graphql/money.ts'
import { invalidInput } from '../../errors.ts'
import { SideEnum } from '../booking/booking.graphql.ts'
import { AGGREGATES } from '../outbox/catalog.ts'
import { activity, dashboards, TASK_KINDS, TASK_SUBJECTS, tasks, type Dashboard } from './dashboards.service.ts'

type Counts<K extends keyof Dashboard> = Dashboard[K]

const ints = <T extends object>(name: string, description: string, keys: (keyof T & string)[]) =>
  builder.objectRef<T>(name).implement({
    description,
    fields: (t) => Object.fromEntries(keys.map((k) => [k, t.int({ resolve: (o) => o[k] as number })])),
  })

const RequestCounts = ints<Counts<'requests'>>('DashboardRequests', 'Open requests not past their answer-by time or event.', [
  'awaitingAnswer',
  'expiringSoon',
])
const OfferCounts = ints<Counts<'offers'>>('DashboardOffers', 'Open offers not past their answer-by time.', [
  'awaitingUs',
  'awaitingThem',
  'expiringSoon',
])
const HoldCounts = ints<Counts<'holds'>>('DashboardHolds', 'Active holds within their period, by rank (1, 2, 3 and lower).', [
  'firstRank',
  'secondRank',
  'lowerRanks',
  'challenged',
  'expiringSoon',
])
const ContractCounts = ints<Counts<'contracts'>>('DashboardContracts', 'Sent contracts, by whose signature holds them up.', [
  'awaitingOurSignature',
  'awaitingTheirSignature',
])

type Month = Dashboard['bookingsByMonth'][number]
const MonthRef = builder.objectRef<Month>('DashboardBookingMonth').implement({
  description: 'Confirmed and cancelled bookings of one show month in one currency.',
  fields: (t) => ({
    month: t.exposeString('month', { description: 'YYYY-MM (UTC)' }),
    currency: t.exposeString('currency'),
    confirmed: t.exposeInt('confirmed'),
    confirmedFees: t.field({ type: MoneyRef, resolve: (m) => m.confirmedFees }),
    cancelled: t.exposeInt('cancelled'),
    cancelledFees: t.field({ type: MoneyRef, resolve: (m) => m.cancelledFees }),
  }),
})

type Top = Dashboard['topArtists'][number]
const TopRef = builder.objectRef<Top>('DashboardCounterpart').implement({
  description: 'An artist, agency or promoter company, with the bookings the company has with it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true, description: 'Null for promoter companies (their names live in Core)' }),
    confirmed: t.exposeInt('confirmed'),
    cancelled: t.exposeInt('cancelled'),
  }),
})

type Show = Dashboard['upcomingShows'][number]
const ShowRef = builder.objectRef<Show>('DashboardShow').implement({
  fields: (t) => ({
    bookingId: t.exposeID('bookingId'),
    artistId: t.exposeID('artistId'),
    artistName: t.exposeString('artistName'),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
  }),
})

type Lists = NonNullable<Dashboard['shortlists']>
const ShortlistCardRef = builder.objectRef<Lists['recent'][number]>('DashboardShortlist').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    eventOn: t.field({ type: 'Date', nullable: true, resolve: (s) => (s.eventOn ? new Date(s.eventOn) : null) }),
    itemCount: t.exposeInt('itemCount'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})
const ShortlistsRef = builder.objectRef<Lists>('DashboardShortlists').implement({
  fields: (t) => ({ count: t.exposeInt('count'), recent: t.field({ type: [ShortlistCardRef], resolve: (s) => s.recent }) }),
})

const DashboardRef = builder.objectRef<Dashboard>('Dashboard').implement({
  description:
    "The company's dashboard for its side. Counts of what lapses with time are right at asOf; totals come from roll-ups kept in the transaction of each confirmation and cancellation.",
  fields: (t) => ({
    side: t.field({ type: SideEnum, resolve: (d) => d.side }),
    asOf: t.expose('asOf', { type: 'DateTime' }),
    requests: t.field({ type: RequestCounts, resolve: (d) => d.requests }),
    offers: t.field({ type: OfferCounts, resolve: (d) => d.offers }),
    holds: t.field({ type: HoldCounts, resolve: (d) => d.holds }),
    contracts: t.field({ type: ContractCounts, resolve: (d) => d.contracts }),
    bookingsByMonth: t.field({ type: [MonthRef], resolve: (d) => d.bookingsByMonth }),
    topArtists: t.field({ type: [TopRef], resolve: (d) => d.topArtists }),
    topCounterparts: t.field({
      type: [TopRef],
      description: 'Agency: top promoter companies; promoter: top agencies.',
      resolve: (d) => d.topCounterparts,
    }),
    upcomingShows: t.field({ type: [ShowRef], resolve: (d) => d.upcomingShows }),
    shortlists: t.field({ type: ShortlistsRef, nullable: true, description: 'Promoter only.', resolve: (d) => d.shortlists }),
  }),
})

type Activity = Awaited<ReturnType<typeof activity.list>>['items'][number]
const payloadId = (key: string) => (a: Activity) => {
  const v = a.payload[key]
  return typeof v === 'string' ? v : null
}

const SubjectEnum = graphqlEnum(
  'ActivitySubject',
  Object.fromEntries(AGGREGATES.map((a) => [a, a])) as Record<Activity['subjectType'], Activity['subjectType']>,
  'What an event is about',
)

const ActivityRef = builder.objectRef<Activity>('ActivityItem').implement({
  description: 'An event the company is party to (docs/events.md), with the ids and statuses its payload carries.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type', {
      description:
        'The event type as docs/events.md names it (e.g. booking.confirmed, contract.signed): the events contract, not a GraphQL enum',
    }),
    subjectType: t.field({ type: SubjectEnum, resolve: (a) => a.subjectType }),
    subjectId: t.exposeID('subjectId'),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    requestId: t.id({ nullable: true, resolve: payloadId('requestId') }),
    bookingId: t.id({ nullable: true, resolve: payloadId('bookingId') }),
    contractId: t.id({ nullable: true, resolve: payloadId('contractId') }),
    artistId: t.id({ nullable: true, resolve: payloadId('artistId') }),
    fromStatus: t.string({ nullable: true, resolve: payloadId('fromStatus') }),
    toStatus: t.string({ nullable: true, resolve: payloadId('toStatus') }),
  }),
})

type Task = Awaited<ReturnType<typeof tasks.list>>['items'][number]
const TaskKindEnum = graphqlEnum('TaskKind', Object.fromEntries(TASK_KINDS.map((k) => [k, k])) as Record<Task['kind'], Task['kind']>)

const TaskSubjectEnum = graphqlEnum(
  'TaskSubject',
  Object.fromEntries(TASK_SUBJECTS.map((s) => [s, s])) as Record<(typeof TASK_SUBJECTS)[number], (typeof TASK_SUBJECTS)[number]>,
)

const TaskRef = builder.objectRef<Task>('Task').implement({
  description: 'Something waiting for the company, with its subject and when it is due.',
  fields: (t) => ({
    kind: t.field({ type: TaskKindEnum, resolve: (k) => k.kind }),
    subjectType: t.field({ type: TaskSubjectEnum, resolve: (k) => k.subjectType }),
    subjectId: t.exposeID('subjectId'),
    requestId: t.exposeID('requestId'),
    artistId: t.exposeID('artistId'),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    dueAt: t.expose('dueAt', { type: 'DateTime' }),
  }),
})

/**
 * A keyset page as a Relay connection (forward only: `last`/`before` are refused). The page size and its
 * bounds are the service's FeedQuery, as on REST; null must not reach its coercion (it would read 0).
 */
function keysetArgs(args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null }) {
  if (args.last != null || args.before != null)
    throw invalidInput(args.last != null ? 'last' : 'before', 'this feed pages forward only (first/after)')
  return { first: args.first ?? undefined, after: args.after ?? undefined }
}

function connection<T>(
  page: { items: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: () => Promise<number> },
  cursors: string[],
) {
  return {
    edges: page.items.map((node, i) => ({ node, cursor: cursors[i]! })),
    pageInfo: {
      hasNextPage: page.pageInfo.hasNextPage,
      hasPreviousPage: false,
      startCursor: cursors[0] ?? null,
      endCursor: page.pageInfo.endCursor,
    },
    totalCount: page.totalCount,
  }
}

builder.queryFields((t) => ({
  dashboard: t.field({
    ...requires('dashboard.read'),
    type: DashboardRef,
    description: "The company's dashboard for its side (agency, management or promoter).",
    resolve: (_root, _args, ctx) => dashboards.get(ctx),
  }),
  activity: t.connection(
    {
      ...requires('dashboard.read'),
      type: ActivityRef,
      description:
        "Events the company is party to that the caller's permissions let it read (docs/events.md), newest first (keyset: first/after).",
      resolve: async (_root, args, ctx) => {
        const page = await activity.list(ctx, keysetArgs(args))
        return connection(page, page.cursors)
      },
    },
    { name: 'ActivityConnection' },
    { name: 'ActivityEdge' },
  ),
  tasks: t.connection(
    {
      ...requires('dashboard.read'),
      type: TaskRef,
      description: 'What waits for the company, soonest due first (keyset: first/after).',
      resolve: async (_root, args, ctx) => {
        const page = await tasks.list(ctx, keysetArgs(args))
        return connection(page, page.cursors)
      },
    },
    { name: 'TaskConnection' },
    { name: 'TaskEdge' },
  ),
}))
