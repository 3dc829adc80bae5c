// Federation references: a gateway sends N representations of one type in one _entities call. They are
// loaded with one query whose selection plugin-prisma plans from the fields asked of that type, so that
// nested relations come preloaded instead of through one fallback lookup per entity and relation; the
// relations are joined in that same statement (a batch of ids is small and known: one round trip instead
// of one per relation).
import { queryFromInfo } from '@pothos/plugin-prisma'
import {
  getNamedType,
  isObjectType,
  isUnionType,
  Kind,
  type FieldNode,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql'
import type { RequestContext } from '../context.ts'
import type { Selection } from '../db/listing.ts'
import { invalidInput, type AppError } from '../errors.ts'
import { getDatamodel } from '../generated/pothos-types.ts'
import { isUuid } from '../validation.ts'
import { COLUMNLESS_SCOPES, type ListThrough } from './builder.ts'

/**
 * `narrow`: load only the columns the batch's selection reads (see narrowedQuery), for a type whose `load`
 * hands the query to a view or to Prisma as it is and reads nothing of the rows itself.
 */
export function resolveReferences<T extends { id: string }>(
  typeName: string,
  load: (ctx: RequestContext, ids: string[], query: Selection) => Promise<T[]>,
  { narrow = false } = {},
) {
  return (ref: { id: string }, ctx: RequestContext, info: GraphQLResolveInfo) =>
    isUuid(ref.id)
      ? ctx
          // Per _entities field (an alias may ask other fields of the same type).
          .loader<string, T | null>(`entities:${typeName}:${String(info.path.key)}`, async (ids) => {
            const planned = queryFromInfo({ context: ctx, info, typeName }) as Selection
            const query = { ...(narrow ? narrowedQuery(planned, typeName, info) : planned), relationLoadStrategy: 'join' as const }
            const rows = await load(ctx, [...ids], query)
            const byId = new Map(rows.map((r) => [r.id, r]))
            return ids.map((id) => byId.get(id) ?? null)
          })
          .load(ref.id)
      : null
}

type Args = Record<string, unknown>
const argsIn = (arg: unknown): Args => (typeof arg === 'object' && arg !== null ? (arg as Args) : {})

interface FieldExtensions {
  pothosExposedField?: string
  pothosPrismaRelationField?: { name: string }
  listThrough?: ListThrough
}

/**
 * The entity batch's query with a `select` of the columns its selection reads, in place of plugin-prisma's
 * include (every column of every record): 100 artists with their profile and genres are ~185 kB of JSON
 * to build, parse and revive, where the fields asked are a tenth of it. Prisma and the views (JsonShape.narrow)
 * read a select as they read an include, so the records differ only by the columns nobody reads.
 *
 * A column is known to be read only by a field exposing it (`t.expose…`); a relation's records by the fields
 * asked of its type (`t.relation`, or a list through a join table, `listThrough`), and its rows keep their
 * keys. The record's own keys are always read. Anything else (a field with a resolver of its own, a relation
 * with arguments, a type whose scope function may read a column) keeps that level as planned, so a record
 * always has every column some resolver or check could read. A `t.relation` resolves from the relation it
 * loaded; one given an `onNull` that reads its parent's columns would need them too (there is none: the
 * option leaves no trace on the field to check).
 */
export function narrowedQuery(planned: Selection, typeName: string, info: GraphQLResolveInfo): Selection {
  const type = info.schema.getType(typeName)
  const sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []))
  return (type && narrowed(planned, type, sets, info)) ?? planned
}

function narrowed(arg: unknown, type: GraphQLNamedType, sets: readonly SelectionSetNode[], info: GraphQLResolveInfo): Args | null {
  if (!isObjectType(type) || !columnlessScopes(type)) return null
  const model = (type.extensions as { pothosPrismaModel?: string }).pothosPrismaModel
  const { include, select, ...args } = argsIn(arg)
  if (!model || select) return null
  const included = argsIn(include)
  const selected: Args = Object.fromEntries(keysOf(model).map((key) => [key, true]))
  for (const [name, nodes] of selectedFields(type, sets, info)) {
    if (name === '__typename') continue
    const ext = type.getFields()[name]?.extensions as FieldExtensions | undefined
    if (!ext) return null
    if (ext.pothosExposedField) {
      selected[ext.pothosExposedField] = true
      continue
    }
    const relation = ext.pothosPrismaRelationField?.name ?? ext.listThrough?.relation
    if (!relation || selected[relation] || !(relation in included) || nodes.some((node) => node.arguments?.length)) return null
    const nested = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []))
    const target = getNamedType(type.getFields()[name]!.type)
    const planned = included[relation]
    if (!ext.listThrough) {
      // As planned when it cannot narrow: `true` or an include reads in a select as it reads in an include.
      selected[relation] = narrowed(planned, target, nested, info) ?? planned
      continue
    }
    const { through } = ext.listThrough
    const { include: rowIncludes, select: rowSelect, ...rowArgs } = argsIn(planned)
    const rows = argsIn(rowIncludes)
    if (rowSelect || !(through in rows) || Object.keys(rows).length !== 1) return null
    selected[relation] = {
      ...rowArgs,
      select: {
        ...Object.fromEntries(keysOf(relationModel(model, relation)).map((k) => [k, true])),
        [through]: narrowed(rows[through], target, nested, info) ?? rows[through],
      },
    }
  }
  return { ...args, select: selected }
}

/** A type's scopes read no column when they are static or marked so (cardTypeRequires: how the record was reached). */
function columnlessScopes(type: GraphQLObjectType): boolean {
  const scopes = (type.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes
  return typeof scopes !== 'function' || COLUMNLESS_SCOPES.has(scopes)
}

type Models = ReturnType<typeof getDatamodel>['datamodel']['models']
// getDatamodel() parses the whole datamodel on each call: read once.
let models: Models | undefined
const modelOf = (model: string): Models[string] | undefined => (models ??= getDatamodel().datamodel.models)[model]

/** The fields that identify a record of `model`. */
const keysOf = (model: string): readonly string[] => {
  const m = modelOf(model)
  return m?.primaryKey?.fields ?? m?.fields.filter((f) => f.isId).map((f) => f.name) ?? []
}

const relationModel = (model: string, relation: string) => modelOf(model)?.fields.find((f) => f.name === relation)?.type ?? ''

/** The fields asked of `type` by name (an alias is its field), with their nodes; fragments on other object types left out. */
function selectedFields(type: GraphQLObjectType, sets: readonly SelectionSetNode[], info: GraphQLResolveInfo): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>()
  // A fragment on an interface or union may apply: its fields count (reading more is always safe).
  const applies = (name: string) => name === type.name || !isObjectType(info.schema.getType(name))
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.set(selection.name.value, [...(fields.get(selection.name.value) ?? []), selection])
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || applies(selection.typeCondition.name.value)) visit(selection.selectionSet)
      } else {
        const fragment = info.fragments[selection.name.value]
        if (fragment && applies(fragment.typeCondition.name.value)) visit(fragment.selectionSet)
      }
    }
  }
  sets.forEach(visit)
  return fields
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
