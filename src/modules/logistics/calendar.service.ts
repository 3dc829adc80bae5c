// iCal feeds: a read-only RFC 5545 calendar of one artist's shows and itinerary, as its creator may see them,
// behind a secret URL a calendar app polls without credentials. Only the token's SHA-256 is stored; rotating
// replaces it (the old URL stops working) and revoking ends the feed. The fee is left out unless the creator
// asked for it and holds a finance permission when creating or rotating it.
import { createHash, randomBytes } from 'node:crypto'
import ical, { ICalEventStatus } from 'ical-generator'
import { z } from 'zod'
import { RULES } from '../../access/catalog.ts'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { forbidden, notFound } from '../../errors.ts'
import type { CalendarFeed, ItineraryItem, Prisma } from '../../generated/prisma/client.ts'
import { money } from '../../money.ts'
import { transition, type Machine } from '../../state-machine.ts'
import { Id, parseInput } from '../../validation.ts'
import { partyOf, pipelinesVisibleTo, type Party } from '../booking/parties.ts'
import { recordEvent } from '../outbox/record.ts'
import { toursVisibleTo } from '../touring/tours.service.ts'
import { artistSideRole } from './deal-access.ts'

const DAY = 86_400_000
/** How far back a feed reaches: calendar apps keep what they fetched before. */
const FEED_HISTORY_DAYS = 90

export const FeedInput = z
  .object({
    artistId: Id.optional().describe("An artist feed: the artist's deals and their itinerary"),
    tourId: Id.optional().describe("A tour feed: the tour's shows, their itinerary and its other stops (artist side only)"),
    name: z.string().trim().min(1).max(200).optional(),
    includeFinancials: z.boolean().default(false).describe('Show the fee in event descriptions (needs a finance permission)'),
  })
  .refine((f) => (f.artistId === undefined) !== (f.tourId === undefined), {
    path: ['tourId'],
    message: 'give exactly one of artistId and tourId',
  })
export const RotateInput = z.object({
  includeFinancials: z.boolean().optional().describe('Change whether the fee is shown (needs a finance permission to turn on)'),
})
export const FeedToken = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a feed token') })

type FeedStatus = 'active' | 'revoked'
const feedMachine: Machine<FeedStatus, 'rotate' | 'revoke'> = {
  name: 'a calendar feed',
  moves: { active: { rotate: 'active', revoke: 'revoked' } },
}

/** An amount in minor units as people read it, e.g. €15,000.00. */
function feeText(amount: bigint, currency: string): string {
  const m = money(amount, currency)
  if (!m) return ''
  return new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).format(m.amount / 10 ** m.decimals)
}

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')
const newToken = () => randomBytes(32).toString('base64url')
const feedPath = (token: string) => `/api/v1/calendar/${token}.ics`

/** A feed as its owner sees it; the token only in the answer that made it. */
const feedView = (f: CalendarFeed, token?: string) => {
  const { tokenHash: _hash, ...rest } = f
  return { ...rest, status: (f.revokedAt ? 'revoked' : 'active') as FeedStatus, ...(token ? { token, url: feedPath(token) } : {}) }
}

export type FeedView = ReturnType<typeof feedView>

async function mayShowMoney(ctx: RequestContext): Promise<boolean> {
  const caller = await ctx.caller()
  if (caller.kind !== 'user') return false
  return RULES['finance.read'].anyOf.some((p) => caller.access.permissions.includes(p))
}

async function assertMayShowMoney(ctx: RequestContext) {
  if (!(await mayShowMoney(ctx)))
    throw forbidden('showing the fee needs a finance permission (artist.finance.read or promoter.finance.read)', 'financials_not_allowed')
}

/**
 * A feed's events go to no company's activity (org ids none; the broker still carries them): a feed is its creator's, and
 * the creator's colleagues, who share the company's activity, read nothing of it.
 */
