// One page of a Prisma model, in a stable order, with the total counted only when asked for (and only up to
// COUNT_LIMIT: see src/pagination.ts).
import { isDeepStrictEqual } from 'node:util'
import { Prisma } from '../generated/prisma/client.ts'
import { COUNT_TAKE, type Listing, type Page } from '../pagination.ts'
import type { Tx } from './client.ts'
import { recordJson, viewJson, type JsonShape } from './record-json.ts'

/**
 * What Pothos (queryFromInfo) or a REST view asks a query to include, and how its relations load (one
 * statement per relation unless `'join'`: src/db/client.ts).
 */
export type Selection = { include?: object; select?: Record<string, unknown>; relationLoadStrategy?: 'join' | 'query' }

interface PagedDelegate<T, Where, OrderBy> {
  findMany(args: { where?: Where; orderBy?: OrderBy[]; skip?: number; take?: number } & Selection): Promise<T[]>
  count(args: { where?: Where; take?: number }): Promise<number>
}

export async function listing<T, Where, OrderBy>(
  delegate: PagedDelegate<T, Where, OrderBy>,
  args: { where: Where; orderBy: OrderBy },
  page: Page,
  query: Selection = {},
): Promise<Listing<T>> {
  const items = await delegate.findMany({
    ...query,
    where: args.where,
    // The id breaks ties so that pages never overlap or skip rows.
    orderBy: [args.orderBy, { id: 'asc' } as OrderBy],
    skip: page.offset,
    take: page.limit,
  })
  return { items, total: () => delegate.count({ where: args.where, take: COUNT_TAKE }) }
}

/** A list shape written by hand: each row of `table` (aliased `x`) as the record `item`, in `order` (ids last). */
interface JsonListShape {
  table: string
  item: JsonShape
  order: string
}

/**
 * The statement twin of `listing` for a fixed read shape (a view): the page, each row with its relations as
 * JSON built by PostgreSQL (src/db/record-json.ts), and the count up to COUNT_TAKE, in one statement instead
 * of one per relation plus the count. `T` is the Prisma record of the same include (the caller's to name).
 */
async function jsonListing<T>(db: Tx, shape: JsonListShape, where: Prisma.Sql, page: Page): Promise<Listing<T>> {
  const [table, order] = [Prisma.raw(shape.table), Prisma.raw(shape.order)]
  const [row] = await db.$queryRaw<{ counted: number; items: string }[]>`
    SELECT (SELECT count(*)::int FROM (SELECT 1 FROM ${table} x WHERE ${where} LIMIT ${COUNT_TAKE}) c) AS counted,
           coalesce((SELECT json_agg(${Prisma.raw(shape.item.sql)} ORDER BY ${order})
                     FROM (SELECT * FROM ${table} x WHERE ${where} ORDER BY ${order} LIMIT ${page.limit} OFFSET ${page.offset}) x), '[]')::text AS items`
  const counted = row?.counted ?? 0
  const items = (JSON.parse(row?.items ?? '[]') as unknown[]).map((item) => shape.item.revive(item) as T)
  return { items, total: async () => counted }
}

/**
 * The rows of `table` (aliased `x`) matching `where`, each as the record `item`, in one statement (unordered).
 * One text per row, not one json_agg of them all: a batch of 100 artists is ~185 kB of JSON, and V8 allocates a
 * string over ~128 kB in its large-object space (a mapping of its own per string): decoding that one text cost
 * about 2 ms, a hundred small ones cost a tenth of it.
 */
async function jsonRows<T>(db: Tx, shape: Omit<JsonListShape, 'order'>, where: Prisma.Sql): Promise<T[]> {
  const rows = await db.$queryRaw<{ item: string }[]>`
    SELECT ${Prisma.raw(shape.item.sql)}::text AS item FROM ${Prisma.raw(shape.table)} x WHERE ${where}`
  return rows.map((row) => shape.item.revive(JSON.parse(row.item)) as T)
}

/**
 * Whether a selection asks nothing beyond `view` (the include a hand-written statement serves): included
 * relations only, each as the view includes it. A GraphQL page or entity batch planned by plugin-prisma
 * within the REST view is served by the view's statement (which joins: a `'join'` strategy is kept);
 * anything else (another relation, a nested relation, relations asked one statement each) is Prisma's to
 * plan. A `select` within the view (some of the columns, each relation with the view's own arguments) is
 * served too, when the view's records narrow to it (JsonShape.narrow).
 */
function servedBy(query: Selection, view: Record<string, unknown>): boolean {
  const { include, select, relationLoadStrategy, ...rest } = query
  if (Object.keys(rest).length > 0 || (relationLoadStrategy && relationLoadStrategy !== 'join') || (include && select)) return false
  if (select) return selectedWithin(select, view)
  return Object.entries(include ?? {}).every(([relation, args]) => relation in view && isDeepStrictEqual(args, view[relation]))
}

type Args = Record<string, unknown>
const argsIn = (arg: unknown): Args => (typeof arg === 'object' && arg !== null ? (arg as Args) : {})

/** A relation's arguments besides what it selects or includes (its order, its filter). */
function argsOf(arg: unknown): Args {
  const { select: _select, include: _include, ...args } = argsIn(arg)
  return args
}

/** What a relation's argument selects or includes (nothing for `true`). */
const namedBy = (arg: unknown): Args => argsIn(argsIn(arg).select ?? argsIn(arg).include)

/**
 * Whether each relation `select` names at any level is one `view` includes there, with the view's own
 * arguments (the same order, the same filter). Scalars and relations the view lacks are the shape's to
 * refuse (JsonShape.narrow).
 */
function selectedWithin(select: Args, view: Args): boolean {
  return Object.entries(select).every(
    ([name, arg]) =>
      !(name in view) || (isDeepStrictEqual(argsOf(arg), argsOf(view[name])) && selectedWithin(namedBy(arg), namedBy(view[name]))),
  )
}

/** The conditions of a hand-written where clause, all of them (true without any). */
export const allOf = (conditions: (Prisma.Sql | false | undefined)[]): Prisma.Sql => {
  const kept = conditions.filter((c): c is Prisma.Sql => Boolean(c))
  return kept.length ? Prisma.join(kept, ' AND ') : Prisma.sql`TRUE`
}

/**
 * A view (a Prisma include on `model`) served by hand-written statements: `relations` are its relations as
 * JSON (src/db/record-json.ts), under the same names. `T` is Prisma's record of the view.
 */
export function jsonView<T>(table: string, model: Prisma.ModelName, view: Record<string, unknown>, relations: Record<string, JsonShape>) {
  const included = viewJson(model, 'x', relations)
  const whole = recordJson(model, 'x', relations)
  const item = (query: Selection) => {
    const shape = query.select ? whole.narrow({ select: query.select }) : included(query.include)
    if (!shape) throw new Error(`${model}: the view does not serve this selection`)
    return shape
  }
  return {
    serves: (query: Selection) => servedBy(query, view) && (!query.select || whole.narrow({ select: query.select }) !== null),
    /** The record of the row `x` a selection within the view asks, for a statement that builds more around it. */
    item,
    byIds: (db: Tx, ids: string[], query: Selection) =>
      jsonRows<T>(db, { table, item: item(query) }, Prisma.sql`x.id = ANY(${ids}::uuid[])`),
    page: (db: Tx, query: Selection, where: Prisma.Sql, order: string, page: Page) =>
      jsonListing<T>(db, { table, item: item(query), order }, where, page),
  }
}
