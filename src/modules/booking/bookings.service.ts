// Holds and bookings: the agency confirms a hold into a booking. No double booking is the database's
// guarantee (bookings_no_double_booking); confirmations of one artist also run one at a time, so the
// loser of a race is told 409 — never a 500, never a second booking. Confirming releases the artist's
// competing holds on overlapping dates.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { randomUUID } from 'node:crypto'
import { lastStatementOf, sqlOf, type Queries } from '../../db/sql.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, isExclusionViolation, notFound } from '../../errors.ts'
import {
  BookingStatus,
  HoldStatus,
  Prisma,
  type Agency,
  type Booking,
  type BookingDepositTerm,
  type BookingHold,
  type BookingOffer,
  type City,
} from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import {
  actingSql,
  actorOf,
  embeddedHoldsAsSeen,
  holdAsSeen,
  partyOf,
  pipelinesVisibleTo,
  recordActivities,
  recordActivity,
  statusChange,
  SYSTEM,
  type Party,
} from './parties.ts'
import {
  competingHolds,
  expireDue,
  lapseChallenge,
  lockRequest,
  lockRequestThen,
  ranksAbove,
  closePipeline,
  reprioritize,
  seenPipeline,
} from './pipeline.ts'
import { dealBooked, dealCancelled } from './deal-followers.ts'
import { CloseInput, requireSide } from './requests.service.ts'
import { radiusOf } from './deal-terms.ts'
import { bookingMachine, effectiveHoldStatus, holdMachine, requestMachine, transition } from './state.ts'
import { Instant, localTime } from '../../dates.ts'
import { actedOn, actionsView, askerFor, blocked, partyChecks, stateAllows, type ActionsView } from './actions.ts'
import { columnsOf, nested, type BookingView } from './views.ts'
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
export interface EventTime {
  /** The IANA time zone of the event (its city's). */
  timezone: string | null
  /** Start and end on the wall clock there, ISO 8601 with the offset then. */
  localStartsAt: string | null
  localEndsAt: string | null
}

export const CancelInput = z.object({ reason: z.string().trim().min(1).max(2000) })

async function visibleHold(ctx: RequestContext, party: Party, id: string, query: Selection = {}) {
  const hold = await ctx.db.bookingHold.findFirst({ ...query, where: { id, request: pipelinesVisibleTo(party) } })
  if (!hold) throw notFound('hold', id)
  return hold
}

/**
 * Locks the hold's pipeline for the party after writing due expiries; a hold lapsed in between is as good as
 * expired (with `artistFirst`, the artist's lock is taken first: lockRequest). Read after it, in one
 * statement: the hold and the artist's other active holds on its dates (competingHolds).
 */
async function lockedHold(tx: Queries, party: Party, hold: BookingHold, now: Date, artistFirst?: string) {
  // The holds are read after the locks, in the same round trip: what it reads of `hold` never changes.
  const {
    request,
    reads: [rows = []],
  } = await lockRequestThen(
    tx,
    [
      Prisma.sql`
    SELECT ${columnsOf('BookingHold', 'x', 'hold')} FROM booking_holds x
    WHERE x.id = ${hold.id}::uuid OR (x.artist_id = ${hold.artistId}::uuid AND x.status = 'active' AND x.id <> ${hold.id}::uuid
      AND x.starts_at < ${hold.endsAt} AND x.ends_at > ${hold.startsAt})
    ORDER BY x.created_at, x.id`,
    ],
    hold.requestId,
    { party, now },
    artistFirst,
  )
  const read = rows.map((row) => nested<BookingHold>(row, 'BookingHold', 'hold')!)
  const fresh = read.find((h) => h.id === hold.id)
  if (!fresh) throw notFound('hold', hold.id)
  const status = effectiveHoldStatus(fresh, now)
  if (status !== fresh.status) throw conflict('invalid_transition', `cannot act on a hold that is ${status}`)
  return { hold: fresh, request, others: read.filter((h) => h.id !== hold.id) }
}

const challengeLapsed = (hold: BookingHold, now: Date) => Boolean(hold.challengeDeadline && hold.challengeDeadline <= now)

/**
 * Of the artist's other active holds on the dates of `hold` (`others`, read under the artist's lock), those
 * that compete and those ranked above it that still stand. One above whose challenge lapsed is released on
 * the way (whoever acts first) and left out of both.
 */
