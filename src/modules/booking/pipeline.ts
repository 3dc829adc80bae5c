// Mechanics shared by every booking action: locking a pipeline, writing due expiries and lapsed hold
// challenges, and keeping hold priorities in order.
import type { Db, Tx } from '../../db/client.ts'
import { inOrder, sqlOf, type Queries, type SqlTx } from '../../db/sql.ts'
import { conflict, notFound } from '../../errors.ts'
import {
  Prisma,
  type Artist,
  type BookingHold,
  type BookingRequest,
  type BookingRequestStatus,
  type HoldStatus,
} from '../../generated/prisma/client.ts'
import { dealClosed } from './deal-followers.ts'
import {
  actingSql,
  notActing,
  recordActivities,
  recordActivity,
  statusChange,
  SYSTEM,
  visibleSql,
  type Actor,
  type Party,
} from './parties.ts'
import { can, holdMachine, offerMachine, requestMachine, transition } from './state.ts'
import { columnsOf, nested } from './views.ts'

/**
 * The artist's booking lock (an advisory lock, taken by lockRequest with `artistId`) serializes every change to
 * an artist's holds and bookings (placing, releasing, expiring, confirming). Taken first in each such
 * transaction, so that pipelines of one artist never wait on each other in a cycle (a deadlock would surface
 * as an error instead of a clean 409).
 */
const artistLockKey = (artistId: string) => `booking:artist:${artistId}`

/**
 * Locks a pipeline for one action: every action on one request runs after the previous one committed.
 * With a party, the party must be one that acts on the pipeline (not only one that sees it), at `now`. With
 * `artistId`, the artist's booking lock (artistLockKey) is taken first, in the same statement.
 */
export async function lockRequest(
  tx: Queries,
  id: string,
  acting?: { party: Party; now: Date },
  artistId?: string,
): Promise<BookingRequest> {
  return (await lockRequestThen(tx, [], id, acting, artistId)).request
}

/**
 * lockRequest, then `reads` under the locks, in one round trip in a transaction of sql.ts (inOrder): each read
 * is a statement of its own, so it sees what the locks waited for. Their rows are answered after the lock's checks.
 */
export async function lockRequestThen(
  tx: Queries,
  reads: Prisma.Sql[],
  id: string,
  acting?: { party: Party; now: Date },
  artistId?: string,
): Promise<{ request: BookingRequest; reads: Record<string, unknown>[][] }> {
  // One statement: FOR UPDATE returns the row as the last commit left it, so no read follows the lock. Whether
  // the party acts on it is read in the same statement: representation is not under the pipeline's lock (a
  // handover never waits for it), so a separate read after the lock would order nothing more. The artist's
  // lock is an InitPlan, a one-time filter evaluated before the row is scanned: taken before the row's.
  const artistFirst = artistId
    ? Prisma.sql`AND (SELECT true FROM pg_advisory_xact_lock(hashtextextended(${artistLockKey(artistId)}, 0)))`
    : Prisma.empty
  const [[row] = [], ...answers] = await inOrder(tx, [
    Prisma.sql`
    SELECT ${columnsOf('BookingRequest', 'r', 'request')}, ${acting ? actingSql(acting.party) : Prisma.sql`true`} AS acting
    FROM booking_requests r WHERE r.id = ${id}::uuid ${artistFirst} FOR UPDATE OF r`,
    ...reads,
  ])
  const request = row && nested<BookingRequest>(row, 'BookingRequest', 'request')
  if (!row || !request) throw notFound('booking request', id)
  if (acting) {
    if (!row.acting) throw notActing(acting.party)
    // Lapsed between the expiry pass and the lock: as good as expired.
    if (requestDue(request, acting.now)) throw conflict('invalid_transition', 'cannot act on a booking request that is expired')
  }
  return { request, reads: answers }
}

/**
 * Something of the pipeline aliased `r` is past its time at `now` (dueWhere), or a hold it challenged let
 * the deadline pass (expireDue's second reading): expireDue has work there.
 */
const dueSql = (now: Date) => Prisma.sql`(
  (r.status IN ('open', 'negotiating') AND (r.expires_at <= ${now} OR r.starts_at <= ${now}))
  OR EXISTS (SELECT 1 FROM booking_offers o WHERE o.request_id = r.id AND o.status = 'open' AND o.expires_at <= ${now})
  OR EXISTS (SELECT 1 FROM booking_holds h WHERE h.request_id = r.id AND h.status = 'active' AND (h.expires_at <= ${now} OR h.challenge_deadline <= ${now}))
  OR EXISTS (SELECT 1 FROM booking_holds h JOIN booking_holds c ON c.id = h.challenged_by_hold_id
    WHERE c.request_id = r.id AND h.status = 'active' AND h.challenge_deadline <= ${now}))`

