// The deal as data: requests carry a directory city (validated) that their holds and bookings keep, with the
// venue; the radius clause and the deposit schedule flow from the accepted offer into the booking and the
// contract's merge fields; booking lists filter by counterparty, venue and city on both faces; requests
// carry warnings against the artist's published availability.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGeo, validationFields } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let rival: Session
let geo: Awaited<ReturnType<typeof seedGeo>>

const { representedArtist, request } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  rival = await h.auth.session(PROMOTER_ACCESS)
  geo = await seedGeo(h.app.db)
})

const terms = {
  ...flat,
  deposit: undefined,
  depositTerms: [
    { kind: 'flat', amount: 300_000, dueOn: '2030-01-15' },
    { kind: 'percent', percent: 20, dueDaysBeforeEvent: 30 },
  ],
  radiusKm: 150,
  radiusDaysBefore: 90,
  radiusDaysAfter: 60,
}

/** request (with extra fields) → offer with `offer` terms → accepted → confirmed. */
async function deal(as: Session, artistId: string, extra: Record<string, unknown>, offer: Record<string, unknown> = flat) {
  const req = await request(as, artistId, nextSlot(), extra)
  const made = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: offer })
  expect(made.status, JSON.stringify(made.body)).toBe(201)
  await h.app.rest('POST', `/api/v1/booking-offers/${made.body.data.id}/accept`, { as, body: {} })
  const hold = (await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as })).body.data.holds[0]
  const booking = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
  expect(booking.status, JSON.stringify(booking.body)).toBe(201)
  return { request: req, offer: made.body.data, hold, booking: booking.body.data }
}

describe('places as data', () => {
  it('validates cityId against the geo directory, fills the country and city from it; holds and bookings keep city and venue', async () => {
    const artistId = await representedArtist(agency)
    const venueId = randomUUID()
    const d = await deal(promoter, artistId, { cityId: geo.madrid.id, city: null, countryCode: null, venueId })
    expect(d.request).toMatchObject({ cityId: geo.madrid.id, city: 'Madrid', countryCode: 'ES' })
    expect(d.hold).toMatchObject({ cityId: geo.madrid.id, venueId })
    expect(d.booking).toMatchObject({ cityId: geo.madrid.id, venueId })

    const unknown = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId, ...nextSlot(), cityId: randomUUID() },
    })
    expect(validationFields(unknown)).toEqual([{ field: 'cityId', message: 'unknown city' }])
    const elsewhere = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId, ...nextSlot(), cityId: geo.paris.id, countryCode: 'ES' },
    })
    expect(validationFields(elsewhere)).toEqual([{ field: 'countryCode', message: 'the city is in FR, not ES' }])

    const q = `query($r: ID!, $b: ID!) {
      bookingRequest(id: $r) { cityId geoCity { name } holds { city { name } venue { id } } }
      booking(id: $b) { city { name timezone } venue { id } } }`
    const r = await h.app.graphql(q, { r: d.request.id, b: d.booking.id }, { as: agency })
    expect(r.errors).toBeUndefined()
    expect(r.data).toEqual({
      bookingRequest: { cityId: geo.madrid.id, geoCity: { name: 'Madrid' }, holds: [{ city: { name: 'Madrid' }, venue: { id: venueId } }] },
      booking: { city: { name: 'Madrid', timezone: 'Europe/Madrid' }, venue: { id: venueId } },
    })
  })

  it('keeps requests without a directory city working (free text, no cityId)', async () => {
    const d = await deal(promoter, await representedArtist(agency), {})
    expect(d.request).toMatchObject({ city: 'Barcelona', cityId: null })
    expect(d.booking.cityId).toBeNull()
  })
})

