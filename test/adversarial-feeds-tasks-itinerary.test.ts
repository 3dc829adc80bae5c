// Adversarial review of the merged touring, logistics, shortlists, dashboards and inbox areas: refusals that must
// write nothing, and reads that must not cross tenants.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import { tours, type City } from './support/tours.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { AGENCY_ACCESS, agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let dealer: AgencySession
let manager: AgencySession
let promoter: Session
let helsinki: City

const { booked } = pipelines(
  () => h.app,
  () => dealer,
)
const { representedArtist, booking, tourOf, stop, addItem, counts } = tours(
  () => h.app,
  () => ({ dealer, manager, promoter }),
)

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  manager = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const country = async (code: string, name: string) => h.app.db.country.create({ data: { code, name } })
  const fi = await country('FI', 'Finland')
  const city = async (name: string, c: { id: string; code: string }, timezone: string | null) => {
    const row = await h.app.db.city.create({ data: { name, countryId: c.id, latitude: 51, longitude: 0, timezone } })
    return { id: row.id, countryCode: c.code.toLowerCase(), name }
  }
  helsinki = await city('Helsinki', fi, 'Europe/Helsinki')
})

describe('review: a closed owner freezes its itinerary, removal included', () => {
  it('refuses removing a tour-day item of a cancelled tour with 409 tour_closed; the item and the outbox stay', async () => {
    const { day, tourId } = await tourOf()
    const promo = await stop(tourId, { date: day(6), kind: 'promo', cityId: helsinki.id })
    const item = await addItem(promo, { kind: 'press', title: 'TV', startsAt: `${day(6)}T09:00:00Z` })
    expect(item.status).toBe(201)
    expect((await h.app.rest('POST', `/api/v1/tours/${tourId}/cancel`, { as: dealer, body: { reason: 'Visa trouble' } })).status).toBe(200)
    const before = await counts()

    const rest = await h.app.rest('DELETE', `/api/v1/itinerary-items/${item.body.data.id}`, { as: dealer })
    expect(rest.status).toBe(409)
    expect(rest.body.error.code).toBe('tour_closed')
    const gql = await h.app.graphql(`mutation($id: ID!) { removeItineraryItem(id: $id) }`, { id: item.body.data.id }, { as: manager })
    expect(gql.errors?.[0]?.extensions?.code).toBe('CONFLICT')
    expect(await counts()).toEqual(before)
    expect(await h.app.db.itineraryItem.count({ where: { id: item.body.data.id } })).toBe(1)
  })

  it("refuses removing a cancelled booking's item with 409 booking_cancelled; the item and the outbox stay", async () => {
    const { artistId, day } = await tourOf()
    const bookingId = await booking(artistId, `${day(5)}T19:00:00Z`, helsinki)
    const item = await h.app.rest('POST', `/api/v1/bookings/${bookingId}/itinerary-items`, {
      as: dealer,
      body: { kind: 'soundcheck', title: 'Soundcheck', startsAt: `${day(5)}T15:00:00Z` },
    })
    expect(item.status, JSON.stringify(item.body)).toBe(201)
    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${bookingId}/cancel`, { as: dealer, body: { reason: 'venue closed' } })
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
    const before = await counts()

    const refused = await h.app.rest('DELETE', `/api/v1/itinerary-items/${item.body.data.id}`, { as: dealer })
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('booking_cancelled')
    expect(await counts()).toEqual(before)
  })
})

describe('review: tasks show what the reader may read', () => {
  it('a promoter user with the dashboard alone gets no finance_handoff task; its colleague with finance.read does', async () => {
    const { artistId, day } = await tourOf()
    const bookingId = await booking(artistId, `${day(5)}T19:00:00Z`, helsinki)
    const tasksOf = async (as: Session) => {
      const r = await h.app.rest('GET', '/api/v1/tasks?first=100', { as })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return r.body.data.items as { kind: string; subjectId: string }[]
    }
    expect((await tasksOf(promoter)).filter((t) => t.subjectId === bookingId).map((t) => t.kind)).toEqual(['finance_handoff'])

    const dashboardOnly = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.dashboard.read'], orgId: promoter.orgId })
    expect((await tasksOf(dashboardOnly)).filter((t) => t.kind === 'finance_handoff')).toEqual([])
    const gql = await h.app.graphql(`{ tasks(first: 100) { edges { node { kind subjectId } } } }`, {}, { as: dashboardOnly })
    expect(gql.errors).toBeUndefined()
    expect(JSON.stringify(gql.data)).not.toContain(bookingId)
  })
})

describe('review: a calendar feed shows money only while its holder may see it', () => {
  it('drops the fee when a user who lost every finance permission rotates the feed without saying; asking for it is 403', async () => {
    const { artistId, day } = await tourOf()
    const bookingId = await booking(artistId, `${day(5)}T19:00:00Z`, helsinki)
    const full = await h.auth.session({ ...AGENCY_ACCESS, orgId: dealer.orgId })
    const created = await h.app.rest('POST', '/api/v1/calendar-feeds', { as: full, body: { artistId, includeFinancials: true } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const unfold = (t: string) => t.replaceAll('\r\n ', '').replaceAll('\\,', ',')
    expect(unfold(await (await fetch(`${h.app.url}${created.body.data.url}`)).text())).toContain('Fee: ')

    const withoutFinance = AGENCY_ACCESS.permissions.filter((p) => !p.startsWith('artist.finance.'))
    const demoted = await h.auth.session({
      modules: ['artist'],
      permissions: withoutFinance,
      orgId: full.orgId,
      userId: full.userId,
      tokenVersion: 2,
    })
    const asked = await h.app.rest('POST', `/api/v1/calendar-feeds/${created.body.data.id}/rotate`, {
      as: demoted,
      body: { includeFinancials: true },
    })
    expect(asked.status).toBe(403)
    expect(asked.body.error.code).toBe('financials_not_allowed')
    const rotated = await h.app.rest('POST', `/api/v1/calendar-feeds/${created.body.data.id}/rotate`, { as: demoted, body: {} })
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200)
    expect(rotated.body.data.includeFinancials).toBe(false)
    const ics = unfold(await (await fetch(`${h.app.url}${rotated.body.data.url}`)).text())
    expect(ics).toContain(`UID:booking-${bookingId}@kisum`)
    expect(ics).not.toContain('Fee: ')
  })
})

describe('review: the dashboard shows shortlists only to their readers', () => {
  it('answers shortlists null to a promoter user without shortlists.read, on both faces; a reader sees the company list', async () => {
    const created = await h.app.rest('POST', '/api/v1/shortlists', {
      as: promoter,
      body: { name: 'Secret festival', visibility: 'company' },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const dashboardOnly = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.dashboard.read'], orgId: promoter.orgId })
    const rest = await h.app.rest('GET', '/api/v1/dashboard', { as: dashboardOnly })
    expect(rest.status, JSON.stringify(rest.body)).toBe(200)
    expect(rest.body.data.shortlists).toBeNull()
    const gql = await h.app.graphql(`{ dashboard { shortlists { count recent { id name } } } }`, {}, { as: dashboardOnly })
    expect(gql.errors).toBeUndefined()
    expect(gql.data.dashboard.shortlists).toBeNull()

    const reader = await h.auth.session({
      modules: ['promoter'],
      permissions: ['promoter.dashboard.read', 'promoter.shortlists.read'],
      orgId: promoter.orgId,
    })
    const seen = await h.app.rest('GET', '/api/v1/dashboard', { as: reader })
    expect(seen.body.data.shortlists.recent.map((s: { id: string }) => s.id)).toContain(created.body.data.id)
  })
})

describe("review: a calendar feed ends with its company's ownership of the agency", () => {
  it("answers 404 on an agency feed once the company's claim on the agency is revoked, showing none of its deals", async () => {
    const lost = await agencySession(h.auth, h.app.db)
    const artistId = await representedArtist(lost)
    const { booking: show } = await booked(promoter, artistId, undefined, lost)
    const created = await h.app.rest('POST', '/api/v1/calendar-feeds', { as: lost, body: { artistId } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const url = `${h.app.url}${created.body.data.url}`
    expect(await (await fetch(url)).text()).toContain(`UID:booking-${show.id}@kisum`)

    const claim = await h.app.db.companyClaim.findFirstOrThrow({ where: { orgId: lost.orgId, status: 'approved' } })
    const revoked = await h.app.rest('POST', `/internal/admin/company-claims/${claim.id}/revoke`, {
      as: 'machine',
      body: { reason: 'sold' },
    })
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200)

    const after = await fetch(url)
    expect(after.status).toBe(404)
    const body = await after.text()
    expect(body).not.toContain(show.id)
    expect(JSON.parse(body).error.code).toBeTypeOf('string')
  })
})

describe('review: races on one itinerary item', () => {
  it("ends concurrent removals and edits of a booking's item in one removal and clean 404s, one removed event, never a 500", async () => {
    const { artistId, day } = await tourOf()
    const bookingId = await booking(artistId, `${day(5)}T19:00:00Z`, helsinki)
    const item = await h.app.rest('POST', `/api/v1/bookings/${bookingId}/itinerary-items`, {
      as: dealer,
      body: { kind: 'soundcheck', title: 'Soundcheck', startsAt: `${day(5)}T15:00:00Z` },
    })
    expect(item.status).toBe(201)
    const id = item.body.data.id
    const calls = [
      ...Array.from({ length: 4 }, () => h.app.rest('DELETE', `/api/v1/itinerary-items/${id}`, { as: dealer })),
      ...Array.from({ length: 4 }, (_, i) =>
        h.app.rest('PATCH', `/api/v1/itinerary-items/${id}`, { as: manager, body: { title: `T${i}` } }),
      ),
    ]
    const results = await Promise.all(calls)
    const statuses = results.map((r) => r.status)
    expect(
      statuses.filter((s) => s >= 500),
      JSON.stringify(results.map((r) => r.body)),
    ).toEqual([])
    expect(statuses.slice(0, 4).filter((s) => s === 200)).toHaveLength(1)
    for (const r of results.filter((r) => r.status !== 200)) expect(r.status).toBe(404)
    expect(await h.app.db.itineraryItem.count({ where: { id } })).toBe(0)
    expect(await h.app.db.outboxEvent.count({ where: { aggregateId: id, eventType: 'itinerary.removed' } })).toBe(1)
  })
})

describe('review: bad input is a 400 on every touring and itinerary write, never a 500, writing nothing', () => {
  it('refuses NUL characters, five-digit years and nested junk with 400 naming the field', async () => {
    const { artistId, day, tourId } = await tourOf()
    const promo = await stop(tourId, { date: day(6), kind: 'promo', cityId: helsinki.id })
    const bookingId = await booking(artistId, `${day(5)}T19:00:00Z`, helsinki)
    const deep = JSON.parse('['.repeat(500) + ']'.repeat(500))
    const probes: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/v1/tours', { artistId, name: 'Run\u0000', startsOn: day(1), endsOn: day(2) }, 'name'],
      ['POST', '/api/v1/tours', { artistId, name: 'Run', startsOn: '99999-01-01', endsOn: '99999-01-02' }, 'startsOn'],
      ['PATCH', `/api/v1/tours/${tourId}`, { endsOn: '99999-01-01' }, 'endsOn'],
      ['POST', `/api/v1/tours/${tourId}/stops`, { date: '99999-01-01', kind: 'promo', cityId: helsinki.id }, 'date'],
      ['POST', `/api/v1/tours/${tourId}/stops`, { date: day(7), kind: 'promo', cityId: helsinki.id, label: deep }, 'nested deeper'],
      ['PATCH', `/api/v1/tour-stops/${promo}`, { notes: 'a\u0000b' }, 'notes'],
      [
        'POST',
        `/api/v1/tour-stops/${promo}/itinerary-items`,
        { kind: 'press', title: 'TV', startsAt: '99999-01-01T09:00:00Z' },
        'startsAt',
      ],
      [
        'POST',
        `/api/v1/bookings/${bookingId}/itinerary-items`,
        { kind: 'press', title: 'T\u0000V', startsAt: `${day(5)}T09:00:00Z` },
        'title',
      ],
      ['POST', `/api/v1/tours/${tourId}/routing/preview`, { date: '99999-01-01', kind: 'pencil', cityId: helsinki.id }, 'date'],
    ]
    const before = { ...(await counts()), tours: await h.app.db.tour.count(), stops: await h.app.db.tourStop.count() }
    for (const [method, path, body, field] of probes) {
      const r = await h.app.rest(method, path, { as: dealer, body })
      expect(r.status, `${method} ${path} ${JSON.stringify(r.body)}`).toBe(400)
      expect(JSON.stringify(r.body.error), `${method} ${path}`).toContain(field)
    }
    const hotel = {
      hotelName: 'Kämp',
      checkInOn: '99999-01-01',
      checkOutOn: '99999-01-02',
      nights: 1,
      rooms: [{ type: 'single', count: 1 }],
    }
    for (const [payload, field] of [
      [hotel, 'payload.checkInOn'],
      [{ ...hotel, checkInOn: day(5), checkOutOn: day(6), hotelName: 'K\u0000mp' }, 'payload.hotelName'],
    ] as const) {
      const r = await h.app.rest('POST', `/api/v1/bookings/${bookingId}/logistics-submissions`, {
        as: promoter,
        body: { category: 'hotel', payload },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(400)
      expect(JSON.stringify(r.body.error)).toContain(field)
    }
    expect(await h.app.db.logisticsSubmission.count({ where: { bookingId } })).toBe(0)
    for (const date of ['99999-01-01', '2031-02-30', 'x\u0000']) {
      const r = await h.app.rest('GET', `/api/v1/tours/${tourId}/day-sheet?date=${encodeURIComponent(date)}`, { as: dealer })
      expect(r.status, `${date} ${JSON.stringify(r.body)}`).toBe(400)
    }
    expect({ ...(await counts()), tours: await h.app.db.tour.count(), stops: await h.app.db.tourStop.count() }).toEqual(before)
  })
})
