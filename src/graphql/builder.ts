// The one Pothos builder every module adds its types to. Plugin order matters: scope-auth first so that
// no other plugin's wrapper runs before the access check.
import SchemaBuilder from '@pothos/core'
import DirectivesPlugin from '@pothos/plugin-directives'
import FederationPlugin from '@pothos/plugin-federation'
import PrismaPlugin from '@pothos/plugin-prisma'
import RelayPlugin from '@pothos/plugin-relay'
import ScopeAuthPlugin from '@pothos/plugin-scope-auth'
import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLError,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  GraphQLString,
  Kind,
} from 'graphql'
import { RULES, type AccessRule } from '../access/catalog.ts'
import { nodeEnvAtLoad } from '../config.ts'
import { rulesToRead } from '../access/read-as.ts'
import type { RequestContext } from '../context.ts'
import {
  EARLIEST_DAY,
  formatDay,
  isSupportedDay,
  isSupportedInstant,
  LATEST_DAY,
  NEEDS_ZONE,
  OUT_OF_RANGE,
  parseZonedInstant,
} from '../dates.ts'
import type PrismaTypes from '../generated/pothos-types.ts'
import { COUNT_LIMIT, totalOf } from '../pagination.ts'
import { GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars'
import { getDatamodel } from '../generated/pothos-types.ts'

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/

export const builder = new SchemaBuilder<{
  Context: RequestContext
  PrismaTypes: PrismaTypes
  AuthScopes: { access: AccessRule; accessAny: readonly AccessRule[] }
  Directives: {
    requiresPermission: {
      locations: 'FIELD_DEFINITION' | 'OBJECT'
      args: { rule: string; anyOf: string[]; internal: boolean; agencyGate: boolean }
    }
  }
  DefaultFieldNullability: false
  Scalars: {
    DateTime: { Input: Date; Output: Date }
    Date: { Input: string; Output: Date }
    SafeInt: { Input: number; Output: number | bigint }
    JSONObject: { Input: Record<string, unknown>; Output: unknown }
  }
  Connection: { totalCount: () => Promise<number> }
  DefaultNodeNullability: true
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A type's rule is checked once per record (isTypeOf, before any of its fields resolve) rather than by a
    // wrapper around every field of it: the same decision, a tenth less CPU for 100 entities. A refused record
    // is null with one error at the record, whatever fields were asked (nullable ones included); a field's
    // own rule (`requires`) is still checked on the field.
    runScopesOnType: true,
    // Scope results are cached per request by their parameter; a card's rules (rulesToRead) are a new array
    // per record, so they are keyed by their names: one check per request, not one per entity.
    cacheKey: (param) => (Array.isArray(param) ? param.join(' ') : param),
    // The loader throws the precise error (401/403/503/agency_not_bridged); it never answers false. The caller
    // is resolved first (a failure is left to the loaders to report), so that the checks decide synchronously:
    // a pending check made every guarded field of every record wait for it (about a tenth of _entities' CPU).
    authScopes: async (ctx) => {
      await ctx.caller().catch(() => undefined)
      return {
        access: (rule) => ctx.authorizeNow(rule),
        accessAny: (rules) => ctx.authorizeAnyNow(rules),
      }
    },
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: nodeEnvAtLoad() === 'production' ? null : 'warn',
  },
  relay: {
    cursorType: 'String',
    // One row that cannot be served (a stored value outside what the API can represent) is an edge whose
    // node is null with its error: the rest of the page survives, as GitHub's API and the Relay spec allow.
    nodeFieldOptions: { nullable: true },
    clientMutationId: 'omit',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
})

/**
 * @requiresPermission shows each access declaration in the SDL, and is composed into the supergraph
 * (@composeDirective) so a router or schema check can read it. Federation's own @policy would say the
 * same, but @apollo/gateway refuses supergraphs that use it (a SECURITY feature only Apollo Router
 * implements); a composed custom directive works with both. See docs/architecture.md (Decisions).
 */
export const ACCESS_SPEC_URL = 'https://specs.kisum.dev/access/v1.0'
export const requiresPermissionDirective = new GraphQLDirective({
  name: 'requiresPermission',
  description:
    'The Kisum access rule guarding this field or type: a tenant user needs any one of `anyOf` (with its module); machine callers pass when `internal`; `agencyGate` requires an agency-bridged company for artist-side callers.',
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT],
  args: {
    rule: { type: new GraphQLNonNull(GraphQLString) },
    anyOf: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))) },
    internal: { type: new GraphQLNonNull(GraphQLBoolean) },
    agencyGate: { type: new GraphQLNonNull(GraphQLBoolean) },
  },
})

function accessDirective(rule: AccessRule) {
  const def = RULES[rule]
  return { requiresPermission: { rule, anyOf: [...def.anyOf], internal: def.internal, agencyGate: def.agencyGate } }
}

