// The relay: publishes the outbox to NATS JetStream, at least once and in order of writing.
//
// Each round is one PostgreSQL transaction on the relay's own connection: take the relay lock (a
// transaction-scoped advisory lock, so of several replicas one relays and the others wait their turn),
// read the next batch by seq, publish it with the event id as Nats-Msg-Id, and mark what the broker
// acknowledged. A relay that dies between publish and mark rolls back: the next round publishes the same
// events again and JetStream drops the copies (duplicate window). When the broker is down or slow, rows are
// left as they are and the relay backs off; an event the broker itself refuses is retried with back-off and
// parked after OUTBOX_MAX_ATTEMPTS, for an operator (GET/POST /internal/admin/outbox).
import { JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream'
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node'
import type { FastifyBaseLogger } from 'fastify'
import pg from 'pg'
import type { Config } from '../../config.ts'
import { subjectOf } from './catalog.ts'

/** The relay's settings are the `outbox` block of the configuration (src/config.ts documents each). */
export interface RelayOptions extends NonNullable<Config['outbox']> {
  databaseUrl: string
  log: FastifyBaseLogger
  /**
   * Work that must happen once an event type reached the broker (a finance handoff becomes `sent`): run with
   * the aggregate ids in the transaction that marks the events published, so both commit or neither.
   */
  afterPublish?: Record<string, (client: pg.PoolClient, aggregateIds: string[]) => Promise<void>>
}

interface Row {
  id: string
  seq: string
  aggregate_type: string
  aggregate_id: string
  event_type: string
  schema_version: number
  occurred_at: Date
  org_ids: string[]
  payload: unknown
  request_id: string | null
  attempts: number
}

/** What one round did: -1 when another replica holds the relay lock. */
export interface Round {
  published: number
  failed: number
  brokerDown: boolean
  leader: boolean
}

const RELAY_LOCK = 'kisum:outbox:relay'
const PURGE_EVERY_MS = 3_600_000

export class OutboxRelay {
  private readonly pool: pg.Pool
  private nc?: NatsConnection
  private js?: JetStreamClient
  private streamReady = false
  private connected = false
  private running = false
  private loop?: Promise<void>
  private wake?: () => void
  private brokerBackoffMs = 0
  private lastPurge = 0

  constructor(private readonly o: RelayOptions) {
    this.pool = new pg.Pool({ connectionString: o.databaseUrl, max: 1 })
    // A terminated relay connection surfaces here between rounds; the next round takes a fresh one.
    this.pool.on('error', (e) => o.log.warn({ err: e }, 'outbox relay: database connection lost'))
  }

  /** Connects to NATS (retrying in the background until it answers) and starts relaying. */
  start(): this {
    this.running = true
    this.loop = this.run()
    return this
  }

  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    // Still waiting for a first connection (NATS down since start): nothing is in flight, and the pending
    // connect closes itself when it lands (run() sees running = false).
    if (this.nc) await this.loop
    await this.nc?.close().catch(() => undefined)
    await this.pool.end()
  }

  private async connectBroker(): Promise<void> {
    this.nc = await connect({
      servers: this.o.natsUrl,
      name: 'kisum-artists-outbox-relay',
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: this.o.publishTimeoutMs,
    })
    this.connected = true
    this.js = jetstream(this.nc, { timeout: this.o.publishTimeoutMs })
    void (async () => {
      for await (const s of this.nc!.status()) {
        if (s.type === 'disconnect') {
          this.connected = false
          this.o.log.warn({ server: this.o.natsUrl }, 'outbox relay: NATS disconnected; events wait in the outbox')
        } else if (s.type === 'reconnect') {
          this.connected = true
          this.streamReady = false
          this.o.log.info({ server: this.o.natsUrl }, 'outbox relay: NATS reconnected')
          this.wake?.()
        }
      }
    })()
  }

  private async ensureStream(): Promise<void> {
    if (this.streamReady) return
    const jsm = await jetstreamManager(this.nc!, { timeout: this.o.publishTimeoutMs })
    const subjects = [`${this.o.subjectPrefix}.>`]
    try {
      await jsm.streams.info(this.o.stream)
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== 10059) throw e
      await jsm.streams.add({ name: this.o.stream, subjects, duplicate_window: nanos(this.o.duplicateWindowMs) })
      this.o.log.info({ stream: this.o.stream, subjects }, 'outbox relay: created the stream')
    }
    this.streamReady = true
  }

  private async run(): Promise<void> {
    try {
      await this.connectBroker()
    } catch (e) {
      if (this.running) this.o.log.error({ err: e }, 'outbox relay: cannot connect to NATS; the relay is off')
      return
    }
    if (!this.running) {
      await this.nc?.close().catch(() => undefined)
      return
    }
    while (this.running) {
      let round: Round = { published: 0, failed: 0, brokerDown: false, leader: false }
      try {
        round = await this.round()
        await this.purge()
      } catch (e) {
        this.o.log.warn({ err: e }, 'outbox relay: round failed')
        round.brokerDown = true
      }
      if (round.brokerDown) {
        this.brokerBackoffMs = Math.min(this.o.maxBackoffMs, Math.max(this.o.pollMs, this.brokerBackoffMs * 2))
        await this.sleep(this.brokerBackoffMs)
      } else {
        this.brokerBackoffMs = 0
        // A full batch means more is waiting: go again at once.
        if (!round.leader || round.published + round.failed < this.o.batchSize) await this.sleep(this.o.pollMs)
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = done
    })
  }

  /** One batch, inside one transaction holding the relay lock. */
  async round(): Promise<Round> {
    if (!this.connected || !this.js) return { published: 0, failed: 0, brokerDown: true, leader: false }
    await this.ensureStream()
    const client = await this.pool.connect()
    let broken = false
    try {
      await client.query('BEGIN')
      const lock = await client.query<{ leader: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS leader', [
        RELAY_LOCK,
      ])
      if (!lock.rows[0]?.leader) {
        await client.query('ROLLBACK')
        return { published: 0, failed: 0, brokerDown: false, leader: false }
      }
      const { rows } = await client.query<Row>(
        `SELECT id, seq, aggregate_type, aggregate_id, event_type, schema_version, occurred_at, org_ids, payload, request_id, attempts
           FROM outbox_events
          WHERE published_at IS NULL AND parked_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          ORDER BY seq LIMIT $1`,
        [this.o.batchSize],
      )
      const results = await Promise.allSettled(rows.map((r) => this.publish(r)))
      const acked: Row[] = []
      const refused: { row: Row; error: string }[] = []
      const unreachable: { row: Row; error: string }[] = []
      results.forEach((result, i) => {
        const row = rows[i]!
        if (result.status === 'fulfilled') acked.push(row)
        else if (result.reason instanceof JetStreamApiError) refused.push({ row, error: String(result.reason.message) })
        else unreachable.push({ row, error: String((result.reason as Error)?.message ?? result.reason) })
      })
      if (acked.length) {
        await client.query('UPDATE outbox_events SET published_at = now(), last_error = NULL WHERE id = ANY($1::uuid[])', [
          acked.map((r) => r.id),
        ])
        for (const [type, hook] of Object.entries(this.o.afterPublish ?? {})) {
          const ids = acked.filter((r) => r.event_type === type).map((r) => r.aggregate_id)
          if (ids.length) await hook(client, ids)
        }
      }
      for (const { row, error } of refused) {
        const attempts = row.attempts + 1
        const parked = attempts >= this.o.maxAttempts
        await client.query(
          `UPDATE outbox_events SET attempts = $2, last_error = $3,
                  next_attempt_at = now() + make_interval(secs => $4::float8 / 1000), parked_at = CASE WHEN $5 THEN now() END
            WHERE id = $1`,
          [row.id, attempts, error, this.eventBackoffMs(attempts), parked],
        )
        if (parked) this.o.log.error({ eventId: row.id, type: row.event_type, error }, 'outbox relay: event parked')
      }
      if (unreachable.length) {
        this.streamReady = false
        // The broker did not answer: the events keep their place; only the reason is noted for operators.
        await client.query('UPDATE outbox_events SET last_error = $2 WHERE id = ANY($1::uuid[])', [
          unreachable.map((u) => u.row.id),
          unreachable[0]!.error,
        ])
        this.o.log.warn({ pending: unreachable.length, error: unreachable[0]!.error }, 'outbox relay: broker unreachable; backing off')
      }
      await client.query('COMMIT')
      return { published: acked.length, failed: refused.length, brokerDown: unreachable.length > 0, leader: true }
    } catch (e) {
      broken = true
      await client.query('ROLLBACK').catch(() => undefined)
      throw e
    } finally {
      client.release(broken)
    }
  }

  private publish(r: Row) {
    const envelope = {
      id: r.id,
      seq: r.seq,
      type: r.event_type,
      schemaVersion: r.schema_version,
      aggregate: { type: r.aggregate_type, id: r.aggregate_id },
      occurredAt: r.occurred_at.toISOString(),
      orgIds: r.org_ids,
      requestId: r.request_id,
      payload: r.payload,
    }
    return this.js!.publish(subjectOf(this.o.subjectPrefix, r.event_type), JSON.stringify(envelope), {
      msgID: r.id,
      timeout: this.o.publishTimeoutMs,
    })
  }

  private eventBackoffMs(attempts: number) {
    return Math.min(this.o.maxBackoffMs, 1000 * 2 ** (attempts - 1))
  }

  /** Published events are kept OUTBOX_RETENTION_DAYS for operators, then removed (hourly, by whichever replica). */
  private async purge() {
    if (Date.now() - this.lastPurge < PURGE_EVERY_MS) return
    this.lastPurge = Date.now()
    const { rowCount } = await this.pool.query(`DELETE FROM outbox_events WHERE published_at < now() - make_interval(days => $1::int)`, [
      this.o.retentionDays,
    ])
    if (rowCount) this.o.log.info({ purged: rowCount }, 'outbox relay: purged published events')
  }
}
