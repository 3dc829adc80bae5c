// The relay against a real NATS JetStream (the machine's server, on a stream and subjects of this file's
// own): exactly one copy of every event on the stream with two replicas relaying, nothing lost when a relay
// process is killed between publish and mark, and events the broker refuses parked for an operator.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { jetstreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutboxRelay } from '../src/modules/outbox/relay.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import {
  deleteStream,
  eventually,
  MACHINE_NATS,
  natsConnection,
  relayOptions,
  startRelay,
  streamMessages,
  uniqueStream,
  type StreamMessage,
} from './support/nats.ts'

const h = useHarness()
let agency: Session & { agencyId: string }
let promoter: Session
let nc: NatsConnection
const streams: string[] = []
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  try {
    nc = await natsConnection(MACHINE_NATS)
  } catch (e) {
    throw new Error(`NATS JetStream is not reachable at ${MACHINE_NATS} (set NATS_TEST_URL): ${(e as Error).message}`, { cause: e })
  }
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})
afterAll(async () => {
  for (const s of streams) await deleteStream(nc, s)
  await nc?.close()
})

const unpublished = () => h.app.db.outboxEvent.count({ where: { publishedAt: null, parkedAt: null } })
const allPublished = async () => (await unpublished()) === 0
const ids = (messages: StreamMessage[]) => messages.map((m) => m.body.id)

function ownStream() {
  const s = uniqueStream()
  streams.push(s.stream)
  return s
}

describe('the relay', () => {
  it('puts booking.confirmed on the stream exactly once, with the event id as Nats-Msg-Id, while two replicas relay', async () => {
    const s = ownStream()
    const relays: OutboxRelay[] = [
      startRelay(relayOptions(h.database.url, MACHINE_NATS, s)),
      startRelay(relayOptions(h.database.url, MACHINE_NATS, s)),
    ]
    let confirmed: string[]
    try {
      confirmed = await Promise.all([1, 2, 3].map(async () => (await booked(promoter, await representedArtist())).booking.id))
      await eventually(allPublished, 20_000, 'every event published')
    } finally {
      await Promise.all(relays.map((r) => r.stop()))
    }
    const events = await h.app.db.outboxEvent.findMany({ orderBy: { seq: 'asc' } })
    const messages = await streamMessages(nc, s.stream)
    expect(ids(messages).sort()).toEqual(events.map((e) => e.id).sort())
    expect(messages.every((m) => m.msgId === m.body.id && m.subject === `${s.subjectPrefix}.${m.body.type}`)).toBe(true)
    const bookings = messages.filter((m) => m.subject === `${s.subjectPrefix}.booking.confirmed`).map((m) => m.body.payload.bookingId)
    expect(bookings.sort()).toEqual(
      events
        .filter((e) => e.eventType === 'booking.confirmed')
        .map((e) => e.aggregateId)
        .sort(),
    )
    expect(bookings.sort()).toEqual([...confirmed].sort())
    // Per aggregate, the stream holds the events in order of writing (transactions of different aggregates
    // may commit out of seq order, so the stream's global order is not the table's).
    const byAggregate = (list: { aggregate: string; id: string }[]) => {
      const groups = new Map<string, string[]>()
      for (const e of list) groups.set(e.aggregate, [...(groups.get(e.aggregate) ?? []), e.id])
      return Object.fromEntries(groups)
    }
    expect(byAggregate(messages.map((m) => ({ aggregate: m.body.aggregate.id, id: m.body.id })))).toEqual(
      byAggregate(events.map((e) => ({ aggregate: e.aggregateId, id: e.id }))),
    )
  })

  it('loses nothing and duplicates nothing when a relay process is killed between publish and mark', async () => {
    const s = ownStream()
    await booked(promoter, await representedArtist())
    await booked(promoter, await representedArtist())
    const pending = await h.app.db.outboxEvent.findMany({ where: { publishedAt: null }, orderBy: { seq: 'asc' } })
    expect(pending.length).toBeGreaterThan(10)

    // Marking needs a lock this session holds: the relay publishes, then waits to mark, and is killed there.
    const blocker = new pg.Client({ connectionString: h.database.url })
    await blocker.connect()
    await blocker.query('BEGIN')
    await blocker.query('LOCK TABLE outbox_events IN SHARE MODE')
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/relay-process.ts', import.meta.url))], {
      env: {
        ...process.env,
        DATABASE_URL: h.database.url,
        NATS_URL: MACHINE_NATS,
        OUTBOX_STREAM: s.stream,
        OUTBOX_SUBJECT_PREFIX: s.subjectPrefix,
      },
      stdio: 'ignore',
    })
    try {
      const jsm = await jetstreamManager(nc)
      await eventually(
        async () => (await jsm.streams.info(s.stream).catch(() => null))?.state.messages === pending.length,
        20_000,
        'the killed relay to publish its batch',
      )
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
    } finally {
      await blocker.query('COMMIT')
      await blocker.end()
    }
    expect(await h.app.db.outboxEvent.count({ where: { id: { in: pending.map((e) => e.id) }, publishedAt: { not: null } } })).toBe(0)

    const successor = startRelay(relayOptions(h.database.url, MACHINE_NATS, s))
    try {
      await eventually(allPublished, 20_000, 'the successor to publish the batch again')
    } finally {
      await successor.stop()
    }
    const messages = await streamMessages(nc, s.stream)
    expect(ids(messages)).toEqual(pending.map((e) => e.id))
  })

  it('parks an event the broker keeps refusing, and publishes it after an operator retries it', async () => {
    const s = ownStream()
    // A stream that refuses every message larger than 100 bytes: the broker answers, and says no.
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: s.stream, subjects: [`${s.subjectPrefix}.>`], max_msg_size: 100 })
    const { booking } = await booked(promoter, await representedArtist())
    const [confirmed] = await h.app.db.outboxEvent.findMany({ where: { aggregateId: booking.id } })
    const relay = startRelay(relayOptions(h.database.url, MACHINE_NATS, { ...s, maxAttempts: 2, maxBackoffMs: 50 }))
    try {
      await eventually(allPublished, 20_000, 'every event parked')
      const parked = await h.app.rest('GET', '/internal/admin/outbox?status=parked&type=booking.confirmed', { as: 'machine' })
      expect(parked.body.data.items).toEqual([
        expect.objectContaining({ id: confirmed!.id, status: 'parked', attempts: 2, lastError: expect.stringMatching(/size/i) }),
      ])

      await jsm.streams.update(s.stream, { max_msg_size: -1 })
      const retried = await h.app.rest('POST', `/internal/admin/outbox/${confirmed!.id}/retry`, { as: 'machine' })
      expect(retried.body.data.status).toBe('pending')
      await eventually(
        async () => (await h.app.db.outboxEvent.findUniqueOrThrow({ where: { id: confirmed!.id } })).publishedAt,
        20_000,
        'the retried event published',
      )
    } finally {
      await relay.stop()
    }
    const messages = await streamMessages(nc, s.stream)
    expect(ids(messages)).toEqual([confirmed!.id])
    await h.app.db.$executeRaw`UPDATE outbox_events SET published_at = now() WHERE published_at IS NULL`
  })
})
