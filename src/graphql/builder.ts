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
  GraphQLString,
  Kind,
} from 'graphql'
import { RULES, type AccessRule } from '../access/catalog.ts'
import { rulesToRead } from '../access/read-as.ts'
import type { RequestContext } from '../context.ts'
import { formatDay } from '../dates.ts'
import type PrismaTypes from '../generated/pothos-types.ts'
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
  }
  Connection: { totalCount: () => Promise<number> }
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // The loader throws the precise error (401/403/503/agency_not_bridged); it never answers false.
    authScopes: (ctx) => ({
      access: (rule) => ctx.authorize(rule).then(() => true),
      accessAny: (rules) => ctx.authorizeAny(rules).then(() => true),
    }),
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
  relay: {
    cursorType: 'String',
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
 * The access declaration of a type: enforced by scope-auth on every field of the type (entities reached
 * through _entities or nested fields included) and shown as @requiresPermission on the type.
 */
export function typeRequires(rule: AccessRule) {
  return { authScopes: { access: rule }, directives: accessDirective(rule) }
}

/**
 * The access declaration of a directory type whose records other reads show as cards (src/access/read-as.ts):
 * a record is readable under `rule`, or under the rule of the read that reached it. The SDL shows `rule`.
 */
export function cardTypeRequires(rule: AccessRule) {
  return {
    authScopes: (record: object) => ({ accessAny: rulesToRead(record, rule) }),
    directives: accessDirective(rule),
  }
}

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

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string with a time zone (e.g. 2026-11-22T18:30:00.000Z).',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value as string).toISOString()),
  parseValue: (value) => {
    const d = typeof value === 'string' ? new Date(value) : undefined
    if (!d || Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string')
    return d
  },
  parseLiteral: (ast) => {
    const d = ast.kind === Kind.STRING ? new Date(ast.value) : undefined
    if (!d || Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string')
    return d
  },
})

builder.scalarType('Date', {
  description: 'A calendar date, as YYYY-MM-DD (the UTC day).',
  serialize: (value) => formatDay(value instanceof Date ? value : new Date(value as string)),
  parseValue: (value) => {
    if (typeof value !== 'string' || !ISO_DAY.test(value)) throw new GraphQLError('Date must be YYYY-MM-DD')
    return value
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !ISO_DAY.test(ast.value)) throw new GraphQLError('Date must be YYYY-MM-DD')
    return ast.value
  },
})

builder.globalConnectionField('totalCount', (t) =>
  t.int({ description: 'Items matching the filter, across all pages.', resolve: (connection) => connection.totalCount() }),
)
