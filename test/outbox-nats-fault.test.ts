// NATS outage (issue 17): the test owns a nats-server (its own port and store directory) and kills it.
// Writes go on while it is down, the outbox keeps their events, and once it is back the relay catches up
// by itself with every event on the stream exactly once (Nats-Msg-Id).
import type { NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { OutboxRelay } from '../src/modules/outbox/relay.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { eventually, natsConnection, ownNatsServer, relayOptions, startRelay, streamMessages, uniqueStream } from './support/nats.ts'

const h = useHarness()
let agency: Session & { agencyId: string }
let promoter: Session
let nats: Awaited<ReturnType<typeof ownNatsServer>>
let relay: OutboxRelay
const s = uniqueStream()
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  nats = await ownNatsServer()
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  relay = startRelay(relayOptions(h.database.url, nats.url, { ...s, publishTimeoutMs: 500, maxAttempts: 2 }))
})
afterAll(async () => {
  await relay?.stop()
  await nats?.dispose()
})

const pendingCount = () => h.app.db.outboxEvent.count({ where: { publishedAt: null } })

it('keeps writing through a NATS outage and delivers every event exactly once when NATS is back', async () => {
  const before = (await booked(promoter, await representedArtist())).booking.id
  await eventually(async () => (await pendingCount()) === 0, 15_000, 'events before the outage published')

  await nats.stop()
  const during: string[] = []
  for (let i = 0; i < 3; i++) during.push((await booked(promoter, await representedArtist())).booking.id)
  // Several publish timeouts and back-offs pass while the broker is away: nothing is parked or lost.
  await new Promise((r) => setTimeout(r, 2500))
  const waiting = await h.app.db.outboxEvent.findMany({ where: { publishedAt: null }, orderBy: { seq: 'asc' } })
  expect(waiting.length).toBeGreaterThan(10)
  expect(waiting.every((e) => e.parkedAt === null && e.attempts === 0)).toBe(true)
  expect(waiting.filter((e) => e.eventType === 'booking.confirmed').map((e) => e.aggregateId)).toEqual(during)

  await nats.start()
  await eventually(async () => (await pendingCount()) === 0, 30_000, 'the relay to catch up after the outage')

  let nc: NatsConnection | undefined
  try {
    nc = await natsConnection(nats.url)
    const messages = await streamMessages(nc, s.stream)
    const events = await h.app.db.outboxEvent.findMany()
    expect(messages.map((m) => m.body.id).sort()).toEqual(events.map((e) => e.id).sort())
    const confirmed = messages.filter((m) => m.body.type === 'booking.confirmed').map((m) => m.body.payload.bookingId)
    expect(confirmed.sort()).toEqual([before, ...during].sort())
  } finally {
    await nc?.close()
  }
})

it('starts and stops without NATS ever answering, leaving the events in the outbox', async () => {
  await nats.stop()
  const { booking } = await booked(promoter, await representedArtist())
  const orphan = startRelay(relayOptions(h.database.url, nats.url, uniqueStream()))
  await new Promise((r) => setTimeout(r, 500))
  const started = Date.now()
  await orphan.stop()
  expect(Date.now() - started).toBeLessThan(2000)
  const [confirmed] = await h.app.db.outboxEvent.findMany({ where: { aggregateId: booking.id } })
  expect(confirmed).toMatchObject({ eventType: 'booking.confirmed', publishedAt: null, parkedAt: null, attempts: 0 })
})
