// Double-blind ratings: after a booking's event each side rates the other once (communication, reliability,
// hospitality or production, payment or performance; 1–5, an optional comment). Neither side sees the
// other's rating until both have rated or the window (14 days after the event, by the service's clock)
// closes; from then on nothing changes (the booking_ratings_guard trigger refuses edits of revealed ratings).
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { advisoryLock } from '../../db/locks.ts'
import { conflict, forbidden, isUniqueViolation, notFound } from '../../errors.ts'
import type { Booking, BookingRating } from '../../generated/prisma/client.ts'
import { parseInput } from '../../validation.ts'
import { bookings } from '../booking/bookings.service.ts'
import { otherSide, partyOf, type Party } from '../booking/parties.ts'
import { recordEvent } from '../outbox/record.ts'

export const RATING_WINDOW_DAYS = 14
const DAY_MS = 86_400_000

const Score = z.number().int().min(1).max(5)

export const RatingInput = z.object({
  communication: Score,
  reliability: Score,
  hospitalityOrProduction: Score.describe(
    "The promoter's hospitality (rated by the agency) or the artist side's production (by the promoter)",
  ),
  paymentOrPerformance: Score.describe("The promoter's payment (rated by the agency) or the artist's performance (by the promoter)"),
  comment: z.string().trim().min(1).max(2000).nullish().describe('Seen by the other side once revealed, never by third parties'),
})

export const RatingUpdate = RatingInput.partial()

export const windowClosesAt = (booking: Pick<Booking, 'endsAt'>) => new Date(booking.endsAt.getTime() + RATING_WINDOW_DAYS * DAY_MS)

export const ratingView = (r: BookingRating) => ({
  id: r.id,
  bookingId: r.bookingId,
  raterSide: r.raterSide,
  communication: r.communication,
  reliability: r.reliability,
  hospitalityOrProduction: r.hospitalityOrProduction,
  paymentOrPerformance: r.paymentOrPerformance,
  comment: r.comment,
  revealedAt: r.revealedAt,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
})

export type RatingView = ReturnType<typeof ratingView>

/**
 * The ratings of a booking as a company sees them: the two parties their own rating always, the other side's only once
 * revealed; anyone else who sees the booking (the artist's management, an agency that took the artist over) the window
 * alone, as if nothing were rated: ratings and comments are between the two parties.
 */
function ratingsView(booking: Booking, party: Party, all: BookingRating[], now: Date) {
  const { side } = party
  const rows = ratesBooking(party, booking) ? all : []
  const mine = rows.find((r) => r.raterSide === side)
  const theirs = rows.find((r) => r.raterSide !== side)
  const closesAt = windowClosesAt(booking)
  const windowClosed = now >= closesAt
  const revealed = Boolean(mine && theirs) || windowClosed
  return {
    bookingId: booking.id,
    side,
    opensAt: booking.endsAt,
    closesAt,
    window: now < booking.endsAt ? 'not_open' : windowClosed ? 'closed' : 'open',
    revealed,
    mine: mine ? ratingView(mine) : null,
    theirsSubmitted: Boolean(theirs),
    theirs: theirs && revealed ? ratingView(theirs) : null,
  }
}

export type BookingRatingsView = ReturnType<typeof ratingsView>

/** Whether the company rates the booking: the promoter that booked, or the agency credited with it (not the management). */
const ratesBooking = (party: Party, booking: Booking) =>
  party.side === 'promoter' ? booking.promoterOrgId === party.orgId : booking.agencyId === party.agencyId

function assertRater(party: Party, booking: Booking) {
  if (!ratesBooking(party, booking)) throw forbidden('only the promoter and the agency of the booking rate it', 'not_a_party')
}

const lockRatings = (tx: Tx, bookingId: string) => advisoryLock(tx, `ratings:booking:${bookingId}`)

/** The tenant companies of both sides (or of one), for the events' subscriber ACLs. */
async function partiesOf(tx: Tx, booking: Booking, only?: Party['side']) {
  const agency = async () =>
    (await tx.companyClaim.findMany({ where: { companyId: booking.agencyId, status: 'approved' }, select: { orgId: true } })).map(
      (c) => c.orgId,
    )
  if (only === 'promoter') return [booking.promoterOrgId]
  return only === 'agency' ? agency() : [booking.promoterOrgId, ...(await agency())]
}

