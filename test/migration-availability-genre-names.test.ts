// The availability_genre_names migration gives the windows by genre their artist's name (a genre's page sorts by
// it from the index alone): the rows already there get it, and from then on a rename and a new window keep it.
// Run on a database migrated up to the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('availability_genre_names')

it('fills the name of the windows by genre already there, then keeps it on a rename and a new window', async () => {
  const [rock, punk, agency] = [randomUUID(), randomUUID(), randomUUID()]
  const [a, b] = [randomUUID(), randomUUID()]
  await client.query(`INSERT INTO genres (id, name, slug) VALUES ($1, 'Rock', 'rock')`, [rock])
  await client.query(`INSERT INTO genres (id, name, slug, parent_id) VALUES ($1, 'Punk', 'punk', $2)`, [punk, rock])
  await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Agency', 'agency')`, [agency])
  await client.query(`INSERT INTO artists (id, name, slug) VALUES ($1, 'Alpha', 'alpha'), ($2, 'Beta', 'beta')`, [a, b])
  await client.query(`INSERT INTO artist_genres (artist_id, genre_id) VALUES ($1, $2), ($3, $4)`, [a, punk, b, rock])
  const window = (artist: string, from: string, to: string) =>
    client.query(
      `INSERT INTO artist_availabilities (id, artist_id, agency_id, starts_on, ends_on, status) VALUES ($1, $2, $3, $4, $5, 'available')`,
      [randomUUID(), artist, agency, from, to],
    )
  await window(a, '2031-01-01', '2031-01-05')
  await window(b, '2031-01-03', '2031-01-04')

  await migrate()

  const byKey = (r: { genre: string; artist: string }) => `${r.artist} ${r.genre}`
  const names = async () =>
    (
      await client.query<{ genre: string; artist: string; name: string }>(
        `SELECT genre_id AS genre, artist_id AS artist, name FROM availability_genre_windows ORDER BY starts_on, genre_id`,
      )
    ).rows
  const sorted = <T extends { genre: string; artist: string }>(rows: T[]) => [...rows].sort((x, y) => (byKey(x) < byKey(y) ? -1 : 1))
  expect(sorted(await names())).toEqual(
    sorted([
      { genre: punk, artist: a, name: 'Alpha' },
      { genre: rock, artist: a, name: 'Alpha' },
      { genre: rock, artist: b, name: 'Beta' },
    ]),
  )

  await client.query(`UPDATE artists SET name = 'Alpha Prime' WHERE id = $1`, [a])
  await window(b, '2031-02-01', '2031-02-02')
  const after = await names()
  expect(after.filter((r) => r.artist === a).map((r) => r.name)).toEqual(['Alpha Prime', 'Alpha Prime'])
  expect(after.filter((r) => r.artist === b).map((r) => r.name)).toEqual(['Beta', 'Beta'])
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM availability_genre_windows WHERE name IS NULL`)
  expect(rows[0].n).toBe(0)
})
