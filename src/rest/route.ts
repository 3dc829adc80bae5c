// The REST face's toolkit: a route is declared once (method, path, access rule, request schemas, response
// view, handler) and that declaration drives enforcement, validation, the envelope and the OpenAPI
// document. Handlers only translate HTTP into a service call.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { RULES, type AccessRule } from '../access/catalog.ts'
import { accessFingerprint, cacheKey, wantsBypass, type CachePolicy, type GetCache } from '../cache/get-cache.ts'
import type { RequestContext } from '../context.ts'
import { fingerprintOf, IDEMPOTENCY_HEADER, idempotent, REPLAYED_HEADER, type Answer } from '../idempotency.ts'
import { COUNT_LIMIT, pageOf, PageQuery, totalOf, type Listing, type Page } from '../pagination.ts'
import { Id, parseInput } from '../validation.ts'
import { fillMoney } from './money-fields.ts'
import { toJson, type JsonFragment } from './json.ts'
import { jsonSchemaOf, modelComponents, MoneySchema, type JsonSchema } from './schemas.ts'

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
type ObjectSchema = z.ZodObject

interface BaseRoute<P extends ObjectSchema, Q extends ObjectSchema> {
  method: Method
  /** Fastify path, e.g. /api/v1/artists/:id */
  url: string
  tag: string
  summary: string
  description?: string
  /** The access rule enforced before the handler runs, or 'public'. */
  access: AccessRule | 'public'
  params?: P
  query?: Q
  /** The body schema the service validates with (documented here, parsed by the service). */
  body?: z.ZodType
  /** JSON Schema of `data` (of one item, for lists). */
  response: JsonSchema
  status?: 200 | 201
  /** A media type other than the JSON envelope (e.g. text/calendar): the handler answers a TextAnswer. */
  produces?: string
  /** GET routes on the cache's allowlist: how long and under which tags (src/cache/get-cache.ts). */
  cache?: CachePolicy
}

/** The answer of a `produces` route: its text and ETag, or no text (304) when the client's copy is current. */
export interface TextAnswer {
  text: string | null
  etag: string
}

export interface HandlerInput<P extends ObjectSchema, Q extends ObjectSchema> {
  ctx: RequestContext
  params: z.output<P>
  query: z.output<Q>
  body: unknown
  headers: Record<string, string | string[] | undefined>
}

export interface ItemRoute<P extends ObjectSchema, Q extends ObjectSchema> extends BaseRoute<P, Q> {
  list?: false
  handler(input: HandlerInput<P, Q>): Promise<unknown>
}

export interface ListRoute<P extends ObjectSchema, Q extends ObjectSchema> extends BaseRoute<P, Q> {
  /**
   * Paginated with page/limit; answers { items, total, page, limit }. The items may come as one JsonFragment
   * (the page's JSON array, already in the REST encoding: src/rest/json.ts), sent as it is.
   */
  list: true
  handler(
    input: HandlerInput<P, Q> & { page: Page },
  ): Promise<Listing<unknown> | (Omit<Listing<unknown>, 'items'> & { items: JsonFragment })>
}

export type RouteDefinition = ItemRoute<ObjectSchema, ObjectSchema> | ListRoute<ObjectSchema, ObjectSchema>

type Empty = z.ZodObject<Record<never, never>>

export function route<P extends ObjectSchema = Empty, Q extends ObjectSchema = Empty>(
  def: ItemRoute<P, Q> | ListRoute<P, Q>,
): RouteDefinition {
  return def as unknown as RouteDefinition
}

export const IdParams = z.object({ id: Id })

const IdempotencyHeader: JsonSchema = {
  type: 'object',
  properties: {
    [IDEMPOTENCY_HEADER]: {
      type: 'string',
      maxLength: 255,
      description:
        'Optional. A retry with the same key (from the same company) replays the first successful answer instead of acting twice.',
    },
  },
}

