// Negotiation: the agency answers a request with an offer; either side counters, producing a chain of
// versions where only the latest open offer is actionable, and only by the side that did not make it.
// Accepting places a hold on the artist's dates.
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Db } from '../../db/client.ts'
import { lastStatementOf, sqlOf, type Queries, type SqlTx } from '../../db/sql.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, invalidInput, notFound } from '../../errors.ts'
import {
  DealType,
  OfferStatus,
  Prisma,
  type Artist,
  type BookingHold,
  type BookingOffer,
  type BookingRequest,
  type OfferDepositTerm,
} from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput, parserAt } from '../../validation.ts'
import {
  actorOf,
  embeddedHoldsAsSeen,
  otherSide,
  partyOf,
  recordActivities,
  pipelinesVisibleTo,
  statusChange,
  type Party,
  type Transition,
} from './parties.ts'
import { actedOn, actionsView, askerFor, blocked, partyChecks, stateAllows, type ActionsView, type Asker, type Check } from './actions.ts'
import { alreadyBooked, bookedSql, confirmedBookingOn, expireDue, heldSql, lockSeen, reprioritize } from './pipeline.ts'
import { Currency, MinorUnits } from '../../money.ts'
import { dealTermFields, dealTermIssues, depositSchedule, depositTotal, dueDayIssue, radiusOf } from './deal-terms.ts'
import { CloseInput, requireSide } from './requests.service.ts'
import { effectiveOfferStatus, offerMachine, requestMachine, transition } from './state.ts'
import { formatDay, Instant } from '../../dates.ts'
import { columnsOf, nested, type OfferView } from './views.ts'
import { awaiting, inboxFields, offersAwaiting, orderOf, sentByField, statusesOf } from './inbox.ts'

const DAY_MS = 86_400_000

const offerFields = {
  fee: MinorUnits.nullish().describe('The guarantee (flat, versus) in minor units; absent for a pure percentage deal'),
  currency: Currency.describe('Required in a first offer'),
  dealType: z.enum(DealType).describe('Required in a first offer'),
  percentage: z.number().int().min(1).max(100).nullish().describe("versus / percentage: the artist's share of the net, in percent"),
  ...dealTermFields,
  holdDays: z.number().int().min(1).max(60).describe('How long an acceptance holds the date (a first offer: 7 days when absent)'),
  terms: z.string().trim().min(1).max(10_000).nullish(),
  expiresAt: Instant.nullish().describe('Answer-by time of this offer (never carried over by a counter)'),
}

export const OfferInput = z.object({ ...offerFields, holdDays: offerFields.holdDays.default(7) }).superRefine((o, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
  if (o.dealType === 'flat' && o.percentage != null) issue('percentage', 'a flat deal has no percentage')
  if (o.dealType !== 'flat' && o.percentage == null) issue('percentage', `required for a ${o.dealType} deal`)
  if (o.dealType !== 'percentage' && o.fee == null) issue('fee', `required for a ${o.dealType} deal`)
  dealTermIssues(o, issue)
})

/**
 * An offer's terms, every field optional: what a counter-offer sends (it names what it changes; everything
 * not sent is carried over from the offer it answers, null clears a field: `carriedOver`), and the one
 * GraphQL input of both mutations (a first offer is checked against OfferInput).
 */
export const CounterInput = z
  .object(offerFields)
  .partial()
  .describe(
    "An offer's terms. A first offer gives currency and dealType (holdDays: 7 when absent); a counter-offer names what it changes and carries everything it does not send over from the offer it answers (null clears a field; expiresAt is never carried)",
  )

export const OfferFilter = z.object({
  status: statusesOf(OfferStatus),
  requestId: Id.optional(),
  artistId: Id.optional(),
  sentBy: sentByField,
  promoterOrgId: Id.optional().describe("Of this promoter company's pipelines"),
  agencyId: Id.optional().describe("Of this agency's pipelines"),
  ...inboxFields,
})

