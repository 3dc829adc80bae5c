import { IdParams, route } from '../../rest/route.ts'
import { moneyProperty, viewSchema, type JsonSchema } from '../../rest/schemas.ts'
import { finance, FinanceStatusInput } from './finance.service.ts'
import { AckInput, HandoffFilter, HandoffInput, handoffs, RejectInput } from './handoffs.service.ts'

const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true })
const int = { type: 'integer' }
const str = { type: 'string' }
const instant = { type: 'string', format: 'date-time' }

const DepositTermSchema: JsonSchema = {
  type: 'object',
  description: 'A term of the deposit schedule (today: the one deposit of the accepted offer, flat, no due date)',
  properties: {
    seq: int,
    kind: { type: 'string', enum: ['flat', 'percent'] },
    amount: nullable(int),
    percent: nullable(int),
    dueOn: nullable({ type: 'string', format: 'date' }),
    dueDaysBeforeEvent: nullable(int),
  },
}

const AgreedSchema: JsonSchema = {
  type: 'object',
  description: 'The agreed deal terms (amounts in minor units)',
  properties: {
    currency: str,
    dealType: str,
    fee: nullable(int),
    percentage: nullable(int),
    deposit: nullable(int),
    depositSchedule: { type: 'array', items: DepositTermSchema },
    startsAt: instant,
    endsAt: instant,
  },
}

// What a caller reads shows Money beside each amount (src/rest/money-fields.ts); the deal snapshot Finance
// reads and hashes (DealSchema) stays as it is.
const AgreedViewSchema: JsonSchema = {
  ...AgreedSchema,
  properties: {
    ...(AgreedSchema.properties as Record<string, JsonSchema>),
    feeMoney: moneyProperty('fee'),
    depositMoney: moneyProperty('deposit'),
    depositSchedule: {
      type: 'array',
      items: { ...DepositTermSchema, properties: { ...(DepositTermSchema.properties as object), amountMoney: moneyProperty('amount') } },
    },
  },
}

const FinanceViewSchema: JsonSchema = {
  type: 'object',
  properties: {
    bookingId: { type: 'string', format: 'uuid' },
    side: { type: 'string', enum: ['agency', 'promoter'] },
    agreed: AgreedViewSchema,
    financeLinked: { type: 'boolean', description: 'Whether Finance has sent a status for this booking and side' },
    financeMessage: nullable({ type: 'string', enum: ['not_synced'], description: 'Why financeLinked is false' }),
    status: nullable({
      type: 'object',
      description: "Finance's last status (pushed by Finance; null when it sent none)",
      properties: {
        financeVersion: int,
        currency: str,
        deposits: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              seq: int,
              amount: int,
              amountMoney: moneyProperty('amount', false),
              dueOn: nullable({ type: 'string', format: 'date' }),
              status: { type: 'string', enum: ['upcoming', 'due', 'overdue', 'paid'] },
              paidAt: nullable(instant),
            },
          },
        },
        invoiced: int,
        invoicedMoney: moneyProperty('invoiced', false),
        paid: int,
        paidMoney: moneyProperty('paid', false),
        balance: int,
        balanceMoney: moneyProperty('balance', false),
        settlementStatus: { type: 'string', enum: ['none', 'in_settlement', 'settled'] },
        financeRef: nullable(str),
        asOf: instant,
        receivedAt: instant,
      },
    }),
  },
  required: ['bookingId', 'side', 'agreed', 'financeLinked', 'financeMessage', 'status'],
}

const DealSchema: JsonSchema = {
  type: 'object',
  description: 'The booking as Finance needs it (also the snapshot a handoff carries)',
  properties: {
    bookingId: str,
    requestId: str,
    status: str,
    cancelledAt: nullable(instant),
    parties: {
      type: 'object',
      properties: { promoterOrgId: str, agencyId: str, agencyName: str, agencyOrgIds: { type: 'array', items: str } },
    },
    artist: { type: 'object', properties: { id: str, name: str } },
    venue: { type: 'object', properties: { id: nullable(str), name: nullable(str) } },
    terms: AgreedSchema,
    contract: nullable({
      type: 'object',
      properties: {
        id: str,
        status: str,
        version: int,
        contentHash: nullable(str),
        signed: { type: 'boolean' },
        signedAt: nullable(instant),
      },
    }),
  },
}