const ratingEvent = (tx: Tx, type: string, r: BookingRating, orgIds: string[]) =>
  recordEvent(tx, { type, aggregateId: r.id, orgIds, payload: { ratingId: r.id, bookingId: r.bookingId, raterSide: r.raterSide } })

export const ratings = {
  /** GET /api/v1/bookings/:id/ratings · Booking.ratings */
  async ofBooking(ctx: RequestContext, bookingId: string) {
    const party = await partyOf(ctx)
    const booking = await bookings.get(ctx, bookingId)
    const rows = await ctx.db.bookingRating.findMany({ where: { bookingId } })
    return ratingsView(booking, party, rows, ctx.clock.now())
  },

  /** Booking.ratings for a page of bookings: one query for all of them. */
  async forBookings(ctx: RequestContext, list: readonly Booking[]) {
    const party = await partyOf(ctx)
    const rows = await ctx.db.bookingRating.findMany({ where: { bookingId: { in: list.map((b) => b.id) } } })
    const now = ctx.clock.now()
    return list.map((b) =>
      ratingsView(
        b,
        party,
        rows.filter((r) => r.bookingId === b.id),
        now,
      ),
    )
  },

  /** POST /api/v1/bookings/:id/ratings: once per booking and side, between the event's end and the window's close. */
  async submit(ctx: RequestContext, bookingId: string, input: unknown) {
    const party = await partyOf(ctx)
    const data = parseInput(RatingInput, input)
    const seen = await bookings.get(ctx, bookingId)
    assertRater(party, seen)
    const now = ctx.clock.now()
    await ctx.db
      .$transaction(async (tx) => {
        await lockRatings(tx, bookingId)
        const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } })
        if (booking.status !== 'confirmed') throw conflict('booking_not_confirmed', 'a cancelled booking is not rated')
        if (now < booking.endsAt) throw conflict('rating_not_open', `ratings open when the event ends (${booking.endsAt.toISOString()})`)
        const closesAt = windowClosesAt(booking)
        if (now >= closesAt) throw conflict('rating_window_closed', `the rating window closed at ${closesAt.toISOString()}`)
        const rating = await tx.bookingRating.create({
          data: {
            bookingId,
            raterSide: party.side,
            raterOrgId: party.orgId,
            raterUserId: party.userId,
            communication: data.communication,
            reliability: data.reliability,
            hospitalityOrProduction: data.hospitalityOrProduction,
            paymentOrPerformance: data.paymentOrPerformance,
            comment: data.comment,
            windowClosesAt: closesAt,
          },
        })
        const orgIds = await partiesOf(tx, booking)
        await ratingEvent(tx, 'booking.rating.submitted', rating, orgIds)
        const other = await tx.bookingRating.findUnique({ where: { bookingId_raterSide: { bookingId, raterSide: otherSide(party.side) } } })
        if (other) {
          await tx.bookingRating.updateMany({ where: { bookingId, revealedAt: null }, data: { revealedAt: now } })
          await ratingEvent(tx, 'booking.rating.revealed', other, orgIds)
          await ratingEvent(tx, 'booking.rating.revealed', rating, orgIds)
        }
      })
      .catch((e: unknown) => {
        if (isUniqueViolation(e)) throw conflict('already_rated', 'your side has rated this booking already')
        throw e
      })
    return ratings.ofBooking(ctx, bookingId)
  },

  /** PATCH /api/v1/booking-ratings/:id: the side's own rating, until it is revealed. */
  async edit(ctx: RequestContext, id: string, input: unknown) {
    const party = await partyOf(ctx)
    const data = parseInput(RatingUpdate, input)
    const found = await ctx.db.bookingRating.findFirst({ where: { id, raterOrgId: party.orgId, raterSide: party.side } })
    if (!found) throw notFound('rating', id)
    const now = ctx.clock.now()
    await ctx.db.$transaction(async (tx) => {
      await lockRatings(tx, found.bookingId)
      const current = await tx.bookingRating.findUniqueOrThrow({ where: { id } })
      if (current.revealedAt || now >= current.windowClosesAt) throw conflict('rating_revealed', 'a revealed rating is never edited')
      const rating = await tx.bookingRating.update({ where: { id }, data })
      const booking = await tx.booking.findUniqueOrThrow({ where: { id: rating.bookingId } })
      // An edit is the rater's news alone: the other side reads nothing of a rating before the reveal but that it exists.
      await ratingEvent(tx, 'booking.rating.edited', rating, await partiesOf(tx, booking, rating.raterSide))
    })
    return ratings.ofBooking(ctx, found.bookingId)
  },
}
