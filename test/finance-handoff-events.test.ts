// Each side reads only its own finance handoffs (finance README): the events of a handoff's steps go to its side's
// companies, so neither side's activity tells it of the other's request to Finance.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { activityAbout } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let dealer: AgencySession
let promoter: Session
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => dealer,
)

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const eventsOf = async (as: Session, handoffId: string) => (await activityAbout(h.app, as, handoffId)).map((e) => e.type)

describe("a finance handoff's events", () => {
  it("reach its own side's activity and never the other side's", async () => {
    const artistId = await representedArtist()
    const { booking } = await booked(promoter, artistId)
    const handOver = async (as: Session) => {
      const r = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/finance-handoffs`, {
        as,
        body: { force: true, forceReason: 'invoice the deposit before the contract is signed' },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return r.body.data.id as string
    }
    const agencys = await handOver(dealer)
    const promoters = await handOver(promoter)

    for (const [as, own, others] of [
      [dealer, agencys, promoters],
      [promoter, promoters, agencys],
    ] as const) {
      const listed = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/finance-handoffs`, { as })
      expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([own])
      expect(await eventsOf(as, own)).toEqual(['finance.handoff.requested'])
      expect(await eventsOf(as, others)).toEqual([])
    }

    // Finance's answer to the agency's handoff is the agency's news too.
    const acked = await h.app.rest('POST', `/internal/finance/handoffs/${agencys}/ack`, {
      as: 'machine',
      body: { financeRef: 'FIN-1' },
    })
    expect(acked.status, JSON.stringify(acked.body)).toBe(200)
    expect(await eventsOf(dealer, agencys)).toEqual(['finance.handoff.requested', 'finance.handoff.acknowledged'])
    expect(await eventsOf(promoter, agencys)).toEqual([])
  })
})
