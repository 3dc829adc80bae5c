// Writing a handoff and superseding live ones, inside the transaction of the change that causes it (a
// request to hand over, a booking cancelled): the snapshot, its audit step and its outbox event commit together.
import type { Tx } from '../../db/client.ts'
import type { BookingSide, FinanceHandoff, FinanceHandoffReason, Prisma } from '../../generated/prisma/client.ts'
import { followDeals } from '../booking/deal-followers.ts'
import { recordEvent } from '../outbox/record.ts'
import { canonicalJson, dealOf, sha256, type Deal } from './deal.ts'

export const LIVE_HANDOFF = ['pending', 'sent', 'acknowledged'] as const

/** The steps of a handoff (FinanceHandoffEvent.type). */
export const HANDOFF_STEPS = {
  requested: 'requested',
  sent: 'sent',
  acknowledged: 'acknowledged',
  rejected: 'rejected',
  superseded: 'superseded',
} as const

export interface HandoffActor {
  type: 'user' | 'machine' | 'system'
  userId?: string
  orgId?: string
}

/** The deal's parties as a handoff's snapshot holds them (deal.ts). */
type Parties = Pick<Deal['parties'], 'promoterOrgId' | 'agencyOrgIds'>

/**
 * The companies told of a handoff's steps: its side's, as each side reads only its own handoffs (the other side's
 * request, forced or not, is not its business).
 */
const sideOrgs = (parties: Parties, side: BookingSide) => (side === 'promoter' ? [parties.promoterOrgId] : parties.agencyOrgIds)

/** One step of a handoff: its audit entry and, for the steps consumers care about, its outbox event to its side. */
export async function handoffStep(
  tx: Tx,
  handoff: FinanceHandoff,
  step: { type: keyof typeof HANDOFF_STEPS; actor: HandoffActor; note?: string | null; event?: string; parties: Parties },
) {
  await tx.financeHandoffEvent.create({
    data: {
      handoffId: handoff.id,
      type: step.type,
      actorType: step.actor.type,
      actorUserId: step.actor.userId,
      actorOrgId: step.actor.orgId,
      note: step.note,
    },
  })
  if (!step.event) return
  await recordEvent(tx, {
    type: `finance.handoff.${step.event}`,
    aggregateId: handoff.id,
    orgIds: sideOrgs(step.parties, handoff.side),
    payload: {
      handoffId: handoff.id,
      bookingId: handoff.bookingId,
      side: handoff.side,
      version: handoff.version,
      reason: handoff.reason,
      status: handoff.status,
      payloadHash: handoff.payloadHash,
      force: handoff.force,
    },
  })
}

/** A new pending handoff with the booking's deal as it stands now. */
export async function writeHandoff(
  tx: Tx,
  h: {
    bookingId: string
    side: BookingSide
    reason: FinanceHandoffReason
    actor: HandoffActor
    note?: string | null
    force?: boolean
    forceReason?: string | null
  },
) {
  const deal = await dealOf(tx, h.bookingId)
  const canonical = canonicalJson(deal)
  const version = (await tx.financeHandoff.count({ where: { bookingId: h.bookingId, side: h.side } })) + 1
  const handoff = await tx.financeHandoff.create({
    data: {
      bookingId: h.bookingId,
      side: h.side,
      version,
      reason: h.reason,
      payload: JSON.parse(canonical) as Prisma.InputJsonValue,
      payloadHash: sha256(canonical),
      requestedByUserId: h.actor.userId,
      requestedByOrgId: h.actor.orgId,
      note: h.note,
      force: h.force ?? false,
      forceReason: h.force ? h.forceReason : null,
    },
  })
  await handoffStep(tx, handoff, {
    type: 'requested',
    actor: h.actor,
    note: h.force ? `forced: ${h.forceReason}` : h.note,
    event: h.reason === 'cancellation' ? 'cancel_requested' : 'requested',
    parties: deal.parties,
  })
  return handoff
}

/**
 * The booking was cancelled: each live handoff is superseded, and the next one (reason `cancellation`, the
 * cancelled deal) tells Finance, in the transaction of the cancellation.
 */
export async function supersedeHandoffs(tx: Tx, bookingId: string, actor: HandoffActor) {
  const live = await tx.financeHandoff.findMany({ where: { bookingId, status: { in: [...LIVE_HANDOFF] } } })
  for (const h of live) {
    const superseded = await tx.financeHandoff.update({
      where: { id: h.id },
      data: { status: 'superseded', supersededAt: new Date() },
    })
    const deal = await dealOf(tx, bookingId)
    await handoffStep(tx, superseded, {
      type: 'superseded',
      actor,
      note: 'the booking was cancelled',
      event: 'superseded',
      parties: deal.parties,
    })
    await writeHandoff(tx, { bookingId, side: h.side, reason: 'cancellation', actor })
  }
}

/**
 * Called by the outbox relay in the transaction that marks the events published: the handoffs whose
 * request reached the broker are `sent`.
 */
export async function markHandoffsSent(client: { query: (sql: string, params: unknown[]) => Promise<unknown> }, ids: string[]) {
  await client.query(
    `WITH sent AS (
       UPDATE finance_handoffs SET status = 'sent', sent_at = now(), updated_at = now()
        WHERE id = ANY($1::uuid[]) AND status = 'pending' RETURNING id)
     INSERT INTO finance_handoff_events (id, handoff_id, type, actor_type) SELECT gen_random_uuid(), id, 'sent', 'system' FROM sent`,
    [ids],
  )
}

export const HANDOFF_PUBLISH_HOOKS = {
  'finance.handoff.requested': markHandoffsSent,
  'finance.handoff.cancel_requested': markHandoffsSent,
}

// Cancelling a booking supersedes its live handoff in the same transaction (and writes the next one).
followDeals({ cancelled: supersedeHandoffs })