export const OFFER_ACTIONS = ['accept', 'counter', 'decline', 'withdraw'] as const
export type OfferAction = (typeof OFFER_ACTIONS)[number]

/** The filter's conditions at `now` (the list's and the badge count's). */
export function offersWhere(party: Party, f: z.output<typeof OfferFilter>, now: Date): Prisma.BookingOfferWhereInput {
  return {
    AND: [
      {
        request: { AND: [pipelinesVisibleTo(party), { artistId: f.artistId, promoterOrgId: f.promoterOrgId, agencyId: f.agencyId }] },
        requestId: f.requestId,
        status: f.status && { in: f.status },
        madeBy: f.sentBy,
      },
      awaiting(f.awaitingMe, offersAwaiting(party, now)),
    ],
  }
}

/** What the asker may do with an offer now, and why not the rest; `booked` tells whether the artist is booked on its dates. */
export function offerActions(asker: Asker, offer: BookingOffer, now: Date, booked: () => Check): ActionsView<OfferAction> {
  const status = effectiveOfferStatus(offer, now)
  const mine = offer.madeBy === asker.party.side
  return actionsView(OFFER_ACTIONS, (action) => [
    ...partyChecks(asker),
    stateAllows(offerMachine, status, action),
    action === 'withdraw'
      ? mine
        ? null
        : blocked('wrong_side', `only the ${offer.madeBy} side, which made this offer, withdraws it`)
      : mine
        ? blocked('waiting_for_counterparty', `you made this offer: the ${otherSide(asker.party.side)} side answers it`)
        : null,
    action === 'accept' ? booked : null,
  ])
}

async function visibleOffer(ctx: RequestContext, party: Party, id: string) {
  const offer = await ctx.db.bookingOffer.findFirst({ where: { id, request: pipelinesVisibleTo(party) } })
  if (!offer) throw notFound('offer', id)
  return offer
}

/** The input as parsed at `now`: the schema's rules and the one that reads the clock, reported together. */
const parseOfferInput = parserAt(OfferInput, (o, ctx, now) => {
  if (o.expiresAt && o.expiresAt <= now) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' })
})

function checkAgainstRequest(request: BookingRequest, data: z.output<typeof OfferInput>) {
  if (data.expiresAt && data.expiresAt > request.startsAt) throw invalidInput('expiresAt', 'must be before the event')
  const late = dueDayIssue(depositSchedule(data), request.startsAt)
  if (late) throw invalidInput(late.field, late.message)
}

/**
 * Inserts the offer (with its deposit terms) and records `before` (the transition that led to it, with its
 * status change `beforeChange` when given: a statusChange named `moved`, and the columns to answer of it)
 * and its own creation, in one statement. Returns the offer and the row `before` moved.
 */
