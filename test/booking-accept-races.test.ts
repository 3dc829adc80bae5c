// Races on the booking steps that write in one statement (accept; offer against withdraw) end in one winner and
// clean 409s, with the activity, the outbox and the live items consistent.
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, request } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('races on folded steps', () => {
  it('accepting one offer 10 times at once: one hold, 9 × 409, one accept in the log and the outbox', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    expect(offer.status).toBe(201)
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} }),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)])
    expect(await h.app.db.bookingHold.count({ where: { requestId: req.id } })).toBe(1)
    const accepts = await h.app.db.bookingActivity.count({ where: { requestId: req.id, action: 'accept' } })
    expect(accepts).toBe(1)
    const events = await h.app.db.$queryRaw<
      { event_type: string }[]
    >`SELECT event_type FROM outbox_events WHERE payload->>'requestId' = ${req.id}`
    expect(events.filter((e) => /accept/.test(e.event_type))).toHaveLength(1)
    expect(events.filter((e) => /hold/.test(e.event_type))).toHaveLength(1)
    const items = await h.app.db.$queryRaw<{ kind: string }[]>`SELECT kind FROM pipeline_live_items WHERE request_id = ${req.id}::uuid`
    expect(items.map((i) => i.kind)).toEqual(['hold_1'])
  })

  it('offering and withdrawing at once: the loser is a 409, the log matches the final status', async () => {
    const artistId = await representedArtist(agency)
    for (let i = 0; i < 5; i++) {
      const req = await request(promoter, artistId, nextSlot())
      const [offer, withdraw] = await Promise.all([
        h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat }),
        h.app.rest('POST', `/api/v1/booking-requests/${req.id}/withdraw`, { as: promoter, body: { reason: 'changed plans' } }),
      ])
      expect([offer.status, withdraw.status].filter((s) => s >= 500)).toEqual([])
      const final = await h.app.db.bookingRequest.findUniqueOrThrow({ where: { id: req.id } })
      const log = await h.app.db.bookingActivity.findMany({ where: { requestId: req.id, subject: 'request' }, orderBy: { seq: 'asc' } })
      expect(log.at(-1)?.toStatus).toBe(final.status)
    }
  })

  it('two promoters accepting overlapping offers at once: both holds ranked 1 and 2, each once', async () => {
    const artistId = await representedArtist(agency)
    const other = await h.auth.session(PROMOTER_ACCESS)
    const when = nextSlot()
    const offers = []
    for (const p of [promoter, other]) {
      const req = await request(p, artistId, when)
      const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
      offers.push({ p, id: offer.body.data.id as string })
    }
    const results = await Promise.all(offers.map((o) => h.app.rest('POST', `/api/v1/booking-offers/${o.id}/accept`, { as: o.p, body: {} })))
    expect(results.map((r) => r.status)).toEqual([200, 200])
    const holds = await h.app.db.bookingHold.findMany({ where: { artistId, status: 'active' }, orderBy: { priority: 'asc' } })
    expect(holds.map((x) => x.priority)).toEqual([1, 2])
    // Each answer shows its hold's rank as stored.
    const answered = results.map((r) => r.body.data.holds[0].priority).sort()
    expect(answered).toEqual([1, 2])
  })

  it('a step that waited on the lock stamps the time of its change, not of its start', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId, nextSlot())
    const blocker = new pg.Client({ connectionString: h.database.url })
    await blocker.connect()
    try {
      await blocker.query('BEGIN')
      await blocker.query('SELECT id FROM booking_requests WHERE id = $1 FOR UPDATE', [req.id])
      const offering = h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
      await new Promise((resolve) => setTimeout(resolve, 400))
      const released = new Date()
      await blocker.query('COMMIT')
      expect((await offering).status).toBe(201)
      const row = await h.app.db.bookingRequest.findUniqueOrThrow({ where: { id: req.id } })
      expect(row.status).toBe('negotiating')
      // The database's clock and this process's are one machine's; 50 ms covers the round trips.
      expect(row.updatedAt.getTime()).toBeGreaterThanOrEqual(released.getTime() - 50)
    } finally {
      await blocker.end()
    }
  })
})
