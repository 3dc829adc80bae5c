// One HTTP server for both faces: GraphQL at /graphql and the /api/v1 REST shim, plus health, readiness,
// the OpenAPI document and (in dev identity mode) the JWKS. Cross-cutting concerns live here once:
// request ids, the request context, CORS, logging, the error envelope.
import './v8-heap.ts'
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import cors from '@fastify/cors'
import swagger from '@fastify/swagger'
import { fastifyApolloHandler } from '@as-integrations/fastify'
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import type { CorsPolicy } from './config.ts'
import { RequestContext, type AppDeps } from './context.ts'
import { AppError, causeOf, RETRY_AFTER_SECONDS, toAppError, unavailable } from './errors.ts'
import { idePage, registerIdeAssets, wantsIde } from './graphql/ide.ts'
import { createApollo } from './graphql/server.ts'
import { REPLAYED_HEADER } from './idempotency.ts'
import { Metrics } from './metrics.ts'
import { registerRateLimit } from './rate-limit.ts'
import { API_TAGS, registerApiDocs } from './rest/docs.ts'
import { startTracing } from './tracing.ts'
import { createRedis } from './redis.ts'
import { GetCache, tagsOfEvents } from './cache/get-cache.ts'
import { CacheInvalidator } from './cache/invalidator.ts'
import { boundJsonBodies } from './json-body.ts'
import { openApiComponents, registerRoutes } from './rest/route.ts'
import { toJson } from './rest/json.ts'
import { modelComponents } from './rest/schemas.ts'
import { routes } from './routes.ts'
import { schema } from './schema.ts'

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

const CALLER_HEADERS = ['authorization', 'x-org', 'x-internal-api-key']

/**
 * Which of `names` the request carries more than once. Node keeps only the first Authorization and joins
 * repeated custom headers, so a request naming two callers or two companies is only visible in the raw list.
 */
function repeatedHeaders(raw: string[], names: string[]): string[] {
  const seen = new Map<string, number>()
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]?.toLowerCase() ?? ''
    if (names.includes(name)) seen.set(name, (seen.get(name) ?? 0) + 1)
  }
  return names.filter((n) => (seen.get(n) ?? 0) > 1)
}

function corsOptions(policy: CorsPolicy) {
  const common = {
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-org', 'x-request-id', 'idempotency-key', 'apollo-require-preflight'],
    exposedHeaders: ['x-request-id', REPLAYED_HEADER, 'server-timing'],
    maxAge: 600,
  }
  if (policy.kind === 'any') return { ...common, origin: '*', credentials: false }
  if (policy.kind === 'allowlist') {
    const allowed = new Set(policy.origins)
    // Per request, so that a foreign origin gets no CORS header at all (not even Allow-Credentials).
    return {
      delegator: (req: { headers: { origin?: string } }, done: (e: Error | null, o: object) => void) =>
        done(null, allowed.has(req.headers.origin ?? '') ? { ...common, origin: true, credentials: true } : { origin: false }),
    }
  }
  return null
}

const envelopeOf = (e: AppError) => ({
  success: false,
  error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) },
})

/** Fastify's own errors (bad JSON, wrong content type, body too large...) in the envelope's terms. */
function fromFastifyError(error: FastifyError): AppError {
  const status = error.statusCode ?? 500
  if (status >= 500) return toAppError(error)
  if (status === 404) return new AppError('not_found', error.message)
  if (status === 413) return new AppError('too_large', error.message)
  if (status === 415) return new AppError('unsupported_media_type', error.message)
  if (status === 429) return new AppError('too_many_requests', error.message)
  return new AppError('validation', error.message)
}

/**
 * What Node's HTTP parser refuses before a request exists (oversized headers, malformed request lines),
 * answered on the socket in the envelope: there is no request to hang a reply on.
 */
