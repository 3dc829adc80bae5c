// The places backfill of the second booking pass: rows written before requests had a directory city get
// one where their free-text city names exactly one city (in their country, when they have one), and their
// holds and bookings carry it with the venue. Run on a database migrated up to the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('pipeline_second_pass')

it('fills the city of existing requests where it matches exactly one directory city, and copies it to holds and bookings', async () => {
  const [es, us, madrid, springA, springB, artist, agency, venue] = Array.from({ length: 8 }, () => randomUUID())
  await client.query(`INSERT INTO geo_countries (id, code, name) VALUES ($1, 'ES', 'Spain'), ($2, 'US', 'United States')`, [es, us])
  await client.query(
    `INSERT INTO geo_cities (id, country_id, name) VALUES ($1, $2, 'Madrid'), ($3, $4, 'Springfield'), ($5, $4, 'Springfield')`,
    [madrid, es, springA, us, springB],
  )
  await client.query(`INSERT INTO artists (id, name, slug) VALUES ($1, 'Backfilled', 'backfilled')`, [artist])
  await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Agency', 'agency')`, [agency])
  const pipelineWith = async (city: string | null, countryCode: string | null, day: number) => {
    const [request, offer, hold, booking] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()]
    const startsAt = new Date(Date.UTC(2031, 0, day, 20))
    const endsAt = new Date(startsAt.getTime() + 7_200_000)
    await client.query(
      `INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, venue_id, city, country_code, status)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, 'booked')`,
      [request, artist, agency, randomUUID(), startsAt, endsAt, venue, city, countryCode],
    )
    await client.query(
      `INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, status)
       VALUES ($1, $2, 1, 'agency', $3, 100, 'EUR', 'flat', 'accepted')`,
      [offer, request, randomUUID()],
    )
    await client.query(
      `INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, priority, expires_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, 1, $5, 'confirmed')`,
      [hold, request, offer, artist, startsAt, endsAt],
    )
    await client.query(
      `INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, starts_at, ends_at, fee, currency, deal_type)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 100, 'EUR', 'flat')`,
      [booking, request, offer, hold, artist, agency, randomUUID(), startsAt, endsAt],
    )
    return { request, hold, booking }
  }
  const matched = await pipelineWith(' madrid ', 'ES', 1)
  const anyCountry = await pipelineWith('Madrid', null, 3)
  const otherCountry = await pipelineWith('Madrid', 'FR', 5)
  const ambiguous = await pipelineWith('Springfield', 'US', 7)
  const unknown = await pipelineWith('Atlantis', null, 9)
  const none = await pipelineWith(null, null, 11)

  await migrate()

  const place = async (p: { request: string; hold: string; booking: string }) => {
    const { rows } = await client.query(
      `SELECT r.city_id AS request, h.city_id AS hold, h.venue_id AS "holdVenue", b.city_id AS booking
       FROM booking_requests r JOIN booking_holds h ON h.request_id = r.id JOIN bookings b ON b.request_id = r.id WHERE r.id = $1`,
      [p.request],
    )
    return rows[0]
  }
  expect(await place(matched)).toEqual({ request: madrid, hold: madrid, holdVenue: venue, booking: madrid })
  expect(await place(anyCountry)).toEqual({ request: madrid, hold: madrid, holdVenue: venue, booking: madrid })
  for (const p of [otherCountry, ambiguous, unknown, none])
    expect(await place(p)).toEqual({ request: null, hold: null, holdVenue: venue, booking: null })
})