async function insertOffer(
  tx: Queries,
  party: Party,
  request: BookingRequest,
  data: z.output<typeof OfferInput>,
  before: Transition,
  beforeChange?: { with: Prisma.Sql; columns: Prisma.Sql },
  previous?: BookingOffer,
) {
  const schedule = depositSchedule(data)
  const id = randomUUID()
  const radius = radiusOf({
    radiusKm: data.radiusKm ?? null,
    radiusDaysBefore: data.radiusDaysBefore ?? null,
    radiusDaysAfter: data.radiusDaysAfter ?? null,
  })
  // Stamped once, at the insert (as the ORM's create stamps both).
  const offered = Prisma.sql`offered AS (
      INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, percentage, deposit,
        radius_km, radius_days_before, radius_days_after, hold_days, terms, expires_at, status, created_at, updated_at)
      SELECT ${id}::uuid, ${request.id}::uuid, ${(previous?.version ?? 0) + 1}::int, ${party.side}::text::"BookingSide", ${party.userId}::uuid,
        ${data.fee ?? null}::bigint, ${data.currency}, ${data.dealType}::text::"DealType", ${data.percentage ?? null}::int,
        ${depositTotal(schedule)}::bigint, ${radius.radiusKm}::int, ${radius.radiusDaysBefore}::int, ${radius.radiusDaysAfter}::int,
        ${data.holdDays}::int, ${data.terms ?? null}, ${data.expiresAt ?? null}::timestamptz, 'open', c.at, c.at
      FROM (SELECT clock_timestamp() AS at) c
      RETURNING *)`
  const terms = schedule.length
    ? Prisma.sql`, offered_terms AS (
      INSERT INTO booking_offer_deposit_terms (offer_id, seq, kind, amount, percent, due_on, due_days_before_event, created_at, updated_at)
      SELECT o.id, t.seq, t.kind::"DepositKind", t.amount, t.percent, t.due_on, t.due_days, o.created_at, o.created_at
      FROM offered o, (VALUES ${Prisma.join(
        schedule.map(
          (t) =>
            Prisma.sql`(${t.seq}::int, ${t.kind}::text, ${t.amount}::bigint, ${t.percent}::int, ${t.dueOn}::date, ${t.dueDaysBeforeEvent}::int)`,
        ),
      )}) AS t(seq, kind, amount, percent, due_on, due_days))`
    : Prisma.empty
  const row = await recordActivities(
    tx,
    actorOf(party),
    [
      before,
      {
        requestId: request.id,
        subject: 'offer',
        subjectId: id,
        action: previous ? 'counter' : 'offer',
        from: null,
        to: 'open',
        note: data.terms,
      },
    ],
    {
      with: Prisma.sql`${beforeChange ? Prisma.sql`${beforeChange.with}, ` : Prisma.empty}${offered}${terms}`,
      answer: {
        columns: Prisma.sql`${columnsOf('BookingOffer', 'o', 'offer')}${beforeChange ? Prisma.sql`, ${beforeChange.columns}` : Prisma.empty}`,
        from: Prisma.sql`FROM offered o${beforeChange ? Prisma.sql`, moved m` : Prisma.empty}`,
      },
    },
  )
  return { offer: nested<BookingOffer>(row!, 'BookingOffer', 'offer')!, moved: row! }
}

/** An offer's deposit terms, in order. */
async function depositTermsOf(q: Queries, offerId: string): Promise<OfferDepositTerm[]> {
  const rows = await q.$queryRaw<Record<string, unknown>[]>`
    SELECT ${columnsOf('OfferDepositTerm', 't', 'term')} FROM booking_offer_deposit_terms t WHERE t.offer_id = ${offerId}::uuid ORDER BY t.seq`
  return rows.map((row) => nested<OfferDepositTerm>(row, 'OfferDepositTerm', 'term')!)
}

/**
 * Runs an action on the request's latest offer under the pipeline's lock, after writing due expiries
 * (lockSeen). The offer is read after the locks with what an acceptance reads of the request's dates under
 * the artist's lock: whether the artist is booked then, and whether an active hold of the artist overlaps
 * them. Returns the action's result and the artist as a card (the answer's).
 */
