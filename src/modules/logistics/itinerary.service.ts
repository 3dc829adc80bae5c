// The itinerary of a booking or of a tour day: timed items (calls, travel legs, hotel check-in/out, load-in,
// soundcheck, doors, set, curfew, load-out, meals, press), each shown in its own IANA time zone. The artist side
// keeps them and sees them all; the promoter of a booking sees those shared with it, and never a tour day's (a
// tour is the artist side's). A day sheet is the items of one local day, in order. Approved hotel and transport
// proposals write booking items here, in the approval's transaction.
import { DateTime } from 'luxon'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Db, Tx } from '../../db/client.ts'
import { Day, dayOf, formatDay, Instant } from '../../dates.ts'
import { conflict, invalidInput, notFound } from '../../errors.ts'
import {
  ItineraryKind,
  ItineraryVisibility,
  type Booking,
  type ItineraryItem,
  type LogisticsSubmission,
  type Prisma,
  type Tour,
} from '../../generated/prisma/client.ts'
import { parseInput } from '../../validation.ts'
import { bookings } from '../booking/bookings.service.ts'
import { partyOf, pipelinesVisibleTo, type Party } from '../booking/parties.ts'
import { recordEvent } from '../outbox/record.ts'
import type { StopView } from '../touring/stops.ts'
import { lockArtistTours, tours, toursVisibleTo } from '../touring/tours.service.ts'
import { artistSideOrgs, assertArtistSide, bookingSeenBy } from './deal-access.ts'
import { TimeZone, type HotelPayload, type TravelPayload } from './payloads.ts'

const title = z.string().trim().min(1).max(200)
const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish()

export const ItemInput = z.object({
  kind: z.enum(ItineraryKind),
  title,
  startsAt: Instant,
  endsAt: Instant.nullish(),
  timezone: TimeZone.optional().describe(
    "IANA time zone the item is shown in (default: the booking's city, or for a tour day the stop's city, else the tour's home city; required when none has one)",
  ),
  location: optionalText(500),
  notes: optionalText(4000),
  confirmed: z.boolean().default(false),
  visibility: z
    .enum(ItineraryVisibility)
    .default('artist_side')
    .describe("`artist_side` (agency and management) or `shared` with the promoter (a booking's items only)"),
})

export const ItemPatch = z.object({
  kind: z.enum(ItineraryKind).optional(),
  title: title.optional(),
  startsAt: Instant.optional(),
  endsAt: Instant.nullish(),
  timezone: TimeZone.optional(),
  location: optionalText(500),
  notes: optionalText(4000),
  confirmed: z.boolean().optional(),
  visibility: z.enum(ItineraryVisibility).optional(),
})

export const ItineraryQuery = z.object({ date: Day.optional().describe('Only the items of this local day (YYYY-MM-DD)') })
export const DaySheetQuery = z.object({
  date: Day.optional().describe("The local day (YYYY-MM-DD); default: the day of the show in the booking's time zone"),
})
export const TourDaySheetQuery = z.object({
  date: Day.describe('The day of the tour (YYYY-MM-DD): its stops, and the items of that local day'),
})

/** An instant as local time in a zone, ISO 8601 with the zone's offset (e.g. 2031-01-10T21:00:00.000+01:00). */
const local = (at: Date | null, zone: string) => (at ? DateTime.fromJSDate(at, { zone }).toISO() : null)
const localDay = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISODate() as string

/** An item as both faces show it: its instants, and the same in its local time. */
const itemView = (item: ItineraryItem) => ({
  ...item,
  dayOn: formatDay(item.dayOn),
  localStartsAt: local(item.startsAt, item.timezone) as string,
  localEndsAt: local(item.endsAt, item.timezone),
})

export type ItemView = ReturnType<typeof itemView>

/** What a party reads of a booking's items: the artist side all of them, the promoter the shared ones. */
const audience = (party: Party): Prisma.ItineraryItemWhereInput => (party.side === 'promoter' ? { visibility: 'shared' } : {})

const ORDER: Prisma.ItineraryItemOrderByWithRelationInput[] = [{ startsAt: 'asc' }, { endsAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }]

/** The booking's time zone: its city's, when the city has one. */
async function bookingZone(db: Db | Tx, booking: Pick<Booking, 'cityId'>): Promise<string | null> {
  if (!booking.cityId) return null
  const city = await db.city.findUnique({ where: { id: booking.cityId }, select: { timezone: true } })
  return city?.timezone ?? null
}

