// Every way a call can fail authentication or authorization, on both faces, against a real JWKS, a real
// Auth stand-in and real JWTs: 401 is authentication, 400 a bad x-org, 403 authorization, 503 "access
// could not be determined" (Auth or its key set down) — never the other way round.
import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { MACHINE_KEY, MACHINE_KEY_PREVIOUS, startApp, type TestApp, useHarness } from './support/app.ts'
import { JWKS_COOLDOWN_MS, type JwksMode, startAuthStandIn } from './support/auth-stand-in.ts'
import { AGENCY_ACCESS, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness({ AUTH_TIMEOUT_MS: '300', ACCESS_CACHE_TTL_MS: '0' })

const LIST = '/api/v1/artists'
const QUERY = '{ artists(first: 1) { totalCount } }'

/** The same call on both faces: REST status + envelope code, GraphQL extensions. */
async function both(headers: Record<string, string>, app: TestApp = h.app) {
  const rest = await app.rest('GET', LIST, { headers })
  const gql = await app.graphql(QUERY, {}, { headers })
  return {
    status: rest.status,
    code: rest.body?.error?.code,
    message: rest.body?.error?.message as string | undefined,
    gqlCode: gql.errors?.[0]?.extensions?.code,
    gqlReason: gql.errors?.[0]?.extensions?.reason,
    gqlData: gql.data,
  }
}

const bearer = (token: string, org: string = randomUUID()) => ({ authorization: `Bearer ${token}`, 'x-org': org })

describe('authentication → 401 unauthorized / UNAUTHENTICATED', () => {
  it('rejects a missing token', async () => {
    const r = await both({ 'x-org': randomUUID() })
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', gqlCode: 'UNAUTHENTICATED' })
    expect(r.message).toBe('missing bearer token')
  })

  it('rejects a malformed authorization header', async () => {
    const r = await both({ authorization: 'Token abc', 'x-org': randomUUID() })
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', gqlCode: 'UNAUTHENTICATED' })
  })

  it('rejects an expired token', async () => {
    const token = await h.auth.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 })
    const r = await both(bearer(token))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', message: 'token expired', gqlCode: 'UNAUTHENTICATED' })
  })

  it('rejects a token issued in the future (a day ahead, no nbf), and tolerates a few seconds of clock skew', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const now = Math.floor(Date.now() / 1000)
    const ahead = await h.auth.sign({}, { subject: session.userId, issuedAt: now + 86_400, expiresIn: now + 86_400 + 600 })
    const r = await both(bearer(ahead, session.orgId))
    expect(r).toMatchObject({
      status: 401,
      code: 'unauthorized',
      message: 'invalid token: issued in the future',
      gqlCode: 'UNAUTHENTICATED',
    })
    const skewed = await h.auth.sign({}, { subject: session.userId, issuedAt: now + 10 })
    expect((await both(bearer(skewed, session.orgId))).status).toBe(200)
  })

  it('rejects a token living longer than AUTH_MAX_TOKEN_AGE (default a day), with or without iat', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const in2200 = Math.floor(Date.UTC(2200, 0, 1) / 1000)
    for (const issuedAt of [undefined, null]) {
      const token = await h.auth.sign({}, { subject: session.userId, issuedAt, expiresIn: in2200 })
      expect(await both(bearer(token, session.orgId))).toMatchObject({
        status: 401,
        code: 'unauthorized',
        message: 'invalid token: lifetime exceeds the accepted maximum',
        gqlCode: 'UNAUTHENTICATED',
      })
    }
    const day = await h.auth.sign({}, { subject: session.userId, expiresIn: '23h' })
    expect((await both(bearer(day, session.orgId))).status).toBe(200)
  })

  it('reads the maximum from AUTH_MAX_TOKEN_AGE', async () => {
    const strict = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { AUTH_MAX_TOKEN_AGE: '900' } })
    try {
      const session = await h.auth.session(AGENCY_ACCESS)
      const hour = await h.auth.sign({}, { subject: session.userId, expiresIn: '1h' })
      expect((await both(bearer(hour, session.orgId), strict)).status).toBe(401)
      expect((await both(bearer(hour, session.orgId))).status).toBe(200)
      expect((await both(session.headers, strict)).status).toBe(200)
    } finally {
      await strict.close()
    }
  })

  it('rejects a token from another issuer', async () => {
    const r = await both(bearer(await h.auth.sign({}, { issuer: 'https://evil.example' })))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', gqlCode: 'UNAUTHENTICATED' })
    expect(r.message).toContain('iss')
  })

  it('rejects a token for another audience', async () => {
    const r = await both(bearer(await h.auth.sign({}, { audience: 'another-service' })))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized' })
    expect(r.message).toContain('aud')
  })

  it('rejects an unsigned token (alg: none)', async () => {
    const token = new UnsecuredJWT({})
      .setSubject(randomUUID())
      .setIssuer(h.auth.issuer)
      .setAudience(h.auth.audience)
      .setExpirationTime('5m')
      .encode()
    const r = await both(bearer(token))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', gqlCode: 'UNAUTHENTICATED' })
  })

  it('rejects a symmetric (HS256) token even when it claims a known kid', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setSubject(randomUUID())
      .setIssuer(h.auth.issuer)
      .setAudience(h.auth.audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-0123456789'))
    const r = await both(bearer(token))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', message: 'invalid token: algorithm not allowed' })
  })

  it('rejects a token signed by a key the JWKS does not have (unknown kid), after one refetch', async () => {
    const stranger = await h.auth.newKey('not-served')
    await sleep(JWKS_COOLDOWN_MS + 100) // an unknown kid refetches at most once per cooldown
    const before = h.auth.jwksFetches
    const r = await both(bearer(await h.auth.sign({}, { key: stranger })))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', message: 'invalid token: unknown signing key' })
    expect(h.auth.jwksFetches).toBeGreaterThan(before)
  })

  it('rejects a tampered signature', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    // A compact JWS: header.payload.signature.
    const [header, payload, signature] = session.token.split('.') as [string, string, string]
    const tampered = `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
    const r = await both(bearer(tampered, session.orgId))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', gqlCode: 'UNAUTHENTICATED' })
  })

  it('rejects a tampered payload (claims changed after signing)', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const [header, , signature] = session.token.split('.')
    const forged = Buffer.from(JSON.stringify({ sub: randomUUID(), iss: h.auth.issuer, aud: h.auth.audience, exp: 9999999999 })).toString(
      'base64url',
    )
    const r = await both(bearer(`${header}.${forged}.${signature}`, session.orgId))
    expect(r).toMatchObject({ status: 401, code: 'unauthorized' })
  })

  it('accepts tokens signed by a rotated-in key (the unknown kid triggers a JWKS refetch)', async () => {
    const key = await h.auth.rotate(`key-${randomUUID()}`)
    await sleep(JWKS_COOLDOWN_MS + 100)
    const userId = randomUUID()
    const orgId = randomUUID()
    h.auth.grant(userId, orgId, PROMOTER_ACCESS)
    const token = await h.auth.sign({ tokenVersion: 1 }, { key, subject: userId })
    const r = await h.app.rest('GET', LIST, { headers: bearer(token, orgId) })
    expect(r.status).toBe(200)
  })

  it('rejects a wrong internal API key, and accepts the current and the previous one (rotation)', async () => {
    const wrong = await h.app.rest('GET', LIST, { headers: { 'x-internal-api-key': 'guess' } })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.code).toBe('unauthorized')
    expect((await h.app.rest('GET', LIST, { as: 'machine' })).status).toBe(200)
    expect((await h.app.rest('GET', LIST, { headers: { 'x-internal-api-key': MACHINE_KEY_PREVIOUS } })).status).toBe(200)
  })
})

describe('company context → 400 validation_error', () => {
  it('rejects a missing x-org', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const r = await both({ authorization: `Bearer ${session.token}` })
    expect(r).toMatchObject({ status: 400, code: 'validation_error', message: 'missing x-org header', gqlCode: 'BAD_USER_INPUT' })
  })

  it('rejects a malformed x-org', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const r = await both({ authorization: `Bearer ${session.token}`, 'x-org': 'acme-inc' })
    expect(r).toMatchObject({ status: 400, code: 'validation_error', gqlCode: 'BAD_USER_INPUT' })
    expect(r.message).toContain('invalid x-org')
  })
})

/** A request with repeated headers ([name, value] pairs, sent as they are), which fetch cannot send: it joins them. */
function rawRequest(app: TestApp, method: string, path: string, headers: [string, string][], body?: unknown) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const url = new URL(path, app.url)
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const framing: [string, string][] = payload
      ? [
          ['content-type', 'application/json'],
          ['content-length', String(Buffer.byteLength(payload))],
        ]
      : []
    // In this form Node sends exactly the lines given, Host included.
    const lines = [['host', url.host], ...framing, ...headers].flat()
    const req = httpRequest(url, { method, headers: lines }, (res) => {
      let text = ''
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) })
        } catch (e) {
          reject(e)
        }
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

describe('repeated caller headers → 400 validation_error / BAD_USER_INPUT (duplicate_header)', () => {
  async function bothRaw(headers: [string, string][]) {
    const rest = await rawRequest(h.app, 'GET', LIST, headers)
    const gql = await rawRequest(h.app, 'POST', '/graphql', headers, { query: QUERY })
    return { rest, gql }
  }

  it('refuses two Authorization headers of two users, on both faces', async () => {
    const a = await h.auth.session(AGENCY_ACCESS)
    const b = await h.auth.session({ ...PROMOTER_ACCESS, orgId: a.orgId })
    const one = await bothRaw([
      ['authorization', `Bearer ${a.token}`],
      ['x-org', a.orgId],
    ])
    expect([one.rest.status, one.gql.body.errors]).toEqual([200, undefined])

    const { rest, gql } = await bothRaw([
      ['authorization', `Bearer ${a.token}`],
      ['Authorization', `Bearer ${b.token}`],
      ['x-org', a.orgId],
    ])
    expect(rest).toEqual({
      status: 400,
      body: {
        success: false,
        error: {
          code: 'duplicate_header',
          message: 'repeated header: authorization',
          fields: [{ field: 'authorization', message: 'sent more than once' }],
        },
      },
    })
    expect(gql.body.data).toEqual({ artists: null })
    expect(gql.body.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'duplicate_header',
      fields: [{ field: 'authorization', message: 'sent more than once' }],
    })
  })

  it('refuses two x-org headers and two internal keys', async () => {
    const a = await h.auth.session(AGENCY_ACCESS)
    const orgs = await bothRaw([
      ['authorization', `Bearer ${a.token}`],
      ['x-org', a.orgId],
      ['x-org', randomUUID()],
    ])
    expect(orgs.rest.status).toBe(400)
    expect(orgs.rest.body.error.fields).toEqual([{ field: 'x-org', message: 'sent more than once' }])
    expect(orgs.gql.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'duplicate_header' })

    const keys = await bothRaw([
      ['X-Internal-API-Key', MACHINE_KEY],
      ['x-internal-api-key', MACHINE_KEY_PREVIOUS],
    ])
    expect(keys.rest.status).toBe(400)
    expect(keys.rest.body.error.fields).toEqual([{ field: 'x-internal-api-key', message: 'sent more than once' }])
    expect(keys.gql.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'duplicate_header' })
  })
})

describe('authorization → 403 forbidden / FORBIDDEN, naming what is missing', () => {
  it('rejects a user without membership in the company', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const r = await both({ ...session.headers, 'x-org': randomUUID() })
    expect(r).toMatchObject({ status: 403, code: 'forbidden', message: 'no membership in company', gqlCode: 'FORBIDDEN' })
  })

  it('rejects a company whose modules do not include the operation’s', async () => {
    const session = await h.auth.session({ modules: ['venue'], permissions: ['artist.directory.read'] })
    const r = await both(session.headers)
    expect(r).toMatchObject({ status: 403, code: 'forbidden', message: 'module not granted: artist or promoter', gqlCode: 'FORBIDDEN' })
  })

  it('rejects a user missing the permission', async () => {
    const session = await h.auth.session({ modules: ['artist'], permissions: ['artist.directory.manage'] })
    const r = await both(session.headers)
    expect(r).toMatchObject({
      status: 403,
      code: 'forbidden',
      message: 'missing permission: artist.directory.read or artist.agency.manage',
      gqlCode: 'FORBIDDEN',
    })
  })

  it('lets a promoter company through with its own permission', async () => {
    const session = await h.auth.session(PROMOTER_ACCESS)
    const r = await both(session.headers)
    expect(r.status).toBe(200)
    expect(r.gqlData).toEqual({ artists: { totalCount: 0 } })
  })

  it('keeps platform-only operations from tenant users, with 403 and not 401', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const r = await h.app.rest('POST', '/api/v1/genres', { as: session, body: { name: 'Ambient' } })
    expect(r.status).toBe(403)
    expect(r.body.error).toEqual({ code: 'forbidden', message: 'this operation is restricted to internal (platform) callers' })
    expect((await h.app.rest('POST', '/api/v1/genres', { as: 'machine', body: { name: 'Ambient' } })).status).toBe(201)
  })

  it('gates agency-side writes behind a bridged agency (agency_not_bridged), not directory reads', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    const write = await h.app.rest('POST', '/api/v1/artists', { as: session, body: { name: 'Gatekeeper' } })
    expect(write.status).toBe(403)
    expect(write.body.error.code).toBe('agency_not_bridged')
    const gql = await h.app.graphql('mutation { createArtist(input: { name: "Gatekeeper" }) { id } }', {}, { as: session })
    expect(gql.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'agency_not_bridged' })
    expect((await h.app.rest('GET', LIST, { as: session })).status).toBe(200)
  })
})

describe('access resolution → 503 service_unavailable, failing closed', () => {
  it('answers 503 when Auth fails', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    h.auth.setMode('error')
    try {
      const r = await both(session.headers)
      expect(r).toMatchObject({ status: 503, code: 'service_unavailable', gqlCode: 'SERVICE_UNAVAILABLE' })
    } finally {
      h.auth.setMode('up')
    }
  })

  it('answers 503 when Auth drops the connection', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    h.auth.setMode('reset')
    try {
      expect((await both(session.headers)).status).toBe(503)
    } finally {
      h.auth.setMode('up')
    }
  })

  it('answers 503 within the configured timeout when Auth is slow', async () => {
    const session = await h.auth.session(AGENCY_ACCESS)
    h.auth.setMode('slow', 3000)
    try {
      const started = Date.now()
      const r = await h.app.rest('GET', LIST, { as: session })
      expect(r.status).toBe(503)
      expect(r.body.error).toEqual({ code: 'service_unavailable', message: 'unable to resolve access' })
      // AUTH_TIMEOUT_MS=300: the caller is not held for the 3 s Auth would take.
      expect(Date.now() - started).toBeLessThan(2500)
    } finally {
      h.auth.setMode('up')
    }
  })

  it('answers 503 when Auth cannot be reached at all', async () => {
    const unreachable = await startApp({
      auth: h.auth,
      databaseUrl: h.database.url,
      env: { AUTH_URL: 'http://127.0.0.1:9', AUTH_JWKS_URL: `${h.auth.url}/.well-known/jwks.json` },
    })
    try {
      const session = await h.auth.session(AGENCY_ACCESS)
      const r = await unreachable.rest('GET', LIST, { as: session })
      expect(r.status).toBe(503)
    } finally {
      await unreachable.close()
    }
  })

  it('sends the caller’s token, the company and the internal key to Auth', async () => {
    const session = await h.auth.session(PROMOTER_ACCESS)
    await h.app.rest('GET', LIST, { as: session })
    expect(h.auth.accessCalls.at(-1)).toEqual({
      authorization: `Bearer ${session.token}`,
      org: session.orgId,
      internalKey: h.auth.internalApiKey,
    })
  })
})

describe('signing keys unavailable → 503 service_unavailable, never 401', () => {
  // Each case runs a service of its own, which has not fetched the key set yet, against a stand-in of its own.
  const started: { close(): Promise<void> }[] = []
  async function serviceWithKeySet(mode: JwksMode) {
    const auth = await startAuthStandIn()
    auth.setJwksMode(mode)
    const app = await startApp({ auth, databaseUrl: h.database.url })
    started.push(app, auth)
    return { auth, app }
  }
  afterAll(async () => {
    for (const s of started) await s.close()
  })

  it('answers 503 (not 401) on both faces while the key set answers 503', async () => {
    const { auth, app } = await serviceWithKeySet('error')
    const session = await auth.session(AGENCY_ACCESS)
    const r = await both(session.headers, app)
    expect(r).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      message: 'unable to fetch signing keys',
      gqlCode: 'SERVICE_UNAVAILABLE',
    })
    expect(auth.jwksFetches).toBeGreaterThan(0)
    expect(auth.accessCalls).toHaveLength(0)
  })

  it.each(['html', 'not-a-key-set'] as const)('answers 503 (not 401) while the key set answers %s, and backs off', async (mode) => {
    const { auth, app } = await serviceWithKeySet(mode)
    const session = await auth.session(AGENCY_ACCESS)
    const r = await both(session.headers, app)
    expect(r).toMatchObject({ status: 503, code: 'service_unavailable', gqlCode: 'SERVICE_UNAVAILABLE' })
    // Both faces asked; the second found the failure still within its back-off.
    expect(auth.jwksFetches).toBe(1)
  })

  it('does not fetch the key set once per request during an outage', async () => {
    const { auth, app } = await serviceWithKeySet('error')
    const session = await auth.session(AGENCY_ACCESS)
    const started = Date.now()
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => app.rest('GET', LIST, { as: session })))
    const sequential = []
    for (let i = 0; i < 20; i++) sequential.push(await app.rest('GET', LIST, { as: session }))
    const elapsed = Date.now() - started
    expect([...concurrent, ...sequential].map((r) => r.status)).toEqual(Array(30).fill(503))
    // One fetch, then at most one more per cooldown that has passed.
    expect(auth.jwksFetches).toBeGreaterThanOrEqual(1)
    expect(auth.jwksFetches).toBeLessThanOrEqual(1 + Math.floor(elapsed / JWKS_COOLDOWN_MS))
  })

  it('retries the key set after the back-off, and verifies tokens again once it is back', async () => {
    const { auth, app } = await serviceWithKeySet('error')
    const session = await auth.session(PROMOTER_ACCESS)
    expect((await app.rest('GET', LIST, { as: session })).status).toBe(503)
    const fetched = auth.jwksFetches
    auth.setJwksMode('up')
    // Within the back-off the failure stands, without another fetch…
    expect((await app.rest('GET', LIST, { as: session })).status).toBe(503)
    expect(auth.jwksFetches).toBe(fetched)
    // …past it the key set is fetched again.
    await sleep(JWKS_COOLDOWN_MS + 100)
    expect((await app.rest('GET', LIST, { as: session })).status).toBe(200)
    expect(auth.jwksFetches).toBe(fetched + 1)
  })

  it('keeps using cached keys during an outage; an unknown kid whose refetch fails is 503, a bad token still 401', async () => {
    const { auth, app } = await serviceWithKeySet('up')
    const session = await auth.session(PROMOTER_ACCESS)
    expect((await app.rest('GET', LIST, { as: session })).status).toBe(200)
    auth.setJwksMode('error')
    await sleep(JWKS_COOLDOWN_MS + 100) // so that an unknown kid may refetch
    expect((await app.rest('GET', LIST, { as: session })).status).toBe(200)
    const expired = await auth.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 })
    expect(await both(bearer(expired), app)).toMatchObject({ status: 401, code: 'unauthorized', message: 'token expired' })
    const before = auth.jwksFetches
    const unknownKid = await auth.sign({}, { key: await auth.newKey('rotated-while-down') })
    expect(await both(bearer(unknownKid), app)).toMatchObject({ status: 503, code: 'service_unavailable', gqlCode: 'SERVICE_UNAVAILABLE' })
    expect(auth.jwksFetches).toBe(before + 1)
  })
})
