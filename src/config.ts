// The environment, read and validated once. Every setting the service reads is here, documented in
// .env.example; nothing else reads process.env.
import { z } from 'zod'

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback)

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: positiveInt(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(10_000),
  DATABASE_POOL_TIMEOUT_MS: positiveInt(3_000),
  EMBEDDED_PG_DIR: z.string().default('.data/postgres'),
  EMBEDDED_PG_PORT: positiveInt(54329),
  DEMO_DATA: z.enum(['true', 'false']).optional(),

  AUTH_MODE: z.enum(['remote', 'dev']).optional(),
  AUTH_URL: z.string().url().optional(),
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_INTERNAL_API_KEY: z.string().min(1).optional(),
  AUTH_TIMEOUT_MS: positiveInt(2000),
  // Also the back-off after a failed key set fetch: 0 would refetch on every request during an Auth outage.
  AUTH_JWKS_COOLDOWN_MS: z.coerce.number().int().min(1000).default(30_000),
  // Seconds. Auth's tokens live minutes to hours; a token meant to live longer than this is refused.
  AUTH_MAX_TOKEN_AGE: positiveInt(86_400),
  ACCESS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  ACCESS_CACHE_MAX: positiveInt(10_000),
  DEV_IDENTITY_DIR: z.string().default('.data/dev-identity'),

  INTERNAL_API_KEY: csv,

  CORS_ORIGIN: csv,
  CORS_ALLOWED_ORIGINS: csv,

  GRAPHQL_MAX_DEPTH: positiveInt(10),
  GRAPHQL_MAX_COST: positiveInt(5_000),
  GRAPHQL_MAX_ALIASES: positiveInt(30),
  GRAPHQL_MAX_TOKENS: positiveInt(2_000),
  GRAPHQL_MAX_DIRECTIVES: positiveInt(50),
  GRAPHQL_MAX_ENTITIES: positiveInt(500),
  BODY_LIMIT_BYTES: positiveInt(1_048_576),
  BODY_MAX_DEPTH: positiveInt(32),
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).optional(),
  GRAPHQL_IDE: z.enum(['true', 'false']).optional(),
  GRAPHQL_SUGGESTIONS: z.enum(['true', 'false']).optional(),

  REDIS_URL: z.string().url().optional(),
  REDIS_TIMEOUT_MS: positiveInt(50),
  REDIS_KEY_PREFIX: z.string().default('kisum-artists:'),
  GET_CACHE_ENABLED: z.enum(['true', 'false']).default('true'),
  RATE_LIMIT_ENABLED: z.enum(['true', 'false']).default('true'),
  RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  RATE_LIMIT_TENANT_MAX: positiveInt(600),
  RATE_LIMIT_ANONYMOUS_MAX: positiveInt(60),
  RATE_LIMIT_MACHINE_MAX: positiveInt(6_000),

  METRICS_ENABLED: z.enum(['true', 'false']).default('true'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().default('kisum-artists'),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),

  NATS_URL: z.string().min(1).optional(),
  OUTBOX_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('KISUM_ARTISTS'),
  OUTBOX_SUBJECT_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/)
    .default('kisum.artists'),
  OUTBOX_BATCH_SIZE: positiveInt(500),
  OUTBOX_POLL_MS: positiveInt(200),
  OUTBOX_PUBLISH_TIMEOUT_MS: positiveInt(5_000),
  OUTBOX_MAX_ATTEMPTS: positiveInt(10),
  OUTBOX_MAX_BACKOFF_MS: positiveInt(60_000),
  OUTBOX_RETENTION_DAYS: positiveInt(7),
  OUTBOX_DUPLICATE_WINDOW_MS: positiveInt(600_000),
})

export type Env = z.input<typeof EnvSchema>

export type CorsPolicy = { kind: 'none' } | { kind: 'any' } | { kind: 'allowlist'; origins: string[] }

