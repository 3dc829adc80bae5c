// The durable half of the GET cache's invalidation: a JetStream consumer of the outbox stream that makes
// stale what each relayed event changed. The writing request already invalidated before answering; this
// consumer covers what that could not (the process died between commit and answer, Redis was down at the
// time), so an entry outlives its data only until the event is relayed, and never past its TTL. Every
// replica pulls from one durable consumer: each event is handled once, by whichever replica is free.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamApiError } from '@nats-io/jetstream'
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node'
import type { FastifyBaseLogger } from 'fastify'
import { tagsOfEvents, type GetCache } from './get-cache.ts'

export const INVALIDATOR_CONSUMER = 'artists-get-cache'
/** How long to wait for the stream the relay creates before asking again. */
const STREAM_RETRY_MS = 2000
const REDELIVER_AFTER_MS = 1000

export interface InvalidatorOptions {
  natsUrl: string
  stream: string
  subjectPrefix: string
  log: FastifyBaseLogger
}

export class CacheInvalidator {
  private nc?: NatsConnection
  private running = false
  private loop?: Promise<void>

  constructor(
    private readonly cache: GetCache,
    private readonly o: InvalidatorOptions,
  ) {}

  start(): this {
    this.running = true
    this.loop = this.run().catch((e: unknown) => {
      if (this.running) this.o.log.error({ err: e }, 'get cache invalidator stopped; entries now expire by TTL only')
    })
    return this
  }

  async stop(): Promise<void> {
    this.running = false
    await this.nc?.close().catch(() => undefined)
    await this.loop
  }

  private async run(): Promise<void> {
    this.nc = await connect({
      servers: this.o.natsUrl,
      name: 'kisum-artists-get-cache',
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
    })
    const jsm = await jetstreamManager(this.nc)
    while (this.running) {
      try {
        await jsm.consumers.add(this.o.stream, {
          durable_name: INVALIDATOR_CONSUMER,
          ack_policy: AckPolicy.Explicit,
          // From its creation on: entries cached before it came up expire by TTL.
          deliver_policy: DeliverPolicy.New,
          filter_subject: `${this.o.subjectPrefix}.>`,
          ack_wait: nanos(30_000),
        })
        break
      } catch (e) {
        // 10059: the stream does not exist yet (the relay creates it with its first round).
        if (!(e instanceof JetStreamApiError) || e.code !== 10059) throw e
        await new Promise((resolve) => setTimeout(resolve, STREAM_RETRY_MS))
      }
    }
    if (!this.running) return
    const consumer = await jetstream(this.nc).consumers.get(this.o.stream, INVALIDATOR_CONSUMER)
    const messages = await consumer.consume()
    for await (const m of messages) {
      // Redis failed: the event comes back later rather than leaving entries stale until their TTL.
      if (await this.cache.invalidate(tagsOfEvents([m.subject.slice(this.o.subjectPrefix.length + 1)]))) m.ack()
      else m.nak(REDELIVER_AFTER_MS)
      if (!this.running) break
    }
  }
}
