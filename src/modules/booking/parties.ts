// Who takes part in a booking pipeline, and what each party may see. A promoter company is party to the
// pipelines it started; an agency to those it handled, and to those of the artists it represents now.
import { grantedModules } from '../../access/authorize.ts'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { forbidden } from '../../errors.ts'
import type { BookingSide, Prisma } from '../../generated/prisma/client.ts'
import { activeLinkWhere } from '../representation/roster.service.ts'

export type Party =
  | { side: 'agency'; userId: string; orgId: string; agencyId: string }
  | { side: 'promoter'; userId: string; orgId: string }

/** The calling company as a booking party: agency side (bridged) or promoter side, by its modules. */
export async function partyOf(ctx: RequestContext): Promise<Party> {
  const caller = await ctx.caller()
  if (caller.kind !== 'user') throw forbidden('the booking pipeline is between companies; machine callers use the admin routes', 'tenant_required')
  const modules = grantedModules(caller.access.modules)
  if (modules.has('artist')) return { side: 'agency', ...(await ctx.agencyActor()) }
  if (modules.has('promoter')) return { side: 'promoter', userId: caller.userId, orgId: caller.orgId }
  throw forbidden('module not granted: artist or promoter')
}

/** The pipelines (requests) a party may see. */
export function requestsVisibleTo(party: Party): Prisma.BookingRequestWhereInput {
  if (party.side === 'promoter') return { promoterOrgId: party.orgId }
  return {
    OR: [{ agencyId: party.agencyId }, { artist: { rosterLinks: { some: { agencyId: party.agencyId, role: 'agency', ...activeLinkWhere() } } } }],
  }
}

/** Confirmed and cancelled bookings a party may see. */
export function bookingsVisibleTo(party: Party): Prisma.BookingWhereInput {
  if (party.side === 'promoter') return { promoterOrgId: party.orgId }
  return {
    OR: [{ agencyId: party.agencyId }, { artist: { rosterLinks: { some: { agencyId: party.agencyId, role: 'agency', ...activeLinkWhere() } } } }],
  }
}

export interface Actor {
  type: 'user' | 'system'
  userId?: string
  orgId?: string
}

export const actorOf = (party: Party): Actor => ({ type: 'user', userId: party.userId, orgId: party.orgId })
export const SYSTEM: Actor = { type: 'system' }

export type Subject = 'request' | 'offer' | 'hold' | 'booking'

/** Appends one transition to the pipeline's activity, inside the transaction that made it. */
export async function recordActivity(
  tx: Tx,
  actor: Actor,
  a: { requestId: string; subject: Subject; subjectId: string; action: string; from: string | null; to: string; note?: string | null },
) {
  await tx.bookingActivity.create({
    data: {
      requestId: a.requestId,
      subject: a.subject,
      subjectId: a.subjectId,
      action: a.action,
      fromStatus: a.from,
      toStatus: a.to,
      note: a.note,
      actorType: actor.type,
      actorUserId: actor.userId,
      actorOrgId: actor.orgId,
    },
  })
}

/** The other side of a negotiation. */
export const otherSide = (side: BookingSide): BookingSide => (side === 'agency' ? 'promoter' : 'agency')