export interface Config {
  nodeEnv: 'development' | 'production' | 'test'
  host: string
  port: number
  logLevel: string
  database: {
    url?: string
    poolMax: number
    /** PostgreSQL's statement_timeout on every pooled connection. */
    statementTimeoutMs: number
    /** How long a request waits for a pooled connection (and for a new connection to open). */
    poolTimeoutMs: number
    embeddedDir: string
    embeddedPort: number
    demoData?: boolean
  }
  auth:
    | {
        mode: 'remote'
        url: string
        jwksUrl: string
        issuer?: string
        audience?: string
        internalApiKey?: string
        timeoutMs: number
        jwksCooldownMs: number
        cacheTtlMs: number
        cacheMax: number
        maxTokenAgeS: number
      }
    | { mode: 'dev'; identityDir: string; issuer: string; audience: string; maxTokenAgeS: number }
  internalApiKeys: string[]
  cors: CorsPolicy
  graphql: {
    maxDepth: number
    maxCost: number
    maxAliases: number
    maxTokens: number
    maxDirectives: number
    /** Representations one _entities call may ask for. */
    maxEntities: number
    introspection: boolean
    suggestions: boolean
    /** GraphiQL for a browser's GET /graphql (served locally). */
    ide: boolean
  }
  /** Request bodies: largest accepted size (413 beyond) and deepest JSON nesting (400 beyond). */
  body: { limitBytes: number; maxDepth: number }
  /** Shared state across replicas (rate-limit counters); unset: in-process state only. */
  redis?: { url: string; timeoutMs: number; keyPrefix: string }
  /** The REST GET response cache (src/cache/get-cache.ts): on when Redis is configured, unless turned off. */
  getCache: boolean
  rateLimit: { enabled: boolean; windowMs: number; tenantMax: number; anonymousMax: number; machineMax: number }
  metrics: { enabled: boolean }
  /** OTLP/HTTP trace export; unset: no tracing. */
  tracing?: { endpoint: string; serviceName: string }
  shutdownTimeoutMs: number
  /** Read the client address from X-Forwarded-For (behind the gateway / a load balancer). */
  trustProxy: boolean
  /** The outbox relay to NATS JetStream; null (NATS_URL unset): events stay in the table. */
  outbox: {
    natsUrl: string
    stream: string
    subjectPrefix: string
    batchSize: number
    pollMs: number
    publishTimeoutMs: number
    maxAttempts: number
    /** Ceiling of every back-off (per event, and while the broker is unreachable). */
    maxBackoffMs: number
    retentionDays: number
    /** How long the stream remembers a Nats-Msg-Id (set when the relay creates the stream). */
    duplicateWindowMs: number
  } | null
}

export class ConfigError extends Error {}

/**
 * CORS as the Artist module has always read it: CORS_ORIGIN (comma-separated) wins; the legacy
 * CORS_ALLOWED_ORIGINS is read only when CORS_ORIGIN is unset. A wildcard is never part of an allowlist
 * (it is ignored in CORS_ORIGIN, and in the legacy variable it means "any origin, no credentials").
 */
export function corsPolicy(corsOrigin: string[], legacy: string[]): CorsPolicy {
  const preferred = corsOrigin.filter((o) => o !== '*')
  if (corsOrigin.length > 0) return preferred.length ? { kind: 'allowlist', origins: preferred } : { kind: 'none' }
  const legacyExplicit = legacy.filter((o) => o !== '*')
  if (legacyExplicit.length > 0) return { kind: 'allowlist', origins: legacyExplicit }
  if (legacy.includes('*')) return { kind: 'any' }
  return { kind: 'none' }
}

