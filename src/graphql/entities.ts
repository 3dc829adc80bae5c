// Federation references: a gateway sends N representations of one type in one _entities call. They are
// loaded with one query whose selection plugin-prisma plans from the fields asked of that type, so that
// nested relations come preloaded instead of through one fallback lookup per entity and relation.
import { queryFromInfo } from '@pothos/plugin-prisma'
import type { GraphQLResolveInfo } from 'graphql'
import type { RequestContext } from '../context.ts'
import type { Selection } from '../db/listing.ts'
import { isUuid } from '../validation.ts'

export function resolveReferences<T extends { id: string }>(
  typeName: string,
  load: (ctx: RequestContext, ids: string[], query: Selection) => Promise<T[]>,
) {
  return (ref: { id: string }, ctx: RequestContext, info: GraphQLResolveInfo) =>
    isUuid(ref.id)
      ? ctx
          // Per _entities field (an alias may ask other fields of the same type).
          .loader<string, T | null>(`entities:${typeName}:${String(info.path.key)}`, async (ids) => {
            const rows = await load(ctx, [...ids], queryFromInfo({ context: ctx, info, typeName }) as Selection)
            const byId = new Map(rows.map((r) => [r.id, r]))
            return ids.map((id) => byId.get(id) ?? null)
          })
          .load(ref.id)
      : null
}