// Query strings arrive as strings: booleans and numbers are read as such before validation, and a list is
// comma-separated (`status=open,held`) or its key repeated (`status=open&status=held`).
function coerceQuery(schema: ObjectSchema, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw }
  for (const [key, type] of fieldTypesOf(schema)) {
    if (type === 'array') {
      const values = typeof out[key] === 'string' ? [out[key]] : out[key]
      if (Array.isArray(values)) out[key] = values.flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : [v]))
      continue
    }
    const value = out[key]
    if (typeof value !== 'string') continue
    if (type === 'boolean' && (value === 'true' || value === 'false')) out[key] = value === 'true'
    if (type === 'number' && value.trim() !== '' && !Number.isNaN(Number(value))) out[key] = Number(value)
  }
  return out
}

const fieldTypes = new WeakMap<ObjectSchema, [string, string][]>()

/** Each field of a query schema with the type under its optional/default wrappers: read once per schema, not per request. */
function fieldTypesOf(schema: ObjectSchema): [string, string][] {
  let types = fieldTypes.get(schema)
  if (!types) {
    types = Object.entries(schema.shape).map(([key, field]) => {
      let inner = field as unknown as { _zod: { def: { type: string; innerType?: unknown } } }
      while (inner._zod.def.innerType) inner = inner._zod.def.innerType as typeof inner
      return [key, inner._zod.def.type]
    })
    fieldTypes.set(schema, types)
  }
  return types
}

const ErrorEnvelope: JsonSchema = {
  type: 'object',
  properties: {
    success: { type: 'boolean', enum: [false] },
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code, e.g. validation_error, forbidden, agency_not_bridged' },
        message: { type: 'string' },
        fields: {
          type: 'array',
          description: 'For validation_error: the offending fields',
          items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
      required: ['code', 'message'],
    },
  },
  required: ['success', 'error'],
}

const envelope = (data: JsonSchema): JsonSchema => ({
  type: 'object',
  properties: { success: { type: 'boolean', enum: [true] }, data },
  required: ['success', 'data'],
})

const listOf = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  properties: {
    items: { type: 'array', items: item },
    total: {
      type: 'integer',
      description: `Items matching the filter across all pages, counted up to ${COUNT_LIMIT}: with more, ${COUNT_LIMIT} and \`totalCapped\` true (narrow the filter, or page on until a page comes back short).`,
    },
    totalCapped: { type: 'boolean', description: `True when more than ${COUNT_LIMIT} items match (\`total\` then says ${COUNT_LIMIT}).` },
    page: { type: 'integer' },
    limit: { type: 'integer' },
  },
  required: ['items', 'total', 'totalCapped', 'page', 'limit'],
})

function accessDocs(access: AccessRule | 'public') {
  if (access === 'public') return { security: [] as Record<string, string[]>[], description: 'Public.' }
  const rule = RULES[access]
  const security: Record<string, string[]>[] = [
    ...(rule.anyOf.length ? [{ bearerAuth: [], orgHeader: [] }] : []),
    ...(rule.internal ? [{ internalApiKey: [] }] : []),
  ]
  const who = [
    rule.anyOf.length ? `a tenant user with ${rule.anyOf.map((p) => `\`${p}\``).join(' or ')}` : null,
    rule.internal ? 'a machine caller (X-Internal-API-Key)' : null,
  ].filter(Boolean)
  const gate = rule.agencyGate ? ' Agency-side callers must be bridged to an agency (else 403 `agency_not_bridged`).' : ''
  return {
    security,
    description: `Access rule \`${access}\`: ${who.join(', or ')}.${gate}`,
    'x-access': { rule: access, anyOf: rule.anyOf, internal: rule.internal, agencyGate: rule.agencyGate },
  }
}

/** Answers a cacheable GET from the REST GET cache, computing it on a miss (after the access rule passed). */
async function servedFromCache(
  cache: GetCache,
  def: RouteDefinition & { cache: CachePolicy },
  req: FastifyRequest,
  answer: () => Promise<Answer>,
) {
  const caller = await req.ctx.caller()
  const agencyId = def.access !== 'public' && RULES[def.access].agencyGate ? await req.ctx.agencyId() : null
  const query = req.query as Record<string, unknown>
  const key = cacheKey(req.url, query, caller.kind === 'user' ? caller.orgId : undefined, accessFingerprint(caller, agencyId))
  const bypass = wantsBypass(query, req.headers)
  return cache.serve(key, def.cache, bypass, async () => toJson((await answer()).body))
}

