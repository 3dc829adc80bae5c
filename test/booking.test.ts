// The booking pipeline end to end: request → offer ⇄ counter → hold → confirmed booking, on both faces;
// one state machine per object; activity for every transition; expiry without a cron; no double booking
// guaranteed by the database under a 50-way race; idempotent retries; each side seeing exactly its deals.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'
import { lockRequest } from '../src/modules/booking/pipeline.ts'
import { parserAt } from '../src/validation.ts'

const h = useHarness()
type Agency = Session & { agencyId: string }
let agency: Agency
let promoter: Session
let rival: Session

const DAY = 86_400_000
const { representedArtist, request, held } = pipelines(
  () => h.app,
  () => agency,
)

const activityOf = async (requestId: string, as: Session = promoter) =>
  (await h.app.rest('GET', `/api/v1/booking-requests/${requestId}/activity`, { as })).body.data.map(
    (a: { subject: string; action: string; fromStatus: string | null; toStatus: string }) =>
      `${a.subject}:${a.action}:${a.fromStatus ?? '-'}→${a.toStatus}`,
  )

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  rival = await h.auth.session(PROMOTER_ACCESS)
})

describe('the pipeline over REST', () => {
  it('runs request → offer → counter → counter → accept → hold → confirmed booking, logging every transition', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    expect(req).toMatchObject({ status: 'open', agencyId: agency.agencyId, promoterOrgId: promoter.orgId, countryCode: 'ES' })

    const inbox = await h.app.rest('GET', '/api/v1/booking-requests?status=open', { as: agency })
    expect(inbox.body.data.items.map((r: { id: string }) => r.id)).toContain(req.id)

    const v1 = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, {
      as: agency,
      body: { ...flat, terms: 'Backline provided by promoter' },
    })
    expect(v1.status).toBe(201)
    expect(v1.body.data).toMatchObject({ version: 1, madeBy: 'agency', status: 'open', currency: 'EUR', actions: ['withdraw'] })
    const seenByPromoter = await h.app.rest('GET', `/api/v1/booking-offers/${v1.body.data.id}`, { as: promoter })
    expect(seenByPromoter.body.data.actions).toEqual(['accept', 'counter', 'decline'])

    const v2 = await h.app.rest('POST', `/api/v1/booking-offers/${v1.body.data.id}/counter`, {
      as: promoter,
      body: { fee: 1_000_000, currency: 'EUR', dealType: 'versus', percentage: 80 },
    })
    expect(v2.body.data).toMatchObject({ version: 2, madeBy: 'promoter', dealType: 'versus', percentage: 80 })
    const v3 = await h.app.rest('POST', `/api/v1/booking-offers/${v2.body.data.id}/counter`, {
      as: agency,
      body: { fee: 1_250_000, currency: 'EUR', dealType: 'versus', percentage: 85, holdDays: 10 },
    })
    expect(v3.body.data.version).toBe(3)

    const accepted = await h.app.rest('POST', `/api/v1/booking-offers/${v3.body.data.id}/accept`, { as: promoter, body: {} })
    expect(accepted.body.data).toMatchObject({ status: 'accepted', actions: [] })
    const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: agency })
    expect(detail.body.data.status).toBe('held')
    expect(detail.body.data.offers.map((o: { version: number; status: string }) => [o.version, o.status])).toEqual([
      [1, 'countered'],
      [2, 'countered'],
      [3, 'accepted'],
    ])
    const hold = detail.body.data.holds[0]
    expect(hold).toMatchObject({ status: 'active', priority: 1, offerId: v3.body.data.id })

    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    expect(confirmed.status).toBe(201)
    expect(confirmed.body.data).toMatchObject({
      status: 'confirmed',
      fee: 1_250_000,
      dealType: 'versus',
      percentage: 85,
      artistId,
      promoterOrgId: promoter.orgId,
      venueName: 'Sala Apolo',
    })

    expect(await activityOf(req.id)).toEqual([
      'request:create:-→open',
      'request:offer:open→negotiating',
      'offer:offer:-→open',
      'offer:counter:open→countered',
      'offer:counter:-→open',
      'offer:counter:open→countered',
      'offer:counter:-→open',
      'offer:accept:open→accepted',
      'hold:hold:-→active',
      'request:hold:negotiating→held',
      'hold:confirm:active→confirmed',
      'request:book:held→booked',
      'booking:confirm:-→confirmed',
    ])
    const acts = (await h.app.rest('GET', `/api/v1/booking-requests/${req.id}/activity`, { as: agency })).body.data
    expect(acts[1]).toMatchObject({ actorType: 'user', actorUserId: agency.userId, actorOrgId: agency.orgId })
    expect(acts[3]).toMatchObject({ actorUserId: promoter.userId, actorOrgId: promoter.orgId })

    const booking = await h.app.rest('GET', `/api/v1/bookings/${confirmed.body.data.id}`, { as: promoter })
    expect(booking.body.data.request.activity).toHaveLength(13)
  })

  it('ends a negotiation when the latest offer is declined or withdrawn', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    const declined = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/decline`, {
      as: promoter,
      body: { reason: 'over budget' },
    })
    expect(declined.body.data.status).toBe('declined')
    const after = await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: promoter })
    expect(after.body.data).toMatchObject({ status: 'withdrawn', closedReason: 'over budget' })

    const req2 = await request(promoter, artistId)
    const o2 = await h.app.rest('POST', `/api/v1/booking-requests/${req2.id}/offers`, { as: agency, body: flat })
    await h.app.rest('POST', `/api/v1/booking-offers/${o2.body.data.id}/withdraw`, { as: agency, body: { reason: 'artist unavailable' } })
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${req2.id}`, { as: agency })).body.data.status).toBe('declined')

    const req3 = await request(promoter, artistId)
    const declinedRequest = await h.app.rest('POST', `/api/v1/booking-requests/${req3.id}/decline`, {
      as: agency,
      body: { reason: 'on tour in Asia' },
    })
    expect(declinedRequest.body.data).toMatchObject({ status: 'declined', closedReason: 'on tour in Asia' })
  })

  it('releases a hold on request, and cancels a booking, freeing the date', async () => {
    const artistId = await representedArtist(agency)
    const when = nextSlot()
    const first = await held(promoter, artistId, when)
    const released = await h.app.rest('POST', `/api/v1/booking-holds/${first.hold.id}/release`, {
      as: promoter,
      body: { reason: 'festival cancelled' },
    })
    expect(released.body.data).toMatchObject({ status: 'released', releasedReason: 'festival cancelled' })
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${first.requestId}`, { as: promoter })).body.data.status).toBe('released')

    const second = await held(promoter, artistId, when)
    const booking = await h.app.rest('POST', `/api/v1/booking-holds/${second.hold.id}/confirm`, { as: agency })
    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${booking.body.data.id}/cancel`, {
      as: promoter,
      body: { reason: 'venue flooded' },
    })
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', cancelReason: 'venue flooded' })
    const third = await held(rival, artistId, when)
    expect((await h.app.rest('POST', `/api/v1/booking-holds/${third.hold.id}/confirm`, { as: agency })).status).toBe(201)
  })
})