async function rivalsOf(tx: Queries, hold: BookingHold, others: BookingHold[], now: Date) {
  const competing: BookingHold[] = []
  const standingAbove: BookingHold[] = []
  for (const other of others) {
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
 * What a confirmation reads before it queues on the artist's lock, in the statement that finds the pipeline
 * (seenPipeline): the hold, the offer it was placed on (its terms never change), the confirming agency and
 * the event's city as cards, whether the agency acts on the pipeline, and how many holds above it stand.
 */
const confirmationShape = (party: Party, now: Date) => ({
  columns: Prisma.sql`${columnsOf('BookingHold', 'h', 'hold')}, ${columnsOf('BookingOffer', 'o', 'offer')},
    ${columnsOf('Agency', 'c', 'agency')}, ${columnsOf('City', 'g', 'city')}, ${actingSql(party)} AS acting,
    (SELECT count(*)::int FROM booking_holds x
      WHERE x.artist_id = h.artist_id AND x.status = 'active' AND x.id <> h.id AND x.starts_at < h.ends_at AND x.ends_at > h.starts_at
        AND (x.created_at, x.id) < (h.created_at, h.id) AND (x.challenge_deadline IS NULL OR x.challenge_deadline > ${now})) AS above`,
  from: Prisma.sql`JOIN booking_holds h ON h.request_id = r.id JOIN booking_offers o ON o.id = h.offer_id
    LEFT JOIN artists_companies c ON c.id = ${party.side === 'agency' ? party.agencyId : null}::uuid LEFT JOIN geo_cities g ON g.id = r.city_id`,
})

export const ChallengeInput = z.object({
  respondWithinHours: z
    .number()
    .int()
    .min(1)
    .max(168)
    .default(48)
    .describe('How long the holds above have to confirm or release (at most until their event)'),
})

export const HOLD_ACTIONS = ['confirm', 'release', 'challenge'] as const
export type HoldAction = (typeof HOLD_ACTIONS)[number]
export const BOOKING_ACTIONS = ['cancel'] as const
export type BookingAction = (typeof BOOKING_ACTIONS)[number]

export const holds = {
  /** What the caller may do with the hold now, and why not the rest (its rank decides confirm and challenge). */
  async actions(ctx: RequestContext, hold: BookingHold): Promise<ActionsView<HoldAction>> {
    const asker = await askerFor(ctx, hold.requestId)
    const now = ctx.clock.now()
    const status = effectiveHoldStatus(hold, now)
    const above =
      status === 'active' ? (await competingHolds(ctx.db, hold)).filter((o) => ranksAbove(o, hold) && !challengeLapsed(o, now)) : []
    return actionsView(HOLD_ACTIONS, (action) => [
      ...partyChecks(asker, action === 'confirm' ? 'agency' : undefined, 'confirms bookings'),
      stateAllows(holdMachine, status, action),
      action === 'confirm' && above.length
        ? blocked('hold_outranked', `${above.length} hold(s) rank above this one on these dates: they confirm or release first`)
        : null,
      action === 'challenge' && !above.length ? blocked('nothing_to_challenge', 'no hold ranks above this one on these dates') : null,
      action === 'challenge' && above.length && above.every((o) => o.challengeDeadline)
        ? blocked('challenge_pending', 'every hold above this one is already under challenge')
        : null,
    ])
  },

  /**
   * A hold as REST shows it: with its actions. The hold that challenged it is another promoter's pipeline: its id is shown
   * to the artist side only (the graph does not show it at all).
   */
  async view<T extends BookingHold>(ctx: RequestContext, hold: T): Promise<T & ActionsView<HoldAction>> {
    return { ...holdAsSeen(await partyOf(ctx), hold), ...(await holds.actions(ctx, hold)) }
  },

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

  confirm,

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
      const { hold, others } = await lockedHold(tx, party, seen, now, seen.artistId)
      const to = transition(holdMachine, hold.status, 'challenge')
      const above = (await rivalsOf(tx, hold, others, now)).standingAbove
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
      const { hold } = await lockedHold(tx, party, seen, ctx.clock.now(), seen.artistId)
      await closePipeline(tx, actorOf(party), hold, 'release', reason ?? `released by the ${party.side}`)
      await reprioritize(tx, hold.artistId)
    })
    return ctx.db.bookingHold.findUniqueOrThrow({ ...query, where: { id } })
  },
}

export type BookingViewRow = Prisma.BookingGetPayload<{ include: typeof BookingView }>

/**
 * The agency confirms a hold: the booking exists, the request is booked, competing holds are released.
 * Without a selection the answer is the REST view, composed from the rows in hand.
 */