export function registerRoutes(app: FastifyInstance, routes: RouteDefinition[], cache?: GetCache) {
  for (const def of routes) {
    if (def.cache && (def.method !== 'GET' || def.access === 'public' || def.url.startsWith('/internal/')))
      throw new Error(`${def.method} ${def.url}: only authorized GET routes outside /internal (admin) are cached`)
    const querySchema = def.list ? PageQuery.extend(def.query?.shape ?? {}) : def.query
    const status = def.status ?? 200
    const access = accessDocs(def.access)
    const errorCodes = def.access === 'public' ? ['400', '503'] : ['400', '401', '403', '404', '409', '503']
    app.route({
      method: def.method,
      url: def.url,
      schema: {
        tags: [def.tag],
        summary: def.summary,
        description: [def.description, access.description].filter(Boolean).join('\n\n'),
        security: access.security,
        ...('x-access' in access ? { 'x-access': access['x-access'] } : {}),
        ...(def.params ? { params: jsonSchemaOf(def.params) } : {}),
        ...(querySchema ? { querystring: jsonSchemaOf(querySchema) } : {}),
        ...(def.method !== 'GET' ? { headers: IdempotencyHeader } : {}),
        ...(def.body ? { body: jsonSchemaOf(def.body) } : {}),
        response: {
          [status]: def.produces
            ? { description: def.summary, content: { [def.produces]: { schema: def.response } } }
            : envelope(def.list ? listOf(def.response) : def.response),
          ...(def.produces ? { 304: { description: 'Not modified: the ETag sent in If-None-Match is current' } } : {}),
          ...Object.fromEntries(errorCodes.map((c) => [c, { $ref: '#/components/schemas/ErrorEnvelope' }])),
        },
      },
      preHandler: def.access === 'public' ? undefined : async (req) => req.ctx.authorize(def.access as AccessRule),
      handler: async (req, reply) => {
        const params = def.params ? parseInput(def.params, req.params) : {}
        const query = querySchema ? parseInput(querySchema, coerceQuery(querySchema, req.query as Record<string, unknown>)) : {}
        const input = { ctx: req.ctx, params, query, body: req.body ?? {}, headers: req.headers }
        if (def.produces && !def.list) {
          const { text, etag } = (await def.handler(input)) as TextAnswer
          reply.header('etag', etag)
          return text === null ? reply.code(304).send() : reply.code(status).type(def.produces).send(text)
        }
        const answer = async (): Promise<Answer> => {
          if (def.list) {
            const { page, limit, ...filter } = query as { page: number; limit: number }
            const listing = await def.handler({ ...input, query: filter, page: pageOf({ page, limit }) })
            const items = Array.isArray(listing.items) ? listing.items.map((item) => withMoney(def.response, item)) : listing.items
            return { status, body: { success: true, data: { items, ...totalOf(await listing.total()), page, limit } } }
          }
          return { status, body: { success: true, data: withMoney(def.response, await def.handler(input)) } }
        }
        if (cache && def.cache) {
          const { body, outcome } = await servedFromCache(cache, { ...def, cache: def.cache }, req, answer)
          return reply.code(status).header('x-cache', outcome).type('application/json; charset=utf-8').send(body)
        }
        const key = req.headers[IDEMPOTENCY_HEADER]
        if (def.method !== 'GET' && typeof key === 'string') {
          const fingerprint = fingerprintOf(`${def.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
          const result = await idempotent(req.ctx, key, fingerprint, answer)
          if (result.replayed) reply.header(REPLAYED_HEADER, 'true')
          return reply.code(result.status).send(result.body)
        }
        const result = await answer()
        return reply.code(result.status).send(result.body)
      },
    })
  }
}

export const openApiComponents = { ErrorEnvelope, Money: MoneySchema }

let components: Record<string, JsonSchema> | undefined
/** The answer with the Money fields its response schema declares filled in (src/rest/money-fields.ts). */
const withMoney = <T>(schema: JsonSchema, data: T): T =>
  fillMoney(schema, data, (components ??= { ...modelComponents(), ...openApiComponents })) as T