/** The zone given, else the booking's; a 400 naming `field` when neither is known. */
async function zoneFor(db: Db | Tx, booking: Pick<Booking, 'cityId'>, given: string | undefined, field = 'timezone'): Promise<string> {
  const zone = given ?? (await bookingZone(db, booking))
  if (!zone) throw invalidInput(field, "required: the booking's city has no time zone")
  return zone
}

const itemPayload = (item: ItineraryItem) => ({
  itemId: item.id,
  bookingId: item.bookingId,
  tourId: item.tourId,
  tourStopId: item.tourStopId,
  kind: item.kind,
  dayOn: formatDay(item.dayOn),
  startsAt: item.startsAt.toISOString(),
  timezone: item.timezone,
  visibility: item.visibility,
  confirmed: item.confirmed,
  sourceSubmissionId: item.sourceSubmissionId,
})

const itemRecord = (tx: Tx, type: 'added' | 'changed' | 'removed', item: ItineraryItem, orgIds: string[]) =>
  recordEvent(tx, { type: `itinerary.${type}`, aggregateId: item.id, orgIds, payload: itemPayload(item) })

/**
 * An item's event goes to the companies that see the item: a tour day's and a booking's `artist_side` item to the artist
 * side, a shared one to the promoter too. A change that shares an item with the promoter, or stops sharing it, is `added`
 * or `removed` for the promoter (the removal as the promoter last saw the item), and `changed` for the artist side.
 */
async function itemEvent(
  tx: Tx,
  type: 'added' | 'changed' | 'removed',
  item: ItineraryItem,
  owner: Booking | Tour,
  before?: ItineraryItem,
) {
  const artistSide = await artistSideOrgs(tx, owner.agencyId, owner.artistId)
  if (!('promoterOrgId' in owner)) return itemRecord(tx, type, item, artistSide)
  const shared = (i: ItineraryItem) => i.visibility === 'shared'
  const promoter = artistSide.includes(owner.promoterOrgId) ? [] : [owner.promoterOrgId]
  if (!before || shared(before) === shared(item))
    return itemRecord(tx, type, item, shared(item) ? [...artistSide, ...promoter] : artistSide)
  await itemRecord(tx, type, item, artistSide)
  if (promoter.length > 0) await itemRecord(tx, shared(item) ? 'added' : 'removed', shared(item) ? item : before, promoter)
}

function assertTimes(startsAt: Date, endsAt: Date | null | undefined) {
  if (endsAt && endsAt < startsAt) throw invalidInput('endsAt', 'must not be before startsAt')
}

function assertOpen(booking: Booking) {
  if (booking.status === 'cancelled') throw conflict('booking_cancelled', 'the booking is cancelled: its itinerary is closed')
}

function assertTourOpen(tour: Tour) {
  if (tour.status === 'cancelled' || tour.status === 'archived')
    throw conflict('tour_closed', `the tour is ${tour.status}: its days' itinerary is closed`)
}

/** Where a party sees items: a booking's through the deal (a promoter: the shared ones), a tour day's through the tour. */
const seenBy = (party: Party): Prisma.ItineraryItemWhereInput => ({
  OR: [
    { booking: pipelinesVisibleTo(party), ...audience(party) },
    ...(party.side === 'agency' ? [{ tourStop: { tour: toursVisibleTo(party.agencyId) } }] : []),
  ],
})

/** An item the party sees (outside the deal or the tour, or not shared with a promoter: 404). */
async function visibleItem(ctx: RequestContext, party: Party, id: string) {
  const item = await ctx.db.itineraryItem.findFirst({ where: { AND: [{ id }, seenBy(party)] } })
  if (!item) throw notFound('itinerary item', id)
  return item
}

/** A tour stop the party's company sees, with what its items' zone defaults to. A promoter sees no tour: 404. */
async function visibleStop(ctx: RequestContext, party: Party, id: string) {
  const stop =
    party.side === 'agency'
      ? await ctx.db.tourStop.findFirst({
          where: { id, tour: toursVisibleTo(party.agencyId) },
          include: { city: { select: { timezone: true } }, tour: { include: { homeCity: { select: { timezone: true } } } } },
        })
      : null
  if (!stop) throw notFound('tour stop', id)
  return stop
}

