// The first run a newcomer sees: the demo directory, and the demo deals played through the API as the demo
// users — so the demo breaks here, not in front of someone, when an API rule changes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { identityFromConfig } from '../src/auth/identity.ts'
import { loadConfig } from '../src/config.ts'
import { createDb, type Db } from '../src/db/client.ts'
import { DEMO, loadDemoData } from '../src/db/demo-data.ts'
import { playDemoDeals } from '../src/demo.ts'
import { createLogger } from '../src/logger.ts'
import { buildServer } from '../src/server.ts'
import { freshDatabase } from './support/db.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'artists-demo-'))
let database: Awaited<ReturnType<typeof freshDatabase>>
let db: Db
let app: Awaited<ReturnType<typeof buildServer>>

beforeAll(async () => {
  database = await freshDatabase()
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, DEV_IDENTITY_DIR: dir, LOG_LEVEL: 'silent' })
  db = createDb({ url: database.url })
  app = await buildServer({ config, db, identity: await identityFromConfig(config), log: createLogger('silent') })
  expect(await loadDemoData(db)).toBe(true)
  await playDemoDeals(app, config)
})
afterAll(async () => {
  await app.close()
  await db.$disconnect()
  await database.drop()
  rmSync(dir, { recursive: true, force: true })
})

it('loads the directory once: a second load into a non-empty directory does nothing', async () => {
  expect(await db.artist.count()).toBe(8)
  expect(await loadDemoData(db)).toBe(false)
  expect(await db.artist.count()).toBe(8)
})

it('publishes availability for every artist the demo agency represents', async () => {
  const represented = await db.rosterLink.count({ where: { agency: { slug: 'sonar-booking' } } })
  expect(represented).toBe(5)
  expect(await db.availability.groupBy({ by: ['status'], _count: true, orderBy: { status: 'asc' } })).toEqual([
    { status: 'available', _count: 5 },
    { status: 'tentative', _count: 5 },
  ])
})

it('leaves a booking pipeline in each state, with its activity', async () => {
  const requests = await db.bookingRequest.findMany({
    include: { artist: true, offers: { orderBy: { version: 'asc' } } },
    orderBy: { startsAt: 'asc' },
  })
  expect(requests.map((r) => [r.artist.name, r.status, r.offers.map((o) => o.status)])).toEqual([
    ['Luna Verde', 'booked', ['countered', 'accepted']],
    ['DJ Kairo', 'negotiating', ['open']],
    ['Los Satélites', 'open', []],
  ])
  expect(requests.every((r) => r.promoterOrgId === DEMO.promoterOrgId)).toBe(true)
  const booking = await db.booking.findFirstOrThrow({ include: { request: { include: { activity: { orderBy: { seq: 'asc' } } } } } })
  expect(booking).toMatchObject({ status: 'confirmed', fee: 1_300_000n, currency: 'EUR', deposit: 460_000n, radiusKm: 150 })
  expect((await db.city.findUniqueOrThrow({ where: { id: booking.cityId! } })).name).toBe('Madrid')
  expect(booking.request.activity.map((a) => `${a.subject} ${a.action} → ${a.toStatus}`)).toEqual([
    'request create → open',
    'request offer → negotiating',
    'offer offer → open',
    'offer counter → countered',
    'offer counter → open',
    'offer accept → accepted',
    'hold hold → active',
    'request hold → held',
    'hold confirm → confirmed',
    'request book → booked',
    'booking confirm → confirmed',
  ])
})

it('leaves a contract the buyer signed, waiting for the agency’s countersignature', async () => {
  const contract = await db.contract.findFirstOrThrow({
    include: { versions: true, signers: { orderBy: { position: 'asc' } }, signatures: true, events: { orderBy: { seq: 'asc' } } },
  })
  expect(contract.status).toBe('partially_signed')
  expect(contract.versions[0]?.body).toContain('Sonar Booking, acting for Luna Verde, and Noches de Madrid SL')
  expect(contract.versions[0]?.body).not.toMatch(/\{\{/)
  expect(contract.versions[0]?.body).toContain('no performance within 150 km from 60 days before to 30 days after the event')
  expect(contract.signatures.map((s) => s.signerId)).toEqual([contract.signers[0]?.id])
  expect(contract.events.map((e) => e.type)).toEqual(['created', 'sent', 'signed', 'status_changed'])
})