describe('deal terms', () => {
  it('carries the radius clause and the deposit schedule from the accepted offer into the booking, deposit as the total', async () => {
    const artistId = await representedArtist(agency)
    const d = await deal(promoter, artistId, {}, terms)
    const schedule = [
      { seq: 1, kind: 'flat', amount: 300_000, percent: null, dueOn: '2030-01-15', dueDaysBeforeEvent: null },
      { seq: 2, kind: 'percent', amount: 300_000, percent: 20, dueOn: null, dueDaysBeforeEvent: 30 },
    ]
    type Term = {
      seq: number
      kind: string
      amount: number
      percent: number | null
      dueOn: string | null
      dueDaysBeforeEvent: number | null
    }
    // REST shows a date column as an instant at midnight UTC: compare the day.
    const dated = (ts: Term[]) =>
      ts.map(({ seq, kind, amount, percent, dueOn, dueDaysBeforeEvent }) => ({
        seq,
        kind,
        amount,
        percent,
        dueOn: dueOn?.slice(0, 10) ?? null,
        dueDaysBeforeEvent,
      }))
    expect(d.offer).toMatchObject({ deposit: 600_000, radiusKm: 150, radiusDaysBefore: 90, radiusDaysAfter: 60 })
    expect(dated(d.offer.depositTerms)).toEqual(schedule)
    expect(d.booking).toMatchObject({ deposit: 600_000, radiusKm: 150, radiusDaysBefore: 90, radiusDaysAfter: 60 })
    expect(dated(d.booking.depositTerms)).toEqual(schedule)

    const r = await h.app.graphql(
      `query($b: ID!) { booking(id: $b) { deposit radiusKm radiusDaysBefore radiusDaysAfter
        depositTerms { seq kind amount percent dueOn dueDaysBeforeEvent } offer { depositTerms { kind amount } } } }`,
      { b: d.booking.id },
      { as: promoter },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.booking).toMatchObject({ deposit: 600_000, radiusKm: 150, radiusDaysBefore: 90, radiusDaysAfter: 60 })
    expect(r.data.booking.depositTerms).toEqual(schedule.map((t) => ({ ...t, kind: t.kind.toUpperCase() })))
    expect(r.data.booking.offer.depositTerms).toEqual([
      { kind: 'FLAT', amount: 300_000 },
      { kind: 'PERCENT', amount: 300_000 },
    ])
    // The database keeps agreed terms as they were.
    await expect(h.app.db.bookingDepositTerm.deleteMany({ where: { bookingId: d.booking.id } })).rejects.toThrow(/append-only|P0001|raise/i)
  })

  it('keeps the single deposit as one flat term due on confirmation', async () => {
    const d = await deal(promoter, await representedArtist(agency), {})
    expect(d.booking.deposit).toBe(flat.deposit)
    expect(d.booking.depositTerms).toMatchObject([{ seq: 1, kind: 'flat', amount: flat.deposit, dueOn: null, dueDaysBeforeEvent: null }])
  })

  it('fills the radius and deposit merge fields of a contract', async () => {
    const d = await deal(promoter, await representedArtist(agency), {}, terms)
    const template = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: agency,
      body: {
        name: 'Radius',
        body: 'Radius: {{deal.radius}} ({{deal.radiusKm}}/{{deal.radiusDaysBefore}}/{{deal.radiusDaysAfter}}). Deposits: {{deal.depositSchedule}}. Total {{deal.deposit}}.',
      },
    })
    expect(template.status, JSON.stringify(template.body)).toBe(201)
    const contract = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: { templateId: template.body.data.id, bookingId: d.booking.id },
    })
    expect(contract.status, JSON.stringify(contract.body)).toBe(201)
    expect(contract.body.data.current.body).toBe(
      'Radius: no performance within 150 km from 90 days before to 60 days after the event (150/90/60). ' +
        'Deposits: 3,000.00 EUR, due 2030-01-15; 3,000.00 EUR (20% of the fee), due 30 days before the event. Total 6,000.00 EUR.',
    )
  })

  it('validates the schedule and the clause field by field', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    const offer = (body: Record<string, unknown>) => h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body })
    const base = { currency: 'EUR', dealType: 'flat', fee: 1_000_000 }
    expect(validationFields(await offer({ ...base, deposit: 1, depositTerms: [] }))).toEqual([
      { field: 'deposit', message: 'give deposit or depositTerms, not both' },
    ])
    expect(
      validationFields(
        await offer({
          ...base,
          depositTerms: [
            { kind: 'flat', amount: 600_000 },
            { kind: 'percent', percent: 50 },
          ],
        }),
      ),
    ).toEqual([{ field: 'depositTerms', message: 'cannot exceed the fee' }])
    expect(
      validationFields(
        await offer({ currency: 'EUR', dealType: 'percentage', percentage: 80, depositTerms: [{ kind: 'percent', percent: 10 }] }),
      ),
    ).toEqual([{ field: 'depositTerms.0.percent', message: 'a percent deposit needs a fee' }])
    expect(
      validationFields(await offer({ ...base, depositTerms: [{ kind: 'flat', amount: 1, dueOn: '2030-01-01', dueDaysBeforeEvent: 3 }] })),
    ).toEqual([{ field: 'depositTerms.0.dueDaysBeforeEvent', message: 'give dueOn or dueDaysBeforeEvent, not both' }])
    expect(validationFields(await offer({ ...base, radiusKm: 100 }))).toEqual([
      { field: 'radiusKm', message: 'a radius clause gives radiusKm, radiusDaysBefore and radiusDaysAfter together' },
    ])
    expect(validationFields(await offer({ ...base, depositTerms: [{ kind: 'flat', amount: 1, dueOn: '2099-01-01' }] }))).toEqual([
      { field: 'depositTerms.0.dueOn', message: 'must be on or before the day of the event' },
    ])
    expect(await h.app.db.bookingOffer.count({ where: { requestId: req.id } })).toBe(0)
  })
})

