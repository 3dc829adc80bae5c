// Apollo Server for the subgraph: depth/cost/alias limits (graphql-armor), masked internal errors, and
// every error logged once with who called.
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server'
import { unwrapResolverError } from '@apollo/server/errors'
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled'
import { ApolloArmor } from '@escape.tech/graphql-armor'
import type { FastifyInstance } from 'fastify'
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql'
import type { Config } from '../config.ts'
import type { RequestContext } from '../context.ts'
import { AppError, toAppError } from '../errors.ts'

/**
 * The AppError behind an execution error (anything unknown becomes a masked internal error), or null for
 * request errors (parse, validation, limits, variables): those carry no path and are the client's to read.
 */
function appErrorOf(error: unknown): AppError | null {
  if (error instanceof GraphQLError && !error.path) return null
  return toAppError(unwrapResolverError(error))
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
    // Aliases of __typename count too (armor exempts them by default): they cost nothing to write and
    // still multiply the work and the answer.
    maxAliases: { n: config.graphql.maxAliases, allowList: [] },
    maxDirectives: { n: config.graphql.maxDirectives },
    // Armor's token limit throws from an Apollo plugin hook, which Apollo answers as a 500; graphql-js
    // enforces the same limit in its parser (parseOptions below), which Apollo answers as the 400
    // GRAPHQL_PARSE_FAILED every other syntax error gets. Every token counts, __typename included.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: config.nodeEnv === 'production' },
  }).protect()
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.graphql.introspection,
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<RequestContext>[]),
      // This platform does not report traces to Apollo GraphOS.
      ApolloServerPluginInlineTraceDisabled(),
      logErrors,
    ],
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: config.graphql.maxTokens },
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError,
    // Shutdown is Fastify's: it stops accepting and lets in-flight requests finish, then stops Apollo.
    stopOnTerminationSignals: false,
  })
  await apollo.start()
  app.addHook('onClose', () => apollo.stop())
  return apollo
}
