// Availability search is honest about the pipeline: days the artist is booked on are never offered (a
// window offering only booked days does not match), whatever the windows say, and days held by an active
// hold are shown held, with their rank. The booked days are a read model kept by triggers in the
// transaction of the booking or the window: tested here from both sides, and through both faces.
import { beforeAll, describe, expect, it } from 'vitest'
import { addDays, formatDay } from '../src/dates.ts'
import { parseSearch, searchStatements } from '../src/modules/availability/availability.service.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let rival: Session

const { representedArtist, held, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  rival = await h.auth.session(PROMOTER_ACCESS)
})

/** A two-hour slot on a day of its own, the day, and the days around it. */
function slot() {
  const when = nextSlot()
  const on = new Date(when.startsAt)
  const day = (offset: number) => formatDay(addDays(on, offset))
  return { when, day }
}

/** A represented artist with a name no other test's artist contains, so `q` finds it alone. */
async function artist() {
  const name = `Busy ${crypto.randomUUID().slice(0, 8)}`
  return { id: await representedArtist(agency, name), name }
}

const publish = (artistId: string, startsOn: string, endsOn: string) =>
  h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, { as: agency, body: { startsOn, endsOn } })

type Hit = { id: string; bookedOn: string[]; heldOn: { on: string; rank: number }[]; matchingAvailability: { id: string }[] }
async function search(name: string, from: string, to: string, extra: Record<string, string> = {}) {
  const r = await h.app.rest('GET', `/api/v1/availability/search?${new URLSearchParams({ q: name, from, to, ...extra })}`, { as: promoter })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body.data as { total: number; items: Hit[] }
}

describe('availability search and the pipeline', () => {
  it('never offers a booked day: a window offering only booked days does not match; the others show the day booked', async () => {
    const { when, day } = slot()
    const a = await artist()
    expect((await publish(a.id, day(-1), day(1))).status).toBe(201)
    const single = await artist()
    expect((await publish(single.id, day(0), day(0))).status).toBe(201)
    expect((await search(a.name, day(0), day(0))).total).toBe(1)

    await booked(promoter, a.id, when)
    await booked(promoter, single.id, when)

    expect(await search(a.name, day(0), day(0))).toEqual({ total: 0, totalCapped: false, items: [], page: 1, limit: 20 })
    expect((await search(single.name, day(-5), day(5))).total).toBe(0)
    expect((await search(single.name, day(-5), day(5), { sort: 'fee' })).total).toBe(0)
    const around = await search(a.name, day(-1), day(1))
    expect(around.total).toBe(1)
    expect(around.items[0]).toMatchObject({ id: a.id, bookedOn: [day(0)], heldOn: [] })
    // The first free day from the booked one is the day after.
    const soonest = await search(a.name, day(0), day(3), { sort: 'soonest' })
    expect(soonest.items.map((i) => [i.id, i.bookedOn])).toEqual([[a.id, [day(0)]]])
    // Booked on the first day, the artist is not among those free on it (the soonest page's first walk), but
    // among the period's (its fallback).
    const f = parseSearch({ from: day(0), to: day(3), sort: 'soonest' })
    const { page, fallback } = searchStatements(f, null, { offset: 0, limit: 100 })
    const ids = async (s: { text: string; values: unknown[] }) =>
      (await h.app.db.$queryRawUnsafe<{ id: string }[]>(s.text, ...s.values)).map((r) => r.id)
    expect(await ids(page)).not.toContain(a.id)
    expect(await ids(fallback!)).toContain(a.id)
    expect(
      await h.app.db.$queryRaw<
        { booked: string }[]
      >`SELECT booked_on::text AS booked FROM artist_availabilities WHERE artist_id = ${a.id}::uuid`,
    ).toEqual([{ booked: `{[${day(0)},${day(1)})}` }])
  })

  it('knows the booked days of a window published after the booking, and forgets them when the booking is cancelled', async () => {
    const { when, day } = slot()
    const a = await artist()
    const { booking } = await booked(promoter, a.id, when)
    expect((await publish(a.id, day(0), day(0))).status).toBe(201)
    expect((await search(a.name, day(0), day(0))).total).toBe(0)
    // Moved off the booked day, the window offers its new day; moved back, it is booked again.
    const [w] = await h.app.db.availability.findMany({ where: { artistId: a.id } })
    expect(
      (await h.app.rest('PATCH', `/api/v1/availability/${w!.id}`, { as: agency, body: { startsOn: day(0), endsOn: day(1) } })).status,
    ).toBe(200)
    expect((await search(a.name, day(0), day(1))).items.map((i) => i.bookedOn)).toEqual([[day(0)]])

    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: agency, body: { reason: 'the tour moved' } })
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
    const free = await search(a.name, day(0), day(0))
    expect(free.items).toMatchObject([{ id: a.id, bookedOn: [], heldOn: [] }])
  })

  it('shows held days as held, with their rank, while the holds are active', async () => {
    const { when, day } = slot()
    const a = await artist()
    expect((await publish(a.id, day(-1), day(1))).status).toBe(201)
    const first = await held(promoter, a.id, when)
    await held(rival, a.id, when)
    const hit = (await search(a.name, day(-1), day(1))).items[0]!
    expect(hit.bookedOn).toEqual([])
    expect(hit.heldOn.map(({ on, rank }) => ({ on, rank }))).toEqual([
      { on: day(0), rank: 1 },
      { on: day(0), rank: 2 },
    ])
    // A held day is still offered: a hold may lapse or be released.
    expect((await search(a.name, day(0), day(0))).total).toBe(1)
    // Past its period a hold holds nothing, although nobody wrote it as expired yet.
    await h.app.db.bookingHold.update({ where: { id: first.hold.id }, data: { expiresAt: new Date(Date.now() - 1000) } })
    expect((await search(a.name, day(0), day(0))).items[0]!.heldOn.map((d) => d.rank)).toEqual([2])
  })

  it('answers the same through GraphQL, variables and fragments included', async () => {
    const { when, day } = slot()
    const a = await artist()
    expect((await publish(a.id, day(-1), day(1))).status).toBe(201)
    const b = await artist()
    expect((await publish(b.id, day(-1), day(1))).status).toBe(201)
    await booked(promoter, a.id, when)
    await held(rival, b.id, when)
    const QUERY = `query($filter: AvailabilitySearchFilter!, $held: Boolean!) {
      availabilitySearch(first: 5, filter: $filter) {
        totalCount
        edges { node { id } ...Busy heldOn @include(if: $held) { on rank createdAt updatedAt } }
      }
    }
    fragment Busy on AvailableArtistEdge { bookedOn matchingAvailability { startsOn } }`
    const run = async (q: string, from: string, to: string, withHeld = true) => {
      const r = await h.app.graphql(QUERY, { filter: { q, from, to }, held: withHeld }, { as: promoter })
      expect(r.errors).toBeUndefined()
      return r.data.availabilitySearch
    }
    expect((await run(a.name, day(0), day(0))).totalCount).toBe(0)
    expect((await run(a.name, day(-1), day(1))).edges).toEqual([
      { node: { id: a.id }, bookedOn: [day(0)], matchingAvailability: [{ startsOn: day(-1) }], heldOn: [] },
    ])
    const [edge] = (await run(b.name, day(-1), day(1))).edges
    expect(edge).toMatchObject({ node: { id: b.id }, bookedOn: [], heldOn: [{ on: day(0), rank: 1 }] })
    expect((await run(b.name, day(-1), day(1), false)).edges[0]).not.toHaveProperty('heldOn')
  })
})