describe('counterparty filters', () => {
  it('narrow booking lists to one promoter, agency, venue or city, on both faces', async () => {
    const artistId = await representedArtist(agency)
    const venueA = randomUUID()
    const venueB = randomUUID()
    const place = (cityId: string, venueId: string) => ({ cityId, venueId, city: null, countryCode: null })
    const a = await deal(promoter, artistId, place(geo.madrid.id, venueA))
    const b = await deal(rival, artistId, place(geo.paris.id, venueB))
    const c = await deal(promoter, artistId, place(geo.paris.id, venueB))
    const cases: [string, Record<string, string>, string[]][] = [
      ['promoterOrgId', { promoterOrgId: promoter.orgId }, [a.booking.id, c.booking.id]],
      ['promoterOrgId (rival)', { promoterOrgId: rival.orgId }, [b.booking.id]],
      ['agencyId', { agencyId: agency.agencyId }, [a.booking.id, b.booking.id, c.booking.id]],
      ['venueId', { venueId: venueB }, [b.booking.id, c.booking.id]],
      ['cityId', { cityId: geo.madrid.id }, [a.booking.id]],
      ['cityId + promoterOrgId', { cityId: geo.paris.id, promoterOrgId: promoter.orgId }, [c.booking.id]],
    ]
    for (const [name, filter, expected] of cases) {
      const query = new URLSearchParams({ artistId, ...filter }).toString()
      const rest = await h.app.rest('GET', `/api/v1/bookings?${query}`, { as: agency })
      expect(rest.body.data.items.map((x: { id: string }) => x.id).sort(), `REST ${name}`).toEqual([...expected].sort())
      const gql = await h.app.graphql(
        'query($f: BookingFilter) { bookings(first: 10, filter: $f) { totalCount edges { node { id } } } }',
        { f: { artistId, ...filter } },
        { as: agency },
      )
      expect(gql.errors, name).toBeUndefined()
      expect(gql.data.bookings.edges.map((e: { node: { id: string } }) => e.node.id).sort(), `GraphQL ${name}`).toEqual(
        [...expected].sort(),
      )
    }
    // A filter never widens visibility: the rival sees only its own booking whatever it asks.
    const seen = await h.app.rest('GET', `/api/v1/bookings?artistId=${artistId}&agencyId=${agency.agencyId}`, { as: rival })
    expect(seen.body.data.items.map((x: { id: string }) => x.id)).toEqual([b.booking.id])
    const requests = await h.app.rest('GET', `/api/v1/booking-requests?artistId=${artistId}&cityId=${geo.paris.id}`, { as: agency })
    expect(requests.body.data.items.map((x: { id: string }) => x.id).sort()).toEqual([b.request.id, c.request.id].sort())
  })
})

describe('availability warnings', () => {
  it('flag a request on blocked dates or outside every published window, on both faces', async () => {
    const artistId = await representedArtist(agency)
    const day = (iso: string) => iso.slice(0, 10)
    const blocked = nextSlot()
    const open = nextSlot()
    const outside = nextSlot()
    for (const [slot, status] of [
      [blocked, 'blocked'],
      [open, 'available'],
    ] as const) {
      const w = await h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, {
        as: agency,
        body: { startsOn: day(slot.startsAt), endsOn: day(slot.startsAt), status },
      })
      expect(w.status, JSON.stringify(w.body)).toBe(201)
    }
    const warned = async (slot: { startsAt: string; endsAt: string }) => (await request(promoter, artistId, slot)).id as string
    const ids = { blocked: await warned(blocked), open: await warned(open), outside: await warned(outside) }
    const rest = async (id: string) => (await h.app.rest('GET', `/api/v1/booking-requests/${id}`, { as: agency })).body.data.warnings
    expect(await rest(ids.blocked)).toEqual(['availability_blocked'])
    expect(await rest(ids.open)).toEqual([])
    expect(await rest(ids.outside)).toEqual(['outside_published_availability'])
    const gql = await h.app.graphql(
      'query($a: ID!) { bookingRequests(first: 10, filter: { artistId: $a }) { edges { node { id warnings } } } }',
      { a: artistId },
      { as: agency },
    )
    const byId = Object.fromEntries(
      gql.data.bookingRequests.edges.map((e: { node: { id: string; warnings: string[] } }) => [e.node.id, e.node.warnings]),
    )
    expect(byId).toEqual({ [ids.blocked]: ['AVAILABILITY_BLOCKED'], [ids.open]: [], [ids.outside]: ['OUTSIDE_PUBLISHED_AVAILABILITY'] })
  })
})
