// The browsable API on the demo data, in dev identity mode as after `npm start`: Swagger UI at /api/v1/docs
// and GraphiQL at GET /graphql, both served from this service's own assets. A headless Chromium (Debian's
// chromium, driven by playwright-core) runs one REST call and one GraphQL query through the pages, with every
// request beyond the service refused and recorded; screenshots land in test-artifacts/screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { identityFromConfig } from '../src/auth/identity.ts'
import { loadConfig, type Config } from '../src/config.ts'
import { createDb, type Db } from '../src/db/client.ts'
import { loadDemoData } from '../src/db/demo-data.ts'
import { DEMO_USERS, playDemoDeals } from '../src/demo.ts'
import { mintDevToken } from '../src/auth/dev-identity.ts'
import { createLogger } from '../src/logger.ts'
import { buildServer } from '../src/server.ts'
import { freshDatabase } from './support/db.ts'

const SCREENSHOTS = path.resolve('test-artifacts/screenshots')
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const identityDir = mkdtempSync(path.join(tmpdir(), 'artists-explorers-'))
const profileDir = mkdtempSync(path.join(tmpdir(), 'artists-chromium-'))
let database: Awaited<ReturnType<typeof freshDatabase>>
let db: Db
let config: Config
let app: Awaited<ReturnType<typeof buildServer>>
let base: string
let browser: BrowserContext
/** Requests the pages tried to send anywhere but this service. */
const offsite: string[] = []

beforeAll(async () => {
  database = await freshDatabase()
  // The pages load their assets as anonymous callers, many per test: the per-address limit is not under test here.
  config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DEV_IDENTITY_DIR: identityDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
  })
  db = createDb({ url: database.url })
  app = await buildServer({ config, db, identity: await identityFromConfig(config), log: createLogger('silent') })
  await loadDemoData(db)
  await playDemoDeals(app, config)
  await app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  mkdirSync(SCREENSHOTS, { recursive: true })
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 1000 },
  })
  await browser.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(`${base}/`) || url.startsWith('data:')) return route.continue()
    offsite.push(url)
    return route.abort()
  })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  // Chromium preconnects sockets it may never send a request on; Node only drops such a socket at its
  // headersTimeout (60 s), and a graceful close waits for it.
  app?.server.closeAllConnections()
  await app?.close()
  await db?.$disconnect()
  await database?.drop()
  rmSync(identityDir, { recursive: true, force: true })
  rmSync(profileDir, { recursive: true, force: true })
})

async function agencyHeaders() {
  const agency = DEMO_USERS.agency
  const token = await mintDevToken({ dir: identityDir, issuer: 'kisum-artists-dev', audience: 'kisum', userId: agency.userId })
  return { token, org: agency.orgId }
}

describe('the pages, over HTTP', () => {
  it('GET /graphql from a browser is the IDE page; API clients still reach GraphQL', async () => {
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await page.text()
    // Every script and stylesheet is the service's own: nothing names another host.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(html.match(/(?:src|href)="([^"]+)"/g)).toEqual([
      'href="/graphql/ide/graphiql.min.css"',
      'src="/graphql/ide/react.production.min.js"',
      'src="/graphql/ide/react-dom.production.min.js"',
      'src="/graphql/ide/graphiql.min.js"',
    ])
    expect(html).toContain(`"x-org\\": \\"${DEMO_USERS.agency.orgId}\\"`)

    const asset = await fetch(`${base}/graphql/ide/graphiql.min.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect((await fetch(`${base}/graphql/ide/..%2Fpackage.json`)).status).toBe(404)

    const api = await fetch(`${base}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    })
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } })
  })

  it('the IDE is off in production unless GRAPHQL_IDE=true, and then carries no token', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      AUTH_URL: 'http://127.0.0.1:9',
      AUTH_ISSUER: 'i',
      AUTH_AUDIENCE: 'a',
      AUTH_INTERNAL_API_KEY: 'k',
    }
    expect(loadConfig(env).graphql.ide).toBe(false)
    expect(loadConfig({ ...env, GRAPHQL_IDE: 'true' }).graphql.ide).toBe(true)
    expect(loadConfig({ NODE_ENV: 'development' }).graphql.ide).toBe(true)
  })

  it('the OpenAPI document lists the capability areas as tags, each used by its routes', async () => {
    const doc = (await (await fetch(`${base}/api/v1/docs/json`)).json()) as {
      tags: { name: string }[]
      paths: Record<string, Record<string, { tags: string[] }>>
    }
    const declared = doc.tags.map((t) => t.name)
    const used = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags)))
    expect([...used].sort()).toEqual([...declared].sort())
    expect(doc).toEqual(await (await fetch(`${base}/api/v1/openapi.json`)).json())
  })
})

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false })
}