/**
 * The access declaration of a type: enforced by scope-auth on every record of the type before any of its
 * fields resolve (entities reached through _entities or nested fields included) and shown as
 * @requiresPermission on the type.
 */
export function typeRequires(rule: AccessRule) {
  return { authScopes: { access: rule }, directives: accessDirective(rule) }
}

/**
 * The access declaration of a directory type whose records other reads show as cards (src/access/read-as.ts):
 * a record is readable under `rule`, or under the rule of the read that reached it. The SDL shows `rule`.
 */
export function cardTypeRequires(rule: AccessRule) {
  const authScopes = (record: object) => ({ accessAny: rulesToRead(record, rule) })
  COLUMNLESS_SCOPES.add(authScopes)
  return { authScopes, directives: accessDirective(rule) }
}

/**
 * Type scope functions that read no column of the record (only how it was reached, rulesToRead): a record
 * checked by one may be loaded with only the columns its fields read (src/graphql/entities.ts).
 */
export const COLUMNLESS_SCOPES = new WeakSet<object>()

/** A list field whose items are the `through` record of each row of the relation `relation` (a join table). */
export interface ListThrough {
  relation: string
  through: string
}

/**
 * Declares that a field's value is the `through` record of each row of `relation` and that it reads nothing
 * else of its parent, so a batch may load only the columns the fields asked of those records read
 * (src/graphql/entities.ts). Without it such a field keeps its parent's every column.
 */
export const listThrough = (relation: string, through: string) => ({
  extensions: { listThrough: { relation, through } satisfies ListThrough },
})

/**
 * The access declaration of a field, from the one rule name (see src/access/catalog.ts): enforced by
 * scope-auth, shown as @requiresPermission. The field is nullable so that a denied field comes back null
 * with its error while the rest of the response stays intact.
 */
export function requires(rule: AccessRule) {
  return { ...typeRequires(rule), nullable: true as const }
}

builder.queryType({})
builder.mutationType({})

function parseDateTime(value: unknown): Date {
  const d = typeof value === 'string' ? parseZonedInstant(value) : null
  if (!d) throw new GraphQLError(`DateTime ${NEEDS_ZONE}`)
  if (!isSupportedInstant(d)) throw new GraphQLError(`DateTime ${OUT_OF_RANGE}`)
  return d
}

function parseDay(value: unknown): string {
  if (typeof value !== 'string' || !ISO_DAY.test(value) || Number.isNaN(Date.parse(value)))
    throw new GraphQLError('Date must be YYYY-MM-DD')
  if (!isSupportedDay(value)) throw new GraphQLError(`Date ${OUT_OF_RANGE}`)
  return value
}

// The same range as the zod schemas (src/dates.ts), so a GraphQL argument outside it is refused as the
// variable or literal it is, before any resolver runs.
builder.scalarType('DateTime', {
  description: `An instant, as an ISO 8601 string with a time zone (e.g. 2026-11-22T18:30:00.000Z), between ${EARLIEST_DAY} and ${LATEST_DAY}.`,
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value as string).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
})

builder.scalarType('Date', {
  description: `A calendar date, as YYYY-MM-DD (the UTC day), between ${EARLIEST_DAY} and ${LATEST_DAY}.`,
  serialize: (value) => formatDay(value instanceof Date ? value : new Date(value as string)),
  parseValue: parseDay,
  parseLiteral: (ast) => parseDay(ast.kind === Kind.STRING ? ast.value : undefined),
})

// Amounts in minor units (src/money.ts): graphql-scalars' SafeInt, reading the bigint columns they are
// stored in. A stored value past 2^53 − 1 (which validation never lets in) is refused, never rounded.
builder.addScalarType(
  'SafeInt',
  new GraphQLScalarType({
    ...GraphQLSafeInt.toConfig(),
    serialize: (value) => GraphQLSafeInt.serialize(typeof value === 'bigint' && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value),
  }),
)

// Free-form documents whose shape another schema owns (a logistics payload, validated per category by zod).
builder.addScalarType('JSONObject', GraphQLJSONObject)

/** A connection's count, once per connection object however many of its count fields a query asks for. */
const counts = new WeakMap<object, Promise<number>>()
function countOf(connection: { totalCount: () => Promise<number> }) {
  let counted = counts.get(connection)
  if (!counted) counts.set(connection, (counted = connection.totalCount()))
  return counted
}

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: `Items matching the filter across all pages, counted up to ${COUNT_LIMIT}: with more, ${COUNT_LIMIT} and \`totalCapped\` true.`,
    resolve: async (connection) => totalOf(await countOf(connection)).total,
  }),
)

builder.globalConnectionField('totalCapped', (t) =>
  t.boolean({
    description: `True when more than ${COUNT_LIMIT} items match (\`totalCount\` then says ${COUNT_LIMIT}).`,
    resolve: async (connection) => totalOf(await countOf(connection)).totalCapped,
  }),
)
