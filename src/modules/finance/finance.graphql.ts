import { MoneyRef } from '../../graphql/money.ts'
import { money } from '../../money.ts'
import type { BookingSide, DealType, DepositKind } from '../../generated/prisma/client.ts'
import { ActorTypeEnum, DealTypeEnum, DepositKindEnum, SideEnum } from '../booking/booking.graphql.ts'
import type { ACTOR_TYPES } from '../booking/parties.ts'
import { ActedRef } from '../directory/tenant-company.graphql.ts'
import { HANDOFF_STEPS } from './handoff-links.ts'
import type { Booking } from '../../generated/prisma/client.ts'
import { FinanceHandoffReason, FinanceHandoffStatus, SettlementStatus } from '../../generated/prisma/client.ts'
import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import type { DepositTerm } from './deal.ts'
import { finance, type FinanceView } from './finance.service.ts'
import { HandoffInput, handoffs } from './handoffs.service.ts'

const SettlementStatusEnum = graphqlEnum('SettlementStatus', SettlementStatus)
const HandoffStatusEnum = graphqlEnum('FinanceHandoffStatus', FinanceHandoffStatus)
const HandoffReasonEnum = graphqlEnum('FinanceHandoffReason', FinanceHandoffReason)
const DepositStatusEnum = graphqlEnum('DepositStatus', { upcoming: 'upcoming', due: 'due', overdue: 'overdue', paid: 'paid' })

type Agreed = FinanceView['agreed']
type Status = NonNullable<FinanceView['status']>
type Deposit = Status['deposits'][number] & { currency: string }

const DepositTermRef = builder.objectRef<DepositTerm & { currency: string }>('DepositTerm').implement({
  description: 'A term of the deposit schedule (today: the one deposit of the accepted offer, flat, with no due date).',
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    kind: t.field({ type: DepositKindEnum, resolve: (d) => d.kind as DepositKind }),
    amount: t.expose('amount', {
      type: 'SafeInt',
      nullable: true,
      description: 'In minor units of the currency.',
      deprecationReason: 'Use amountMoney',
    }),
    amountMoney: t.field({ type: MoneyRef, nullable: true, resolve: (d) => money(d.amount, d.currency) }),
    percent: t.exposeInt('percent', { nullable: true }),
    dueOn: t.field({ type: 'Date', nullable: true, resolve: (d) => (d.dueOn ? new Date(d.dueOn) : null) }),
    dueDaysBeforeEvent: t.exposeInt('dueDaysBeforeEvent', { nullable: true }),
  }),
})

const AgreedTermsRef = builder.objectRef<Agreed>('AgreedTerms').implement({
  description: 'The deal terms both sides agreed (amounts in minor units).',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    dealType: t.field({ type: DealTypeEnum, resolve: (a) => a.dealType as DealType }),
    fee: t.expose('fee', { type: 'SafeInt', nullable: true, deprecationReason: 'Use feeMoney' }),
    feeMoney: t.field({ type: MoneyRef, nullable: true, resolve: (a) => money(a.fee, a.currency) }),
    percentage: t.exposeInt('percentage', { nullable: true }),
    deposit: t.expose('deposit', { type: 'SafeInt', nullable: true, deprecationReason: 'Use depositMoney' }),
    depositMoney: t.field({ type: MoneyRef, nullable: true, resolve: (a) => money(a.deposit, a.currency) }),
    depositSchedule: t.field({ type: [DepositTermRef], resolve: (a) => a.depositSchedule.map((d) => ({ ...d, currency: a.currency })) }),
    startsAt: t.field({ type: 'DateTime', resolve: (a) => new Date(a.startsAt) }),
    endsAt: t.field({ type: 'DateTime', resolve: (a) => new Date(a.endsAt) }),
  }),
})

const FinanceDepositRef = builder.objectRef<Deposit>('FinanceDeposit').implement({
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    amount: t.expose('amount', { type: 'SafeInt', deprecationReason: 'Use amountMoney' }),
    amountMoney: t.field({ type: MoneyRef, resolve: (d) => money(d.amount, d.currency)! }),
    dueOn: t.field({ type: 'Date', nullable: true, resolve: (d) => (d.dueOn ? new Date(d.dueOn) : null) }),
    status: t.field({ type: DepositStatusEnum, resolve: (d) => d.status as 'upcoming' }),
    paidAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => (d.paidAt ? new Date(d.paidAt) : null) }),
  }),
})

