// Shortlists: a promoter company's lists of artists for an event idea (date, city, budget), private to their
// creator or shared with the company, at most 500 artists each (the database's CHECK on the kept count),
// ordered, with notes. Each item shows the artist's availability on the event day as it is now, and a list
// sends booking requests to several of its artists in one call through the booking requests service.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { addDays, Day, dayOf, Instant } from '../../dates.ts'
import { conflict, invalidInput, isUniqueViolation, notFound, toAppError, validationError } from '../../errors.ts'
import { DealType, Prisma, ShortlistVisibility, type Shortlist } from '../../generated/prisma/client.ts'
import { Currency, MinorUnits } from '../../money.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput, VersionNumber } from '../../validation.ts'
import { liveHold } from '../booking/live.ts'
import { partyOf } from '../booking/parties.ts'
import { bookingRequests, BookingRequestInput, requireSide } from '../booking/requests.service.ts'

const MAX_ITEMS = 500
/** Booking requests one call may send: each is a transaction of its own. */
const MAX_BULK = 50

const text = (max: number) => z.string().trim().min(1).max(max)

const ShortlistFields = z.object({
  name: text(200),
  visibility: z.enum(ShortlistVisibility).default('private').describe('private: only its creator; company: every colleague'),
  eventOn: Day.nullish().describe('The event date in mind: items show the artists’ availability on it'),
  cityId: Id.nullish().describe('A city of the geo directory'),
  budget: MinorUnits.nullish(),
  currency: Currency.nullish(),
  notes: text(5000).nullish(),
})

