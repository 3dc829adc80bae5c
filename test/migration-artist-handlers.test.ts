// The artist handlers' migration on a database with requests and bookings already in it: every agency that
// handled an artist's request or booking is a pair, once, and the triggers add the pairs of later writes.
// Run on a database migrated up to the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('artist_handlers')

it('backfills the agencies that handled each artist, then follows new requests and bookings', async () => {
  const [artist, agency, before, later, promoter, user] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ]
  await client.query(`INSERT INTO artists (id, name, slug) VALUES ($1, 'Backfilled', 'backfilled')`, [artist])
  for (const [id, slug] of [
    [agency, 'agency'],
    [before, 'before'],
    [later, 'later'],
  ])
    await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, $2, $2)`, [id, slug])
  const startsAt = new Date(Date.UTC(2031, 0, 10, 20))
  const request = async (handler: string, status: string, day: number) => {
    const id = randomUUID()
    await client.query(
      `INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $6::timestamptz + interval '2 hours', $7)`,
      [id, artist, handler, promoter, user, new Date(startsAt.getTime() + day * 86_400_000), status],
    )
    return id
  }
  // Two open requests to the agency (one pair), and a request to it booked by another agency (the booking's
  // agency is its own column).
  await request(agency, 'open', 0)
  await request(agency, 'open', 1)
  const booked = await request(agency, 'booked', 2)
  const [offer, hold] = [randomUUID(), randomUUID()]
  await client.query(
    `INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, status)
     VALUES ($1, $2, 1, 'agency', $3, 100, 'EUR', 'flat', 'accepted')`,
    [offer, booked, user],
  )
  const showAt = new Date(startsAt.getTime() + 2 * 86_400_000)
  await client.query(
    `INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, priority, expires_at, status)
     VALUES ($1, $2, $3, $4, $5, $5::timestamptz + interval '2 hours', 1, $5, 'confirmed')`,
    [hold, booked, offer, artist, showAt],
  )
  await client.query(
    `INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, starts_at, ends_at, fee, currency, deal_type, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8::timestamptz + interval '2 hours', 100, 'EUR', 'flat', 'confirmed')`,
    [randomUUID(), booked, offer, hold, artist, before, promoter, showAt],
  )

  await migrate()

  const pairs = async () =>
    (await client.query(`SELECT agency_id FROM artist_handlers WHERE artist_id = $1 ORDER BY agency_id`, [artist])).rows.map(
      (r) => r.agency_id,
    )
  expect(await pairs()).toEqual([agency, before].sort())

  // From here the triggers keep them: a request to a third agency adds its pair in the same transaction.
  await request(later, 'open', 3)
  expect(await pairs()).toEqual([agency, before, later].sort())
})
