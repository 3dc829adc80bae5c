// Tours: owned by the agency representing the artist when created; read by that agency, by whoever
// represents or manages the artist now; written only by the agency representing the artist now. Stops
// hold deals by reference (their state is derived on read, stops.ts); routing is computed on read
// (routing.ts). Every write takes the artist's tour lock first, so concurrent writers queue and the
// database constraints only ever meet a loser of a race, answered 409.
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { Day, formatDay, dayOf } from '../../dates.ts'
import type { Db, Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { advisoryLock } from '../../db/locks.ts'
import { conflict, forbidden, invalidInput, isExclusionViolation, isUniqueViolation, notFound } from '../../errors.ts'
import { Prisma, RadiusClauseHandling, TourStatus, TourStopKind, type Tour } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { transition, type Machine } from '../../state-machine.ts'
import { Id, parseInput } from '../../validation.ts'
import { onArtistSideNow, pipelinesVisibleTo, seenByAgencySql } from '../booking/parties.ts'
import { recordTourEvent } from '../outbox/record.ts'
import { routeTour, type Routing, type RoutingStop, type RoutingTour } from './routing.ts'
import { dealAsStop, tourData, type StopView, type TourData } from './stops.ts'

type TourAction = 'confirm' | 'cancel' | 'archive' | 'edit'

const tourMachine: Machine<TourStatus, TourAction> = {
  name: 'a tour',
  moves: {
    draft: { confirm: 'confirmed', cancel: 'cancelled', edit: 'draft' },
    confirmed: { archive: 'archived', cancel: 'cancelled', edit: 'confirmed' },
  },
}

const Rules = {
  maxLegKm: z.number().int().min(1).max(20_000).nullish().describe('A leg longer than this (road estimate) is an issue'),
  maxDriveMinutes: z.number().int().min(1).max(1440).nullish().describe('The most driving a day may take, in minutes'),
  maxConsecutiveShows: z.number().int().min(1).max(365).nullish().describe('Show days in a row before a day off is due'),
  avgSpeedKmh: z.number().int().min(5).max(1000).optional().describe('Average road speed for drive estimates (default 75)'),
  detourFactor: z.number().min(1).max(3).optional().describe('Road distance over great-circle distance (default 1.25)'),
  loadInMinutes: z.number().int().min(0).max(1440).optional().describe("How long before a show's start the crew loads in (default 180)"),
  radiusClause: z.enum(RadiusClauseHandling).optional().describe('How radius-clause conflicts show: ignore, warning (default) or error'),
}

const Name = z.string().trim().min(1).max(200)

export const TourInput = z
  .object({
    artistId: Id,
    name: Name,
    startsOn: Day.describe('First day of the declared window'),
    endsOn: Day.describe('Last day of the declared window'),
    homeCityId: Id.nullish(),
    ...Rules,
  })
  .refine((t) => t.startsOn <= t.endsOn, { path: ['endsOn'], message: 'must be on or after startsOn' })

export const TourPatch = z.object({
  name: Name.optional(),
  startsOn: Day.optional(),
  endsOn: Day.optional(),
  homeCityId: Id.nullish(),
  ...Rules,
})

const TourWindowFilter = {
  status: z.enum(TourStatus).optional(),
  from: Day.optional().describe('Tours ending on or after this day'),
  to: Day.optional().describe('Tours starting on or before this day'),
}

export const TourFilter = z.object({ artistId: Id.optional(), ...TourWindowFilter })

/** The filter of one artist's tours (GET /artists/:id/tours, Artist.tours). */
export const ArtistTourFilter = z.object(TourWindowFilter)

export const CancelTourInput = z.object({ reason: z.string().trim().min(1).max(2000) })

const Text = z.string().trim().min(1).max(2000)

/** A stop to add: a deal (exactly one of bookingId, holdId, requestId) or a dated non-show stop. */
export const StopInput = z
  .object({
    bookingId: Id.optional().describe('A booking of the artist: a show'),
    holdId: Id.optional().describe('A hold of the artist: a show'),
    requestId: Id.optional().describe('A booking request of the artist: a show'),
    date: Day.optional().describe("Non-show stops: the day (a show's day is its deal's, in the city's time zone)"),
    kind: z.enum(TourStopKind).optional().describe('Non-show stops: pencil, day_off, travel, rehearsal or promo'),
    cityId: Id.optional().describe('Non-show stops: the city (required for a pencil)'),
    position: z.number().int().min(1).max(100).optional().describe('Place within the day (1 first); default: last'),
    label: z.string().trim().max(200).optional(),
    notes: Text.optional(),
  })
  .superRefine((s, ctx) => {
    const deals = [s.bookingId, s.holdId, s.requestId].filter(Boolean).length
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (deals > 1) issue('bookingId', 'give one of bookingId, holdId or requestId')
    if (deals === 1) {
      if (s.date !== undefined) issue('date', "a show's day is its deal's")
      if (s.kind !== undefined && s.kind !== 'show') issue('kind', 'a deal makes a show')
      if (s.cityId !== undefined) issue('cityId', "a show's city is its deal's")
      return
    }
    if (s.date === undefined) issue('date', 'required without a deal')
    if (s.kind === undefined) issue('kind', 'required without a deal')
    else if (s.kind === 'show') issue('kind', 'a show takes bookingId, holdId or requestId')
    if (s.kind === 'pencil' && s.cityId === undefined) issue('cityId', 'a pencil needs a city')
  })

export const StopPatch = z.object({
  date: Day.optional().describe("Non-show stops only: a show's day is its deal's"),
  position: z.number().int().min(1).max(100).optional(),
  kind: z.enum(TourStopKind).optional().describe('Between the non-show kinds'),
  cityId: Id.nullish().describe('Non-show stops only'),
  label: z.string().trim().max(200).nullish(),
  notes: Text.nullish(),
})

type Viewer = { userId: string; orgId: string; agencyId: string }

const viewerOf = (ctx: RequestContext): Promise<Viewer> => ctx.agencyActor()

/** The stops and engagements of tours as `viewer` reads them: the deals it sees (stops.ts). */
const dataFor = async (ctx: RequestContext, viewer: Viewer, ids: readonly string[]) =>
  tourData(ctx.db, ids, ctx.clock.now(), { side: 'agency', ...viewer })

/** The tours a company sees: those it owns, and those of the artists it represents or manages now. */
export const toursVisibleTo = (agencyId: string): Prisma.TourWhereInput => ({
  OR: [{ agencyId }, { artist: { rosterLinks: { some: onArtistSideNow(agencyId) } } }],
})

/** Writing a tour takes the agency representing its artist now (the artist's management reads only). */
async function assertRepresents(db: Db | Tx, agencyId: string, artistId: string) {
  const link = await db.rosterLink.findFirst({ where: { artistId, ...onArtistSideNow(agencyId, 'agency') }, select: { id: true } })
  if (!link) throw forbidden('only the agency representing the artist now plans its tours', 'not_representing')
}

/** Every writer of an artist's tours, their stops and their days' itinerary queues here first. */
export const lockArtistTours = (tx: Tx, artistId: string) => advisoryLock(tx, `tours:artist:${artistId}`)

/**
 * Where every write of a tour or its stops starts: under the artist's lock, with the agency still representing the
 * artist, the tour and the status `action` leads it to (409 invalid_transition when the tour cannot take it).
 */
async function lockTourFor(tx: Tx, viewer: Viewer, artistId: string, tourId: string, action: TourAction) {
  await lockArtistTours(tx, artistId)
  await assertRepresents(tx, viewer.agencyId, artistId)
  const tour = await tx.tour.findUniqueOrThrow({ where: { id: tourId } })
  return { tour, to: transition(tourMachine, tour.status, action) }
}

async function visibleTour(ctx: RequestContext, viewer: Viewer, id: string, query: Selection = {}): Promise<Tour> {
  const tour = await ctx.db.tour.findFirst({ ...query, where: { AND: [{ id }, toursVisibleTo(viewer.agencyId)] } })
  if (!tour) throw notFound('tour', id)
  return tour
}

/** `upcoming`, `in_progress` or `completed`: from the window and today, never stored. */
export const phaseOf = (t: { startsOn: Date; endsOn: Date }, now: Date) => {
  const day = formatDay(now)
  return day < formatDay(t.startsOn) ? 'upcoming' : day > formatDay(t.endsOn) ? 'completed' : 'in_progress'
}

/** Which tours a listing shows, decided once for every face: visible to the caller, then the filter. */
const tourWhere = (viewer: Viewer, f: z.infer<typeof TourFilter>): Prisma.TourWhereInput => ({
  AND: [
    toursVisibleTo(viewer.agencyId),
    { artistId: f.artistId, status: f.status },
    f.from ? { endsOn: { gte: dayOf(f.from) } } : {},
    f.to ? { startsOn: { lte: dayOf(f.to) } } : {},
  ],
})

// listing() breaks ties by id; the nested lists do the same.
const TOUR_ORDER: Prisma.TourOrderByWithRelationInput = { startsOn: 'asc' }

const rulesOf = (t: Tour): RoutingTour => ({
  startsOn: formatDay(t.startsOn),
  endsOn: formatDay(t.endsOn),
  rules: {
    maxLegKm: t.maxLegKm,
    maxDriveMinutes: t.maxDriveMinutes,
    maxConsecutiveShows: t.maxConsecutiveShows,
    avgSpeedKmh: t.avgSpeedKmh,
    detourFactor: t.detourFactor,
    loadInMinutes: t.loadInMinutes,
    radiusClause: t.radiusClause,
  },
})

const mapWriteErrors = (e: unknown): never => {
  if (isExclusionViolation(e, 'tours_no_overlap'))
    throw conflict('tour_overlaps', "the artist already has a tour (not cancelled) on some of these days: tours' windows never overlap")
  if (isUniqueViolation(e, 'tour_stops_position_uniq')) throw conflict('position_taken', 'another stop holds that place on that day')
  if (isUniqueViolation(e, 'tour_stops_tour_id_request_id_key')) throw conflict('deal_in_tour', 'the deal is already a stop of this tour')
  throw e
}

/** The day of an instant in a time zone (UTC when the city has none). */
export function localDay(instant: Date, timezone: string | null): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timezone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      instant,
    )
  } catch {
    return formatDay(instant)
  }
}

