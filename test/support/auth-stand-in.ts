// A real HTTP stand-in for the Auth service: it serves a JWKS of real RSA keys, signs real JWTs, and
// answers GET /auth/me/access from grants the test sets, the way Auth does (400 / 401 / 403 / 200).
// Tests can rotate keys, take the access endpoint or the key set down, make it slow, and count its calls.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose'

export interface Grant {
  modules: string[]
  permissions: string[]
  tenantRole?: string
  tokenVersion?: number
  accessVersion?: number
}

interface SigningKey {
  kid: string
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']
  publicJwk: JWK
}

export interface Session {
  userId: string
  orgId: string
  token: string
  headers: Record<string, string>
}

export type AccessMode = 'up' | 'error' | 'reset' | 'slow'
/** How the JWKS endpoint answers: the key set, a 503, an HTML page (200), or JSON that is not a key set. */
export type JwksMode = 'up' | 'error' | 'html' | 'not-a-key-set'

/** The JWKS cooldown the service under test runs with (the smallest the configuration accepts). */
export const JWKS_COOLDOWN_MS = 1000

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } }
}

export async function startAuthStandIn(options: { issuer?: string; audience?: string; internalApiKey?: string } = {}) {
  const issuer = options.issuer ?? 'https://auth.kisum.test'
  const audience = options.audience ?? 'kisum'
  const internalApiKey = options.internalApiKey ?? 'auth-internal-key'
  const served: SigningKey[] = [await newKey('key-1')]
  const grants = new Map<string, Grant>()
  const accessCalls: { authorization?: string; org?: string; internalKey?: string }[] = []
  let jwksFetches = 0
  let mode: AccessMode = 'up'
  let jwksMode: JwksMode = 'up'
  let slowMs = 0

  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const fail = (res: import('node:http').ServerResponse, status: number, code: string, message: string) =>
    json(res, status, { success: false, error: { code, message } })

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    if (url.pathname === '/.well-known/jwks.json') {
      jwksFetches++
      if (jwksMode === 'error') return fail(res, 503, 'service_unavailable', 'auth is down')
      if (jwksMode === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' })
        return res.end('<!doctype html><title>Maintenance</title><h1>Back soon</h1>')
      }
      if (jwksMode === 'not-a-key-set') return json(res, 200, { success: true, data: { keys: 'none' } })
      return json(res, 200, { keys: served.map((k) => k.publicJwk) })
    }
    if (url.pathname !== '/auth/me/access') return fail(res, 404, 'not_found', 'no such route')

    const h = req.headers
    accessCalls.push({ authorization: h.authorization, org: h['x-org'] as string, internalKey: h['x-internal-api-key'] as string })
    if (mode === 'reset') return req.socket.destroy()
    if (mode === 'error') return fail(res, 503, 'service_unavailable', 'core unavailable')
    if (mode === 'slow') await new Promise((r) => setTimeout(r, slowMs))
    if (h['x-internal-api-key'] !== internalApiKey) return fail(res, 401, 'unauthorized', 'backend callers must present the internal key')

    const token = /^Bearer (.+)$/.exec(h.authorization ?? '')?.[1]
    let sub: string
    let tokenVersion: number | undefined
    try {
      const { payload } = await jwtVerify(token ?? '', createLocalJWKSet({ keys: served.map((k) => k.publicJwk) }), { issuer, audience })
      sub = payload.sub!
      tokenVersion = payload.tokenVersion as number | undefined
    } catch {
      return fail(res, 401, 'unauthorized', 'invalid or expired token')
    }
    const org = h['x-org'] as string | undefined
    if (!org) return fail(res, 400, 'validation_error', 'missing x-org header')
    const grant = grants.get(`${sub}|${org}`)
    if (!grant) return fail(res, 403, 'forbidden', 'no membership in company')
    const currentVersion = grant.tokenVersion ?? 1
    if (tokenVersion !== undefined && tokenVersion < currentVersion) return fail(res, 401, 'session_revoked', 'token revoked')
    return json(res, 200, {
      success: true,
      data: {
        userId: sub,
        companyId: org,
        tenantRole: grant.tenantRole ?? 'ADMIN',
        modules: grant.modules,
        permissions: grant.permissions,
        delegation: { canManageUsers: false, canBuyAddons: false, grantableModules: [], grantablePermissions: [] },
        meta: {
          tokenVersion: currentVersion,
          accessVersion: grant.accessVersion ?? 1,
          entitlementVersion: 1,
          generatedAt: new Date().toISOString(),
        },
      },
    })
  }
  // A handler that throws answers 500, as a real Auth would, rather than leaving the service waiting.
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => fail(res, 500, 'internal_error', String(e)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  async function sign(
    claims: Record<string, unknown>,
    opts: {
      key?: SigningKey
      expiresIn?: string | number
      issuer?: string
      audience?: string
      subject?: string
      /** The iat claim (seconds since the epoch), or null for a token without one; now by default. */
      issuedAt?: number | null
    } = {},
  ) {
    const key = opts.key ?? served.at(-1)
    if (!key) throw new Error('the stand-in serves no signing key to sign with')
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setSubject(opts.subject ?? randomUUID())
      .setIssuer(opts.issuer ?? issuer)
      .setAudience(opts.audience ?? audience)
      .setExpirationTime(opts.expiresIn ?? '10m')
    if (opts.issuedAt !== null) jwt.setIssuedAt(opts.issuedAt)
    return jwt.sign(key.privateKey)
  }

  return {
    url,
    issuer,
    audience,
    internalApiKey,
    accessCalls,
    get jwksFetches() {
      return jwksFetches
    },
    /** Env for the service under test, pointing at this stand-in. */
    env: (): Record<string, string> => ({
      AUTH_URL: url,
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_INTERNAL_API_KEY: internalApiKey,
      AUTH_JWKS_COOLDOWN_MS: String(JWKS_COOLDOWN_MS),
    }),
    /** A signed-in user with the given effective access in a company. */
    async session(grant: Grant & { orgId?: string; userId?: string }): Promise<Session> {
      const userId = grant.userId ?? randomUUID()
      const orgId = grant.orgId ?? randomUUID()
      grants.set(`${userId}|${orgId}`, grant)
      const token = await sign({ tokenVersion: grant.tokenVersion ?? 1 }, { subject: userId })
      return { userId, orgId, token, headers: { authorization: `Bearer ${token}`, 'x-org': orgId } }
    },
    grant(userId: string, orgId: string, grant: Grant) {
      grants.set(`${userId}|${orgId}`, grant)
    },
    sign,
    /** A key that signs tokens but is not (yet) in the served JWKS. */
    newKey,
    /** Adds a key to the JWKS (rotation) and makes it the default signing key. */
    async rotate(kid: string) {
      const key = await newKey(kid)
      served.push(key)
      return key
    },
    setMode(next: AccessMode, delayMs = 0) {
      mode = next
      slowMs = delayMs
    },
    setJwksMode(next: JwksMode) {
      jwksMode = next
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export type AuthStandIn = Awaited<ReturnType<typeof startAuthStandIn>>
