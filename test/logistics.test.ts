// Itinerary, day sheets, iCal feeds and logistics proposals: the promoter submits a hotel, the management asks
// for changes, the promoter resubmits, the agency approves and the day sheet shows the hotel; stale decisions,
// one open submission per subject, supersession, cancellation withdrawing open submissions, validation, and
// nobody outside the deal seeing anything (404) on every read, on both faces.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGeo, validationFields } from './support/fixtures.ts'

const h = useHarness()
let dealer: AgencySession
let manager: AgencySession
let outsider: AgencySession
let promoter: Session
let otherPromoter: Session
let cityId: string

const { representedArtist } = pipelines(
  () => h.app,
  () => dealer,
)

/** A management claim, approved by the platform when needed. */
async function manage(as: AgencySession, artistId: string) {
  const claim = await h.app.rest('POST', '/api/v1/representation-claims', { as, body: { artistId, role: 'management' } })
  expect(claim.status, JSON.stringify(claim.body)).toBe(201)
  if (claim.body.data.status === 'pending') {
    const ok = await h.app.rest('POST', `/internal/admin/representation-claims/${claim.body.data.id}/approve`, { as: 'machine', body: {} })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
  }
}

/** A confirmed booking in Madrid (Europe/Madrid) of an artist the dealer represents and the manager manages. */
async function madridBooking(withCity = true) {
  const artistId = await representedArtist(dealer, `Logistics ${randomUUID().slice(0, 6)}`)
  await manage(manager, artistId)
  const when = nextSlot()
  const req = await h.app.rest('POST', '/api/v1/booking-requests', {
    as: promoter,
    body: {
      artistId,
      ...when,
      venueName: 'La Riviera',
      ...(withCity ? { cityId } : { city: 'Nowhere' }),
      countryCode: 'ES',
      budget: 1_200_000,
      currency: 'EUR',
    },
  })
  expect(req.status, JSON.stringify(req.body)).toBe(201)
  const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.body.data.id}/offers`, { as: dealer, body: flat })
  await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
  const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.body.data.id}`, { as: promoter })
  const booking = await h.app.rest('POST', `/api/v1/booking-holds/${detail.body.data.holds[0].id}/confirm`, { as: dealer })
  expect(booking.status, JSON.stringify(booking.body)).toBe(201)
  return {
    artistId,
    booking: booking.body.data as { id: string; startsAt: string; cityId: string | null },
    showDay: when.startsAt.slice(0, 10),
  }
}

const hotel = (showDay: string, over: Record<string, unknown> = {}) => {
  const next = new Date(Date.parse(showDay) + 86_400_000).toISOString().slice(0, 10)
  return {
    hotelName: 'Hotel Only You',
    address: 'Calle de Barquillo 21, Madrid',
    checkInOn: showDay,
    checkOutOn: next,
    checkInTime: '14:00',
    nights: 1,
    rooms: [{ type: 'double', count: 2 }],
    ...over,
  }
}

const rowsOf = async (submissionId: string) => ({
  events: await h.app.db.logisticsEvent.count({ where: { submissionId } }),
  versions: await h.app.db.logisticsSubmissionVersion.count({ where: { submissionId } }),
  outbox: await h.app.db.outboxEvent.count({ where: { aggregateId: submissionId } }),
  submission: await h.app.db.logisticsSubmission.findUniqueOrThrow({ where: { id: submissionId } }),
})

beforeAll(async () => {
  dealer = await agencySession(h.auth, h.app.db)
  manager = await agencySession(h.auth, h.app.db)
  outsider = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  otherPromoter = await h.auth.session(PROMOTER_ACCESS)
  cityId = (await seedGeo(h.app.db)).madrid.id
})