async function onLatestOffer<T>(
  ctx: RequestContext,
  offerId: string,
  act: (tx: SqlTx, party: Party, offer: BookingOffer, request: BookingRequest, dates: { booked: boolean; held: boolean }) => Promise<T>,
): Promise<{ done: T; artist: Artist }> {
  const party = await partyOf(ctx)
  // The pipeline of the offer; the offer itself is read after the locks.
  const requestId = Prisma.sql`(SELECT o.request_id FROM booking_offers o WHERE o.id = ${offerId}::uuid)`
  // An acceptance places a hold: the artist's booking lock is taken before the pipeline's, as every hold change does.
  const seen = { what: 'offer', id: offerId }
  // The offer's read goes with the lock, in its round trip: a statement of its own, it reads what the locks waited for.
  const offerRead = Prisma.sql`
      SELECT ${columnsOf('BookingOffer', 'o', 'offer')}, ${bookedSql(Prisma.raw('q'))} AS booked, ${heldSql(Prisma.raw('q'))} AS held
      FROM booking_offers o JOIN booking_requests q ON q.id = o.request_id WHERE o.id = ${offerId}::uuid`
  const { done, artist, pipeline } = await lockSeen(
    ctx.db,
    party,
    requestId,
    ctx.clock.now(),
    seen,
    true,
    async (tx, { request, artist, reads }) => {
      const [row] = reads[0] ?? []
      const offer = row && nested<BookingOffer>(row, 'BookingOffer', 'offer')
      if (!row || !offer) throw notFound('offer', offerId)
      // Lapsed between the expiry pass and the lock: as good as expired.
      if (effectiveOfferStatus(offer, ctx.clock.now()) !== offer.status)
        throw conflict('invalid_transition', 'cannot act on an offer that is expired')
      const done = await act(tx, party, offer, request, { booked: row.booked as boolean, held: row.held as boolean })
      return { done, artist, pipeline: request.id }
    },
    [offerRead],
  )
  actedOn(ctx, party, pipeline)
  return { done, artist }
}

/** An offer as REST shows it (OfferView), from rows in hand: its deposit terms are read only when it has some. */
async function offerAnswer(
  db: Db,
  offer: BookingOffer,
  request: BookingRequest,
  artist: Artist,
  holds: BookingHold[],
): Promise<OfferViewRow> {
  const depositTerms = offer.deposit === null ? [] : await depositTermsOf(sqlOf(db), offer.id)
  return { ...offer, request: { ...request, artist }, holds, depositTerms }
}

function requireTheirs(party: Party, offer: BookingOffer, doing: string) {
  if (offer.madeBy === party.side)
    throw conflict('not_your_turn', `you made this offer: only the ${otherSide(party.side)} side can ${doing} it`)
}