async function confirm(ctx: RequestContext, id: string): Promise<BookingViewRow>
async function confirm(ctx: RequestContext, id: string, query: Selection): Promise<Booking>
async function confirm(ctx: RequestContext, id: string, query?: Selection): Promise<Booking | BookingViewRow> {
  const party = await partyOf(ctx)
  requireSide(party, 'agency', 'confirms bookings')
  const now = ctx.clock.now()
  const seen = await seenPipeline(ctx.db, party, Prisma.sql`h.id = ${id}::uuid`, now, { what: 'hold', id }, confirmationShape(party, now))
  const hold = nested<BookingHold>(seen.row, 'BookingHold', 'hold')!
  const offer = nested<BookingOffer>(seen.row, 'BookingOffer', 'offer')!
  // Refuses an outranked confirmation before it queues on the artist's lock, so that the first hold's
  // confirmation never waits behind the others' refusals. Only a hint, from what was read before the expiry
  // pass (none when that pass changed something): the answer under the lock decides, and tells who may not act.
  const above = seen.row.above as number
  if (!seen.expired && hold.status === 'active' && seen.row.acting && above) throw outranked(above)
  const actor = actorOf(party)
  try {
    const booking = await sqlOf(ctx.db).$transaction(async (tx) => {
      // One confirmation per artist at a time: the losers of a race find the hold released, or meet the
      // exclusion constraint, and answer 409.
      const { hold: fresh, request, others } = await lockedHold(tx, party, hold, ctx.clock.now(), seen.artistId)
      const holdTo = transition(holdMachine, fresh.status, 'confirm')
      const { competing, standingAbove } = await rivalsOf(tx, fresh, others, ctx.clock.now())
      if (standingAbove.length) throw outranked(standingAbove.length)
      const requestTo = transition(requestMachine, request.status, 'book')
      const bookingId = randomUUID()
      const radius = radiusOf(offer)
      // The booking (with the offer's deposit terms: it has some exactly when it has a deposit), the hold's and
      // the request's moves, the step's three transitions in the order they happened, and the deal followers'
      // writes (contracts drafted on the hold move to the booking) in one statement.
      const terms =
        offer.deposit === null
          ? Prisma.empty
          : Prisma.sql`, kept_terms AS (
          INSERT INTO booking_deposit_terms (booking_id, seq, kind, amount, percent, due_on, due_days_before_event, created_at, updated_at)
          SELECT b.id, t.seq, t.kind, t.amount, t.percent, t.due_on, t.due_days_before_event, b.created_at, b.created_at
          FROM created b, booking_offer_deposit_terms t WHERE t.offer_id = ${offer.id}::uuid)`
      // Competing pipelines to close and the ranks' pass come after it; without them it is the transaction's last statement.
      const row = await recordActivities(
        competing.length || others.length ? tx : lastStatementOf(tx),
        actor,
        [
          { requestId: request.id, subject: 'hold', subjectId: fresh.id, action: 'confirm', from: fresh.status, to: holdTo },
          { requestId: request.id, subject: 'request', subjectId: request.id, action: 'book', from: request.status, to: requestTo },
          {
            requestId: request.id,
            subject: 'booking',
            subjectId: bookingId,
            action: 'confirm',
            from: null,
            to: 'confirmed',
            agencyId: party.agencyId,
          },
        ],
        {
          with: Prisma.sql`created AS (
            INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, venue_id, venue_name, city_id,
              starts_at, ends_at, fee, currency, deal_type, percentage, deposit, radius_km, radius_days_before, radius_days_after,
              status, created_at, updated_at)
            SELECT ${bookingId}::uuid, ${request.id}::uuid, ${offer.id}::uuid, ${fresh.id}::uuid, ${fresh.artistId}::uuid, ${party.agencyId}::uuid,
              ${request.promoterOrgId}::uuid, ${request.venueId}::uuid, ${request.venueName}, ${request.cityId}::uuid,
              ${fresh.startsAt}::timestamptz, ${fresh.endsAt}::timestamptz, ${offer.fee}::bigint, ${offer.currency}, ${offer.dealType}::text::"DealType",
              ${offer.percentage}::int, ${offer.deposit}::bigint, ${radius.radiusKm}::int, ${radius.radiusDaysBefore}::int, ${radius.radiusDaysAfter}::int,
              'confirmed', c.at, c.at
            FROM (SELECT clock_timestamp() AS at) c
            RETURNING *)${terms},
            ${statusChange('confirmed', 'hold', fresh.id, holdTo)}, ${statusChange('booked', 'request', request.id, requestTo)}
            ${dealBooked(fresh.id, { id: bookingId, agencyId: party.agencyId })}`,
          answer: { columns: columnsOf('Booking', 'b', 'booking'), from: Prisma.sql`FROM created b` },
        },
      )
      for (const other of competing) {
        await lockRequest(tx, other.requestId)
        await closePipeline(tx, actor, other, 'release', 'the artist was confirmed for an overlapping booking')
      }
      // Ranks count the holds on overlapping dates: with none there, the confirmed hold leaving moves no rank.
      if (others.length) await reprioritize(tx, fresh.artistId)
      return nested<Booking>(row!, 'Booking', 'booking')!
    })
    actedOn(ctx, party, seen.id)
    if (query) return await ctx.db.booking.findUniqueOrThrow({ ...query, where: { id: booking.id } })
    const depositTerms = booking.deposit === null ? [] : await bookingDepositTerms(ctx, booking.id)
    return {
      ...booking,
      artist: seen.artist,
      agency: nested<Agency>(seen.row, 'Agency', 'agency')!,
      city: nested<City>(seen.row, 'City', 'city'),
      depositTerms,
    }
  } catch (e) {
    if (isExclusionViolation(e, 'bookings_no_double_booking')) {
      throw conflict('artist_already_booked', 'the artist already has a confirmed booking at that time')
    }
    throw e
  }
}

