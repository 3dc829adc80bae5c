// Who is calling: one function shared by GraphQL and REST, in the platform's fail-closed order:
// machine key, or JWT valid → x-org present and a UUID → effective access resolved by Auth.
import { createHash, timingSafeEqual } from 'node:crypto'
import { systemClock, type Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import type { AuthObserver } from '../metrics.ts'
import { AppError, unauthorized } from '../errors.ts'
import { devAccessResolver, devSigningKey, publicKeySet } from './dev-identity.ts'
import { authAccessClient, type AccessResolver, type EffectiveAccess } from './effective-access.ts'
import { localTokenVerifier, remoteTokenVerifier, type TokenVerifier, type VerifiedToken } from './tokens.ts'
import type { JSONWebKeySet } from 'jose'

export type Caller = { kind: 'user'; userId: string; orgId: string; access: EffectiveAccess; token: VerifiedToken } | { kind: 'machine' }

export interface CallerHeaders {
  authorization?: string
  'x-org'?: string
  'x-internal-api-key'?: string
  /** Caller headers the request carries more than once. */
  duplicated?: string[]
}

export interface Identity {
  resolveCaller(headers: CallerHeaders): Promise<Caller>
  /** Readiness: throws when the signing keys cannot be fetched. */
  checkKeys(): Promise<void>
  /** In dev mode, the key set this process serves at /.well-known/jwks.json. */
  devKeySet?: JSONWebKeySet
  /**
   * Who is calling as far as the request itself proves it (a valid machine key, or a verified token and its
   * x-org), without asking Auth: what rate limits count by. Undefined for anonymous or unprovable callers.
   */
  subject(headers: CallerHeaders): Promise<Subject | undefined>
}

export type Subject = { kind: 'tenant'; userId: string; orgId: string } | { kind: 'machine'; keyId: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Constant-time comparison against every configured key (comma-separated, so keys can rotate), given by their digests. */
function isInternalKey(presented: string, keyDigests: Buffer[]): boolean {
  const p = digest(presented)
  let match = false
  for (const k of keyDigests) match = timingSafeEqual(p, k) || match
  return match
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return m?.[1]
}

export function createIdentity(deps: {
  verifier: TokenVerifier
  access: AccessResolver
  internalApiKeys: string[]
  devKeySet?: JSONWebKeySet
}): Identity {
  // The keys' digests once, not per request: a machine call then hashes only the key it presents.
  const keyDigests = deps.internalApiKeys.map(digest)
  return {
    devKeySet: deps.devKeySet,
    checkKeys: () => deps.verifier.checkKeys(),
    async subject(headers) {
      const internalKey = headers['x-internal-api-key']
      if (internalKey !== undefined) {
        if (!isInternalKey(internalKey, keyDigests)) return undefined
        // Keys are secrets: they are counted (and logged) by a digest prefix, never by value.
        return { kind: 'machine', keyId: digest(internalKey).toString('hex').slice(0, 16) }
      }
      const token = bearerToken(headers.authorization)
      if (!token) return undefined
      const verified = await deps.verifier.verify(token).catch(() => undefined)
      if (!verified) return undefined
      const orgId = headers['x-org']?.trim().toLowerCase()
      return { kind: 'tenant', userId: verified.userId, orgId: orgId && UUID.test(orgId) ? orgId : '-' }
    },
    async resolveCaller(headers) {
      // Two tokens, two companies or two keys name two callers: answering as either one would be a guess.
      if (headers.duplicated?.length)
        throw new AppError('validation', `repeated header: ${headers.duplicated.join(', ')}`, {
          code: 'duplicate_header',
          fields: headers.duplicated.map((field) => ({ field, message: 'sent more than once' })),
        })
      const internalKey = headers['x-internal-api-key']
      if (internalKey !== undefined) {
        if (keyDigests.length === 0 || !isInternalKey(internalKey, keyDigests)) {
          throw unauthorized('invalid internal API key')
        }
        return { kind: 'machine' }
      }
      if (!headers.authorization) throw unauthorized('missing bearer token')
      const token = bearerToken(headers.authorization)
      if (!token) throw unauthorized('malformed authorization header')
      const verified = await deps.verifier.verify(token)

      const orgId = headers['x-org']?.trim()
      if (!orgId) throw new AppError('validation', 'missing x-org header')
      if (!UUID.test(orgId)) throw new AppError('validation', 'invalid x-org header: expected a company UUID')

      const access = await deps.access.resolve({ token, verified, orgId: orgId.toLowerCase() })
      return { kind: 'user', userId: verified.userId, orgId: orgId.toLowerCase(), access, token: verified }
    },
  }
}

export async function identityFromConfig(config: Config, clock: Clock = systemClock, observer?: AuthObserver): Promise<Identity> {
  const auth = config.auth
  if (auth.mode === 'dev') {
    const keySet = publicKeySet(await devSigningKey(auth.identityDir))
    return createIdentity({
      verifier: localTokenVerifier(keySet, { issuer: auth.issuer, audience: auth.audience, maxTokenAgeS: auth.maxTokenAgeS }),
      access: devAccessResolver(auth.identityDir),
      internalApiKeys: config.internalApiKeys,
      devKeySet: keySet,
    })
  }
  return createIdentity({
    verifier: remoteTokenVerifier({
      jwksUrl: auth.jwksUrl,
      issuer: auth.issuer,
      audience: auth.audience,
      maxTokenAgeS: auth.maxTokenAgeS,
      timeoutMs: auth.timeoutMs,
      cooldownMs: auth.jwksCooldownMs,
      observer,
    }),
    access: authAccessClient({
      authUrl: auth.url,
      internalApiKey: auth.internalApiKey,
      timeoutMs: auth.timeoutMs,
      cacheTtlMs: auth.cacheTtlMs,
      cacheMax: auth.cacheMax,
      observer,
      clock,
    }),
    internalApiKeys: config.internalApiKeys,
  })
}