export const offers = {
  make,

  /** A counter changes what it names and carries the rest of the offer it answers over (`carriedOver`). */
  async counter(ctx: RequestContext, offerId: string, input: unknown, query: Selection = {}) {
    const named = parseInput(CounterInput, input)
    const { done: counter } = await onLatestOffer(ctx, offerId, async (tx, party, offer, request) => {
      requireTheirs(party, offer, 'counter')
      const to = transition(offerMachine, offer.status, 'counter')
      const terms = await depositTermsOf(tx, offerId)
      const data = parseOfferInput(carriedOver({ ...offer, depositTerms: terms }, input as object, named), ctx.clock.now())
      checkAgainstRequest(request, data)
      const countered: Transition = {
        requestId: request.id,
        subject: 'offer',
        subjectId: offerId,
        action: 'counter',
        from: offer.status,
        to,
      }
      // Before the insert, not in its statement: one open offer per request (booking_offers_open_uniq) is checked row by row.
      await tx.$queryRaw`WITH ${statusChange('countered', 'offer', offerId, to)} SELECT 1`
      return (await insertOffer(lastStatementOf(tx), party, request, data, countered, undefined, offer)).offer
    })
    return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: counter.id } })
  },

  accept,

  /** Declining the latest offer ends the negotiation: the request is declined (agency) or withdrawn (promoter). */
  async decline(ctx: RequestContext, offerId: string, input: unknown, query: Selection = {}) {
    const { reason } = parseInput(CloseInput, input)
    await onLatestOffer(ctx, offerId, async (tx, party, offer, request) => {
      requireTheirs(party, offer, 'decline')
      await closeNegotiation(tx, party, offer, request, 'decline', reason)
    })
    return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: offerId } })
  },

  /** Withdrawing one's own open offer ends the negotiation too. */
  async withdraw(ctx: RequestContext, offerId: string, input: unknown, query: Selection = {}) {
    const { reason } = parseInput(CloseInput, input)
    await onLatestOffer(ctx, offerId, async (tx, party, offer, request) => {
      if (offer.madeBy !== party.side) throw conflict('not_your_turn', 'only the side that made an offer can withdraw it')
      await closeNegotiation(tx, party, offer, request, 'withdraw', reason)
    })
    return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: offerId } })
  },

  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    const party = await partyOf(ctx)
    await expireDue(ctx.db, { requestId: (await visibleOffer(ctx, party, id)).requestId }, ctx.clock.now())
    return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id } })
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const party = await partyOf(ctx)
    const f = parseInput(OfferFilter, filter)
    const now = ctx.clock.now()
    await expireDue(ctx.db, { where: pipelinesVisibleTo(party) }, now)
    const orderBy = orderOf<Prisma.BookingOfferOrderByWithRelationInput>(f.sort, f.order, { sort: 'created_at', order: 'desc' }, (o) => ({
      request: { startsAt: o },
    }))
    return listing(ctx.db.bookingOffer, { where: offersWhere(party, f, now), orderBy }, page, query)
  },

  /** What the caller may do with the offer now, and why not the rest: nothing for a caller who only reads
   *  the pipeline (no bookings.manage), nor for a company that only sees it (the artist's management, a
   *  former agency). Accepting is blocked while the artist is booked on the dates (no hold is placed there). */
  async actionsView(ctx: RequestContext, offer: BookingOffer, loaded?: BookingRequest): Promise<ActionsView<OfferAction>> {
    const asker = await askerFor(ctx, offer.requestId)
    const now = ctx.clock.now()
    // Only the other side accepts, and only an open offer: for anyone else the booked check cannot change the answer.
    const mayAccept = effectiveOfferStatus(offer, now) === 'open' && offer.madeBy !== asker.party.side
    const request = !mayAccept
      ? null
      : (loaded ??
        (await ctx
          .loader<string, BookingRequest | null>('requestById', async (ids) => {
            const rows = await ctx.db.bookingRequest.findMany({ where: { id: { in: [...ids] } } })
            return ids.map((id) => rows.find((r) => r.id === id) ?? null)
          })
          .load(offer.requestId)))
    const booked = request && (await confirmedBookingOn(ctx.db, request))
    return offerActions(asker, offer, now, () =>
      booked ? blocked('artist_already_booked', 'the artist already has a confirmed booking at that time') : null,
    )
  },

  async actionsFor(ctx: RequestContext, offer: BookingOffer): Promise<OfferAction[]> {
    return (await offers.actionsView(ctx, offer)).actions
  },

  /** An offer as both faces show it: its terms and what the caller may do with it now. */
  async view<T extends BookingOffer & { request?: BookingRequest }>(ctx: RequestContext, offer: T): Promise<T & ActionsView<OfferAction>> {
    return { ...embeddedHoldsAsSeen(await partyOf(ctx), offer), ...(await offers.actionsView(ctx, offer, offer.request)) }
  },
}

export type OfferViewRow = Prisma.BookingOfferGetPayload<{ include: typeof OfferView }>

/**
 * The agency's first answer to a request. Without a selection the answer is the REST view, composed from the
 * rows in hand; with one (GraphQL's) the offer is read with it.
 */
