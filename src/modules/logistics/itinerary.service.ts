// The itinerary of a booking: timed items (calls, travel legs, hotel check-in/out, load-in, soundcheck, doors,
// set, curfew, load-out, meals, press), each shown in its own IANA time zone. The artist side keeps them and
// sees them all; the promoter of the booking sees those shared with it. A day sheet is the items of one local
// day, in order. Approved hotel and transport proposals write items here, in the approval's transaction.
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
} from '../../generated/prisma/client.ts'
import { parseInput } from '../../validation.ts'
import { bookings } from '../booking/bookings.service.ts'
import { partyOf, pipelinesVisibleTo, type Party } from '../booking/parties.ts'
import { recordEvent } from '../outbox/record.ts'
import { assertArtistSide, bookingSeenBy, dealOrgs } from './deal-access.ts'
import { TimeZone, type HotelPayload, type TravelPayload } from './payloads.ts'

const title = z.string().trim().min(1).max(200)
const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish()

export const ItemInput = z.object({
  kind: z.enum(ItineraryKind),
  title,
  startsAt: Instant,
  endsAt: Instant.nullish(),
  timezone: TimeZone.optional().describe("IANA time zone the item is shown in (default: the booking's city; required when it has none)"),
  location: optionalText(500),
  notes: optionalText(4000),
  confirmed: z.boolean().default(false),
  visibility: z
    .enum(ItineraryVisibility)
    .default('artist_side')
    .describe('`artist_side` (agency and management) or `shared` with the promoter'),
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

/** An instant as local time in a zone, ISO 8601 with the zone's offset (e.g. 2031-01-10T21:00:00.000+01:00). */
const local = (at: Date | null, zone: string) => (at ? DateTime.fromJSDate(at, { zone }).toISO() : null)
const localDay = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISODate() as string

/** An item as both faces show it: its instants, and the same in its local time. */
export const itemView = (item: ItineraryItem) => ({
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
export async function zoneFor(
  db: Db | Tx,
  booking: Pick<Booking, 'cityId'>,
  given: string | undefined,
  field = 'timezone',
): Promise<string> {
  const zone = given ?? (await bookingZone(db, booking))
  if (!zone) throw invalidInput(field, "required: the booking's city has no time zone")
  return zone
}

async function itemEvent(tx: Tx, type: 'added' | 'changed' | 'removed', item: ItineraryItem, booking: Booking) {
  await recordEvent(tx, {
    type: `itinerary.${type}`,
    aggregateId: item.id,
    orgIds: await dealOrgs(tx, booking),
    payload: {
      itemId: item.id,
      bookingId: item.bookingId,
      kind: item.kind,
      dayOn: formatDay(item.dayOn),
      startsAt: item.startsAt.toISOString(),
      timezone: item.timezone,
      visibility: item.visibility,
      confirmed: item.confirmed,
      sourceSubmissionId: item.sourceSubmissionId,
    },
  })
}

function assertTimes(startsAt: Date, endsAt: Date | null | undefined) {
  if (endsAt && endsAt < startsAt) throw invalidInput('endsAt', 'must not be before startsAt')
}

function assertOpen(booking: Booking) {
  if (booking.status === 'cancelled') throw conflict('booking_cancelled', 'the booking is cancelled: its itinerary is closed')
}

/** An item the party sees (outside the deal, or not shared with a promoter: 404), with its booking. */
async function visibleItem(ctx: RequestContext, party: Party, id: string) {
  const item = await ctx.db.itineraryItem.findFirst({
    where: { id, booking: pipelinesVisibleTo(party), ...audience(party) },
    include: { booking: true },
  })
  if (!item) throw notFound('itinerary item', id)
  return item
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
    const { booking: _booking, ...item } = await visibleItem(ctx, await partyOf(ctx), id)
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
    const updated = await ctx.db.$transaction(async (tx) => {
      const booking = await tx.booking.findUniqueOrThrow({ where: { id: item.bookingId } })
      await assertArtistSide(tx, party, booking)
      assertOpen(booking)
      const current = await tx.itineraryItem.findUniqueOrThrow({ where: { id } })
      const startsAt = patch.startsAt ?? current.startsAt
      const endsAt = patch.endsAt === undefined ? current.endsAt : patch.endsAt
      assertTimes(startsAt, endsAt)
      const timezone = patch.timezone ?? current.timezone
      const changed = await tx.itineraryItem.update({
        where: { id },
        data: { ...patch, dayOn: dayOf(localDay(startsAt, timezone)) },
      })
      await itemEvent(tx, 'changed', changed, booking)
      return changed
    })
    return itemView(updated)
  },

  async remove(ctx: RequestContext, id: string) {
    const party = await partyOf(ctx)
    const item = await visibleItem(ctx, party, id)
    await ctx.db.$transaction(async (tx) => {
      const booking = await tx.booking.findUniqueOrThrow({ where: { id: item.bookingId } })
      await assertArtistSide(tx, party, booking)
      const current = await tx.itineraryItem.findUnique({ where: { id } })
      if (!current) throw notFound('itinerary item', id)
      await itemEvent(tx, 'removed', current, booking)
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
