// The statements written on the pool directly (src/db/sql.ts) keep the Prisma path's guarantees: rows typed as
// Prisma's $queryRaw types them, every statement observed (and prepared once), transactions that commit or roll
// back as one, reads and BEGINs run again after meeting a dead connection (and nothing else is), database faults
// that answer 503, and PostgreSQL's violations recognised by the error helpers.
import net from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, observeDb, type Db } from '../src/db/client.ts'
import { databaseFault } from '../src/db/faults.ts'
import { inOrder, lastStatementOf, sqlOf } from '../src/db/sql.ts'
import { isExclusionViolation, isUniqueViolation, toAppError } from '../src/errors.ts'
import { Prisma } from '../src/generated/prisma/client.ts'
import { freshDatabase } from './support/db.ts'

let database: Awaited<ReturnType<typeof freshDatabase>>
let db: Db
const statements: string[] = []
const retries: string[] = []

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: database.url })
  await c.connect()
  try {
    return await run(c)
  } finally {
    await c.end()
  }
}

/** Terminates the backend running a statement that contains `marker` (an administrator's pg_terminate_backend), once. */
async function terminateRunning(marker: string) {
  await admin(async (c) => {
    for (let i = 0; i < 200; i++) {
      const killed = await c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND position($1 in query) > 0`,
        [marker],
      )
      if (killed.rowCount) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`no statement with ${marker} ran`)
  })
}

/** A connection from `connect` whose socket is gone (a connection dropped while pooled). */
async function deadCheckout(pool: pg.Pool, connect: pg.Pool['connect']) {
  const client: pg.PoolClient = await (connect as () => Promise<pg.PoolClient>).call(pool)
  client.on('error', () => {})
  const ended = new Promise((resolve) => client.once('end', resolve))
  ;(client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
  await ended
  return client
}

/** The pool's next checkout hands a connection whose socket is gone. */
function dropNextCheckout() {
  const pool = observeDb(db)!.pool
  const connect = pool.connect
  pool.connect = (async () => {
    pool.connect = connect
    return deadCheckout(pool, connect)
  }) as typeof pool.connect
}

/**
 * A TCP proxy to the test database. `cut(marker)`: the connection that next sends `marker` has every answer
 * after it dropped, then is cut once the server has run what it was sent (the client never hears of it).
 */
async function cuttingProxy(url: string) {
  const target = new URL(url)
  const [host, port] = [target.hostname, Number(target.port || 5432)]
  let armed: string | undefined
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    const upstream = net.connect(port, host)
    sockets.add(socket).add(upstream)
    let cut = false
    socket.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes(armed)) {
        armed = undefined
        cut = true
        setTimeout(() => {
          socket.destroy()
          upstream.end()
        }, 300)
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (!cut) socket.write(chunk)
    })
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => cut || upstream.destroy())
    upstream.on('close', () => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  target.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return {
    url: target.toString(),
    cut: (marker: string) => (armed = marker),
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

beforeAll(async () => {
  database = await freshDatabase()
  db = createDb({ url: database.url, poolMax: 2, statementTimeoutMs: 500, onQuery: (q) => statements.push(q) })
  observeDb(db)!.onRetry = (reason) => retries.push(reason)
  await db.$executeRawUnsafe('CREATE TABLE sql_test_items (id int PRIMARY KEY, during tstzrange, EXCLUDE USING gist (during WITH &&))')
})

afterAll(async () => {
  await db?.$disconnect()
  await database?.drop()
})

describe('rows and parameters', () => {
  it('types each column as Prisma $queryRaw does', async () => {
    const query = Prisma.sql`SELECT 9007199254740993::int8 AS big, 12.50::numeric AS amount, 7::int AS small, 1.5::float8 AS ratio,
      '2031-01-02'::date AS day, '2031-01-02 03:04:05.678'::timestamp AS local, '2031-01-02 03:04:05.678+02'::timestamptz AS instant,
      '{"a": [1, {"b": null}]}'::jsonb AS doc, ARRAY[1, 2]::int8[] AS bigs, ARRAY['2031-01-02'::date] AS days, ARRAY['x', NULL] AS texts,
      NULL::int8 AS nothing, true AS yes, gen_random_uuid() IS NOT NULL AS uuid_ok`
    const [mine] = await sqlOf(db).$queryRaw<Record<string, unknown>[]>(query)
    const [prismas] = await db.$queryRaw<Record<string, unknown>[]>(query)
    expect(mine).toStrictEqual(prismas)
    expect(mine).toMatchObject({
      big: 9007199254740993n,
      small: 7,
      instant: new Date('2031-01-02T01:04:05.678Z'),
      doc: { a: [1, { b: null }] },
    })
    expect(mine!.amount).toBeInstanceOf(Prisma.Decimal)
  })

  it('sends instants in UTC, BigInts and arrays as PostgreSQL reads them, whatever the time zone of the process', async () => {
    // Late in the UTC day, in a zone already on the next day: pg would send the local time, whose date is the next day.
    const at = new Date('2031-05-06T20:08:09.010Z')
    const zone = process.env.TZ
    process.env.TZ = 'Pacific/Kiritimati'
    try {
      expect(at.getDate()).toBe(7)
      const [row] = await sqlOf(db).$queryRaw<Record<string, unknown>[]>`
        SELECT ${at}::timestamptz AS at, ${at}::date AS day, ${at}::timestamp AS local, ${[at]}::date[] AS days,
          ${9007199254740993n}::bigint AS big, ${['a', 'b']}::text[] AS xs, ${null}::int AS none`
      const day = new Date('2031-05-06T00:00:00.000Z')
      expect(row).toStrictEqual({ at, day, local: at, days: [day], big: 9007199254740993n, xs: ['a', 'b'], none: null })
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })
})

describe('transactions and observation', () => {
  it('reports every statement, BEGIN and COMMIT included', async () => {
    const at = statements.length
    await sqlOf(db).$transaction(async (tx) => {
      await tx.$queryRaw`INSERT INTO sql_test_items (id) VALUES (1)`
      await tx.$queryRaw`SELECT id FROM sql_test_items`
    })
    expect(statements.slice(at).map((s) => s.trim().split(/\s+/)[0])).toEqual(['BEGIN', 'INSERT', 'SELECT', 'COMMIT'])
  })

  it("sends a transaction's last statement with its COMMIT (lastStatementOf): committed when it answers, nothing runs after it", async () => {
    const at = statements.length
    const rows = await sqlOf(db).$transaction(async (tx) => {
      await tx.$queryRaw`INSERT INTO sql_test_items (id) VALUES (20)`
      const last = await lastStatementOf(tx).$queryRaw<{ id: number }[]>`SELECT id FROM sql_test_items WHERE id = 20`
      await expect(tx.$queryRaw`SELECT 1 AS one`).rejects.toThrow(/after the transaction committed/)
      return last
    })
    expect(rows).toEqual([{ id: 20 }])
    expect(statements.slice(at).map((s) => s.trim().split(/\s+/)[0])).toEqual(['BEGIN', 'INSERT', 'SELECT', 'COMMIT'])
    // A transaction of one write: BEGIN, then the write with COMMIT (a write never goes with a BEGIN that may be sent again).
    const only = await sqlOf(db).$transaction(
      (tx) => lastStatementOf(tx).$queryRaw<{ id: number }[]>`DELETE FROM sql_test_items WHERE id = 20 RETURNING id`,
    )
    expect(only).toEqual([{ id: 20 }])
    expect(await sqlOf(db).$queryRaw`SELECT id FROM sql_test_items WHERE id = 20`).toEqual([])
  })

  it('rolls back everything when the last statement fails (its COMMIT answers ROLLBACK), and the connection serves again', async () => {
    const failed = await sqlOf(db)
      .$transaction(async (tx) => {
        await tx.$queryRaw`INSERT INTO sql_test_items (id) VALUES (21)`
        await lastStatementOf(tx).$queryRaw`INSERT INTO sql_test_items (id) VALUES (1)`
      })
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(isUniqueViolation(failed, 'sql_test_items_pkey')).toBe(true)
    expect(statements.at(-1)).toBe('COMMIT')
    // The pool hands back its last connection first: were it left in a transaction, these would fail or see row 21.
    for (let i = 0; i < 3; i++) expect(await sqlOf(db).$queryRaw`SELECT id FROM sql_test_items WHERE id = 21`).toEqual([])
  })

  it('sends statements together with inOrder: each sees what the ones before it did, and the first failure is thrown', async () => {
    const [inserted, read] = await sqlOf(db).$transaction((tx) =>
      inOrder(tx, [
        Prisma.sql`INSERT INTO sql_test_items (id) VALUES (30) RETURNING id`,
        Prisma.sql`SELECT id FROM sql_test_items WHERE id = 30`,
      ]),
    )
    expect(inserted).toEqual([{ id: 30 }])
    expect(read).toEqual([{ id: 30 }])
    const failed = await sqlOf(db)
      .$transaction((tx) => inOrder(tx, [Prisma.sql`INSERT INTO sql_test_items (id) VALUES (30)`, Prisma.sql`SELECT 1 AS one`]))
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(isUniqueViolation(failed, 'sql_test_items_pkey')).toBe(true)
    expect(statements.at(-1)).toBe('ROLLBACK')
    await sqlOf(db).$queryRaw`DELETE FROM sql_test_items WHERE id = 30`
  })

  it('prepares a statement once per connection and runs it again by name', async () => {
    const text = await sqlOf(db).$transaction(async (tx) => {
      const statement = Prisma.sql`SELECT id FROM sql_test_items WHERE id = ${1}`
      await tx.$queryRaw(statement)
      await tx.$queryRaw(statement)
      const prepared = await tx.$queryRaw<
        { statement: string }[]
      >`SELECT statement FROM pg_prepared_statements WHERE statement = ${statement.text}`
      return prepared.map((p) => p.statement)
    })
    expect(text).toEqual(['SELECT id FROM sql_test_items WHERE id = $1'])
  })

  it('runs the statements of sqlOf(db, { prepared: false }) unnamed, each planned for its values', async () => {
    const prepared = await sqlOf(db, { prepared: false }).$transaction(async (tx) => {
      const statement = Prisma.sql`SELECT id FROM sql_test_items WHERE id = ${2} AND id > 0`
      await tx.$queryRaw(statement)
      await tx.$queryRaw(statement)
      return tx.$queryRaw<{ statement: string }[]>`SELECT statement FROM pg_prepared_statements WHERE statement = ${statement.text}`
    })
    expect(prepared).toEqual([])
  })

  it('rolls back everything when the work throws, and the connection serves again', async () => {
    const failure = new Error('changed my mind')
    await expect(
      sqlOf(db).$transaction(async (tx) => {
        await tx.$queryRaw`INSERT INTO sql_test_items (id) VALUES (2)`
        throw failure
      }),
    ).rejects.toBe(failure)
    expect(statements.at(-1)).toBe('ROLLBACK')
    const ids = await sqlOf(db).$queryRaw<{ id: number }[]>`SELECT id FROM sql_test_items ORDER BY id`
    expect(ids).toEqual([{ id: 1 }])
  })

  it('raises PostgreSQL violations as the error helpers and toAppError know them', async () => {
    const unique = await sqlOf(db).$queryRaw`INSERT INTO sql_test_items (id) VALUES (1)`.then(
      () => null,
      (e: unknown) => e,
    )
    expect(isUniqueViolation(unique)).toBe(true)
    expect(isUniqueViolation(unique, 'sql_test_items_pkey')).toBe(true)
    expect(isUniqueViolation(unique, 'another_index')).toBe(false)
    expect(toAppError(unique)).toMatchObject({ code: 'already_exists' })
    const overlap = await sqlOf(db)
      .$transaction(async (tx) => {
        await tx.$queryRaw`INSERT INTO sql_test_items (id, during) VALUES (10, tstzrange('2031-01-01', '2031-01-03'))`
        await tx.$queryRaw`INSERT INTO sql_test_items (id, during) VALUES (11, tstzrange('2031-01-02', '2031-01-04'))`
      })
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(isExclusionViolation(overlap, 'sql_test_items_during_excl')).toBe(true)
    expect(isExclusionViolation(overlap, 'bookings_no_double_booking')).toBe(false)
    expect(isUniqueViolation(overlap)).toBe(false)
  })

  it('answers a deadlock or a serialization failure as the Prisma path does: 409 write_conflict', async () => {
    for (const sqlState of ['40P01', '40001']) {
      const raised = await sqlOf(db)
        .$transaction((tx) => tx.$queryRaw(Prisma.raw(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '${sqlState}'; END $$`)))
        .then(
          () => null,
          (e: unknown) => e,
        )
      expect((raised as { code?: string }).code).toBe(sqlState)
      expect(toAppError(raised)).toMatchObject({ code: 'write_conflict' })
    }
  })
})