/** A booking's deposit terms, in order. */
async function bookingDepositTerms(ctx: RequestContext, bookingId: string): Promise<BookingDepositTerm[]> {
  const rows = await sqlOf(ctx.db).$queryRaw<Record<string, unknown>[]>`
    SELECT ${columnsOf('BookingDepositTerm', 't', 'term')} FROM booking_deposit_terms t WHERE t.booking_id = ${bookingId}::uuid ORDER BY t.seq`
  return rows.map((row) => nested<BookingDepositTerm>(row, 'BookingDepositTerm', 'term')!)
}

export const bookings = {
  /** What the caller may do with the booking now, and why not. */
  async actions(ctx: RequestContext, booking: Booking): Promise<ActionsView<BookingAction>> {
    const asker = await askerFor(ctx, booking.requestId)
    return actionsView(BOOKING_ACTIONS, (action) => [...partyChecks(asker), stateAllows(bookingMachine, booking.status, action)])
  },

  /** Where and when, in the event's time zone (its city's): null without a city that names one. */
  eventTime(booking: { startsAt: Date; endsAt: Date }, timezone: string | null | undefined): EventTime {
    if (!timezone) return { timezone: null, localStartsAt: null, localEndsAt: null }
    return { timezone, localStartsAt: localTime(booking.startsAt, timezone).iso, localEndsAt: localTime(booking.endsAt, timezone).iso }
  },

  /** A booking as REST shows it: its place and local times, and its actions. */
  async view<T extends Booking & { city?: City | null }>(
    ctx: RequestContext,
    booking: T,
  ): Promise<T & EventTime & ActionsView<BookingAction>> {
    return {
      ...embeddedHoldsAsSeen(await partyOf(ctx), booking),
      ...bookings.eventTime(booking, booking.city?.timezone),
      ...(await bookings.actions(ctx, booking)),
    }
  },

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
  /**
   * The bookings of each artist or agency the caller is party to, by start, in the period and page asked:
   * the page is cut per parent from a light list of ids, so two statements serve any number of parents.
   */
  async groupedBy(
    ctx: RequestContext,
    key: 'artistId' | 'agencyId',
    ids: readonly string[],
    period: { from?: Date; to?: Date } = {},
    page: { skip: number; take: number } = { skip: 0, take: Number.MAX_SAFE_INTEGER },
  ) {
    const party = await partyOf(ctx)
    const where = { AND: [pipelinesVisibleTo(party), { [key]: { in: [...ids] }, startsAt: { gte: period.from, lt: period.to } }] }
    const order = [{ startsAt: 'asc' as const }, { id: 'asc' as const }]
    const keys = await ctx.db.booking.findMany({ where, orderBy: order, select: { id: true, artistId: true, agencyId: true } })
    const pageIds = ids.flatMap((id) =>
      keys
        .filter((b) => b[key] === id)
        .slice(page.skip, page.skip + page.take)
        .map((b) => b.id),
    )
    const rows = await ctx.db.booking.findMany({ where: { id: { in: pageIds } }, orderBy: order })
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
      const actor = actorOf(party)
      await tx.booking.update({ where: { id }, data: { status: to, cancelledAt: ctx.clock.now(), cancelReason: reason } })
      await recordActivity(tx, actor, {
        requestId: booking.requestId,
        subject: 'booking',
        subjectId: id,
        action: 'cancel',
        from: booking.status,
        to,
        note: reason,
        agencyId: booking.agencyId,
      })
      // The request and the hold the booking came from read cancelled too; the accepted offer stays the
      // record of what was agreed.
      await closePipeline(tx, actor, await tx.bookingHold.findUniqueOrThrow({ where: { id: booking.holdId } }), 'cancel', reason)
      await dealCancelled(tx, id, actor)
    })
    return ctx.db.booking.findUniqueOrThrow({ ...query, where: { id } })
  },
}
