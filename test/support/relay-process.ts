// A relay in a process of its own, for the test that kills one mid-batch (SIGKILL: no cleanup runs).
import pino from 'pino'
import { OutboxRelay } from '../../src/modules/outbox/relay.ts'

const env = (name: string) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is required`)
  return v
}

new OutboxRelay({
  databaseUrl: env('DATABASE_URL'),
  natsUrl: env('NATS_URL'),
  log: pino({ level: 'silent' }),
  stream: env('OUTBOX_STREAM'),
  subjectPrefix: env('OUTBOX_SUBJECT_PREFIX'),
  batchSize: 500,
  pollMs: 50,
  publishTimeoutMs: 2000,
  maxAttempts: 10,
  maxBackoffMs: 500,
  retentionDays: 7,
  duplicateWindowMs: 600_000,
}).start()
