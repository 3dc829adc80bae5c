import { route } from '../../rest/route.ts'
import { MoneySchema, type JsonSchema } from '../../rest/schemas.ts'
import { AGGREGATES } from '../outbox/catalog.ts'
import { activity, dashboards, FeedQuery, TASK_KINDS, TASK_SUBJECTS, tasks } from './dashboards.service.ts'

const int = { type: 'integer' }
const str = { type: 'string' }
const uuid = { type: 'string', format: 'uuid' }
const instant = { type: 'string', format: 'date-time' }
const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true })
const object = (properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  required: Object.keys(properties),
})

const Counterpart = object({ id: uuid, name: nullable(str), confirmed: int, cancelled: int })

const DashboardSchema = object({
  side: { type: 'string', enum: ['agency', 'promoter'] },
  asOf: instant,
  requests: object({ awaitingAnswer: int, expiringSoon: int }, 'Open requests not past their answer-by time or event'),
  offers: object({ awaitingUs: int, awaitingThem: int, expiringSoon: int }, 'Open offers not past their answer-by time'),
  holds: object(
    { firstRank: int, secondRank: int, lowerRanks: int, challenged: int, expiringSoon: int },
    'Active holds within their period, by rank (1, 2, 3 and lower)',
  ),
  contracts: object({ awaitingOurSignature: int, awaitingTheirSignature: int }, 'Sent contracts, by whose signature holds them up'),
  bookingsByMonth: {
    type: 'array',
    description: 'Confirmed and cancelled bookings by show month (from 11 months back, and every month ahead) and currency',
    items: object({ month: str, currency: str, confirmed: int, confirmedFees: MoneySchema, cancelled: int, cancelledFees: MoneySchema }),
  },
  topArtists: { type: 'array', items: Counterpart },
  topCounterparts: { type: 'array', description: 'Agency: top promoter companies (ids); promoter: top agencies', items: Counterpart },
  upcomingShows: { type: 'array', items: object({ bookingId: uuid, artistId: uuid, artistName: str, startsAt: instant }) },
  shortlists: nullable(
    object(
      {
        count: int,
        recent: { type: 'array', items: object({ id: uuid, name: str, eventOn: nullable(str), itemCount: int, updatedAt: instant }) },
      },
      'Promoter only: the shortlists the caller sees',
    ),
  ),
})

const pageOf = (item: JsonSchema): JsonSchema =>
  object({ items: { type: 'array', items: item }, pageInfo: object({ hasNextPage: { type: 'boolean' }, endCursor: nullable(str) }) })

const ActivitySchema = object({
  id: uuid,
  type: { type: 'string', description: 'The event type (docs/events.md), e.g. booking.confirmed' },
  subjectType: { type: 'string', enum: [...AGGREGATES] },
  subjectId: uuid,
  occurredAt: instant,
  updatedAt: instant,
  payload: { type: 'object', additionalProperties: true, description: "The event's payload (ids, statuses, dates)" },
})

const TaskSchema = object({
  kind: { type: 'string', enum: [...TASK_KINDS] },
  subjectType: { type: 'string', enum: [...TASK_SUBJECTS] },
  subjectId: uuid,
  requestId: uuid,
  artistId: uuid,
  startsAt: instant,
  dueAt: instant,
})

const tag = 'Dashboards'

export const dashboardRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/dashboard',
    tag,
    summary: "The company's dashboard for its side: live pipeline counts, bookings by month and currency, tops, upcoming shows",
    access: 'dashboard.read',
    response: DashboardSchema,
    handler: ({ ctx }) => dashboards.get(ctx),
  }),
  route({
    method: 'GET',
    url: '/api/v1/activity',
    tag,
    summary: "Events the company is party to that the caller's permissions let it read (docs/events.md), newest first (keyset)",
    access: 'dashboard.read',
    query: FeedQuery,
    response: pageOf(ActivitySchema),
    handler: async ({ ctx, query }) => {
      const page = await activity.list(ctx, query)
      return { items: page.items, pageInfo: page.pageInfo }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/tasks',
    tag,
    summary: 'What waits for the company, soonest due first (keyset): answer, resolve a challenge, sign, hand to Finance',
    access: 'dashboard.read',
    query: FeedQuery,
    response: pageOf(TaskSchema),
    handler: async ({ ctx, query }) => {
      const page = await tasks.list(ctx, query)
      return { items: page.items, pageInfo: page.pageInfo }
    },
  }),
]
