// The outbox: what recording an event adds to a transition, how many events one relay publishes per second
// (beside raw JetStream publishes of the same messages), and the publish lag under a steady write rate.
// NATS: BENCH_NATS_URL, default the machine's nats://127.0.0.1:4222 (a stream of the run's own).
import { randomBytes, randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { createDb } from '../src/db/client.ts'
import { createLogger } from '../src/logger.ts'
import { recordPipelineEvents } from '../src/modules/outbox/record.ts'
import { OutboxRelay } from '../src/modules/outbox/relay.ts'
import { benchDatabase, measure, report, type Timing } from './support.ts'

const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222'
const WRITES = Number(process.env.BENCH_OUTBOX_WRITES ?? 2_000)
const EVENTS = Number(process.env.BENCH_OUTBOX_EVENTS ?? 20_000)
const LAG_RATE = Number(process.env.BENCH_OUTBOX_RATE ?? 500)
const LAG_SECONDS = Number(process.env.BENCH_OUTBOX_SECONDS ?? 10)

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

export async function outboxBenchmark() {
  const database = await benchDatabase('artists_bench_outbox')
  const db = createDb({ url: database.url, poolMax: 8 })
  const suffix = randomBytes(3).toString('hex')
  const stream = `KISUM_ARTISTS_BENCH_${suffix}`
  const subjectPrefix = `kisum.bench_${suffix}.artists`
  const nc = await connect({ servers: NATS_URL })
  try {
    // A pipeline to describe: one agency, artist and request.
    const agencyId = randomUUID()
    const artistId = randomUUID()
    const requestId = randomUUID()
    const promoterOrgId = randomUUID()
    await database.sql.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Bench agency', $2)`, [
      agencyId,
      `bench-${suffix}`,
    ])
    await database.sql.query(`INSERT INTO artists (id, name, slug) VALUES ($1, 'Bench artist', $2)`, [artistId, `bench-artist-${suffix}`])
    await database.sql.query(
      `INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, now() + interval '30 days', now() + interval '30 days 2 hours', now())`,
      [requestId, artistId, agencyId, promoterOrgId, randomUUID()],
    )
    const activity = { subject: 'request' as const, subjectId: requestId, action: 'create', from: null, to: 'open' }
    const actor = { type: 'user', orgId: promoterOrgId }

    // 1. A transition's transaction without and with its event.
    const baseline = await measure('transition: activity row (no event)', WRITES, 8, () =>
      db.$transaction(async (tx) => {
        await tx.bookingActivity.create({
          data: { requestId, subject: 'request', subjectId: requestId, action: 'create', toStatus: 'open', actorType: 'user' },
        })
      }),
    )
    const withEvent = await measure('transition: activity row + outbox INSERT … SELECT', WRITES, 8, () =>
      db.$transaction(async (tx) => {
        await tx.bookingActivity.create({
          data: { requestId, subject: 'request', subjectId: requestId, action: 'create', toStatus: 'open', actorType: 'user' },
        })
        await recordPipelineEvents(tx, actor, requestId, [activity])
      }),
    )
    report('Recording an event in the transition (8 in flight)', baseline, [withEvent])
    await database.sql.query('UPDATE outbox_events SET published_at = now()')

    // 2. Throughput: a backlog of EVENTS through one relay, beside raw JetStream publishes of the same size.
    const sample = (await database.sql.query(`SELECT payload FROM outbox_events LIMIT 1`)).rows[0].payload
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: `${stream}_RAW`, subjects: [`${subjectPrefix}_raw.>`] })
    const js = jetstream(nc)
    const body = JSON.stringify({ id: randomUUID(), type: 'booking.request.created', payload: sample })
    let t = performance.now()
    for (let i = 0; i < EVENTS; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, EVENTS - i) }, (_, k) =>
          js.publish(`${subjectPrefix}_raw.booking.request.created`, body, { msgID: `${suffix}-${i + k}` }),
        ),
      )
    }
    const raw = (EVENTS / (performance.now() - t)) * 1000
    await jsm.streams.delete(`${stream}_RAW`)

    await database.sql.query(
      `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, event_type, schema_version, org_ids, payload)
       SELECT gen_random_uuid(), 'booking_request', $1, 'booking.request.created', 1, ARRAY[$2::uuid], $3::jsonb FROM generate_series(1, $4)`,
      [requestId, promoterOrgId, JSON.stringify(sample), EVENTS],
    )
    const options = {
      databaseUrl: database.url,
      natsUrl: NATS_URL,
      log: createLogger('silent'),
      stream,
      subjectPrefix,
      batchSize: 500,
      pollMs: 200,
      publishTimeoutMs: 5000,
      maxAttempts: 10,
      maxBackoffMs: 60_000,
      retentionDays: 7,
      duplicateWindowMs: 600_000,
    }
    t = performance.now()
    const relay = new OutboxRelay(options).start()
    const pending = async () =>
      Number((await database.sql.query(`SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL`)).rows[0].n)
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 20))
    const relayed = (EVENTS / (performance.now() - t)) * 1000
    console.log('\nThroughput: a backlog through one relay (batches of 500, one transaction each)')
    console.log(`  ${'raw JetStream publish, 500 in flight (baseline)'.padEnd(52)} ${raw.toFixed(0).padStart(6)} events/s`)
    console.log(
      `  ${'outbox relay: select, publish, mark'.padEnd(52)} ${relayed.toFixed(0).padStart(6)} events/s   ×${(relayed / raw).toFixed(2)} baseline`,
    )

    // 3. Lag: events written at LAG_RATE per second, from commit to arrival at a subscriber.
    const lags: number[] = []
    const sub = nc.subscribe(`${subjectPrefix}.>`)
    const received = (async () => {
      for await (const m of sub) {
        const e = JSON.parse(new TextDecoder().decode(m.data)) as { occurredAt: string }
        lags.push(Date.now() - Date.parse(e.occurredAt))
      }
    })()
    const total = LAG_RATE * LAG_SECONDS
    const tick = 20
    const perTick = Math.max(1, Math.round((LAG_RATE * tick) / 1000))
    for (let written = 0; written < total; written += perTick) {
      await database.sql.query(
        `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, event_type, schema_version, org_ids, payload)
         SELECT gen_random_uuid(), 'booking_request', $1, 'booking.request.created', 1, ARRAY[$2::uuid], $3::jsonb FROM generate_series(1, $4)`,
        [requestId, promoterOrgId, JSON.stringify(sample), perTick],
      )
      await new Promise((r) => setTimeout(r, tick))
    }
    while (lags.length < total) await new Promise((r) => setTimeout(r, 50))
    sub.unsubscribe()
    await received
    await relay.stop()
    lags.sort((a, b) => a - b)
    const lag: Timing = {
      label: `publish lag at ${LAG_RATE} events/s (poll ${options.pollMs} ms)`,
      n: lags.length,
      p50: percentile(lags, 50),
      p95: percentile(lags, 95),
      p99: percentile(lags, 99),
      perSecond: LAG_RATE,
    }
    console.log(`\nLag from commit to a subscriber (target p95 ≤ 1000 ms)`)
    console.log(
      `  ${lag.label.padEnd(52)} p50 ${lag.p50.toFixed(0).padStart(6)} ms   p95 ${lag.p95.toFixed(0).padStart(6)} ms   (${lag.n} events)`,
    )
  } finally {
    await jetstreamManager(nc)
      .then((m) => m.streams.delete(stream))
      .catch(() => undefined)
    await nc.close()
    await db.$disconnect()
    await database.close()
  }
}