/**
 * Writing a tour day's items: under the artist's tour lock (so a stop is never removed under a new item), by
 * the artist side working for the artist now, while the tour is open. Answers the tour as it is now.
 */
async function tourForWrite(tx: Tx, party: Party, tourId: string): Promise<Tour> {
  const { artistId } = await tx.tour.findUniqueOrThrow({ where: { id: tourId }, select: { artistId: true } })
  await lockArtistTours(tx, artistId)
  const tour = await tx.tour.findUniqueOrThrow({ where: { id: tourId } })
  await assertArtistSide(tx, party, tour)
  return tour
}

const artistSideOnly = (visibility: string | undefined) => {
  if (visibility === 'shared')
    throw invalidInput('visibility', "a tour day's items are the artist side's: they are never shared with a promoter")
}

export const itinerary = {
  /** The booking's items the caller may see, in time order (of one local day when `date` is given). */
  async ofBooking(ctx: RequestContext, bookingId: string, query: unknown = {}) {
    const { date } = parseInput(ItineraryQuery, query)
    const { party } = await bookingSeenBy(ctx, bookingId)
    const items = await ctx.db.itineraryItem.findMany({
      where: { bookingId, ...audience(party), ...(date ? { dayOn: dayOf(date) } : {}) },
      orderBy: ORDER,
    })
    return items.map(itemView)
  },

  /** Booking.itinerary for many bookings: one query for all of them. */
  async forBookings(ctx: RequestContext, party: Party, bookingIds: readonly string[], date?: string) {
    const items = await ctx.db.itineraryItem.findMany({
      where: { bookingId: { in: [...bookingIds] }, ...audience(party), ...(date ? { dayOn: dayOf(date) } : {}) },
      orderBy: ORDER,
    })
    return bookingIds.map((id) => items.filter((i) => i.bookingId === id).map(itemView))
  },

  async get(ctx: RequestContext, id: string) {
    return itemView(await visibleItem(ctx, await partyOf(ctx), id))
  },

  /** A tour stop's items (a tour day's), in time order; a promoter or a company outside the tour: 404. */
  async ofStop(ctx: RequestContext, stopId: string) {
    await visibleStop(ctx, await partyOf(ctx), stopId)
    return (await ctx.db.itineraryItem.findMany({ where: { tourStopId: stopId }, orderBy: ORDER })).map(itemView)
  },

  /** TourStop.itinerary for many stops (of tours the caller sees): one query for all of them. */
  async forStops(ctx: RequestContext, stopIds: readonly string[]) {
    const party = await partyOf(ctx)
    const items = await ctx.db.itineraryItem.findMany({
      where: { AND: [{ tourStopId: { in: [...stopIds] } }, seenBy(party)] },
      orderBy: ORDER,
    })
    return stopIds.map((id) => items.filter((i) => i.tourStopId === id).map(itemView))
  },

  /**
   * An item of a tour day without a show (a show's items are its booking's). The zone defaults to the stop's
   * city's, else the tour's home city's; with none, it must be given (400).
   */
  async addToStop(ctx: RequestContext, stopId: string, input: unknown) {
    const data = parseInput(ItemInput, input)
    const party = await partyOf(ctx)
    const stop = await visibleStop(ctx, party, stopId)
    artistSideOnly(data.visibility)
    assertTimes(data.startsAt, data.endsAt)
    if (stop.kind === 'show') throw conflict('show_stop', "a show's itinerary is its booking's: add the item to the booking")
    const timezone = data.timezone ?? stop.city?.timezone ?? stop.tour.homeCity?.timezone
    if (!timezone) throw invalidInput('timezone', "required: neither the stop's city nor the tour's home city has a time zone")
    const item = await ctx.db.$transaction(async (tx) => {
      const tour = await tourForWrite(tx, party, stop.tourId)
      assertTourOpen(tour)
      if (!(await tx.tourStop.count({ where: { id: stopId } }))) throw notFound('tour stop', stopId)
      const created = await tx.itineraryItem.create({
        data: {
          ...data,
          tourStopId: stopId,
          tourId: stop.tourId,
          timezone,
          dayOn: dayOf(localDay(data.startsAt, timezone)),
          createdByOrgId: party.orgId,
        },
      })
      await itemEvent(tx, 'added', created, tour)
      return created
    })
    return itemView(item)
  },

  async add(ctx: RequestContext, bookingId: string, input: unknown) {
    const data = parseInput(ItemInput, input)
    const { party, booking } = await bookingSeenBy(ctx, bookingId)
    assertTimes(data.startsAt, data.endsAt)
    const timezone = await zoneFor(ctx.db, booking, data.timezone)
    const item = await ctx.db.$transaction(async (tx) => {
      const fresh = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } })
      await assertArtistSide(tx, party, fresh)
      assertOpen(fresh)
      const created = await tx.itineraryItem.create({
        data: { ...data, bookingId, timezone, dayOn: dayOf(localDay(data.startsAt, timezone)), createdByOrgId: party.orgId },
      })
      await itemEvent(tx, 'added', created, fresh)
      return created
    })
    return itemView(item)
  },

  async update(ctx: RequestContext, id: string, input: unknown) {
    const patch = parseInput(ItemPatch, input)
    const party = await partyOf(ctx)
    const item = await visibleItem(ctx, party, id)
    if (item.tourId) artistSideOnly(patch.visibility)
    const updated = await ctx.db.$transaction(async (tx) => {
      const owner = await ownerForWrite(tx, party, item)
      if ('promoterOrgId' in owner) assertOpen(owner)
      else assertTourOpen(owner)
      const current = await tx.itineraryItem.findUniqueOrThrow({ where: { id } })
      const startsAt = patch.startsAt ?? current.startsAt
      const endsAt = patch.endsAt === undefined ? current.endsAt : patch.endsAt
      assertTimes(startsAt, endsAt)
      const timezone = patch.timezone ?? current.timezone
      const changed = await tx.itineraryItem.update({
        where: { id },
        data: { ...patch, dayOn: dayOf(localDay(startsAt, timezone)) },
      })
      await itemEvent(tx, 'changed', changed, owner, current)
      return changed
    })
    return itemView(updated)
  },

  async remove(ctx: RequestContext, id: string) {
    const party = await partyOf(ctx)
    const item = await visibleItem(ctx, party, id)
    await ctx.db.$transaction(async (tx) => {
      const owner = await ownerForWrite(tx, party, item)
      if ('promoterOrgId' in owner) assertOpen(owner)
      else assertTourOpen(owner)
      const current = await tx.itineraryItem.findUnique({ where: { id } })
      if (!current) throw notFound('itinerary item', id)
      await itemEvent(tx, 'removed', current, owner)
      await tx.itineraryItem.delete({ where: { id } })
    })
    return { id, removed: true }
  },

  /** The day sheet: the booking, and the items of one local day the caller may see, in order. */
  /** Two statements past access: the booking with its city's zone, then the day's items. */
  async daySheet(ctx: RequestContext, bookingId: string, query: unknown = {}) {
    const { date } = parseInput(DaySheetQuery, query)
    const party = await partyOf(ctx)
    const booking = (await bookings.get(ctx, bookingId, { include: { city: { select: { timezone: true } } } })) as Booking & {
      city: { timezone: string | null } | null
    }
    return sheetOf(ctx.db, party, booking, booking.city?.timezone ?? 'UTC', date)
  },

  tourDaySheet,
}

