// Holds and bookings: the agency confirms a hold into a booking. No double booking is the database's
// guarantee (bookings_no_double_booking); confirmations of one artist also run one at a time, so the
// loser of a race is told 409 — never a 500, never a second booking. Confirming releases the artist's
// competing holds on overlapping dates.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Db, Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, isExclusionViolation, notFound } from '../../errors.ts'
import { BookingStatus, HoldStatus, type BookingHold, type Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { actorOf, actsFor, partyOf, pipelinesVisibleTo, recordActivity, SYSTEM, type Party } from './parties.ts'
import {
  competingHolds,
  expireDue,
  lapseChallenge,
  lockArtistBookings,
  lockRequest,
  ranksAbove,
  releaseHold,
  reprioritize,
} from './pipeline.ts'
import { dealBooked, dealCancelled, dealClosed } from './deal-followers.ts'
import { CloseInput, requireSide } from './requests.service.ts'
import { keptTerm, radiusOf } from './deal-terms.ts'
import { bookingMachine, effectiveHoldStatus, holdMachine, requestMachine, transition } from './state.ts'
import { Instant } from '../../dates.ts'
import { awaiting, BOOKING_SORT_FIELDS, holdsAwaiting, inboxFields, orderOf, statusesOf } from './inbox.ts'

export const HoldFilter = z.object({
  status: statusesOf(HoldStatus),
  artistId: Id.optional(),
  promoterOrgId: Id.optional().describe("Of this promoter company's pipelines"),
  agencyId: Id.optional().describe("Of this agency's pipelines"),
  expiringBefore: Instant.optional().describe('Holds whose hold period ends before this instant (with status ACTIVE: expiring soon)'),
  ...inboxFields,
})

/** The filter's conditions at `now` (the list's and the badge count's). */
export function holdsWhere(party: Party, f: z.output<typeof HoldFilter>, now: Date): Prisma.BookingHoldWhereInput {
  return {
    AND: [
      {
        request: { AND: [pipelinesVisibleTo(party), { promoterOrgId: f.promoterOrgId, agencyId: f.agencyId }] },
        artistId: f.artistId,
        status: f.status && { in: f.status },
        expiresAt: { lt: f.expiringBefore },
      },
      awaiting(f.awaitingMe, holdsAwaiting(party, now)),
    ],
  }
}

export const BookingFilter = z.object({
  status: statusesOf(BookingStatus),
  artistId: Id.optional(),
  promoterOrgId: Id.optional().describe('Counterparty: the buying company'),
  agencyId: Id.optional().describe('Counterparty: the agency that confirmed the booking'),
  venueId: Id.optional(),
  cityId: Id.optional(),
  from: Instant.optional().describe('Starting at or after'),
  to: Instant.optional().describe('Starting before'),
  sort: z.enum(BOOKING_SORT_FIELDS).optional().describe('What to order by (event_date: the start of the event)'),
  order: inboxFields.order,
})
export const CancelInput = z.object({ reason: z.string().trim().min(1).max(2000) })

async function visibleHold(ctx: RequestContext, party: Party, id: string, query: Selection = {}) {
  const hold = await ctx.db.bookingHold.findFirst({ ...query, where: { id, request: pipelinesVisibleTo(party) } })
  if (!hold) throw notFound('hold', id)
  return hold
}

/** Locks the hold's pipeline for the party after writing due expiries; a hold lapsed in between is as good as expired. */
async function lockedHold(tx: Tx, party: Party, hold: BookingHold, now: Date) {
  await lockRequest(tx, hold.requestId, { party, now })
  const fresh = await tx.bookingHold.findUniqueOrThrow({ where: { id: hold.id } })
  const status = effectiveHoldStatus(fresh, now)
  if (status !== fresh.status) throw conflict('invalid_transition', `cannot act on a hold that is ${status}`)
  return fresh
}

const challengeLapsed = (hold: BookingHold, now: Date) => Boolean(hold.challengeDeadline && hold.challengeDeadline <= now)

/**
 * The artist's other active holds on the dates of `hold`, and those ranked above it that still stand. One
 * above whose challenge lapsed is released on the way (whoever acts first) and left out of both; the caller
 * holds the artist's lock.
 */
async function rivalsOf(tx: Tx, hold: BookingHold, now: Date) {
  const competing: BookingHold[] = []
  const standingAbove: BookingHold[] = []
  for (const other of await competingHolds(tx, hold)) {
    const above = ranksAbove(other, hold)
    if (above && challengeLapsed(other, now)) {
      await lapseChallenge(tx, other)
      continue
    }
    competing.push(other)
    if (above) standingAbove.push(other)
  }
  return { competing, standingAbove }
}

const outranked = (count: number) =>
  conflict(
    'hold_outranked',
    `${count} hold(s) rank above this one on these dates: they confirm or release first, or a challenge against them lapses`,
  )

/**
 * Refuses an outranked confirmation before it queues on the artist's lock, so that the first hold's
 * confirmation never waits behind the others' refusals. Only a hint: the answer under the lock decides.
 */
async function refuseIfOutranked(db: Db, party: Party, id: string, now: Date) {
  const hold = await db.bookingHold.findUniqueOrThrow({ where: { id }, include: { request: true } })
  // Who may not act, or on what, is told under the lock.
  if (hold.status !== 'active' || !(await actsFor(db, party, hold.request))) return
  const standing = (await competingHolds(db, hold)).filter((other) => ranksAbove(other, hold) && !challengeLapsed(other, now))
  if (standing.length) throw outranked(standing.length)
}

export const ChallengeInput = z.object({
  respondWithinHours: z
    .number()
    .int()
    .min(1)
    .max(168)
    .default(48)
    .describe('How long the holds above have to confirm or release (at most until their event)'),
})

export const holds = {
  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    await expireDue(ctx.db, { requestId: (await visibleHold(ctx, await partyOf(ctx), id)).requestId }, ctx.clock.now())
    return ctx.db.bookingHold.findUniqueOrThrow({ ...query, where: { id } })
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const party = await partyOf(ctx)
    const f = parseInput(HoldFilter, filter)
    const now = ctx.clock.now()
    await expireDue(ctx.db, { where: pipelinesVisibleTo(party) }, now)
    const orderBy = orderOf<Prisma.BookingHoldOrderByWithRelationInput>(
      f.sort,
      f.order,
      { sort: 'event_date', order: 'asc' },
      undefined,
      true,
    )
    return listing(ctx.db.bookingHold, { where: holdsWhere(party, f, now), orderBy }, page, query)
  },

  /** The agency confirms a hold: the booking exists, the request is booked, competing holds are released. */
  async confirm(ctx: RequestContext, id: string, query: Selection = {}) {
    const party = await partyOf(ctx)
    requireSide(party, 'agency', 'confirms bookings')
    const seen = await visibleHold(ctx, party, id)
    await expireDue(ctx.db, { requestId: seen.requestId }, ctx.clock.now())
    await refuseIfOutranked(ctx.db, party, id, ctx.clock.now())
    const actor = actorOf(party)
    try {
      const booking = await ctx.db.$transaction(async (tx) => {
        // One confirmation per artist at a time: the losers of a race find the hold released, or meet the
        // exclusion constraint, and answer 409.
        await lockArtistBookings(tx, seen.artistId)
        const hold = await lockedHold(tx, party, seen, ctx.clock.now())
        const holdTo = transition(holdMachine, hold.status, 'confirm')
        const { competing, standingAbove } = await rivalsOf(tx, hold, ctx.clock.now())
        if (standingAbove.length) throw outranked(standingAbove.length)
        const request = await tx.bookingRequest.findUniqueOrThrow({
          where: { id: hold.requestId },
          include: { offers: { where: { id: hold.offerId }, include: { depositTerms: { orderBy: { seq: 'asc' } } } } },
        })
        const requestTo = transition(requestMachine, request.status, 'book')
        const [offer] = request.offers
        if (!offer) throw notFound('booking offer', hold.offerId)
        const created = await tx.booking.create({
          data: {
            requestId: request.id,
            offerId: offer.id,
            holdId: hold.id,
            artistId: hold.artistId,
            agencyId: party.agencyId,
            promoterOrgId: request.promoterOrgId,
            venueId: request.venueId,
            venueName: request.venueName,
            cityId: request.cityId,
            startsAt: hold.startsAt,
            endsAt: hold.endsAt,
            fee: offer.fee,
            currency: offer.currency,
            dealType: offer.dealType,
            percentage: offer.percentage,
            deposit: offer.deposit,
            ...radiusOf(offer),
            ...(offer.depositTerms.length ? { depositTerms: { create: offer.depositTerms.map(keptTerm) } } : {}),
          },
        })
        await tx.bookingHold.update({ where: { id: hold.id }, data: { status: holdTo } })
        await recordActivity(tx, actor, {
          requestId: request.id,
          subject: 'hold',
          subjectId: hold.id,
          action: 'confirm',
          from: hold.status,
          to: holdTo,
        })
        await tx.bookingRequest.update({ where: { id: request.id }, data: { status: requestTo } })
        await recordActivity(tx, actor, {
          requestId: request.id,
          subject: 'request',
          subjectId: request.id,
          action: 'book',
          from: request.status,
          to: requestTo,
        })
        await recordActivity(tx, actor, {
          requestId: request.id,
          subject: 'booking',
          subjectId: created.id,
          action: 'confirm',
          from: null,
          to: 'confirmed',
        })
        await dealBooked(tx, hold.id, created.id)
        for (const other of competing) {
          await lockRequest(tx, other.requestId)
          await releaseHold(tx, actor, other, 'the artist was confirmed for an overlapping booking')
        }
        await reprioritize(tx, hold.artistId)
        return created
      })
      return ctx.db.booking.findUniqueOrThrow({ ...query, where: { id: booking.id } })
    } catch (e) {
      if (isExclusionViolation(e, 'bookings_no_double_booking')) {
        throw conflict('artist_already_booked', 'the artist already has a confirmed booking at that time')
      }
      throw e
    }
  },

  /**
   * A party of a lower hold challenges the holds above it: each gets a deadline to confirm or release (at
   * most its event), after which it is released whoever reads or acts first, and the challenger moves up.
   * A hold already under challenge keeps its deadline.
   */
  async challenge(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    const { respondWithinHours } = parseInput(ChallengeInput, input)
    const seen = await visibleHold(ctx, party, id)
    const now = ctx.clock.now()
    await expireDue(ctx.db, { requestId: seen.requestId }, now)
    await ctx.db.$transaction(async (tx) => {
      await lockArtistBookings(tx, seen.artistId)
      const hold = await lockedHold(tx, party, seen, now)
      const to = transition(holdMachine, hold.status, 'challenge')
      const above = (await rivalsOf(tx, hold, now)).standingAbove
      if (!above.length) throw conflict('nothing_to_challenge', 'no hold ranks above this one on these dates')
      const unchallenged = above.filter((other) => !other.challengeDeadline)
      if (!unchallenged.length) throw conflict('challenge_pending', 'every hold above this one is already under challenge')
      for (const other of unchallenged) {
        await lockRequest(tx, other.requestId)
        const deadline = new Date(Math.min(now.getTime() + respondWithinHours * 3600_000, other.startsAt.getTime()))
        await tx.bookingHold.update({ where: { id: other.id }, data: { challengeDeadline: deadline, challengedByHoldId: hold.id } })
        // The challenged side learns of a challenge and its deadline, not who made it.
        await recordActivity(tx, SYSTEM, {
          requestId: other.requestId,
          subject: 'hold',
          subjectId: other.id,
          action: 'challenged',
          from: other.status,
          to: other.status,
          note: `a lower hold challenged this one: confirm or release by ${deadline.toISOString()}`,
        })
      }
      await recordActivity(tx, actorOf(party), {
        requestId: hold.requestId,
        subject: 'hold',
        subjectId: hold.id,
        action: 'challenge',
        from: hold.status,
        to,
        note: `challenged ${unchallenged.length} hold(s) above; ${above.length - unchallenged.length} already under challenge`,
      })
    })
    return ctx.db.bookingHold.findUniqueOrThrow({ ...query, where: { id } })
  },

  /** Either side lets a hold go; the request closes as released. */
  async release(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    const { reason } = parseInput(CloseInput, input)
    const seen = await visibleHold(ctx, party, id)
    await expireDue(ctx.db, { requestId: seen.requestId }, ctx.clock.now())
    await ctx.db.$transaction(async (tx) => {
      await lockArtistBookings(tx, seen.artistId)
      const hold = await lockedHold(tx, party, seen, ctx.clock.now())
      await releaseHold(tx, actorOf(party), hold, reason ?? `released by the ${party.side}`)
      await reprioritize(tx, hold.artistId)
    })
    return ctx.db.bookingHold.findUniqueOrThrow({ ...query, where: { id } })
  },
}

