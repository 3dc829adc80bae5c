// Which database failures mean "PostgreSQL cannot answer right now" (a dependency fault: 503, retry later)
// rather than a bug or a broken rule. The same failure reaches us in three shapes: the pg driver's own
// error (socket codes, SQLSTATEs, pg-pool's plain messages), Prisma's driver-adapter error (`cause.kind`),
// and Prisma's client error carrying that adapter error in `meta.driverAdapterError`.

export type DatabaseFaultReason =
  'unreachable' | 'connection_lost' | 'shutting_down' | 'statement_timeout' | 'pool_timeout' | 'too_many_connections' | 'out_of_resources'

export interface DatabaseFault {
  reason: DatabaseFaultReason
  /**
   * The connection the statement ran on is gone (terminated, reset, closed). A read that met it can run again
   * on a fresh connection; nothing else is retried (a refused or saturated database stays so for a while).
   */
  deadConnection: boolean
}

const ADAPTER_KINDS: Record<string, DatabaseFault> = {
  DatabaseNotReachable: { reason: 'unreachable', deadConnection: false },
  ConnectionClosed: { reason: 'connection_lost', deadConnection: true },
  SocketTimeout: { reason: 'connection_lost', deadConnection: true },
  TooManyConnections: { reason: 'too_many_connections', deadConnection: false },
}

function fromSqlState(code: string): DatabaseFault | undefined {
  // 57P01 admin shutdown / pg_terminate_backend, 57P02 crash shutdown: this session is over.
  if (code === '57P01' || code === '57P02') return { reason: 'connection_lost', deadConnection: true }
  // 57P03: the server is starting up or shutting down and takes no new sessions yet.
  if (code === '57P03') return { reason: 'shutting_down', deadConnection: false }
  // 57014 query_canceled: statement_timeout is the only canceller this service sets up.
  if (code === '57014') return { reason: 'statement_timeout', deadConnection: false }
  if (code === '53300') return { reason: 'too_many_connections', deadConnection: false }
  // Class 53: disk full, out of memory, configuration limit exceeded.
  if (code.startsWith('53')) return { reason: 'out_of_resources', deadConnection: false }
  // Class 08: connection exceptions.
  if (code.startsWith('08')) return { reason: 'connection_lost', deadConnection: true }
  return undefined
}

const SOCKET_CODES: Record<string, DatabaseFault> = {
  ECONNREFUSED: { reason: 'unreachable', deadConnection: false },
  ENOTFOUND: { reason: 'unreachable', deadConnection: false },
  EHOSTUNREACH: { reason: 'unreachable', deadConnection: false },
  ETIMEDOUT: { reason: 'unreachable', deadConnection: false },
  ECONNRESET: { reason: 'connection_lost', deadConnection: true },
  EPIPE: { reason: 'connection_lost', deadConnection: true },
}

// pg and pg-pool report these as plain Errors without a code.
const DRIVER_MESSAGES: [RegExp, DatabaseFault][] = [
  [/timeout exceeded when trying to connect/i, { reason: 'pool_timeout', deadConnection: false }],
  [/Connection terminated due to connection timeout/i, { reason: 'unreachable', deadConnection: false }],
  [/Connection terminated|not queryable|Connection ended/i, { reason: 'connection_lost', deadConnection: true }],
]

interface Shape {
  code?: unknown
  kind?: unknown
  message?: unknown
  originalCode?: unknown
  cause?: unknown
  meta?: { driverAdapterError?: { cause?: unknown } }
}

/** The database fault behind an error (any of its three shapes), or undefined when it is something else. */
export function databaseFault(error: unknown, depth = 0): DatabaseFault | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined
  const e = error as Shape
  if (typeof e.kind === 'string') {
    if (e.kind in ADAPTER_KINDS) return ADAPTER_KINDS[e.kind]
    if (e.kind === 'postgres' && typeof e.code === 'string') return fromSqlState(e.code)
    return undefined
  }
  if (e.meta?.driverAdapterError?.cause) return databaseFault(e.meta.driverAdapterError.cause, depth + 1)
  if (e.cause && typeof e.cause === 'object' && typeof (e.cause as Shape).kind === 'string') return databaseFault(e.cause, depth + 1)
  if (typeof e.code === 'string') {
    if (e.code in SOCKET_CODES) return SOCKET_CODES[e.code]
    if (/^[0-9A-Z]{5}$/.test(e.code)) {
      const fault = fromSqlState(e.code)
      if (fault) return fault
    }
  }
  if (typeof e.message === 'string') {
    for (const [pattern, fault] of DRIVER_MESSAGES) if (pattern.test(e.message)) return fault
  }
  return e.cause ? databaseFault(e.cause, depth + 1) : undefined
}