async function make(ctx: RequestContext, requestId: string, input: unknown): Promise<OfferViewRow>
async function make(ctx: RequestContext, requestId: string, input: unknown, query: Selection): Promise<BookingOffer>
async function make(ctx: RequestContext, requestId: string, input: unknown, query?: Selection): Promise<BookingOffer | OfferViewRow> {
  const party = await partyOf(ctx)
  requireSide(party, 'agency', 'answers requests with offers')
  const data = parseOfferInput(input, ctx.clock.now())
  const seen = { what: 'booking request', id: requestId }
  const { offer, request, artist } = await lockSeen(
    ctx.db,
    party,
    Prisma.sql`${requestId}::uuid`,
    ctx.clock.now(),
    seen,
    false,
    async (tx, locked) => {
      const to = transition(requestMachine, locked.request.status, 'offer')
      checkAgainstRequest(locked.request, data)
      const { offer, moved } = await insertOffer(
        lastStatementOf(tx),
        party,
        locked.request,
        data,
        { requestId, subject: 'request', subjectId: requestId, action: 'offer', from: locked.request.status, to },
        { with: statusChange('moved', 'request', requestId, to), columns: columnsOf('BookingRequest', 'm', 'request') },
      )
      return { offer, request: nested<BookingRequest>(moved!, 'BookingRequest', 'request')!, artist: locked.artist }
    },
  )
  actedOn(ctx, party, requestId)
  if (query) return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: offer.id } })
  return offerAnswer(ctx.db, offer, request, artist, [])
}

/**
 * Accepting places a hold on the artist's dates, ranked among the artist's overlapping holds. Without a
 * selection the answer is the REST view, composed from the rows in hand.
 */
async function accept(ctx: RequestContext, offerId: string): Promise<OfferViewRow>
async function accept(ctx: RequestContext, offerId: string, query: Selection): Promise<BookingOffer>
async function accept(ctx: RequestContext, offerId: string, query?: Selection): Promise<BookingOffer | OfferViewRow> {
  const { done, artist } = await onLatestOffer(ctx, offerId, async (tx, party, offer, request, dates) => {
    requireTheirs(party, offer, 'accept')
    const actor = actorOf(party)
    const offerTo = transition(offerMachine, offer.status, 'accept')
    const requestTo = transition(requestMachine, request.status, 'hold')
    // Under the artist's lock, which confirmations take too: no booking can appear before the hold is placed.
    if (dates.booked) throw alreadyBooked()
    const expiresAt = new Date(Math.min(ctx.clock.now().getTime() + offer.holdDays * DAY_MS, request.startsAt.getTime()))
    const holdId = randomUUID()
    // The hold is placed with the offer's and the request's moves and the step's three transitions in one
    // statement, in the order they happened. Stamped with the clock, not the transaction's start: holds rank
    // by placement, and a transaction may have begun before another placed its hold under the artist's lock.
    // The ranks' pass, when there is one, is the transaction's last statement; otherwise this is.
    const moved = await recordActivities(
      dates.held ? tx : lastStatementOf(tx),
      actor,
      [
        { requestId: request.id, subject: 'offer', subjectId: offerId, action: 'accept', from: offer.status, to: offerTo },
        { requestId: request.id, subject: 'hold', subjectId: holdId, action: 'hold', from: null, to: 'active' },
        { requestId: request.id, subject: 'request', subjectId: request.id, action: 'hold', from: request.status, to: requestTo },
      ],
      {
        with: Prisma.sql`${statusChange('accepted', 'offer', offerId, offerTo)}, placed AS (
          INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, venue_id, city_id, priority, expires_at, status, created_at, updated_at)
          VALUES (${holdId}::uuid, ${request.id}::uuid, ${offerId}::uuid, ${request.artistId}::uuid, ${request.startsAt.toISOString()}::timestamptz,
            ${request.endsAt.toISOString()}::timestamptz, ${request.venueId}::uuid, ${request.cityId}::uuid, 1, ${expiresAt.toISOString()}::timestamptz,
            'active', clock_timestamp(), clock_timestamp())
          RETURNING *), ${statusChange('held', 'request', request.id, requestTo)}`,
        answer: {
          columns: Prisma.sql`${columnsOf('BookingOffer', 'o', 'offer')}, ${columnsOf('BookingRequest', 'q', 'request')}, ${columnsOf('BookingHold', 'p', 'hold')}`,
          from: Prisma.sql`FROM accepted o, held q, placed p`,
        },
      },
    )
    // Placed last, the hold ranks below every active hold on its dates and moves none of them: with none
    // there, its rank is 1 as placed, and the ranks need no pass.
    const ranked = dates.held ? (await reprioritize(tx, request.artistId)).find((h) => h.id === holdId) : undefined
    // An offer is accepted once: the hold placed now is its only one.
    return {
      offer: nested<BookingOffer>(moved!, 'BookingOffer', 'offer')!,
      request: nested<BookingRequest>(moved!, 'BookingRequest', 'request')!,
      holds: [{ ...nested<BookingHold>(moved!, 'BookingHold', 'hold')!, ...ranked }],
    }
  })
  if (query) return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: offerId } })
  return offerAnswer(ctx.db, done.offer, done.request, artist, done.holds)
}

