// The transactional outbox without a broker (NATS_URL unset): every transition writes its event in its own
// transaction, with the request id and the parties; a refused transition writes none; payloads carry exactly
// the catalog's fields and no private text; operators list and retry events.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { EVENTS } from '../src/modules/outbox/catalog.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines } from './support/booking.ts'
import { contractFor } from './support/contracts.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let agency: Session & { agencyId: string }
let promoter: Session
const { representedArtist, held, booked } = pipelines(
  () => h.app,
  () => agency,
)

const eventsOf = (aggregateId: string) => h.app.db.outboxEvent.findMany({ where: { aggregateId }, orderBy: { seq: 'asc' } })

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('the outbox writer', () => {
  it('writes booking.confirmed with the booking id, both parties, the request id and the pipeline fields', async () => {
    const artistId = await representedArtist()
    const { hold, requestId } = await held(promoter, artistId)
    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, {
      as: agency,
      headers: { 'x-request-id': 'confirm-req-1' },
    })
    expect(confirmed.status).toBe(201)
    const bookingId = confirmed.body.data.id
    const [event, ...more] = await eventsOf(bookingId)
    expect(more).toEqual([])
    expect(event).toMatchObject({
      eventType: 'booking.confirmed',
      aggregateType: 'booking',
      schemaVersion: 1,
      requestId: 'confirm-req-1',
      publishedAt: null,
      payload: {
        bookingId,
        requestId,
        artistId,
        agencyId: agency.agencyId,
        promoterOrgId: promoter.orgId,
        fromStatus: null,
        toStatus: 'confirmed',
        actorType: 'user',
        actorOrgId: agency.orgId,
        startsAt: hold.startsAt,
      },
    })
    expect([...event!.orgIds].sort()).toEqual([promoter.orgId, agency.orgId].sort())
    // The same request wrote the hold's and the request's transitions too.
    const sameRequest = await h.app.db.outboxEvent.findMany({ where: { requestId: 'confirm-req-1' }, orderBy: { seq: 'asc' } })
    expect(sameRequest.map((e) => e.eventType)).toEqual(['booking.hold.confirmed', 'booking.request.booked', 'booking.confirmed'])
  })

  it('writes nothing for a refused transition', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const cancel = () => h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: promoter, body: { reason: 'Venue closed' } })
    expect((await cancel()).status).toBe(200)
    const again = await cancel()
    expect(again.status).toBe(409)
    const outsider = await h.auth.session(PROMOTER_ACCESS)
    const foreign = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: outsider, body: { reason: 'x' } })
    expect(foreign.status).toBe(404)
    expect((await eventsOf(booking.id)).map((e) => e.eventType)).toEqual(['booking.confirmed', 'booking.cancelled'])
  })

  it("writes exactly the catalog's payload fields for every event of the pipeline, contracts, representation and availability, and no private text", async () => {
    const secret = `secret-${randomUUID()}`
    const since = (await h.app.db.outboxEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n
    const artistId = await representedArtist()
    const windows = await h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, {
      as: agency,
      body: { startsOn: '2040-03-01', endsOn: '2040-03-10', status: 'available', notes: secret },
    })
    expect(windows.status, JSON.stringify(windows.body)).toBe(201)
    await h.app.rest('PATCH', `/api/v1/availability/${windows.body.data.id}`, { as: agency, body: { endsOn: '2040-03-12' } })
    await h.app.rest('DELETE', `/api/v1/availability/${windows.body.data.id}`, { as: agency })
    const req = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId, ...nextSlot(), venueName: 'Sala', budget: 100_000, currency: 'EUR', message: secret },
    })
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.body.data.id}/offers`, {
      as: agency,
      body: { fee: 200_000, currency: 'EUR', dealType: 'flat', terms: secret },
    })
    const counter = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/counter`, {
      as: promoter,
      body: { fee: 150_000, currency: 'EUR', dealType: 'flat', terms: secret },
    })
    await h.app.rest('POST', `/api/v1/booking-offers/${counter.body.data.id}/accept`, { as: agency, body: {} })
    const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.body.data.id}`, { as: agency })
    const booking = await h.app.rest('POST', `/api/v1/booking-holds/${detail.body.data.holds[0].id}/confirm`, { as: agency })
    await contractFor(h.app, agency, promoter, booking.body.data.id)
    await h.app.rest('POST', `/api/v1/bookings/${booking.body.data.id}/cancel`, { as: agency, body: { reason: secret } })

    const written = await h.app.db.outboxEvent.findMany({ where: { seq: { gt: since } }, orderBy: { seq: 'asc' } })
    const types = written.map((e) => e.eventType)
    expect(types).toEqual(
      expect.arrayContaining([
        'representation.claim_submitted',
        'representation.started',
        'availability.published',
        'availability.changed',
        'availability.deleted',
        'booking.request.created',
        'booking.offer.made',
        'booking.request.negotiating',
        'booking.offer.countered',
        'booking.offer.accepted',
        'booking.hold.placed',
        'booking.request.held',
        'booking.confirmed',
        'contract.created',
        'contract.sent',
        'contract.signed',
        'contract.fully_signed',
        'booking.cancelled',
        'contract.voided',
      ]),
    )
    for (const e of written) {
      const def = EVENTS[e.eventType]
      expect(def, e.eventType).toBeDefined()
      expect(Object.keys(e.payload as object).sort(), e.eventType).toEqual(Object.keys(def!.payload).sort())
      expect(e.aggregateType, e.eventType).toBe(def!.aggregate)
      expect(e.schemaVersion).toBe(def!.version)
      // directory records are the network's, no company's: their events reach no activity feed
      if (e.eventType.startsWith('directory.')) expect(e.orgIds, e.eventType).toEqual([])
      else expect(e.orgIds.length, e.eventType).toBeGreaterThan(0)
      expect(JSON.stringify(e.payload)).not.toContain(secret)
    }
  })

  it('keeps an event as written: only its delivery state changes', async () => {
    const [event] = await h.app.db.outboxEvent.findMany({ take: 1 })
    await expect(h.app.db.$executeRaw`UPDATE outbox_events SET payload = '{}'::jsonb WHERE id = ${event!.id}::uuid`).rejects.toThrow(
      /immutable/,
    )
    await h.app.db.$executeRaw`UPDATE outbox_events SET attempts = attempts + 1 WHERE id = ${event!.id}::uuid`
  })
})

describe('operating the outbox', () => {
  it('lists pending and parked events for platform operators only, and puts a parked event back in line', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const [event] = await eventsOf(booking.id)
    await h.app.db.outboxEvent.update({
      where: { id: event!.id },
      data: { attempts: 10, lastError: 'refused', parkedAt: new Date(), nextAttemptAt: new Date() },
    })

    const parked = await h.app.rest('GET', '/internal/admin/outbox?status=parked', {
      as: 'machine',
    })
    expect(parked.status).toBe(200)
    expect(parked.body.data.items).toEqual([
      expect.objectContaining({ id: event!.id, type: 'booking.confirmed', status: 'parked', attempts: 10, lastError: 'refused' }),
    ])
    const pending = await h.app.rest('GET', `/internal/admin/outbox?status=pending&aggregateId=${booking.id}`, { as: 'machine' })
    expect(pending.body.data.total).toBe(0)
    expect((await h.app.rest('GET', '/internal/admin/outbox', { as: agency })).status).toBe(403)

    const retried = await h.app.rest('POST', `/internal/admin/outbox/${event!.id}/retry`, { as: 'machine' })
    expect(retried.status).toBe(200)
    expect(retried.body.data).toMatchObject({ status: 'pending', attempts: 0, parkedAt: null, nextAttemptAt: null })
    expect((await h.app.rest('GET', '/internal/admin/outbox?status=parked', { as: 'machine' })).body.data.total).toBe(0)

    await h.app.db.outboxEvent.update({ where: { id: event!.id }, data: { publishedAt: new Date() } })
    const published = await h.app.rest('POST', `/internal/admin/outbox/${event!.id}/retry`, { as: 'machine' })
    expect(published.status).toBe(409)
    expect(published.body.error.code).toBe('already_published')
    expect((await h.app.db.outboxEvent.findUniqueOrThrow({ where: { id: event!.id } })).publishedAt).not.toBeNull()
    expect((await h.app.rest('POST', `/internal/admin/outbox/${randomUUID()}/retry`, { as: 'machine' })).status).toBe(404)
  })
})
