// Statements written by hand, run straight on the pg pool under the Prisma client (src/db/client.ts), for
// the paths where Prisma's runtime (parameter serialisation, its interpreter, result mapping) costs more
// than the statement: the booking flow's steps (src/modules/booking/README.md, "Performance").
//
// The same guarantees as the Prisma path: the pool's statement and connect timeouts apply (same pool); pg's
// errors are database faults to `databaseFault` as they are (503s) and violations to the error helpers
// (src/errors.ts); a read outside a transaction that meets a dead pooled connection runs again, and so does
// a transaction's BEGIN (`retryingReads`' rules); every statement is told to `onQuery` and prepared once per
// connection (`nameOf`); rows are typed as
// Prisma's `$queryRaw` types them (int8 → BigInt, numeric → Prisma.Decimal, date and timestamps → Date, json
// parsed), so a `Prisma.sql` template reads the same rows through either.
import pg from 'pg'
import { Prisma } from '../generated/prisma/client.ts'
import { isRead, observeDb, retryDeadConnection, type Db, type DbObservation } from './client.ts'
import { databaseFault } from './faults.ts'
import { scopeAlong } from '../request-scope.ts'

/** What runs a statement: the pool, a transaction of sql.ts, or a Prisma client or transaction (the same call). */
export interface Queries {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): PromiseLike<T>
}

/** The pool: reads are retried on a dead connection; `$transaction` runs `work` in one transaction on one connection. */
export interface SqlDb extends Queries {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>
  $transaction<T>(work: (tx: SqlTx) => Promise<T>): Promise<T>
}

/** A transaction of sql.ts: its statements run in order on its connection, never replayed. */
export interface SqlTx extends Queries {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>
}

/** The transactions' runners of their last statement (`lastStatementOf`), and of statements sent together (`inOrder`). */
const committers = new WeakMap<Queries, Queries>()
const batchers = new WeakMap<Queries, (statements: Prisma.Sql[]) => Promise<Record<string, unknown>[][]>>()

/**
 * Runs `statements` one after the other, each seeing what the ones before it did (its own snapshot: a read
 * after a lock reads what the lock waited for), and answers each one's rows; the first failure is thrown.
 * In a transaction of sql.ts they are sent in one round trip (pipelined): a later statement runs even when
 * the caller would have stopped at an earlier one's answer, so only reads may follow the first.
 */
export async function inOrder(q: Queries, statements: Prisma.Sql[]): Promise<Record<string, unknown>[][]> {
  const batch = batchers.get(q)
  if (batch) return batch(statements)
  const answers: Record<string, unknown>[][] = []
  for (const statement of statements) answers.push(await q.$queryRaw<Record<string, unknown>[]>(statement))
  return answers
}

/**
 * What runs `q`'s last statement: in a transaction of sql.ts, one that sends the statement with the COMMIT in
 * one round trip (the transaction is over when it answers: nothing may run on `q` after it); elsewhere `q`
 * itself (Prisma's transactions commit at their end).
 */
export const lastStatementOf = <Q extends Queries>(q: Q): Q => (committers.get(q) as Q | undefined) ?? q

// pg's own type parsers (pg-types, reached through pg: not a dependency of ours).
const types = pg.types
const toDate = (text: string) => new Date(text)
// text[] (1009): its elements as text, NULL as null.
const textArray = (types.getTypeParser as (oid: number) => (text: string) => (string | null)[])(1009)
const arrayOf =
  <T>(parse: (text: string) => T) =>
  (text: string): (T | null)[] =>
    textArray(text).map((entry) => (entry === null ? null : parse(entry)))

// Prisma reads a timestamp without time zone as UTC, and a date as UTC midnight.
const utcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
const utcDate = (text: string) => new Date(`${text}T00:00:00.000Z`)
const decimal = (text: string) => new Prisma.Decimal(text)

const PARSERS: Record<number, (text: string) => unknown> = {
  20: BigInt,
  1016: arrayOf(BigInt),
  1700: decimal,
  1231: arrayOf(decimal),
  1082: utcDate,
  1182: arrayOf(utcDate),
  1114: utcTimestamp,
  1115: arrayOf(utcTimestamp),
  1184: toDate,
  1185: arrayOf(toDate),
}

const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && PARSERS[oid] ? PARSERS[oid] : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
}

/**
 * An instant in UTC as PostgreSQL reads it: ISO 8601, a year past 9999 written plainly (JavaScript writes
 * `+010000-01-01T…`, which PostgreSQL refuses; the end of a day-long period on 9999-12-31 is one).
 */
const instantText = (d: Date) => {
  const iso = d.toISOString()
  return iso.startsWith('+') ? iso.slice(1).replace(/^0+/, '') : iso
}

