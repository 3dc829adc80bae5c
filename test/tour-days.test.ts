// Tour days: itinerary items on a tour day without a show (a travel day, a day off) on both faces, their zone
// defaulted from the stop's city, else the tour's home city, and refused without either; nobody outside the
// artist side (a promoter, another agency) sees them; the tour's day sheet in local time across a time-zone
// change; the tour's iCal feed carrying them; GET /artists/:id/tours, the REST twin of Artist.tours.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import { tours, type City } from './support/tours.ts'
import type { Session } from './support/auth-stand-in.ts'
import type { AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'

const h = useHarness()
let dealer: AgencySession
let manager: AgencySession
let outsider: AgencySession
let promoter: Session
let london: City
let helsinki: City
let nowhere: City

const { nextWindow, booking, tourOf, stop, addItem, counts } = tours(
  () => h.app,
  () => ({ dealer, manager, promoter }),
)

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  manager = await agencySession(h.auth, h.app.db)
  outsider = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const country = async (code: string, name: string) => h.app.db.country.create({ data: { code, name } })
  const gb = await country('GB', 'United Kingdom')
  const fi = await country('FI', 'Finland')
  const city = async (name: string, c: { id: string; code: string }, timezone: string | null) => {
    const row = await h.app.db.city.create({ data: { name, countryId: c.id, latitude: 51, longitude: 0, timezone } })
    return { id: row.id, countryCode: c.code.toLowerCase(), name }
  }
  london = await city('London', gb, 'Europe/London')
  helsinki = await city('Helsinki', fi, 'Europe/Helsinki')
  nowhere = await city('Nowhere', gb, null)
})

