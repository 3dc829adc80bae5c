import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { expect } from 'vitest'

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
    const pid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    const waiting = waiter(second)
    let blocked = false
    for (let i = 0; i < 250 && !blocked; i++) {
      blocked = (await first.query<{ n: number }>('SELECT cardinality(pg_blocking_pids($1)) AS n', [pid])).rows[0]!.n > 0
      if (!blocked) await new Promise((r) => setTimeout(r, 20))
    }
    expect(blocked).toBe(true)
    await first.query('COMMIT')
    await waiting
    await second.query('COMMIT')
  }

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