describe('one state machine per object', () => {
  it('answers illegal moves with 409 invalid_transition naming the current state, and the wrong party with 403', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    const v1 = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })

    const own = await h.app.rest('POST', `/api/v1/booking-offers/${v1.body.data.id}/accept`, { as: agency, body: {} })
    expect(own.status).toBe(409)
    expect(own.body.error.code).toBe('not_your_turn')

    const second = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    expect(second.status).toBe(409)
    expect(second.body.error).toEqual({ code: 'invalid_transition', message: 'cannot offer a booking request that is negotiating' })

    const v2 = await h.app.rest('POST', `/api/v1/booking-offers/${v1.body.data.id}/counter`, {
      as: promoter,
      body: { ...flat, fee: 900_000 },
    })
    const stale = await h.app.rest('POST', `/api/v1/booking-offers/${v1.body.data.id}/accept`, { as: promoter, body: {} })
    expect(stale.body.error).toEqual({ code: 'invalid_transition', message: 'cannot accept an offer that is countered' })

    expect((await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: promoter, body: flat })).body.error.code).toBe(
      'wrong_side',
    )
    expect((await h.app.rest('POST', '/api/v1/booking-requests', { as: agency, body: { artistId, ...nextSlot() } })).body.error.code).toBe(
      'wrong_side',
    )

    await h.app.rest('POST', `/api/v1/booking-offers/${v2.body.data.id}/accept`, { as: agency, body: {} })
    const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: promoter })
    const hold = detail.body.data.holds[0]
    expect((await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: promoter })).body.error.code).toBe('wrong_side')
    await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/release`, { as: agency, body: {} })
    const late = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    expect(late.body.error).toEqual({ code: 'invalid_transition', message: 'cannot confirm a hold that is released' })
    const before = await h.app.db.bookingActivity.count({ where: { requestId: req.id } })
    expect((await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/withdraw`, { as: promoter, body: {} })).status).toBe(409)
    expect(await h.app.db.bookingActivity.count({ where: { requestId: req.id } })).toBe(before)
  })

  it('keeps the activity append-only: the database refuses to rewrite or erase a transition', async () => {
    const { requestId } = await held(promoter, await representedArtist(agency))
    const before = await activityOf(requestId)
    expect(before).toHaveLength(6)
    await expect(h.app.db.bookingActivity.updateMany({ where: { requestId }, data: { note: 'tampered' } })).rejects.toThrow(/append-only/)
    await expect(h.app.db.bookingActivity.deleteMany({ where: { requestId } })).rejects.toThrow(/append-only/)
    expect(await activityOf(requestId)).toEqual(before)
    expect(await h.app.db.bookingActivity.count({ where: { requestId, note: 'tampered' } })).toBe(0)
  })

  it('validates requests and offers field by field', async () => {
    const artistId = await representedArtist(agency)
    const bad = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: {
        artistId,
        startsAt: '2020-05-01T20:00:00Z',
        endsAt: '2020-05-01T19:00:00Z',
        budget: 1000,
        currency: 'euros',
        countryCode: 'Spain',
      },
    })
    expect(
      validationFields(bad)
        .map((f) => f.field)
        .sort(),
    ).toEqual(['countryCode', 'currency', 'endsAt', 'startsAt'])
    const noCurrency = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId, ...nextSlot(), budget: 1000 },
    })
    expect(validationFields(noCurrency)).toEqual([{ field: 'currency', message: 'required with a budget' }])
    const unknown = await h.app.rest('POST', '/api/v1/booking-requests', { as: promoter, body: { artistId: randomUUID(), ...nextSlot() } })
    expect(validationFields(unknown)).toEqual([{ field: 'artistId', message: 'unknown artist' }])
    const lonely = await h.app.rest('POST', '/api/v1/artists', { as: 'machine', body: { name: 'Unrepresented' } })
    const nobody = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId: lonely.body.data.id, ...nextSlot() },
    })
    expect(nobody.status).toBe(409)
    expect(nobody.body.error.code).toBe('artist_not_represented')
    // Refused in the statement that would have made it: no request, no activity, no event.
    expect(await h.app.db.bookingRequest.count({ where: { artistId: lonely.body.data.id } })).toBe(0)
    expect(
      await h.app.db.outboxEvent.count({
        where: { eventType: 'booking.request.created', payload: { path: ['artistId'], equals: lonely.body.data.id } },
      }),
    ).toBe(0)

    const req = await request(promoter, artistId)
    const offer = (body: Record<string, unknown>) => h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body })
    expect(validationFields(await offer({ currency: 'EUR', dealType: 'versus', fee: 100 }))).toEqual([
      { field: 'percentage', message: 'required for a versus deal' },
    ])
    expect(validationFields(await offer({ currency: 'EUR', dealType: 'flat', fee: 100, percentage: 10 }))).toEqual([
      { field: 'percentage', message: 'a flat deal has no percentage' },
    ])
    expect(validationFields(await offer({ currency: 'EUR', dealType: 'flat', fee: 100, deposit: 200 }))).toEqual([
      { field: 'deposit', message: 'cannot exceed the fee' },
    ])
    expect(validationFields(await offer({ currency: 'EUR', dealType: 'percentage', percentage: 101 }))[0]?.field).toBe('percentage')
    const afterTheEvent = new Date(new Date(req.startsAt).getTime() + DAY).toISOString()
    expect(validationFields(await offer({ currency: 'EUR', dealType: 'flat', fee: 100, expiresAt: afterTheEvent }))).toEqual([
      { field: 'expiresAt', message: 'must be before the event' },
    ])
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: agency })).body.data.offers).toEqual([])
  })
})

