// Configuration and the dev identity mode: the service signs its own tokens, serves its JWKS, reads
// effective access from a local grants file written by `npm run token` — and refuses all that in production.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'
import { mintDevToken, writeGrant } from '../src/auth/dev-identity.ts'
import { identityFromConfig } from '../src/auth/identity.ts'
import { createDb } from '../src/db/client.ts'
import { createLogger } from '../src/logger.ts'
import { buildServer } from '../src/server.ts'
import { freshDatabase } from './support/db.ts'

const run = promisify(execFile)

describe('configuration', () => {
  it('defaults to dev identity mode without an Auth URL, outside production', () => {
    expect(loadConfig({}).auth.mode).toBe('dev')
    expect(loadConfig({ AUTH_URL: 'https://auth.kisum.io' }).auth).toMatchObject({
      mode: 'remote',
      jwksUrl: 'https://auth.kisum.io/.well-known/jwks.json',
    })
  })

  it('refuses dev identity mode in production, and production without its essentials', () => {
    const tokens = { AUTH_ISSUER: 'https://auth.kisum.io', AUTH_AUDIENCE: 'kisum' }
    const prod = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/artists', AUTH_INTERNAL_API_KEY: 'k', ...tokens }
    expect(() => loadConfig({ ...prod, AUTH_MODE: 'dev' })).toThrow('AUTH_MODE=dev is refused when NODE_ENV=production')
    expect(() => loadConfig({ ...prod })).toThrow('AUTH_URL is required')
    expect(() => loadConfig({ NODE_ENV: 'production', AUTH_URL: 'https://auth.kisum.io', AUTH_INTERNAL_API_KEY: 'k', ...tokens })).toThrow(
      'DATABASE_URL is required',
    )
    expect(() =>
      loadConfig({ NODE_ENV: 'production', AUTH_URL: 'https://auth.kisum.io', DATABASE_URL: 'postgresql://db/a', ...tokens }),
    ).toThrow('AUTH_INTERNAL_API_KEY')
    const remote = { ...prod, AUTH_URL: 'https://auth.kisum.io' }
    expect(() => loadConfig({ ...remote, AUTH_ISSUER: undefined })).toThrow(ConfigError)
    expect(() => loadConfig({ ...remote, AUTH_ISSUER: undefined })).toThrow('AUTH_ISSUER is required in production')
    expect(() => loadConfig({ ...remote, AUTH_AUDIENCE: '' })).toThrow(ConfigError)
    expect(() => loadConfig({ ...remote, AUTH_AUDIENCE: '' })).toThrow('AUTH_AUDIENCE is required in production')
    expect(loadConfig(remote).auth).toMatchObject({ mode: 'remote', issuer: 'https://auth.kisum.io', audience: 'kisum' })
    expect(loadConfig(remote).graphql.introspection).toBe(false)
    // Outside production both stay optional.
    expect(loadConfig({ AUTH_URL: 'https://auth.kisum.io' }).auth).toMatchObject({ mode: 'remote', issuer: undefined, audience: undefined })
  })

  it('refuses a JWKS cooldown under a second (it is also the back-off after a failed key set fetch)', () => {
    for (const cooldown of ['0', '999']) {
      expect(() => loadConfig({ AUTH_URL: 'https://auth.kisum.io', AUTH_JWKS_COOLDOWN_MS: cooldown })).toThrow(ConfigError)
      expect(() => loadConfig({ AUTH_URL: 'https://auth.kisum.io', AUTH_JWKS_COOLDOWN_MS: cooldown })).toThrow('AUTH_JWKS_COOLDOWN_MS')
    }
    expect(loadConfig({ AUTH_URL: 'https://auth.kisum.io', AUTH_JWKS_COOLDOWN_MS: '1000' }).auth).toMatchObject({ jwksCooldownMs: 1000 })
    expect(loadConfig({ AUTH_URL: 'https://auth.kisum.io' }).auth).toMatchObject({ jwksCooldownMs: 30_000 })
  })

  it('names every invalid variable', () => {
    try {
      loadConfig({ PORT: 'eighty', ACCESS_CACHE_TTL_MS: '600000' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as Error).message).toContain('PORT')
      expect((e as Error).message).toContain('ACCESS_CACHE_TTL_MS')
    }
  })

  it('the process exits with the reason when started in dev mode in production', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'production', AUTH_MODE: 'dev', DATABASE_URL: 'postgresql://x/y' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('AUTH_MODE=dev is refused when NODE_ENV=production')
  })
})

