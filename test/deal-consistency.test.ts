// Deals stay consistent (issue 20): a cancelled booking reads cancelled on its request and hold too; a
// counter-offer changes what it names and carries the rest over; no hold is placed on a date the artist is
// booked; every pipeline object and contract says what the caller may do now and why not; a booking shows
// its place, time zone and local times, and contract text prints local times and the promoter's name.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, bridge, PROMOTER_ACCESS, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let geo: Awaited<ReturnType<typeof seedGeo>>

const { representedArtist, request, held, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  geo = await seedGeo(h.app.db)
})

const blockedOf = (view: { blockedActions: { action: string; reason: string }[] }) =>
  Object.fromEntries(view.blockedActions.map((b) => [b.action, b.reason]))

describe('a cancelled booking reads cancelled everywhere', () => {
  it('cancels the request and the hold in the same transaction, with activity and events, on REST', async () => {
    const artistId = await representedArtist()
    const { requestId, holdId, booking } = await booked(promoter, artistId)
    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: promoter, body: { reason: 'venue flooded' } })
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
    expect(cancelled.body.data).toMatchObject({
      status: 'cancelled',
      actions: [],
      blockedActions: [{ action: 'cancel', reason: 'invalid_transition' }],
    })

    const detail = (await h.app.rest('GET', `/api/v1/booking-requests/${requestId}`, { as: agency })).body.data
    expect(detail.status).toBe('cancelled')
    expect(detail.closedReason).toBe('venue flooded')
    expect(detail.holds[0]).toMatchObject({ id: holdId, status: 'cancelled', actions: [] })
    expect(detail.booking).toMatchObject({ status: 'cancelled' })
    expect(detail.offers[0].status).toBe('accepted')
    // A cancelled hold was not released: it carries no release reason.
    const hold = (await h.app.rest('GET', `/api/v1/booking-holds/${holdId}`, { as: promoter })).body.data
    expect(hold).toMatchObject({ status: 'cancelled', releasedReason: null })

    const activity = (await h.app.rest('GET', `/api/v1/booking-requests/${requestId}/activity`, { as: promoter })).body.data
    expect(
      activity
        .slice(-3)
        .map((a: { subject: string; action: string; fromStatus: string; toStatus: string }) => [
          a.subject,
          a.action,
          a.fromStatus,
          a.toStatus,
        ]),
    ).toEqual([
      ['booking', 'cancel', 'confirmed', 'cancelled'],
      ['hold', 'cancel', 'confirmed', 'cancelled'],
      ['request', 'cancel', 'booked', 'cancelled'],
    ])
    const events = await h.app.db.outboxEvent.findMany({ where: { aggregateId: { in: [requestId, holdId] } }, orderBy: { seq: 'asc' } })
    expect(events.map((e) => e.eventType)).toEqual(expect.arrayContaining(['booking.request.cancelled', 'booking.hold.cancelled']))

    // A status filter finds it as cancelled.
    const list = await h.app.rest('GET', `/api/v1/booking-requests?status=cancelled&artistId=${artistId}`, { as: promoter })
    expect(list.body.data.items.map((r: { id: string }) => r.id)).toEqual([requestId])
  })

  it('shows the same statuses on GraphQL', async () => {
    const { requestId, booking } = await booked(promoter, await representedArtist())
    const r = await h.app.graphql(
      `mutation($id: ID!) { cancelBooking(id: $id, input: { reason: "illness" }) {
         status actions blockedActions { action reason }
         request { status holds { status actions } offers { status } } hold { status } } }`,
      { id: booking.id },
      { as: agency },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.cancelBooking).toEqual({
      status: 'CANCELLED',
      actions: [],
      blockedActions: [{ action: 'CANCEL', reason: 'INVALID_TRANSITION' }],
      request: { status: 'CANCELLED', holds: [{ status: 'CANCELLED', actions: [] }], offers: [{ status: 'ACCEPTED' }] },
      hold: { status: 'CANCELLED' },
    })
    const q = await h.app.graphql(`query($id: ID!) { bookingRequest(id: $id) { status } }`, { id: requestId }, { as: promoter })
    expect(q.data.bookingRequest.status).toBe('CANCELLED')
  })
})