describe('the rules that read the clock', () => {
  it("check a request's and an offer's times against the service's clock at each call", async () => {
    const artistId = await representedArtist(agency)
    const at = (ms: number) => new Date(h.app.clock.now().getTime() + ms).toISOString()
    const ask = (body: Record<string, unknown>) =>
      h.app.rest('POST', '/api/v1/booking-requests', { as: promoter, body: { artistId, ...body } })
    expect(validationFields(await ask({ startsAt: at(-3600_000), endsAt: at(3600_000) }))).toEqual([
      { field: 'startsAt', message: 'must be in the future' },
    ])
    expect(validationFields(await ask({ ...nextSlot(), expiresAt: at(-60_000) }))).toEqual([
      { field: 'expiresAt', message: 'must be in the future and before the event' },
    ])
    // The parser is built once: each call reads its own clock, not the first call's.
    const soon = { startsAt: at(3600_000), endsAt: at(3 * 3600_000) }
    expect((await ask(soon)).status).toBe(201)
    h.app.clock.advance(2 * 3600_000)
    expect(validationFields(await ask(soon))).toEqual([{ field: 'startsAt', message: 'must be in the future' }])

    const req = await request(promoter, artistId)
    const offer = (expiresAt: string) =>
      h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: { ...flat, expiresAt } })
    expect(validationFields(await offer(at(-60_000)))).toEqual([{ field: 'expiresAt', message: 'must be in the future' }])
    // An hour ahead on the service's clock, which is two hours ahead of the wall's.
    expect((await offer(at(3600_000))).status).toBe(201)
  })

  it('give a refinement the time of its own parse, also after a parse made during it', () => {
    const seen: number[] = []
    const nesting = z.number().transform((n) => {
      if (n > 0) parse(n - 1, new Date(n - 1))
      return n
    })
    const parse: (input: unknown, now: Date) => number = parserAt(nesting, (n, _ctx, now) => {
      seen.push(now.getTime())
    })
    parse(2, new Date(2))
    expect(seen).toEqual([0, 1, 2])
  })
})