describe('faults', () => {
  it('runs a read again on a fresh connection when its connection is lost, and tells onRetry', async () => {
    const before = retries.length
    const [[row]] = await Promise.all([
      sqlOf(db).$queryRaw<{ one: number }[]>`SELECT 1 AS one, pg_sleep(0.3)::text AS read_marker`,
      terminateRunning('read_marker'),
    ])
    expect(row).toEqual({ one: 1, read_marker: '' })
    expect(retries.slice(before)).toEqual(['connection_lost'])
  })

  it('starts a transaction again when its BEGIN meets a dead connection', async () => {
    dropNextCheckout()
    const before = retries.length
    const ids = await sqlOf(db).$transaction((tx) => tx.$queryRaw<{ id: number }[]>`SELECT id FROM sql_test_items WHERE id = 1`)
    expect(ids).toEqual([{ id: 1 }])
    expect(retries.slice(before)).toEqual(['connection_lost'])
  })

  it('never replays a write or a statement in a transaction: they fail as a database fault that answers 503', async () => {
    const before = retries.length
    const [write] = await Promise.all([
      sqlOf(db).$queryRaw`INSERT INTO sql_test_items (id) SELECT 3 FROM pg_sleep(0.3) AS write_marker`.then(
        () => null,
        (e: unknown) => e,
      ),
      terminateRunning('write_marker'),
    ])
    expect(databaseFault(write)).toEqual({ reason: 'connection_lost', deadConnection: true })
    expect(toAppError(write)).toMatchObject({ kind: 'unavailable' })
    const [inTransaction] = await Promise.all([
      sqlOf(db)
        .$transaction((tx) => tx.$queryRaw`SELECT pg_sleep(0.3) AS tx_marker`)
        .then(
          () => null,
          (e: unknown) => e,
        ),
      terminateRunning('tx_marker'),
    ])
    expect(databaseFault(inTransaction)?.deadConnection).toBe(true)
    expect(retries.length).toBe(before)
    expect(await sqlOf(db).$queryRaw`SELECT id FROM sql_test_items WHERE id = 3`).toEqual([])
    // The lost connections were discarded: the pool serves again.
    expect(await sqlOf(db).$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }])
  })

  it('never sends a write again with its BEGIN: a connection lost before any answer may have run it', async () => {
    const proxy = await cuttingProxy(database.url)
    const proxied = createDb({ url: proxy.url, poolMax: 2 })
    const lost: string[] = []
    observeDb(proxied)!.onRetry = (reason) => lost.push(reason)
    try {
      proxy.cut('write_cut_marker')
      const failed = await sqlOf(proxied)
        .$transaction((tx) => lastStatementOf(tx).$queryRaw`INSERT INTO sql_test_items (id) SELECT 41 AS write_cut_marker`)
        .then(
          () => null,
          (e: unknown) => e,
        )
      // The server ran and committed it; the client cannot know: a 503, never the write again (here a 409 for its own row).
      expect(databaseFault(failed)?.deadConnection).toBe(true)
      expect(lost).toEqual([])
      expect(await sqlOf(db).$queryRaw`SELECT id FROM sql_test_items WHERE id = 41`).toEqual([{ id: 41 }])
    } finally {
      await proxied.$disconnect()
      await proxy.close()
      await sqlOf(db).$queryRaw`DELETE FROM sql_test_items WHERE id = 41`
    }
  })

  it('answers a database fault (503) when no connection can be had to start a transaction again', async () => {
    const pool = observeDb(db)!.pool
    const connect = pool.connect
    let checkouts = 0
    pool.connect = (async () => {
      if (++checkouts > 1) {
        pool.connect = connect
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
      }
      return deadCheckout(pool, connect)
    }) as typeof pool.connect
    const failed = await sqlOf(db)
      .$transaction((tx) => tx.$queryRaw`SELECT 1 AS one`)
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(databaseFault(failed)).toEqual({ reason: 'unreachable', deadConnection: false })
    expect(toAppError(failed)).toMatchObject({ kind: 'unavailable' })
    expect(await sqlOf(db).$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }])
  })

  it('stops a statement at the pool statement timeout, as a fault (503)', async () => {
    const error = await sqlOf(db).$queryRaw`SELECT pg_sleep(2)`.then(
      () => null,
      (e: unknown) => e,
    )
    expect(databaseFault(error)?.reason).toBe('statement_timeout')
    expect(toAppError(error)).toMatchObject({ kind: 'unavailable' })
  })
})