interface DealRef {
  requestId: string
  artistId: string
  date: string
}

/** The deal a show stop input names, as the caller sees it (404 otherwise), refused when it is off. */
async function dealOf(
  ctx: RequestContext,
  viewer: Viewer,
  input: { bookingId?: string; holdId?: string; requestId?: string },
): Promise<DealRef> {
  const visible = pipelinesVisibleTo({ side: 'agency', ...viewer })
  const requestId = input.bookingId
    ? (await ctx.db.booking.findFirst({ where: { AND: [{ id: input.bookingId }, visible] }, select: { requestId: true } }))?.requestId
    : input.holdId
      ? (await ctx.db.bookingHold.findFirst({ where: { id: input.holdId, request: visible }, select: { requestId: true } }))?.requestId
      : input.requestId
  const what = input.bookingId ? 'booking' : input.holdId ? 'hold' : 'booking request'
  const id = input.bookingId ?? input.holdId ?? input.requestId
  if (!requestId) throw notFound(what, id)
  const request = await ctx.db.bookingRequest.findFirst({
    where: { AND: [{ id: requestId }, visible] },
    include: { geoCity: { select: { timezone: true } }, booking: { select: { startsAt: true } } },
  })
  if (!request) throw notFound(what, id)
  return {
    requestId,
    artistId: request.artistId,
    date: localDay(request.booking?.startsAt ?? request.startsAt, request.geoCity?.timezone ?? null),
  }
}