function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return
  const [status, reason, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'the request took too long to arrive']
        : [400, 'Bad Request', 'bad_request', 'malformed HTTP request']
  const body = JSON.stringify({ success: false, error: { code, message } })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Which face a request was for, as the request metrics label it. */
function faceOf(url: string): string {
  if (url.startsWith('/graphql')) return 'graphql'
  if (url.startsWith('/api/') || url.startsWith('/internal/')) return 'rest'
  return 'operations'
}

export async function buildServer(deps: AppDeps) {
  const { config, log } = deps
  const metrics = deps.metrics ?? new Metrics()
  metrics.observeDb(deps.db)
  const redis = config.redis ? createRedis(config.redis, log) : undefined
  const app = Fastify({
    loggerInstance: log,
    trustProxy: config.trustProxy,
    // One line per request (onResponse below, with who called) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    // The subgraph and the shim answer JSON; schemas are documentation, validation is zod's (in services).
    ajv: { customOptions: { strict: false } },
    bodyLimit: config.body.limitBytes,
    clientErrorHandler,
    // A URL Fastify cannot decode (e.g. /api/v1/artists/%E0%A4%A) never reaches a route or the error handler.
    frameworkErrors: (error, _req, reply) => {
      const e = new AppError('validation', error.message, { code: 'bad_request' })
      void (reply as FastifyReply).code(e.status).send(envelopeOf(e))
    },
  })
  // First, so that every route and hook after it runs inside the request's span.
  const tracing = config.tracing ? startTracing(config.tracing) : undefined
  if (tracing) {
    await app.register(tracing.fastify.plugin())
    app.addHook('onClose', () => tracing.shutdown())
  }
  boundJsonBodies(app, config.body.maxDepth)
  app.setValidatorCompiler(() => () => true)
  app.setSerializerCompiler(() => toJson)

  app.decorateRequest('ctx', null as unknown as RequestContext)
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id)
    const h = req.headers
    const header = (name: string) => (typeof h[name] === 'string' ? (h[name] as string) : undefined)
    req.ctx = new RequestContext(
      deps,
      req.id,
      {
        authorization: header('authorization'),
        'x-org': header('x-org'),
        'x-internal-api-key': header('x-internal-api-key'),
        duplicated: repeatedHeaders(req.raw.rawHeaders, CALLER_HEADERS),
      },
      req.log,
      { ip: req.ip, userAgent: header('user-agent') },
    )
  })
  // While shutting down, answers in flight close their connection so the server can finish promptly.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close')
  })
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequest(faceOf(req.url), req.method, req.routeOptions.url ?? '(unmatched)', reply.statusCode, reply.elapsedTime / 1000)
    req.log.info(
      {
        method: req.method,
        url: req.url,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
        ...req.ctx?.logFields(),
      },
      'request completed',
    )
  })

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const e = error instanceof AppError ? error : error.statusCode ? fromFastifyError(error) : toAppError(error)
    const fields = { ...req.ctx?.logFields(), code: e.code, status: e.status }
    if (e.kind === 'internal') req.log.error({ ...fields, err: e.cause ?? error }, 'request failed')
    else if (e.dependency) {
      metrics.dependencyFault(e.dependency.name, e.dependency.reason)
      req.log.warn({ ...fields, dependency: e.dependency, cause: causeOf(e) }, 'dependency fault')
    } else req.log.warn(fields, e.message)
    if (e.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS))
    // A refusal before GraphQL ran (the rate limit) still answers in GraphQL's shape on /graphql.
    if (e.kind === 'too_many_requests' && req.url.startsWith('/graphql')) {
      return reply.code(e.status).send({ errors: [{ message: e.message, extensions: { code: e.graphqlCode, reason: e.code } }] })
    }
    return reply.code(e.status).send(envelopeOf(e))
  })
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ success: false, error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  )

  const corsConfig = corsOptions(config.cors)
  if (corsConfig) await app.register(cors, corsConfig)
  if (config.rateLimit.enabled) await registerRateLimit(app, { config, identity: deps.identity, metrics, redis })
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())))
  const getCache = redis && config.getCache ? new GetCache(redis, log, metrics) : undefined
  // A write makes what it changed stale before its answer leaves, so the writer's next read is fresh.
  if (getCache) app.addHook('onSend', async (req) => void (await getCache.invalidate(tagsOfEvents(req.ctx?.scope.eventTypes ?? []))))
  if (getCache && config.outbox) {
    const { natsUrl, stream, subjectPrefix } = config.outbox
    const invalidator = new CacheInvalidator(getCache, { natsUrl, stream, subjectPrefix, log }).start()
    app.addHook('onClose', () => invalidator.stop())
  }
  // The service's own time for the request (Fastify's clock, from its arrival to its answer's serialization), registered
  // last so that it counts every other hook: what a gateway or a browser's devtools show beside the network's time, and
  // what the GET cache's bench reads a HIT's and a MISS's cost from.
  app.addHook('onSend', async (_req, reply) => void reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(2)}`))

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Kisum Artists — /api/v1 REST shim',
        version: '1.0.0',
        description:
          'The REST face of the Artists subgraph. Tenant calls: `Authorization: Bearer <JWT>` and `x-org: <company uuid>`; ' +
          'machine calls: `X-Internal-API-Key`. Every answer is `{ success: true, data }` or `{ success: false, error: { code, message } }`.',
      },
      tags: API_TAGS,
      components: {
        schemas: { ...modelComponents(), ...openApiComponents },
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          orgHeader: { type: 'apiKey', in: 'header', name: 'x-org', description: 'The active tenant company (UUID)' },
          internalApiKey: { type: 'apiKey', in: 'header', name: 'X-Internal-API-Key' },
        },
      },
    },
  })

  app.get('/health', { schema: { tags: ['Operations'], summary: 'Liveness: the process is up' } }, async () => ({
    success: true,
    data: { status: 'ok' },
  }))
  app.get(
    '/ready',
    { schema: { tags: ['Operations'], summary: 'Readiness: the database and the signing keys are reachable' } },
    async (req, reply) => {
      const checks = await Promise.allSettled([
        withTimeout(deps.db.$queryRaw`SELECT 1`, 2000, 'database'),
        withTimeout(deps.identity.checkKeys(), 3000, 'JWKS'),
      ])
      const [database, jwks] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unavailable'))
      if (database === 'ok' && jwks === 'ok') return { success: true, data: { status: 'ready', checks: { database, jwks } } }
      const failed = [database !== 'ok' && 'database', jwks !== 'ok' && 'jwks'].filter(Boolean).join(', ')
      req.log.warn({ checks: { database, jwks } }, 'not ready')
      const e = unavailable(`not ready: ${failed} unreachable`)
      return reply.code(503).send({ success: false, error: { code: e.code, message: e.message } })
    },
  )

  if (config.metrics.enabled) {
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    )
  }

  if (deps.identity.devKeySet) {
    const keySet = deps.identity.devKeySet
    app.get('/.well-known/jwks.json', { schema: { hide: true } }, async () => keySet)
  }

  registerRoutes(app, routes, getCache)
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await registerApiDocs(app)

  const apollo = await createApollo(app, schema, config, { metrics, tracer: tracing?.tracer })
  app.route({
    url: '/graphql',
    method: ['GET', 'POST'],
    schema: { hide: true },
    // A browser navigating here gets the IDE page; everything else is a GraphQL request for Apollo.
    preHandler: async (req: FastifyRequest, reply: FastifyReply) => {
      if (config.graphql.ide && wantsIde(req)) return reply.type('text/html; charset=utf-8').send(await idePage(config))
    },
    handler: fastifyApolloHandler(apollo, { context: async (req) => req.ctx }),
  })
  if (config.graphql.ide) registerIdeAssets(app)
  return app
}
