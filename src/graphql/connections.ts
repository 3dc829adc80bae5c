// Relay connections over the services' offset listings: the page comes from first/after (or
// last/before), the nested selection of the nodes is planned by plugin-prisma into the same query.
import { queryFromInfo } from '@pothos/plugin-prisma'
import { offsetToCursor, resolveOffsetConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay'
import type { GraphQLResolveInfo } from 'graphql'
import type { RequestContext } from '../context.ts'
import type { Selection } from '../db/listing.ts'
import { invalidInput } from '../errors.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Listing, type Page } from '../pagination.ts'

/** The largest offset a cursor may carry (GraphQL's Int range, like `first`/`last`). */
const MAX_CURSOR_OFFSET = 2 ** 31 - 1

/** The offset of a cursor this API handed out; anything else (forged, truncated, out of range) is bad input. */
function cursorOffset(field: 'after' | 'before', cursor: string): number {
  const match = /^OffsetConnection:(0|[1-9]\d{0,9})$/.exec(Buffer.from(cursor, 'base64').toString('utf8'))
  const offset = match ? Number(match[1]) : Number.NaN
  // Only the canonical encoding of an in-range offset is a cursor of ours.
  if (!(offset <= MAX_CURSOR_OFFSET) || offsetToCursor(offset) !== cursor) throw invalidInput(field, 'not a valid cursor')
  return offset
}

/**
 * Checks the Relay arguments up front, so that a bad one is a 400 naming it (BAD_USER_INPUT) rather than
 * the PothosValidationError resolveOffsetConnection would throw (masked as an internal error).
 */
function checkConnectionArgs({ first, last, after, before }: DefaultConnectionArguments) {
  if (first != null && first < 0) throw invalidInput('first', 'must be a non-negative integer')
  if (last != null && last < 0) throw invalidInput('last', 'must be a non-negative integer')
  if (after) cursorOffset('after', after)
  if (before) cursorOffset('before', before)
  // Counting back needs an end: a `before` cursor, or a `first` bounding the page.
  if (last != null && !before && first == null) throw invalidInput('last', 'can only be used with before (or first)')
}

export async function connectionOf<T extends object>(
  ctx: RequestContext,
  info: GraphQLResolveInfo,
  args: DefaultConnectionArguments,
  list: (page: Page, query: Selection) => Promise<Listing<T>>,
) {
  checkConnectionArgs(args)
  return offsetConnection(args, queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }) as Selection, list)
}

/** A connection over read shapes that are not Prisma models (a service's views): nothing to plan. */
export async function viewConnectionOf<T extends object>(args: DefaultConnectionArguments, list: (page: Page) => Promise<Listing<T>>) {
  checkConnectionArgs(args)
  return offsetConnection(args, {}, list)
}

async function offsetConnection<T extends object>(
  args: DefaultConnectionArguments,
  query: Selection,
  list: (page: Page, query: Selection) => Promise<Listing<T>>,
) {
  let total: () => Promise<number> = async () => 0
  const connection = await resolveOffsetConnection(
    { args, defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE },
    async ({ offset, limit }) => {
      const listing = await list({ offset, limit }, query)
      total = listing.total
      return listing.items
    },
  )
  // An empty page has no edge to point at: Relay clients expect null cursors, not the offset before the page.
  const empty = connection.edges.length === 0
  const pageInfo = empty ? { ...connection.pageInfo, startCursor: null, endCursor: null } : connection.pageInfo
  return { ...connection, pageInfo, totalCount: () => total() }
}

/** The arguments' text of a nested list's page (a profile's bookings, roster, people). */
export const NESTED_FIRST = `At most this many (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).`
export const NESTED_OFFSET = 'Skip this many first (the next page starts at offset + first).'

/**
 * The page of a nested list: a profile shows a bounded list, so `first` defaults to a page and never
 * exceeds the largest one. Bad values are BAD_USER_INPUT naming the argument.
 */
export function nestedPage(args: { first?: number | null; offset?: number | null }): { skip: number; take: number } {
  const take = args.first ?? DEFAULT_PAGE_SIZE
  const skip = args.offset ?? 0
  if (take < 0 || take > MAX_PAGE_SIZE) throw invalidInput('first', `must be between 0 and ${MAX_PAGE_SIZE}`)
  if (skip < 0) throw invalidInput('offset', 'must be a non-negative integer')
  return { skip, take }
}
