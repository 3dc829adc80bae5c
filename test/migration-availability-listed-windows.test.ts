// The availability_listed_windows migration takes archived artists' windows out of the search's indexes: the windows
// already there say whether their artist is listed, an archived artist's leave the windows by genre, and the partial
// indexes hold only listed artists' open windows. Run on a database migrated up to the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('availability_listed_windows')

it("marks the windows already there with their artist's state and drops an archived artist's from the windows by genre", async () => {
  const [rock, agency] = [randomUUID(), randomUUID()]
  const [listed, archived] = [randomUUID(), randomUUID()]
  await client.query(`INSERT INTO genres (id, name, slug) VALUES ($1, 'Rock', 'rock')`, [rock])
  await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Agency', 'agency')`, [agency])
  await client.query(`INSERT INTO artists (id, name, slug, archived_at) VALUES ($1, 'Alpha', 'alpha', NULL), ($2, 'Beta', 'beta', now())`, [
    listed,
    archived,
  ])
  await client.query(`INSERT INTO artist_genres (artist_id, genre_id) VALUES ($1, $3), ($2, $3)`, [listed, archived, rock])
  for (const [artist, status] of [
    [listed, 'available'],
    [archived, 'available'],
    [archived, 'blocked'],
  ] as const)
    await client.query(
      `INSERT INTO artist_availabilities (id, artist_id, agency_id, starts_on, ends_on, status)
       VALUES ($1, $2, $3, '2031-01-01'::date + $4::int, '2031-01-02'::date + $4::int, $5)`,
      [randomUUID(), artist, agency, status === 'blocked' ? 10 : 0, status],
    )
  // Before the migration the windows by genre keep an archived artist's windows (the search excluded them).
  const genreRows = async () =>
    (await client.query<{ artist: string }>(`SELECT artist_id AS artist FROM availability_genre_windows ORDER BY artist_id`)).rows.map(
      (r) => r.artist,
    )
  expect(await genreRows()).toEqual([listed, archived].sort())

  await migrate()

  const flags = await client.query<{ artist: string; status: string; listed: boolean }>(
    `SELECT artist_id AS artist, status::text, artist_listed AS listed FROM artist_availabilities ORDER BY artist_id, starts_on`,
  )
  expect(flags.rows).toEqual(
    [
      { artist: listed, status: 'available', listed: true },
      { artist: archived, status: 'available', listed: false },
      { artist: archived, status: 'blocked', listed: false },
    ].sort((x, y) => (x.artist < y.artist ? -1 : x.artist > y.artist ? 1 : 0)),
  )
  expect(await genreRows()).toEqual([listed])
  // The search's indexes are partial on the open windows of listed artists.
  const { rows } = await client.query<{ name: string; predicate: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_get_expr(indpred, indrelid) AS predicate FROM pg_index
     WHERE indrelid = 'artist_availabilities'::regclass AND indpred IS NOT NULL ORDER BY 1`,
  )
  expect(rows).toEqual(
    ['artist_availabilities_open_artist_idx', 'artist_availabilities_open_fee_idx', 'artist_availabilities_open_range_idx'].map((name) => ({
      name,
      predicate: `((status <> 'blocked'::"AvailabilityStatus") AND artist_listed)`,
    })),
  )
})