/**
 * The pipeline `pick` (a condition on `r`, or on what `shape.from` joins) names, as the party sees it before
 * an action: 404 when the party does not see it; what lapsed is written as expired first (expireDue, only
 * when something did). One statement on the way of every action, with the artist as a card for the answer
 * and whatever else `shape` reads in the same statement (its row is returned). `expired` counts what expired.
 */
export async function seenPipeline(
  db: Db,
  party: Party,
  pick: Prisma.Sql,
  now: Date,
  notFoundAs: { what: string; id: string },
  shape: { columns: Prisma.Sql; from: Prisma.Sql } = { columns: Prisma.sql`true AS "shape"`, from: Prisma.empty },
) {
  const [row] = await sqlOf(db).$queryRaw<Record<string, unknown>[]>`
    SELECT r.id, r.artist_id AS "artistId", ${dueSql(now)} AS due, ${columnsOf('Artist', 'a', 'artist')}, ${shape.columns}
    FROM booking_requests r JOIN artists a ON a.id = r.artist_id ${shape.from}
    WHERE ${pick} AND ${visibleSql(party)}`
  if (!row) throw notFound(notFoundAs.what, notFoundAs.id)
  const expired = row.due ? await expireDue(db, { requestId: row.id as string }, now) : 0
  return { id: row.id as string, artistId: row.artistId as string, artist: nested<Artist>(row, 'Artist', 'artist')!, expired, row }
}

/** Thrown inside lockSeen's transaction when something of the pipeline lapsed: expired first, then the step runs again. */
class DueFirst extends Error {
  constructor(readonly requestId: string) {
    super('the pipeline has lapsed objects to expire first')
  }
}

/**
 * seenPipeline and lockRequest in one statement, for a step that reads nothing else before its lock: the
 * request `requestId` (an expression) names is locked (the artist's lock first with `artistFirst`, its id read
 * without a lock: a request's artist never changes) and read with what seenPipeline reads of it. 404 when
 * the party does not see it. When something in it lapsed, the transaction is rolled back, expireDue writes
 * it, and `step` runs again (the lock then answers as lockRequest does: a pipeline lapsed meanwhile is
 * expired, 409). One round trip fewer than seenPipeline before lockRequest, the same order of checks.
 * `reads` run after the lock in the same round trip (inOrder); `step` gets their rows once the checks passed.
 */
export async function lockSeen<T>(
  db: Db,
  party: Party,
  requestId: Prisma.Sql,
  now: Date,
  notFoundAs: { what: string; id: string },
  artistFirst: boolean,
  step: (tx: SqlTx, seen: { request: BookingRequest; artist: Artist; reads: Record<string, unknown>[][] }) => Promise<T>,
  reads: Prisma.Sql[] = [],
): Promise<T> {
  const artistLock = artistFirst
    ? Prisma.sql`AND (SELECT true FROM pg_advisory_xact_lock(hashtextextended(
        ${artistLockKey('')} || (SELECT q.artist_id FROM booking_requests q WHERE q.id = ${requestId})::text, 0)))`
    : Prisma.empty
  for (let expired = false; ; expired = true) {
    try {
      return await sqlOf(db).$transaction(async (tx) => {
        const [[row] = [], ...answers] = await inOrder(tx, [
          Prisma.sql`
          SELECT ${columnsOf('BookingRequest', 'r', 'request')}, ${columnsOf('Artist', 'a', 'artist')}, ${visibleSql(party)} AS visible,
            ${actingSql(party)} AS acting, ${dueSql(now)} AS due
          FROM booking_requests r JOIN artists a ON a.id = r.artist_id
          WHERE r.id = ${requestId} ${artistLock} FOR UPDATE OF r`,
          ...reads,
        ])
        const request = row && nested<BookingRequest>(row, 'BookingRequest', 'request')
        if (!row || !request || !row.visible) throw notFound(notFoundAs.what, notFoundAs.id)
        if (row.due && !expired) throw new DueFirst(request.id)
        if (!row.acting) throw notActing(party)
        if (requestDue(request, now)) throw conflict('invalid_transition', 'cannot act on a booking request that is expired')
        return step(tx, { request, artist: nested<Artist>(row, 'Artist', 'artist')!, reads: answers })
      })
    } catch (e) {
      if (!(e instanceof DueFirst)) throw e
      await expireDue(db, { requestId: e.requestId }, now)
    }
  }
}

