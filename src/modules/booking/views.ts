// What each pipeline object shows, in one place for both faces. A deal shows its artist and agency as
// cards (their own fields, under `bookings.read`: src/access/read-as.ts); their directory relations need
// `directory.read`. The orders of a pipeline's parts are the same on both faces.
import { modelColumns, type ModelColumn } from '../../db/model-columns.ts'
import { Prisma } from '../../generated/prisma/client.ts'

export const offerOrder = { version: 'asc' } satisfies Prisma.BookingOfferOrderByWithRelationInput
export const depositTermOrder = { seq: 'asc' } satisfies Prisma.BookingDepositTermOrderByWithRelationInput
export const holdOrder = { createdAt: 'asc' } satisfies Prisma.BookingHoldOrderByWithRelationInput
export const activityOrder = { seq: 'asc' } satisfies Prisma.BookingActivityOrderByWithRelationInput

/** REST views: the deal's scalars with its parties' cards, with statuses as readers see them (expiry applied). */
export const RequestView = { artist: true, agency: true } satisfies Prisma.BookingRequestInclude
export const RequestDetailView = {
  artist: true,
  agency: true,
  offers: { orderBy: offerOrder },
  holds: { orderBy: holdOrder },
  booking: { include: { city: true } },
} satisfies Prisma.BookingRequestInclude
export const OfferView = {
  request: { include: { artist: true } },
  holds: true,
  depositTerms: { orderBy: depositTermOrder },
} satisfies Prisma.BookingOfferInclude
export const HoldView = { request: { include: { artist: true } }, offer: true } satisfies Prisma.BookingHoldInclude
/** A booking shows its place: the city card (with its time zone) beside the venue reference. */
export const BookingView = {
  artist: true,
  agency: true,
  city: true,
  depositTerms: { orderBy: depositTermOrder },
} satisfies Prisma.BookingInclude
export const BookingDetailView = {
  artist: true,
  agency: true,
  city: true,
  depositTerms: { orderBy: depositTermOrder },
  offer: true,
  hold: true,
  request: { include: { activity: { orderBy: activityOrder } } },
} satisfies Prisma.BookingInclude

// ─── Read shapes in one statement ───────────────────────────────────────────────────────────────
// Prisma reads each relation of an `include` with a query of its own. Where an action answers with a view,
// the rows come from one hand-written statement instead: each model's columns are listed from the
// datamodel (src/db/model-columns.ts; enums read as text) under a prefix, and `nested` takes one model's
// fields back out of the row. test/booking-shapes.test.ts pins each such read to the ORM's read of the same rows.

/** How a column is read: enums as text (the ORM's records hold them as strings). */
const read = (c: ModelColumn) => (c.isEnum ? (c.isList ? '::text[]' : '::text') : '')

// Both are on every step's path with a handful of (model, alias, prefix) triples: their texts and keys are made once.
const columnLists = new Map<string, Prisma.Sql>()
const fieldKeys = new Map<string, { key: string; fields: [name: string, key: string][] }>()

/** The columns of `model` read from the table aliased `alias`, each named `prefix.field`. */
export function columnsOf(model: Prisma.ModelName, alias: string, prefix: string): Prisma.Sql {
  const id = `${model}|${alias}|${prefix}`
  let list = columnLists.get(id)
  if (!list) {
    list = Prisma.raw(
      modelColumns(model)
        .map((c) => `${alias}.${c.column}${read(c)} AS "${prefix}.${c.name}"`)
        .join(', '),
    )
    columnLists.set(id, list)
  }
  return list
}

/**
 * The fields read under `prefix` (columnsOf) as a record of their own; null when the row has none (a LEFT JOIN
 * that found nothing: no `id`, or no first column for a model without one, such as a deposit term).
 */
export function nested<T>(row: Record<string, unknown>, model: Prisma.ModelName, prefix: string): T | null {
  const id = `${model}|${prefix}`
  let keys = fieldKeys.get(id)
  if (!keys) {
    const columns = modelColumns(model)
    const key = columns.some((c) => c.name === 'id') ? 'id' : columns[0]?.name
    keys = { key: `${prefix}.${key}`, fields: columns.map((c) => [c.name, `${prefix}.${c.name}`]) }
    fieldKeys.set(id, keys)
  }
  if (row[keys.key] == null) return null
  const record: Record<string, unknown> = {}
  for (const [name, key] of keys.fields) record[name] = row[key]
  return record as T
}