/**
 * The tour's day sheet: the stops of the day (with their deals' states) and, in one time order, the items of that
 * local day the caller sees: the tour day's and those of the tour's shows' bookings. Each item shows its own local
 * time, so a day that crosses time zones reads in the order it is lived.
 */
async function tourDaySheet(ctx: RequestContext, tourId: string, query: unknown) {
  const { date } = parseInput(TourDaySheetQuery, query)
  const party = await partyOf(ctx)
  await tours.get(ctx, tourId)
  const stops: StopView[] = (await tours.data(ctx, [tourId])).get(tourId)?.stops ?? []
  const bookingIds = stops.flatMap((s) => (s.bookingId ? [s.bookingId] : []))
  const items = await ctx.db.itineraryItem.findMany({
    where: {
      dayOn: dayOf(date),
      OR: [{ tourId }, { AND: [{ bookingId: { in: bookingIds } }, { booking: pipelinesVisibleTo(party) }, audience(party)] }],
    },
    orderBy: ORDER,
  })
  return { tourId, date, stops: stops.filter((s) => s.date === date), items: items.map(itemView) }
}

export type TourDaySheet = Awaited<ReturnType<typeof tourDaySheet>>

/** The booking or the tour an item belongs to, for a write by the artist side working for the artist now. */
async function ownerForWrite(tx: Tx, party: Party, item: ItineraryItem): Promise<Booking | Tour> {
  if (item.tourId) return tourForWrite(tx, party, item.tourId)
  const booking = await tx.booking.findUniqueOrThrow({ where: { id: item.bookingId as string } })
  await assertArtistSide(tx, party, booking)
  return booking
}