describe('in a real browser', () => {
  it('Swagger UI: authorize with a dev token and x-org, then try GET /api/v1/roster', async () => {
    const { token, org } = await agencyHeaders()
    const page = await browser.newPage()
    await page.goto(`${base}/api/v1/docs`)
    await expect(page.locator('.swagger-ui .info .title').textContent()).resolves.toContain('Kisum Artists')
    await expect(page.locator('h3.opblock-tag').first().textContent()).resolves.toContain('Artists')
    await shot(page, 'rest-docs-overview')

    await page.locator('.auth-wrapper button.authorize').click()
    const bearer = page.locator('.auth-container', { hasText: 'bearerAuth' })
    await bearer.locator('input').fill(token)
    await bearer.locator('button.authorize').click()
    const orgHeader = page.locator('.auth-container', { hasText: 'orgHeader' })
    await orgHeader.locator('input').fill(org)
    await orgHeader.locator('button.authorize').click()
    await page.locator('.dialog-ux button.btn-done').first().click()

    // Swagger UI renders long lists virtually: filter to the operation's area, as a person would.
    await page.locator('input.operation-filter-input').fill('Representation')
    const operation = page.locator('.opblock-get', { has: page.locator('[data-path="/api/v1/roster"]') })
    await operation.locator('.opblock-summary').click()
    await operation.locator('button.try-out__btn').click()
    await operation.locator('button.execute').click()
    const response = operation.locator('.live-responses-table .response').first()
    await expect(response.locator('.response-col_status').textContent({ timeout: 20_000 })).resolves.toContain('200')
    const body = (await response.locator('.response-col_description pre').first().textContent()) ?? ''
    expect(body).toContain('"success": true')
    expect(body).toContain('Luna Verde')
    await operation.scrollIntoViewIfNeeded()
    await shot(page, 'rest-docs')
    expect(offsite).toEqual([])
  }, 60_000)

  it('GraphiQL: headers pre-filled with the demo agency, the roster example runs', async () => {
    const page = await browser.newPage()
    await page.goto(`${base}/graphql`)
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 })
    await expect(page.locator('.graphiql-query-editor').textContent()).resolves.toContain('query DemoAgencyRoster')
    const headers = (await page.locator('.graphiql-editor-tool').first().textContent()) ?? ''
    expect(headers).toMatch(/"Authorization": "Bearer [\w-]+\.[\w-]+\.[\w-]+"/)
    expect(headers).toContain(`"x-org": "${DEMO_USERS.agency.orgId}"`)
    // The editors render only their visible lines: the answer is read whole from the network, and the
    // page is checked for what it shows at the top.
    const run = async (operation: string) => {
      const answer = page.waitForResponse((r) => r.url() === `${base}/graphql` && r.request().method() === 'POST')
      await page.locator('.graphiql-execute-button').click()
      // With two operations in the document the button asks which one to run.
      await page.locator('.graphiql-dropdown-item', { hasText: operation }).click()
      return (await (await answer).json()) as { data?: Record<string, any>; errors?: unknown }
    }
    const roster = await run('DemoAgencyRoster')
    expect(roster.errors).toBeUndefined()
    const names = roster.data?.myRoster.edges.map((e: { node: { artist: { name: string } } }) => e.node.artist.name)
    expect(names).toHaveLength(5)
    expect(names).toContain('Luna Verde')
    await page.locator('.graphiql-response', { hasText: '"totalCount": 5' }).waitFor({ timeout: 20_000 })
    await expect(page.locator('.graphiql-response').textContent()).resolves.toContain(`"name": "${names[0]}"`)
    await shot(page, 'graphql-ide')

    const bookings = await run('BookingsWithContracts')
    expect(bookings.errors).toBeUndefined()
    expect(bookings.data?.bookings.edges).toEqual([
      expect.objectContaining({
        node: expect.objectContaining({
          artist: { name: 'Luna Verde' },
          contract: expect.objectContaining({ blockingSigner: expect.objectContaining({ side: 'AGENCY' }) }),
        }),
      }),
    ])
    await page.locator('.graphiql-response', { hasText: '"bookings"' }).waitFor({ timeout: 20_000 })
    await shot(page, 'graphql-ide-booking')
    expect(offsite).toEqual([])
  }, 60_000)
})