/** A parameter as PostgreSQL reads it: instants in UTC (pg would write the process's zone), integers and decimals as text. */
function parameter(value: unknown): unknown {
  // Most values are text or numbers: they skip the Decimal check, which costs more than all the rest.
  if (typeof value === 'bigint') return value.toString()
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof Date) return instantText(value)
  if (Prisma.Decimal.isDecimal(value)) return value.toString()
  if (Array.isArray(value)) return value.map(parameter)
  return value
}

const statementOf = (query: TemplateStringsArray | Prisma.Sql, values: unknown[]): Prisma.Sql =>
  query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values)

/**
 * Each statement text is prepared once per connection (pg names it and skips the Parse after the first run),
 * so that PostgreSQL parses and analyses the flow's larger statements once, not on every call (the booking
 * bench: 40 → 49 flows/s). The texts come from templates, so they are few; past `MAX_NAMED` distinct texts (a
 * caller building texts from data) the rest run unnamed rather than filling every connection with statements.
 * A prepared statement outlives a migration on a live connection: its result columns must be named (no
 * top-level `SELECT *` / `RETURNING *`, which fail once a column is added), as columnsOf names them.
 * After five runs PostgreSQL may keep a prepared statement's generic plan, planned without its parameters'
 * values: statements whose plan depends on them (a search choosing its index by its filters' selectivity), or
 * whose texts vary with their input past a few (they would take the names of everyone else), run unnamed
 * (`sqlOf(db, { prepared: false })`): planned for their values every time, as Prisma's path plans them.
 */
const MAX_NAMED = 500
const names = new Map<string, string>()

function nameOf(text: string): string | undefined {
  let name = names.get(text)
  if (!name && names.size < MAX_NAMED) {
    name = `sql_${names.size + 1}`
    names.set(text, name)
  }
  return name
}

/**
 * `template`'s statement with `values` in place of its own (as many, in the same places), its text joined once:
 * Prisma.Sql joins it again on every read of `text`, and a long text run on every request (joined, then hashed
 * for its name) costs more than its run's other work in Node.
 */
export function withValues(template: Prisma.Sql, values: unknown[]): Prisma.Sql {
  if (values.length !== template.values.length)
    throw new Error(`withValues: ${template.values.length} values expected, not ${values.length}`)
  if (!Object.hasOwn(template, 'text')) Object.defineProperty(template, 'text', { value: template.text })
  const statement = Object.create(template) as Prisma.Sql & { values: unknown[] }
  statement.values = values
  return statement
}

async function run<T>(
  on: pg.Pool | pg.PoolClient,
  observation: DbObservation,
  statement: Prisma.Sql,
  prepared = true,
  // Read once: Prisma.Sql joins its text again on every read.
  text = statement.text,
): Promise<T> {
  observation.onQuery?.(text)
  const query = { name: prepared ? nameOf(text) : undefined, text, values: statement.values.map(parameter), types: TYPES }
  const result = await on.query(query)
  return result.rows as T
}

const retrying = <T>(observation: DbObservation, attempts: number, work: () => Promise<T>): Promise<T> =>
  retryDeadConnection(attempts, (reason) => observation.onRetry?.(reason), work)

const pools = { prepared: new WeakMap<DbObservation, SqlDb>(), unnamed: new WeakMap<DbObservation, SqlDb>() }

/**
 * The hand-written statements' way to `db`'s pool (one per client; `db` may be a request's scoped client).
 * `prepared: false`: its statements run unnamed (see MAX_NAMED).
 */
export function sqlOf(db: Db, { prepared = true }: { prepared?: boolean } = {}): SqlDb {
  const observation = observeDb(db)
  if (!observation) throw new Error('sqlOf: a client made by createDb is needed')
  const cache = prepared ? pools.prepared : pools.unnamed
  let sql = cache.get(observation)
  if (!sql) {
    sql = poolSql(observation, prepared)
    cache.set(observation, sql)
  }
  // The request's scope goes along (the outbox stamps its events with the request: src/request-scope.ts).
  return scopeAlong(db, Object.create(sql) as SqlDb)
}

/** What pg's client has and its types do not declare: pipeline mode (pg ≥ 8.23, node-postgres.com/features/pipelining) and its socket. */
interface PipelinedClient {
  pipeline: boolean
  connection: { stream: { cork?(): void; uncork?(): void } }
}

/**
 * Sends `statements` on `client` in one write and waits for their answers once (pg's pipeline mode, each
 * statement with its own Sync: in a transaction block one that fails aborts the transaction, and those behind
 * it fail, or a COMMIT answers ROLLBACK). Pipeline mode stays on until every answer is in: the client hands
 * each answer to the next statement by it. Returns each statement's outcome, in order.
 */
async function pipelined(client: pg.PoolClient, observation: DbObservation, statements: Prisma.Sql[], prepared: boolean) {
  const pipelining = client as unknown as PipelinedClient
  const { stream } = pipelining.connection
  pipelining.pipeline = true
  stream.cork?.()
  let sent: Promise<unknown[]>[]
  try {
    // `run` hands its statement to pg before its first await: all of them are written in this cork.
    sent = statements.map((statement) => run<unknown[]>(client, observation, statement, prepared))
  } finally {
    stream.uncork?.()
  }
  const outcomes = await Promise.allSettled(sent)
  pipelining.pipeline = false
  return outcomes
}