async function closeNegotiation(
  tx: Queries,
  party: Party,
  offer: BookingOffer,
  request: BookingRequest,
  action: 'decline' | 'withdraw',
  reason?: string,
) {
  const offerTo = transition(offerMachine, offer.status, action)
  // The agency walking away declines the request; the promoter walking away withdraws it.
  const requestAction = party.side === 'agency' ? 'decline' : 'withdraw'
  const requestTo = transition(requestMachine, request.status, requestAction)
  const closedReason = reason === undefined ? Prisma.empty : Prisma.sql`, closed_reason = ${reason}`
  await recordActivities(
    tx,
    actorOf(party),
    [
      { requestId: request.id, subject: 'offer', subjectId: offer.id, action, from: offer.status, to: offerTo, note: reason },
      {
        requestId: request.id,
        subject: 'request',
        subjectId: request.id,
        action: requestAction,
        from: request.status,
        to: requestTo,
        note: reason,
      },
    ],
    {
      with: Prisma.sql`${statusChange('closed_offer', 'offer', offer.id, offerTo)},
        ${statusChange('closed_request', 'request', request.id, requestTo, closedReason)}`,
    },
  )
}

/** An offer's terms as an input states them (amounts as numbers, days as YYYY-MM-DD). */
function termsOf(offer: BookingOffer & { depositTerms: OfferDepositTerm[] }) {
  return {
    fee: offer.fee == null ? null : Number(offer.fee),
    currency: offer.currency,
    dealType: offer.dealType,
    percentage: offer.percentage,
    holdDays: offer.holdDays,
    terms: offer.terms,
    radiusKm: offer.radiusKm,
    radiusDaysBefore: offer.radiusDaysBefore,
    radiusDaysAfter: offer.radiusDaysAfter,
    // A percent deposit stays a share: of the counter's fee.
    depositTerms: offer.depositTerms.length
      ? offer.depositTerms.map((t) => ({
          kind: t.kind,
          ...(t.kind === 'percent' ? { percent: t.percent } : { amount: Number(t.amount) }),
          dueOn: t.dueOn ? formatDay(t.dueOn) : null,
          dueDaysBeforeEvent: t.dueDaysBeforeEvent,
        }))
      : null,
  }
}

/**
 * The whole offer a counter makes: the previous offer's terms with the fields the counter names (as sent)
 * over them. The deposit schedule goes as one (naming `deposit` or `depositTerms` replaces it); a counter
 * that makes the deal flat drops the carried percentage; the answer-by time is the counter's own.
 */
function carriedOver(previous: BookingOffer & { depositTerms: OfferDepositTerm[] }, raw: object, named: z.output<typeof CounterInput>) {
  const sent = Object.fromEntries(Object.entries(raw).filter(([k, v]) => v !== undefined && k in named))
  const { depositTerms, percentage, ...carried } = termsOf(previous)
  const dealType = named.dealType ?? previous.dealType
  return {
    ...carried,
    ...('deposit' in sent || 'depositTerms' in sent ? {} : { depositTerms }),
    ...(dealType === 'flat' ? {} : { percentage }),
    ...sent,
  }
}
