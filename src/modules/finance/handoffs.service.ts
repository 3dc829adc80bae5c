// Handing a confirmed booking to Finance, and Finance's answer. States (README): pending → sent (the relay
// published it) → acknowledged | rejected; a cancellation supersedes the live handoff. One live handoff per
// booking and side is the database's rule (finance_handoffs_live_uniq); every step is in the append-only audit.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import type { Selection } from '../../db/listing.ts'
import { conflict, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { FinanceHandoffStatus } from '../../generated/prisma/client.ts'
import { COUNT_TAKE, type Page } from '../../pagination.ts'
import { parseInput } from '../../validation.ts'
import { bookings } from '../booking/bookings.service.ts'
import { actorOf, partyOf } from '../booking/parties.ts'
import { lockRequest } from '../booking/pipeline.ts'
import { dealOf } from './deal.ts'
import { handoffStep, LIVE_HANDOFF, writeHandoff } from './handoff-links.ts'

export const HandoffInput = z.object({
  note: z.string().trim().min(1).max(2000).optional(),
  force: z.boolean().default(false).describe('Hand over without a fully signed contract (needs forceReason)'),
  forceReason: z.string().trim().min(1).max(2000).optional().describe('Why the booking goes to Finance before the contract is signed'),
})
export const HandoffFilter = z.object({ status: z.enum(FinanceHandoffStatus).optional() })
export const AckInput = z.object({ financeRef: z.string().trim().min(1).max(200).optional().describe("Finance's reference") })
export const RejectInput = z.object({ reason: z.string().trim().min(1).max(2000) })

const EVENTS_IN_ORDER = { include: { events: { orderBy: { seq: 'asc' as const } } } }

async function machineActor(ctx: RequestContext) {
  await ctx.caller()
  return { type: 'machine' as const }
}

export const handoffs = {
  /** The side acting on a confirmed booking hands it over; 409 when one is live, when not confirmed or not signed. */
  async request(ctx: RequestContext, bookingId: string, input: unknown, query: Selection = EVENTS_IN_ORDER) {
    const party = await partyOf(ctx)
    const data = parseInput(HandoffInput, input)
    if (data.force && !data.forceReason) throw invalidInput('forceReason', 'required when force is true')
    const seen = await bookings.get(ctx, bookingId)
    try {
      const created = await ctx.db.$transaction(async (tx) => {
        await lockRequest(tx, seen.requestId, { party, now: ctx.clock.now() })
        const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } })
        if (booking.status !== 'confirmed') throw conflict('booking_not_confirmed', 'only a confirmed booking is handed to Finance')
        const live = await tx.financeHandoff.findFirst({ where: { bookingId, side: party.side, status: { in: [...LIVE_HANDOFF] } } })
        if (live) throw conflict('handoff_exists', `handoff ${live.id} (version ${live.version}) is ${live.status}`)
        const deal = await dealOf(tx, bookingId)
        if (!deal.contract?.signed && !data.force) {
          throw conflict('contract_not_signed', 'the contract is not fully signed: sign it, or force the handoff with a reason')
        }
        return writeHandoff(tx, { bookingId, side: party.side, reason: 'handover', actor: actorOf(party), ...data })
      })
      return ctx.db.financeHandoff.findUniqueOrThrow({ ...query, where: { id: created.id } })
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('handoff_exists', 'a live handoff of this booking already exists for your side')
      throw e
    }
  },

  /** The handoffs of the caller's side of a booking it sees, newest first, with their audit. */
  async ofBooking(ctx: RequestContext, bookingId: string, query: Selection = EVENTS_IN_ORDER) {
    const party = await partyOf(ctx)
    await bookings.get(ctx, bookingId)
    return ctx.db.financeHandoff.findMany({ ...query, where: { bookingId, side: party.side }, orderBy: { version: 'desc' } })
  },

  /** For Finance pulling instead of consuming NATS: handoffs in a state, oldest first, with their snapshots. */
  async list(ctx: RequestContext, filter: unknown, page: Page) {
    const { status } = parseInput(HandoffFilter, filter)
    const where = { status }
    const items = await ctx.db.financeHandoff.findMany({
      where,
      orderBy: { createdAt: 'asc' },
      skip: page.offset,
      take: page.limit,
      ...EVENTS_IN_ORDER,
    })
    return { items, total: () => ctx.db.financeHandoff.count({ where, take: COUNT_TAKE }) }
  },

  /** For Finance: the handoff with its snapshot and audit. */
  async get(ctx: RequestContext, id: string) {
    const handoff = await ctx.db.financeHandoff.findUnique({ where: { id }, ...EVENTS_IN_ORDER })
    if (!handoff) throw notFound('finance handoff', id)
    return handoff
  },

  acknowledge: (ctx: RequestContext, id: string, input: unknown) => {
    const { financeRef } = parseInput(AckInput, input)
    return decide(ctx, id, 'acknowledged', { financeRef }, financeRef ? `finance ref ${financeRef}` : null)
  },

  reject: (ctx: RequestContext, id: string, input: unknown) => {
    const { reason } = parseInput(RejectInput, input)
    return decide(ctx, id, 'rejected', { rejectReason: reason }, reason)
  },
}

/** Finance answers a pending (pulled) or sent handoff; anything else is 409 invalid_transition. */
async function decide(
  ctx: RequestContext,
  id: string,
  to: Extract<FinanceHandoffStatus, 'acknowledged' | 'rejected'>,
  data: { financeRef?: string; rejectReason?: string },
  note: string | null,
) {
  const actor = await machineActor(ctx)
  await ctx.db.$transaction(async (tx: Tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM finance_handoffs WHERE id = ${id}::uuid FOR UPDATE`
    if (rows.length === 0) throw notFound('finance handoff', id)
    const handoff = await tx.financeHandoff.findUniqueOrThrow({ where: { id } })
    if (handoff.status !== 'pending' && handoff.status !== 'sent') {
      throw conflict('invalid_transition', `cannot ${to === 'acknowledged' ? 'acknowledge' : 'reject'} a handoff that is ${handoff.status}`)
    }
    const updated = await tx.financeHandoff.update({ where: { id }, data: { ...data, status: to, decidedAt: new Date() } })
    const deal = handoff.payload as { parties: { promoterOrgId: string; agencyOrgIds: string[] } }
    await handoffStep(tx, updated, { type: to, actor, note, event: to, parties: deal.parties })
  })
  return ctx.db.financeHandoff.findUniqueOrThrow({ where: { id }, ...EVENTS_IN_ORDER })
}