const OPEN_REQUEST: BookingRequestStatus[] = ['open', 'negotiating']

/** An unanswered request past its answer-by time or its event. */
const requestDue = (r: BookingRequest, now: Date) =>
  OPEN_REQUEST.includes(r.status) && ((r.expiresAt !== null && r.expiresAt <= now) || r.startsAt <= now)

/** Active holds a lower hold challenged and that let the deadline pass. */
const lapsedChallenge = (now: Date): Prisma.BookingHoldWhereInput => ({ status: 'active', challengeDeadline: { lte: now } })

/**
 * Pipelines with something past its time: an open offer, an active hold (its hold period, or a challenge
 * it did not answer), or an unanswered request.
 */
const dueWhere = (now: Date): Prisma.BookingRequestWhereInput => ({
  OR: [
    { status: { in: OPEN_REQUEST }, OR: [{ expiresAt: { lte: now } }, { startsAt: { lte: now } }] },
    { offers: { some: { status: 'open', expiresAt: { lte: now } } } },
    { holds: { some: { status: 'active', expiresAt: { lte: now } } } },
    { holds: { some: lapsedChallenge(now) } },
  ],
})

/**
 * Writes as expired what is past its time — open offers, active holds, unanswered requests — with their
 * activity: for one pipeline (before an action or a read by id), for the pipelines a reader may see (before
 * a list), or for all (the sweep). No cron is needed for correctness: whoever reads or acts writes what
 * lapsed first. Each pipeline expires in a transaction of its own, locked in the order every action locks
 * (artist, then request), so expiry never deadlocks with an action. Returns how many objects expired.
 */
export async function expireDue(
  db: Db,
  scope: { requestId: string } | { where: Prisma.BookingRequestWhereInput } | 'all',
  now: Date,
): Promise<number> {
  const where = scope === 'all' ? {} : 'requestId' in scope ? { id: scope.requestId } : scope.where
  const due = await db.bookingRequest.findMany({
    where: {
      OR: [
        { AND: [where, dueWhere(now)] },
        // A challenger's reader brings its challenge to an end too: the challenged pipelines are someone else's.
        { holds: { some: { ...lapsedChallenge(now), challengedBy: { request: where } } } },
      ],
    },
    select: { id: true, artistId: true },
  })
  let expired = 0
  for (const pipeline of due) expired += await db.$transaction((tx) => expirePipeline(tx, pipeline, now))
  return expired
}

async function expirePipeline(tx: Tx, pipeline: { id: string; artistId: string }, now: Date): Promise<number> {
  const request = await lockRequest(tx, pipeline.id, undefined, pipeline.artistId)
  const requestId = request.id
  let expired = 0

  const expireOffers = async (where: Prisma.BookingOfferWhereInput, note?: string) => {
    const lapsed = await tx.bookingOffer.findMany({ where: { requestId, status: 'open', ...where } })
    for (const offer of lapsed) {
      const to = transition(offerMachine, offer.status, 'expire')
      await tx.bookingOffer.update({ where: { id: offer.id }, data: { status: to } })
      await recordActivity(tx, SYSTEM, { requestId, subject: 'offer', subjectId: offer.id, action: 'expire', from: offer.status, to, note })
    }
    expired += lapsed.length
    return lapsed.length
  }
  const expireHolds = async (where: Prisma.BookingHoldWhereInput, note?: string) => {
    const lapsed = await tx.bookingHold.findMany({ where: { requestId, status: 'active', ...where } })
    for (const hold of lapsed) {
      const to = transition(holdMachine, hold.status, 'expire')
      await tx.bookingHold.update({ where: { id: hold.id }, data: { status: to } })
      await recordActivity(tx, SYSTEM, { requestId, subject: 'hold', subjectId: hold.id, action: 'expire', from: hold.status, to, note })
    }
    if (lapsed.length) await reprioritize(tx, pipeline.artistId)
    expired += lapsed.length
    return lapsed.length
  }

  let reason: string | null = null
  if (await expireOffers({ expiresAt: { lte: now } })) reason = 'the offer expired without an answer'
  if (await expireHolds({ expiresAt: { lte: now } })) reason = 'the hold expired before it was confirmed'
  for (const hold of await tx.bookingHold.findMany({ where: { requestId, ...lapsedChallenge(now) } })) {
    await lapseChallenge(tx, hold)
    expired++
  }
  if (requestDue(request, now)) reason = 'no agreement before the answer-by time or the event'
  if (reason && can(requestMachine, request.status, 'expire')) {
    const to = transition(requestMachine, request.status, 'expire')
    await tx.bookingRequest.update({ where: { id: requestId }, data: { status: to, closedReason: reason } })
    await recordActivity(tx, SYSTEM, {
      requestId,
      subject: 'request',
      subjectId: requestId,
      action: 'expire',
      from: request.status,
      to,
      note: reason,
    })
    expired++
    // A closed pipeline leaves nothing open behind it.
    await expireOffers({}, 'the request expired')
    await expireHolds({}, 'the request expired')
    await dealClosed(tx, requestId, `the deal expired: ${reason}`)
  }
  return expired
}

