// Relay connections over the services' offset listings: the page comes from first/after (or
// last/before), the nested selection of the nodes is planned by plugin-prisma into the same query.
import { queryFromInfo } from '@pothos/plugin-prisma'
import { resolveOffsetConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay'
import type { GraphQLResolveInfo } from 'graphql'
import type { RequestContext } from '../context.ts'
import type { Selection } from '../db/listing.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Listing, type Page } from '../pagination.ts'

export async function connectionOf<T extends {}>(
  ctx: RequestContext,
  info: GraphQLResolveInfo,
  args: DefaultConnectionArguments,
  list: (page: Page, query: Selection) => Promise<Listing<T>>,
) {
  const query = queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }) as Selection
  let total: () => Promise<number> = async () => 0
  const connection = await resolveOffsetConnection(
    { args, defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE },
    async ({ offset, limit }) => {
      const listing = await list({ offset, limit }, query)
      total = listing.total
      return listing.items
    },
  )
  return { ...connection, totalCount: () => total() }
}