async function sheetOf(db: Db, party: Party, booking: Booking, timezone: string, date?: string) {
  const day = date ?? localDay(booking.startsAt, timezone)
  const items = await db.itineraryItem.findMany({ where: { bookingId: booking.id, dayOn: dayOf(day), ...audience(party) }, orderBy: ORDER })
  return {
    bookingId: booking.id,
    date: day,
    timezone,
    booking: {
      id: booking.id,
      artistId: booking.artistId,
      status: booking.status,
      venueName: booking.venueName,
      startsAt: booking.startsAt,
      endsAt: booking.endsAt,
      localStartsAt: local(booking.startsAt, timezone) as string,
      localEndsAt: local(booking.endsAt, timezone) as string,
    },
    items: items.map(itemView),
  }
}

export type DaySheet = Awaited<ReturnType<typeof sheetOf>>

/** A wall-clock time of a local day in a zone, as an instant. */
const at = (day: string, time: string, zone: string) => DateTime.fromISO(`${day}T${time}`, { zone }).toJSDate()

/**
 * The items an approved hotel or transport proposal stands for, written in the approval's transaction (and
 * removed when a later approval supersedes it): shared with the promoter and confirmed, as both sides agreed.
 */
export async function writeSubmissionItems(
  tx: Tx,
  submission: LogisticsSubmission,
  booking: Booking,
  payload: Record<string, unknown>,
  actorOrgId: string,
) {
  const defaultZone = await bookingZone(tx, booking)
  const zoneOf = (given: string | undefined) => given ?? defaultZone ?? 'UTC'
  const common = {
    bookingId: booking.id,
    confirmed: true,
    visibility: 'shared' as const,
    sourceSubmissionId: submission.id,
    createdByOrgId: actorOrgId,
  }
  const rows: Prisma.ItineraryItemUncheckedCreateInput[] = []
  if (submission.category === 'hotel') {
    const h = payload as unknown as HotelPayload
    const zone = zoneOf(h.timezone)
    const location = h.address ?? h.hotelName
    rows.push(
      {
        ...common,
        kind: 'hotel_checkin',
        title: `Check-in: ${h.hotelName}`,
        startsAt: at(h.checkInOn, h.checkInTime, zone),
        timezone: zone,
        location,
        dayOn: dayOf(h.checkInOn),
      },
      {
        ...common,
        kind: 'hotel_checkout',
        title: `Check-out: ${h.hotelName}`,
        startsAt: at(h.checkOutOn, h.checkOutTime, zone),
        timezone: zone,
        location,
        dayOn: dayOf(h.checkOutOn),
      },
    )
  } else if (submission.category === 'transport' || submission.category === 'ground' || submission.category === 'flight') {
    const t = payload as unknown as TravelPayload
    for (const leg of t.legs) {
      const zone = zoneOf(leg.timezone)
      const departsAt = new Date(leg.departsAt)
      const flight = 'flightNumber' in leg ? leg.flightNumber : null
      rows.push({
        ...common,
        kind: flight ? 'travel_air' : 'mode' in leg && leg.mode === 'rail' ? 'travel_rail' : 'travel_ground',
        title: `${flight ? `${flight}: ` : ''}${leg.from} → ${leg.to}`,
        startsAt: departsAt,
        endsAt: leg.arrivesAt ? new Date(leg.arrivesAt) : null,
        timezone: zone,
        location: leg.from,
        dayOn: dayOf(localDay(departsAt, zone)),
      })
    }
  }
  for (const data of rows) await itemEvent(tx, 'added', await tx.itineraryItem.create({ data }), booking)
}

/** The items a superseded approval wrote: removed with their events, in the transaction of the next approval. */
export async function removeSubmissionItems(tx: Tx, submissionId: string, booking: Booking) {
  const items = await tx.itineraryItem.findMany({ where: { sourceSubmissionId: submissionId } })
  for (const item of items) await itemEvent(tx, 'removed', item, booking)
  await tx.itineraryItem.deleteMany({ where: { sourceSubmissionId: submissionId } })
}
