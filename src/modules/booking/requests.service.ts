// Booking requests: a promoter company asks the agency representing an artist for a date. The request is
// the root of its pipeline: its offers, hold, booking and activity hang from it.
import { linkInForceSql } from '../../access/ownership.ts'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, forbidden, invalidInput, notFound } from '../../errors.ts'
import { modelColumns } from '../../db/model-columns.ts'
import { sqlOf } from '../../db/sql.ts'
import { formatDay, today } from '../../dates.ts'
import { BookingRequestStatus, DealType, Prisma, type Agency, type Artist, type BookingRequest } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Currency, MinorUnits } from '../../money.ts'
import { Id, parseInput, parserAt } from '../../validation.ts'
import { dealClosed } from './deal-followers.ts'
import { actorOf, bookingsSeen, partyOf, recordActivities, recordActivity, pipelinesVisibleTo, type Party } from './parties.ts'
import { expireDue, lockRequest, reprioritize } from './pipeline.ts'
import { holdMachine, offerMachine, requestMachine, transition } from './state.ts'
import { actionsView, askerFor, partyChecks, stateAllows, type ActionsView } from './actions.ts'
import { awaiting, inboxFields, orderOf, requestsAwaiting, statusesOf } from './inbox.ts'
import { activityOrder, columnsOf, nested, type RequestView } from './views.ts'
import { Instant } from '../../dates.ts'

const MAX_SHOW_SPAN_MS = 14 * 86_400_000

export const BookingRequestInput = z
  .object({
    artistId: Id,
    startsAt: Instant.describe('When the performance (or the engagement) starts'),
    endsAt: Instant,
    venueId: Id.nullish().describe('A venue of the Venue subgraph'),
    venueName: z.string().trim().min(1).max(200).nullish(),
    city: z.string().trim().min(1).max(120).nullish().describe('Free text; filled from cityId when absent'),
    cityId: Id.nullish().describe('A city of the geo directory; sets countryCode (which must agree when given)'),
    countryCode: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'expected an ISO 3166-1 alpha-2 code')
      .transform((c) => c.toUpperCase())
      .nullish(),
    budget: MinorUnits.nullish().describe('The fee the promoter has in mind, in minor units'),
    currency: Currency.nullish(),
    dealType: z.enum(DealType).nullish(),
    message: z.string().trim().min(1).max(5000).nullish(),
    expiresAt: Instant.nullish().describe('Answer-by time'),
  })
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (r.endsAt <= r.startsAt) issue('endsAt', 'must be after startsAt')
    else if (r.endsAt.getTime() - r.startsAt.getTime() > MAX_SHOW_SPAN_MS) issue('endsAt', 'a booking spans at most 14 days')
    if (r.budget != null && !r.currency) issue('currency', 'required with a budget')
    if (r.expiresAt && r.expiresAt > r.startsAt) issue('expiresAt', 'must be in the future and before the event')
  })

/** The input as parsed at `now`: the schema's rules and those that read the clock, reported together. */
const parseRequestInput = parserAt(BookingRequestInput, (r, ctx, now) => {
  if (r.startsAt <= now) ctx.addIssue({ code: 'custom', path: ['startsAt'], message: 'must be in the future' })
  // One message for either fault of the answer-by time (the schema reports it when past the event).
  if (r.expiresAt && r.expiresAt <= now && r.expiresAt <= r.startsAt)
    ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future and before the event' })
})

export const BookingRequestFilter = z.object({
  status: statusesOf(BookingRequestStatus),
  artistId: Id.optional(),
  cityId: Id.optional(),
  promoterOrgId: Id.optional().describe('Sent by this promoter company'),
  agencyId: Id.optional().describe('Sent to this agency'),
  from: Instant.optional().describe('Events starting at or after'),
  to: Instant.optional().describe('Events starting before'),
  ...inboxFields,
})

/** The filter's conditions at `now` (the list's and the badge count's). */
export function requestsWhere(party: Party, f: z.output<typeof BookingRequestFilter>, now: Date): Prisma.BookingRequestWhereInput {
  return {
    AND: [
      pipelinesVisibleTo(party),
      {
        status: f.status && { in: f.status },
        artistId: f.artistId,
        cityId: f.cityId,
        promoterOrgId: f.promoterOrgId,
        agencyId: f.agencyId,
        startsAt: { gte: f.from, lt: f.to },
      },
      awaiting(f.awaitingMe, requestsAwaiting(party, now)),
    ],
  }
}