describe('expiry without a cron', () => {
  it('reads a lapsed offer as expired and refuses to act on it, writing the expiry once', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, {
      as: agency,
      body: { ...flat, expiresAt: new Date(Date.now() + 3600_000).toISOString() },
    })
    expect(offer.status).toBe(201)
    // Its answer-by time passes (on the service's clock rather than waited for).
    h.app.clock.advance(2 * 3600_000)
    const read = await h.app.rest('GET', `/api/v1/booking-offers/${offer.body.data.id}`, { as: promoter })
    expect(read.body.data).toMatchObject({ status: 'expired', actions: [] })
    const gql = await h.app.graphql(
      'query($id: ID!) { bookingOffer(id: $id) { status actions } }',
      { id: offer.body.data.id },
      { as: promoter },
    )
    expect(gql.data.bookingOffer).toEqual({ status: 'EXPIRED', actions: [] })
    const listed = async (status: string) =>
      (await h.app.rest('GET', `/api/v1/booking-offers?status=${status}&requestId=${req.id}`, { as: promoter })).body.data.items.map(
        (o: { id: string }) => o.id,
      )
    expect(await listed('open')).toEqual([])
    expect(await listed('expired')).toEqual([offer.body.data.id])
    expect((await h.app.rest('GET', `/api/v1/booking-requests?status=expired&artistId=${artistId}`, { as: agency })).body.data.total).toBe(
      1,
    )
    const accept = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
    expect(accept.status).toBe(409)
    expect(accept.body.error.message).toBe('cannot accept an offer that is expired')
    await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
    const log = await activityOf(req.id)
    expect(log.slice(-2)).toEqual(['offer:expire:open→expired', 'request:expire:negotiating→expired'])
    expect(log.filter((l: string) => l.includes('expire'))).toHaveLength(2)
  })

  it('writes what lapsed first when an offer or an acceptance is the first to touch the pipeline, then refuses it', async () => {
    const artistId = await representedArtist(agency)
    const answerBy = (ms: number) => new Date(h.app.clock.now().getTime() + ms).toISOString()
    const unanswered = await request(promoter, artistId, nextSlot(), { expiresAt: answerBy(3600_000) })
    const req = await request(promoter, artistId)
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, {
      as: agency,
      body: { ...flat, expiresAt: answerBy(3600_000) },
    })
    expect(offer.status).toBe(201)
    h.app.clock.advance(2 * 3600_000)
    const late = await h.app.rest('POST', `/api/v1/booking-requests/${unanswered.id}/offers`, { as: agency, body: flat })
    expect(late.status).toBe(409)
    expect(late.body.error).toMatchObject({ code: 'invalid_transition', message: 'cannot offer a booking request that is expired' })
    expect(await activityOf(unanswered.id)).toEqual(['request:create:-→open', 'request:expire:open→expired'])
    const accept = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
    expect(accept.status).toBe(409)
    expect(accept.body.error.message).toBe('cannot accept an offer that is expired')
    const log = await activityOf(req.id)
    expect(log.slice(-2)).toEqual(['offer:expire:open→expired', 'request:expire:negotiating→expired'])
    expect(log.filter((l: string) => l.includes('expire'))).toHaveLength(2)
  })

  it('writes a lapsed hold as expired, once, whoever comes first: a list, a read by id, an action or the sweep', async () => {
    const lapsed = async () => {
      const artistId = await representedArtist(agency)
      const { hold, requestId } = await held(promoter, artistId)
      h.app.clock.advance(7 * DAY + 1000) // the hold's default seven days pass
      return { artistId, hold, requestId }
    }
    const stored = async (id: string) => (await h.app.db.bookingHold.findUniqueOrThrow({ where: { id } })).status
    const expiries = async (requestId: string) => (await activityOf(requestId)).filter((l: string) => l.includes('expire'))
    const listed = async (status: string, artistId: string) =>
      (await h.app.rest('GET', `/api/v1/booking-holds?status=${status}&artistId=${artistId}`, { as: agency })).body.data.items.map(
        (x: { id: string }) => x.id,
      )

    const byList = await lapsed()
    expect(await listed('active', byList.artistId)).toEqual([])
    expect(await listed('expired', byList.artistId)).toEqual([byList.hold.id])
    expect(await stored(byList.hold.id)).toBe('expired')
    expect(await expiries(byList.requestId)).toEqual(['hold:expire:active→expired', 'request:expire:held→expired'])

    const byRead = await lapsed()
    expect((await h.app.rest('GET', `/api/v1/booking-holds/${byRead.hold.id}`, { as: promoter })).body.data.status).toBe('expired')
    expect(await stored(byRead.hold.id)).toBe('expired')

    const byAction = await lapsed()
    const confirm = await h.app.rest('POST', `/api/v1/booking-holds/${byAction.hold.id}/confirm`, { as: agency })
    expect(confirm.status).toBe(409)
    expect(confirm.body.error).toEqual({ code: 'invalid_transition', message: 'cannot confirm a hold that is expired' })
    expect(await h.app.db.booking.count({ where: { holdId: byAction.hold.id } })).toBe(0)

    const bySweep = await lapsed()
    expect(await stored(bySweep.hold.id)).toBe('active')
    expect(
      (await h.app.rest('POST', '/internal/admin/bookings/sweep-expired', { as: 'machine' })).body.data.expired,
    ).toBeGreaterThanOrEqual(2)
    expect((await h.app.rest('POST', '/internal/admin/bookings/sweep-expired', { as: 'machine' })).body.data.expired).toBe(0)
    expect(await stored(bySweep.hold.id)).toBe('expired')
    for (const p of [byList, byRead, byAction, bySweep]) expect(await expiries(p.requestId)).toHaveLength(2)
  })

  it('closes a whole pipeline when its request expires: no offer is left open behind it', async () => {
    const artistId = await representedArtist(agency)
    const answerBy = new Date(Date.now() + 3600_000).toISOString()
    const request = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId, ...nextSlot(), expiresAt: answerBy },
    })
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${request.body.data.id}/offers`, {
      as: agency,
      body: { fee: 100_000, currency: 'EUR', dealType: 'flat' },
    })
    expect(offer.body.data.expiresAt).toBeNull()
    // The answer-by time of the request passes; the offer itself has none.
    h.app.clock.advance(2 * 3600_000)
    const read = await h.app.rest('GET', `/api/v1/booking-offers/${offer.body.data.id}`, { as: promoter })
    expect(read.body.data).toMatchObject({ status: 'expired', actions: [] })
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${request.body.data.id}`, { as: promoter })).body.data.status).toBe('expired')
    expect(
      (await h.app.rest('GET', `/api/v1/booking-offers?status=open&requestId=${request.body.data.id}`, { as: promoter })).body.data.items,
    ).toEqual([])
  })
})