describe('logistics proposals', () => {
  it('a promoter submits a hotel, the management requests changes, the promoter resubmits, the agency approves and the day sheet shows the hotel', async () => {
    const { booking, showDay } = await madridBooking()
    const created = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/logistics-submissions`, {
      as: promoter,
      body: { category: 'hotel', payload: hotel(showDay, { checkInTime: '15:00' }), submit: true, respondBy: '2020-01-01T00:00:00.000Z' },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const s = created.body.data
    expect(s).toMatchObject({ status: 'submitted', category: 'hotel', subjectKey: 'hotel', currentVersion: 1, overdue: true })
    expect(s.versions[0].payloadHash).toMatch(/^[0-9a-f]{64}$/)

    // The inbox shows it to the artist side, as overdue.
    const inbox = await h.app.rest('GET', `/api/v1/logistics-submissions?status=submitted&overdue=true&bookingId=${booking.id}`, {
      as: manager,
    })
    expect(inbox.body.data.items.map((x: { id: string }) => x.id)).toEqual([s.id])

    const changes = await h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/request-changes`, {
      as: manager,
      body: { version: 1, payloadHash: s.versions[0].payloadHash, note: 'Check in at 14:00, the band arrives early' },
    })
    expect(changes.status, JSON.stringify(changes.body)).toBe(200)
    expect(changes.body.data).toMatchObject({ status: 'changes_requested', decidedSide: 'management' })

    const resubmitted = await h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/resubmit`, {
      as: promoter,
      body: { payload: hotel(showDay), note: 'Early check-in arranged' },
    })
    expect(resubmitted.status, JSON.stringify(resubmitted.body)).toBe(200)
    expect(resubmitted.body.data).toMatchObject({ status: 'submitted', currentVersion: 2, decidedAt: null })
    const v2 = resubmitted.body.data.versions[1]

    // Deciding on the version the manager saw is stale now, and writes nothing.
    const before = await rowsOf(s.id)
    const stale = await h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/approve`, {
      as: dealer,
      body: { version: 1, payloadHash: s.versions[0].payloadHash },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('stale_version')
    const wrongHash = await h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/approve`, {
      as: dealer,
      body: { version: 2, payloadHash: s.versions[0].payloadHash },
    })
    expect(wrongHash.body.error.code).toBe('stale_version')
    expect(await rowsOf(s.id)).toEqual(before)
    expect(await h.app.db.itineraryItem.count({ where: { bookingId: booking.id } })).toBe(0)

    const approved = await h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/approve`, {
      as: dealer,
      body: { version: 2, payloadHash: v2.payloadHash },
    })
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
    expect(approved.body.data).toMatchObject({ status: 'approved', decidedSide: 'agency', overdue: false })
    expect(approved.body.data.events.map((e: { type: string }) => e.type)).toEqual([
      'created',
      'submitted',
      'changes_requested',
      'resubmitted',
      'approved',
    ])

    // The day sheet shows the hotel, in Madrid time, to both sides.
    for (const as of [promoter, dealer, manager]) {
      const sheet = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/day-sheet?date=${showDay}`, { as })
      expect(sheet.status, JSON.stringify(sheet.body)).toBe(200)
      expect(sheet.body.data.timezone).toBe('Europe/Madrid')
      const checkIn = sheet.body.data.items.find((i: { kind: string }) => i.kind === 'hotel_checkin')
      expect(checkIn).toMatchObject({ title: 'Check-in: Hotel Only You', confirmed: true, visibility: 'shared', sourceSubmissionId: s.id })
      expect(checkIn.localStartsAt).toMatch(new RegExp(`^${showDay}T14:00:00\\.000\\+01:00$`))
    }

    const outbox = await h.app.db.outboxEvent.findMany({ where: { aggregateId: s.id }, orderBy: { seq: 'asc' } })
    expect(outbox.map((e) => e.eventType)).toEqual([
      'logistics.submission.created',
      'logistics.submission.submitted',
      'logistics.submission.changes_requested',
      'logistics.submission.resubmitted',
      'logistics.submission.approved',
    ])
    expect(outbox[4]!.orgIds).toEqual(expect.arrayContaining([promoter.orgId, dealer.orgId, manager.orgId]))
    expect(
      await h.app.db.outboxEvent.count({
        where: { eventType: 'itinerary.added', payload: { path: ['sourceSubmissionId'], equals: s.id } },
      }),
    ).toBe(2)
  })

  it('validates payloads by category, naming the field, and writes nothing', async () => {
    const { booking, showDay } = await madridBooking()
    const path = `/api/v1/bookings/${booking.id}/logistics-submissions`
    const count = () => h.app.db.logisticsSubmission.count({ where: { bookingId: booking.id } })
    expect(
      validationFields(
        await h.app.rest('POST', path, { as: promoter, body: { category: 'hotel', payload: hotel(showDay, { nights: 3 }) } }),
      ).map((f) => f.field),
    ).toContain('payload.nights')
    const { nights: _n, ...noNights } = hotel(showDay)
    expect(
      validationFields(await h.app.rest('POST', path, { as: promoter, body: { category: 'hotel', payload: noNights } })).map(
        (f) => f.field,
      ),
    ).toContain('payload.nights')
    expect(
      validationFields(await h.app.rest('POST', path, { as: promoter, body: { category: 'flight', payload: { legs: [] } } })).map(
        (f) => f.field,
      ),
    ).toContain('payload.legs')
    expect(
      validationFields(
        await h.app.rest('POST', path, {
          as: promoter,
          body: { category: 'hotel', payload: hotel(showDay, { timezone: 'Mars/Olympus' }) },
        }),
      ).map((f) => f.field),
    ).toContain('payload.timezone')
    expect(await count()).toBe(0)
  })

  it('keeps one open submission per booking, category and subject; a later approval supersedes the approved one and its items', async () => {
    const { booking, showDay } = await madridBooking()
    const path = `/api/v1/bookings/${booking.id}/logistics-submissions`
    const first = (await h.app.rest('POST', path, { as: promoter, body: { category: 'hotel', payload: hotel(showDay), submit: true } }))
      .body.data
    const again = await h.app.rest('POST', path, { as: promoter, body: { category: 'hotel', payload: hotel(showDay) } })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('submission_open')
    const other = await h.app.rest('POST', path, {
      as: promoter,
      body: { category: 'hotel', subjectKey: 'hotel:crew', payload: hotel(showDay) },
    })
    expect(other.status).toBe(201)

    const approve = (s: { id: string; currentVersion: number; versions: { payloadHash: string }[] }) =>
      h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/approve`, {
        as: dealer,
        body: { version: s.currentVersion, payloadHash: s.versions[s.versions.length - 1]!.payloadHash },
      })
    expect((await approve(first)).status).toBe(200)
    const second = (
      await h.app.rest('POST', path, {
        as: promoter,
        body: { category: 'hotel', payload: hotel(showDay, { hotelName: 'Hotel Urban' }), submit: true },
      })
    ).body.data
    expect((await approve(second)).status).toBe(200)
    expect((await h.app.rest('GET', `/api/v1/logistics-submissions/${first.id}`, { as: promoter })).body.data.status).toBe('superseded')
    const items = await h.app.db.itineraryItem.findMany({ where: { bookingId: booking.id } })
    expect(items.map((i) => i.sourceSubmissionId)).toEqual([second.id, second.id])

    // Approving twice, or the promoter deciding: refused, nothing written.
    const twice = await approve({ ...second, currentVersion: 1 })
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('invalid_transition')
    const byPromoter = await h.app.rest('POST', `/api/v1/logistics-submissions/${other.body.data.id}/approve`, {
      as: promoter,
      body: { version: 1, payloadHash: other.body.data.versions[0].payloadHash },
    })
    expect(byPromoter.status).toBe(403)
    const byDealer = await h.app.rest('POST', path, { as: dealer, body: { category: 'other', payload: { title: 'x', description: 'y' } } })
    expect(byDealer.status).toBe(403)
  })

  it('edits a draft into a new version, submits it, and the promoter withdraws', async () => {
    const { booking, showDay } = await madridBooking()
    const draft = (
      await h.app.rest('POST', `/api/v1/bookings/${booking.id}/logistics-submissions`, {
        as: promoter,
        body: { category: 'hotel', payload: hotel(showDay) },
      })
    ).body.data
    expect(draft.status).toBe('draft')
    const edited = await h.app.rest('PATCH', `/api/v1/logistics-submissions/${draft.id}`, {
      as: promoter,
      body: { payload: hotel(showDay, { rooms: [{ type: 'single', count: 5 }] }), note: 'five singles' },
    })
    expect(edited.body.data).toMatchObject({ status: 'draft', currentVersion: 2 })
    // A decision on a draft is not possible.
    const early = await h.app.rest('POST', `/api/v1/logistics-submissions/${draft.id}/reject`, {
      as: dealer,
      body: { version: 2, payloadHash: edited.body.data.versions[1].payloadHash, note: 'no' },
    })
    expect(early.body.error.code).toBe('invalid_transition')
    const noNote = await h.app.rest('POST', `/api/v1/logistics-submissions/${draft.id}/reject`, {
      as: dealer,
      body: { version: 2, payloadHash: edited.body.data.versions[1].payloadHash },
    })
    expect(validationFields(noNote).map((f) => f.field)).toEqual(['note'])
    expect(
      (await h.app.rest('POST', `/api/v1/logistics-submissions/${draft.id}/submit`, { as: promoter, body: {} })).body.data.status,
    ).toBe('submitted')
    expect(
      (await h.app.rest('PATCH', `/api/v1/logistics-submissions/${draft.id}`, { as: promoter, body: { note: 'late' } })).body.error.code,
    ).toBe('invalid_transition')
    const withdrawn = await h.app.rest('POST', `/api/v1/logistics-submissions/${draft.id}/withdraw`, { as: promoter, body: {} })
    expect(withdrawn.body.data.status).toBe('withdrawn')
    // Versions and the log are append-only.
    await expect(
      h.app.db.logisticsSubmissionVersion.updateMany({ where: { submissionId: draft.id }, data: { changeNote: 'x' } }),
    ).rejects.toThrow()
    await expect(h.app.db.logisticsEvent.deleteMany({ where: { submissionId: draft.id } })).rejects.toThrow()
  })

  it('cancelling the booking withdraws its open submissions in the same transaction; an approved one stays', async () => {
    const { booking, showDay } = await madridBooking()
    const path = `/api/v1/bookings/${booking.id}/logistics-submissions`
    const draft = (
      await h.app.rest('POST', path, {
        as: promoter,
        body: { category: 'catering', payload: { meals: [{ kind: 'dinner', headcount: 8 }] } },
      })
    ).body.data
    const submitted = (
      await h.app.rest('POST', path, {
        as: promoter,
        body: { category: 'guest_list', payload: { guests: [{ name: 'Ana' }] }, submit: true },
      })
    ).body.data
    const hotelOne = (await h.app.rest('POST', path, { as: promoter, body: { category: 'hotel', payload: hotel(showDay), submit: true } }))
      .body.data
    await h.app.rest('POST', `/api/v1/logistics-submissions/${hotelOne.id}/approve`, {
      as: manager,
      body: { version: 1, payloadHash: hotelOne.versions[0].payloadHash },
    })
    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: dealer, body: { reason: 'venue closed' } })
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
    const after = await h.app.rest('GET', path, { as: promoter })
    const statusOf = (id: string) => after.body.data.find((s: { id: string }) => s.id === id).status
    expect([statusOf(draft.id), statusOf(submitted.id), statusOf(hotelOne.id)]).toEqual(['withdrawn', 'withdrawn', 'approved'])
    const last = await h.app.db.logisticsEvent.findFirstOrThrow({ where: { submissionId: submitted.id }, orderBy: { seq: 'desc' } })
    expect(last).toMatchObject({ type: 'withdrawn', actorType: 'system', note: 'the booking was cancelled' })
    const refused = await h.app.rest('POST', path, {
      as: promoter,
      body: { category: 'hotel', subjectKey: 'hotel:b', payload: hotel(showDay) },
    })
    expect(refused.body.error.code).toBe('booking_cancelled')
  })
})