describe('a counter-offer carries over what it does not name', () => {
  const full = {
    ...flat,
    deposit: undefined,
    depositTerms: [
      { kind: 'flat', amount: 200_000, dueDaysBeforeEvent: 30 },
      { kind: 'percent', percent: 10 },
    ],
    holdDays: 12,
    terms: 'Backline provided by the promoter',
    radiusKm: 100,
    radiusDaysBefore: 30,
    radiusDaysAfter: 15,
  }

  it('keeps deposit schedule, hold days, terms and radius when a REST counter names only the fee', async () => {
    const req = await request(promoter, await representedArtist())
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: full })
    expect(offer.status, JSON.stringify(offer.body)).toBe(201)
    const counter = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/counter`, {
      as: promoter,
      body: { fee: 1_000_000 },
    })
    expect(counter.status, JSON.stringify(counter.body)).toBe(201)
    expect(counter.body.data).toMatchObject({
      version: 2,
      fee: 1_000_000,
      currency: 'EUR',
      dealType: 'flat',
      holdDays: 12,
      terms: 'Backline provided by the promoter',
      radiusKm: 100,
      radiusDaysBefore: 30,
      radiusDaysAfter: 15,
      // The percent term stays a share: of the new fee.
      deposit: 300_000,
      actions: ['withdraw'],
    })
    expect(counter.body.data.depositTerms.map((t: { kind: string; amount: number }) => [t.kind, t.amount])).toEqual([
      ['flat', 200_000],
      ['percent', 100_000],
    ])

    // null clears, a named deposit replaces the schedule, and the merged offer is checked as a whole.
    const again = await h.app.rest('POST', `/api/v1/booking-offers/${counter.body.data.id}/counter`, {
      as: agency,
      body: { radiusKm: null, radiusDaysBefore: null, radiusDaysAfter: null, deposit: 50_000, terms: null },
    })
    expect(again.status, JSON.stringify(again.body)).toBe(201)
    expect(again.body.data).toMatchObject({ fee: 1_000_000, radiusKm: null, deposit: 50_000, terms: null, holdDays: 12 })
    const bad = await h.app.rest('POST', `/api/v1/booking-offers/${again.body.data.id}/counter`, { as: promoter, body: { radiusKm: 20 } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.fields[0].field).toBe('radiusKm')
    expect((await h.app.rest('GET', `/api/v1/booking-offers/${again.body.data.id}`, { as: promoter })).body.data.status).toBe('open')
  })

  it('does the same on GraphQL, where currency and dealType may be left out of a counter', async () => {
    const req = await request(promoter, await representedArtist())
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: full })
    const r = await h.app.graphql(
      `mutation($id: ID!, $input: OfferInput!) { counterOffer(id: $id, input: $input) {
         version fee currency dealType holdDays terms deposit radiusKm depositTerms { kind amount } actions } }`,
      { id: offer.body.data.id, input: { fee: 2_000_000 } },
      { as: promoter },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.counterOffer).toEqual({
      version: 2,
      fee: 2_000_000,
      currency: 'EUR',
      dealType: 'FLAT',
      holdDays: 12,
      terms: 'Backline provided by the promoter',
      deposit: 400_000,
      radiusKm: 100,
      depositTerms: [
        { kind: 'FLAT', amount: 200_000 },
        { kind: 'PERCENT', amount: 200_000 },
      ],
      actions: ['WITHDRAW'],
    })
    // A first offer still needs its currency and deal type.
    const req2 = await request(promoter, await representedArtist())
    const first = await h.app.graphql(
      `mutation($id: ID!) { makeOffer(requestId: $id, input: { fee: 100 }) { id } }`,
      { id: req2.id },
      { as: agency },
    )
    expect(first.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  })
})

describe('no hold on a date the artist is booked', () => {
  it('refuses the acceptance with 409 artist_already_booked, leaves the offer open, and says so in its actions', async () => {
    const artistId = await representedArtist()
    const when = nextSlot()
    await booked(promoter, artistId, when)
    const req = await request(promoter, artistId, when)
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    const seen = (await h.app.rest('GET', `/api/v1/booking-offers/${offer.body.data.id}`, { as: promoter })).body.data
    expect(seen.actions).toEqual(['counter', 'decline'])
    expect(blockedOf(seen).accept).toBe('artist_already_booked')

    const accepted = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
    expect(accepted.status).toBe(409)
    expect(accepted.body.error.code).toBe('artist_already_booked')
    const detail = (await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: promoter })).body.data
    expect(detail).toMatchObject({ status: 'negotiating', holds: [] })
    expect(detail.offers[0].status).toBe('open')

    const g = await h.app.graphql(`mutation($id: ID!) { acceptOffer(id: $id) { id } }`, { id: offer.body.data.id }, { as: promoter })
    expect(g.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'artist_already_booked' })
  })
})

describe('actions: what the caller may do now, and why not', () => {
  it('on requests and holds, per side, on both faces', async () => {
    const artistId = await representedArtist()
    const req = await request(promoter, artistId)
    const asAgency = (await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: agency })).body.data
    expect(asAgency.actions).toEqual(['offer', 'decline'])
    expect(blockedOf(asAgency)).toEqual({ withdraw: 'wrong_side' })
    const asPromoter = (await h.app.rest('GET', `/api/v1/booking-requests?artistId=${artistId}`, { as: promoter })).body.data.items[0]
    expect(asPromoter.actions).toEqual(['withdraw'])
    expect(blockedOf(asPromoter)).toEqual({ offer: 'wrong_side', decline: 'wrong_side' })

    const first = await held(promoter, artistId, nextSlot())
    const when = { startsAt: first.hold.startsAt, endsAt: first.hold.endsAt }
    const second = await held(promoter, artistId, when)
    const lower = (await h.app.rest('GET', `/api/v1/booking-holds/${second.hold.id}`, { as: agency })).body.data
    expect(lower.actions).toEqual(['release', 'challenge'])
    expect(blockedOf(lower)).toEqual({ confirm: 'hold_outranked' })
    const top = (await h.app.rest('GET', `/api/v1/booking-holds/${first.hold.id}`, { as: promoter })).body.data
    expect(top.actions).toEqual(['release'])
    expect(blockedOf(top)).toEqual({ confirm: 'wrong_side', challenge: 'nothing_to_challenge' })

    const r = await h.app.graphql(
      `query($h: ID!, $r: ID!) { bookingHold(id: $h) { actions blockedActions { action reason message } }
         bookingRequest(id: $r) { actions offers { actions blockedActions { action reason } } } }`,
      { h: second.hold.id, r: second.requestId },
      { as: agency },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.bookingHold.actions).toEqual(['RELEASE', 'CHALLENGE'])
    expect(r.data.bookingHold.blockedActions).toEqual([
      { action: 'CONFIRM', reason: 'HOLD_OUTRANKED', message: expect.stringContaining('rank above') },
    ])
    expect(r.data.bookingRequest.actions).toEqual([])
    expect(r.data.bookingRequest.offers[0].actions).toEqual([])

    // The nested offers of GET /booking-requests/:id carry their actions too.
    const detail = (await h.app.rest('GET', `/api/v1/booking-requests/${second.requestId}`, { as: promoter })).body.data
    expect(detail.offers[0]).toMatchObject({
      actions: [],
      blockedActions: expect.arrayContaining([{ action: 'accept', reason: 'invalid_transition', message: expect.any(String) }]),
    })
  })

  it('is empty for a user who only reads, with the reason read_only', async () => {
    const artistId = await representedArtist()
    const { booking } = await booked(promoter, artistId)
    const reader = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.bookings.read'], orgId: promoter.orgId })
    const b = (await h.app.rest('GET', `/api/v1/bookings/${booking.id}`, { as: reader })).body.data
    expect(b).toMatchObject({ actions: [], blockedActions: [{ action: 'cancel', reason: 'read_only' }] })
  })

  it('on contracts: who signs next, on both faces', async () => {
    await bridge(h.app.db, promoter.orgId, 'Live Iberia SL')
    const { booking } = await booked(promoter, await representedArtist(), nextSlot(), agency)
    const template = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: agency,
      body: { name: 'Show', body: '{{promoter.name}} books {{artist.name}} on {{event.date}}' },
    })
    const drafted = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: {
        templateId: template.body.data.id,
        bookingId: booking.id,
        signers: [
          { role: 'buyer', side: 'promoter', name: 'Pat Promoter' },
          { role: 'agency_countersign', side: 'agency', name: 'Ana Agent' },
        ],
      },
    })
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201)
    expect(drafted.body.data.current.body).toMatch(/^Live Iberia SL books /)
    expect(drafted.body.data.actions).toEqual(['edit', 'send', 'cancel'])
    expect(blockedOf(drafted.body.data)).toMatchObject({ sign: 'invalid_transition', void: 'invalid_transition' })
    const id = drafted.body.data.id
    const promoterView = (await h.app.rest('GET', `/api/v1/contracts/${id}`, { as: promoter })).body.data
    expect(blockedOf(promoterView)).toMatchObject({ send: 'wrong_side', cancel: 'wrong_side' })

    const sent = await h.app.rest('POST', `/api/v1/contracts/${id}/send`, { as: agency })
    expect(sent.body.data.actions).toEqual(['edit', 'void'])
    expect(sent.body.data.blockedActions).toContainEqual({
      action: 'sign',
      reason: 'waiting_for_counterparty_signature',
      message: 'waiting for Pat Promoter (buyer) to sign',
    })
    const g = await h.app.graphql(
      `query($id: ID!) { contract(id: $id) { actions blockedActions { action reason } } }`,
      { id },
      { as: promoter },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.contract.actions).toEqual(['EDIT', 'SIGN', 'VOID'])
  })
})

describe('places and time', () => {
  it("shows the booking's city card, time zone and local times on both faces; contracts print local times", async () => {
    const artistId = await representedArtist()
    const slot = nextSlot()
    const req = await request(promoter, artistId, slot, { cityId: geo.madrid.id, city: null, countryCode: null })
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
    const hold = (await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: promoter })).body.data.holds[0]
    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    expect(confirmed.status).toBe(201)
    const booking = (await h.app.rest('GET', `/api/v1/bookings/${confirmed.body.data.id}`, { as: promoter })).body.data
    // nextSlot starts in January: Madrid is on UTC+01:00.
    const localStart = new Date(new Date(slot.startsAt).getTime() + 3600_000).toISOString().slice(0, 19)
    expect(booking).toMatchObject({
      city: { name: 'Madrid', timezone: 'Europe/Madrid' },
      timezone: 'Europe/Madrid',
      localStartsAt: `${localStart}+01:00`,
      actions: ['cancel'],
    })

    const g = await h.app.graphql(
      `query($id: ID!) { booking(id: $id) { timezone localStartsAt localEndsAt city { name } venue { id } } }`,
      { id: booking.id },
      { as: agency },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.booking).toMatchObject({ timezone: 'Europe/Madrid', localStartsAt: `${localStart}+01:00`, city: { name: 'Madrid' } })

    const template = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: agency,
      body: { name: 'Times', body: 'Show at {{event.startsAt}} ({{event.timezone}}), promoter {{promoter.name}}' },
    })
    const drafted = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: { templateId: template.body.data.id, bookingId: booking.id },
    })
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201)
    expect(drafted.body.data.current.body).toContain(
      `Show at ${localStart.slice(0, 16).replace('T', ' ')} Europe/Madrid (UTC+01:00) (Europe/Madrid)`,
    )
  })

  it('leaves the time zone null for a booking without a directory city', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const b = (await h.app.rest('GET', `/api/v1/bookings/${booking.id}`, { as: promoter })).body.data
    expect(b).toMatchObject({ city: null, timezone: null, localStartsAt: null, localEndsAt: null })
  })
})