const assertCity = async (db: Db | Tx, cityId: string | null | undefined, field = 'cityId') => {
  if (cityId && !(await db.city.findUnique({ where: { id: cityId }, select: { id: true } }))) throw invalidInput(field, 'unknown city')
}

const ruleData = (r: Partial<Record<keyof typeof Rules, unknown>>) =>
  Object.fromEntries(Object.entries(r).filter(([k, v]) => k in Rules && v !== undefined)) as Prisma.TourUncheckedUpdateInput

const stopEvent = (s: { id: string; date: Date | string; kind: string; requestId: string | null }) => ({
  id: s.id,
  date: typeof s.date === 'string' ? s.date : formatDay(s.date),
  kind: s.kind,
  requestId: s.requestId,
  ...(s.requestId && {
    ownerSeesDeal: Prisma.sql`EXISTS (SELECT 1 FROM booking_requests r WHERE r.id = ${s.requestId}::uuid AND ${seenByAgencySql(Prisma.sql`t.agency_id`)})`,
  }),
})

/** The next free position of a day of a tour. */
async function nextPosition(tx: Tx, tourId: string, date: Date) {
  const last = await tx.tourStop.findFirst({ where: { tourId, date }, orderBy: { position: 'desc' }, select: { position: true } })
  return (last?.position ?? 0) + 1
}

