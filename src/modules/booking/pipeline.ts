// Mechanics shared by every booking action: locking a pipeline, writing due expiries, and keeping hold
// priorities in order.
import type { Db, Tx } from '../../db/client.ts'
import { advisoryLock } from '../../db/locks.ts'
import { notFound } from '../../errors.ts'
import type { BookingRequest, Prisma } from '../../generated/prisma/client.ts'
import { recordActivity, SYSTEM } from './parties.ts'
import { holdMachine, offerMachine, requestMachine, transition } from './state.ts'

/**
 * Serializes every change to an artist's holds and bookings (placing, releasing, expiring, confirming).
 * Taken first in each such transaction, so that pipelines of one artist never wait on each other in a
 * cycle (a deadlock would surface as an error instead of a clean 409).
 */
export const lockArtistBookings = (tx: Tx, artistId: string) => advisoryLock(tx, `booking:artist:${artistId}`)

/** Locks a pipeline for one action: every action on one request runs after the previous one committed. */
export async function lockRequest(tx: Tx, id: string): Promise<BookingRequest> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM booking_requests WHERE id = ${id}::uuid FOR UPDATE`
  if (rows.length === 0) throw notFound('booking request', id)
  return tx.bookingRequest.findUniqueOrThrow({ where: { id } })
}

/**
 * Writes as expired what is past its time — open offers, active holds, unanswered requests — with their
 * activity, for one pipeline or (a sweep) all. Each change is conditional on the state it saw, so a sweep
 * racing an action never records a transition twice. Returns how many objects expired.
 */
export async function expireDue(db: Db, scope: { requestId?: string } = {}, now = new Date()): Promise<number> {
  // Before every action on a pipeline: one cheap look, and a transaction only when something lapsed.
  if (scope.requestId && !(await anythingDue(db, scope.requestId, now))) return 0
  return db.$transaction(async (tx) => {
    let expired = 0
    const closeRequest = async (requestId: string, note: string) => {
      const request = await tx.bookingRequest.findUniqueOrThrow({ where: { id: requestId } })
      if (request.status !== 'open' && request.status !== 'negotiating' && request.status !== 'held') return
      const to = transition(requestMachine, request.status, 'expire')
      const { count } = await tx.bookingRequest.updateMany({ where: { id: requestId, status: request.status }, data: { status: to, closedReason: note } })
      if (count) await recordActivity(tx, SYSTEM, { requestId, subject: 'request', subjectId: requestId, action: 'expire', from: request.status, to, note })
    }

    const offers = await tx.bookingOffer.findMany({ where: { ...scope, status: 'open', expiresAt: { lte: now } } })
    for (const offer of offers) {
      const to = transition(offerMachine, offer.status, 'expire')
      const { count } = await tx.bookingOffer.updateMany({ where: { id: offer.id, status: 'open' }, data: { status: to } })
      if (!count) continue
      expired++
      await recordActivity(tx, SYSTEM, { requestId: offer.requestId, subject: 'offer', subjectId: offer.id, action: 'expire', from: 'open', to })
      await closeRequest(offer.requestId, 'the offer expired without an answer')
    }

    const holds = await tx.bookingHold.findMany({ where: { ...scope, status: 'active', expiresAt: { lte: now } } })
    for (const hold of holds) {
      await lockArtistBookings(tx, hold.artistId)
      const to = transition(holdMachine, hold.status, 'expire')
      const { count } = await tx.bookingHold.updateMany({ where: { id: hold.id, status: 'active' }, data: { status: to } })
      if (!count) continue
      expired++
      await recordActivity(tx, SYSTEM, { requestId: hold.requestId, subject: 'hold', subjectId: hold.id, action: 'expire', from: 'active', to })
      await closeRequest(hold.requestId, 'the hold expired before it was confirmed')
      await reprioritize(tx, hold.artistId)
    }

    const requests = await tx.bookingRequest.findMany({
      where: {
        ...(scope.requestId ? { id: scope.requestId } : {}),
        status: { in: ['open', 'negotiating'] },
        OR: [{ expiresAt: { lte: now } }, { startsAt: { lte: now } }],
      },
      select: { id: true },
    })
    for (const request of requests) {
      expired++
      await closeRequest(request.id, 'no agreement before the answer-by time or the event')
    }
    return expired
  })
}

async function anythingDue(db: Db, requestId: string, now: Date): Promise<boolean> {
  const [row] = await db.$queryRaw<{ due: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM booking_offers WHERE request_id = ${requestId}::uuid AND status = 'open' AND expires_at <= ${now})
        OR EXISTS (SELECT 1 FROM booking_holds WHERE request_id = ${requestId}::uuid AND status = 'active' AND expires_at <= ${now})
        OR EXISTS (SELECT 1 FROM booking_requests WHERE id = ${requestId}::uuid AND status IN ('open', 'negotiating')
                   AND (expires_at <= ${now} OR starts_at <= ${now})) AS due`
  return row.due
}

/**
 * Hold priority: 1 for the earliest active hold of the artist on overlapping dates, 2 for the next...
 * Recomputed for the artist whenever a hold is placed or leaves the active state.
 */
export async function reprioritize(tx: Tx, artistId: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE booking_holds h SET priority = 1 + (
      SELECT count(*) FROM booking_holds o
      WHERE o.artist_id = h.artist_id AND o.status = 'active' AND o.id <> h.id
        AND (o.created_at, o.id) < (h.created_at, h.id)
        AND tstzrange(o.starts_at, o.ends_at) && tstzrange(h.starts_at, h.ends_at))
    WHERE h.artist_id = ${artistId}::uuid AND h.status = 'active'`
}

/** Active holds of other pipelines overlapping [startsAt, endsAt) for the artist. */
export function competingHolds(tx: Tx, hold: { id: string; artistId: string; startsAt: Date; endsAt: Date }) {
  const where: Prisma.BookingHoldWhereInput = {
    artistId: hold.artistId,
    status: 'active',
    id: { not: hold.id },
    startsAt: { lt: hold.endsAt },
    endsAt: { gt: hold.startsAt },
  }
  return tx.bookingHold.findMany({ where })
}