describe('no double booking', () => {
  it('ranks overlapping holds, and confirming one releases the others (logged)', async () => {
    const artistId = await representedArtist(agency)
    const when = nextSlot()
    const a = await held(promoter, artistId, when)
    const b = await held(rival, artistId, when)
    expect([a.hold.priority, b.hold.priority]).toEqual([1, 2])
    await h.app.rest('POST', `/api/v1/booking-holds/${a.hold.id}/confirm`, { as: agency })
    const loser = await h.app.rest('GET', `/api/v1/booking-holds/${b.hold.id}`, { as: rival })
    expect(loser.body.data).toMatchObject({ status: 'released', releasedReason: 'the artist was confirmed for an overlapping booking' })
    expect((await activityOf(b.requestId, rival)).slice(-2)).toEqual(['hold:release:active→released', 'request:release:held→released'])
    expect((await h.app.rest('POST', `/api/v1/booking-holds/${b.hold.id}/confirm`, { as: agency })).status).toBe(409)
  })

  it('is the database’s guarantee: an overlapping confirmed booking cannot be inserted', async () => {
    const artistId = await representedArtist(agency)
    const { hold } = await held(promoter, artistId)
    const booking = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    const row = await h.app.db.booking.findUniqueOrThrow({ where: { id: booking.body.data.id } })
    const other = await held(rival, await representedArtist(agency))
    await expect(
      h.app.db.booking.create({
        data: {
          ...row,
          id: randomUUID(),
          requestId: other.requestId,
          offerId: other.offerId,
          holdId: other.hold.id,
          startsAt: new Date(row.startsAt.getTime() + 3600_000),
          endsAt: new Date(row.endsAt.getTime() + 3600_000),
        },
      }),
    ).rejects.toThrow(/bookings_no_double_booking|23P01/)
  })

  it('settles 50 parallel confirmations of overlapping holds: one booking, 49 × 409, a matching log', async () => {
    const artistId = await representedArtist(agency)
    const base = Date.UTC(new Date().getUTCFullYear() + 6, 5, 1, 20)
    const pipelines = []
    for (let i = 0; i < 50; i++) {
      // Staggered by a minute, two hours long: every hold overlaps every other.
      const when = { startsAt: new Date(base + i * 60_000).toISOString(), endsAt: new Date(base + i * 60_000 + 2 * 3600_000).toISOString() }
      pipelines.push(await held(i % 2 ? promoter : rival, artistId, when))
    }
    const results = await Promise.all(
      pipelines.map((p) => h.app.rest('POST', `/api/v1/booking-holds/${p.hold.id}/confirm`, { as: agency })),
    )
    const ok = results.filter((r) => r.status === 201)
    expect(ok).toHaveLength(1)
    const losers = results.filter((r) => r.status === 409)
    expect(losers).toHaveLength(49)
    // Released by the winner, or refused before it for ranking below a standing hold.
    for (const r of losers) expect(['invalid_transition', 'hold_outranked']).toContain(r.body.error.code)
    expect(results.some((r) => r.status >= 500)).toBe(false)
    expect(await h.app.db.booking.count({ where: { artistId, status: 'confirmed' } })).toBe(1)

    const requestIds = pipelines.map((p) => p.requestId)
    const winner = ok[0]?.body.data.requestId
    const confirmations = await h.app.db.bookingActivity.findMany({ where: { requestId: { in: requestIds }, subject: 'booking' } })
    expect(confirmations.map((a) => a.requestId)).toEqual([winner])
    const releases = await h.app.db.bookingActivity.findMany({
      where: { requestId: { in: requestIds }, subject: 'hold', action: 'release' },
    })
    expect(releases).toHaveLength(49)
    expect(new Set(releases.map((a) => a.requestId)).size).toBe(49)
    expect(await h.app.db.bookingHold.count({ where: { artistId, status: 'released' } })).toBe(49)
  })
})

describe('idempotent retries', () => {
  it('replays the first answer to a retry with the same key, and does nothing twice', async () => {
    const artistId = await representedArtist(agency)
    const body = { artistId, ...nextSlot() }
    const key = `retry-${randomUUID()}`
    const first = await h.app.rest('POST', '/api/v1/booking-requests', { as: promoter, body, headers: { 'idempotency-key': key } })
    const retry = await h.app.rest('POST', '/api/v1/booking-requests', { as: promoter, body, headers: { 'idempotency-key': key } })
    expect(first.status).toBe(201)
    expect(retry.status).toBe(201)
    expect(retry.body).toEqual(first.body)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)

    const reused = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { ...body, venueName: 'Other' },
      headers: { 'idempotency-key': key },
    })
    expect(reused.status).toBe(400)
    expect(reused.body.error.code).toBe('idempotency_key_reused')
    // Keys belong to a user of a company: another company's, or a colleague's, same key is their own.
    expect(
      (await h.app.rest('POST', '/api/v1/booking-requests', { as: rival, body, headers: { 'idempotency-key': key } })).headers.get(
        'idempotent-replayed',
      ),
    ).toBeNull()
    const colleague = await h.auth.session({ ...PROMOTER_ACCESS, orgId: promoter.orgId })
    const theirs = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: colleague,
      body: { artistId, ...nextSlot() },
      headers: { 'idempotency-key': key },
    })
    expect(theirs.status).toBe(201)
    expect(theirs.headers.get('idempotent-replayed')).toBeNull()
    expect(theirs.body.data.id).not.toBe(first.body.data.id)
  })

  it('lets a failed call be retried, and keeps concurrent duplicates from acting twice', async () => {
    const artistId = await representedArtist(agency)
    const key = `k-${randomUUID()}`
    const failed = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId },
      headers: { 'idempotency-key': key },
    })
    expect(
      validationFields(failed)
        .map((f) => f.field)
        .sort(),
    ).toEqual(['endsAt', 'startsAt'])
    // The failed call left nothing behind: the key carries the corrected request.
    const fixed = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId, ...nextSlot() },
      headers: { 'idempotency-key': key },
    })
    expect(fixed.status).toBe(201)
    expect(fixed.headers.get('idempotent-replayed')).toBeNull()
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)

    const req = await request(promoter, artistId)
    const offerKey = `offer-${randomUUID()}`
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, {
          as: agency,
          body: flat,
          headers: { 'idempotency-key': offerKey },
        }),
      ),
    )
    expect(results.filter((r) => r.status === 201 && !r.headers.get('idempotent-replayed'))).toHaveLength(1)
    expect(results.every((r) => r.status === 201 || r.body.error.code === 'idempotency_in_progress')).toBe(true)
    expect(await h.app.db.bookingOffer.count({ where: { requestId: req.id } })).toBe(1)
  })

  it('replays a state change instead of refusing it the second time', async () => {
    const { hold } = await held(promoter, await representedArtist(agency))
    const key = `confirm-${randomUUID()}`
    const first = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency, headers: { 'idempotency-key': key } })
    const again = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency, headers: { 'idempotency-key': key } })
    expect([first.status, again.status]).toEqual([201, 201])
    expect(again.body.data.id).toBe(first.body.data.id)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    // Without the key, the same move is what it is: illegal now.
    expect((await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })).status).toBe(409)
  })

  it('frees a key whose call stayed in flight past its lease, and holds it within the lease', async () => {
    const artistId = await representedArtist(agency)
    const body = { artistId, ...nextSlot() }
    // A call that never stored its answer (its process died): the record stays in flight.
    await h.app.db.idempotencyRecord.create({
      data: { scope: `org:${promoter.orgId}:user:${promoter.userId}`, key: 'abandoned-call', fingerprint: 'another request' },
    })
    const retry = () =>
      h.app.rest('POST', '/api/v1/booking-requests', { as: promoter, body, headers: { 'idempotency-key': 'abandoned-call' } })
    h.app.clock.advance(5_000)
    const holding = await retry()
    expect(holding.status).toBe(400)
    expect(holding.body.error.code).toBe('idempotency_key_reused')
    // The lease (a minute) passes on the service's clock.
    h.app.clock.advance(60_000)
    const reclaimed = await retry()
    expect(reclaimed.status).toBe(201)
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)
  })
})