// Positions are unique per day and at least 1, so a shift parks the moving stops far up first, then
// brings them down to their new places: no statement ever meets a taken place.
const PARKED = 1_000_000

/** Moves the stops of a day from `from` on by `delta` (+1 makes room, −1 closes a gap), `except` one stop. */
async function shift(tx: Tx, stop: { tourId: string; date: Date }, from: number, delta: 1 | -1, except?: string) {
  const other = except ? Prisma.sql`AND id <> ${except}::uuid` : Prisma.empty
  await tx.$executeRaw`UPDATE tour_stops SET position = position + ${PARKED}
    WHERE tour_id = ${stop.tourId}::uuid AND date = ${stop.date} AND position >= ${from} AND position < ${PARKED} ${other}`
  await tx.$executeRaw`UPDATE tour_stops SET position = position - ${PARKED} + ${delta}
    WHERE tour_id = ${stop.tourId}::uuid AND date = ${stop.date} AND position >= ${PARKED}`
}

export const tours = {
  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    return visibleTour(ctx, await viewerOf(ctx), id, query)
  },

  /** The tours among `ids` the caller sees (federation references). */
  async byIds(ctx: RequestContext, ids: string[], query: Selection = {}) {
    const viewer = await viewerOf(ctx)
    return ctx.db.tour.findMany({ ...query, where: { AND: [{ id: { in: ids } }, toursVisibleTo(viewer.agencyId)] } })
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const viewer = await viewerOf(ctx)
    return listing(ctx.db.tour, { where: tourWhere(viewer, parseInput(TourFilter, filter)), orderBy: TOUR_ORDER }, page, query)
  },

  /**
   * GET /artists/:id/tours: the listing of one artist's tours. An artist the caller sees no tours of (it neither
   * works for it now nor owns a tour of it) is 404, as if it did not exist.
   */
  async ofArtist(ctx: RequestContext, artistId: string, filter: unknown, page: Page, query: Selection = {}) {
    const viewer = await viewerOf(ctx)
    const f = parseInput(ArtistTourFilter, filter)
    const seen = await ctx.db.artist.findFirst({
      where: {
        id: artistId,
        OR: [{ rosterLinks: { some: onArtistSideNow(viewer.agencyId) } }, { tours: { some: { agencyId: viewer.agencyId } } }],
      },
      select: { id: true },
    })
    if (!seen) throw notFound('artist', artistId)
    return listing(ctx.db.tour, { where: tourWhere(viewer, { ...f, artistId }), orderBy: TOUR_ORDER }, page, query)
  },

  /** The visible tours of many artists (or agencies) at once, in one query, filtered and ordered as the listings. */
  async groupedBy(ctx: RequestContext, key: 'artistId' | 'agencyId', ids: readonly string[], filter: unknown = {}) {
    const viewer = await viewerOf(ctx)
    const rows = await ctx.db.tour.findMany({
      where: { AND: [tourWhere(viewer, parseInput(ArtistTourFilter, filter)), { [key]: { in: [...ids] } }] },
      orderBy: [TOUR_ORDER, { id: 'asc' }],
    })
    return ids.map((id) => rows.filter((t) => t[key] === id))
  },

  /** The tour each deal (request) is a stop of, among those the caller sees: a live tour before a cancelled one. */
  async ofDeals(ctx: RequestContext, requestIds: readonly string[]) {
    const viewer = await viewerOf(ctx)
    const stops = await ctx.db.tourStop.findMany({
      where: { requestId: { in: [...requestIds] }, tour: toursVisibleTo(viewer.agencyId) },
      include: { tour: true },
      orderBy: { createdAt: 'desc' },
    })
    return requestIds.map((id) => {
      const mine = stops.filter((s) => s.requestId === id)
      return (mine.find((s) => s.tour.status !== 'cancelled') ?? mine[0])?.tour ?? null
    })
  },

  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const viewer = await viewerOf(ctx)
    const t = parseInput(TourInput, input)
    if (!(await ctx.db.artist.findUnique({ where: { id: t.artistId }, select: { id: true } }))) throw notFound('artist', t.artistId)
    await assertCity(ctx.db, t.homeCityId, 'homeCityId')
    try {
      const created = await ctx.db.$transaction(async (tx) => {
        await lockArtistTours(tx, t.artistId)
        await assertRepresents(tx, viewer.agencyId, t.artistId)
        const tour = await tx.tour.create({
          data: {
            ...(ruleData(t) as object),
            artistId: t.artistId,
            agencyId: viewer.agencyId,
            name: t.name,
            startsOn: dayOf(t.startsOn),
            endsOn: dayOf(t.endsOn),
            homeCityId: t.homeCityId ?? null,
            createdByUserId: viewer.userId,
          },
        })
        await recordTourEvent(tx, { type: 'tour.created', tourId: tour.id, actorOrgId: viewer.orgId })
        return tour
      })
      return ctx.db.tour.findUniqueOrThrow({ ...query, where: { id: created.id } })
    } catch (e) {
      return mapWriteErrors(e)
    }
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const viewer = await viewerOf(ctx)
    const p = parseInput(TourPatch, input)
    const seen = await visibleTour(ctx, viewer, id)
    await assertCity(ctx.db, p.homeCityId, 'homeCityId')
    try {
      await ctx.db.$transaction(async (tx) => {
        const { tour } = await lockTourFor(tx, viewer, seen.artistId, id, 'edit')
        const startsOn = p.startsOn ?? formatDay(tour.startsOn)
        const endsOn = p.endsOn ?? formatDay(tour.endsOn)
        if (startsOn > endsOn) throw invalidInput('endsOn', 'must be on or after startsOn')
        await tx.tour.update({
          where: { id },
          data: {
            ...(ruleData(p) as object),
            name: p.name,
            startsOn: dayOf(startsOn),
            endsOn: dayOf(endsOn),
            homeCityId: p.homeCityId,
          },
        })
        await recordTourEvent(tx, { type: 'tour.updated', tourId: id, actorOrgId: viewer.orgId })
      })
    } catch (e) {
      mapWriteErrors(e)
    }
    return ctx.db.tour.findUniqueOrThrow({ ...query, where: { id } })
  },

  /** confirm / archive / cancel (with a reason). Cancelling a tour never touches its bookings. */
  async move(ctx: RequestContext, id: string, action: 'confirm' | 'archive' | 'cancel', input: unknown, query: Selection = {}) {
    const viewer = await viewerOf(ctx)
    const reason = action === 'cancel' ? parseInput(CancelTourInput, input).reason : null
    const seen = await visibleTour(ctx, viewer, id)
    await ctx.db.$transaction(async (tx) => {
      const { to } = await lockTourFor(tx, viewer, seen.artistId, id, action)
      const now = ctx.clock.now()
      await tx.tour.update({
        where: { id },
        data: {
          status: to,
          ...(action === 'confirm'
            ? { confirmedAt: now }
            : action === 'archive'
              ? { archivedAt: now }
              : { cancelledAt: now, cancelReason: reason }),
        },
      })
      await recordTourEvent(tx, { type: `tour.${to}`, tourId: id, actorOrgId: viewer.orgId })
    })
    return ctx.db.tour.findUniqueOrThrow({ ...query, where: { id } })
  },

  /** The bookings of a tour still confirmed (what a cancellation leaves standing). */
  async confirmedBookings(ctx: RequestContext, id: string) {
    const rows = await ctx.db.booking.findMany({
      where: { status: 'confirmed', request: { tourStops: { some: { tourId: id } } } },
      select: { id: true },
      orderBy: { startsAt: 'asc' },
    })
    return rows.map((r) => r.id)
  },

  /** Stops and routing inputs of many tours (already visible to the caller), in one statement. */
  data: async (ctx: RequestContext, ids: readonly string[]) => dataFor(ctx, await viewerOf(ctx), ids),

  /** GET …/stops: the tour's stops in order, each with its deal's state. */
  async stops(ctx: RequestContext, id: string): Promise<StopView[]> {
    const viewer = await viewerOf(ctx)
    await visibleTour(ctx, viewer, id)
    return (await dataFor(ctx, viewer, [id])).get(id)?.stops ?? []
  },

  /** GET …/routing: legs and issues, in three statements whatever the number of stops. */
  async routing(ctx: RequestContext, id: string) {
    const viewer = await viewerOf(ctx)
    const tour = await visibleTour(ctx, viewer, id)
    return routingOf(tour, (await dataFor(ctx, viewer, [id])).get(id))
  },

  /** POST …/routing/preview: the routing with a candidate stop added. Writes nothing. */
  async preview(ctx: RequestContext, id: string, candidate: unknown) {
    const viewer = await viewerOf(ctx)
    const c = parseInput(StopInput, candidate)
    const tour = await visibleTour(ctx, viewer, id)
    const data = (await dataFor(ctx, viewer, [id])).get(id) ?? { stops: [], others: [] }
    const candidateId = randomUUID()
    let stop: RoutingStop
    if (c.bookingId || c.holdId || c.requestId) {
      const deal = await dealOf(ctx, viewer, c)
      if (deal.artistId !== tour.artistId) throw conflict('deal_of_another_artist', "the deal is not the tour's artist's")
      const position = c.position ?? Math.max(0, ...data.stops.filter((s) => s.date === deal.date).map((s) => s.position)) + 1
      const shaped = await dealAsStop(ctx.db, deal.requestId, ctx.clock.now(), { id: candidateId, tourId: id, date: deal.date, position })
      if (!shaped) throw notFound('booking request', deal.requestId)
      stop = shaped
    } else {
      const city = c.cityId ? await ctx.db.city.findUnique({ where: { id: c.cityId } }) : null
      if (c.cityId && !city) throw invalidInput('cityId', 'unknown city')
      const date = c.date as string
      stop = {
        id: candidateId,
        date,
        position: c.position ?? Math.max(0, ...data.stops.filter((s) => s.date === date).map((s) => s.position)) + 1,
        kind: c.kind as RoutingStop['kind'],
        state: c.kind === 'pencil' ? 'pencil' : 'planned',
        holdRank: null,
        city: city && { id: city.id, name: city.name, latitude: city.latitude, longitude: city.longitude, timezone: city.timezone },
        startsAt: null,
        endsAt: null,
        requestId: null,
        bookingId: null,
        radius: null,
      }
    }
    // A candidate placed at a taken position goes before the stop holding it, as adding it would.
    const shifted = data.stops.map((s) => (s.date === stop.date && s.position >= stop.position ? { ...s, position: s.position + 1 } : s))
    const others = data.others.filter((o) => o.requestId !== stop.requestId)
    return { tourId: id, candidateStopId: candidateId, ...routeTour(rulesOf(tour), [...shifted, stop], others) }
  },

  async addStop(ctx: RequestContext, tourId: string, input: unknown): Promise<StopView> {
    const viewer = await viewerOf(ctx)
    const s = parseInput(StopInput, input)
    const seen = await visibleTour(ctx, viewer, tourId)
    const deal = s.bookingId || s.holdId || s.requestId ? await dealOf(ctx, viewer, s) : null
    if (deal && deal.artistId !== seen.artistId) throw conflict('deal_of_another_artist', "the deal is not the tour's artist's")
    await assertCity(ctx.db, s.cityId)
    const stopId = randomUUID()
    try {
      await ctx.db.$transaction(async (tx) => {
        const { tour } = await lockTourFor(tx, viewer, seen.artistId, tourId, 'edit')
        if (deal) await assertDealFree(tx, deal.requestId, tourId, ctx.clock.now())
        const date = dayOf(deal ? deal.date : (s.date as string))
        const last = await nextPosition(tx, tourId, date)
        const position = s.position === undefined || s.position > last ? last : s.position
        if (position < last) await shift(tx, { tourId, date }, position, 1)
        const stop = await tx.tourStop.create({
          data: {
            id: stopId,
            tourId,
            artistId: tour.artistId,
            date,
            position,
            kind: deal ? 'show' : (s.kind as TourStopKind),
            requestId: deal?.requestId ?? null,
            cityId: deal ? null : (s.cityId ?? null),
            label: s.label ?? null,
            notes: s.notes ?? null,
            createdByUserId: viewer.userId,
          },
        })
        await recordTourEvent(tx, { type: 'tour.stop.added', tourId, actorOrgId: viewer.orgId, stop: stopEvent(stop) })
      })
    } catch (e) {
      mapWriteErrors(e)
    }
    return stopById(ctx, viewer, tourId, stopId)
  },

  async updateStop(ctx: RequestContext, id: string, input: unknown): Promise<StopView> {
    const viewer = await viewerOf(ctx)
    const p = parseInput(StopPatch, input)
    const seen = await visibleStop(ctx, viewer, id)
    await assertCity(ctx.db, p.cityId)
    try {
      await ctx.db.$transaction(async (tx) => {
        await lockTourFor(tx, viewer, seen.artistId, seen.tourId, 'edit')
        const stop = await tx.tourStop.findUnique({ where: { id } })
        if (!stop) throw notFound('tour stop', id)
        if (stop.kind === 'show') {
          if (p.date !== undefined) throw invalidInput('date', "a show's day is its deal's")
          if (p.kind !== undefined && p.kind !== 'show') throw invalidInput('kind', 'a show stays a show: remove it instead')
          if (p.cityId !== undefined) throw invalidInput('cityId', "a show's city is its deal's")
        } else if (p.kind === 'show') throw invalidInput('kind', 'add the deal as a stop instead')
        const kind = p.kind ?? stop.kind
        const cityId = p.cityId === undefined ? stop.cityId : p.cityId
        if (kind === 'pencil' && !cityId) throw invalidInput('cityId', 'a pencil needs a city')
        const date = p.date ? dayOf(p.date) : stop.date
        const moved = date.getTime() !== stop.date.getTime() || (p.position !== undefined && p.position !== stop.position)
        let position = stop.position
        if (moved) {
          // Out of the way first (positions are unique), then close the gap it leaves and make room where it goes.
          await tx.tourStop.update({ where: { id }, data: { position: PARKED - 1 } })
          await shift(tx, stop, stop.position + 1, -1, id)
          const last = await tx.tourStop.count({ where: { tourId: stop.tourId, date, id: { not: id } } })
          position = Math.min(p.position ?? last + 1, last + 1)
          if (position <= last) await shift(tx, { tourId: stop.tourId, date }, position, 1, id)
        }
        const updated = await tx.tourStop.update({
          where: { id },
          data: { date, position, kind, cityId: kind === 'show' ? null : cityId, label: p.label, notes: p.notes },
        })
        await recordTourEvent(tx, { type: 'tour.stop.updated', tourId: stop.tourId, actorOrgId: viewer.orgId, stop: stopEvent(updated) })
      })
    } catch (e) {
      mapWriteErrors(e)
    }
    return stopById(ctx, viewer, seen.tourId, id)
  },

  async removeStop(ctx: RequestContext, id: string) {
    const viewer = await viewerOf(ctx)
    const seen = await visibleStop(ctx, viewer, id)
    await ctx.db.$transaction(async (tx) => {
      await lockTourFor(tx, viewer, seen.artistId, seen.tourId, 'edit')
      const stop = await tx.tourStop.findUnique({ where: { id } })
      if (!stop) throw notFound('tour stop', id)
      // Item writers take the same lock, so the count is exact; the foreign key stays the last word.
      if (await tx.itineraryItem.count({ where: { tourStopId: id } }))
        throw conflict('stop_has_itinerary', "the stop's day has itinerary items: remove them first")
      await recordTourEvent(tx, { type: 'tour.stop.removed', tourId: stop.tourId, actorOrgId: viewer.orgId, stop: stopEvent(stop) })
      await tx.tourStop.delete({ where: { id } })
      await shift(tx, stop, stop.position + 1, -1)
    })
    return { id, removed: true }
  },
}

