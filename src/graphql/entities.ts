// Federation references: a gateway sends N representations of one type in one _entities call. They are
// loaded with one query whose selection plugin-prisma plans from the fields asked of that type, so that
// nested relations come preloaded instead of through one fallback lookup per entity and relation; the
// relations are joined in that same statement (a batch of ids is small and known: one round trip instead
// of one per relation).
import { queryFromInfo } from '@pothos/plugin-prisma'
import { isUnionType, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql'
import type { RequestContext } from '../context.ts'
import type { Selection } from '../db/listing.ts'
import { invalidInput, type AppError } from '../errors.ts'
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
            const query = { ...(queryFromInfo({ context: ctx, info, typeName }) as Selection), relationLoadStrategy: 'join' as const }
            const rows = await load(ctx, [...ids], query)
            const byId = new Map(rows.map((r) => [r.id, r]))
            return ids.map((id) => byId.get(id) ?? null)
          })
          .load(ref.id)
      : null
}

type Resolver = GraphQLFieldResolver<unknown, RequestContext, { representations: unknown[] }>

function resolvesReferences(type: GraphQLObjectType): boolean {
  const apollo = type.extensions.apollo as { subgraph?: { resolveReference?: unknown } } | undefined
  return typeof apollo?.subgraph?.resolveReference === 'function'
}

/**
 * Guards Query._entities: at most GRAPHQL_MAX_ENTITIES representations per call, and each one must name an
 * entity this subgraph resolves. A bad representation (no or an unknown __typename, a type another subgraph
 * owns such as Venue, not an object) is a BAD_USER_INPUT error at its own index while the others resolve:
 * @apollo/subgraph would fail the whole call as an internal error instead.
 */
export function guardEntities(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities
  const union = schema.getType('_Entity')
  if (!field?.resolve || !isUnionType(union)) throw new Error('the subgraph schema has no _entities field')
  const resolvable = new Set(
    union
      .getTypes()
      .filter(resolvesReferences)
      .map((t) => t.name),
  )
  const resolve = field.resolve as Resolver

  const problemOf = (representation: unknown, index: number): AppError | null => {
    const field = `representations.${index}.__typename`
    if (typeof representation !== 'object' || representation === null || Array.isArray(representation))
      return invalidInput(`representations.${index}`, 'expected an object with __typename')
    const typename = (representation as { __typename?: unknown }).__typename
    if (typeof typename !== 'string') return invalidInput(field, 'required')
    if (!resolvable.has(typename)) return invalidInput(field, `${typename} is not an entity this subgraph resolves`)
    return null
  }

  const guarded: Resolver = async (source, args, ctx, info) => {
    const max = ctx.deps.config.graphql.maxEntities
    if (args.representations.length > max) throw invalidInput('representations', `at most ${max} representations per call`)
    const problems = args.representations.map(problemOf)
    const valid = args.representations.filter((_, i) => !problems[i])
    const results = (await resolve(source, { representations: valid }, ctx, info)) as unknown[]
    let next = 0
    // An Error in a list is that item's field error (graphql-js), so the good representations still resolve.
    return problems.map((problem) => problem ?? results[next++])
  }
  field.resolve = guarded as typeof field.resolve
  return schema
}