describe('visibility', () => {
  it('shows each side exactly its deals, in every list and by-id read, on both faces', async () => {
    // An agency of this test's own, so that even its unfiltered lists hold exactly this pipeline.
    const dealer = await agencySession(h.auth, h.app.db)
    const artistId = await representedArtist(dealer)
    const { requestId, offerId, hold } = await held(promoter, artistId, nextSlot(), dealer)
    const booking = (await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: dealer })).body.data
    const otherAgency = await agencySession(h.auth, h.app.db)
    const parties: [string, Session][] = [
      ['promoter', promoter],
      ['agency', dealer],
    ]
    const outsiders: [string, Session][] = [
      ['rival', rival],
      ['otherAgency', otherAgency],
    ]
    const reads = [
      `/api/v1/booking-requests/${requestId}`,
      `/api/v1/booking-requests/${requestId}/activity`,
      `/api/v1/booking-offers/${offerId}`,
      `/api/v1/booking-holds/${hold.id}`,
      `/api/v1/bookings/${booking.id}`,
    ]
    for (const path of reads) {
      for (const [who, as] of parties) expect((await h.app.rest('GET', path, { as })).status, `${who} ${path}`).toBe(200)
      for (const [who, as] of outsiders) expect((await h.app.rest('GET', path, { as })).status, `${who} ${path}`).toBe(404)
    }

    // Every list, narrowed to this pipeline (the filter each route takes), so other tests' deals do not count.
    const lists: [string, string][] = [
      [`/api/v1/booking-requests?artistId=${artistId}`, requestId],
      [`/api/v1/booking-offers?requestId=${requestId}`, offerId],
      [`/api/v1/booking-holds?artistId=${artistId}`, hold.id],
      [`/api/v1/bookings?artistId=${artistId}`, booking.id],
    ]
    const ids = async (path: string, as: Session) =>
      (await h.app.rest('GET', path, { as })).body.data.items.map((x: { id: string }) => x.id)
    for (const [path, id] of lists) {
      for (const [who, as] of parties) expect(await ids(path, as), `${who} ${path}`).toEqual([id])
      for (const [who, as] of outsiders) expect(await ids(path, as), `${who} ${path}`).toEqual([])
      // Unfiltered: the unrelated agency has no deal at all, the test's own agency only this one.
      const all = path.replace(/\?.*/, '')
      expect(await ids(all, otherAgency), `otherAgency ${all}`).toEqual([])
      expect(await ids(all, dealer), `agency ${all}`).toEqual([id])
    }

    const q = `query($r: ID!, $o: ID!, $h: ID!, $b: ID!, $a: ID!, $ag: ID!) {
      bookingRequest(id: $r) { id } bookingOffer(id: $o) { id } bookingHold(id: $h) { id } booking(id: $b) { id }
      bookingRequests(first: 5, filter: { artistId: $a }) { totalCount edges { node { id } } }
      bookingOffers(first: 5, filter: { requestId: $r }) { totalCount edges { node { id } } }
      bookingHolds(first: 5, filter: { artistId: $a }) { totalCount edges { node { id } } }
      bookings(first: 5, filter: { artistId: $a }) { totalCount edges { node { id } } }
      artist(id: $a) { bookings { id } }
      agency(id: $ag) { bookings { id } } }`
    const vars = { r: requestId, o: offerId, h: hold.id, b: booking.id, a: artistId, ag: dealer.agencyId }
    const connections = (
      data: Record<
        'bookingRequests' | 'bookingOffers' | 'bookingHolds' | 'bookings',
        { totalCount: number; edges: { node: { id: string } }[] }
      >,
    ) =>
      Object.fromEntries(
        (['bookingRequests', 'bookingOffers', 'bookingHolds', 'bookings'] as const).map((k) => [
          k,
          [data[k].totalCount, data[k].edges.map((e) => e.node.id)],
        ]),
      )

    for (const [who, as] of parties) {
      const mine = await h.app.graphql(q, vars, { as })
      expect(mine.errors, who).toBeUndefined()
      expect(mine.data, who).toMatchObject({
        bookingRequest: { id: requestId },
        bookingOffer: { id: offerId },
        bookingHold: { id: hold.id },
        booking: { id: booking.id },
      })
      expect(connections(mine.data), who).toEqual({
        bookingRequests: [1, [requestId]],
        bookingOffers: [1, [offerId]],
        bookingHolds: [1, [hold.id]],
        bookings: [1, [booking.id]],
      })
      expect(mine.data.artist.bookings, who).toEqual([{ id: booking.id }])
      expect(mine.data.agency.bookings, who).toEqual([{ id: booking.id }])
    }
    for (const [who, as] of outsiders) {
      const theirs = await h.app.graphql(q, vars, { as })
      expect(theirs.data, who).toMatchObject({ bookingRequest: null, bookingOffer: null, bookingHold: null, booking: null })
      expect(theirs.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort(), who).toEqual([
        ['booking', 'NOT_FOUND'],
        ['bookingHold', 'NOT_FOUND'],
        ['bookingOffer', 'NOT_FOUND'],
        ['bookingRequest', 'NOT_FOUND'],
      ])
      expect(connections(theirs.data), who).toEqual({
        bookingRequests: [0, []],
        bookingOffers: [0, []],
        bookingHolds: [0, []],
        bookings: [0, []],
      })
      // The artist and the agency are public directory entries; their bookings are not.
      expect(theirs.data.artist.bookings, who).toEqual([])
      expect(theirs.data.agency.bookings, who).toEqual([])
    }
    const unfiltered = await h.app.graphql(
      '{ bookingRequests { totalCount } bookingOffers { totalCount } bookingHolds { totalCount } bookings { totalCount } }',
      {},
      { as: otherAgency },
    )
    expect(unfiltered.data).toEqual({
      bookingRequests: { totalCount: 0 },
      bookingOffers: { totalCount: 0 },
      bookingHolds: { totalCount: 0 },
      bookings: { totalCount: 0 },
    })
  })
  it('follows representation: the new agency of an artist sees and acts on its pipelines, the former one only reads', async () => {
    const artistId = await representedArtist(agency)
    const { requestId, hold } = await held(promoter, artistId)
    const newcomer = await agencySession(h.auth, h.app.db)
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${requestId}`, { as: newcomer })).status).toBe(404)
    const claim = await h.app.rest('POST', '/api/v1/representation-claims', { as: newcomer, body: { artistId } })
    await h.app.db.rosterLink.updateMany({
      where: { artistId, agencyId: agency.agencyId },
      data: { startsOn: new Date(Date.now() - 30 * DAY) },
    })
    await h.app.rest('POST', `/api/v1/representation-claims/${claim.body.data.id}/accept-handover`, { as: agency, body: {} })
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${requestId}`, { as: newcomer })).status).toBe(200)
    // The agency that handled it keeps its history, but no longer acts for the artist.
    expect((await h.app.rest('GET', `/api/v1/booking-requests/${requestId}`, { as: agency })).status).toBe(200)
    const formerConfirms = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    expect(formerConfirms.status).toBe(403)
    expect(formerConfirms.body.error.code).toBe('not_representing')
    expect((await h.app.db.bookingHold.findUniqueOrThrow({ where: { id: hold.id } })).status).toBe('active')
    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: newcomer })
    expect(confirmed.status).toBe(201)
    expect(confirmed.body.data.agencyId).toBe(newcomer.agencyId)
  })

  it('lets a company with both modules act as the side its agency bridge says', async () => {
    // Not bridged to an agency, holding both sides' permissions: the promoter side passes the agency gate.
    const both = await h.auth.session({
      modules: ['artist', 'promoter'],
      permissions: ['artist.directory.read', 'artist.bookings.read', ...PROMOTER_ACCESS.permissions],
    })
    const artistId = await representedArtist(agency)
    const asked = await h.app.rest('POST', '/api/v1/booking-requests', { as: both, body: { artistId, ...nextSlot() } })
    expect(asked.status).toBe(201)
    expect(asked.body.data.promoterOrgId).toBe(both.orgId)
    const listed = await h.app.rest('GET', `/api/v1/booking-requests?artistId=${artistId}`, { as: both })
    expect(listed.status).toBe(200)
    expect(listed.body.data.items.map((r: { id: string }) => r.id)).toEqual([asked.body.data.id])
    // With artist permissions only, the gate stands.
    const agencyOnly = await h.auth.session({ modules: ['artist', 'promoter'], permissions: ['artist.bookings.read'] })
    expect((await h.app.rest('GET', '/api/v1/booking-requests', { as: agencyOnly })).body.error.code).toBe('agency_not_bridged')
  })
})