const handoff = viewSchema('FinanceHandoff', { events: true })
const tag = 'Finance'
const internalTag = 'Finance (machine)'
const BookingIdParams = IdParams

export const financeRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/bookings/:id/finance',
    tag,
    summary: "The booking's agreed terms and Finance's last status for the caller's side (financeLinked: false when none)",
    access: 'finance.read',
    params: BookingIdParams,
    response: FinanceViewSchema,
    handler: ({ ctx, params }) => finance.ofBooking(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/bookings/:id/finance-handoffs',
    tag,
    summary: "The caller's side's handoffs of the booking, newest first, each with its audit",
    access: 'finance.read',
    params: BookingIdParams,
    response: { type: 'array', items: handoff },
    handler: ({ ctx, params }) => handoffs.ofBooking(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/bookings/:id/finance-handoffs',
    tag,
    summary: 'Hand the confirmed booking to Finance (a fully signed contract, or force with a reason)',
    description:
      '409 `booking_not_confirmed`, `contract_not_signed` (unless `force` with `forceReason`), `handoff_exists` (one live handoff per booking and side).',
    access: 'finance.handoff',
    params: BookingIdParams,
    body: HandoffInput,
    response: handoff,
    status: 201,
    handler: ({ ctx, params, body }) => handoffs.request(ctx, params.id, body),
  }),
  route({
    method: 'POST',
    url: '/internal/finance/booking-status',
    tag: internalTag,
    summary: 'Finance pushes its status of a booking for one side (idempotent on financeVersion; older: 409 stale_finance_version)',
    access: 'finance.sync',
    body: FinanceStatusInput,
    response: { allOf: [FinanceViewSchema, { type: 'object', properties: { applied: { type: 'boolean' } } }] },
    handler: ({ ctx, body }) => finance.sync(ctx, body),
  }),
  route({
    method: 'GET',
    url: '/internal/bookings/:id',
    tag: internalTag,
    summary:
      'The booking as Finance needs it: parties, artist, dates, venue, deal terms, deposit schedule, contract and whether it is signed',
    access: 'finance.sync',
    params: BookingIdParams,
    response: DealSchema,
    handler: ({ ctx, params }) => finance.deal(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/internal/finance/handoffs',
    tag: internalTag,
    summary: 'Handoffs by status, oldest first (pull mode, for Finance instead of NATS), with snapshots and audit',
    access: 'finance.sync',
    list: true,
    query: HandoffFilter,
    response: handoff,
    handler: ({ ctx, query, page }) => handoffs.list(ctx, query, page),
  }),
  route({
    method: 'GET',
    url: '/internal/finance/handoffs/:id',
    tag: internalTag,
    summary: 'A handoff with the snapshot handed over, its hash and its audit',
    access: 'finance.sync',
    params: IdParams,
    response: handoff,
    handler: ({ ctx, params }) => handoffs.get(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/internal/finance/handoffs/:id/ack',
    tag: internalTag,
    summary: 'Finance acknowledges a pending or sent handoff (409 invalid_transition otherwise)',
    access: 'finance.sync',
    params: IdParams,
    body: AckInput,
    response: handoff,
    handler: ({ ctx, params, body }) => handoffs.acknowledge(ctx, params.id, body),
  }),
  route({
    method: 'POST',
    url: '/internal/finance/handoffs/:id/reject',
    tag: internalTag,
    summary: 'Finance refuses a pending or sent handoff, with the reason (409 invalid_transition otherwise)',
    access: 'finance.sync',
    params: IdParams,
    body: RejectInput,
    response: handoff,
    handler: ({ ctx, params, body }) => handoffs.reject(ctx, params.id, body),
  }),
]