/**
 * Closes a pipeline from its hold: the hold and its request move by the same action (`release` while held,
 * `cancel` once booked), each with activity, and the deal's followers hear it is closed. One path, so that a
 * released and a cancelled pipeline leave the same trail; only a release records why on the hold.
 */
export async function closePipeline(tx: Queries, actor: Actor, hold: BookingHold, action: 'release' | 'cancel', reason: string) {
  const to = transition(holdMachine, hold.status, action)
  const [request] = await tx.$queryRaw<{ status: BookingRequestStatus }[]>`
    SELECT status::text AS status FROM booking_requests WHERE id = ${hold.requestId}::uuid`
  if (!request) throw notFound('booking request', hold.requestId)
  const requestTo = transition(requestMachine, request.status, action)
  // Both moves and their activity in one statement, the hold's first.
  const releasedReason = action === 'release' ? Prisma.sql`, released_reason = ${reason}` : Prisma.empty
  await recordActivities(
    tx,
    actor,
    [
      { requestId: hold.requestId, subject: 'hold', subjectId: hold.id, action, from: hold.status, to, note: reason },
      {
        requestId: hold.requestId,
        subject: 'request',
        subjectId: hold.requestId,
        action,
        from: request.status,
        to: requestTo,
        note: reason,
      },
    ],
    {
      with: Prisma.sql`${statusChange('closed_hold', 'hold', hold.id, to, releasedReason)},
        ${statusChange('closed_request', 'request', hold.requestId, requestTo, Prisma.sql`, closed_reason = ${reason}`)}`,
    },
  )
  const what = action === 'release' ? 'the hold was released' : 'the booking was cancelled'
  await dealClosed(tx, hold.requestId, `${what}: ${reason}`)
}

/**
 * A challenged hold that let its deadline pass is released (its pipeline closes as released), and the
 * challenger, moved up, has it in its own log. The caller holds the artist's lock.
 */
export async function lapseChallenge(tx: Queries, hold: BookingHold) {
  await lockRequest(tx, hold.requestId)
  await closePipeline(tx, SYSTEM, hold, 'release', 'a lower hold challenged it and it was neither confirmed nor released in time')
  await reprioritize(tx, hold.artistId)
  // Still active: a challenger that left takes its challenge along (reprioritize).
  const [challenger] = hold.challengedByHoldId
    ? await tx.$queryRaw<{ id: string; requestId: string; status: HoldStatus; priority: number }[]>`
        SELECT id, request_id AS "requestId", status::text AS status, priority FROM booking_holds
        WHERE id = ${hold.challengedByHoldId}::uuid AND status = 'active'`
    : []
  if (challenger)
    await recordActivity(tx, SYSTEM, {
      requestId: challenger.requestId,
      subject: 'hold',
      subjectId: challenger.id,
      action: 'move_up',
      from: challenger.status,
      to: transition(holdMachine, challenger.status, 'move_up'),
      note: `a hold above lapsed under challenge; ranked ${challenger.priority} now`,
    })
}

/** Whether `other` ranks above `hold` (placed earlier; the id breaks ties), as reprioritize counts. */
export const ranksAbove = (other: BookingHold, hold: BookingHold) =>
  other.createdAt.getTime() < hold.createdAt.getTime() || (other.createdAt.getTime() === hold.createdAt.getTime() && other.id < hold.id)

/**
 * Hold priority: 1 for the earliest active hold of the artist on overlapping dates, 2 for the next...
 * Recomputed for the artist whenever a hold is placed or leaves the active state; a challenge whose
 * challenger left the active state goes with it (logged on the challenged pipeline). Returns the holds it
 * changed, with their rank now.
 */
