// NATS for the relay suites: the machine's server (NATS_TEST_URL, default 127.0.0.1:4222) or one a test owns
// (its own port and store directory, so stopping it is an outage nobody else sees), and reading a stream back.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import pino from 'pino'
import { HANDOFF_PUBLISH_HOOKS } from '../../src/modules/finance/handoff-links.ts'
import { OutboxRelay, type RelayOptions } from '../../src/modules/outbox/relay.ts'

export const MACHINE_NATS = process.env.NATS_TEST_URL ?? 'nats://127.0.0.1:4222'

/** A stream name and subject prefix of one's own on a shared server. */
export function uniqueStream() {
  const suffix = randomBytes(4).toString('hex')
  return { stream: `KISUM_ARTISTS_TEST_${suffix}`, subjectPrefix: `kisum.test_${suffix}.artists` }
}

export const quietLog = () => pino({ level: 'silent' })

export function relayOptions(databaseUrl: string, natsUrl: string, over: Partial<RelayOptions> = {}): RelayOptions {
  return {
    databaseUrl,
    natsUrl,
    log: quietLog(),
    ...uniqueStream(),
    batchSize: 500,
    pollMs: 50,
    publishTimeoutMs: 2000,
    maxAttempts: 10,
    maxBackoffMs: 500,
    retentionDays: 7,
    duplicateWindowMs: 600_000,
    afterPublish: HANDOFF_PUBLISH_HOOKS,
    ...over,
  }
}

export const startRelay = (o: RelayOptions) => new OutboxRelay(o).start()

export interface StreamMessage {
  subject: string
  msgId: string | undefined
  body: { id: string; type: string; aggregate: { type: string; id: string }; payload: Record<string, unknown> }
}

/** Every message of the stream, in stream order. */
export async function streamMessages(nc: NatsConnection, stream: string): Promise<StreamMessage[]> {
  const jsm = await jetstreamManager(nc)
  const info = await jsm.streams.info(stream)
  const out: StreamMessage[] = []
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq })
    if (m) out.push({ subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), body: JSON.parse(new TextDecoder().decode(m.data)) })
  }
  return out
}

export async function deleteStream(nc: NatsConnection, stream: string) {
  const jsm = await jetstreamManager(nc)
  await jsm.streams.delete(stream).catch(() => undefined)
}

export const natsConnection = (url: string) => connect({ servers: url, timeout: 2000 })

/** Polls until `check` holds (or throws after `ms`). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

/** A nats-server with JetStream that the test owns: stop() is an outage, start() brings it back with its store. */
export async function ownNatsServer(binary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server') {
  const port = await freePort()
  const storeDir = mkdtempSync(path.join(tmpdir(), 'kisum-nats-'))
  let proc: ChildProcess | undefined
  const url = `nats://127.0.0.1:${port}`
  const server = {
    url,
    async start() {
      proc = spawn(binary, ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
      await eventually(
        async () => {
          try {
            const nc = await connect({ servers: url, timeout: 500 })
            await nc.close()
            return true
          } catch {
            return false
          }
        },
        10_000,
        'nats-server to start',
      )
    },
    async stop() {
      const p = proc
      if (!p || p.exitCode !== null || p.signalCode !== null) return
      const exited = new Promise((r) => p.once('exit', r))
      p.kill('SIGKILL')
      await exited
    },
    async dispose() {
      await server.stop()
      rmSync(storeDir, { recursive: true, force: true })
    },
  }
  await server.start()
  return server
}
