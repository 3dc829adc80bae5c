// Apollo Server for the subgraph: depth/cost/alias limits (graphql-armor), masked internal errors, and
// every error logged once with who called.
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server'
import { unwrapResolverError } from '@apollo/server/errors'
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled'
import { ApolloArmor } from '@escape.tech/graphql-armor'
import type { FastifyInstance } from 'fastify'
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify'
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql'
import type { Config } from '../config.ts'
import type { RequestContext } from '../context.ts'
import { AppError, toAppError } from '../errors.ts'

/** The AppError behind a resolver error, or null for errors GraphQL itself raised (parse, validation). */
function appErrorOf(error: unknown): AppError | null {
  const original = unwrapResolverError(error)
  if (original instanceof GraphQLError && !original.originalError) return null
  return toAppError(original)
}

function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const app = appErrorOf(error)
  if (!app) return formatted
  return {
    message: app.message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: app.graphqlCode, reason: app.code, ...(app.fields ? { fields: app.fields } : {}) },
  }
}

const logErrors: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue, operationName }) {
        for (const error of errors) {
          const app = appErrorOf(error)
          const fields = {
            ...contextValue.logFields(),
            operation: operationName ?? undefined,
            path: error.path?.join('.'),
            code: app?.code ?? String(error.extensions?.code ?? 'graphql_error'),
          }
          if (app?.kind === 'internal') contextValue.log.error({ ...fields, err: app.cause ?? app }, 'graphql error')
          else contextValue.log.warn(fields, app?.message ?? error.message)
        }
      },
    }
  },
}

export async function createApollo(app: FastifyInstance, schema: GraphQLSchema, config: Config) {
  const armor = new ApolloArmor({
    maxDepth: { n: config.graphql.maxDepth },
    costLimit: { maxCost: config.graphql.maxCost },
    maxAliases: { n: config.graphql.maxAliases },
    blockFieldSuggestion: { enabled: config.nodeEnv === 'production' },
  }).protect()
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.graphql.introspection,
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<RequestContext>[]),
      fastifyApolloDrainPlugin(app),
      // This platform does not report traces to Apollo GraphOS.
      ApolloServerPluginInlineTraceDisabled(),
      logErrors,
    ],
    validationRules: armor.validationRules,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError,
  })
  await apollo.start()
  return apollo
}