/** NODE_ENV alone, for what is fixed when modules load (the GraphQL schema's build options), before loadConfig runs. */
export function nodeEnvAtLoad(env: Record<string, string | undefined> = process.env): Config['nodeEnv'] {
  return EnvSchema.shape.NODE_ENV.parse(env.NODE_ENV?.trim() || undefined)
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable (`AUTH_URL=` in an env file) means unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''))
  const parsed = EnvSchema.safeParse(present)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  const production = e.NODE_ENV === 'production'
  const authMode = e.AUTH_MODE ?? (e.AUTH_URL || e.AUTH_JWKS_URL || production ? 'remote' : 'dev')

  let auth: Config['auth']
  if (authMode === 'dev') {
    if (production) throw new ConfigError('AUTH_MODE=dev is refused when NODE_ENV=production')
    auth = {
      mode: 'dev',
      identityDir: e.DEV_IDENTITY_DIR,
      issuer: e.AUTH_ISSUER ?? 'kisum-artists-dev',
      audience: e.AUTH_AUDIENCE ?? 'kisum',
      maxTokenAgeS: e.AUTH_MAX_TOKEN_AGE,
    }
  } else {
    if (!e.AUTH_URL) throw new ConfigError('AUTH_URL is required when AUTH_MODE=remote')
    auth = {
      mode: 'remote',
      url: e.AUTH_URL.replace(/\/+$/, ''),
      jwksUrl: e.AUTH_JWKS_URL ?? `${e.AUTH_URL.replace(/\/+$/, '')}/.well-known/jwks.json`,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      internalApiKey: e.AUTH_INTERNAL_API_KEY,
      timeoutMs: e.AUTH_TIMEOUT_MS,
      jwksCooldownMs: e.AUTH_JWKS_COOLDOWN_MS,
      cacheTtlMs: e.ACCESS_CACHE_TTL_MS,
      cacheMax: e.ACCESS_CACHE_MAX,
      maxTokenAgeS: e.AUTH_MAX_TOKEN_AGE,
    }
    if (production && !e.AUTH_INTERNAL_API_KEY) {
      throw new ConfigError('AUTH_INTERNAL_API_KEY is required in production (Auth trusts backend callers by it)')
    }
    if (production && !e.AUTH_ISSUER) {
      throw new ConfigError('AUTH_ISSUER is required in production (the iss claim every token must carry)')
    }
    if (production && !e.AUTH_AUDIENCE) {
      throw new ConfigError('AUTH_AUDIENCE is required in production (the aud claim every token must carry)')
    }
  }
  if (production && !e.DATABASE_URL) throw new ConfigError('DATABASE_URL is required in production')

  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    database: {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      poolTimeoutMs: e.DATABASE_POOL_TIMEOUT_MS,
      embeddedDir: e.EMBEDDED_PG_DIR,
      embeddedPort: e.EMBEDDED_PG_PORT,
      demoData: e.DEMO_DATA === undefined ? undefined : e.DEMO_DATA === 'true',
    },
    auth,
    internalApiKeys: e.INTERNAL_API_KEY,
    cors: corsPolicy(e.CORS_ORIGIN, e.CORS_ALLOWED_ORIGINS),
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxEntities: e.GRAPHQL_MAX_ENTITIES,
      introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === 'true' : !production,
      ide: e.GRAPHQL_IDE ? e.GRAPHQL_IDE === 'true' : !production,
      suggestions: e.GRAPHQL_SUGGESTIONS ? e.GRAPHQL_SUGGESTIONS === 'true' : !production,
    },
    body: { limitBytes: e.BODY_LIMIT_BYTES, maxDepth: e.BODY_MAX_DEPTH },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, timeoutMs: e.REDIS_TIMEOUT_MS, keyPrefix: e.REDIS_KEY_PREFIX } : undefined,
    getCache: Boolean(e.REDIS_URL) && e.GET_CACHE_ENABLED === 'true',
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED === 'true',
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      tenantMax: e.RATE_LIMIT_TENANT_MAX,
      anonymousMax: e.RATE_LIMIT_ANONYMOUS_MAX,
      machineMax: e.RATE_LIMIT_MACHINE_MAX,
    },
    metrics: { enabled: e.METRICS_ENABLED === 'true' },
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''), serviceName: e.OTEL_SERVICE_NAME }
      : undefined,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY === 'true',
    outbox: e.NATS_URL
      ? {
          natsUrl: e.NATS_URL,
          stream: e.OUTBOX_STREAM,
          subjectPrefix: e.OUTBOX_SUBJECT_PREFIX,
          batchSize: e.OUTBOX_BATCH_SIZE,
          pollMs: e.OUTBOX_POLL_MS,
          publishTimeoutMs: e.OUTBOX_PUBLISH_TIMEOUT_MS,
          maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
          maxBackoffMs: e.OUTBOX_MAX_BACKOFF_MS,
          retentionDays: e.OUTBOX_RETENTION_DAYS,
          duplicateWindowMs: e.OUTBOX_DUPLICATE_WINDOW_MS,
        }
      : null,
  }
}
