// Negotiation: the agency answers a request with an offer; either side counters, producing a chain of
// versions where only the latest open offer is actionable, and only by the side that did not make it.
// Accepting places a hold on the artist's dates.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, invalidInput, notFound } from '../../errors.ts'
import { DealType, OfferStatus, type BookingOffer, type BookingRequest, type Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { actorOf, actsForRequests, otherSide, partyOf, recordActivity, pipelinesVisibleTo, type Party } from './parties.ts'
import { expireDue, lockArtistBookings, lockRequest, reprioritize } from './pipeline.ts'
import { Currency, MinorUnits } from '../../money.ts'
import { dealTermFields, dealTermIssues, depositSchedule, depositTotal, dueDayIssue, radiusOf } from './deal-terms.ts'
import { CloseInput, requireSide, visibleRequest } from './requests.service.ts'
import { can, effectiveOfferStatus, offerMachine, requestMachine, transition } from './state.ts'
import { Instant } from '../../dates.ts'
import { awaiting, inboxFields, offersAwaiting, orderOf, sentByField, statusesOf } from './inbox.ts'

const DAY_MS = 86_400_000

export const OfferInput = z
  .object({
    fee: MinorUnits.nullish().describe('The guarantee (flat, versus) in minor units; absent for a pure percentage deal'),
    currency: Currency,
    dealType: z.enum(DealType),
    percentage: z.number().int().min(1).max(100).nullish().describe("versus / percentage: the artist's share of the net, in percent"),
    ...dealTermFields,
    holdDays: z.number().int().min(1).max(60).default(7).describe('How long an acceptance holds the date'),
    terms: z.string().trim().min(1).max(10_000).nullish(),
    expiresAt: Instant.nullish().describe('Answer-by time of this offer'),
  })
  .superRefine((o, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (o.dealType === 'flat' && o.percentage != null) issue('percentage', 'a flat deal has no percentage')
    if (o.dealType !== 'flat' && o.percentage == null) issue('percentage', `required for a ${o.dealType} deal`)
    if (o.dealType !== 'percentage' && o.fee == null) issue('fee', `required for a ${o.dealType} deal`)
    dealTermIssues(o, issue)
  })

export const OfferFilter = z.object({
  status: statusesOf(OfferStatus),
  requestId: Id.optional(),
  artistId: Id.optional(),
  sentBy: sentByField,
  promoterOrgId: Id.optional().describe("Of this promoter company's pipelines"),
  agencyId: Id.optional().describe("Of this agency's pipelines"),
  ...inboxFields,
})

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

export type OfferAction = 'accept' | 'counter' | 'decline' | 'withdraw'

/** What the party may do with an offer now (for the screens' action buttons). */
export function offerActions(party: Party, offer: BookingOffer, now: Date): OfferAction[] {
  const status = effectiveOfferStatus(offer, now)
  const theirs = offer.madeBy !== party.side
  const actions: OfferAction[] = theirs ? ['accept', 'counter', 'decline'] : ['withdraw']
  return actions.filter((a) => can(offerMachine, status, a))
}

async function visibleOffer(ctx: RequestContext, party: Party, id: string) {
  const offer = await ctx.db.bookingOffer.findFirst({ where: { id, request: pipelinesVisibleTo(party) } })
  if (!offer) throw notFound('offer', id)
  return offer
}

/** The input as parsed at `now`: the schema's rules and the one that reads the clock, reported together. */
const offerInputAt = (now: Date) =>
  OfferInput.superRefine((o, ctx) => {
    if (o.expiresAt && o.expiresAt <= now) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' })
  })

function checkAgainstRequest(request: BookingRequest, data: z.output<typeof OfferInput>) {
  if (data.expiresAt && data.expiresAt > request.startsAt) throw invalidInput('expiresAt', 'must be before the event')
  const late = dueDayIssue(depositSchedule(data), request.startsAt)
  if (late) throw invalidInput(late.field, late.message)
}

async function insertOffer(tx: Tx, party: Party, request: BookingRequest, data: z.output<typeof OfferInput>, previous?: BookingOffer) {
  const schedule = depositSchedule(data)
  const offer = await tx.bookingOffer.create({
    data: {
      fee: data.fee,
      currency: data.currency,
      dealType: data.dealType,
      percentage: data.percentage,
      holdDays: data.holdDays,
      terms: data.terms,
      expiresAt: data.expiresAt,
      ...radiusOf({
        radiusKm: data.radiusKm ?? null,
        radiusDaysBefore: data.radiusDaysBefore ?? null,
        radiusDaysAfter: data.radiusDaysAfter ?? null,
      }),
      deposit: depositTotal(schedule),
      ...(schedule.length ? { depositTerms: { create: schedule } } : {}),
      requestId: request.id,
      version: (previous?.version ?? 0) + 1,
      madeBy: party.side,
      madeByUserId: party.userId,
    },
  })
  await recordActivity(tx, actorOf(party), {
    requestId: request.id,
    subject: 'offer',
    subjectId: offer.id,
    action: previous ? 'counter' : 'offer',
    from: null,
    to: 'open',
    note: data.terms,
  })
  return offer
}

/** Runs an action on the request's latest offer, after writing due expiries, under the pipeline's lock. */
async function onLatestOffer<T>(
  ctx: RequestContext,
  offerId: string,
  act: (tx: Tx, party: Party, offer: BookingOffer, request: BookingRequest) => Promise<T>,
): Promise<T> {
  const party = await partyOf(ctx)
  const seen = await visibleOffer(ctx, party, offerId)
  await expireDue(ctx.db, { requestId: seen.requestId }, ctx.clock.now())
  return ctx.db.$transaction(async (tx) => {
    // An acceptance places a hold: take the artist's booking lock before the pipeline's, as every hold change does.
    await lockArtistBookings(
      tx,
      (await tx.bookingRequest.findUniqueOrThrow({ where: { id: seen.requestId }, select: { artistId: true } })).artistId,
    )
    const request = await lockRequest(tx, seen.requestId, { party, now: ctx.clock.now() })
    const offer = await tx.bookingOffer.findUniqueOrThrow({ where: { id: offerId } })
    // Lapsed between the expiry pass and the lock: as good as expired.
    if (effectiveOfferStatus(offer, ctx.clock.now()) !== offer.status)
      throw conflict('invalid_transition', 'cannot act on an offer that is expired')
    return act(tx, party, offer, request)
  })
}

function requireTheirs(party: Party, offer: BookingOffer, doing: string) {
  if (offer.madeBy === party.side)
    throw conflict('not_your_turn', `you made this offer: only the ${otherSide(party.side)} side can ${doing} it`)
}

export const offers = {
  /** The agency's first answer to a request. */
  async make(ctx: RequestContext, requestId: string, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    requireSide(party, 'agency', 'answers requests with offers')
    const data = parseInput(offerInputAt(ctx.clock.now()), input)
    await visibleRequest(ctx, party, requestId)
    await expireDue(ctx.db, { requestId }, ctx.clock.now())
    const offer = await ctx.db.$transaction(async (tx) => {
      const request = await lockRequest(tx, requestId, { party, now: ctx.clock.now() })
      const to = transition(requestMachine, request.status, 'offer')
      checkAgainstRequest(request, data)
      await tx.bookingRequest.update({ where: { id: requestId }, data: { status: to } })
      await recordActivity(tx, actorOf(party), {
        requestId,
        subject: 'request',
        subjectId: requestId,
        action: 'offer',
        from: request.status,
        to,
      })
      return insertOffer(tx, party, request, data)
    })
    return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: offer.id } })
  },

  async counter(ctx: RequestContext, offerId: string, input: unknown, query: Selection = {}) {
    const data = parseInput(offerInputAt(ctx.clock.now()), input)
    const counter = await onLatestOffer(ctx, offerId, async (tx, party, offer, request) => {
      requireTheirs(party, offer, 'counter')
      const to = transition(offerMachine, offer.status, 'counter')
      checkAgainstRequest(request, data)
      await tx.bookingOffer.update({ where: { id: offerId }, data: { status: to } })
      await recordActivity(tx, actorOf(party), {
        requestId: request.id,
        subject: 'offer',
        subjectId: offerId,
        action: 'counter',
        from: offer.status,
        to,
      })
      return insertOffer(tx, party, request, data, offer)
    })
    return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: counter.id } })
  },

  /** Accepting places a hold on the artist's dates, ranked among the artist's overlapping holds. */
  async accept(ctx: RequestContext, offerId: string, query: Selection = {}) {
    await onLatestOffer(ctx, offerId, async (tx, party, offer, request) => {
      requireTheirs(party, offer, 'accept')
      const actor = actorOf(party)
      const offerTo = transition(offerMachine, offer.status, 'accept')
      const requestTo = transition(requestMachine, request.status, 'hold')
      await tx.bookingOffer.update({ where: { id: offerId }, data: { status: offerTo } })
      await recordActivity(tx, actor, {
        requestId: request.id,
        subject: 'offer',
        subjectId: offerId,
        action: 'accept',
        from: offer.status,
        to: offerTo,
      })
      const expiresAt = new Date(Math.min(ctx.clock.now().getTime() + offer.holdDays * DAY_MS, request.startsAt.getTime()))
      const hold = await tx.bookingHold.create({
        data: {
          requestId: request.id,
          offerId,
          artistId: request.artistId,
          startsAt: request.startsAt,
          endsAt: request.endsAt,
          venueId: request.venueId,
          cityId: request.cityId,
          priority: 1,
          expiresAt,
        },
      })
      await reprioritize(tx, request.artistId)
      await recordActivity(tx, actor, {
        requestId: request.id,
        subject: 'hold',
        subjectId: hold.id,
        action: 'hold',
        from: null,
        to: 'active',
      })
      await tx.bookingRequest.update({ where: { id: request.id }, data: { status: requestTo } })
      await recordActivity(tx, actor, {
        requestId: request.id,
        subject: 'request',
        subjectId: request.id,
        action: 'hold',
        from: request.status,
        to: requestTo,
      })
    })
    return ctx.db.bookingOffer.findUniqueOrThrow({ ...query, where: { id: offerId } })
  },

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

  /** What the caller may do with the offer now: nothing for a caller who only reads the pipeline (no
   *  bookings.manage), nor for a company that only sees it (the artist's management, a former agency). */
  async actionsFor(ctx: RequestContext, offer: BookingOffer): Promise<OfferAction[]> {
    if (!(await ctx.may('bookings.manage'))) return []
    const party = await partyOf(ctx)
    const acting = await ctx.loader<string, boolean>('actsForRequest', (ids) => actsForRequests(ctx.db, party, ids)).load(offer.requestId)
    return acting ? offerActions(party, offer, ctx.clock.now()) : []
  },

  /** An offer as both faces show it: its terms and what the caller may do with it now. */
  async view<T extends BookingOffer>(ctx: RequestContext, offer: T): Promise<T & { actions: OfferAction[] }> {
    return { ...offer, actions: await offers.actionsFor(ctx, offer) }
  },
}

async function closeNegotiation(
  tx: Tx,
  party: Party,
  offer: BookingOffer,
  request: BookingRequest,
  action: 'decline' | 'withdraw',
  reason?: string,
) {
  const actor = actorOf(party)
  const offerTo = transition(offerMachine, offer.status, action)
  // The agency walking away declines the request; the promoter walking away withdraws it.
  const requestAction = party.side === 'agency' ? 'decline' : 'withdraw'
  const requestTo = transition(requestMachine, request.status, requestAction)
  await tx.bookingOffer.update({ where: { id: offer.id }, data: { status: offerTo } })
  await recordActivity(tx, actor, {
    requestId: request.id,
    subject: 'offer',
    subjectId: offer.id,
    action,
    from: offer.status,
    to: offerTo,
    note: reason,
  })
  await tx.bookingRequest.update({ where: { id: request.id }, data: { status: requestTo, closedReason: reason } })
  await recordActivity(tx, actor, {
    requestId: request.id,
    subject: 'request',
    subjectId: request.id,
    action: requestAction,
    from: request.status,
    to: requestTo,
    note: reason,
  })
}