describe('dev identity mode', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'artists-dev-identity-'))
  let database: Awaited<ReturnType<typeof freshDatabase>>
  let url: string
  let close: () => Promise<void>
  let config: ReturnType<typeof loadConfig>

  beforeAll(async () => {
    database = await freshDatabase()
    config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, DEV_IDENTITY_DIR: dir, LOG_LEVEL: 'silent' })
    const db = createDb({ url: database.url })
    const app = await buildServer({ config, db, identity: await identityFromConfig(config), log: createLogger('silent') })
    await app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    close = async () => {
      await app.close()
      await db.$disconnect()
    }
  })
  afterAll(async () => {
    await close()
    await database.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  const token = async (...args: string[]) =>
    (
      await run(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--quiet', ...args], {
        env: { ...process.env, DEV_IDENTITY_DIR: dir, AUTH_URL: '' },
      })
    ).stdout.trim()

  it('serves its public signing key as a JWKS, without the private part', async () => {
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' })
    expect(jwks.keys[0]?.d).toBeUndefined()
  })

  it('accepts a token from `npm run token` with the grant it recorded', async () => {
    const promoterOrg = '22222222-2222-4222-8222-222222222222'
    const t = await token('--as', 'promoter')
    const ok = await fetch(`${url}/api/v1/artists`, { headers: { authorization: `Bearer ${t}`, 'x-org': promoterOrg } })
    expect(ok.status).toBe(200)
    const elsewhere = await fetch(`${url}/api/v1/artists`, {
      headers: { authorization: `Bearer ${t}`, 'x-org': '99999999-9999-4999-8999-999999999999' },
    })
    expect(elsewhere.status).toBe(403)
  })

  it('grants exactly the modules and permissions asked for', async () => {
    const org = '55555555-5555-4555-8555-555555555555'
    const t = await token(
      '--user',
      '66666666-6666-4666-8666-666666666666',
      '--org',
      org,
      '--modules',
      'artist',
      '--permissions',
      'artist.directory.manage',
    )
    const r = await fetch(`${url}/api/v1/artists`, { headers: { authorization: `Bearer ${t}`, 'x-org': org } })
    expect(r.status).toBe(403)
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe(
      'missing permission: artist.directory.read or artist.agency.manage',
    )
  })

  it('sees every change of the grants file at the next call, however soon it follows the last', async () => {
    const grant = { userId: '77777777-7777-4777-8777-777777777777', orgId: '88888888-8888-4888-8888-888888888888', tenantRole: 'ADMIN' }
    const auth = config.auth as { issuer: string; audience: string }
    const t = await mintDevToken({ dir, issuer: auth.issuer, audience: auth.audience, userId: grant.userId })
    const status = async () =>
      (await fetch(`${url}/api/v1/artists`, { headers: { authorization: `Bearer ${t}`, 'x-org': grant.orgId } })).status
    // The two grants write files of the same size. Where file times come from a coarse clock, most often within one
    // tick of it: the young file's rule makes those seen. Linux since 6.13 gives a write that follows a stat a finer
    // time, so there (this machine's 6.18) the times alone tell them apart, and these rounds pass without that rule.
    const granted = () => writeGrant(dir, { ...grant, modules: ['artist'], permissions: ['artist.directory.read'] })
    const withdrawn = () => writeGrant(dir, { ...grant, modules: ['artisx'], permissions: ['artist.directory.read'] })
    for (let round = 0; round < 5; round++) {
      granted()
      expect(await status()).toBe(200)
      withdrawn()
      expect(await status()).toBe(403)
    }
    // Once the file has settled, its reading is reused, and a change is still seen at once.
    granted()
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    expect(await status()).toBe(200)
    expect(await status()).toBe(200)
    withdrawn()
    expect(await status()).toBe(403)
  })
})