export async function reprioritize(tx: Queries, artistId: string): Promise<{ id: string; priority: number; updatedAt: Date }[]> {
  // One statement ranks the artist's active holds and voids the challenges of challengers that left.
  const changed = await tx.$queryRaw<{ id: string; requestId: string; priority: number; updatedAt: Date; voided: boolean }[]>`
    WITH ranked AS (
      SELECT x.id, 1 + (
        SELECT count(*) FROM booking_holds o
        WHERE o.artist_id = x.artist_id AND o.status = 'active' AND o.id <> x.id
          AND (o.created_at, o.id) < (x.created_at, x.id)
          AND tstzrange(o.starts_at, o.ends_at) && tstzrange(x.starts_at, x.ends_at))::int AS priority,
        EXISTS (SELECT 1 FROM booking_holds c WHERE c.id = x.challenged_by_hold_id AND c.status <> 'active') AS voided
      FROM booking_holds x WHERE x.artist_id = ${artistId}::uuid AND x.status = 'active'
    )
    UPDATE booking_holds h SET priority = ranked.priority, updated_at = clock_timestamp(),
      challenge_deadline = CASE WHEN ranked.voided THEN NULL ELSE h.challenge_deadline END,
      challenged_by_hold_id = CASE WHEN ranked.voided THEN NULL ELSE h.challenged_by_hold_id END
    FROM ranked
    WHERE h.id = ranked.id AND (h.priority <> ranked.priority OR ranked.voided)
    RETURNING h.id, h.request_id AS "requestId", h.priority, h.updated_at AS "updatedAt", ranked.voided`
  for (const hold of changed.filter((h) => h.voided))
    await recordActivity(tx, SYSTEM, {
      requestId: hold.requestId,
      subject: 'hold',
      subjectId: hold.id,
      action: 'challenge_void',
      from: 'active',
      to: 'active',
      note: 'the hold that challenged this one is no longer held',
    })
  return changed.map(({ id, priority, updatedAt }) => ({ id, priority, updatedAt }))
}

/** Active holds of other pipelines overlapping [startsAt, endsAt) for the artist, as a condition. */
const competingWhere = (hold: { id: string; artistId: string; startsAt: Date; endsAt: Date }): Prisma.BookingHoldWhereInput => ({
  artistId: hold.artistId,
  status: 'active',
  id: { not: hold.id },
  startsAt: { lt: hold.endsAt },
  endsAt: { gt: hold.startsAt },
})

/** First-ranked first: the order of reprioritize. */
const rankOrder = [{ createdAt: 'asc' }, { id: 'asc' }] satisfies Prisma.BookingHoldOrderByWithRelationInput[]

/** Active holds of other pipelines overlapping [startsAt, endsAt) for the artist, first-ranked first. */
export function competingHolds(tx: Tx, hold: { id: string; artistId: string; startsAt: Date; endsAt: Date }) {
  return tx.bookingHold.findMany({ where: competingWhere(hold), orderBy: rankOrder })
}

/**
 * The artist's confirmed booking overlapping [startsAt, endsAt), if any: a hold on those dates could never
 * confirm (bookings_no_double_booking), so none is placed there.
 */
export function confirmedBookingOn(db: Db | Tx, d: { artistId: string; startsAt: Date; endsAt: Date }) {
  return db.booking.findFirst({
    where: { artistId: d.artistId, status: 'confirmed', startsAt: { lt: d.endsAt }, endsAt: { gt: d.startsAt } },
    select: { id: true, startsAt: true },
  })
}

/** confirmedBookingOn as a condition on the dates of the request aliased `r`: whether there is one. */
export const bookedSql = (r: Prisma.Sql) => Prisma.sql`EXISTS (SELECT 1 FROM bookings b
  WHERE b.artist_id = ${r}.artist_id AND b.status = 'confirmed' AND b.starts_at < ${r}.ends_at AND b.ends_at > ${r}.starts_at)`

/** Whether an active hold of the artist overlaps the dates of the request aliased `r`: one a hold placed on those dates ranks below. */
export const heldSql = (r: Prisma.Sql) => Prisma.sql`EXISTS (SELECT 1 FROM booking_holds x
  WHERE x.artist_id = ${r}.artist_id AND x.status = 'active' AND x.starts_at < ${r}.ends_at AND x.ends_at > ${r}.starts_at)`

export const alreadyBooked = () =>
  conflict('artist_already_booked', 'the artist already has a confirmed booking at that time: no hold is placed on those dates')