export const bookings = {
  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    const party = await partyOf(ctx)
    const booking = await ctx.db.booking.findFirst({ ...query, where: { AND: [{ id }, pipelinesVisibleTo(party)] } })
    if (!booking) throw notFound('booking', id)
    return booking
  },

  /** The bookings among `ids` the caller is party to (federation references): the same visibility as every other read. */
  async byIds(ctx: RequestContext, ids: string[], query: Selection = {}) {
    const party = await partyOf(ctx)
    return ctx.db.booking.findMany({ ...query, where: { AND: [{ id: { in: ids } }, pipelinesVisibleTo(party)] } })
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const party = await partyOf(ctx)
    const f = parseInput(BookingFilter, filter)
    const { from, to, status, sort, order, ...exact } = f
    const where: Prisma.BookingWhereInput = {
      AND: [pipelinesVisibleTo(party), { ...exact, status: status && { in: status }, startsAt: { gte: from, lt: to } }],
    }
    const orderBy = orderOf<Prisma.BookingOrderByWithRelationInput>(sort, order, { sort: 'event_date', order: 'asc' })
    return listing(ctx.db.booking, { where, orderBy }, page, query)
  },

  /** The visible bookings of many artists (or agencies) at once, in one query: for nested lists. */
  async groupedBy(ctx: RequestContext, key: 'artistId' | 'agencyId', ids: readonly string[]) {
    const party = await partyOf(ctx)
    const rows = await ctx.db.booking.findMany({
      where: { AND: [pipelinesVisibleTo(party), { [key]: { in: [...ids] } }] },
      orderBy: { startsAt: 'asc' },
    })
    return ids.map((id) => rows.filter((b) => b[key] === id))
  },

  /** Either side cancels a confirmed booking, with the reason; the dates are free again. */
  async cancel(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    const { reason } = parseInput(CancelInput, input)
    const seen = await bookings.get(ctx, id)
    await ctx.db.$transaction(async (tx) => {
      await lockRequest(tx, seen.requestId, { party, now: ctx.clock.now() })
      const booking = await tx.booking.findUniqueOrThrow({ where: { id } })
      const to = transition(bookingMachine, booking.status, 'cancel')
      await tx.booking.update({ where: { id }, data: { status: to, cancelledAt: new Date(), cancelReason: reason } })
      await recordActivity(tx, actorOf(party), {
        requestId: booking.requestId,
        subject: 'booking',
        subjectId: id,
        action: 'cancel',
        from: booking.status,
        to,
        note: reason,
      })
      await dealClosed(tx, booking.requestId, `the booking was cancelled: ${reason}`)
      await dealCancelled(tx, id, actorOf(party))
    })
    return ctx.db.booking.findUniqueOrThrow({ ...query, where: { id } })
  },
}