async function feedEvent(tx: Tx, type: 'created' | 'rotated' | 'revoked', f: CalendarFeed) {
  await recordEvent(tx, {
    type: `calendar.feed.${type}`,
    aggregateId: f.id,
    orgIds: [],
    payload: { feedId: f.id, artistId: f.artistId, includeFinancials: f.includeFinancials },
  })
}

/** The feed's creator as a booking party, as it was when it made the feed. */
const creatorOf = (f: CalendarFeed): Party =>
  f.side === 'agency' && f.agencyId
    ? { side: 'agency', userId: f.userId, orgId: f.orgId, agencyId: f.agencyId }
    : { side: 'promoter', userId: f.userId, orgId: f.orgId }

/** The artist of a tour the caller's side sees (tours are the artist side's; others: 404). */
async function tourArtist(ctx: RequestContext, party: Party, tourId: string): Promise<string> {
  const tour =
    party.side === 'agency'
      ? await ctx.db.tour.findFirst({ where: { AND: [{ id: tourId }, toursVisibleTo(party.agencyId)] }, select: { artistId: true } })
      : null
  if (!tour) throw notFound('tour', tourId)
  return tour.artistId
}

/**
 * The feed's ETag, from what it shows (counts and newest changes of its shows, items and tour stops, the names in
 * it, the window's first day and the money setting), so that a calendar app's poll of an unchanged feed is a 304
 * without rendering it. Counts catch removals; the newest `updatedAt` catches edits.
 */
/** A tour feed's tour-day items: those of its days without a show, from the feed's first day on. */
const tourDayItems = (tourId: string, since: Date): Prisma.ItineraryItemWhereInput => ({ tourId, startsAt: { gte: since } })

async function fingerprint(
  ctx: RequestContext,
  feed: CalendarFeed & { artist: { name: string }; tour: { name: string } | null },
  showsWhere: Prisma.BookingWhereInput,
  itemsWhere: Prisma.ItineraryItemWhereInput,
  since: Date,
): Promise<string> {
  const [shows, items, stops, dayItems] = await Promise.all([
    ctx.db.booking.aggregate({ where: showsWhere, _count: true, _max: { updatedAt: true } }),
    ctx.db.itineraryItem.aggregate({ where: { ...itemsWhere, booking: showsWhere }, _count: true, _max: { updatedAt: true } }),
    feed.tourId
      ? ctx.db.tourStop.aggregate({
          where: { tourId: feed.tourId, kind: { not: 'show' }, date: { gte: since } },
          _count: true,
          _max: { updatedAt: true },
        })
      : null,
    feed.tourId
      ? ctx.db.itineraryItem.aggregate({ where: tourDayItems(feed.tourId, since), _count: true, _max: { updatedAt: true } })
      : null,
  ])
  const parts = [
    feed.tokenHash,
    feed.includeFinancials,
    feed.name,
    feed.artist.name,
    feed.tour?.name,
    since.toISOString().slice(0, 10),
    shows._count,
    shows._max.updatedAt?.toISOString(),
    items._count,
    items._max.updatedAt?.toISOString(),
    stops?._count,
    stops?._max.updatedAt?.toISOString(),
    dayItems?._count,
    dayItems?._max.updatedAt?.toISOString(),
  ]
  return `W/"${hashOf(JSON.stringify(parts))}"`
}

/** An itinerary item as a calendar event, in its own time zone. */
const itemEvent = (item: ItineraryItem, status: ICalEventStatus) => ({
  id: `itinerary-${item.id}@kisum`,
  start: item.startsAt,
  end: item.endsAt ?? item.startsAt,
  stamp: item.updatedAt,
  summary: item.title,
  location: item.location,
  description: `${item.kind.replaceAll('_', ' ')} (${item.timezone})${item.notes ? `\n${item.notes}` : ''}`,
  status,
})

