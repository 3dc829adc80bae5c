// The availability_genre_windows migration backfills its read model: the windows published before it are found
// by a genre search at once, one row per window that is not blocked and genre of its artist, parents included.
// Run on a database migrated up to the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('availability_genre_windows')

it('writes a row per open window and genre of its artist (parents included) for the windows already published', async () => {
  const [rock, punk, pop, agency] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()]
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()]
  await client.query(`INSERT INTO genres (id, name, slug, parent_id) VALUES ($1, 'Rock', 'rock', NULL), ($2, 'Pop', 'pop', NULL)`, [
    rock,
    pop,
  ])
  await client.query(`INSERT INTO genres (id, name, slug, parent_id) VALUES ($1, 'Punk', 'punk', $2)`, [punk, rock])
  await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Agency', 'agency')`, [agency])
  await client.query(`INSERT INTO artists (id, name, slug) VALUES ($1, 'A', 'a'), ($2, 'B', 'b'), ($3, 'C', 'c')`, [a, b, c])
  // A: a subgenre and a top genre; B: a top genre; C: none.
  await client.query(`INSERT INTO artist_genres (artist_id, genre_id) VALUES ($1, $2), ($1, $3), ($4, $3)`, [a, punk, pop, b])
  const window = async (artist: string, from: string, to: string, status: string) => {
    const id = randomUUID()
    await client.query(
      `INSERT INTO artist_availabilities (id, artist_id, agency_id, starts_on, ends_on, status, fee_min, currency)
       VALUES ($1, $2, $3, $4, $5, $6, 100, 'EUR')`,
      [id, artist, agency, from, to, status],
    )
    return id
  }
  const a1 = await window(a, '2031-01-01', '2031-01-05', 'available')
  await window(a, '2031-02-01', '2031-02-05', 'blocked')
  const b1 = await window(b, '2031-01-03', '2031-01-04', 'tentative')
  await window(c, '2031-01-01', '2031-01-09', 'available')

  await migrate()

  const { rows } = await client.query(
    `SELECT genre_id AS genre, window_id AS window, artist_id AS artist, status::text, fee_min::int AS "feeMin", currency,
            daterange(starts_on, ends_on, '[]')::text AS days
     FROM availability_genre_windows ORDER BY window_id, genre_id`,
  )
  const expected = [
    ...[punk, rock, pop].map((genre) => ({ genre, window: a1, artist: a, status: 'available', days: '[2031-01-01,2031-01-06)' })),
    { genre: pop, window: b1, artist: b, status: 'tentative', days: '[2031-01-03,2031-01-05)' },
  ]
    .map((r) => ({ ...r, feeMin: 100, currency: 'EUR' }))
    .sort((x, y) => x.window.localeCompare(y.window) || x.genre.localeCompare(y.genre))
  expect(rows).toEqual(expected)

  // The triggers keep it from then on: a window published after the migration has its rows.
  const a2 = await window(a, '2031-03-01', '2031-03-02', 'available')
  const { rows: later } = await client.query(`SELECT genre_id AS genre FROM availability_genre_windows WHERE window_id = $1 ORDER BY 1`, [
    a2,
  ])
  expect(later.map((r) => r.genre)).toEqual([punk, rock, pop].sort())
})
