import type pg from 'pg'
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