export const CloseInput = z.object({ reason: z.string().trim().min(1).max(2000).optional() })

/** A pipeline the party may see (404 otherwise: other companies' deals are hidden, not forbidden). */
async function visibleRequest(ctx: RequestContext, party: Party, id: string, query: Selection = {}) {
  const request = await ctx.db.bookingRequest.findFirst({ ...query, where: { AND: [{ id }, pipelinesVisibleTo(party)] } })
  if (!request) throw notFound('booking request', id)
  return request
}

export function requireSide<S extends Party['side']>(party: Party, side: S, doing: string): asserts party is Extract<Party, { side: S }> {
  if (party.side !== side) throw forbidden(`only the ${side} side ${doing}`, 'wrong_side')
}

export const REQUEST_ACTIONS = ['offer', 'decline', 'withdraw'] as const
export type RequestAction = (typeof REQUEST_ACTIONS)[number]

const REQUEST_ACTION_SIDE = {
  offer: ['agency', 'answers requests with offers'],
  decline: ['agency', 'declines requests'],
  withdraw: ['promoter', 'withdraws its requests'],
} as const

export const bookingRequests = {
  /** What the caller may do with the request now, and why not the rest. */
  async actions(ctx: RequestContext, request: BookingRequest): Promise<ActionsView<RequestAction>> {
    const asker = await askerFor(ctx, request.id)
    return actionsView(REQUEST_ACTIONS, (action) => [
      ...partyChecks(asker, REQUEST_ACTION_SIDE[action][0], REQUEST_ACTION_SIDE[action][1]),
      stateAllows(requestMachine, request.status, action),
    ])
  },

  /** A request as REST shows it: with its actions. */
  async view<T extends BookingRequest>(ctx: RequestContext, request: T): Promise<T & ActionsView<RequestAction>> {
    return { ...request, ...(await bookingRequests.actions(ctx, request)) }
  },

  create,

  /** A pipeline read by id is brought up to date first: what lapsed is written as expired. */
  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    const party = await partyOf(ctx)
    await visibleRequest(ctx, party, id)
    await expireDue(ctx.db, { requestId: id }, ctx.clock.now())
    return visibleRequest(ctx, party, id, query)
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const party = await partyOf(ctx)
    const f = parseInput(BookingRequestFilter, filter)
    const now = ctx.clock.now()
    await expireDue(ctx.db, { where: pipelinesVisibleTo(party) }, now)
    const orderBy = orderOf<Prisma.BookingRequestOrderByWithRelationInput>(f.sort, f.order, { sort: 'created_at', order: 'desc' })
    return listing(ctx.db.bookingRequest, { where: requestsWhere(party, f, now), orderBy }, page, query)
  },

  /** The agency turns a request down, with its open offer and hold. */
  async decline(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    requireSide(party, 'agency', 'declines requests')
    return closeRequest(ctx, party, id, 'decline', input, query)
  },

  /** The promoter withdraws its request, with everything still open in it. */
  async withdraw(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    requireSide(party, 'promoter', 'withdraws its requests')
    return closeRequest(ctx, party, id, 'withdraw', input, query)
  },

  async activity(ctx: RequestContext, id: string) {
    await visibleRequest(ctx, await partyOf(ctx), id)
    await expireDue(ctx.db, { requestId: id }, ctx.clock.now())
    return (await bookingRequests.activities(ctx, [id]))[0]!
  },

  /**
   * The activity of requests the caller sees, in order, one list per request: a booking's steps only for who reads the
   * booking (after a handover the agency the request was sent to reads the request's history, not the new agency's
   * booking, its cancellation or its note). Two statements for any number of requests.
   */
  async activities(ctx: RequestContext, ids: readonly string[]) {
    const [rows, seen] = await Promise.all([
      ctx.db.bookingActivity.findMany({ where: { requestId: { in: [...ids] } }, orderBy: activityOrder }),
      bookingsSeen(ctx, 'requestId', ids),
    ])
    const readable = new Set(seen.flatMap((b) => (b ? [b.id] : [])))
    return ids.map((id) => rows.filter((a) => a.requestId === id && (a.subject !== 'booking' || readable.has(a.subjectId))))
  },
}

/** A request as REST shows it: with its artist and agency as cards. */
export type RequestViewRow = Prisma.BookingRequestGetPayload<{ include: typeof RequestView }>

