// Dev identity mode (AUTH_MODE=dev): a stand-in for Auth on a developer machine. A signing key is
// generated once and kept under DEV_IDENTITY_DIR; its public half is served at /.well-known/jwks.json;
// effective access comes from a local grants file that `npm run token` writes. Refused in production.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose'
import { z } from 'zod'
import { forbidden } from '../errors.ts'
import type { AccessResolver, EffectiveAccess } from './effective-access.ts'

const ALG = 'ES256'

const Grant = z.object({
  userId: z.string().uuid(),
  orgId: z.string().uuid(),
  tenantRole: z.string().default('ADMIN'),
  modules: z.array(z.string()),
  permissions: z.array(z.string()),
})
export type DevGrant = z.infer<typeof Grant>
const GrantsFile = z.object({ grants: z.array(Grant) })

const keyPath = (dir: string) => path.join(dir, 'signing-key.json')
const grantsPath = (dir: string) => path.join(dir, 'grants.json')

/** The dev signing key (private JWK with kid), created on first use. */
export async function devSigningKey(dir: string): Promise<JWK> {
  if (existsSync(keyPath(dir))) return JSON.parse(readFileSync(keyPath(dir), 'utf8')) as JWK
  const { privateKey } = await generateKeyPair(ALG, { extractable: true })
  const jwk = { ...(await exportJWK(privateKey)), alg: ALG, use: 'sig', kid: `dev-${Date.now().toString(36)}` }
  mkdirSync(dir, { recursive: true })
  writeFileSync(keyPath(dir), JSON.stringify(jwk, null, 2), { mode: 0o600 })
  return jwk
}

export function publicKeySet(privateJwk: JWK): JSONWebKeySet {
  const { d: _private, ...publicJwk } = privateJwk
  return { keys: [publicJwk] }
}

function readGrants(dir: string): DevGrant[] {
  if (!existsSync(grantsPath(dir))) return []
  return GrantsFile.parse(JSON.parse(readFileSync(grantsPath(dir), 'utf8'))).grants
}

/** Records (or replaces) the grant of a user in a company. */
export function writeGrant(dir: string, grant: DevGrant): void {
  const grants = readGrants(dir).filter((g) => !(g.userId === grant.userId && g.orgId === grant.orgId))
  mkdirSync(dir, { recursive: true })
  writeFileSync(grantsPath(dir), JSON.stringify({ grants: [...grants, grant] }, null, 2))
}

export async function mintDevToken(options: {
  dir: string
  issuer: string
  audience: string
  userId: string
  email?: string
  ttlSeconds?: number
}): Promise<string> {
  const jwk = await devSigningKey(options.dir)
  const key = await importJWK(jwk, ALG)
  return new SignJWT({ email: options.email, tokenVersion: 1, authType: 'dev' })
    .setProtectedHeader({ alg: ALG, kid: jwk.kid, typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 12 * 3600}s`)
    .sign(key)
}

/**
 * How old the grants file must have been when it was read for that reading to be reused. File times come from
 * a coarse clock (a tick of a few ms): a write within the tick of the one read would keep the time (and maybe
 * the size), so a file read while that young is read again on the next call, as git treats a "racily clean"
 * index entry. Past it, any later write changes the time.
 */
const SETTLED_MS = 1_000

/**
 * The grants file as of this call: read again only when it changed (device, inode, size, modification time)
 * or was still young when last read, so that a grant written by `npm run token`, a test or another thread is
 * seen by the next request. Reading and validating the file on every call was ~4.5% of a booking flow's CPU.
 */
function grantsReader(dir: string): () => DevGrant[] {
  let known: { stamp: string; settled: boolean; grants: DevGrant[] } | undefined
  return () => {
    const stat = statSync(grantsPath(dir), { throwIfNoEntry: false })
    if (!stat) return []
    const stamp = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`
    if (known?.stamp === stamp && known.settled) return known.grants
    const readAt = Date.now()
    const grants = readGrants(dir)
    known = { stamp, settled: readAt - stat.mtimeMs > SETTLED_MS && readAt - stat.ctimeMs > SETTLED_MS, grants }
    return grants
  }
}

/** Effective access from the grants file; no grant for the (user, company) pair is "no membership". */
export function devAccessResolver(dir: string): AccessResolver {
  const grants = grantsReader(dir)
  return {
    async resolve({ verified, orgId }): Promise<EffectiveAccess> {
      const grant = grants().find((g) => g.userId === verified.userId && g.orgId === orgId)
      if (!grant) throw forbidden('no membership in this company')
      return {
        userId: grant.userId,
        companyId: grant.orgId,
        tenantRole: grant.tenantRole,
        // Copies: the grants read are kept for the next calls.
        modules: [...grant.modules],
        permissions: [...grant.permissions],
        meta: { tokenVersion: verified.tokenVersion, generatedAt: new Date().toISOString() },
      }
    },
  }
}
