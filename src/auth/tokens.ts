// Bearer token verification with jose. Only asymmetric algorithms are accepted (an `alg: none` or HMAC
// token never verifies); issuer and audience are checked when configured. A key set fetched from Auth is
// cached, and a token signed with an unknown `kid` triggers one refetch (at most once per cooldown).
// A key set that cannot be fetched or read (Auth down, an error page, not a JWKS) is 503: the token cannot
// be judged, so it is not called bad. After such a failure no fetch is tried again for a cooldown.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { LRUCache } from 'lru-cache'
import type { AuthObserver } from '../metrics.ts'
import { AppError, authUnavailable, unauthorized } from '../errors.ts'
import { isUuid } from '../validation.ts'

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

export interface VerifiedToken {
  userId: string
  /** Auth bumps it to revoke every token of a user; part of the access cache key. */
  tokenVersion?: number
  sessionId?: string
  claims: JWTPayload
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>
  /** Throws when the key set cannot be fetched (readiness). */
  checkKeys(): Promise<void>
}

type KeyGetter = Parameters<typeof jwtVerify>[1]

/** How far the clocks of Auth and this service may disagree (exp, nbf, iat), in seconds. */
export const CLOCK_TOLERANCE_S = 30

export interface TokenRules {
  issuer?: string
  audience?: string
  /** The longest lifetime (exp − iat, or exp − now without iat) a token may have, in seconds. */
  maxTokenAgeS: number
}

/**
 * Claims jose does not judge on its own: a token is not issued in the future, and does not live longer than
 * Auth's tokens ever do (a stolen long-lived token would otherwise outlive every session revocation but one).
 */
function checkLifetime(payload: JWTPayload, maxTokenAgeS: number) {
  const now = Math.floor(Date.now() / 1000)
  if (payload.iat !== undefined && payload.iat > now + CLOCK_TOLERANCE_S) throw unauthorized('invalid token: issued in the future')
  if ((payload.exp ?? now) - (payload.iat ?? now) > maxTokenAgeS) throw unauthorized('invalid token: lifetime exceeds the accepted maximum')
}

/**
 * A token verified in the last minute is not verified again: a client sends the same token with every call,
 * and the signature check is most of what authenticating a call costs in CPU (twice per call with rate limits
 * on: its subject, then its caller). Only successes are kept, under the whole token, and expiry is judged
 * again on every hit. The minute bounds how long a token signed by a key Auth withdrew stays accepted;
 * revocation by token version is the access resolver's and does not pass through here.
 */
const VERIFIED_TTL_MS = 60_000
const VERIFIED_MAX = 10_000

function rememberingVerified(verify: (token: string) => Promise<VerifiedToken>) {
  const verified = new LRUCache<string, VerifiedToken>({ max: VERIFIED_MAX, ttl: VERIFIED_TTL_MS })
  return async (token: string): Promise<VerifiedToken> => {
    const known = verified.get(token)
    // jose's rule for exp, with the same tolerance: past it the token verifies anew, and fails as expired.
    if (known && Math.floor(Date.now() / 1000) - CLOCK_TOLERANCE_S < (known.claims.exp ?? 0)) return known
    const fresh = await verify(token)
    verified.set(token, fresh)
    return fresh
  }
}

function verifierFor(keys: KeyGetter, options: TokenRules) {
  return rememberingVerified(async (token: string): Promise<VerifiedToken> => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ASYMMETRIC_ALGORITHMS,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
      })
      checkLifetime(payload, options.maxTokenAgeS)
      // Auth's user ids are UUIDs, and so are the columns that record who acted: any other subject is not a
      // user of this platform (and would otherwise fail on the first write).
      if (!isUuid(payload.sub)) throw unauthorized('invalid token: sub claim is not a user id')
      return {
        userId: payload.sub,
        tokenVersion: typeof payload.tokenVersion === 'number' ? payload.tokenVersion : undefined,
        sessionId: typeof payload.sessionId === 'string' ? payload.sessionId : undefined,
        claims: payload,
      }
    } catch (e) {
      throw e instanceof AppError ? e : tokenError(e)
    }
  })
}