/**
 * Sends a request: the request, its activity and its event in one statement, outside an interactive
 * transaction (one statement is atomic), with what it needs read in the same statement — the artist and
 * the agency representing it (cards for the answer), the availability warnings, the directory city. The
 * insert happens only when every check passes; when none was made, the reads run again one by one to say
 * which check refused (`refusal`). Without a selection the answer is the REST view, composed from the
 * statement's row; with one (GraphQL's) the request is read with it.
 */
async function create(ctx: RequestContext, input: unknown): Promise<RequestViewRow>
async function create(ctx: RequestContext, input: unknown, query: Selection): Promise<BookingRequest>
async function create(ctx: RequestContext, input: unknown, query?: Selection): Promise<BookingRequest | RequestViewRow> {
  const party = await partyOf(ctx)
  requireSide(party, 'promoter', 'sends booking requests')
  const now = ctx.clock.now()
  const data = parseRequestInput(input, now)
  const id = randomUUID()
  const instant = (d: Date | null | undefined) => (d ? d.toISOString() : null)
  const cityId = data.cityId ?? null
  const countryCode = data.countryCode ?? null
  const row = await recordActivities(
    sqlOf(ctx.db),
    actorOf(party),
    [{ requestId: id, subject: 'request', subjectId: id, action: 'create', from: null, to: 'open', note: data.message }],
    {
      with: Prisma.sql`target AS (${requestedArtistSql(data, now)}), place AS (
        SELECT c.name, k.code FROM geo_cities c JOIN geo_countries k ON k.id = c.country_id WHERE c.id = ${cityId}::uuid),
      created AS (
        INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, venue_id,
          venue_name, city, country_code, city_id, budget, currency, deal_type, message, expires_at, warnings, status, created_at, updated_at)
        SELECT ${id}::uuid, t."artist.id", t."agency.id", ${party.orgId}::uuid, ${party.userId}::uuid,
          ${instant(data.startsAt)}::timestamptz, ${instant(data.endsAt)}::timestamptz, ${data.venueId ?? null}::uuid, ${data.venueName ?? null},
          coalesce(${data.city ?? null}, g.name), coalesce(g.code, ${countryCode}::text), ${cityId}::uuid,
          ${data.budget ?? null}::bigint, ${data.currency ?? null}, ${data.dealType ?? null}::text::"DealType", ${data.message ?? null},
          ${instant(data.expiresAt)}::timestamptz,
          array_remove(ARRAY[CASE WHEN t.blocked THEN 'availability_blocked' END, CASE WHEN NOT t.any THEN 'outside_published_availability' END],
            NULL)::"BookingRequestWarning"[],
          'open', now(), now()
        FROM target t LEFT JOIN place g ON true
        WHERE t."artist.archivedAt" IS NULL AND t."agency.id" IS NOT NULL
          AND (${cityId}::uuid IS NULL OR (g.code IS NOT NULL AND (${countryCode}::text IS NULL OR g.code = ${countryCode}::text)))
        RETURNING *)`,
      requests: Prisma.raw('created'),
      answer: {
        columns: Prisma.sql`${columnsOf('BookingRequest', 'q', 'request')}, ${Prisma.raw(CARD_COLUMNS.map((c) => `t."${c}"`).join(', '))}`,
        from: Prisma.sql`FROM created q, target t`,
      },
    },
  )
  if (!row) throw await refusal(ctx, data, now)
  if (query) return ctx.db.bookingRequest.findUniqueOrThrow({ ...query, where: { id } })
  return {
    ...nested<BookingRequest>(row, 'BookingRequest', 'request')!,
    artist: nested<Artist>(row, 'Artist', 'artist')!,
    agency: nested<Agency>(row, 'Agency', 'agency')!,
  }
}

/** Why a request was not made, checked in the order the request's rules go (the artist, then the place). */
async function refusal(ctx: RequestContext, data: z.output<typeof BookingRequestInput>, now: Date) {
  const [target] = await sqlOf(ctx.db).$queryRaw<Record<string, unknown>[]>(requestedArtistSql(data, now))
  const artist = target && nested<Artist>(target, 'Artist', 'artist')
  if (!artist || artist.archivedAt) return invalidInput('artistId', 'unknown artist')
  if (!nested<Agency>(target, 'Agency', 'agency'))
    return conflict('artist_not_represented', 'no agency represents this artist on Kisum yet')
  await placeOf(ctx, data)
  // Every check passes now: the artist or its representation changed between the two statements.
  return conflict('write_conflict', 'the artist changed while the request was made; retry the request')
}