describe('itinerary items on a tour day', () => {
  it("adds items to a travel day on both faces; the zone defaults to the stop's city, else the home city, and is refused without either", async () => {
    const { day, tourId } = await tourOf()
    const travel = await stop(tourId, { date: day(3), kind: 'travel', cityId: london.id, label: 'London → Helsinki' })
    const off = await stop(tourId, { date: day(4), kind: 'day_off', cityId: nowhere.id })

    const lobby = await addItem(travel, { kind: 'lobby_call', title: 'Lobby call', startsAt: `${day(3)}T07:30:00Z`, confirmed: true })
    expect(lobby.status, JSON.stringify(lobby.body)).toBe(201)
    expect(lobby.body.data).toMatchObject({
      bookingId: null,
      tourStopId: travel,
      tourId,
      timezone: 'Europe/London',
      dayOn: day(3),
      localStartsAt: `${day(3)}T07:30:00.000+00:00`,
      confirmed: true,
      visibility: 'artist_side',
    })
    const [event] = await h.app.db.outboxEvent.findMany({ where: { aggregateId: lobby.body.data.id } })
    expect(event).toMatchObject({ eventType: 'itinerary.added', aggregateType: 'itinerary_item' })
    expect(event?.payload).toMatchObject({ itemId: lobby.body.data.id, bookingId: null, tourId, tourStopId: travel, kind: 'lobby_call' })
    // A tour is the artist side's: its days' events go to the agency and the management, never to a promoter.
    expect(event?.orgIds).toEqual(expect.arrayContaining([dealer.orgId, manager.orgId]))
    expect(event?.orgIds).not.toContain(promoter.orgId)

    // The day off's city has no zone and the tour no home city: the zone must be given, and nothing is written.
    const before = await counts()
    const refused = await addItem(off, { kind: 'meal', title: 'Team dinner', startsAt: `${day(4)}T19:00:00Z` })
    expect(refused.status).toBe(400)
    expect(validationFields(refused).map((f) => f.field)).toEqual(['timezone'])
    expect(await counts()).toEqual(before)
    // Given, it is taken; then the tour's home city stands in for the stop's.
    expect(
      (await addItem(off, { kind: 'meal', title: 'Dinner', startsAt: `${day(4)}T19:00:00Z`, timezone: 'Europe/Paris' })).body.data,
    ).toMatchObject({ timezone: 'Europe/Paris', localStartsAt: `${day(4)}T20:00:00.000+01:00` })
    expect((await h.app.rest('PATCH', `/api/v1/tours/${tourId}`, { as: dealer, body: { homeCityId: helsinki.id } })).status).toBe(200)
    const viaGraphql = await h.app.graphql(
      `mutation($stop: ID!, $in: ItineraryItemInput!) {
        addTourStopItineraryItem(tourStopId: $stop, input: $in) { id tourStopId bookingId timezone localStartsAt visibility }
      }`,
      { stop: off, in: { kind: 'PRESS', title: 'Radio interview', startsAt: `${day(4)}T10:00:00Z` } },
      { as: manager },
    )
    expect(viaGraphql.errors).toBeUndefined()
    expect(viaGraphql.data.addTourStopItineraryItem).toMatchObject({
      tourStopId: off,
      bookingId: null,
      timezone: 'Europe/Helsinki',
      localStartsAt: `${day(4)}T12:00:00.000+02:00`,
      visibility: 'ARTIST_SIDE',
    })

    // TourStop.itinerary and the REST list agree, in time order.
    const read = await h.app.graphql(
      `query($id: ID!) { tour(id: $id) { stops { id itinerary { id title localStartsAt } } } }`,
      { id: tourId },
      { as: dealer },
    )
    expect(read.errors).toBeUndefined()
    const byStop = Object.fromEntries(
      (read.data.tour.stops as { id: string; itinerary: { title: string }[] }[]).map((s) => [s.id, s.itinerary.map((i) => i.title)]),
    )
    expect(byStop).toEqual({ [travel]: ['Lobby call'], [off]: ['Radio interview', 'Dinner'] })
    const rest = await h.app.rest('GET', `/api/v1/tour-stops/${off}/itinerary-items`, { as: dealer })
    expect(rest.body.data.map((i: { title: string }) => i.title)).toEqual(['Radio interview', 'Dinner'])

    // Edited and removed like a booking's item, through the same routes.
    const edited = await h.app.rest('PATCH', `/api/v1/itinerary-items/${lobby.body.data.id}`, {
      as: dealer,
      body: { startsAt: `${day(3)}T23:30:00Z`, timezone: 'Europe/Helsinki' },
    })
    expect(edited.body.data).toMatchObject({ dayOn: day(4), localStartsAt: `${day(4)}T01:30:00.000+02:00` })
    expect((await h.app.rest('DELETE', `/api/v1/itinerary-items/${lobby.body.data.id}`, { as: manager })).status).toBe(200)
    expect((await h.app.rest('GET', `/api/v1/itinerary-items/${lobby.body.data.id}`, { as: dealer })).status).toBe(404)
  })

  it("refuses shared items, items on a show's stop, a closed tour, and removing a stop that has items; nothing is written", async () => {
    const { artistId, day, tourId } = await tourOf()
    const show = await stop(tourId, { bookingId: await booking(artistId, `${day(5)}T19:00:00Z`, helsinki) })
    const promo = await stop(tourId, { date: day(6), kind: 'promo', cityId: helsinki.id })
    const kept = await addItem(promo, { kind: 'press', title: 'TV', startsAt: `${day(6)}T09:00:00Z` })
    expect(kept.status).toBe(201)
    const before = await counts()

    const shared = await addItem(promo, { kind: 'press', title: 'Shared?', startsAt: `${day(6)}T10:00:00Z`, visibility: 'shared' })
    expect(validationFields(shared).map((f) => f.field)).toEqual(['visibility'])
    const patched = await h.app.rest('PATCH', `/api/v1/itinerary-items/${kept.body.data.id}`, {
      as: dealer,
      body: { visibility: 'shared' },
    })
    expect(validationFields(patched).map((f) => f.field)).toEqual(['visibility'])
    const onShow = await addItem(show, { kind: 'soundcheck', title: 'Soundcheck', startsAt: `${day(5)}T15:00:00Z` })
    expect(onShow.status).toBe(409)
    expect(onShow.body.error.code).toBe('show_stop')
    const removeStop = await h.app.rest('DELETE', `/api/v1/tour-stops/${promo}`, { as: dealer })
    expect(removeStop.status).toBe(409)
    expect(removeStop.body.error.code).toBe('stop_has_itinerary')
    expect(await h.app.db.tourStop.count({ where: { id: promo } })).toBe(1)
    // The database says the same to a writer that skips the service.
    await expect(
      h.app.db.itineraryItem.create({
        data: {
          tourStopId: promo,
          tourId,
          kind: 'press',
          title: 'Raw',
          startsAt: new Date(`${day(6)}T11:00:00Z`),
          timezone: 'UTC',
          dayOn: new Date(`${day(6)}T00:00:00Z`),
          visibility: 'shared',
        },
      }),
    ).rejects.toThrow(/itinerary_items_tour_visibility_chk/)
    expect(await counts()).toEqual(before)

    expect((await h.app.rest('POST', `/api/v1/tours/${tourId}/cancel`, { as: dealer, body: { reason: 'Visa trouble' } })).status).toBe(200)
    const afterCancel = await counts()
    const closed = await addItem(promo, { kind: 'press', title: 'Late', startsAt: `${day(6)}T12:00:00Z` })
    expect(closed.status).toBe(409)
    expect(closed.body.error.code).toBe('tour_closed')
    expect(await counts()).toEqual(afterCancel)
  })

  it('shows nothing to a promoter of the tour’s show or to another agency, on both faces', async () => {
    const { artistId, day, tourId } = await tourOf()
    await stop(tourId, { bookingId: await booking(artistId, `${day(5)}T19:00:00Z`, helsinki) })
    const travel = await stop(tourId, { date: day(6), kind: 'travel', cityId: london.id })
    const item = await addItem(travel, { kind: 'travel_air', title: 'AY 1332', startsAt: `${day(6)}T08:00:00Z` })
    expect(item.status).toBe(201)
    const id = item.body.data.id
    const before = await counts()

    // Reads: 404 for both (the promoter reads itineraries, but never a tour's).
    for (const as of [promoter, outsider]) {
      expect((await h.app.rest('GET', `/api/v1/tour-stops/${travel}/itinerary-items`, { as })).status).toBe(404)
      expect((await h.app.rest('GET', `/api/v1/itinerary-items/${id}`, { as })).status).toBe(404)
      const gql = await h.app.graphql(`query($id: ID!) { itineraryItem(id: $id) { id } }`, { id }, { as })
      expect(gql.data?.itineraryItem ?? null).toBeNull()
      expect(gql.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
    }
    // Writes: the outside agency does not see the item (404); a promoter holds no itinerary write permission (403).
    for (const [as, status] of [
      [outsider, 404],
      [promoter, 403],
    ] as const) {
      const lunch = { kind: 'meal', title: 'Lunch', startsAt: `${day(6)}T12:00:00Z`, timezone: 'UTC' }
      expect((await addItem(travel, lunch, as)).status).toBe(status)
      expect((await h.app.rest('PATCH', `/api/v1/itinerary-items/${id}`, { as, body: { title: 'Mine' } })).status).toBe(status)
      expect((await h.app.rest('DELETE', `/api/v1/itinerary-items/${id}`, { as })).status).toBe(status)
    }
    // The outside agency does not see the tour (404); a promoter holds no tour permission at all (403), as on every tour route.
    expect((await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet?date=${day(6)}`, { as: outsider })).status).toBe(404)
    expect((await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet?date=${day(6)}`, { as: promoter })).status).toBe(403)
    const sheet = await h.app.graphql(
      `query($id: ID!, $d: Date!) { tour(id: $id) { daySheet(date: $d) { items { id } } } }`,
      {
        id: tourId,
        d: day(6),
      },
      { as: outsider },
    )
    expect(sheet.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
    // The promoter's own booking items are untouched by the tour's: its booking itinerary lists none of them.
    const bookingId = (
      await h.app.db.tourStop.findFirstOrThrow({ where: { tourId, kind: 'show' }, include: { request: { include: { booking: true } } } })
    ).request?.booking?.id
    const promoterItems = await h.app.rest('GET', `/api/v1/bookings/${bookingId}/itinerary`, { as: promoter })
    expect(promoterItems.status).toBe(200)
    expect(promoterItems.body.data).toEqual([])
    expect(await counts()).toEqual(before)
    expect((await h.app.db.itineraryItem.findUniqueOrThrow({ where: { id } })).title).toBe('AY 1332')
  })
})

describe("a tour's day sheet", () => {
  it('lists the day’s stops and its items in the order they are lived, each in local time, across a time-zone change', async () => {
    const { artistId, day, tourId } = await tourOf({ homeCityId: london.id })
    const travel = await stop(tourId, { date: day(3), kind: 'travel', cityId: london.id, label: 'Fly to Helsinki' })
    // The show the next day, 20:00 in Helsinki.
    const bookingId = await booking(artistId, `${day(4)}T18:00:00Z`, helsinki)
    const show = await stop(tourId, { bookingId })
    const add = async (stopId: string, title: string, startsAt: string, timezone?: string, extra: Record<string, unknown> = {}) => {
      const r = await addItem(stopId, { kind: 'other', title, startsAt, ...(timezone ? { timezone } : {}), ...extra })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return r.body.data.id as string
    }
    // Wall clocks disagree with the order: the Helsinki press call (12:30 there) comes before the London flight (11:00 there).
    const checkout = await add(travel, 'Hotel check-out', `${day(3)}T09:00:00Z`)
    const flight = await add(travel, 'Flight LHR → HEL', `${day(3)}T11:00:00Z`, undefined, { endsAt: `${day(3)}T14:00:00Z` })
    const press = await add(travel, 'Advance press call', `${day(3)}T10:30:00Z`, 'Europe/Helsinki')
    // 00:30 in Helsinki is still the 3rd in UTC and in London: it belongs to the 4th, the local day of its start.
    const lateBus = await add(travel, 'Night bus to the hotel', `${day(3)}T22:30:00Z`, 'Europe/Helsinki')
    const loadIn = await h.app.rest('POST', `/api/v1/bookings/${bookingId}/itinerary-items`, {
      as: dealer,
      body: { kind: 'load_in', title: 'Load-in', startsAt: `${day(4)}T13:00:00Z`, visibility: 'shared' },
    })
    expect(loadIn.status, JSON.stringify(loadIn.body)).toBe(201)

    const third = await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet?date=${day(3)}`, { as: dealer })
    expect(third.status, JSON.stringify(third.body)).toBe(200)
    expect(third.body.data.stops.map((s: { id: string }) => s.id)).toEqual([travel])
    expect(third.body.data.items.map((i: { id: string; localStartsAt: string }) => [i.id, i.localStartsAt])).toEqual([
      [checkout, `${day(3)}T09:00:00.000+00:00`],
      [press, `${day(3)}T12:30:00.000+02:00`],
      [flight, `${day(3)}T11:00:00.000+00:00`],
    ])
    expect(third.body.data.items[2]).toMatchObject({ localEndsAt: `${day(3)}T14:00:00.000+00:00` })

    const fourth = await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet?date=${day(4)}`, { as: manager })
    expect(fourth.body.data.stops.map((s: { id: string; state: string }) => [s.id, s.state])).toEqual([[show, 'confirmed']])
    expect(fourth.body.data.items.map((i: { id: string }) => i.id)).toEqual([lateBus, loadIn.body.data.id])
    expect(fourth.body.data.items[0]).toMatchObject({ localStartsAt: `${day(4)}T00:30:00.000+02:00`, tourStopId: travel })
    expect(fourth.body.data.items[1]).toMatchObject({ bookingId, localStartsAt: `${day(4)}T15:00:00.000+02:00` })

    // The same truth on the graph, through a fragment.
    const gql = await h.app.graphql(
      `query($id: ID!, $a: Date!, $b: Date!) {
        tour(id: $id) { a: daySheet(date: $a) { ...S } b: daySheet(date: $b) { ...S } }
      }
      fragment S on TourDaySheet { date stops { id } items { id localStartsAt } }`,
      { id: tourId, a: day(3), b: day(4) },
      { as: dealer },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.tour.a.items).toEqual(
      third.body.data.items.map((i: { id: string; localStartsAt: string }) => ({ id: i.id, localStartsAt: i.localStartsAt })),
    )
    expect(gql.data.tour.b.items.map((i: { id: string }) => i.id)).toEqual([lateBus, loadIn.body.data.id])
    expect(gql.data.tour.b.stops).toEqual([{ id: show }])

    // A constant number of statements, whatever the day holds.
    const statements = async (date: string) => {
      const start = h.app.sql.length
      expect((await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet?date=${date}`, { as: dealer })).status).toBe(200)
      return h.app.sql.slice(start).filter((q) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(q)).length
    }
    const [busy, empty] = [await statements(day(3)), await statements(day(9))]
    console.log(`tour day sheet: ${busy} SQL statements for a day of 3 items, ${empty} for an empty day`)
    expect(busy).toBe(empty)
    expect(busy).toBeLessThanOrEqual(4)

    // A day sheet needs its day.
    expect(validationFields(await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet`, { as: dealer })).map((f) => f.field)).toEqual([
      'date',
    ])
  })

  it("the tour's iCal feed carries its days' items, and a new one changes its ETag", async () => {
    const { day, tourId } = await tourOf()
    const travel = await stop(tourId, { date: day(2), kind: 'travel', cityId: london.id })
    const first = await addItem(travel, { kind: 'travel_rail', title: 'Eurostar', startsAt: `${day(2)}T08:01:00Z` })
    const feed = await h.app.rest('POST', '/api/v1/calendar-feeds', { as: dealer, body: { tourId } })
    expect(feed.status, JSON.stringify(feed.body)).toBe(201)
    const url = `${h.app.url}${feed.body.data.url}`
    const fetched = await fetch(url)
    const body = (await fetched.text()).replaceAll('\r\n ', '')
    expect(body).toContain(`UID:itinerary-${first.body.data.id}@kisum`)
    expect(body).toContain('SUMMARY:Eurostar')
    const etag = fetched.headers.get('etag') as string
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304)

    const second = await addItem(travel, { kind: 'hotel_checkin', title: 'Check-in', startsAt: `${day(2)}T15:00:00Z` })
    const again = await fetch(url, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(200)
    expect(await again.text()).toContain(`UID:itinerary-${second.body.data.id}@kisum`)
  })
})