const outcomeOf = <T>(outcome: PromiseSettledResult<unknown> | undefined): T => {
  if (!outcome) throw new Error('pipelined: an outcome is missing')
  if (outcome.status === 'rejected') throw outcome.reason
  return outcome.value as T
}

function poolSql(observation: DbObservation, prepared: boolean): SqlDb {
  const { pool } = observation
  // Every idle connection dies in one outage: enough attempts to discard them all and reach a fresh one.
  const attempts = (pool.options.max ?? 10) + 1

  return {
    $queryRaw<T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T> {
      const statement = statementOf(query, values)
      const { text } = statement
      if (!isRead(text)) return run<T>(pool, observation, statement, prepared, text)
      return retrying(observation, attempts, () => run<T>(pool, observation, statement, prepared, text))
    },

    /**
     * BEGIN goes with the transaction's first statement, and COMMIT with its last when the work names it
     * (`lastStatementOf`): two round trips fewer than one each. A BEGIN that meets a dead connection is sent
     * again with its statements on a fresh one when they are reads (`retryingReads`' rule: the lost connection
     * may have run them); a write is sent after BEGIN's answer, never again; a statement after it that fails is
     * never replayed.
     */
    async $transaction<T>(this: SqlDb, work: (tx: SqlTx) => Promise<T>): Promise<T> {
      let client = await pool.connect()
      // Whether `client` is still this transaction's to release: a BEGIN sent again gives its dead one back first.
      let held = true
      // A connection lost between two statements is reported here, not as an unhandled 'error' event; the
      // next statement on it fails and the transaction with it.
      let lost: Error | undefined
      const onError = (e: Error) => (lost = e)
      client.on('error', onError)
      let state = 'idle' as 'idle' | 'open' | 'over'

      /** Sends `statements` together (with BEGIN when they are the first, with COMMIT when `last`) and answers their rows. */
      const send = async (statements: Prisma.Sql[], last: boolean): Promise<unknown[][]> => {
        if (state === 'over') throw new Error('sql.ts: a statement after the transaction committed')
        // A BEGIN that meets a dead connection may have been run with what went with it, its answer lost: only
        // reads go with the BEGIN that is sent again, a write waits for BEGIN's answer (the old round trip).
        if (state === 'idle' && !statements.every((s) => isRead(s.text))) await send([], false)
        const [only] = statements
        if (state === 'open' && !last && statements.length === 1 && only) return [await run<unknown[]>(client, observation, only, prepared)]
        const begin = state === 'idle' ? [Prisma.sql`BEGIN`] : []
        const commit = last ? [Prisma.sql`COMMIT`] : []
        for (let attempt = 1; ; attempt++) {
          const outcomes = await pipelined(client, observation, [...begin, ...statements, ...commit], prepared)
          const [begun] = outcomes
          if (begin.length && begun?.status === 'rejected') {
            const fault = databaseFault(begun.reason)
            if (fault?.deadConnection && attempt < attempts) {
              observation.onRetry?.(fault.reason)
              client.off('error', onError)
              held = false
              client.release(begun.reason as Error)
              lost = undefined
              client = await pool.connect()
              held = true
              client.on('error', onError)
              continue
            }
          }
          // Past a COMMIT the transaction is over whatever it answered (a failed statement turned it into a ROLLBACK).
          state = last ? 'over' : 'open'
          // The first failure is the cause: the statements after it failed because the transaction was aborted.
          const answers = outcomes.map((outcome) => outcomeOf<unknown[]>(outcome))
          return answers.slice(begin.length, begin.length + statements.length)
        }
      }
      const one = async <R>(statement: Prisma.Sql, last: boolean) => (await send([statement], last))[0] as R

      const tx: SqlTx = scopeAlong(this, {
        $queryRaw: <R>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => one<R>(statementOf(query, values), false),
      })
      committers.set(
        tx,
        scopeAlong(this, {
          $queryRaw: <R>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => one<R>(statementOf(query, values), true),
        }),
      )
      batchers.set(tx, (statements) => send(statements, false) as Promise<Record<string, unknown>[][]>)
      try {
        const result = await work(tx)
        if (state === 'open') {
          state = 'over'
          await run(client, observation, Prisma.sql`COMMIT`)
        }
        return result
      } catch (e) {
        if (state === 'open' && !lost && !databaseFault(e)?.deadConnection) {
          state = 'over'
          try {
            await run(client, observation, Prisma.sql`ROLLBACK`)
          } catch (rollback) {
            lost = rollback as Error
          }
        } else if (databaseFault(e)?.deadConnection) lost ??= e as Error
        throw e
      } finally {
        if (held) {
          client.off('error', onError)
          // A connection that failed is closed, never pooled again.
          client.release(lost)
        }
      }
    },
  }
}
