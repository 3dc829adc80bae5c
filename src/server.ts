// One HTTP server for both faces: GraphQL at /graphql and the /api/v1 REST shim, plus health, readiness,
// the OpenAPI document and (in dev identity mode) the JWKS. Cross-cutting concerns live here once:
// request ids, the request context, CORS, logging, the error envelope.
import { randomUUID } from 'node:crypto'
import cors from '@fastify/cors'
import swagger from '@fastify/swagger'
import { fastifyApolloHandler } from '@as-integrations/fastify'
import Fastify, { LogController, type FastifyError } from 'fastify'
import type { CorsPolicy } from './config.ts'
import { RequestContext, type AppDeps } from './context.ts'
import { AppError, toAppError, unavailable } from './errors.ts'
import { createApollo } from './graphql/server.ts'
import { openApiComponents, registerRoutes } from './rest/route.ts'
import { modelComponents } from './rest/schemas.ts'
import { runInRequest } from './request-scope.ts'
import { routes } from './routes.ts'
import { schema } from './schema.ts'

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Calendar-date fields (named *On: startsOn, endsOn...) leave as YYYY-MM-DD, not as midnight instants. */
function dayReplacer(key: string, value: unknown) {
  return typeof value === 'string' && key.endsWith('On') && value.endsWith('T00:00:00.000Z') ? value.slice(0, 10) : value
}

function corsOptions(policy: CorsPolicy) {
  const common = {
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-org', 'x-request-id', 'idempotency-key', 'apollo-require-preflight'],
    exposedHeaders: ['x-request-id'],
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

/** Fastify's own errors (bad JSON, wrong content type, body too large...) in the envelope's terms. */
function fromFastifyError(error: FastifyError): AppError {
  const status = error.statusCode ?? 500
  if (status >= 500) return toAppError(error)
  if (status === 404) return new AppError('not_found', error.message)
  if (status === 429) return new AppError('too_many_requests', error.message)
  const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'validation_error'
  return new AppError('validation', error.message, { code })
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

export async function buildServer(deps: AppDeps) {
  const { config, log } = deps
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
  })
  app.setValidatorCompiler(() => () => true)
  app.setSerializerCompiler(() => (data) => JSON.stringify(data, dayReplacer))

  app.decorateRequest('ctx', null as unknown as RequestContext)
  // Everything a request runs (both faces, the services below them) sees its request id.
  app.addHook('onRequest', (req, _reply, done) => runInRequest(req.id, done))
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id)
    const h = req.headers
    const header = (name: string) => (typeof h[name] === 'string' ? (h[name] as string) : undefined)
    req.ctx = new RequestContext(
      deps,
      req.id,
      { authorization: header('authorization'), 'x-org': header('x-org'), 'x-internal-api-key': header('x-internal-api-key') },
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
    else req.log.warn(fields, e.message)
    return reply
      .code(e.status)
      .send({ success: false, error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } })
  })
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ success: false, error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  )

  const corsConfig = corsOptions(config.cors)
  if (corsConfig) await app.register(cors, corsConfig)

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

  if (deps.identity.devKeySet) {
    const keySet = deps.identity.devKeySet
    app.get('/.well-known/jwks.json', { schema: { hide: true } }, async () => keySet)
  }

  registerRoutes(app, routes)
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  const apollo = await createApollo(app, schema, config)
  app.route({
    url: '/graphql',
    method: ['GET', 'POST'],
    schema: { hide: true },
    handler: fastifyApolloHandler(apollo, { context: async (req) => req.ctx }),
  })
  return app
}
