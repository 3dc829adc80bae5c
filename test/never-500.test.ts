// "Never a 500", as a property: for every REST route (from the OpenAPI document its zod schemas generate) and
// every GraphQL root field (from the schema), requests built from the route's or field's own input shapes,
// with hostile values mixed in at every level (NUL characters, dates outside the supported range, huge and
// fractional numbers, wrong types, deep nesting, strings of every size), are answered 2xx or 4xx in the
// envelope, and a refused request leaves the database as it was. Seeded and bounded, so CI runs the same
// cases every time; raise NEVER_500_RUNS locally to search wider.
import fc from 'fast-check'
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql'
import { beforeAll, describe, expect, it } from 'vitest'
import { schema } from '../src/schema.ts'
import { authHeaders, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'
import { databaseState } from './support/rows.ts'

const SEED = 20261130
const RUNS = Number(process.env.NEVER_500_RUNS ?? 3)

const h = useHarness()
const callers: Record<string, Session | 'machine'> = {}
let ids: string[] = []

beforeAll(async () => {
  const agency = await agencySession(h.auth, h.app.db)
  callers.agency = agency
  callers.promoter = await h.auth.session(PROMOTER_ACCESS)
  callers.machine = 'machine'
  await seedGeo(h.app.db)
  await seedGenres(h.app.db)
  // A deal at every stage, so ids in the pool reach real rows behind every route.
  const deal = pipelines(
    () => h.app,
    () => agency,
  )
  const artist = await deal.representedArtist()
  await deal.booked(callers.promoter as Session, artist)
  await deal.held(callers.promoter as Session, artist)
  const tables = await h.app.db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.columns
    WHERE table_schema = current_schema() AND column_name = 'id' AND data_type = 'uuid'`
  for (const { name } of tables) {
    const rows = await h.app.db.$queryRawUnsafe<{ id: string }[]>(`SELECT id::text AS id FROM "${name}" LIMIT 5`)
    ids.push(...rows.map((r) => r.id))
  }
  ids = [...new Set(ids)]
}, 60_000)

// ─── Hostile values ──────────────────────────────────────────────────────────────────────────────────

const hostileString = fc.oneof(
  fc.constantFrom('\u0000', '', ' ', '%00', "' OR 1=1 --", '{{artist.name}}', '__proto__', 'constructor', '../../etc/passwd'),
  fc.string({ maxLength: 8 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom(
    '0000-01-01',
    '-000001-01-01T00:00:00Z',
    '-010000-01-01',
    '+275760-09-13T00:00:00Z',
    '294277-01-01',
    '2026-02-30',
    '2026-13-01T25:61:00Z',
    '1970-01-01T00:00:00Z',
  ),
  fc.string({ minLength: 200, maxLength: 12_000 }),
  fc.fullUnicodeString({ maxLength: 30 }),
)
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e308, -1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)
const { deep } = fc.letrec((tie) => ({
  deep: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.array(tie('deep'), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('deep'), { maxKeys: 2 }),
  ),
}))
const hostile: fc.Arbitrary<unknown> = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), deep)

/** Mostly a value of the expected shape, now and then anything. */
const mixed = (typed: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: typed, weight: 9 }, { arbitrary: hostile, weight: 1 }) as fc.Arbitrary<unknown>

// Well-formed but hostile values of each shape: what gets past a type check and reaches the database.
const textValue = (maxLength = 40) =>
  fc.oneof(
    { arbitrary: fc.string({ minLength: 1, maxLength }), weight: 3 },
    { arbitrary: fc.string({ maxLength: 8 }).map((s) => `${s}\u0000${s}`), weight: 1 },
  )
const idValue = () => fc.oneof({ arbitrary: fc.constantFrom(...ids), weight: 3 }, { arbitrary: fc.uuid(), weight: 1 })
const OUT_OF_RANGE_INSTANTS = ['0000-01-01T00:00:00.000Z', '-000001-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']
const dayValue = fc.oneof(
  {
    arbitrary: fc
      .date({ min: new Date('2020-01-01'), max: new Date('2040-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
    weight: 4,
  },
  { arbitrary: fc.constantFrom('0000-01-01', '0000-12-31'), weight: 1 },
)
const instantValue = fc.oneof(
  {
    arbitrary: fc.date({ min: new Date('2020-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString()),
    weight: 4,
  },
  { arbitrary: fc.constantFrom(...OUT_OF_RANGE_INSTANTS), weight: 1 },
)
const intValue = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1_000_000) }), weight: 4 },
    { arbitrary: fc.constantFrom(min, max, 2 ** 31, 2 ** 53), weight: 1 },
  )

// ─── From the OpenAPI document (REST) ───────────────────────────────────────────────────────────────

type JsonSchema = {
  type?: string
  format?: string
  enum?: unknown[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  nullable?: boolean
  minimum?: number
  maximum?: number
  maxLength?: number
}

function fromJsonSchema(s: JsonSchema): fc.Arbitrary<unknown> {
  const variants = s.anyOf ?? s.oneOf ?? s.allOf
  if (variants?.length) return fc.oneof(...variants.map(fromJsonSchema))
  if (s.enum) return mixed(fc.constantFrom(...s.enum))
  let typed: fc.Arbitrary<unknown>
  switch (s.type) {
    case 'string':
      typed =
        s.format === 'uuid'
          ? idValue()
          : s.format === 'date'
            ? dayValue
            : s.format === 'date-time'
              ? instantValue
              : textValue(Math.min(s.maxLength ?? 40, 40))
      break
    case 'integer':
      typed = intValue(s.minimum ?? -(2 ** 31), s.maximum ?? 2 ** 31 - 1)
      break
    case 'number':
      typed = fc.double({ noNaN: true, noDefaultInfinity: true })
      break
    case 'boolean':
      typed = fc.boolean()
      break
    case 'array':
      typed = fc.array(fromJsonSchema(s.items ?? {}), { maxLength: 3 })
      break
    case 'object':
      typed = fc.record(Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, fromJsonSchema(v)])), {
        requiredKeys: s.required ?? [],
      })
      break
    default:
      typed = hostile
  }
  return mixed(s.nullable ? fc.option(typed, { nil: null }) : typed)
}

const asQueryValue = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))

interface Operation {
  method: string
  path: string
  parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema }[]
  requestBody?: { content: { 'application/json'?: { schema: JsonSchema } } }
}

function requestFor(op: Operation) {
  const params = op.parameters ?? []
  const pathParams = params.filter((p) => p.in === 'path')
  const queryParams = params.filter((p) => p.in === 'query')
  const body = op.requestBody?.content['application/json']?.schema
  return fc.record({
    // Tenant routes refuse machine callers and admin routes tenants: each is called by its own kind of caller.
    as: op.path.startsWith('/internal/') ? fc.constant('machine') : fc.constantFrom('agency', 'promoter'),
    path: fc
      .tuple(...pathParams.map((p) => mixed(p.schema.format === 'uuid' ? idValue() : fc.string({ maxLength: 12 }))))
      .map((values) =>
        values.reduce<string>((path, v, i) => path.replace(`{${pathParams[i]!.name}}`, encodeURIComponent(asQueryValue(v))), op.path),
      ),
    query: fc.tuple(...queryParams.map((p) => fc.option(fromJsonSchema(p.schema), { nil: undefined }))).map((values) => {
      const q = new URLSearchParams()
      values.forEach((v, i) => v !== undefined && q.append(queryParams[i]!.name, asQueryValue(v)))
      return q.size ? `?${q}` : ''
    }),
    body: body ? fc.oneof({ arbitrary: fromJsonSchema(body), weight: 5 }, { arbitrary: hostile, weight: 1 }) : fc.constant(undefined),
    idempotencyKey: fc.option(fc.constantFrom('retry-1', 'retry-2', ' ', 'k'.repeat(300)), { nil: undefined }),
  })
}

// ─── From the GraphQL schema ─────────────────────────────────────────────────────────────────────────

function fromGraphqlType(type: GraphQLInputType, nonNull = false): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return fromGraphqlType(type.ofType, true)
  let typed: fc.Arbitrary<unknown>
  if (isListType(type)) typed = fc.array(fromGraphqlType(type.ofType), { maxLength: 3 })
  else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields())
    typed = fc.record(Object.fromEntries(fields.map((f) => [f.name, fromGraphqlType(f.type)])), {
      requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name),
    })
  } else if (isEnumType(type)) typed = mixed(fc.constantFrom(...type.getValues().map((v) => v.name)))
  else {
    const scalars: Record<string, fc.Arbitrary<unknown>> = {
      ID: idValue(),
      String: textValue(),
      Int: intValue(-(2 ** 31), 2 ** 31 - 1),
      SafeInt: intValue(0, Number.MAX_SAFE_INTEGER),
      Float: fc.double({ noNaN: true, noDefaultInfinity: true }),
      Boolean: fc.boolean(),
      DateTime: instantValue,
      Date: dayValue,
      _Any: fc.record({ __typename: fc.constantFrom('Artist', 'Agency', 'Person', 'Foo', 'Venue', 'Query'), id: idValue() }),
    }
    typed = mixed(scalars[type.name] ?? textValue())
  }
  return nonNull ? typed : fc.option(typed, { nil: null, freq: 4 })
}

function documentFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>) {
  const args = field.args
  const defs = args.length ? `(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')})` : ''
  const pass = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : ''
  const selection = isLeafType(getNamedType(field.type)) ? '' : '{ __typename }'
  return `${kind}${defs} { f: ${field.name}${pass} ${selection} }`
}

function graphqlRequestFor(field: GraphQLField<unknown, unknown>) {
  return fc.record({
    as: fc.oneof({ arbitrary: fc.constantFrom('agency', 'promoter'), weight: 4 }, { arbitrary: fc.constant('machine'), weight: 1 }),
    variables: fc
      .tuple(...field.args.map((a) => fromGraphqlType(a.type)))
      .map((values) => Object.fromEntries(field.args.map((a, i) => [a.name, values[i]]))),
  })
}

// ─── The property ────────────────────────────────────────────────────────────────────────────────────

async function send(method: string, url: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(`${h.app.url}${url}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined }
}

describe('never a 500', () => {
  it('REST: every route answers 2xx/4xx in the envelope, and a refusal writes nothing', async () => {
    const doc = (await h.app.rest('GET', '/api/v1/openapi.json')).body as { paths: Record<string, Record<string, Operation>> }
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
    )
    expect(operations.length).toBeGreaterThan(100)
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(requestFor(op), async (r) => {
          const before = await databaseState(h.app.db)
          const headers = { ...authHeaders(callers[r.as]), ...(r.idempotencyKey ? { 'idempotency-key': r.idempotencyKey } : {}) }
          const method = op.method
          const res = await send(method, `${r.path}${r.query}`, headers, method === 'GET' || method === 'DELETE' ? undefined : r.body)
          const what = `${method} ${r.path}${r.query} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`
          expect(res.status, what).toBeLessThan(500)
          if (res.status >= 400) {
            expect(res.body, what).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } })
            expect(await databaseState(h.app.db), `a refused ${what} wrote`).toEqual(before)
          } else expect(res.body?.success, what).toBe(true)
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      )
    }
  }, 120_000)

  it('GraphQL: every root field answers 200/400 without INTERNAL_SERVER_ERROR, and a refusal writes nothing', async () => {
    const roots = [
      ...Object.values(schema.getQueryType()!.getFields()).map((f) => ['query', f] as const),
      ...Object.values(schema.getMutationType()!.getFields()).map((f) => ['mutation', f] as const),
    ]
    expect(roots.length).toBeGreaterThan(100)
    for (const [kind, field] of roots) {
      const query = documentFor(kind, field)
      await fc.assert(
        fc.asyncProperty(graphqlRequestFor(field), async (r) => {
          const before = await databaseState(h.app.db)
          const res = await send('POST', '/graphql', authHeaders(callers[r.as]), { query, variables: r.variables })
          const what = `${query} ${JSON.stringify(r.variables).slice(0, 300)} → ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`
          expect([200, 400], what).toContain(res.status)
          const errors = (res.body?.errors ?? []) as { extensions?: { code?: string } }[]
          expect(
            errors.map((e) => e.extensions?.code),
            what,
          ).not.toContain('INTERNAL_SERVER_ERROR')
          const refused = res.status === 400 || (errors.length > 0 && (res.body?.data?.f ?? null) === null)
          if (refused) expect(await databaseState(h.app.db), `a refused ${what} wrote`).toEqual(before)
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      )
    }
  }, 120_000)
})
