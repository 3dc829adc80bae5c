// The Prisma client over node-postgres. One per process (per test database in the tests).
//
// The pool is ours, so that a stuck or absent database gives fast, clean failures: a statement runs at most
// `statementTimeoutMs` (PostgreSQL's statement_timeout), a request waits at most `poolTimeoutMs` for a
// connection, and a pooled connection the server has dropped is not trusted twice (see `retryingReads`).
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import pg from 'pg'
import { PrismaClient } from '../generated/prisma/client.ts'
import { databaseFault } from './faults.ts'

export type Db = ReturnType<typeof queryStrategyByDefault>
/** A client or an interactive transaction: what domain services write through. */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>

export interface DbOptions {
  url: string
  poolMax?: number
  statementTimeoutMs?: number
  poolTimeoutMs?: number
  /** Called with every SQL statement Prisma sends (tests count them). */
  onQuery?: (sql: string) => void
}

/**
 * What metrics observe of a client: its pool's use, and reads run again after meeting a dead connection; and
 * what the statements written on its pool directly (src/db/sql.ts) report as Prisma's do: each statement
 * (`onQuery`) and each retry.
 */
export interface DbObservation {
  pool: pg.Pool
  onRetry?: (reason: string) => void
  onQuery?: (sql: string) => void
}

const observations = new WeakMap<Db, DbObservation>()

/** The observation of `db`, or of the client it was derived from (a request's scoped client: src/request-scope.ts). */
export function observeDb(db: Db): DbObservation | undefined {
  for (let at: object | null = db; at; at = Object.getPrototypeOf(at) as object | null) {
    const observation = observations.get(at as Db)
    if (observation) return observation
  }
  return undefined
}

/** A statement that only reads: safe to run again, whatever happened to its first run. */
export function isRead(sql: string): boolean {
  return /^\s*SELECT\b/i.test(sql)
}

/**
 * A read outside a transaction that meets a dead pooled connection (terminated by an administrator, reset,
 * dropped by a restart) runs again: pg-pool discards the failed connection, and since one outage kills every
 * idle connection at once, the read goes on discarding dead ones until it runs on a fresh connection (at
 * most the pool size plus one runs). A transaction whose BEGIN meets one is started again the same way
 * (nothing ran in it yet). Statements inside a transaction and writes are never replayed here: whether a
 * write took effect is unknown once its connection is lost, and the client's Idempotency-Key is the safe way
 * to retry it.
 */
function retryingReads(factory: SqlDriverAdapterFactory, attempts: number, onRetry: (reason: string) => void): SqlDriverAdapterFactory {
  const run = <T>(work: () => Promise<T>, replayable: boolean): Promise<T> =>
    replayable ? retryDeadConnection(attempts, onRetry, work) : work()
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect()
      const wrapped: SqlDriverAdapter = Object.create(adapter)
      wrapped.queryRaw = (query) => run(() => adapter.queryRaw(query), isRead(query.sql))
      wrapped.startTransaction = (isolationLevel) => run(() => adapter.startTransaction(isolationLevel), true)
      return wrapped
    },
  }
}

/** Runs `work` again while it meets a dead connection, at most `attempts` times in all (the rule above). */
export async function retryDeadConnection<T>(attempts: number, onRetry: (reason: string) => void, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (e) {
      const fault = databaseFault(e)
      if (!fault?.deadConnection || attempt >= attempts) throw e
      onRetry(fault.reason)
    }
  }
}

/** The operations that take a `relationLoadStrategy`. */
const RELATION_READS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'create',
  'update',
  'upsert',
  'delete',
])

/**
 * Relations load with one statement per relation (`'query'`) unless a read asks for `relationLoadStrategy:
 * 'join'`. The `relationJoins` preview flag (schema.prisma) makes `join` Prisma's default, which on this
 * machine's shared cores made list pages slower under load (PostgreSQL builds the JSON): the reads that win
 * by a join (federation references, src/graphql/entities.ts) ask for it.
 */
function queryStrategyByDefault(db: PrismaClient) {
  return db.$extends({
    query: {
      $allModels: {
        $allOperations({ operation, args, query }) {
          if (!RELATION_READS.has(operation)) return query(args)
          // Spread as a plain object: spreading `args` itself makes TypeScript expand every model's arguments.
          const withStrategy: object = { relationLoadStrategy: 'query', ...(args as object) }
          return query(withStrategy as typeof args)
        },
      },
    },
  })
}

export function createDb({ url, poolMax = 10, statementTimeoutMs, poolTimeoutMs, onQuery }: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
    ...(poolTimeoutMs ? { connectionTimeoutMillis: poolTimeoutMs } : {}),
    // Idle connections are closed before a firewall or a proxy silently drops them.
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  })
  const observation: DbObservation = { pool, onQuery }
  const adapter = retryingReads(new PrismaPg(pool, { disposeExternalPool: true }), poolMax + 1, (reason) => observation.onRetry?.(reason))
  const client = new PrismaClient({ adapter, log: onQuery ? [{ emit: 'event', level: 'query' }] : [] })
  if (onQuery) client.$on('query' as never, (e: { query: string }) => onQuery(e.query))
  const db = queryStrategyByDefault(client)
  observations.set(db, observation)
  return db
}