const budgetRule = (s: { budget?: number | null; currency?: string | null }, ctx: z.RefinementCtx) => {
  if (s.budget != null && !s.currency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with a budget' })
}

export const ShortlistInput = ShortlistFields.superRefine(budgetRule)
export const UpdateShortlistInput = ShortlistFields.partial()
  .extend({ version: VersionNumber.optional().describe('The version you read: a stale one is 409 stale_version') })
  .superRefine(budgetRule)

export const ShortlistItemInput = z.object({
  artistId: Id,
  note: text(2000).nullish(),
  position: z.number().int().min(0).max(MAX_ITEMS).optional().describe('0-based place in the list (default: last)'),
})
export const UpdateShortlistItemInput = ShortlistItemInput.omit({ artistId: true })

export const ShortlistRequestInput = z
  .object({
    itemIds: z.array(Id).min(1).max(MAX_BULK).optional().describe(`The items to request (default: the whole list, at most ${MAX_BULK})`),
    startsAt: Instant,
    endsAt: Instant,
    venueId: Id.nullish(),
    venueName: text(200).nullish(),
    city: text(120).nullish(),
    cityId: Id.nullish().describe("Defaults to the list's city"),
    countryCode: z.string().nullish(),
    budget: MinorUnits.nullish().describe("Defaults to the list's budget"),
    currency: Currency.nullish(),
    dealType: z.enum(DealType).nullish(),
    message: text(5000).nullish(),
    expiresAt: Instant.nullish(),
  })
  .superRefine((r, ctx) => {
    if (r.itemIds && new Set(r.itemIds).size !== r.itemIds.length)
      ctx.addIssue({ code: 'custom', path: ['itemIds'], message: 'lists an item twice' })
  })

/** Lists the caller sees: its company's shared ones and its own private ones. */
const visibleTo = (orgId: string, userId: string): Prisma.ShortlistWhereInput => ({
  ownerOrgId: orgId,
  OR: [{ visibility: 'company' }, { createdByUserId: userId }],
})

async function promoter(ctx: RequestContext) {
  const party = await partyOf(ctx)
  requireSide(party, 'promoter', 'keeps shortlists')
  return party
}

async function visible(ctx: RequestContext, id: string) {
  const party = await promoter(ctx)
  const list = await ctx.db.shortlist.findFirst({ where: { AND: [{ id }, visibleTo(party.orgId, party.userId)] } })
  if (!list) throw notFound('shortlist', id)
  return { party, list }
}

async function checkCity(ctx: RequestContext, cityId: string | null | undefined) {
  if (cityId && !(await ctx.db.city.findUnique({ where: { id: cityId }, select: { id: true } })))
    throw invalidInput('cityId', 'unknown city')
}

/** Locks the list (its row carries the item count) for a change to its items. */
const lockList = (tx: Tx, id: string) => tx.$queryRaw`SELECT id FROM shortlists WHERE id = ${id}::uuid FOR UPDATE`

const isFull = (e: unknown) => JSON.stringify((e as { meta?: unknown }).meta ?? {}).includes('shortlists_items_max_chk')

/** Moves an item to `position` (clamped to the list's end), renumbering the list 0…n−1 in order. */
async function place(tx: Tx, shortlistId: string, itemId: string, position: number) {
  await tx.$executeRaw`
    WITH others AS (
      SELECT id, row_number() OVER (ORDER BY position, created_at, id) - 1 AS rn FROM shortlist_items
      WHERE shortlist_id = ${shortlistId}::uuid AND id <> ${itemId}::uuid
    ), target AS (SELECT least(${position}::int, count(*))::int AS at FROM others),
    numbered AS (
      SELECT o.id, CASE WHEN o.rn >= t.at THEN o.rn + 1 ELSE o.rn END AS p FROM others o, target t
      UNION ALL SELECT ${itemId}::uuid, t.at FROM target t
    )
    UPDATE shortlist_items i SET position = n.p, updated_at = now() FROM numbered n WHERE n.id = i.id AND i.position <> n.p`
}

/** What an item's artist is on the list's event day: a booking, live holds, else its published window (or none). */
export const ITEM_AVAILABILITY = ['booked', 'held', 'available', 'tentative', 'blocked', 'unpublished'] as const

export type ItemAvailability = {
  eventOn: Date
  status: (typeof ITEM_AVAILABILITY)[number]
  activeHolds: number
}

/**
 * The availability of each artist on the day, as it is now, in one statement: a confirmed booking that day,
 * live holds on it (the pipeline's predicate), else the published window covering it.
 */
async function availabilityOn(ctx: RequestContext, artistIds: readonly string[], day: Date): Promise<Map<string, ItemAvailability>> {
  if (artistIds.length === 0) return new Map()
  const now = ctx.clock.now()
  const end = addDays(day, 1)
  const rows = await ctx.db.$queryRaw<{ artist_id: string; booked: boolean; holds: number; window: string | null }[]>`
    SELECT a.id AS artist_id,
           EXISTS (SELECT 1 FROM bookings b WHERE b.artist_id = a.id AND b.status = 'confirmed' AND b.starts_at < ${end} AND b.ends_at > ${day}) AS booked,
           (SELECT count(*) FROM booking_holds h WHERE h.artist_id = a.id AND ${liveHold(now)} AND h.starts_at < ${end} AND h.ends_at > ${day})::int AS holds,
           (SELECT w.status::text FROM artist_availabilities w WHERE w.artist_id = a.id AND w.starts_on <= ${day}::date AND w.ends_on >= ${day}::date
            ORDER BY w.status = 'blocked' DESC LIMIT 1) AS window
    FROM unnest(${[...artistIds]}::uuid[]) a(id)`
  return new Map(
    rows.map((r) => [
      r.artist_id,
      {
        eventOn: day,
        activeHolds: r.holds,
        status: r.booked
          ? 'booked'
          : r.window === 'blocked'
            ? 'blocked'
            : r.holds > 0
              ? 'held'
              : ((r.window ?? 'unpublished') as ItemAvailability['status']),
      },
    ]),
  )
}

const itemOrder = [{ position: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }] satisfies Prisma.ShortlistItemOrderByWithRelationInput[]

/** The REST view of a list: its items in order, each with the artist's card and availability on the event day. */
async function detail(ctx: RequestContext, list: Shortlist) {
  const items = await ctx.db.shortlistItem.findMany({
    where: { shortlistId: list.id },
    orderBy: itemOrder,
    include: { artist: { select: { id: true, name: true, slug: true } } },
  })
  const availability = list.eventOn ? await availabilityOn(ctx, [...new Set(items.map((i) => i.artistId))], list.eventOn) : new Map()
  return { ...list, items: items.map((i) => ({ ...i, availability: availability.get(i.artistId) ?? null })) }
}

export type RequestOutcome =
  | { itemId: string; artistId: string; outcome: 'created'; requestId: string; error: null }
  | { itemId: string; artistId: string; outcome: 'refused'; requestId: null; error: { code: string; message: string } }

export const shortlists = {
  itemOrder,
  detail,

  async list(ctx: RequestContext, page: Page, query: Selection = {}) {
    const party = await promoter(ctx)
    return listing(ctx.db.shortlist, { where: visibleTo(party.orgId, party.userId), orderBy: { updatedAt: 'desc' } }, page, query)
  },

  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    const { list } = await visible(ctx, id)
    return Object.keys(query).length ? ctx.db.shortlist.findUniqueOrThrow({ ...query, where: { id: list.id } }) : list
  },

  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const party = await promoter(ctx)
    const data = parseInput(ShortlistInput, input)
    await checkCity(ctx, data.cityId)
    return ctx.db.shortlist.create({
      ...query,
      data: { ...data, eventOn: data.eventOn ? dayOf(data.eventOn) : null, ownerOrgId: party.orgId, createdByUserId: party.userId },
    })
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const { list } = await visible(ctx, id)
    const { version, ...data } = parseInput(UpdateShortlistInput, input)
    await checkCity(ctx, data.cityId)
    const budget = data.budget === undefined ? list.budget : data.budget
    const currency = data.currency === undefined ? list.currency : data.currency
    if (budget != null && !currency) throw invalidInput('currency', 'required with a budget')
    const eventOn = data.eventOn === undefined ? undefined : data.eventOn ? dayOf(data.eventOn) : null
    const updated = await ctx.db.shortlist.updateMany({
      where: { id, version: version ?? list.version },
      data: { ...data, eventOn, version: { increment: 1 } },
    })
    if (updated.count === 0) throw conflict('stale_version', 'the shortlist changed since you read it')
    return ctx.db.shortlist.findUniqueOrThrow({ ...query, where: { id } })
  },

  async remove(ctx: RequestContext, id: string, query: Selection = {}) {
    const { list } = await visible(ctx, id)
    const shown = Object.keys(query).length ? await ctx.db.shortlist.findUniqueOrThrow({ ...query, where: { id } }) : list
    await ctx.db.shortlist.delete({ where: { id: list.id } })
    return shown
  },

  async addItem(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const { party, list } = await visible(ctx, id)
    const data = parseInput(ShortlistItemInput, input)
    const artist = await ctx.db.artist.findUnique({ where: { id: data.artistId }, select: { archivedAt: true } })
    if (!artist || artist.archivedAt) throw invalidInput('artistId', 'unknown artist')
    try {
      const item = await ctx.db.$transaction(async (tx) => {
        await lockList(tx, list.id)
        const { itemCount } = await tx.shortlist.findUniqueOrThrow({ where: { id: list.id }, select: { itemCount: true } })
        if (itemCount >= MAX_ITEMS) throw conflict('shortlist_full', `a shortlist holds at most ${MAX_ITEMS} artists`)
        const created = await tx.shortlistItem.create({
          data: { shortlistId: list.id, artistId: data.artistId, note: data.note, position: itemCount, addedByUserId: party.userId },
        })
        if (data.position !== undefined) await place(tx, list.id, created.id, data.position)
        await tx.shortlist.update({ where: { id: list.id }, data: { version: { increment: 1 } } })
        return created
      })
      return ctx.db.shortlistItem.findUniqueOrThrow({ ...query, where: { id: item.id } })
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('already_on_shortlist', 'this artist is on the shortlist already')
      if (isFull(e)) throw conflict('shortlist_full', `a shortlist holds at most ${MAX_ITEMS} artists`)
      throw e
    }
  },

  async updateItem(ctx: RequestContext, itemId: string, input: unknown, query: Selection = {}) {
    const item = await ctx.db.shortlistItem.findUnique({ where: { id: itemId }, select: { shortlistId: true } })
    if (!item) throw notFound('shortlist item', itemId)
    const { list } = await visible(ctx, item.shortlistId).catch(() => {
      throw notFound('shortlist item', itemId)
    })
    const data = parseInput(UpdateShortlistItemInput, input)
    await ctx.db.$transaction(async (tx) => {
      await lockList(tx, list.id)
      if (data.note !== undefined) await tx.shortlistItem.update({ where: { id: itemId }, data: { note: data.note } })
      if (data.position !== undefined) await place(tx, list.id, itemId, data.position)
      await tx.shortlist.update({ where: { id: list.id }, data: { version: { increment: 1 } } })
    })
    return ctx.db.shortlistItem.findUniqueOrThrow({ ...query, where: { id: itemId } })
  },

  async removeItem(ctx: RequestContext, itemId: string, query: Selection = {}) {
    const item = await ctx.db.shortlistItem.findUnique({ ...query, where: { id: itemId } })
    if (!item) throw notFound('shortlist item', itemId)
    const { list } = await visible(ctx, (item as { shortlistId: string }).shortlistId).catch(() => {
      throw notFound('shortlist item', itemId)
    })
    await ctx.db.$transaction(async (tx) => {
      await lockList(tx, list.id)
      await tx.shortlistItem.delete({ where: { id: itemId } })
      await tx.$executeRaw`
        UPDATE shortlist_items i SET position = o.rn, updated_at = now()
        FROM (SELECT id, row_number() OVER (ORDER BY position, created_at, id) - 1 AS rn FROM shortlist_items WHERE shortlist_id = ${list.id}::uuid) o
        WHERE o.id = i.id AND i.position <> o.rn`
      await tx.shortlist.update({ where: { id: list.id }, data: { version: { increment: 1 } } })
    })
    return item
  },

  /**
   * POST /api/v1/shortlists/:id/request: a booking request to each chosen artist of the list, through the
   * booking requests service (its rules, its transaction and activity per request), each outcome reported.
   * The shared terms are checked once first: a bad date refuses the whole call and writes nothing.
   */
  async request(ctx: RequestContext, id: string, input: unknown): Promise<{ shortlistId: string; outcomes: RequestOutcome[] }> {
    await ctx.authorize('bookings.manage')
    const { list } = await visible(ctx, id)
    const { itemIds, ...terms } = parseInput(ShortlistRequestInput, input)
    const common = {
      ...terms,
      cityId: terms.cityId === undefined ? list.cityId : terms.cityId,
      budget: terms.budget === undefined && list.budget !== null ? Number(list.budget) : terms.budget,
      currency: terms.currency === undefined ? list.currency : terms.currency,
    }
    const now = ctx.clock.now()
    // The terms every request shares, checked once with the service's own schema (any id stands in for the artist).
    const checked = BookingRequestInput.safeParse({ ...common, artistId: list.id })
    const issues = checked.success ? [] : checked.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }))
    if (common.startsAt <= now) issues.push({ field: 'startsAt', message: 'must be in the future' })
    if (issues.length) throw validationError(issues)
    const items = await ctx.db.shortlistItem.findMany({
      where: { shortlistId: list.id, ...(itemIds ? { id: { in: itemIds } } : {}) },
      orderBy: itemOrder,
      take: MAX_BULK + 1,
    })
    if (itemIds && items.length !== itemIds.length) throw invalidInput('itemIds', 'not every item is on this shortlist')
    if (items.length > MAX_BULK) throw invalidInput('itemIds', `a call requests at most ${MAX_BULK} artists: choose the items`)
    const outcomes: RequestOutcome[] = []
    for (const item of items) {
      try {
        const created = await bookingRequests.create(ctx, { ...common, artistId: item.artistId })
        outcomes.push({ itemId: item.id, artistId: item.artistId, outcome: 'created', requestId: created.id, error: null })
      } catch (e) {
        const error = toAppError(e)
        // A fault before any request was sent fails the call whole (the key is freed for a retry); after one,
        // the answer must be settled under the key, or a retry would send those requests a second time.
        const sent = outcomes.some((o) => o.outcome === 'created')
        if (error.kind === 'internal' || error.kind === 'unavailable') {
          if (!sent) throw e
          ctx.log.error(
            { ...ctx.logFields(), err: error.cause ?? error, itemId: item.id },
            'shortlist request failed after others were sent',
          )
        }
        outcomes.push({
          itemId: item.id,
          artistId: item.artistId,
          outcome: 'refused',
          requestId: null,
          error: { code: error.code, message: error.message },
        })
      }
    }
    return { shortlistId: list.id, outcomes }
  },
}

/** ShortlistItem.availability for a batch of items: one availability statement per event day among their lists. */
export async function availabilityOfItems(
  ctx: RequestContext,
  items: readonly { id: string; artistId: string; shortlistId: string }[],
): Promise<(ItemAvailability | null)[]> {
  const lists = await ctx.db.shortlist.findMany({
    where: { id: { in: [...new Set(items.map((i) => i.shortlistId))] } },
    select: { id: true, eventOn: true },
  })
  const dayOfList = new Map(lists.map((l) => [l.id, l.eventOn]))
  const byDay = new Map<number, Map<string, ItemAvailability>>()
  for (const day of new Set(lists.flatMap((l) => (l.eventOn ? [l.eventOn.getTime()] : [])))) {
    const artists = items.filter((i) => dayOfList.get(i.shortlistId)?.getTime() === day).map((i) => i.artistId)
    byDay.set(day, await availabilityOn(ctx, [...new Set(artists)], new Date(day)))
  }
  return items.map((i) => {
    const day = dayOfList.get(i.shortlistId)
    return day ? (byDay.get(day.getTime())?.get(i.artistId) ?? null) : null
  })
}
