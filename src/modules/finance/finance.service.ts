// Finance visibility: Finance pushes its status of a booking per side (idempotent on its version number);
// readers see the agreed terms beside that status, and an explicit `financeLinked: false` when Finance has
// sent nothing. Reading never calls Finance.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Db } from '../../db/client.ts'
import { conflict, notFound } from '../../errors.ts'
import { BookingSide, SettlementStatus, type Booking, type BookingFinanceSnapshot } from '../../generated/prisma/client.ts'
import { Currency, MinorUnits } from '../../money.ts'
import { parseInput } from '../../validation.ts'
import { bookings } from '../booking/bookings.service.ts'
import { partyOf } from '../booking/parties.ts'
import { agreedTermsOf, dealOf, type StoredDepositTerm } from './deal.ts'

export const DepositStatus = z.enum(['upcoming', 'due', 'overdue', 'paid'])

export const FinanceStatusInput = z.object({
  bookingId: z.uuid(),
  side: z.enum(BookingSide).describe("Whose finance this is: the agency's or the promoter's"),
  financeVersion: z.number().int().min(0).describe("Finance's version of this status: older is refused, the same is a replay"),
  currency: Currency,
  deposits: z
    .array(
      z.object({
        seq: z.number().int().min(1),
        amount: MinorUnits,
        dueOn: z.iso.date().nullish(),
        status: DepositStatus,
        paidAt: z.coerce.date().nullish(),
      }),
    )
    .max(100),
  invoiced: MinorUnits,
  paid: MinorUnits,
  balance: z.number().int().describe('Invoiced minus paid, in minor units (negative when overpaid)'),
  settlementStatus: z.enum(SettlementStatus),
  financeRef: z.string().trim().min(1).max(200).nullish(),
  asOf: z.coerce.date().describe('When Finance computed this status'),
})

export const NOT_SYNCED = 'not_synced'

function statusView(s: BookingFinanceSnapshot) {
  return {
    financeVersion: s.financeVersion,
    currency: s.currency,
    deposits: s.deposits as { seq: number; amount: number; dueOn: string | null; status: string; paidAt: string | null }[],
    invoiced: s.invoiced,
    paid: s.paid,
    balance: s.balance,
    settlementStatus: s.settlementStatus,
    financeRef: s.financeRef,
    asOf: s.asOf,
    receivedAt: s.receivedAt,
  }
}

/** The finance view of a booking for one side: agreed terms always, Finance's status when it sent one. */
export function financeView(
  booking: Booking & { depositTerms?: readonly StoredDepositTerm[] },
  side: BookingSide,
  snapshot: BookingFinanceSnapshot | null | undefined,
) {
  return {
    bookingId: booking.id,
    side,
    agreed: agreedTermsOf(booking),
    financeLinked: Boolean(snapshot),
    financeMessage: snapshot ? null : NOT_SYNCED,
    status: snapshot ? statusView(snapshot) : null,
  }
}

export type FinanceView = ReturnType<typeof financeView>

/** The deposit terms of these bookings, in order. */
const termsOf = (db: Db, bookingIds: string[]) =>
  db.bookingDepositTerm.findMany({ where: { bookingId: { in: bookingIds } }, orderBy: [{ bookingId: 'asc' }, { seq: 'asc' }] })

export const finance = {
  /** GET /api/v1/bookings/:id/finance: the caller's side of a booking it sees. */
  async ofBooking(ctx: RequestContext, id: string) {
    const party = await partyOf(ctx)
    const booking = { ...(await bookings.get(ctx, id)), depositTerms: await termsOf(ctx.db, [id]) }
    const snapshot = await ctx.db.bookingFinanceSnapshot.findUnique({ where: { bookingId_side: { bookingId: id, side: party.side } } })
    return financeView(booking, party.side, snapshot)
  },

  /** Booking.finance for many bookings: one query for the caller's side of all of them. */
  async forBookings(ctx: RequestContext, list: readonly Booking[]) {
    const party = await partyOf(ctx)
    const rows = await ctx.db.bookingFinanceSnapshot.findMany({ where: { side: party.side, bookingId: { in: list.map((b) => b.id) } } })
    const byBooking = new Map(rows.map((r) => [r.bookingId, r]))
    const terms = await termsOf(
      ctx.db,
      list.map((b) => b.id),
    )
    return list.map((b) => financeView({ ...b, depositTerms: terms.filter((t) => t.bookingId === b.id) }, party.side, byBooking.get(b.id)))
  },

  /** Finance's push. A newer version replaces the status; the same version is a replay; an older one is 409. */
  async sync(ctx: RequestContext, input: unknown) {
    const s = parseInput(FinanceStatusInput, input)
    const booking = await ctx.db.booking.findUnique({ where: { id: s.bookingId }, include: { depositTerms: true } })
    if (!booking) throw notFound('booking', s.bookingId)
    const deposits = JSON.stringify(s.deposits.map((d) => ({ ...d, dueOn: d.dueOn ?? null, paidAt: d.paidAt?.toISOString() ?? null })))
    const applied = await ctx.db.$executeRaw`
      INSERT INTO booking_finance_snapshots
        (booking_id, side, finance_version, currency, deposits, invoiced, paid, balance, settlement_status, finance_ref, as_of, received_at)
      VALUES (${s.bookingId}::uuid, ${s.side}::"BookingSide", ${s.financeVersion}, ${s.currency}, ${deposits}::jsonb, ${s.invoiced},
              ${s.paid}, ${s.balance}, ${s.settlementStatus}::"SettlementStatus", ${s.financeRef ?? null}, ${s.asOf}, now())
      ON CONFLICT (booking_id, side) DO UPDATE SET
        finance_version = EXCLUDED.finance_version, currency = EXCLUDED.currency, deposits = EXCLUDED.deposits,
        invoiced = EXCLUDED.invoiced, paid = EXCLUDED.paid, balance = EXCLUDED.balance,
        settlement_status = EXCLUDED.settlement_status, finance_ref = EXCLUDED.finance_ref, as_of = EXCLUDED.as_of,
        received_at = EXCLUDED.received_at, updated_at = now()
      WHERE booking_finance_snapshots.finance_version < EXCLUDED.finance_version`
    const stored = await ctx.db.bookingFinanceSnapshot.findUniqueOrThrow({
      where: { bookingId_side: { bookingId: s.bookingId, side: s.side } },
    })
    if (!applied && stored.financeVersion > s.financeVersion) {
      throw conflict('stale_finance_version', `a newer status (version ${stored.financeVersion}) is already recorded`)
    }
    return { applied: applied === 1, ...financeView(booking, s.side, stored) }
  },

  /** GET /internal/bookings/:id: the booking as Finance needs it. */
  deal: (ctx: RequestContext, id: string) => dealOf(ctx.db, id),
}