const CARD_COLUMNS = [...modelColumns('Artist').map((c) => `artist.${c.name}`), ...modelColumns('Agency').map((c) => `agency.${c.name}`)]

/**
 * The artist as a card, the agency representing it at `now` (its card), and whether a window of its
 * availability touches the days asked, and a blocked one: what the agency should see at once (`warnings`: a
 * blocked window, or none published there, an artist with none published included).
 */
function requestedArtistSql(data: { artistId: string; startsAt: Date; endsAt: Date }, now: Date) {
  const touching = Prisma.sql`w.artist_id = a.id AND w.starts_on <= ${formatDay(today(new Date(data.endsAt.getTime() - 1)))}::date
    AND w.ends_on >= ${formatDay(today(data.startsAt))}::date`
  return Prisma.sql`
    SELECT ${columnsOf('Artist', 'a', 'artist')}, ${columnsOf('Agency', 'c', 'agency')},
      EXISTS (SELECT 1 FROM artist_availabilities w WHERE ${touching}) AS "any",
      EXISTS (SELECT 1 FROM artist_availabilities w WHERE ${touching} AND w.status = 'blocked') AS blocked
    FROM artists a
    LEFT JOIN LATERAL (
      SELECT l.agency_id FROM artists_roster_links l
      WHERE l.artist_id = a.id AND l.role = 'agency' AND ${linkInForceSql(formatDay(now))}
      LIMIT 1) l ON true
    LEFT JOIN artists_companies c ON c.id = l.agency_id
    WHERE a.id = ${data.artistId}::uuid`
}

/** The request's place: a directory city fixes the country (and names the city when the text is absent). */
async function placeOf(ctx: RequestContext, data: z.output<typeof BookingRequestInput>) {
  if (!data.cityId) return {}
  const [city] = await sqlOf(ctx.db).$queryRaw<{ name: string; code: string }[]>`
    SELECT c.name, k.code FROM geo_cities c JOIN geo_countries k ON k.id = c.country_id WHERE c.id = ${data.cityId}::uuid`
  if (!city) throw invalidInput('cityId', 'unknown city')
  if (data.countryCode && data.countryCode !== city.code)
    throw invalidInput('countryCode', `the city is in ${city.code}, not ${data.countryCode}`)
  return { city: data.city ?? city.name, countryCode: city.code }
}

/** Closes a pipeline from the request down: its open offer and active hold close with it. */
async function closeRequest(
  ctx: RequestContext,
  party: Party,
  id: string,
  action: 'decline' | 'withdraw',
  input: unknown,
  query: Selection,
) {
  const { reason } = parseInput(CloseInput, input)
  const { artistId } = await visibleRequest(ctx, party, id)
  await expireDue(ctx.db, { requestId: id }, ctx.clock.now())
  await ctx.db.$transaction(async (tx) => {
    const request = await lockRequest(tx, id, { party, now: ctx.clock.now() }, artistId)
    const to = transition(requestMachine, request.status, action)
    const actor = actorOf(party)
    await tx.bookingRequest.update({ where: { id }, data: { status: to, closedReason: reason } })
    await recordActivity(tx, actor, { requestId: id, subject: 'request', subjectId: id, action, from: request.status, to, note: reason })
    for (const offer of await tx.bookingOffer.findMany({ where: { requestId: id, status: 'open' } })) {
      const offerAction = offer.madeBy === party.side ? 'withdraw' : 'decline'
      const next = transition(offerMachine, offer.status, offerAction)
      await tx.bookingOffer.update({ where: { id: offer.id }, data: { status: next } })
      await recordActivity(tx, actor, {
        requestId: id,
        subject: 'offer',
        subjectId: offer.id,
        action: offerAction,
        from: offer.status,
        to: next,
        note: reason,
      })
    }
    for (const hold of await tx.bookingHold.findMany({ where: { requestId: id, status: 'active' } })) {
      const next = transition(holdMachine, hold.status, 'release')
      await tx.bookingHold.update({ where: { id: hold.id }, data: { status: next, releasedReason: reason ?? `request ${to}` } })
      await recordActivity(tx, actor, {
        requestId: id,
        subject: 'hold',
        subjectId: hold.id,
        action: 'release',
        from: hold.status,
        to: next,
        note: reason,
      })
      await reprioritize(tx, hold.artistId)
    }
    await dealClosed(tx, id, `the request was ${to}${reason ? `: ${reason}` : ''}`)
  })
  return ctx.db.bookingRequest.findUniqueOrThrow({ ...query, where: { id } })
}