/** A feed of the calling user (others': 404). */
async function ownFeed(ctx: RequestContext, party: Party, id: string) {
  const feed = await ctx.db.calendarFeed.findFirst({ where: { id, orgId: party.orgId, userId: party.userId } })
  if (!feed) throw notFound('calendar feed', id)
  return feed
}

export const calendarFeeds = {
  /**
   * A feed of an artist the caller works with: the artist side working for it now, or a promoter that has a
   * pipeline with it (the feed then shows that promoter's deals only). Others: 404, as for the artist's deals.
   */
  async create(ctx: RequestContext, input: unknown) {
    const data = parseInput(FeedInput, input)
    const party = await partyOf(ctx)
    const artistId = data.tourId ? await tourArtist(ctx, party, data.tourId) : (data.artistId as string)
    const works =
      party.side === 'agency'
        ? (await artistSideRole(ctx.db, party, artistId)) !== null
        : (await ctx.db.bookingRequest.count({ where: { artistId, ...pipelinesVisibleTo(party) } })) > 0
    if (!works) throw notFound('artist', artistId)
    if (data.includeFinancials) await assertMayShowMoney(ctx)
    const token = newToken()
    const feed = await ctx.db.$transaction(async (tx) => {
      const created = await tx.calendarFeed.create({
        data: {
          orgId: party.orgId,
          userId: party.userId,
          side: party.side,
          agencyId: party.side === 'agency' ? party.agencyId : null,
          artistId,
          tourId: data.tourId,
          name: data.name,
          tokenHash: hashOf(token),
          includeFinancials: data.includeFinancials,
        },
      })
      await feedEvent(tx, 'created', created)
      return created
    })
    return feedView(feed, token)
  },

  /** The calling user's feeds in this company, newest first. */
  async list(ctx: RequestContext) {
    const party = await partyOf(ctx)
    const feeds = await ctx.db.calendarFeed.findMany({
      where: { orgId: party.orgId, userId: party.userId },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    })
    return feeds.map((f) => feedView(f))
  },

  /** A new secret: the old URL answers 404 from now on. */
  async rotate(ctx: RequestContext, id: string, input: unknown) {
    const data = parseInput(RotateInput, input)
    const party = await partyOf(ctx)
    const feed = await ownFeed(ctx, party, id)
    transition(feedMachine, feed.revokedAt ? 'revoked' : 'active', 'rotate')
    if (data.includeFinancials) await assertMayShowMoney(ctx)
    // Left unsaid, the fee stays only while the rotating user may still see it: a rotation never refuses a leaked URL.
    const includeFinancials = data.includeFinancials ?? (feed.includeFinancials && (await mayShowMoney(ctx)))
    const token = newToken()
    const rotated = await ctx.db.$transaction(async (tx) => {
      const updated = await tx.calendarFeed.update({
        where: { id, revokedAt: null },
        data: { tokenHash: hashOf(token), rotatedAt: ctx.clock.now(), includeFinancials },
      })
      await feedEvent(tx, 'rotated', updated)
      return updated
    })
    return feedView(rotated, token)
  },

  async revoke(ctx: RequestContext, id: string) {
    const party = await partyOf(ctx)
    const feed = await ownFeed(ctx, party, id)
    transition(feedMachine, feed.revokedAt ? 'revoked' : 'active', 'revoke')
    const revoked = await ctx.db.$transaction(async (tx) => {
      const updated = await tx.calendarFeed.update({ where: { id, revokedAt: null }, data: { revokedAt: ctx.clock.now() } })
      await feedEvent(tx, 'revoked', updated)
      return updated
    })
    return feedView(revoked)
  },

  /**
   * GET /api/v1/calendar/:token.ics (public: the token is the credential). What the creator may see now: the
   * artist's deals it is party to, and their itinerary items for its side. Unknown or revoked: 404.
   */
  async ics(ctx: RequestContext, token: string, ifNoneMatch?: string): Promise<{ text: string | null; etag: string }> {
    const feed = await ctx.db.calendarFeed.findUnique({
      where: { tokenHash: hashOf(token) },
      include: { artist: { select: { name: true } }, tour: { select: { name: true } } },
    })
    if (!feed || feed.revokedAt) throw notFound('calendar feed')
    // An agency feed shows the agency's deals only while the creator's company still owns the agency (its claim).
    if (
      feed.agencyId &&
      !(await ctx.db.companyClaim.count({ where: { orgId: feed.orgId, companyId: feed.agencyId, status: 'approved' } }))
    ) {
      throw notFound('calendar feed')
    }
    const party = creatorOf(feed)
    const now = ctx.clock.now()
    const since = new Date(now.getTime() - FEED_HISTORY_DAYS * DAY)
    // A tour feed lives as long as its creator's side sees the tour.
    if (
      feed.tourId &&
      !(feed.agencyId && (await ctx.db.tour.count({ where: { AND: [{ id: feed.tourId }, toursVisibleTo(feed.agencyId)] } })))
    ) {
      throw notFound('calendar feed')
    }
    const inTour = feed.tourId ? { request: { tourStops: { some: { tourId: feed.tourId } } } } : {}
    const showsWhere = { AND: [{ artistId: feed.artistId, endsAt: { gte: since }, ...inTour }, pipelinesVisibleTo(party)] }
    const itemsWhere = party.side === 'promoter' ? { visibility: 'shared' as const } : {}
    const etag = await fingerprint(ctx, feed, showsWhere, itemsWhere, since)
    if (ifNoneMatch === etag) return { text: null, etag }
    const shows = await ctx.db.booking.findMany({
      where: showsWhere,
      include: { itineraryItems: { where: itemsWhere, orderBy: [{ startsAt: 'asc' }, { id: 'asc' }] } },
      orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    })
    const calendar = ical({
      name: feed.name ?? `${feed.tour ? feed.tour.name : feed.artist.name} (Kisum)`,
      prodId: { company: 'Kisum', product: 'Artists' },
      ttl: 900,
    })
    for (const b of shows) {
      const fee = feed.includeFinancials && b.fee !== null ? `\nFee: ${feeText(b.fee, b.currency)}` : ''
      calendar.createEvent({
        id: `booking-${b.id}@kisum`,
        start: b.startsAt,
        end: b.endsAt,
        stamp: b.updatedAt,
        summary: `${feed.artist.name}${b.venueName ? ` at ${b.venueName}` : ''}`,
        location: b.venueName,
        description: `Booking ${b.id} (${b.status})${fee}`,
        status: b.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      })
      for (const item of b.itineraryItems) {
        calendar.createEvent(
          itemEvent(
            item,
            b.status === 'cancelled' ? ICalEventStatus.CANCELLED : item.confirmed ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE,
          ),
        )
      }
    }
    if (feed.tourId) {
      const stops = await ctx.db.tourStop.findMany({
        where: { tourId: feed.tourId, kind: { not: 'show' }, date: { gte: since } },
        orderBy: [{ date: 'asc' }, { position: 'asc' }],
      })
      for (const stop of stops) {
        calendar.createEvent({
          id: `tour-stop-${stop.id}@kisum`,
          start: stop.date,
          allDay: true,
          stamp: stop.updatedAt,
          summary: stop.label ?? stop.kind.replaceAll('_', ' '),
          description: stop.notes,
          status: stop.kind === 'pencil' ? ICalEventStatus.TENTATIVE : ICalEventStatus.CONFIRMED,
        })
      }
      const dayItems = await ctx.db.itineraryItem.findMany({
        where: tourDayItems(feed.tourId, since),
        orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
      })
      for (const item of dayItems)
        calendar.createEvent(itemEvent(item, item.confirmed ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE))
    }
    await ctx.db.calendarFeed.update({ where: { id: feed.id }, data: { lastFetchedAt: now } })
    return { text: calendar.toString(), etag }
  },
}
