// The counts the agency dashboard reads are kept by the database: after every transition of a pipeline its
// live items and their day counts equal a recount from the pipeline's tables; a lapse moves a count with no
// write at all; two transactions changing the same counts both land, in either order, without a deadlock;
// and whose signature a contract waits for follows its signers, signatures and versions. The agencies that
// handled each artist's requests and bookings (artist_handlers) are all there after every write.
import pg from 'pg'
import { beforeEach, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { contractFor } from './support/contracts.ts'
import { dashboardOf } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const HOUR = 3_600_000
const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, request, held, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeEach(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const dashboard = (as: Session) => dashboardOf(h.app, as)

const LIVE = `ARRAY(SELECT id FROM booking_requests WHERE status IN ('open', 'negotiating', 'held'))`
const ITEM = `subject_id, request_id, kind, agency_id, artist_id, due_at`
const DAY = `(due_at AT TIME ZONE 'UTC')::date`
const HANDLED = `SELECT artist_id, agency_id FROM booking_requests UNION SELECT artist_id, agency_id FROM bookings`

/**
 * How far the kept items, counts and handlers are from a recount of every pipeline (all zero when right). A
 * handler missing would hide another agency's rows from a dashboard; one more than the recount (a pair whose
 * request was rewritten to another agency) only costs it a probe, and stays (test below).
 */
async function drift() {
  const [row] = await h.app.db.$queryRawUnsafe<Record<string, number>[]>(`
    SELECT
      (SELECT count(*) FROM ((SELECT ${ITEM} FROM pipeline_live_items EXCEPT ALL SELECT * FROM pipeline_items_wanted(${LIVE}))
         UNION ALL (SELECT * FROM pipeline_items_wanted(${LIVE}) EXCEPT ALL SELECT ${ITEM} FROM pipeline_live_items)) d)::int AS items,
      (SELECT count(*) FROM ((SELECT agency_id, kind, day, count FROM pipeline_agency_counts WHERE count <> 0
           EXCEPT SELECT agency_id, kind, ${DAY}, count(*)::int FROM pipeline_live_items GROUP BY 1, 2, 3)
         UNION ALL (SELECT agency_id, kind, ${DAY}, count(*)::int FROM pipeline_live_items GROUP BY 1, 2, 3
           EXCEPT SELECT agency_id, kind, day, count FROM pipeline_agency_counts)) d)::int AS agency_counts,
      (SELECT count(*) FROM ((SELECT artist_id, agency_id, kind, day, count FROM pipeline_artist_counts WHERE count <> 0
           EXCEPT SELECT artist_id, agency_id, kind, ${DAY}, count(*)::int FROM pipeline_live_items GROUP BY 1, 2, 3, 4)
         UNION ALL (SELECT artist_id, agency_id, kind, ${DAY}, count(*)::int FROM pipeline_live_items GROUP BY 1, 2, 3, 4
           EXCEPT SELECT artist_id, agency_id, kind, day, count FROM pipeline_artist_counts)) d)::int AS artist_counts,
      (SELECT count(*) FROM pipeline_count_changes)::int AS unsettled,
      (SELECT count(*) FROM (${HANDLED} EXCEPT SELECT artist_id, agency_id FROM artist_handlers) d)::int AS handlers_missing,
      (SELECT count(*) FROM contracts WHERE (awaiting_agency, awaiting_promoter) IS DISTINCT FROM
         ('agency' = ANY(contract_awaiting_sides(id, current_version, signing_order)),
          'promoter' = ANY(contract_awaiting_sides(id, current_version, signing_order))))::int AS contracts`)
  return row
}
const NO_DRIFT = { items: 0, agency_counts: 0, artist_counts: 0, unsettled: 0, handlers_missing: 0, contracts: 0 }

const kindsOf = async (requestId: string) =>
  (
    await h.app.db.$queryRaw<{ kind: string }[]>`SELECT kind FROM pipeline_live_items WHERE request_id = ${requestId}::uuid ORDER BY kind`
  ).map((r) => r.kind)

describe('live pipeline counts', () => {
  it('equal a recount after every transition of a pipeline, on both sides of a negotiation and through holds and bookings', async () => {
    const artistId = await representedArtist()
    const otherPromoter = await h.auth.session(PROMOTER_ACCESS)
    const step = async (what: string, requestId: string, kinds: string[]) => {
      expect(await drift(), what).toEqual(NO_DRIFT)
      expect(await kindsOf(requestId), what).toEqual(kinds)
    }

    const req = await request(promoter, artistId)
    await step('request', req.id, ['request'])
    const asked = await h.app.rest('GET', '/api/v1/tasks', { as: agency })
    expect(asked.body.data.items).toEqual([expect.objectContaining({ kind: 'answer_request', subjectId: req.id, artistId })])
    const v1 = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    expect(v1.status).toBe(201)
    await step('offer', req.id, ['offer_by_agency'])
    const v2 = await h.app.rest('POST', `/api/v1/booking-offers/${v1.body.data.id}/counter`, { as: promoter, body: { fee: 1_400_000 } })
    expect(v2.status, JSON.stringify(v2.body)).toBe(201)
    await step('counter', req.id, ['offer_by_promoter'])
    expect((await dashboard(agency)).offers).toMatchObject({ awaitingUs: 1, awaitingThem: 0 })
    // The agency's tasks walk the same items.
    const tasks = await h.app.rest('GET', '/api/v1/tasks', { as: agency })
    expect(tasks.body.data.items).toEqual([
      expect.objectContaining({ kind: 'answer_offer', subjectId: v2.body.data.id, requestId: req.id }),
    ])
    const accepted = await h.app.rest('POST', `/api/v1/booking-offers/${v2.body.data.id}/accept`, { as: agency, body: {} })
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    await step('accepted: held', req.id, ['hold_1'])

    // A second hold on the date ranks second; its challenge marks the first one.
    const when = { startsAt: req.startsAt, endsAt: req.endsAt }
    const second = await held(otherPromoter, artistId, when)
    await step('second hold', second.requestId, ['hold_2'])
    const challenge = await h.app.rest('POST', `/api/v1/booking-holds/${second.hold.id}/challenge`, { as: otherPromoter, body: {} })
    expect(challenge.status, JSON.stringify(challenge.body)).toBe(200)
    await step('challenged', req.id, ['hold_1_challenged'])
    expect((await dashboard(agency)).holds).toMatchObject({ firstRank: 1, secondRank: 1, challenged: 1 })

    const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: agency })
    const booking = await h.app.rest('POST', `/api/v1/booking-holds/${detail.body.data.holds[0].id}/confirm`, { as: agency })
    expect(booking.status, JSON.stringify(booking.body)).toBe(201)
    await step('confirmed: the first pipeline leaves the live counts', req.id, [])
    expect(await kindsOf(second.requestId)).toEqual([])
    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${booking.body.data.id}/cancel`, {
      as: promoter,
      body: { reason: 'rain' },
    })
    expect(cancelled.status).toBe(200)
    await step('cancelled', req.id, [])

    const declined = await request(promoter, artistId)
    const decline = await h.app.rest('POST', `/api/v1/booking-requests/${declined.id}/decline`, { as: agency, body: { reason: 'busy' } })
    expect(decline.status, JSON.stringify(decline.body)).toBe(200)
    await step('declined', declined.id, [])
    const withdrawn = await request(promoter, artistId)
    expect((await h.app.rest('POST', `/api/v1/booking-requests/${withdrawn.id}/withdraw`, { as: promoter, body: {} })).status).toBe(200)
    await step('withdrawn', withdrawn.id, [])
    expect(await dashboard(agency)).toMatchObject({
      requests: { awaitingAnswer: 0 },
      offers: { awaitingUs: 0, awaitingThem: 0 },
      holds: { firstRank: 0, secondRank: 0, lowerRanks: 0, challenged: 0 },
    })
  })

  it('moves an answer-by time through "expiring soon" and out of the counts as the clock passes, with no write', async () => {
    const artistId = await representedArtist()
    const now = h.app.clock.now().getTime()
    // Answer-by times three and five days ahead: both in the day counts, neither soon.
    const early = await request(promoter, artistId, nextSlot(), { expiresAt: new Date(now + 72 * HOUR).toISOString() })
    await request(promoter, artistId, nextSlot(), { expiresAt: new Date(now + 120 * HOUR).toISOString() })
    expect((await dashboard(agency)).requests).toEqual({ awaitingAnswer: 2, expiringSoon: 0 })
    // A day later the first is within 48 hours: its day is read item by item, up to the soon limit.
    h.app.clock.advance(30 * HOUR)
    expect((await dashboard(agency)).requests).toEqual({ awaitingAnswer: 2, expiringSoon: 1 })
    // Its answer-by day is today now: still live an hour before, gone an hour after, when the second one is
    // within 48 hours.
    h.app.clock.advance(41 * HOUR)
    expect((await dashboard(agency)).requests).toEqual({ awaitingAnswer: 2, expiringSoon: 1 })
    h.app.clock.advance(2 * HOUR)
    expect((await dashboard(agency)).requests).toEqual({ awaitingAnswer: 1, expiringSoon: 1 })
    expect((await dashboard(promoter)).requests).toEqual({ awaitingAnswer: 1, expiringSoon: 1 })
    // Nothing was written: the lapsed request is still an item, counted out by its time alone.
    expect(await kindsOf(early.id)).toEqual(['request'])
    expect(await drift()).toEqual(NO_DRIFT)
    h.app.clock.advance(72 * HOUR)
    expect((await dashboard(agency)).requests).toEqual({ awaitingAnswer: 0, expiringSoon: 0 })
  })

  it('counts what another agency handles for the artists on its side, once', async () => {
    const artistId = await representedArtist()
    await request(promoter, artistId)
    const mine = await dashboard(agency)
    expect(mine.requests.awaitingAnswer).toBe(1)
    // The request names another handling agency (an agency before this one): the artist's half counts it,
    // and the other agency's own half.
    const before = await agencySession(h.auth, h.app.db)
    await h.app.db.$executeRaw`UPDATE booking_requests SET agency_id = ${before.agencyId}::uuid WHERE artist_id = ${artistId}::uuid`
    expect(await drift()).toEqual(NO_DRIFT)
    // Both handlers are in the set: the new one, and the old one, which never leaves (rows of the artist may
    // remain under it; here none do, and its dashboard probes them for nothing).
    const handlers = await h.app.db.$queryRaw<{ agency_id: string }[]>`
      SELECT agency_id FROM artist_handlers WHERE artist_id = ${artistId}::uuid ORDER BY agency_id`
    expect(handlers.map((r) => r.agency_id)).toEqual([agency.agencyId, before.agencyId].sort())
    expect((await dashboard(agency)).requests.awaitingAnswer).toBe(1)
    expect((await dashboard(before)).requests.awaitingAnswer).toBe(1)
  })
})

describe('concurrent writers', () => {
  const SAME_DAY = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 3, 12))

  async function openRequests(n: number) {
    const artistId = await representedArtist()
    const expiresAt = SAME_DAY(h.app.clock.now()).toISOString()
    const ids: string[] = []
    for (let i = 0; i < n; i++) ids.push((await request(promoter, artistId, nextSlot(), { expiresAt })).id)
    return ids
  }

  async function clients(n: number) {
    const cs = Array.from({ length: n }, () => new pg.Client({ connectionString: h.database.url }))
    await Promise.all(cs.map((c) => c.connect()))
    return { cs, end: () => Promise.all(cs.map((c) => c.end())) }
  }

  it('lands both of two transactions that change the same count at once', async () => {
    const [a, b] = await openRequests(2)
    const { cs, end } = await clients(2)
    try {
      await Promise.all(cs.map((c) => c.query('BEGIN')))
      await cs[0]!.query(`UPDATE booking_requests SET status = 'declined' WHERE id = $1`, [a])
      await cs[1]!.query(`UPDATE booking_requests SET status = 'declined' WHERE id = $1`, [b])
      await Promise.all(cs.map((c) => c.query('COMMIT')))
    } finally {
      await end()
    }
    expect(await drift()).toEqual(NO_DRIFT)
    expect((await dashboard(agency)).requests.awaitingAnswer).toBe(0)
  })

  it('brings the items in line at the commit of the transaction: several changes of one pipeline, a rollback, an early SET CONSTRAINTS', async () => {
    const [a, b, c] = await openRequests(3)
    const { cs, end } = await clients(1)
    const [tx] = cs
    try {
      // Two pipelines and two changes of one of them, in one statement and the next: refreshed once each, at commit.
      await tx!.query('BEGIN')
      await tx!.query(`UPDATE booking_requests SET status = 'negotiating' WHERE id IN ($1, $2)`, [a, b])
      await tx!.query(`UPDATE booking_requests SET status = 'declined' WHERE id = $1`, [a])
      await tx!.query('COMMIT')
      expect([await kindsOf(a!), await kindsOf(b!)]).toEqual([[], []])
      // A rollback leaves the items as its pipeline stays.
      await tx!.query('BEGIN')
      await tx!.query(`UPDATE booking_requests SET status = 'declined' WHERE id = $1`, [c])
      await tx!.query('ROLLBACK')
      expect(await kindsOf(c!)).toEqual(['request'])
      // Fired early by SET CONSTRAINTS, then changed again: the commit refreshes what changed since.
      await tx!.query('BEGIN')
      await tx!.query(`UPDATE booking_requests SET expires_at = expires_at + interval '1 hour' WHERE id = $1`, [c])
      await tx!.query('SET CONSTRAINTS ALL IMMEDIATE')
      await tx!.query('SET CONSTRAINTS ALL DEFERRED')
      await tx!.query(`UPDATE booking_requests SET status = 'declined' WHERE id = $1`, [c])
      await tx!.query('COMMIT')
      expect(await kindsOf(c!)).toEqual([])
    } finally {
      await end()
    }
    expect(await drift()).toEqual(NO_DRIFT)
  })

  it('keeps the items exact when one transaction changes more pipelines than the commit marks', async () => {
    // 150 requests' marks pass pipeline_items_settle's bound (8,192 characters, about 120 marks): the rest are
    // refreshed on every firing, unmarked.
    const ids = await openRequests(150)
    const { cs, end } = await clients(1)
    const [tx] = cs
    try {
      await tx!.query('BEGIN')
      await tx!.query(`UPDATE booking_requests SET status = 'negotiating' WHERE id = ANY($1::uuid[])`, [ids])
      await tx!.query(`UPDATE booking_requests SET status = 'declined' WHERE id = ANY($1::uuid[])`, [ids.slice(75)])
      await tx!.query('COMMIT')
    } finally {
      await end()
    }
    expect(await kindsOf(ids[0]!)).toEqual([])
    expect(await kindsOf(ids[149]!)).toEqual([])
    expect(await drift()).toEqual(NO_DRIFT)
  })

  it('never deadlocks two transactions that change the same counts in opposite orders', async () => {
    // a and d lapse on day D, b and c on D + 1. One transaction takes a then c out of the counts, the other b
    // then d: applied as they happen, the first would hold D's count and wait for D + 1's, the other the
    // reverse (a deadlock). Settled at commit in key order, both land.
    const [a, b, c, d] = await openRequests(4)
    await h.app.db.$executeRaw`UPDATE booking_requests SET expires_at = expires_at + interval '1 day' WHERE id IN (${b}::uuid, ${c}::uuid)`
    const { cs, end } = await clients(2)
    const answer = (i: number, id: string) => cs[i]!.query(`UPDATE booking_requests SET status = 'negotiating' WHERE id = $1`, [id])
    try {
      await Promise.all(cs.map((c) => c.query('BEGIN')))
      await answer(0, a!)
      await answer(1, b!)
      await answer(0, c!)
      await answer(1, d!)
      await Promise.all(cs.map((c) => c.query('COMMIT')))
    } finally {
      await end()
    }
    expect(await drift()).toEqual(NO_DRIFT)
    expect((await dashboard(agency)).requests.awaitingAnswer).toBe(0)
  })

  it('sees both of two signatures given at once in a parallel signing', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const contract = await contractFor(h.app, agency, promoter, booking.id, false)
    await h.app.db.$executeRaw`UPDATE contracts SET signing_order = 'parallel' WHERE id = ${contract.id}::uuid`
    const awaiting = () =>
      h.app.db.$queryRaw<{ awaiting_agency: boolean; awaiting_promoter: boolean }[]>`
        SELECT awaiting_agency, awaiting_promoter FROM contracts WHERE id = ${contract.id}::uuid`
    expect(await awaiting()).toEqual([{ awaiting_agency: true, awaiting_promoter: true }])
    expect((await dashboard(agency)).contracts).toEqual({ awaitingOurSignature: 1, awaitingTheirSignature: 1 })

    const signers = await h.app.db.$queryRaw<{ id: string; org: string; version: string; hash: string }[]>`
      SELECT s.id, c.created_by_org_id AS org, v.id AS version, v.content_hash AS hash
      FROM contract_signers s JOIN contracts c ON c.id = s.contract_id
      JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.current_version
      WHERE s.contract_id = ${contract.id}::uuid ORDER BY s.position`
    const { cs, end } = await clients(2)
    try {
      const sign = (i: number) =>
        cs[i]!.query(
          `INSERT INTO contract_signatures (id, contract_id, signer_id, version_id, content_hash, signed_by_user_id, signed_by_org_id)
           VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $5)`,
          [contract.id, signers[i]!.id, signers[i]!.version, signers[i]!.hash, signers[i]!.org],
        )
      await Promise.all(cs.map((c) => c.query('BEGIN')))
      await sign(0)
      // The second signature goes in while the first is not committed: it waits for the contract, then reads
      // the first one's signature, rather than saying the buyer's is still awaited.
      const second = sign(1)
      await cs[0]!.query('COMMIT')
      await second
      await cs[1]!.query('COMMIT')
    } finally {
      await end()
    }
    expect(await awaiting()).toEqual([{ awaiting_agency: false, awaiting_promoter: false }])
    expect(await drift()).toEqual(NO_DRIFT)
  })
})

describe('whose signature', () => {
  it('follows signatures, removed signers and new versions', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const contract = await contractFor(h.app, agency, promoter, booking.id, false)
    const sides = async () => (await dashboard(agency)).contracts
    expect(await sides()).toEqual({ awaitingOurSignature: 0, awaitingTheirSignature: 1 })
    const full = (await h.app.rest('GET', `/api/v1/contracts/${contract.id}`, { as: agency })).body.data
    const signed = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, {
      as: promoter,
      body: { signerId: full.signers[0].id, contentHash: contract.current.contentHash },
    })
    expect(signed.status, JSON.stringify(signed.body)).toBe(200)
    // The buyer signed: the sequential signing now waits for the agency.
    expect(await sides()).toEqual({ awaitingOurSignature: 1, awaitingTheirSignature: 0 })
    expect(await drift()).toEqual(NO_DRIFT)
    // The agency's signer made optional: nobody blocks.
    await h.app.db.$executeRaw`UPDATE contract_signers SET required = false WHERE id = ${full.signers[1].id}::uuid`
    expect(await sides()).toEqual({ awaitingOurSignature: 0, awaitingTheirSignature: 0 })
    // A new version: the buyer's signature was on the old one.
    await h.app.db.$executeRaw`UPDATE contract_signers SET required = true WHERE id = ${full.signers[1].id}::uuid`
    await h.app.db.$executeRaw`
      INSERT INTO contract_versions (id, contract_id, version, body, content_hash, created_by_user_id, created_by_org_id)
      SELECT gen_random_uuid(), id, 2, 'v2', repeat('a', 64), created_by_org_id, created_by_org_id FROM contracts WHERE id = ${contract.id}::uuid`
    await h.app.db.$executeRaw`UPDATE contracts SET current_version = 2 WHERE id = ${contract.id}::uuid`
    expect(await sides()).toEqual({ awaitingOurSignature: 0, awaitingTheirSignature: 1 })
    expect(await drift()).toEqual(NO_DRIFT)
  })
})
