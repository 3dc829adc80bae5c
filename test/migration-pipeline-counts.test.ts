// The pipeline counts' migration on a database with pipelines and contracts already in it: it builds the
// live items and their day counts, and whose signature each waiting contract needs, as the triggers would
// have. Run on a database migrated up to the migration before.
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { databaseBefore } from './support/migration-db.ts'

const { client, migrate } = databaseBefore('pipeline_counts')

it('builds the live items, their day counts and whose signature each waiting contract needs', async () => {
  const [artist, agency, promoter, user] = Array.from({ length: 4 }, () => randomUUID())
  await client.query(`INSERT INTO artists (id, name, slug) VALUES ($1, 'Backfilled', 'backfilled')`, [artist])
  await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'Agency', 'agency')`, [agency])
  const startsAt = new Date(Date.UTC(2031, 0, 10, 20))
  const endsAt = new Date(startsAt.getTime() + 7_200_000)
  const answerBy = new Date(Date.UTC(2030, 11, 1, 12))
  const requestWith = async (status: string, day: number) => {
    const id = randomUUID()
    await client.query(
      `INSERT INTO booking_requests (id, artist_id, agency_id, promoter_org_id, requested_by_user_id, starts_at, ends_at, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        id,
        artist,
        agency,
        promoter,
        user,
        new Date(startsAt.getTime() + day * 86_400_000),
        new Date(endsAt.getTime() + day * 86_400_000),
        status,
        answerBy,
      ],
    )
    return id
  }
  const open = await requestWith('open', 0)
  const negotiating = await requestWith('negotiating', 1)
  const offer = randomUUID()
  await client.query(
    `INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, status)
     VALUES ($1, $2, 1, 'promoter', $3, 100, 'EUR', 'flat', 'open')`,
    [offer, negotiating, user],
  )
  const held = await requestWith('held', 2)
  const [accepted, hold] = [randomUUID(), randomUUID()]
  await client.query(
    `INSERT INTO booking_offers (id, request_id, version, made_by, made_by_user_id, fee, currency, deal_type, status)
     VALUES ($1, $2, 1, 'agency', $3, 100, 'EUR', 'flat', 'accepted')`,
    [accepted, held, user],
  )
  const holdUntil = new Date(Date.UTC(2030, 11, 5, 9))
  await client.query(
    `INSERT INTO booking_holds (id, request_id, offer_id, artist_id, starts_at, ends_at, priority, expires_at, status)
     VALUES ($1, $2, $3, $4, $5, $6, 2, $7, 'active')`,
    [hold, held, accepted, artist, new Date(startsAt.getTime() + 2 * 86_400_000), new Date(endsAt.getTime() + 2 * 86_400_000), holdUntil],
  )
  await requestWith('declined', 3)

  // A sent contract on the held pipeline, the buyer to sign first.
  const contract = randomUUID()
  await client.query(
    `INSERT INTO contracts (id, request_id, hold_id, title, status, created_by_side, created_by_org_id)
     VALUES ($1, $2, $3, 'Show', 'sent', 'agency', $4)`,
    [contract, held, hold, agency],
  )
  await client.query(
    `INSERT INTO contract_versions (id, contract_id, version, body, content_hash, created_by_user_id, created_by_org_id)
     VALUES ($1, $2, 1, 'Show', repeat('a', 64), $3, $4)`,
    [randomUUID(), contract, user, agency],
  )
  await client.query(
    `INSERT INTO contract_signers (id, contract_id, role, side, name, position)
     VALUES ($1, $3, 'buyer', 'promoter', 'Buyer', 1), ($2, $3, 'agency_countersign', 'agency', 'Agency', 2)`,
    [randomUUID(), randomUUID(), contract],
  )

  await migrate()

  const items = await client.query(`SELECT subject_id, kind, due_at FROM pipeline_live_items ORDER BY kind`)
  expect(items.rows).toEqual([
    { subject_id: hold, kind: 'hold_2', due_at: holdUntil },
    { subject_id: offer, kind: 'offer_by_promoter', due_at: answerBy },
    { subject_id: open, kind: 'request', due_at: answerBy },
  ])
  const counts = await client.query(
    `SELECT agency_id, kind, to_char(day, 'YYYY-MM-DD') AS day, count FROM pipeline_agency_counts ORDER BY kind`,
  )
  expect(counts.rows).toEqual([
    { agency_id: agency, kind: 'hold_2', day: '2030-12-05', count: 1 },
    { agency_id: agency, kind: 'offer_by_promoter', day: '2030-12-01', count: 1 },
    { agency_id: agency, kind: 'request', day: '2030-12-01', count: 1 },
  ])
  const byArtist = await client.query(`SELECT artist_id, agency_id, sum(count)::int AS n FROM pipeline_artist_counts GROUP BY 1, 2`)
  expect(byArtist.rows).toEqual([{ artist_id: artist, agency_id: agency, n: 3 }])
  const awaiting = await client.query(`SELECT awaiting_agency, awaiting_promoter FROM contracts WHERE id = $1`, [contract])
  expect(awaiting.rows).toEqual([{ awaiting_agency: false, awaiting_promoter: true }])

  // From here the triggers keep them: the offer answered, its item and count go in the same transaction.
  await client.query(`UPDATE booking_offers SET status = 'declined' WHERE id = $1`, [offer])
  const after = await client.query(`SELECT kind, count FROM pipeline_agency_counts WHERE kind = 'offer_by_promoter'`)
  expect(after.rows).toEqual([{ kind: 'offer_by_promoter', count: 0 }])
})
