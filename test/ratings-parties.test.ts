// Ratings are between the two parties of a booking (relationships README): the artist's management sees the booking
// but rates nothing, and sees no rating or comment of either side, before or after the reveal, on either face; the other
// party hears of a rating's submission, not of its edits before the reveal.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { activityAbout } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const DAY = 86_400_000
const h = useHarness()
let dealer: AgencySession
let manager: AgencySession
let promoter: Session
const { representedArtist, booked, managed } = pipelines(
  () => h.app,
  () => dealer,
)

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  manager = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const scores = { communication: 2, reliability: 2, hospitalityOrProduction: 3, paymentOrPerformance: 1 }

const eventsAbout = async (as: Session, subjectId: string) => (await activityAbout(h.app, as, subjectId)).map((e) => e.type)

describe("a booking's ratings", () => {
  it("show nothing of either side's rating to the artist's management, on both faces", async () => {
    const artistId = await representedArtist()
    await managed(artistId, manager)
    const { booking } = await booked(promoter, artistId)
    h.app.clock.advance(Date.parse(booking.endsAt) - Date.now() + DAY)
    const rate = (as: Session, comment: string) =>
      h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as, body: { ...scores, comment } })
    const read = async (as: Session) => {
      const rest = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/ratings`, { as })
      expect(rest.status, JSON.stringify(rest.body)).toBe(200)
      const gql = await h.app.graphql(
        `query($id: ID!) { booking(id: $id) { ratings { revealed mine { comment } theirsSubmitted theirs { comment } } } }`,
        { id: booking.id },
        { as },
      )
      expect(gql.errors).toBeUndefined()
      const { revealed, mine, theirsSubmitted, theirs } = rest.body.data
      const seen = { revealed, mine: mine?.comment ?? null, theirsSubmitted, theirs: theirs?.comment ?? null }
      const ratings = (gql.data as { booking: { ratings: { mine: { comment: string } | null; theirs: { comment: string } | null } } })
        .booking.ratings
      expect({ ...ratings, mine: ratings.mine?.comment ?? null, theirs: ratings.theirs?.comment ?? null }).toEqual(seen)
      return seen
    }

    expect((await rate(dealer, 'Paid three months late')).status).toBe(201)
    expect((await rate(manager, 'Management has a view too')).status).toBe(403)
    expect(await read(dealer)).toEqual({ revealed: false, mine: 'Paid three months late', theirsSubmitted: false, theirs: null })
    expect(await read(manager)).toEqual({ revealed: false, mine: null, theirsSubmitted: false, theirs: null })

    expect((await rate(promoter, 'Great show')).status).toBe(201)
    expect(await read(dealer)).toEqual({ revealed: true, mine: 'Paid three months late', theirsSubmitted: true, theirs: 'Great show' })
    expect(await read(promoter)).toEqual({ revealed: true, mine: 'Great show', theirsSubmitted: true, theirs: 'Paid three months late' })
    // Both rated, which the window alone would not say: the management reads the window as still open, with nothing in it.
    expect(await read(manager)).toEqual({ revealed: false, mine: null, theirsSubmitted: false, theirs: null })
  })

  it("tell the other side of a rating's submission, not of its edits before the reveal", async () => {
    const artistId = await representedArtist()
    const { booking } = await booked(promoter, artistId)
    h.app.clock.advance(Date.parse(booking.endsAt) - Date.now() + DAY)
    const rated = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, {
      as: dealer,
      body: { ...scores, comment: 'Paid late' },
    })
    expect(rated.status, JSON.stringify(rated.body)).toBe(201)
    const ratingId = rated.body.data.mine.id as string
    const edited = await h.app.rest('PATCH', `/api/v1/booking-ratings/${ratingId}`, {
      as: dealer,
      body: { comment: 'Paid very late', communication: 1 },
    })
    expect(edited.status, JSON.stringify(edited.body)).toBe(200)

    // The promoter reads that the agency rated, nothing more: no id, no edit.
    const read = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter })
    expect(read.body.data).toMatchObject({ revealed: false, theirsSubmitted: true, theirs: null })
    expect(JSON.stringify(read.body.data)).not.toContain(ratingId)

    expect(await eventsAbout(dealer, ratingId)).toEqual(['booking.rating.submitted', 'booking.rating.edited'])
    // The submission is the promoter's news (it reads theirsSubmitted); the edit of a rating it cannot read is not.
    expect(await eventsAbout(promoter, ratingId)).toEqual(['booking.rating.submitted'])
  })
})