const FinanceStatusRef = builder.objectRef<Status>('FinanceStatus').implement({
  description: "Finance's last status of the booking for the caller's side, as Finance pushed it.",
  fields: (t) => ({
    financeVersion: t.exposeInt('financeVersion'),
    currency: t.exposeString('currency'),
    deposits: t.field({ type: [FinanceDepositRef], resolve: (s) => s.deposits.map((d) => ({ ...d, currency: s.currency })) }),
    invoiced: t.expose('invoiced', { type: 'SafeInt', deprecationReason: 'Use invoicedMoney' }),
    invoicedMoney: t.field({ type: MoneyRef, resolve: (s) => money(s.invoiced, s.currency)! }),
    paid: t.expose('paid', { type: 'SafeInt', deprecationReason: 'Use paidMoney' }),
    paidMoney: t.field({ type: MoneyRef, resolve: (s) => money(s.paid, s.currency)! }),
    balance: t.expose('balance', { type: 'SafeInt', deprecationReason: 'Use balanceMoney' }),
    balanceMoney: t.field({ type: MoneyRef, resolve: (s) => money(s.balance, s.currency)! }),
    settlementStatus: t.field({ type: SettlementStatusEnum, resolve: (s) => s.settlementStatus }),
    financeRef: t.exposeString('financeRef', { nullable: true }),
    asOf: t.expose('asOf', { type: 'DateTime' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
  }),
})

const BookingFinanceRef = builder.objectRef<FinanceView>('BookingFinance').implement({
  description: "A booking's agreed terms beside Finance's status for the caller's side. Reading it never calls Finance.",
  fields: (t) => ({
    side: t.field({ type: SideEnum, resolve: (v) => v.side as BookingSide }),
    agreed: t.field({ type: AgreedTermsRef, resolve: (f) => f.agreed }),
    financeLinked: t.exposeBoolean('financeLinked', { description: 'Whether Finance has sent a status for this booking and side' }),
    financeMessage: t.exposeString('financeMessage', { nullable: true, description: 'Why financeLinked is false (`not_synced`)' }),
    status: t.field({ type: FinanceStatusRef, nullable: true, resolve: (f) => f.status }),
  }),
})

const HandoffStepEnum = graphqlEnum('FinanceHandoffStep', HANDOFF_STEPS, 'A step of a finance handoff')

builder.prismaObject('FinanceHandoffEvent', {
  interfaces: [ActedRef],
  ...typeRequires('finance.read'),
  description: 'One step of a handoff (append-only audit).',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.field({ type: HandoffStepEnum, resolve: (e) => e.type as keyof typeof HANDOFF_STEPS }),
    actorType: t.field({ type: ActorTypeEnum, resolve: (e) => e.actorType as keyof typeof ACTOR_TYPES }),
    note: t.exposeString('note', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObject('FinanceHandoff', {
  ...typeRequires('finance.read'),
  description: 'A booking handed to Finance by one side: the snapshot of the deal (by its hash) and where Finance is with it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    side: t.field({ type: SideEnum, resolve: (v) => v.side as BookingSide }),
    version: t.exposeInt('version'),
    status: t.expose('status', { type: HandoffStatusEnum }),
    reason: t.expose('reason', { type: HandoffReasonEnum }),
    payloadHash: t.exposeString('payloadHash', { description: 'SHA-256 of the snapshot handed over (canonical JSON)' }),
    note: t.exposeString('note', { nullable: true }),
    force: t.exposeBoolean('force'),
    forceReason: t.exposeString('forceReason', { nullable: true }),
    financeRef: t.exposeString('financeRef', { nullable: true }),
    rejectReason: t.exposeString('rejectReason', { nullable: true }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    supersededAt: t.expose('supersededAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    events: t.relation('events', { query: { orderBy: { seq: 'asc' } } }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObjectFields('Booking', (t) => ({
  finance: t.field({
    ...requires('finance.read'),
    type: BookingFinanceRef,
    description: "The agreed terms and Finance's status for the caller's side (financeLinked: false until Finance sends one).",
    select: { fee: true, currency: true, dealType: true, percentage: true, deposit: true, startsAt: true, endsAt: true },
    resolve: (b, _args, ctx) =>
      ctx.loader<Booking, FinanceView>('bookingFinance', (list) => finance.forBookings(ctx, list)).load(b as Booking),
  }),
  financeHandoffs: t.prismaField({
    ...requires('finance.read'),
    type: ['FinanceHandoff'],
    description: "The caller's side's handoffs of this booking, newest first.",
    resolve: (query, b, _args, ctx) => handoffs.ofBooking(ctx, b.id, query),
  }),
}))

const HandoffInputType = inputFromZod('FinanceHandoffInput', HandoffInput)

builder.mutationFields((t) => ({
  handOffBookingToFinance: t.prismaField({
    ...requires('finance.handoff'),
    type: 'FinanceHandoff',
    description: 'Hand a confirmed booking to Finance for your side: needs a fully signed contract, or force with a reason.',
    args: { bookingId: t.arg.id({ required: true }), input: t.arg({ type: HandoffInputType }) },
    resolve: (query, _root, args, ctx) => handoffs.request(ctx, parseId(args.bookingId, 'bookingId'), args.input ?? {}, query),
  }),
}))