describe('through GraphQL and the federation', () => {
  it('runs the pipeline with mutations and exposes Booking as an entity with its venue and companies', async () => {
    const artistId = await representedArtist(agency)
    const venueId = randomUUID()
    const when = nextSlot()
    const req = await h.app.graphql(
      'mutation($input: BookingRequestInput!) { requestBooking(input: $input) { id status promoter { id } venue { id } } }',
      { input: { artistId, ...when, venueId, budget: 900_000, currency: 'USD', dealType: 'FLAT' } },
      { as: promoter },
    )
    expect(req.errors).toBeUndefined()
    expect(req.data.requestBooking).toMatchObject({ status: 'OPEN', promoter: { id: promoter.orgId }, venue: { id: venueId } })
    const offer = await h.app.graphql(
      'mutation($id: ID!) { makeOffer(requestId: $id, input: { fee: 950000, currency: "USD", dealType: FLAT }) { id version madeBy actions } }',
      { id: req.data.requestBooking.id },
      { as: agency },
    )
    expect(offer.data.makeOffer).toMatchObject({ version: 1, madeBy: 'AGENCY', actions: ['WITHDRAW'] })
    const accepted = await h.app.graphql(
      'mutation($id: ID!) { acceptOffer(id: $id) { status request { status holds { id priority status } } } }',
      { id: offer.data.makeOffer.id },
      { as: promoter },
    )
    const holdId = accepted.data.acceptOffer.request.holds[0].id
    const booking = await h.app.graphql(
      'mutation($id: ID!) { confirmHold(id: $id) { id status venue { id } promoter { id } agencyCompany { id } artist { name } } }',
      { id: holdId },
      { as: agency },
    )
    expect(booking.data.confirmHold).toMatchObject({
      status: 'CONFIRMED',
      venue: { id: venueId },
      promoter: { id: promoter.orgId },
      agencyCompany: { id: agency.orgId },
    })

    const entities = await h.app.graphql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { id fee currency request { offers { version } activity { action } } } } }',
      {
        r: [
          { __typename: 'Booking', id: booking.data.confirmHold.id },
          { __typename: 'Booking', id: randomUUID() },
        ],
      },
      { as: promoter },
    )
    expect(entities.data._entities[0]).toMatchObject({ id: booking.data.confirmHold.id, fee: 950_000, currency: 'USD' })
    expect(entities.data._entities[1]).toBeNull()
    const hidden = await h.app.graphql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { id } } }',
      { r: [{ __typename: 'Booking', id: booking.data.confirmHold.id }] },
      { as: rival },
    )
    expect(hidden.data._entities).toEqual([null])
  })

  it('answers an illegal move with CONFLICT naming the current state, a null field, and nothing written', async () => {
    const req = await request(promoter, await representedArtist(agency))
    const v1 = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    const v2 = await h.app.rest('POST', `/api/v1/booking-offers/${v1.body.data.id}/counter`, {
      as: promoter,
      body: { ...flat, fee: 900_000 },
    })
    expect(v2.status).toBe(201)
    const activity = await h.app.db.bookingActivity.count({ where: { requestId: req.id } })

    const stale = await h.app.graphql(
      'mutation($id: ID!) { acceptOffer(id: $id) { id status } }',
      { id: v1.body.data.id },
      { as: promoter },
    )
    expect(stale.data).toEqual({ acceptOffer: null })
    expect(stale.errors).toHaveLength(1)
    expect(stale.errors?.[0]).toMatchObject({
      message: 'cannot accept an offer that is countered',
      path: ['acceptOffer'],
      extensions: { code: 'CONFLICT', reason: 'invalid_transition' },
    })
    expect(await h.app.db.bookingActivity.count({ where: { requestId: req.id } })).toBe(activity)
    expect(await h.app.db.bookingHold.count({ where: { requestId: req.id } })).toBe(0)
    expect((await h.app.db.bookingOffer.findUniqueOrThrow({ where: { id: v1.body.data.id } })).status).toBe('countered')
  })

  it('keeps Artist.bookings and Agency.bookings at a constant SQL statement count', async () => {
    const artists: string[] = []
    for (let i = 0; i < 6; i++) {
      const artistId = await representedArtist(agency, `Nested Booker ${i}`)
      artists.push(artistId)
      const { hold } = await held(promoter, artistId)
      await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    }
    const q = `query($first: Int!) { artists(first: $first, filter: { q: "nested booker" }) { edges { node { name bookings(first: 2) { fee venueName promoter { id } agency { name bookings(first: 2) { id } } } } } } }`
    const count = async (first: number) => {
      const start = h.app.sql.length
      const r = await h.app.graphql(q, { first }, { as: promoter })
      expect(r.errors).toBeUndefined()
      return { r, n: h.app.sql.slice(start).filter((s) => !/^(BEGIN|COMMIT)/.test(s)).length }
    }
    const small = await count(2)
    const large = await count(6)
    expect(large.r.data.artists.edges).toHaveLength(6)
    expect(large.r.data.artists.edges.every((e: { node: { bookings: unknown[] } }) => e.node.bookings.length === 1)).toBe(true)
    expect(large.n).toBe(small.n)
    console.log(`artists → bookings → agency → bookings: ${small.n} SQL statements for 2 artists, ${large.n} for 6`)
  })
})

describe('the pipeline lock', () => {
  it('returns the request as the ORM reads it, every field typed alike (one statement, no read after the lock)', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId, nextSlot(), { message: 'Two sets', dealType: 'flat' })
    await h.app.db.bookingRequest.update({
      where: { id: req.id },
      data: { warnings: ['availability_blocked', 'outside_published_availability'], closedReason: 'kept' },
    })
    const read = await h.app.db.bookingRequest.findUniqueOrThrow({ where: { id: req.id } })
    const locked = await h.app.db.$transaction((tx) => lockRequest(tx, req.id))
    expect(locked).toStrictEqual(read)
    await expect(h.app.db.$transaction((tx) => lockRequest(tx, randomUUID()))).rejects.toMatchObject({ kind: 'not_found' })
  })
})
