// The availability_names migration backfills its read model: the listed artists whose windows were published
// before it are found by a search by name at once, each with the days its windows offer (booked days removed),
// available and tentative apart; from then on a write keeps it. Run on a database migrated up to the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('availability_names')

it('writes a row per listed artist with an open window, with the days its windows offer, then keeps it', async () => {
  const agency = randomUUID()
  const [a, b, archived, blockedOnly, none] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()]
  await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Agency', 'agency')`, [agency])
  await client.query(
    `INSERT INTO artists (id, name, slug, archived_at) VALUES ($1, 'Álpha', 'a', NULL), ($2, 'Beta', 'b', NULL), ($3, 'Gone', 'g', now()),
       ($4, 'Blocked', 'x', NULL), ($5, 'None', 'n', NULL)`,
    [a, b, archived, blockedOnly, none],
  )
  // Booked days written straight to the column (the bookings' triggers' to write, from bookings this test has none of).
  const window = async (artist: string, from: string, to: string, status: string, booked: string | null = null) => {
    const id = randomUUID()
    await client.query(
      `INSERT INTO artist_availabilities (id, artist_id, agency_id, starts_on, ends_on, status) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, artist, agency, from, to, status],
    )
    if (booked) await client.query(`UPDATE artist_availabilities SET booked_on = $2::datemultirange WHERE id = $1`, [id, booked])
  }
  // A: two available windows side by side (one booked on a day in its middle) and a tentative one; B: a tentative one.
  await window(a, '2031-01-01', '2031-01-05', 'available', '{[2031-01-03,2031-01-04)}')
  await window(a, '2031-01-06', '2031-01-07', 'available')
  await window(a, '2031-02-01', '2031-02-02', 'tentative')
  await window(b, '2031-01-10', '2031-01-10', 'tentative')
  await window(archived, '2031-01-01', '2031-01-02', 'available')
  await window(blockedOnly, '2031-01-01', '2031-01-02', 'blocked')

  await migrate()

  const rows = async () =>
    (
      await client.query(
        `SELECT artist_id AS artist, name, name_search, available_on::text AS available, tentative_on::text AS tentative
         FROM availability_names ORDER BY name_search`,
      )
    ).rows
  expect(await rows()).toEqual([
    {
      artist: a,
      name: 'Álpha',
      name_search: 'alpha',
      available: '{[2031-01-01,2031-01-03),[2031-01-04,2031-01-08)}',
      tentative: '{[2031-02-01,2031-02-03)}',
    },
    { artist: b, name: 'Beta', name_search: 'beta', available: '{}', tentative: '{[2031-01-10,2031-01-11)}' },
  ])

  await window(none, '2031-03-01', '2031-03-01', 'available')
  await client.query(`UPDATE artists SET name = 'Beta Prime' WHERE id = $1`, [b])
  const after = await rows()
  expect(after.map((r) => [r.name, r.available])).toEqual([
    ['Álpha', '{[2031-01-01,2031-01-03),[2031-01-04,2031-01-08)}'],
    ['Beta Prime', '{}'],
    ['None', '{[2031-03-01,2031-03-02)}'],
  ])
})
