// Operating the service: Prometheus metrics at /metrics, the service's own time on every answer (Server-Timing),
// OpenTelemetry traces exported over OTLP/HTTP to a receiver this file runs, and GraphQL introspection / "Did you mean"
// suggestions as configured.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp, useHarness } from './support/app.ts'
import { PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[]
}

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value
  return v?.stringValue ?? v?.intValue
}

describe('/metrics', () => {
  it('serves request durations by face, route and status, GraphQL operations by name, pool use, Auth calls and the access-cache ratio', async () => {
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    await h.app.rest('GET', '/api/v1/genres', { as: promoter })
    await h.app.rest('GET', '/api/v1/genres', { as: promoter })
    await h.app.rest('GET', '/api/v1/genres/00000000-0000-4000-8000-000000000000', { as: promoter })
    await h.app.graphql('query GenresPage { genres(first: 2) { totalCount } }', {}, { as: promoter })
    await h.app.graphql('query Broken { genres(first: 2) { nope } }', {}, { as: promoter })

    const res = await fetch(`${h.app.url}/metrics`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    const value = (pattern: string) => Number(new RegExp(`^${pattern} ([0-9.e+-]+)$`, 'm').exec(text)?.[1])

    expect(value('http_request_duration_seconds_count\\{face="rest",method="GET",route="/api/v1/genres",status="200"\\}')).toBe(2)
    expect(value('http_request_duration_seconds_count\\{face="rest",method="GET",route="/api/v1/genres/:id",status="404"\\}')).toBe(1)
    expect(value('http_request_duration_seconds_count\\{face="graphql",method="POST",route="/graphql",status="200"\\}')).toBe(1)
    expect(value('graphql_operation_duration_seconds_count\\{operation="GenresPage",type="query",outcome="ok"\\}')).toBe(1)
    // A document that does not validate never resolves to an operation: counted apart, as invalid.
    expect(value('graphql_operation_duration_seconds_count\\{operation="\\(anonymous\\)",type="invalid",outcome="error"\\}')).toBe(1)
    expect(value('db_pool_max_connections')).toBe(5)
    expect(value('db_pool_connections\\{state="open"\\}')).toBeGreaterThanOrEqual(1)
    expect(value('db_pool_connections\\{state="waiting"\\}')).toBe(0)
    // Four calls of one user in one company that needed access (the invalid document never ran): one call
    // to Auth, three cache hits.
    expect(value('auth_request_duration_seconds_count\\{call="access",outcome="ok"\\}')).toBe(1)
    expect(value('access_cache_lookups_total\\{result="miss"\\}')).toBe(1)
    expect(value('access_cache_lookups_total\\{result="hit"\\}')).toBe(3)
    expect(text).toMatch(/^auth_request_duration_seconds_count\{call="jwks",outcome="ok"\} [1-9]/m)
    expect(text).toContain('# TYPE rate_limit_refusals_total counter')
    expect(text).toContain('process_cpu_user_seconds_total')
  })

  it('counts failed Auth calls', async () => {
    h.auth.setMode('error')
    try {
      const session = await h.auth.session(PROMOTER_ACCESS)
      expect((await h.app.rest('GET', '/api/v1/genres', { as: session })).status).toBe(503)
    } finally {
      h.auth.setMode('up')
    }
    const text = await (await fetch(`${h.app.url}/metrics`)).text()
    expect(text).toMatch(/^auth_request_failures_total\{call="access"\} 1$/m)
    expect(text).toMatch(/^auth_request_duration_seconds_count\{call="access",outcome="error"\} 1$/m)
    // Answered 503 and counted as Auth's fault, not as an internal error.
    expect(text).toMatch(/^dependency_faults_total\{dependency="auth",reason="access"\} 1$/m)
  })
})

describe('Server-Timing', () => {
  it("carries the service's own time on every answer, REST and GraphQL, refused or not, within the round trip", async () => {
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    const answers = [
      () => h.app.rest('GET', '/api/v1/genres', { as: promoter }),
      () => h.app.rest('GET', '/api/v1/genres/00000000-0000-4000-8000-000000000000', { as: promoter }),
      () => h.app.rest('GET', '/api/v1/genres'),
      () => h.app.graphql('{ genres(first: 1) { totalCount } }', {}, { as: promoter }),
    ]
    const statuses: number[] = []
    for (const answer of answers) {
      const started = performance.now()
      const { status, headers } = await answer()
      const roundTrip = performance.now() - started
      statuses.push(status)
      const timing = /^app;dur=(\d+\.\d\d)$/.exec(headers.get('server-timing') ?? '')
      expect(timing, `${status} ${headers.get('server-timing')}`).not.toBeNull()
      expect(Number(timing![1])).toBeLessThanOrEqual(roundTrip)
    }
    expect(statuses).toEqual([200, 404, 401, 200])
  })
})

describe('traces over OTLP', () => {
  let receiver: Server
  let endpoint: string
  const spans: OtlpSpan[] = []
  let app: TestApp

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += String(c)))
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }
          for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans)
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const address = receiver.address()
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    app = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } })
  })
  afterAll(() => new Promise((resolve) => receiver.close(resolve)))

  it("exports HTTP, GraphQL and PostgreSQL spans in the caller's trace, each with the request id", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const parentSpanId = '00f067aa0ba902b7'
    await app.rest('GET', '/api/v1/genres', {
      as: 'machine',
      headers: { 'x-request-id': 'trace-rest-1', traceparent: `00-${traceId}-${parentSpanId}-01` },
    })
    await app.graphql(
      'query TracedGenres { genres(first: 1) { totalCount } }',
      {},
      { as: 'machine', headers: { 'x-request-id': 'trace-gql-1' } },
    )
    // Closing the server flushes the batch to the receiver.
    await app.close()

    const rest = spans.filter((s) => attr(s, 'kisum.request_id') === 'trace-rest-1')
    const root = rest.find((s) => s.name === 'request')
    expect(root).toMatchObject({ traceId, parentSpanId })
    expect(attr(root!, 'http.route')).toBe('/api/v1/genres')
    const sql = rest.filter((s) => s.name === 'prisma:client:db_query')
    expect(sql.length).toBeGreaterThanOrEqual(1)
    expect(sql.every((s) => s.traceId === traceId)).toBe(true)
    expect(String(attr(sql[0]!, 'db.query.text'))).toMatch(/^SELECT/)

    const gql = spans.filter((s) => attr(s, 'kisum.request_id') === 'trace-gql-1')
    const operation = gql.find((s) => s.name === 'graphql query TracedGenres')
    expect(operation).toBeDefined()
    expect(attr(operation!, 'graphql.operation.name')).toBe('TracedGenres')
    expect(gql.some((s) => s.name === 'prisma:client:db_query')).toBe(true)
    // Every span of those two requests is in one of their two traces.
    const traces = new Set([...rest, ...gql].map((s) => s.traceId))
    expect(traces.size).toBe(2)
    expect(spans.filter((s) => traces.has(s.traceId) && attr(s, 'kisum.request_id') === undefined)).toEqual([])
  })
})

describe('introspection and field suggestions', () => {
  const introspect = '{ __schema { queryType { name } } }'
  const typo = '{ genres(first: 1) { totalCont } }'

  it('are on outside production by default', async () => {
    expect((await h.app.graphql(introspect)).data).toEqual({ __schema: { queryType: { name: 'Query' } } })
    const r = await h.app.graphql(typo)
    expect(r.errors?.[0]?.message).toContain('Did you mean "totalCount"?')
  })

  it('are off when configured off (the production default)', async () => {
    const app = await startApp({
      auth: h.auth,
      databaseUrl: h.database.url,
      env: { GRAPHQL_INTROSPECTION: 'false', GRAPHQL_SUGGESTIONS: 'false' },
    })
    try {
      const i = await app.graphql(introspect)
      expect(i.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED')
      const r = await app.graphql(typo)
      expect(r.errors?.[0]?.message).not.toContain('Did you mean')
      expect(r.errors?.[0]?.message).toContain('totalCont')
    } finally {
      await app.close()
    }
  })
})
