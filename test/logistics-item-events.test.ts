// Who is told of a booking's itinerary item: the companies that see it. An artist_side item is the artist side's
// alone (a promoter gets 404 on it): its events never reach the promoter's activity, and sharing it or taking it back
// tells the promoter as an addition or a removal (logistics README, "Events").
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

/** The types of the item's events in a company's activity, oldest first, on REST and GraphQL alike. */
async function eventsOf(as: Session, itemId: string): Promise<string[]> {
  const types = (await activityAbout(h.app, as, itemId)).map((e) => e.type)
  const gql = await h.app.graphql(`{ activity(first: 100) { edges { node { type subjectId } } } }`, {}, { as })
  expect(gql.errors).toBeUndefined()
  const edges = (gql.data as { activity: { edges: { node: { type: string; subjectId: string } }[] } }).activity.edges
  expect(
    edges
      .filter((e) => e.node.subjectId === itemId)
      .map((e) => e.node.type)
      .reverse(),
  ).toEqual(types)
  return types
}

describe("a booking's itinerary item's events", () => {
  it('reach the promoter only while the item is shared with it, and the artist side always', async () => {
    const artistId = await representedArtist()
    const { booking } = await booked(promoter, artistId)
    const item = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/itinerary-items`, {
      as: dealer,
      body: {
        kind: 'other',
        title: 'Artist arrives late',
        startsAt: booking.startsAt,
        timezone: 'Europe/Madrid',
        visibility: 'artist_side',
      },
    })
    expect(item.status, JSON.stringify(item.body)).toBe(201)
    const itemId = item.body.data.id as string
    expect((await h.app.rest('GET', `/api/v1/itinerary-items/${itemId}`, { as: promoter })).status).toBe(404)
    expect(await eventsOf(dealer, itemId)).toEqual(['itinerary.added'])
    expect(await eventsOf(promoter, itemId)).toEqual([])

    const patch = (body: Record<string, unknown>) => h.app.rest('PATCH', `/api/v1/itinerary-items/${itemId}`, { as: dealer, body })
    expect((await patch({ title: 'Artist arrives at 22:00' })).status).toBe(200)
    expect(await eventsOf(promoter, itemId)).toEqual([])

    // Shared: the promoter's view gains the item; taken back, it loses it. The artist side sees each as a change.
    expect((await patch({ visibility: 'shared' })).status).toBe(200)
    expect((await h.app.rest('GET', `/api/v1/itinerary-items/${itemId}`, { as: promoter })).status).toBe(200)
    expect(await eventsOf(promoter, itemId)).toEqual(['itinerary.added'])
    expect((await patch({ title: 'Arrival confirmed' })).status).toBe(200)
    expect((await patch({ visibility: 'artist_side' })).status).toBe(200)
    expect(await eventsOf(promoter, itemId)).toEqual(['itinerary.added', 'itinerary.changed', 'itinerary.removed'])
    expect(await eventsOf(dealer, itemId)).toEqual([
      'itinerary.added',
      'itinerary.changed',
      'itinerary.changed',
      'itinerary.changed',
      'itinerary.changed',
    ])

    // Removed while the artist side's alone: nothing more for the promoter.
    expect((await h.app.rest('DELETE', `/api/v1/itinerary-items/${itemId}`, { as: dealer })).status).toBe(200)
    expect(await eventsOf(promoter, itemId)).toEqual(['itinerary.added', 'itinerary.changed', 'itinerary.removed'])
    expect((await eventsOf(dealer, itemId)).at(-1)).toBe('itinerary.removed')

    // The promoter's removal carries the item as it last saw it: shared, under its shared title's change.
    const removal = (await activityAbout(h.app, promoter, itemId)).find((e) => e.type === 'itinerary.removed')
    expect(removal?.payload.visibility).toBe('shared')
  })
})
