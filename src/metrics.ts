// Prometheus metrics (prom-client), one registry per server so that several servers in one process (the
// tests) never mix their figures. Served as text at GET /metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { Db } from './db/client.ts'
import { observeDb } from './db/client.ts'

export type AuthCall = 'access' | 'jwks'
export type RateLimitedCaller = 'tenant' | 'anonymous' | 'machine'

/** What the Auth clients report: each call's latency and outcome, and each access-cache lookup. */
export interface AuthObserver {
  call(call: AuthCall, seconds: number, ok: boolean): void
  cacheLookup(hit: boolean): void
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
/** Operation names are chosen by clients: past this many distinct ones, new names count as "(other)". */
const MAX_OPERATION_NAMES = 200

export class Metrics {
  readonly registry = new Registry()
  private readonly operations = new Set<string>()

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by face (rest, graphql, operations), method, route template and status',
    labelNames: ['face', 'method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  })
  private readonly graphqlDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operations by operation name, type and outcome (ok, or error when the answer carries errors)',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  })
  private readonly authDuration = new Histogram({
    name: 'auth_request_duration_seconds',
    help: 'Calls to Auth (access resolution, JWKS fetches) by call and outcome',
    labelNames: ['call', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  })
  private readonly authFailures = new Counter({
    name: 'auth_request_failures_total',
    help: 'Calls to Auth that failed (network, timeout, 5xx, unreadable answer), by call',
    labelNames: ['call'] as const,
    registers: [this.registry],
  })
  private readonly accessCache = new Counter({
    name: 'access_cache_lookups_total',
    help: 'Effective-access cache lookups by result (hit, miss); hit ratio = hit / (hit + miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  })
  private readonly rateLimited = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused with 429 by the rate limiter, by kind of caller',
    labelNames: ['caller'] as const,
    registers: [this.registry],
  })
  private readonly rateLimitFallbacks = new Counter({
    name: 'rate_limit_store_fallbacks_total',
    help: 'Rate-limit counts taken in process memory because Redis was down or slower than REDIS_TIMEOUT_MS',
    registers: [this.registry],
  })
  private readonly getCacheLookups = new Counter({
    name: 'get_cache_lookups_total',
    help: 'REST GET cache lookups by result (hit, miss, bypass); hit ratio = hit / (hit + miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  })
  private readonly getCacheFaults = new Counter({
    name: 'get_cache_faults_total',
    help: 'GET cache operations that Redis failed or answered too late (the answer was served live), by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  })
  private readonly dependencyFaults = new Counter({
    name: 'dependency_faults_total',
    help: 'Requests answered 503 because a dependency could not answer, by dependency and reason',
    labelNames: ['dependency', 'reason'] as const,
    registers: [this.registry],
  })
  private readonly dbRetries = new Counter({
    name: 'db_read_retries_total',
    help: 'Reads that met a dead pooled connection and ran again on a fresh one, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry })
  }

  /** Pool use of the service's database client, read at each scrape; and its read retries. */
  observeDb(db: Db): void {
    const observation = observeDb(db)
    if (!observation) return
    const { pool } = observation
    observation.onRetry = (reason) => this.dbRetries.inc({ reason })
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state: open (total), idle, and requests waiting for one',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: 'open' }, pool.totalCount)
        this.set({ state: 'idle' }, pool.idleCount)
        this.set({ state: 'waiting' }, pool.waitingCount)
      },
    })
    new Gauge({
      name: 'db_pool_max_connections',
      help: 'The pool size (DATABASE_POOL_MAX)',
      registers: [this.registry],
      collect() {
        this.set(pool.options.max)
      },
    })
  }

  readonly auth: AuthObserver = {
    call: (call, seconds, ok) => {
      this.authDuration.observe({ call, outcome: ok ? 'ok' : 'error' }, seconds)
      if (!ok) this.authFailures.inc({ call })
    },
    cacheLookup: (hit) => this.accessCache.inc({ result: hit ? 'hit' : 'miss' }),
  }

  httpRequest(face: string, method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ face, method, route, status: String(status) }, seconds)
  }

  graphqlOperation(name: string | undefined | null, type: string, ok: boolean, seconds: number): void {
    this.graphqlDuration.observe({ operation: this.operationLabel(name), type, outcome: ok ? 'ok' : 'error' }, seconds)
  }

  rateLimitRefused(caller: RateLimitedCaller): void {
    this.rateLimited.inc({ caller })
  }

  rateLimitFallback(): void {
    this.rateLimitFallbacks.inc()
  }

  getCacheLookup(result: 'hit' | 'miss' | 'bypass'): void {
    this.getCacheLookups.inc({ result })
  }

  getCacheFault(operation: string): void {
    this.getCacheFaults.inc({ operation })
  }

  dependencyFault(dependency: string, reason: string): void {
    this.dependencyFaults.inc({ dependency, reason })
  }

  private operationLabel(name: string | undefined | null): string {
    if (!name) return '(anonymous)'
    if (!OPERATION_NAME.test(name)) return '(other)'
    if (this.operations.has(name)) return name
    if (this.operations.size >= MAX_OPERATION_NAMES) return '(other)'
    this.operations.add(name)
    return name
  }
}