describe('races and retries', () => {
  it('ends an 8-way race for one subject in one 201 and clean 409s, and an 8-way approval in one winner', async () => {
    const { booking, showDay } = await madridBooking()
    const path = `/api/v1/bookings/${booking.id}/logistics-submissions`
    const racers = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.app.rest('POST', path, { as: promoter, body: { category: 'hotel', payload: hotel(showDay), submit: true } }),
      ),
    )
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409])
    expect(racers.filter((r) => r.status === 409).every((r) => r.body.error.code === 'submission_open')).toBe(true)
    const s = racers.find((r) => r.status === 201)!.body.data
    const decisions = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/${i % 2 ? 'approve' : 'reject'}`, {
          as: i % 3 ? dealer : manager,
          body: { version: 1, payloadHash: s.versions[0].payloadHash, note: 'race' },
        }),
      ),
    )
    expect(decisions.filter((r) => r.status === 200)).toHaveLength(1)
    expect(decisions.filter((r) => r.status === 409).every((r) => r.body.error.code === 'invalid_transition')).toBe(true)
    const decided = await h.app.db.logisticsEvent.count({ where: { submissionId: s.id, type: { in: ['approved', 'rejected'] } } })
    expect(decided).toBe(1)
  })

  it('replays a retried create with the same Idempotency-Key, on both faces, and refuses bad GraphQL input by field', async () => {
    const { booking, showDay } = await madridBooking()
    const key = randomUUID()
    const send = () =>
      h.app.rest('POST', `/api/v1/bookings/${booking.id}/logistics-submissions`, {
        as: promoter,
        body: { category: 'hotel', subjectKey: 'hotel:crew', payload: hotel(showDay) },
        headers: { 'idempotency-key': key },
      })
    const first = await send()
    const retry = await send()
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(retry.body.data.id).toBe(first.body.data.id)
    expect(await h.app.db.logisticsSubmission.count({ where: { bookingId: booking.id } })).toBe(1)

    const m = `mutation($b: ID!, $in: LogisticsSubmissionInput!) { createLogisticsSubmission(bookingId: $b, input: $in) { id } }`
    const bad = await h.app.graphql(
      m,
      { b: booking.id, in: { category: 'FLIGHT', payload: { legs: [{ from: 'MAD' }] } } },
      { as: promoter },
    )
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    const fields = (bad.errors?.[0]?.extensions?.fields as { field: string }[]).map((f) => f.field)
    expect(fields).toEqual(expect.arrayContaining(['payload.legs.0.to', 'payload.legs.0.departsAt', 'payload.legs.0.flightNumber']))
    const gKey = randomUUID()
    const run = () =>
      h.app.graphql(
        m,
        { b: booking.id, in: { category: 'OTHER', payload: { title: 'Parking', description: 'Two vans' } } },
        { as: promoter, headers: { 'idempotency-key': gKey } },
      )
    const [a, b] = [await run(), await run()]
    expect(b.data.createLogisticsSubmission.id).toBe(a.data.createLogisticsSubmission.id)
    expect(await h.app.db.logisticsSubmission.count({ where: { bookingId: booking.id } })).toBe(2)
  })
})

describe('itinerary and day sheet', () => {
  it('keeps items in the booking city zone, hides artist-side items from the promoter, and validates zones', async () => {
    const { booking, showDay } = await madridBooking()
    const path = `/api/v1/bookings/${booking.id}/itinerary-items`
    const add = (body: Record<string, unknown>, as: Session = dealer) => h.app.rest('POST', path, { as, body })
    const set = await add({
      kind: 'set',
      title: 'Headline set',
      startsAt: `${showDay}T21:30:00.000Z`,
      endsAt: `${showDay}T23:00:00.000Z`,
      visibility: 'shared',
    })
    expect(set.status, JSON.stringify(set.body)).toBe(201)
    expect(set.body.data).toMatchObject({ timezone: 'Europe/Madrid', dayOn: showDay, localStartsAt: `${showDay}T22:30:00.000+01:00` })
    const lobby = await add(
      { kind: 'lobby_call', title: 'Lobby call', startsAt: `${showDay}T16:00:00.000Z`, timezone: 'Europe/Lisbon' },
      manager,
    )
    expect(lobby.status).toBe(201)
    expect(lobby.body.data.localStartsAt).toBe(`${showDay}T16:00:00.000+00:00`)

    expect(
      validationFields(await add({ kind: 'set', title: 'x', startsAt: `${showDay}T21:00:00Z`, timezone: 'Nowhere/City' })).map(
        (f) => f.field,
      ),
    ).toEqual(['timezone'])
    expect(
      validationFields(await add({ kind: 'set', title: 'x', startsAt: `${showDay}T21:00:00Z`, endsAt: `${showDay}T20:00:00Z` })).map(
        (f) => f.field,
      ),
    ).toEqual(['endsAt'])
    expect((await add({ kind: 'set', title: 'x', startsAt: `${showDay}T21:00:00Z` }, promoter)).status).toBe(403)
    expect((await add({ kind: 'set', title: 'x', startsAt: `${showDay}T21:00:00Z` }, outsider)).status).toBe(404)

    const ids = async (as: Session) =>
      (await h.app.rest('GET', `/api/v1/bookings/${booking.id}/itinerary`, { as })).body.data.map((i: { id: string }) => i.id)
    expect(await ids(dealer)).toEqual([lobby.body.data.id, set.body.data.id])
    expect(await ids(promoter)).toEqual([set.body.data.id])
    expect((await h.app.rest('GET', `/api/v1/itinerary-items/${lobby.body.data.id}`, { as: promoter })).status).toBe(404)

    const shared = await h.app.rest('PATCH', `/api/v1/itinerary-items/${lobby.body.data.id}`, {
      as: dealer,
      body: { visibility: 'shared', confirmed: true },
    })
    expect(shared.body.data).toMatchObject({ visibility: 'shared', confirmed: true })
    expect(await ids(promoter)).toEqual([lobby.body.data.id, set.body.data.id])
    expect((await h.app.rest('DELETE', `/api/v1/itinerary-items/${lobby.body.data.id}`, { as: dealer })).status).toBe(200)
    expect(await ids(promoter)).toEqual([set.body.data.id])
    // Shared with the promoter, the item is news to it: an addition of its own beside the artist side's change.
    expect(
      (await h.app.db.outboxEvent.findMany({ where: { aggregateId: lobby.body.data.id }, orderBy: { seq: 'asc' } })).map((e) => [
        e.eventType,
        e.orgIds.includes(promoter.orgId),
      ]),
    ).toEqual([
      ['itinerary.added', false],
      ['itinerary.changed', false],
      ['itinerary.added', true],
      ['itinerary.removed', true],
    ])

    // GraphQL: the same day sheet, through a fragment, variables and @include.
    const q = `query($id: ID!, $d: Date, $withItems: Boolean!) { booking(id: $id) { id daySheet(date: $d) { ...Sheet } itinerary { id } } }
      fragment Sheet on DaySheet { date timezone items @include(if: $withItems) { id kind localStartsAt visibility } }`
    const g = await h.app.graphql(q, { id: booking.id, d: showDay, withItems: true }, { as: promoter })
    expect(g.errors).toBeUndefined()
    expect(g.data.booking.daySheet).toEqual({
      date: showDay,
      timezone: 'Europe/Madrid',
      items: [{ id: set.body.data.id, kind: 'SET', localStartsAt: `${showDay}T22:30:00.000+01:00`, visibility: 'SHARED' }],
    })
    expect(g.data.booking.itinerary).toEqual([{ id: set.body.data.id }])
  })

  it('requires a zone when the booking city has none', async () => {
    const { booking, showDay } = await madridBooking(false)
    const r = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/itinerary-items`, {
      as: dealer,
      body: { kind: 'doors', title: 'Doors', startsAt: `${showDay}T19:00:00Z` },
    })
    expect(validationFields(r).map((f) => f.field)).toEqual(['timezone'])
    const sheet = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/day-sheet`, { as: dealer })
    expect(sheet.body.data).toMatchObject({ timezone: 'UTC', date: showDay, items: [] })
  })
})

describe('nobody outside the deal', () => {
  it('sees an item or a submission: 404 on every read, on both faces', async () => {
    const { booking, showDay } = await madridBooking()
    const s = (
      await h.app.rest('POST', `/api/v1/bookings/${booking.id}/logistics-submissions`, {
        as: promoter,
        body: { category: 'hotel', payload: hotel(showDay), submit: true },
      })
    ).body.data
    const item = (
      await h.app.rest('POST', `/api/v1/bookings/${booking.id}/itinerary-items`, {
        as: dealer,
        body: { kind: 'soundcheck', title: 'Soundcheck', startsAt: `${showDay}T17:00:00Z`, visibility: 'shared' },
      })
    ).body.data
    const reads = [
      `/api/v1/bookings/${booking.id}/logistics-submissions`,
      `/api/v1/logistics-submissions/${s.id}`,
      `/api/v1/bookings/${booking.id}/itinerary`,
      `/api/v1/itinerary-items/${item.id}`,
      `/api/v1/bookings/${booking.id}/day-sheet`,
    ]
    for (const path of reads) {
      for (const as of [promoter, dealer, manager]) expect((await h.app.rest('GET', path, { as })).status, path).toBe(200)
      for (const as of [outsider, otherPromoter]) expect((await h.app.rest('GET', path, { as })).status, path).toBe(404)
    }
    for (const as of [outsider, otherPromoter]) {
      const inbox = await h.app.rest('GET', '/api/v1/logistics-submissions', { as })
      expect(inbox.body.data.items.map((x: { id: string }) => x.id)).not.toContain(s.id)
      const g = await h.app.graphql(`query($s: ID!) { logisticsSubmission(id: $s) { id } }`, { s: s.id }, { as })
      expect(g.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
      const gi = await h.app.graphql(`query($i: ID!) { itineraryItem(id: $i) { id } }`, { i: item.id }, { as })
      expect(gi.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
      const inboxQ = await h.app.graphql(`{ logisticsSubmissions(first: 50) { edges { node { id } } } }`, {}, { as })
      expect(inboxQ.data.logisticsSubmissions.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(s.id)
    }
    // Deciding or withdrawing from outside: 404, nothing written.
    const before = await rowsOf(s.id)
    expect(
      (
        await h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/approve`, {
          as: outsider,
          body: { version: 1, payloadHash: s.versions[0].payloadHash },
        })
      ).status,
    ).toBe(404)
    expect((await h.app.rest('POST', `/api/v1/logistics-submissions/${s.id}/withdraw`, { as: otherPromoter, body: {} })).status).toBe(404)
    expect(await rowsOf(s.id)).toEqual(before)
  })
})

