// Apollo Server for the subgraph: depth/cost/alias limits (graphql-armor), masked internal errors, and
// every error logged once with who called.
import { SpanStatusCode, type Tracer } from '@opentelemetry/api'
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server'
import { unwrapResolverError } from '@apollo/server/errors'
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled'
import { ApolloArmor } from '@escape.tech/graphql-armor'
import type { FastifyInstance } from 'fastify'
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, type ValidationContext } from 'graphql'
import type { Config } from '../config.ts'
import type { RequestContext } from '../context.ts'
import type { Metrics } from '../metrics.ts'
import { AppError, causeOf, graphqlExtensions, RETRY_AFTER_SECONDS, toAppError, type FieldIssue } from '../errors.ts'
import { costLimit } from './cost.ts'
import { idempotentMutations } from './idempotency.ts'

/**
 * Armor calls every limit it enforces a "Syntax Error"; the query is well-formed, only too big. The limit's
 * own message is reported instead (a validation error: 400 GRAPHQL_VALIDATION_FAILED).
 */
const reportPlainly = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes })),
  ],
}

/**
 * The AppError behind an execution error (anything unknown becomes a masked internal error), or null for
 * request errors (parse, validation, limits, variables): those carry no path and are the client's to read.
 */
function appErrorOf(error: unknown): AppError | null {
  if (error instanceof GraphQLError && !error.path) return null
  return toAppError(unwrapResolverError(error))
}

// A variable our Date or DateTime scalar refused, as graphql-js words it: `Variable "$f" got invalid value
// "0000-01-01" at "f.from"; Date must be between …`.
const SCALAR_REFUSAL = /^Variable "\$(\w+)" got invalid value .*?(?: at "([^"]+)")?; (?:Date|DateTime) (.+)$/s

/** The refused field of a day or instant variable in the `fields` shape validation answers with (`depositTerms.0.dueOn`). */
function variableFields(formatted: GraphQLFormattedError): FieldIssue[] | null {
  const m = formatted.extensions?.code === 'BAD_USER_INPUT' ? SCALAR_REFUSAL.exec(formatted.message) : null
  if (!m) return null
  const [, variable, at, message] = m
  const field = at ? at.slice(variable!.length + 1).replace(/\[(\d+)\]/g, '.$1') : variable!
  return [{ field: field || variable!, message: message! }]
}

function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const app = appErrorOf(error)
  if (!app) {
    const fields = variableFields(formatted)
    return fields ? { ...formatted, extensions: { ...formatted.extensions, fields } } : formatted
  }
  return { message: app.message, locations: formatted.locations, path: formatted.path, extensions: graphqlExtensions(app) }
}

const observe = (metrics: Metrics, tracer?: Tracer): ApolloServerPlugin<RequestContext> => ({
  async requestDidStart({ request }) {
    const started = performance.now()
    // A child of the HTTP request's span (active while Apollo handles the request), named once parsed.
    const span = tracer?.startSpan('graphql', { attributes: { 'graphql.operation.name': request.operationName ?? '' } })
    return {
      async didResolveOperation({ operation, operationName }) {
        const type = operation?.operation ?? 'unknown'
        span?.updateName(`graphql ${type} ${operationName ?? '(anonymous)'}`)
        span?.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': operationName ?? '' })
      },
      async didEncounterErrors({ errors, contextValue, operationName }) {
        for (const error of errors) {
          const app = appErrorOf(error)
          const fields = {
            ...contextValue.logFields(),
            operation: operationName ?? undefined,
            path: error.path?.join('.'),
            code: app?.code ?? String(error.extensions?.code ?? 'graphql_error'),
          }
          if (app?.dependency) metrics.dependencyFault(app.dependency.name, app.dependency.reason)
          if (app?.kind === 'internal') contextValue.log.error({ ...fields, err: app.cause ?? app }, 'graphql error')
          else if (app?.dependency)
            contextValue.log.warn({ ...fields, dependency: app.dependency, cause: causeOf(app) }, 'dependency fault')
          else contextValue.log.warn(fields, app?.message ?? error.message)
        }
      },
      // As on REST: a dependency that could not answer tells the client (and the gateway) when to retry.
      async willSendResponse({ response, operationName, operation }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined
        if (errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) {
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS))
        }
        const type = operation?.operation ?? 'invalid'
        metrics.graphqlOperation(operationName, type, !errors?.length, (performance.now() - started) / 1000)
        if (errors?.length) {
          span?.setStatus({ code: SpanStatusCode.ERROR, message: errors.map((e) => e.extensions?.code ?? 'error').join(', ') })
        }
        span?.end()
      },
    }
  },
})

export async function createApollo(
  app: FastifyInstance,
  schema: GraphQLSchema,
  config: Config,
  observers: { metrics: Metrics; tracer?: Tracer },
) {
  const armor = new ApolloArmor({
    maxDepth: { n: config.graphql.maxDepth, ...reportPlainly },
    // The cost limit is ./cost.ts: armor's is a validation rule, which cannot see variables.
    costLimit: { enabled: false },
    // Aliases of __typename count too (armor exempts them by default): they cost nothing to write and
    // still multiply the work and the answer.
    maxAliases: { n: config.graphql.maxAliases, allowList: [], ...reportPlainly },
    maxDirectives: { n: config.graphql.maxDirectives, ...reportPlainly },
    // Armor's token limit throws from an Apollo plugin hook, which Apollo answers as a 500; graphql-js
    // enforces the same limit in its parser (parseOptions below), which Apollo answers as the 400
    // GRAPHQL_PARSE_FAILED every other syntax error gets. Every token counts, __typename included.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !config.graphql.suggestions },
  }).protect()
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.graphql.introspection,
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<RequestContext>[]),
      // This platform does not report traces to Apollo GraphOS.
      ApolloServerPluginInlineTraceDisabled(),
      // No type or field declares a cache hint; Apollo's cache-control plugin would still wrap every field's
      // resolver (willResolveField) to compute a policy nobody reads.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing page loads its IDE from a CDN; a browser gets our self-hosted GraphiQL instead (ide.ts).
      ApolloServerPluginLandingPageDisabled(),
      costLimit(config.graphql.maxCost),
      idempotentMutations,
      observe(observers.metrics, observers.tracer),
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
