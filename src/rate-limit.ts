// Rate limits (@fastify/rate-limit) for both faces: per user and company for tenants, per key for machine
// callers, per client address for anonymous calls. Counts live in Redis when REDIS_URL is set (shared by
// every replica) and in process memory otherwise. When Redis is down or slower than REDIS_TIMEOUT_MS, the
// count is taken in memory for a short while instead (each replica then limits on its own): a request never
// fails, nor waits, because of Redis.
import { createRequire } from 'node:module'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import type { Identity } from './auth/identity.ts'
import type { Config } from './config.ts'
import { AppError } from './errors.ts'
import type { Metrics, RateLimitedCaller } from './metrics.ts'

type Counted = { current: number; ttl: number }
type Callback = (error: Error | null, result?: Counted) => void
interface Store {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void
}
type StoreCtor<A extends unknown[]> = new (...args: A) => Store

// The plugin's own stores (the Redis one is an atomic Lua script); the package exports no types for them.
const require = createRequire(import.meta.url)
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor<[boolean, boolean, number]>
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor<[boolean, boolean, Redis, string]>

/** After Redis failed a count, how long counts stay in memory before Redis is tried again. */
const REDIS_BACKOFF_MS = 1000
/** Routes an operator or an orchestrator polls: never limited. */
const EXEMPT = new Set(['/health', '/ready', '/metrics', '/.well-known/jwks.json'])

function resilientStore(redis: Redis | undefined, prefix: string, onFallback: () => void) {
  return class ResilientStore implements Store {
    private readonly local = new LocalStore(false, false, 10_000)
    private readonly remote = redis ? new RedisStore(false, false, redis, prefix) : undefined
    private skipRemoteUntil = 0

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      const remote = this.remote
      if (!remote || !redis) return this.local.incr(key, callback, timeWindow, max)
      if (redis.status !== 'ready' || Date.now() < this.skipRemoteUntil) {
        onFallback()
        return this.local.incr(key, callback, timeWindow, max)
      }
      remote.incr(
        key,
        (error, result) => {
          if (!error) return callback(null, result)
          this.skipRemoteUntil = Date.now() + REDIS_BACKOFF_MS
          onFallback()
          this.local.incr(key, callback, timeWindow, max)
        },
        timeWindow,
        max,
      )
    }

    child(): ResilientStore {
      return this
    }
  }
}

const callerOf = (key: string): RateLimitedCaller => (key.split(':')[0] as RateLimitedCaller | undefined) ?? 'anonymous'

export async function registerRateLimit(
  app: FastifyInstance,
  deps: { config: Config; identity: Identity; metrics: Metrics; redis?: Redis },
): Promise<void> {
  const { config, identity, metrics, redis } = deps
  const limits = config.rateLimit
  const maxFor: Record<RateLimitedCaller, number> = {
    tenant: limits.tenantMax,
    machine: limits.machineMax,
    anonymous: limits.anonymousMax,
  }
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: limits.windowMs,
    store: resilientStore(redis, `${config.redis?.keyPrefix ?? ''}rate-limit:`, () => metrics.rateLimitFallback()),
    allowList: (req: FastifyRequest) => EXEMPT.has(req.routeOptions.url ?? ''),
    keyGenerator: async (req: FastifyRequest) => {
      const h = req.headers
      const header = (name: string) => (typeof h[name] === 'string' ? h[name] : undefined)
      const subject = await identity.subject({
        authorization: header('authorization'),
        'x-org': header('x-org'),
        'x-internal-api-key': header('x-internal-api-key'),
      })
      if (subject?.kind === 'machine') return `machine:${subject.keyId}`
      if (subject?.kind === 'tenant') return `tenant:${subject.userId}:${subject.orgId}`
      return `anonymous:${req.ip}`
    },
    max: (_req: FastifyRequest, key: string) => maxFor[callerOf(key)],
    onExceeded: (_req: FastifyRequest, key: string) => metrics.rateLimitRefused(callerOf(key)),
    errorResponseBuilder: (_req, context) =>
      new AppError(
        'too_many_requests',
        `rate limit exceeded: ${context.max} requests per ${limits.windowMs / 1000} s; retry in ${context.after}`,
      ),
  })
}
