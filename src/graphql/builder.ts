// The one Pothos builder every module adds its types to. Plugin order matters: scope-auth first so that
// no other plugin's wrapper runs before the access check.
import SchemaBuilder from '@pothos/core'
import DirectivesPlugin from '@pothos/plugin-directives'
import FederationPlugin from '@pothos/plugin-federation'
import PrismaPlugin from '@pothos/plugin-prisma'
import RelayPlugin from '@pothos/plugin-relay'
import ScopeAuthPlugin from '@pothos/plugin-scope-auth'
import { GraphQLError, Kind } from 'graphql'
import { policiesOf, type AccessRule } from '../access/catalog.ts'
import type { RequestContext } from '../context.ts'
import type PrismaTypes from '../generated/pothos-types.ts'
import { getDatamodel } from '../generated/pothos-types.ts'

export const builder = new SchemaBuilder<{
  Context: RequestContext
  PrismaTypes: PrismaTypes
  AuthScopes: { access: AccessRule }
  FederationPolicies: string
  DefaultFieldNullability: false
  Scalars: {
    DateTime: { Input: Date; Output: Date }
  }
  Connection: { totalCount: () => Promise<number> }
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // The loader throws the precise error (401/403/503/agency_not_bridged); it never answers false.
    authScopes: (ctx) => ({ access: (rule) => ctx.authorize(rule).then(() => true) }),
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
 * The access declaration of a field or type: enforced by scope-auth and printed as federation @policy,
 * from the one rule name (see src/access/catalog.ts).
 */
export function requires(rule: AccessRule) {
  return { authScopes: { access: rule }, policy: policiesOf(rule) }
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

builder.globalConnectionField('totalCount', (t) =>
  t.int({ description: 'Items matching the filter, across all pages.', resolve: (connection) => connection.totalCount() }),
)
