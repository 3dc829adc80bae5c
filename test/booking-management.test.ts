// The artist's management in the booking pipeline: a management company (roster role `management`) reads
// every pipeline of the artists it manages — requests, offers, holds, bookings, contracts, activity — on
// both faces, never negotiates (403 not_representing, nothing written), and a change of management moves
// that visibility.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
const DAY = 86_400_000
let dealer: AgencySession
let manager: AgencySession
let otherManager: AgencySession
let promoter: Session

const { representedArtist, request, held } = pipelines(
  () => h.app,
  () => dealer,
)

/** A management claim; without an incumbent manager the platform approves it, as it approves an agency's. */
async function manage(as: AgencySession, artistId: string) {
  const claim = await h.app.rest('POST', '/api/v1/representation-claims', { as, body: { artistId, role: 'management' } })
  expect(claim.status, JSON.stringify(claim.body)).toBe(201)
  if (claim.body.data.status === 'pending') {
    const approved = await h.app.rest('POST', `/internal/admin/representation-claims/${claim.body.data.id}/approve`, {
      as: 'machine',
      body: {},
    })
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
  }
  return claim.body.data
}

/** A whole deal of a managed artist: a booking with a contract, a second pipeline mid-negotiation, a fresh request. */
async function managedDeals() {
  const artistId = await representedArtist(dealer, `Managed ${randomUUID().slice(0, 6)}`)
  await manage(manager, artistId)
  const { requestId, offerId, hold } = await held(promoter, artistId)
  const booking = (await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: dealer })).body.data
  const template = await h.app.rest('POST', '/api/v1/contract-templates', {
    as: dealer,
    body: { name: `Show ${randomUUID().slice(0, 6)}`, body: 'Artist {{artist.name}} plays on {{event.date}}.' },
  })
  const contract = await h.app.rest('POST', '/api/v1/contracts', {
    as: dealer,
    body: { templateId: template.body.data.id, bookingId: booking.id },
  })
  expect(contract.status, JSON.stringify(contract.body)).toBe(201)
  // The promoter countered: the latest offer waits for the artist's side.
  const talking = await request(promoter, artistId)
  const first = await h.app.rest('POST', `/api/v1/booking-requests/${talking.id}/offers`, { as: dealer, body: flat })
  const countered = await h.app.rest('POST', `/api/v1/booking-offers/${first.body.data.id}/counter`, {
    as: promoter,
    body: { ...flat, fee: 1_400_000 },
  })
  const fresh = await request(promoter, artistId)
  return {
    artistId,
    requestId,
    offerId,
    holdId: hold.id as string,
    booking,
    contractId: contract.body.data.id as string,
    counterId: countered.body.data.id as string,
    talkingId: talking.id as string,
    freshId: fresh.id as string,
  }
}

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  manager = await agencySession(h.auth, h.app.db)
  otherManager = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('the management side', () => {
  it("reads every pipeline of the artists it manages, in every list and by-id read, on both faces; others' stay hidden", async () => {
    const d = await managedDeals()
    const reads = [
      `/api/v1/booking-requests/${d.requestId}`,
      `/api/v1/booking-requests/${d.requestId}/activity`,
      `/api/v1/booking-offers/${d.offerId}`,
      `/api/v1/booking-holds/${d.holdId}`,
      `/api/v1/bookings/${d.booking.id}`,
      `/api/v1/contracts/${d.contractId}`,
    ]
    for (const path of reads) {
      expect((await h.app.rest('GET', path, { as: manager })).status, `manager ${path}`).toBe(200)
      expect((await h.app.rest('GET', path, { as: otherManager })).status, `otherManager ${path}`).toBe(404)
    }
    const ids = async (path: string, as: Session) =>
      (await h.app.rest('GET', path, { as })).body.data.items.map((x: { id: string }) => x.id).sort()
    const lists: [string, string[]][] = [
      [`/api/v1/booking-requests?artistId=${d.artistId}`, [d.requestId, d.talkingId, d.freshId]],
      [`/api/v1/booking-offers?requestId=${d.requestId}`, [d.offerId]],
      [`/api/v1/booking-holds?artistId=${d.artistId}`, [d.holdId]],
      [`/api/v1/bookings?artistId=${d.artistId}`, [d.booking.id]],
      [`/api/v1/contracts?bookingId=${d.booking.id}`, [d.contractId]],
    ]
    for (const [path, expected] of lists) {
      expect(await ids(path, manager), `manager ${path}`).toEqual(expected.sort())
      expect(await ids(path, otherManager), `otherManager ${path}`).toEqual([])
    }
    // It sees the terms, and no action on them: the agency negotiates.
    expect((await h.app.rest('GET', `/api/v1/booking-offers/${d.counterId}`, { as: manager })).body.data.actions).toEqual([])
    expect((await h.app.rest('GET', `/api/v1/booking-offers/${d.counterId}`, { as: dealer })).body.data.actions).toEqual([
      'accept',
      'counter',
      'decline',
    ])

    const q = `query($r: ID!, $o: ID!, $h: ID!, $b: ID!, $c: ID!, $a: ID!) {
      bookingRequest(id: $r) { id activity { action } } bookingOffer(id: $o) { id } bookingHold(id: $h) { id }
      booking(id: $b) { id } contract(id: $c) { id }
      bookingRequests(first: 10, filter: { artistId: $a }) { totalCount }
      bookingOffers(first: 5, filter: { requestId: $r }) { totalCount edges { node { id } } }
      bookingHolds(first: 5, filter: { artistId: $a }) { totalCount edges { node { id } } }
      bookings(first: 5, filter: { artistId: $a }) { totalCount edges { node { id } } }
      contracts(first: 5, filter: { bookingId: $b }) { totalCount edges { node { id } } }
      artist(id: $a) { bookings { id } } }`
    const vars = { r: d.requestId, o: d.offerId, h: d.holdId, b: d.booking.id, c: d.contractId, a: d.artistId }
    const mine = await h.app.graphql(q, vars, { as: manager })
    expect(mine.errors).toBeUndefined()
    expect(mine.data).toMatchObject({
      bookingRequest: { id: d.requestId },
      bookingOffer: { id: d.offerId },
      bookingHold: { id: d.holdId },
      booking: { id: d.booking.id },
      contract: { id: d.contractId },
      bookingRequests: { totalCount: 3 },
      bookingOffers: { totalCount: 1, edges: [{ node: { id: d.offerId } }] },
      bookingHolds: { totalCount: 1, edges: [{ node: { id: d.holdId } }] },
      bookings: { totalCount: 1, edges: [{ node: { id: d.booking.id } }] },
      contracts: { totalCount: 1, edges: [{ node: { id: d.contractId } }] },
      artist: { bookings: [{ id: d.booking.id }] },
    })
    expect(mine.data.bookingRequest.activity.length).toBeGreaterThan(3)
    const theirs = await h.app.graphql(q, vars, { as: otherManager })
    expect(theirs.data).toMatchObject({
      bookingRequest: null,
      bookingOffer: null,
      bookingHold: null,
      booking: null,
      contract: null,
      bookingRequests: { totalCount: 0 },
      bookingOffers: { totalCount: 0 },
      bookingHolds: { totalCount: 0 },
      bookings: { totalCount: 0 },
      contracts: { totalCount: 0 },
      artist: { bookings: [] },
    })
    expect(new Set(theirs.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['NOT_FOUND']))
    const counter = await h.app.graphql('query($o: ID!) { bookingOffer(id: $o) { actions } }', { o: d.counterId }, { as: manager })
    expect(counter.data.bookingOffer.actions).toEqual([])
  })

  it('never negotiates: every pipeline and contract action answers 403 not_representing and writes nothing', async () => {
    const d = await managedDeals()
    const slot = nextSlot()
    const challenger = await held(promoter, d.artistId, slot)
    // Ranked second: refused for who asks, not for its rank.
    const lower = await held(promoter, d.artistId, slot)
    const activityCount = () => h.app.db.bookingActivity.count({ where: { request: { artistId: d.artistId } } })
    const before = await activityCount()
    const attempts: [string, string, Record<string, unknown>][] = [
      ['POST', `/api/v1/booking-requests/${d.freshId}/offers`, flat],
      ['POST', `/api/v1/booking-requests/${d.freshId}/decline`, {}],
      ['POST', `/api/v1/booking-offers/${d.counterId}/accept`, {}],
      ['POST', `/api/v1/booking-offers/${d.counterId}/counter`, flat],
      ['POST', `/api/v1/booking-offers/${d.counterId}/decline`, {}],
      ['POST', `/api/v1/booking-holds/${challenger.hold.id}/confirm`, {}],
      ['POST', `/api/v1/booking-holds/${challenger.hold.id}/release`, {}],
      ['POST', `/api/v1/booking-holds/${lower.hold.id}/confirm`, {}],
      ['POST', `/api/v1/booking-holds/${lower.hold.id}/challenge`, {}],
      ['POST', `/api/v1/bookings/${d.booking.id}/cancel`, { reason: 'management says no' }],
      ['POST', `/api/v1/contracts/${d.contractId}/send`, {}],
      ['POST', `/api/v1/contracts/${d.contractId}/void`, { reason: 'management says no' }],
    ]
    for (const [method, path, body] of attempts) {
      const r = await h.app.rest(method, path, { as: manager, body })
      expect([r.status, r.body.error?.code], path).toEqual([403, 'not_representing'])
    }
    const gql = await h.app.graphql(
      'mutation($r: ID!, $h: ID!) { makeOffer(requestId: $r, input: { currency: "EUR", dealType: FLAT, fee: 100 }) { id } confirmHold(id: $h) { id } }',
      { r: d.freshId, h: challenger.hold.id },
      { as: manager },
    )
    expect(gql.data).toEqual({ makeOffer: null, confirmHold: null })
    expect(gql.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([
      ['FORBIDDEN', 'not_representing'],
      ['FORBIDDEN', 'not_representing'],
    ])
    expect(await activityCount()).toBe(before)
    const states = await h.app.db.bookingRequest.findMany({ where: { id: { in: [d.freshId, d.talkingId] } }, select: { status: true } })
    expect(states.map((s) => s.status).sort()).toEqual(['negotiating', 'open'])
    expect((await h.app.db.bookingHold.findUniqueOrThrow({ where: { id: challenger.hold.id } })).challengeDeadline).toBeNull()
    expect(
      (await h.app.db.bookingHold.findMany({ where: { id: { in: [challenger.hold.id, lower.hold.id] } } })).map((x) => x.status),
    ).toEqual(['active', 'active'])
    expect((await h.app.db.booking.findUniqueOrThrow({ where: { id: d.booking.id } })).status).toBe('confirmed')
    expect((await h.app.db.contract.findUniqueOrThrow({ where: { id: d.contractId } })).status).toBe('draft')
  })

  it('moves visibility with a change of management, as a change of agency does', async () => {
    const d = await managedDeals()
    const successor = await agencySession(h.auth, h.app.db)
    const read = (as: Session) => h.app.rest('GET', `/api/v1/bookings/${d.booking.id}`, { as })
    expect((await read(successor)).status).toBe(404)
    const claim = await manage(successor, d.artistId)
    await h.app.db.rosterLink.updateMany({
      where: { artistId: d.artistId, agencyId: manager.agencyId, role: 'management' },
      data: { startsOn: new Date(Date.now() - 30 * DAY) },
    })
    const handover = await h.app.rest('POST', `/api/v1/representation-claims/${claim.id}/accept-handover`, { as: manager, body: {} })
    expect(handover.status, JSON.stringify(handover.body)).toBe(200)
    expect((await read(successor)).status).toBe(200)
    expect((await read(manager)).status).toBe(404)
    const listed = await h.app.rest('GET', `/api/v1/booking-requests?artistId=${d.artistId}`, { as: manager })
    expect(listed.body.data.items).toEqual([])
    // The agency, which handled the deals, is not affected by a change of management.
    expect((await read(dealer)).status).toBe(200)
  })
})
