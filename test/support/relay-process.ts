// A relay in a process of its own, for the test that kills one mid-batch (SIGKILL: no cleanup runs). Same
// settings as the in-process relays of the tests (relayOptions), on the stream the test names.
import { relayOptions, startRelay } from './nats.ts'

const env = (name: string) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is required`)
  return v
}

startRelay(
  relayOptions(env('DATABASE_URL'), env('NATS_URL'), { stream: env('OUTBOX_STREAM'), subjectPrefix: env('OUTBOX_SUBJECT_PREFIX') }),
)
