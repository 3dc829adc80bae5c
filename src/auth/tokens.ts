// Bearer token verification with jose. Only asymmetric algorithms are accepted (an `alg: none` or HMAC
// token never verifies); issuer and audience are checked when configured. A key set fetched from Auth is
// cached, and a token signed with an unknown `kid` triggers one refetch (at most once per cooldown).
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose'
import { AppError, unauthorized, unavailable } from '../errors.ts'

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

function verifierFor(keys: KeyGetter, options: { issuer?: string; audience?: string }) {
  return async (token: string): Promise<VerifiedToken> => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ASYMMETRIC_ALGORITHMS,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['sub', 'exp'],
      })
      return {
        userId: payload.sub as string,
        tokenVersion: typeof payload.tokenVersion === 'number' ? payload.tokenVersion : undefined,
        sessionId: typeof payload.sessionId === 'string' ? payload.sessionId : undefined,
        claims: payload,
      }
    } catch (e) {
      throw tokenError(e)
    }
  }
}

function tokenError(e: unknown): AppError {
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return unavailable('unable to fetch signing keys', e)
  if (e instanceof errors.JWTExpired) return unauthorized('token expired')
  if (e instanceof errors.JWTClaimValidationFailed) return unauthorized(`invalid token: ${e.claim} claim check failed`)
  if (e instanceof errors.JWKSNoMatchingKey) return unauthorized('invalid token: unknown signing key')
  if (e instanceof errors.JOSEAlgNotAllowed) return unauthorized('invalid token: algorithm not allowed')
  if (e instanceof errors.JWSSignatureVerificationFailed) return unauthorized('invalid token: bad signature')
  if (e instanceof errors.JOSEError) return unauthorized('invalid token')
  // Anything else is the key set fetch failing (network): we cannot tell whether the token is valid.
  return unavailable('unable to fetch signing keys', e)
}

export function remoteTokenVerifier(options: {
  jwksUrl: string
  issuer?: string
  audience?: string
  timeoutMs: number
  cooldownMs: number
}): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: 10 * 60_000,
  })
  return {
    verify: verifierFor(jwks, options),
    checkKeys: async () => {
      await jwks.reload()
    },
  }
}

export function localTokenVerifier(keySet: JSONWebKeySet, options: { issuer?: string; audience?: string }): TokenVerifier {
  return { verify: verifierFor(createLocalJWKSet(keySet), options), checkKeys: async () => {} }
}
