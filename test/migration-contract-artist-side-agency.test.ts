// The contract_artist_side_agency migration gives the contracts already there their artist side's agency: a booking's
// paper the agency credited with the booking, paper on a hold the agency that booked the artist on the day it was
// drafted; and an agency whose paper is on an artist is one of the artist's handlers. Run on a database migrated up to
// the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('contract_artist_side_agency')

it("gives each contract its artist side's agency: its booking's, or on a hold the one booking the artist when it was drafted", async () => {
  const [artist, sentTo, newcomer, newcomerOrg, promoter, user] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ]
  await client.query(`INSERT INTO artists (id, name, slug) VALUES ($1, 'Handed over', 'handed-over')`, [artist])
  await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Sent to', 'sent-to'), ($2, 'Newcomer', 'newcomer')`, [
    sentTo,
    newcomer,
  ])
  await client.query(`INSERT INTO artists_company_claims (id, company_id, org_id, status) VALUES ($1, $2, $3, 'approved')`, [
    randomUUID(),
    newcomer,
    newcomerOrg,
  ])
  // The agency the requests were sent to booked the artist until the other took it over.
  await client.query(
    `INSERT INTO artists_roster_links (id, artist_id, agency_id, role, starts_on, ends_on)
     VALUES ($1, $3, $4, 'agency', '2030-01-01', '2030-06-30'), ($2, $3, $5, 'agency', '2030-07-01', NULL)`,
    [randomUUID(), randomUUID(), artist, sentTo, newcomer],
  )
  // Four pipelines sent to the same agency, each a day apart, held on an accepted offer.
  const startsAt = Date.UTC(2031, 0, 10, 20)
  const pipeline = async (day: number) => {
    const [request, offer, hold] = [randomUUID(), randomUUID(), randomUUID()]
    const [from, to] = [new Date(startsAt + day * 86_400_000), new Date(startsAt + day * 86_400_000 + 7_200_000)]
    await client.query(
      `INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'held')`,
      [request, artist, sentTo, promoter, user, from, to],
    )
    await client.query(
      `INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, status)
       VALUES ($1, $2, 1, 'agency', $3, 100, 'EUR', 'flat', 'accepted')`,
      [offer, request, user],
    )
    await client.query(
      `INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, priority, expires_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, 1, $7, 'active')`,
      [hold, request, offer, artist, from, to, new Date(startsAt)],
    )
    return { request, offer, hold, from, to }
  }
  const booked = async (p: Awaited<ReturnType<typeof pipeline>>, agency: string) => {
    const booking = randomUUID()
    await client.query(
      `INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, starts_at, ends_at, fee, currency, deal_type, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 100, 'EUR', 'flat', 'confirmed')`,
      [booking, p.request, p.offer, p.hold, artist, agency, promoter, p.from, p.to],
    )
    return booking
  }
  const contract = async (p: Awaited<ReturnType<typeof pipeline>>, booking: string | null, side: string, org: string, drafted: string) => {
    const id = randomUUID()
    await client.query(
      `INSERT INTO contracts (id, request_id, booking_id, hold_id, title, status, created_by_side, created_by_org_id, created_at)
       VALUES ($1, $2, $3, $4, 'Show', 'draft', $5, $6, $7)`,
      [id, p.request, booking, p.hold, side, org, drafted],
    )
    return id
  }
  const [first, second, third, fourth, fifth] = [
    await pipeline(0),
    await pipeline(1),
    await pipeline(2),
    await pipeline(3),
    await pipeline(4),
  ]
  // Drafted while the newcomer booked the artist (August), or before (March).
  const contracts = {
    newcomersBooking: await contract(first, await booked(first, newcomer), 'promoter', promoter, '2030-08-01T12:00:00Z'),
    sentTosBooking: await contract(second, await booked(second, sentTo), 'agency', newcomerOrg, '2030-08-01T12:00:00Z'),
    newcomersHold: await contract(third, null, 'agency', newcomerOrg, '2030-08-01T12:00:00Z'),
    promotersHold: await contract(fourth, null, 'promoter', promoter, '2030-08-01T12:00:00Z'),
    sentTosHold: await contract(fifth, null, 'promoter', promoter, '2030-03-01T12:00:00Z'),
  }
  const agencies = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(contracts).map(async ([name, id]) => [
          name,
          (await client.query<{ agency_id: string }>(`SELECT agency_id FROM contracts WHERE id = $1`, [id])).rows[0]!.agency_id,
        ]),
      ),
    )
  // The newcomer's pair of the artist, which its booking wrote, is taken out: what puts it back below is its paper.
  await client.query(`DELETE FROM artist_handlers WHERE agency_id = $1`, [newcomer])
  // Before the migration every contract carries the request's agency.
  expect(new Set(Object.values(await agencies()))).toEqual(new Set([sentTo]))

  await migrate()

  expect(await agencies()).toEqual({
    newcomersBooking: newcomer,
    sentTosBooking: sentTo,
    newcomersHold: newcomer,
    promotersHold: newcomer,
    sentTosHold: sentTo,
  })
  // Its paper makes an agency one of the artist's handlers (the agency dashboard's ranges): the backfill, then each write.
  const handlers = async () =>
    (await client.query(`SELECT agency_id FROM artist_handlers WHERE artist_id = $1 ORDER BY agency_id`, [artist])).rows.map(
      (r) => r.agency_id,
    )
  expect(await handlers()).toEqual([sentTo, newcomer].sort())
  await client.query(`DELETE FROM artist_handlers WHERE agency_id = $1`, [newcomer])
  await client.query(`UPDATE contracts SET agency_id = $1 WHERE id = $2`, [newcomer, contracts.sentTosHold])
  expect(await handlers()).toEqual([sentTo, newcomer].sort())
  // From here a write naming an agency that books or booked the artist is kept; any other agency, or none, is the
  // request's; the artist and the promoter are the request's whatever a write says.
  const written = async (agency: string | null) => {
    const id = randomUUID()
    await client.query(
      `INSERT INTO contracts (id, request_id, hold_id, agency_id, artist_id, promoter_org_id, title, status, created_by_side, created_by_org_id)
       VALUES ($1, $2, $3, $4, $5, $5, 'Show', 'cancelled', 'agency', $6)`,
      [id, third.request, third.hold, agency, randomUUID(), newcomerOrg],
    )
    return (await client.query(`SELECT agency_id, artist_id, promoter_org_id FROM contracts WHERE id = $1`, [id])).rows[0]
  }
  expect(await written(newcomer)).toEqual({ agency_id: newcomer, artist_id: artist, promoter_org_id: promoter })
  expect(await written(randomUUID())).toEqual({ agency_id: sentTo, artist_id: artist, promoter_org_id: promoter })
  expect(await written(null)).toEqual({ agency_id: sentTo, artist_id: artist, promoter_org_id: promoter })
})
