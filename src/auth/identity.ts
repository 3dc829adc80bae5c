// Who is calling: one function shared by GraphQL and REST, in the platform's fail-closed order:
// machine key, or JWT valid → x-org present and a UUID → effective access resolved by Auth.
import { createHash, timingSafeEqual } from 'node:crypto'
import { systemClock, type Clock } from '../clock.ts'
import type { Config } from '../config.ts'
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
}

export interface Identity {
  resolveCaller(headers: CallerHeaders): Promise<Caller>
  /** Readiness: throws when the signing keys cannot be fetched. */
  checkKeys(): Promise<void>
  /** In dev mode, the key set this process serves at /.well-known/jwks.json. */
  devKeySet?: JSONWebKeySet
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Constant-time comparison against every configured key (comma-separated, so keys can rotate). */
export function isInternalKey(presented: string, keys: string[]): boolean {
  const p = digest(presented)
  let match = false
  for (const k of keys) match = timingSafeEqual(p, digest(k)) || match
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
  return {
    devKeySet: deps.devKeySet,
    checkKeys: () => deps.verifier.checkKeys(),
    async resolveCaller(headers) {
      const internalKey = headers['x-internal-api-key']
      if (internalKey !== undefined) {
        if (deps.internalApiKeys.length === 0 || !isInternalKey(internalKey, deps.internalApiKeys)) {
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

export async function identityFromConfig(config: Config, clock: Clock = systemClock): Promise<Identity> {
  const auth = config.auth
  if (auth.mode === 'dev') {
    const keySet = publicKeySet(await devSigningKey(auth.identityDir))
    return createIdentity({
      verifier: localTokenVerifier(keySet, { issuer: auth.issuer, audience: auth.audience }),
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
      timeoutMs: auth.timeoutMs,
      cooldownMs: auth.jwksCooldownMs,
    }),
    access: authAccessClient({
      authUrl: auth.url,
      internalApiKey: auth.internalApiKey,
      timeoutMs: auth.timeoutMs,
      cacheTtlMs: auth.cacheTtlMs,
      cacheMax: auth.cacheMax,
      clock,
    }),
    internalApiKeys: config.internalApiKeys,
  })
}
