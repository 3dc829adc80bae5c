// The Redis connection (ioredis) for state shared across replicas. Redis is an accelerator here, never a
// dependency a request waits on: a command gets REDIS_TIMEOUT_MS, commands are not queued while the
// connection is down (they fail at once), and the client reconnects by itself with a capped back-off.
import { Redis } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'

export function createRedis(options: { url: string; timeoutMs: number }, log: FastifyBaseLogger): Redis {
  const redis = new Redis(options.url, {
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(options.timeoutMs * 20, 1000),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  })
  // Logged on each change of state, not per failed command.
  let up = false
  redis.on('ready', () => {
    up = true
    log.info({ dependency: { name: 'redis' } }, 'redis connected')
  })
  redis.on('error', (err: Error) => {
    if (!up) return
    up = false
    log.warn({ dependency: { name: 'redis', reason: 'connection_lost' }, cause: err.message }, 'dependency fault')
  })
  redis.on('end', () => {
    up = false
  })
  return redis
}