describe('GET /api/v1/artists/:id/tours', () => {
  it("lists the artist's tours as Artist.tours does (filter, paging, order); 404 for an artist the caller sees no tours of", async () => {
    const { artistId, tourId: first } = await tourOf()
    const day = nextWindow()
    const second = await h.app.rest('POST', '/api/v1/tours', {
      as: dealer,
      body: { artistId, name: 'Second run', startsOn: day(1), endsOn: day(10) },
    })
    expect(second.status, JSON.stringify(second.body)).toBe(201)
    expect((await h.app.rest('POST', `/api/v1/tours/${second.body.data.id}/confirm`, { as: dealer })).status).toBe(200)
    // Another artist's tour never shows here.
    await tourOf()

    const ids = (r: { body: { data: { items: { id: string }[] } } }) => r.body.data.items.map((t) => t.id)
    const all = await h.app.rest('GET', `/api/v1/artists/${artistId}/tours`, { as: dealer })
    expect(all.status, JSON.stringify(all.body)).toBe(200)
    expect(ids(all)).toEqual([first, second.body.data.id])
    expect(ids(await h.app.rest('GET', `/api/v1/artists/${artistId}/tours?status=confirmed`, { as: manager }))).toEqual([
      second.body.data.id,
    ])
    expect(ids(await h.app.rest('GET', `/api/v1/artists/${artistId}/tours?limit=1&page=2`, { as: dealer }))).toEqual([second.body.data.id])

    const gql = await h.app.graphql(
      `query($id: ID!) { artist(id: $id) { all: tours { id } confirmed: tours(filter: { status: CONFIRMED }) { id } } }`,
      { id: artistId },
      { as: dealer },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.artist.all.map((t: { id: string }) => t.id)).toEqual(ids(all))
    expect(gql.data.artist.confirmed).toEqual([{ id: second.body.data.id }])

    expect((await h.app.rest('GET', `/api/v1/artists/${artistId}/tours`, { as: outsider })).status).toBe(404)
    expect((await h.app.rest('GET', `/api/v1/artists/${randomUUID()}/tours`, { as: dealer })).status).toBe(404)
    expect((await h.app.rest('GET', `/api/v1/artists/${artistId}/tours`, { as: promoter })).status).toBe(403)
    expect(
      validationFields(await h.app.rest('GET', `/api/v1/artists/${artistId}/tours?status=bogus`, { as: dealer })).map((f) => f.field),
    ).toEqual(['status'])
  })
})
