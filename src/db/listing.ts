// One page of a Prisma model, in a stable order, with the total counted only when asked for (and only up to
// COUNT_LIMIT: see src/pagination.ts).
import { COUNT_TAKE, type Listing, type Page } from '../pagination.ts'

/**
 * What Pothos (queryFromInfo) or a REST view asks a query to include, and how its relations load (one
 * statement per relation unless `'join'`: src/db/client.ts).
 */
export type Selection = { include?: object; select?: object; relationLoadStrategy?: 'join' | 'query' }

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
