// The REST GET response cache (the platform's redis-get-cache.md, FINAL for Artists), hardened (rules,
// keys, tags and what is never cached: src/cache/README.md):
// - only routes that declare a cache policy are cached (an allowlist: directory, geo, genres, availability
//   search, the marketplace); the booking pipeline, contracts, logistics and finance never are, since reading
//   them writes their expiry, nor are the dashboards, whose live counts change with the clock alone;
// - the route's access rule runs before the cache is read, and only 200 answers are stored;
// - the key carries a fingerprint of what the caller may see (kind, company, bridged agency, tenant role,
//   modules and permissions), so two users of one company with different permissions never share an entry;
// - entries are invalidated by tag: each entry records the versions of its tags when its answer was read
//   from the database, and a write bumps the versions of the tags its outbox events name (catalog), so an
//   answer read before a write commits can never be served after it (a stale entry is a miss, not a hit);
// - Redis slow (REDIS_TIMEOUT_MS) or down: the answer is served live, never an error.
import { createHash, randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { Caller } from '../auth/identity.ts'
import type { Metrics } from '../metrics.ts'
import { EVENTS, type CacheTag } from '../modules/outbox/catalog.ts'

/** What a route declares to be cached: for how long, and which writes change its answers. */
export interface CachePolicy {
  ttlSeconds: number
  tags: readonly CacheTag[]
}

export const CACHE = {
  /** Directory, genres, geo: network-wide reference data that changes rarely. */
  directory: { ttlSeconds: 300, tags: ['directory'] },
  /**
   * Availability search and the marketplace: windows, representation, profiles, genres, and the days booked
   * or held shape them. Seconds, because a hold lapsing and the day turning change them with no write.
   */
  search: { ttlSeconds: 30, tags: ['directory', 'availability', 'calendar'] },
} as const satisfies Record<string, CachePolicy>

export type CacheOutcome = 'HIT' | 'MISS' | 'BYPASS'

const PREFIX = 'artists:'
const tagKey = (tag: string) => `${PREFIX}tag:${tag}`
/** A tag never bumped reads as this version (its key is absent). */
const UNVERSIONED = '-'

/**
 * An entry is the versions of the policy's tags when the answer was read, one line, then the answer as sent:
 * a hit compares the first line and slices the rest, never parsing or re-encoding the answer.
 */
const entryOf = (versions: string[], body: string) => `${versions.join(' ')}\n${body}`
/** The answer of an entry stored under `versions`, or undefined when a tag moved since (or no entry). */
function answerOf(entry: string | null, versions: string[]): string | undefined {
  const head = `${versions.join(' ')}\n`
  return entry?.startsWith(head) ? entry.slice(head.length) : undefined
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** What the answers of a cached route may depend on besides the URL: who the caller is allowed to be. */
export function accessFingerprint(caller: Caller, agencyId: string | null): string {
  if (caller.kind === 'machine') return 'machine'
  const { tenantRole, modules, permissions } = caller.access
  return sha256(JSON.stringify([caller.orgId, agencyId, tenantRole, [...modules].sort(), [...permissions].sort()])).slice(0, 32)
}

/**
 * `artists:GET:{path}:{sortedQueryHash}:{org|anon}:{fingerprint}`, with `live` left out of the query. The query
 * is the one the route parsed (the request's `query`), never the URL decoded again: a second decoder that
 * differs on one input (an invalid escape, `+`, a repeated name) would give two searches one entry.
 */
export function cacheKey(url: string, query: Record<string, unknown>, org: string | undefined, fingerprint: string): string {
  const path = url.split('?', 1)[0] ?? ''
  const params = Object.entries(query)
    .filter(([name]) => name !== 'live')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const queryHash = sha256(JSON.stringify(params)).slice(0, 16)
  return `${PREFIX}GET:${path}:${queryHash}:${org ?? 'anon'}:${fingerprint}`
}

export const wantsBypass = (query: Record<string, unknown>, headers: Record<string, unknown>) =>
  query.live === 'true' || String(headers['x-redis'] ?? '').toLowerCase() === 'bypass'

/** The cache tags a set of outbox event types invalidates. */
export function tagsOfEvents(types: Iterable<string>): Set<CacheTag> {
  const tags = new Set<CacheTag>()
  for (const type of types) for (const tag of EVENTS[type]?.cacheTags ?? []) tags.add(tag)
  return tags
}

export class GetCache {
  constructor(
    private readonly redis: Redis,
    private readonly log: FastifyBaseLogger,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Serves `key` from the cache or computes it: `answer` runs on a miss or a bypass, and its serialized
   * result is stored in the background (the caller never waits for the write).
   */
  async serve(
    key: string,
    policy: CachePolicy,
    bypass: boolean,
    answer: () => Promise<string>,
  ): Promise<{ body: string; outcome: CacheOutcome }> {
    const tagKeys = policy.tags.map(tagKey)
    const read = await this.redis.mget(key, ...tagKeys).catch((e: unknown) => this.fault('read', e))
    const versions = read ? read.slice(1).map((v) => v ?? UNVERSIONED) : undefined
    const cached = read && versions && !bypass ? answerOf(read[0] ?? null, versions) : undefined
    if (cached !== undefined) {
      this.metrics.getCacheLookup('hit')
      return { body: cached, outcome: 'HIT' }
    }
    this.metrics.getCacheLookup(bypass ? 'bypass' : 'miss')
    const body = await answer()
    // Versions read before the answer: a write that commits meanwhile bumps them, and the entry is stale at once. The
    // entry is encoded and written once the answer is on its way (the reply's hooks and write run before the next turn
    // of the event loop), not before: a MISS's server time over no cache fell from +0.84 to +0.47 ms on the directory
    // list and from +0.56 to +0.36 on the search (p50, one at a time, bench/cache.ts, 2 December 2026).
    if (versions) {
      setImmediate(
        () => void this.redis.set(key, entryOf(versions, body), 'EX', policy.ttlSeconds).catch((e: unknown) => this.fault('write', e)),
      )
    }
    return { body, outcome: bypass ? 'BYPASS' : 'MISS' }
  }

  /** Makes every entry tagged with one of `tags` stale (a new random version per tag); false when Redis failed. */
  async invalidate(tags: Iterable<CacheTag>): Promise<boolean> {
    const args = [...tags].flatMap((tag) => [tagKey(tag), randomUUID()])
    if (!args.length) return true
    return this.redis.mset(...args).then(
      () => true,
      (e: unknown) => this.fault('invalidate', e) ?? false,
    )
  }

  private fault(operation: string, e: unknown): undefined {
    this.metrics.getCacheFault(operation)
    this.log.warn(
      { dependency: { name: 'redis', reason: 'get_cache' }, operation, cause: e instanceof Error ? e.message : String(e) },
      'get cache unavailable',
    )
    return undefined
  }
}
