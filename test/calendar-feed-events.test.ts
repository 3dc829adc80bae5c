// An iCal feed is its creator's alone (logistics README: only the creator lists, rotates or revokes it; others 404),
// while a company's activity is shared by its users: the feed's events reach no company's activity, only the broker.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { activityAbout } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let dealer: AgencySession
let promoter: Session
let colleague: Session
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => dealer,
)

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  // Another user of the same promoter company, with the same grant.
  colleague = await h.auth.session({ ...PROMOTER_ACCESS, orgId: promoter.orgId })
})

const feedEventsOf = (as: Session, feedId: string) => activityAbout(h.app, as, feedId)

describe("a calendar feed's events", () => {
  it("never reach a colleague of the feed's creator, who cannot read the feed", async () => {
    const artistId = await representedArtist()
    await booked(promoter, artistId)
    const created = await h.app.rest('POST', '/api/v1/calendar-feeds', { as: promoter, body: { artistId, includeFinancials: true } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const feedId = created.body.data.id as string

    // The colleague cannot read or touch the feed: not listed, 404 on rotate and revoke.
    const listed = await h.app.rest('GET', '/api/v1/calendar-feeds', { as: colleague })
    expect(listed.status).toBe(200)
    expect(listed.body.data.map((f: { id: string }) => f.id)).not.toContain(feedId)
    expect((await h.app.rest('POST', `/api/v1/calendar-feeds/${feedId}/rotate`, { as: colleague, body: {} })).status).toBe(404)
    expect((await h.app.rest('POST', `/api/v1/calendar-feeds/${feedId}/revoke`, { as: colleague })).status).toBe(404)

    expect(await feedEventsOf(colleague, feedId)).toEqual([])
    expect(await feedEventsOf(promoter, feedId)).toEqual([])
    // Written for the broker all the same, to no company.
    const written = await h.app.db.outboxEvent.findMany({ where: { aggregateId: feedId } })
    expect(written.map((e) => [e.eventType, e.orgIds])).toEqual([['calendar.feed.created', []]])
  })
})