describe('GraphQL', () => {
  it('runs the approval flow with Booking.logistics, and STALE_VERSION on a stale decision', async () => {
    const { booking, showDay } = await madridBooking()
    const create = await h.app.graphql(
      `mutation($b: ID!, $in: LogisticsSubmissionInput!) { createLogisticsSubmission(bookingId: $b, input: $in) { id status currentVersion versions { version payloadHash } } }`,
      { b: booking.id, in: { category: 'HOTEL', payload: hotel(showDay), submit: true } },
      { as: promoter, headers: { 'idempotency-key': randomUUID() } },
    )
    expect(create.errors).toBeUndefined()
    const s = create.data.createLogisticsSubmission
    expect(s.status).toBe('SUBMITTED')
    const decide = (name: string, version: number, payloadHash: string, as: Session) =>
      h.app.graphql(
        `mutation($id: ID!, $in: LogisticsDecisionInput!) { ${name}(id: $id, input: $in) { id status decidedSide } }`,
        { id: s.id, in: { version, payloadHash, note: 'please' } },
        { as },
      )
    const stale = await decide('approveLogistics', 2, s.versions[0].payloadHash, dealer)
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'stale_version' })
    const ok = await decide('approveLogistics', 1, s.versions[0].payloadHash, manager)
    expect(ok.errors).toBeUndefined()
    expect(ok.data.approveLogistics).toMatchObject({ status: 'APPROVED', decidedSide: 'MANAGEMENT' })
    const read = await h.app.graphql(
      `query($id: ID!) { booking(id: $id) { logistics(category: HOTEL) { id status overdue events { type actorSide } } itinerary { kind } } }`,
      { id: booking.id },
      { as: promoter },
    )
    expect(read.errors).toBeUndefined()
    expect(read.data.booking.logistics).toEqual([
      {
        id: s.id,
        status: 'APPROVED',
        overdue: false,
        events: [
          { type: 'CREATED', actorSide: 'PROMOTER' },
          { type: 'SUBMITTED', actorSide: 'PROMOTER' },
          { type: 'APPROVED', actorSide: 'MANAGEMENT' },
        ],
      },
    ])
    expect(read.data.booking.itinerary.map((i: { kind: string }) => i.kind)).toEqual(['HOTEL_CHECKIN', 'HOTEL_CHECKOUT'])
  })
})