/** Fetching or reading the key set failed: says nothing about the token. */
class KeySetUnavailable extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause })
    this.name = 'KeySetUnavailable'
  }
}

function tokenError(e: unknown): AppError {
  if (e instanceof KeySetUnavailable || e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) {
    return authUnavailable('signing_keys', 'unable to fetch signing keys', e)
  }
  if (e instanceof errors.JWTExpired) return unauthorized('token expired')
  if (e instanceof errors.JWTClaimValidationFailed) return unauthorized(`invalid token: ${e.claim} claim check failed`)
  if (e instanceof errors.JWKSNoMatchingKey) return unauthorized('invalid token: unknown signing key')
  if (e instanceof errors.JOSEAlgNotAllowed) return unauthorized('invalid token: algorithm not allowed')
  if (e instanceof errors.JWSSignatureVerificationFailed) return unauthorized('invalid token: bad signature')
  if (e instanceof errors.JOSEError) return unauthorized('invalid token')
  // Anything else is the key set fetch failing (network): we cannot tell whether the token is valid.
  return authUnavailable('signing_keys', 'unable to fetch signing keys', e)
}

const isKeySet = (v: unknown): v is JSONWebKeySet =>
  typeof v === 'object' &&
  v !== null &&
  Array.isArray((v as { keys?: unknown }).keys) &&
  (v as { keys: unknown[] }).keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k))

/**
 * The only way jose reaches the key set. Every failure of the fetch — network, timeout, a non-200 answer, a
 * body that is not a JSON key set — is thrown as KeySetUnavailable (jose passes it through unchanged), so it
 * is told apart from a bad token by its type, not its message. After a failure, fetches fail at once for
 * `backoffMs`: an outage costs one fetch per back-off, not one per request.
 */
function keySetFetch(backoffMs: number, observer?: AuthObserver): FetchImplementation {
  let failedAt = Number.NEGATIVE_INFINITY
  let lastFailure: unknown
  return async (url, init) => {
    if (Date.now() < failedAt + backoffMs) throw new KeySetUnavailable('key set fetch failed recently; not retried yet', lastFailure)
    const started = performance.now()
    try {
      const res = await fetch(url, init)
      if (res.status !== 200) throw new KeySetUnavailable(`key set answered HTTP ${res.status}`)
      const body = await res.text()
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch (e) {
        throw new KeySetUnavailable('key set answer is not JSON', e)
      }
      if (!isKeySet(parsed)) throw new KeySetUnavailable('key set answer is not a JSON Web Key Set')
      observer?.call('jwks', (performance.now() - started) / 1000, true)
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
    } catch (e) {
      observer?.call('jwks', (performance.now() - started) / 1000, false)
      failedAt = Date.now()
      lastFailure = e
      throw e instanceof KeySetUnavailable ? e : new KeySetUnavailable('key set could not be fetched', e)
    }
  }
}

/**
 * The key getter given to jwtVerify, tagged: apart from "no key (or several) for this token's kid", whatever
 * jose's remote key set throws is the key set failing (a fetch, or a member that does not import).
 */
function taggedKeyGetter(jwks: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await jwks(header, token)
    } catch (e) {
      if (e instanceof KeySetUnavailable || e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) throw e
      throw new KeySetUnavailable('signing keys could not be read', e)
    }
  }
}

export function remoteTokenVerifier(
  options: TokenRules & {
    jwksUrl: string
    timeoutMs: number
    /** Minimum time between two unknown-kid refetches, and between a failed fetch and the next try. */
    cooldownMs: number
    observer?: AuthObserver
  },
): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: 10 * 60_000,
    [customFetch]: keySetFetch(options.cooldownMs, options.observer),
  })
  return {
    verify: verifierFor(taggedKeyGetter(jwks), options),
    checkKeys: async () => {
      await jwks.reload()
    },
  }
}

export function localTokenVerifier(keySet: JSONWebKeySet, options: TokenRules): TokenVerifier {
  return { verify: verifierFor(createLocalJWKSet(keySet), options), checkKeys: async () => {} }
}
