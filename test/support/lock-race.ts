import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { expect, vi } from 'vitest'

type Write = (c: pg.Client) => Promise<unknown>

/**
 * Two writers on two connections, one waiting for the other's lock: `holder` writes in an open transaction on
 * `first`, `waiter` then writes on `second` and must block on it (checked, not assumed); holder commits, then waiter.
 */
export const lockRace =
  (first: pg.Client, second: pg.Client) =>
  async (holder: Write, waiter: Write): Promise<void> => {
    await first.query('BEGIN')
    await holder(first)
    await second.query('BEGIN')
    const pid = await backendPid(second)
    const waiting = waiter(second)
    await untilLocked(() => waitsForLock(first, pid))
    await first.query('COMMIT')
    await waiting
    await second.query('COMMIT')
  }

/** The backend process of connection `c`. */
export const backendPid = async (c: pg.ClientBase) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid

/** Whether backend `pid` waits for a lock another transaction holds (asked on `c`). */
export const waitsForLock = async (c: pg.ClientBase, pid: number) =>
  (await c.query<{ n: number }>('SELECT cardinality(pg_blocking_pids($1)) AS n', [pid])).rows[0]!.n > 0

/** Whether some backend waits for a lock that backend `holder` holds (asked on `c`). */
export const holdsUpAnother = async (c: pg.ClientBase, holder: number) =>
  (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holder])).rows[0]!
    .n > 0

/**
 * Asks `locked` every 20 ms until it holds, failing the test after 5 s: a race test checks that its waiter is blocked
 * before it lets the holder go, rather than assuming it.
 */
export const untilLocked = (locked: () => Promise<boolean>, what?: string) =>
  vi.waitFor(async () => expect(await locked(), what).toBe(true), { timeout: 5000, interval: 20 })

/** Two connected clients of the database at `url`, for lockRace. */
export async function racingClients(url: string): Promise<[pg.Client, pg.Client]> {
  const clients: [pg.Client, pg.Client] = [new pg.Client(url), new pg.Client(url)]
  await Promise.all(clients.map((c) => c.connect()))
  return clients
}

/**
 * A writer of one-day windows of the artist, published by the agency on the connection it is given, as SQL behind the
 * service would write them: each call two days after the last, from the day `from` (YYYY-MM-DD).
 */
export function windowWriter(artistId: string, agencyId: string, from: string): (c: pg.Client) => Promise<unknown> {
  let day = 0
  return (c) =>
    c.query(
      `INSERT INTO artist_availabilities (id, artist_id, agency_id, starts_on, ends_on, status, updated_at)
       VALUES ($1, $2, $3, $4::date + $5::int, $4::date + $5::int, 'available', now())`,
      [randomUUID(), artistId, agencyId, from, (day += 2)],
    )
}
