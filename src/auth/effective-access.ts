// Effective access (modules, permissions) of a user in a company, as Auth computes it
// (GET /auth/me/access). This service enforces access; it never computes it.
//
// Caching follows the platform's access-caching rules: only successful resolutions, bounded in size,
// a short TTL, keyed by user + company + tokenVersion + the token itself (a reissued token or a bumped
// tokenVersion misses), never served stale. When Auth cannot answer, the request fails with 503.
import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { z } from 'zod'
import { systemClock, type Clock } from '../clock.ts'
import { AppError, authUnavailable, forbidden, unauthorized } from '../errors.ts'
import type { AuthObserver } from '../metrics.ts'
import type { VerifiedToken } from './tokens.ts'

export interface EffectiveAccess {
  userId: string
  companyId: string
  tenantRole: string
  modules: string[]
  permissions: string[]
  meta: { tokenVersion?: number; accessVersion?: number; entitlementVersion?: number; generatedAt?: string }
}

export interface AccessRequest {
  /** The raw bearer token, forwarded to Auth. */
  token: string
  verified: VerifiedToken
  orgId: string
}

export interface AccessResolver {
  resolve(request: AccessRequest): Promise<EffectiveAccess>
}

const AccessResponse = z.object({
  success: z.literal(true),
  data: z.object({
    userId: z.string(),
    companyId: z.string(),
    tenantRole: z.string(),
    modules: z.array(z.string()),
    permissions: z.array(z.string()),
    meta: z
      .object({
        tokenVersion: z.number().int().optional(),
        accessVersion: z.number().int().optional(),
        entitlementVersion: z.number().int().optional(),
        generatedAt: z.string().optional(),
      })
      .default({}),
  }),
})

const ErrorResponse = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) })

async function errorMessage(res: Response): Promise<string | undefined> {
  const parsed = ErrorResponse.safeParse(await res.json().catch(() => null))
  return parsed.success ? parsed.data.error.message : undefined
}

export function authAccessClient(options: {
  authUrl: string
  internalApiKey?: string
  timeoutMs: number
  cacheTtlMs: number
  cacheMax: number
  fetch?: typeof fetch
  observer?: AuthObserver
  /** What the cache's TTL is measured against. */
  clock?: Clock
}): AccessResolver {
  const doFetch = options.fetch ?? fetch
  const observer = options.observer

  async function fetchAccess(request: AccessRequest): Promise<EffectiveAccess> {
    const started = performance.now()
    let ok = false
    try {
      const access = await callAuth(request)
      ok = true
      return access
    } catch (e) {
      // A refusal Auth answered (400/401/403) is an answer; only failing to get one is a failed call.
      ok = e instanceof AppError && e.kind !== 'unavailable'
      throw e
    } finally {
      observer?.call('access', (performance.now() - started) / 1000, ok)
    }
  }

  async function callAuth({ token, verified, orgId }: AccessRequest): Promise<EffectiveAccess> {
    let res: Response
    try {
      res = await doFetch(`${options.authUrl}/auth/me/access`, {
        headers: {
          authorization: `Bearer ${token}`,
          'x-org': orgId,
          accept: 'application/json',
          ...(options.internalApiKey ? { 'x-internal-api-key': options.internalApiKey } : {}),
        },
        signal: AbortSignal.timeout(options.timeoutMs),
      })
    } catch (e) {
      throw authUnavailable('access', 'unable to resolve access', e)
    }
    if (res.status === 400) throw new AppError('validation', (await errorMessage(res)) ?? 'invalid x-org header')
    if (res.status === 401) throw unauthorized((await errorMessage(res)) ?? 'invalid or expired token')
    if (res.status === 403) throw forbidden((await errorMessage(res)) ?? 'no membership in this company')
    if (!res.ok) throw authUnavailable('access', `unable to resolve access (auth answered ${res.status})`)

    const parsed = AccessResponse.safeParse(await res.json().catch(() => null))
    if (!parsed.success) throw authUnavailable('access', 'unable to resolve access (unexpected answer from auth)')
    const access = parsed.data.data
    if (access.userId !== verified.userId || access.companyId !== orgId) {
      throw authUnavailable('access', 'unable to resolve access (auth answered for another user or company)')
    }
    if (verified.tokenVersion !== undefined && access.meta.tokenVersion !== undefined && access.meta.tokenVersion > verified.tokenVersion) {
      throw unauthorized('token revoked')
    }
    return access
  }

  if (options.cacheTtlMs === 0) return { resolve: fetchAccess }

  const cache = new LRUCache<string, EffectiveAccess, AccessRequest>({
    max: options.cacheMax,
    ttl: options.cacheTtlMs,
    perf: { now: () => (options.clock ?? systemClock).now().getTime() },
    // Concurrent requests for the same key share one call to Auth.
    fetchMethod: (_key, _stale, { context }) => fetchAccess(context),
    allowStale: false,
    allowStaleOnFetchRejection: false,
    allowStaleOnFetchAbort: false,
    noDeleteOnFetchRejection: false,
  })

  return {
    async resolve(request) {
      const tokenHash = createHash('sha256').update(request.token).digest('base64url')
      const key = `${request.verified.userId}|${request.orgId}|${request.verified.tokenVersion ?? '-'}|${tokenHash}`
      const status: LRUCache.Status<string, EffectiveAccess, AccessRequest> = {}
      const access = await cache.fetch(key, { context: request, status })
      observer?.cacheLookup(status.fetch === 'hit')
      if (!access) throw authUnavailable('access')
      return access
    },
  }
}