describe('iCal feeds', () => {
  it('serves an artist feed behind a hashed, rotatable, revocable token, with money only when asked and allowed', async () => {
    const { artistId, booking } = await madridBooking()
    const created = await h.app.rest('POST', '/api/v1/calendar-feeds', { as: dealer, body: { artistId } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const { token, url, id } = created.body.data
    expect(await h.app.db.calendarFeed.count({ where: { tokenHash: token } })).toBe(0)

    const ics = await fetch(`${h.app.url}${url}`)
    expect(ics.status).toBe(200)
    expect(ics.headers.get('content-type')).toMatch(/^text\/calendar/)
    const body = await ics.text()
    expect(body).toMatch(/^BEGIN:VCALENDAR/)
    expect(body).toContain(`UID:booking-${booking.id}@kisum`)
    expect(body).not.toContain('Fee')

    // A poll of an unchanged feed is a 304 without a body; a change to what it shows gives a new ETag.
    const etag = ics.headers.get('etag') as string
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/)
    const again = await fetch(`${h.app.url}${url}`, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    await h.app.rest('POST', `/api/v1/bookings/${booking.id}/itinerary-items`, {
      as: dealer,
      body: { kind: 'press', title: 'Radio interview', startsAt: booking.startsAt },
    })
    const changed = await fetch(`${h.app.url}${url}`, { headers: { 'if-none-match': etag } })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).not.toBe(etag)
    expect(await changed.text()).toContain('Radio interview')

    // The list never shows the token again.
    const list = await h.app.rest('GET', '/api/v1/calendar-feeds', { as: dealer })
    expect(list.body.data).toHaveLength(1)
    expect(list.body.data[0].token).toBeUndefined()

    const rotated = await h.app.rest('POST', `/api/v1/calendar-feeds/${id}/rotate`, { as: dealer, body: { includeFinancials: true } })
    expect(rotated.status).toBe(200)
    expect((await fetch(`${h.app.url}${url}`)).status).toBe(404)
    const withFee = await (await fetch(`${h.app.url}${rotated.body.data.url}`)).text()
    // RFC 5545 folds long lines and escapes commas in text.
    expect(withFee.replaceAll('\r\n ', '').replaceAll('\\,', ',')).toContain('Fee: €15,000.00')

    // Someone else's feed is not there to rotate; money needs a finance permission; an outsider's artist: 404.
    expect((await h.app.rest('POST', `/api/v1/calendar-feeds/${id}/revoke`, { as: manager })).status).toBe(404)
    const reader = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.bookings.read'], orgId: promoter.orgId })
    const noMoney = await h.app.rest('POST', '/api/v1/calendar-feeds', { as: reader, body: { artistId, includeFinancials: true } })
    expect(noMoney.status).toBe(403)
    expect(noMoney.body.error.code).toBe('financials_not_allowed')
    expect((await h.app.rest('POST', '/api/v1/calendar-feeds', { as: outsider, body: { artistId } })).status).toBe(404)
    expect((await h.app.rest('POST', '/api/v1/calendar-feeds', { as: otherPromoter, body: { artistId } })).status).toBe(404)

    const g = await h.app.graphql(`mutation($id: ID!) { revokeCalendarFeed(id: $id) { status token } }`, { id }, { as: dealer })
    expect(g.data.revokeCalendarFeed).toEqual({ status: 'REVOKED', token: null })
    expect((await fetch(`${h.app.url}${rotated.body.data.url}`)).status).toBe(404)
    expect((await h.app.rest('POST', `/api/v1/calendar-feeds/${id}/rotate`, { as: dealer, body: {} })).body.error.code).toBe(
      'invalid_transition',
    )
    expect((await fetch(`${h.app.url}/api/v1/calendar/not-a-token.ics`)).status).toBe(400)
    expect((await h.app.db.outboxEvent.findMany({ where: { aggregateId: id }, orderBy: { seq: 'asc' } })).map((e) => e.eventType)).toEqual([
      'calendar.feed.created',
      'calendar.feed.rotated',
      'calendar.feed.revoked',
    ])
  })

  it("serves a tour feed: the tour's shows with their itinerary and its other stops, for the artist side only", async () => {
    const { artistId, booking, showDay } = await madridBooking()
    const other = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/itinerary-items`, {
      as: dealer,
      body: { kind: 'load_in', title: 'Load-in', startsAt: `${showDay}T14:00:00Z` },
    })
    expect(other.status).toBe(201)
    const tour = await h.app.rest('POST', '/api/v1/tours', {
      as: dealer,
      body: {
        artistId,
        name: 'Winter run',
        startsOn: showDay,
        endsOn: new Date(Date.parse(showDay) + 5 * 86_400_000).toISOString().slice(0, 10),
      },
    })
    expect(tour.status, JSON.stringify(tour.body)).toBe(201)
    const tourId = tour.body.data.id
    expect((await h.app.rest('POST', `/api/v1/tours/${tourId}/stops`, { as: dealer, body: { bookingId: booking.id } })).status).toBe(201)
    const offDay = new Date(Date.parse(showDay) + 86_400_000).toISOString().slice(0, 10)
    expect(
      (await h.app.rest('POST', `/api/v1/tours/${tourId}/stops`, { as: dealer, body: { date: offDay, kind: 'day_off', label: 'Day off' } }))
        .status,
    ).toBe(201)
    // Another show of the artist, outside the tour, stays out of the tour feed.
    const { booking: outside } = await (async () => {
      const req = await h.app.rest('POST', '/api/v1/booking-requests', {
        as: promoter,
        body: { artistId, ...nextSlot(), venueName: 'Elsewhere', cityId, countryCode: 'ES', budget: 1_000_000, currency: 'EUR' },
      })
      const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.body.data.id}/offers`, { as: dealer, body: flat })
      await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
      const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.body.data.id}`, { as: promoter })
      return {
        booking: (await h.app.rest('POST', `/api/v1/booking-holds/${detail.body.data.holds[0].id}/confirm`, { as: dealer })).body.data,
      }
    })()

    const created = await h.app.graphql(
      `mutation($in: CalendarFeedInput!) { createCalendarFeed(input: $in) { tourId artistId url } }`,
      { in: { tourId } },
      { as: manager },
    )
    expect(created.errors).toBeUndefined()
    expect(created.data.createCalendarFeed).toMatchObject({ tourId, artistId })
    const body = (await (await fetch(`${h.app.url}${created.data.createCalendarFeed.url}`)).text()).replaceAll('\r\n ', '')
    expect(body).toContain('X-WR-CALNAME:Winter run (Kisum)')
    expect(body).toContain(`UID:booking-${booking.id}@kisum`)
    expect(body).toContain(`UID:itinerary-${other.body.data.id}@kisum`)
    expect(body).toContain(`DTSTART;VALUE=DATE:${offDay.replaceAll('-', '')}`)
    expect(body).not.toContain(outside.id)

    for (const as of [promoter, outsider]) {
      expect((await h.app.rest('POST', '/api/v1/calendar-feeds', { as, body: { tourId } })).status).toBe(404)
    }
    expect(
      validationFields(await h.app.rest('POST', '/api/v1/calendar-feeds', { as: dealer, body: { artistId, tourId } })).map((f) => f.field),
    ).toEqual(['tourId'])
  })
})