/** A deal is a stop of one live tour at a time: taking it into another needs it removed from the first. */
async function assertDealFree(tx: Tx, requestId: string, tourId: string, now: Date) {
  const elsewhere = await tx.tourStop.findFirst({
    where: { requestId, tourId: { not: tourId }, tour: { status: { in: ['draft', 'confirmed'] } } },
    select: { tourId: true },
  })
  if (elsewhere) throw conflict('deal_in_another_tour', `the deal is a stop of tour ${elsewhere.tourId}: remove it there first`)
  const [state] = await tx.$queryRaw<{ off: boolean }[]>`
    SELECT (b.status = 'cancelled' OR (b.id IS NULL AND (r.status::text IN ('declined', 'withdrawn', 'released', 'expired')
            OR (r.status::text IN ('open', 'negotiating') AND (r.expires_at <= ${now} OR r.starts_at <= ${now}))))) AS off
    FROM booking_requests r LEFT JOIN bookings b ON b.request_id = r.id WHERE r.id = ${requestId}::uuid`
  if (state?.off) throw conflict('deal_closed', 'the deal is off (cancelled, released, declined, withdrawn or expired)')
}

async function visibleStop(ctx: RequestContext, viewer: Viewer, id: string) {
  const stop = await ctx.db.tourStop.findFirst({
    where: { id, tour: toursVisibleTo(viewer.agencyId) },
    select: { tourId: true, artistId: true },
  })
  if (!stop) throw notFound('tour stop', id)
  return stop
}

async function stopById(ctx: RequestContext, viewer: Viewer, tourId: string, id: string): Promise<StopView> {
  const stop = (await dataFor(ctx, viewer, [tourId])).get(tourId)?.stops.find((s) => s.id === id)
  if (!stop) throw notFound('tour stop', id)
  return stop
}

export function routingOf(tour: Tour, data: TourData | undefined): Routing & { tourId: string } {
  return { tourId: tour.id, ...routeTour(rulesOf(tour), data?.stops ?? [], data?.others ?? []) }
}
