// Finance visibility and the handoff audit: Finance's pushed status on both faces behind finance.read, and
// financeLinked: false before it; the internal booking endpoint; handoffs pending → sent (the relay, on the
// machine's NATS) → acknowledged, superseded by a cancellation, one live per booking and side under a race.
import { randomUUID } from 'node:crypto'
import type { NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson, depositScheduleOf, sha256 } from '../src/modules/finance/deal.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines } from './support/booking.ts'
import { contractFor } from './support/contracts.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import {
  deleteStream,
  eventually,
  MACHINE_NATS,
  natsConnection,
  relayOptions,
  startRelay,
  streamMessages,
  uniqueStream,
} from './support/nats.ts'

const h = useHarness()
let agency: Session & { agencyId: string }
let promoter: Session
const { representedArtist, booked, handedOver, managed } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const status = (bookingId: string, over: Record<string, unknown> = {}) => ({
  bookingId,
  side: 'agency',
  financeVersion: 3,
  currency: 'EUR',
  deposits: [{ seq: 1, amount: 500_000, dueOn: '2031-01-10', status: 'paid', paidAt: '2030-12-20T10:00:00.000Z' }],
  invoiced: 1_500_000,
  paid: 500_000,
  balance: 1_000_000,
  settlementStatus: 'none',
  financeRef: 'FIN-1',
  asOf: '2030-12-21T00:00:00.000Z',
  ...over,
})

const FINANCE_QUERY = `query($id: ID!) { booking(id: $id) { id finance { side financeLinked financeMessage
  agreed { fee currency deposit depositSchedule { seq kind amount } }
  status { financeVersion invoiced paid balance settlementStatus deposits { seq amount status dueOn } } } } }`

describe('finance visibility', () => {
  it('says financeLinked: false before Finance sends anything, then shows its status on both faces, per side', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const before = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/finance`, { as: agency })
    expect(before.status).toBe(200)
    expect(before.body.data).toMatchObject({
      side: 'agency',
      financeLinked: false,
      financeMessage: 'not_synced',
      status: null,
      agreed: {
        fee: 1_500_000,
        currency: 'EUR',
        deposit: 500_000,
        depositSchedule: [{ seq: 1, kind: 'flat', amount: 500_000, percent: null, dueOn: null, dueDaysBeforeEvent: null }],
      },
    })
    const gqlBefore = await h.app.graphql(FINANCE_QUERY, { id: booking.id }, { as: agency })
    expect(gqlBefore.data.booking.finance).toMatchObject({ financeLinked: false, financeMessage: 'not_synced', status: null })

    const pushed = await h.app.rest('POST', '/internal/finance/booking-status', { as: 'machine', body: status(booking.id) })
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200)
    expect(pushed.body.data).toMatchObject({ applied: true, financeLinked: true })

    const after = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/finance`, { as: agency })
    expect(after.body.data).toMatchObject({
      financeLinked: true,
      financeMessage: null,
      status: {
        financeVersion: 3,
        invoiced: 1_500_000,
        paid: 500_000,
        balance: 1_000_000,
        settlementStatus: 'none',
        financeRef: 'FIN-1',
        deposits: [{ seq: 1, amount: 500_000, dueOn: '2031-01-10', status: 'paid', paidAt: '2030-12-20T10:00:00.000Z' }],
      },
    })
    const gql = await h.app.graphql(FINANCE_QUERY, { id: booking.id }, { as: agency })
    expect(gql.data.booking.finance).toMatchObject({
      financeLinked: true,
      status: {
        financeVersion: 3,
        balance: 1_000_000,
        settlementStatus: 'NONE',
        deposits: [{ seq: 1, status: 'PAID', dueOn: '2031-01-10' }],
      },
    })
    // The promoter's finance is its own: nothing arrived for that side.
    const promoterSide = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/finance`, { as: promoter })
    expect(promoterSide.body.data).toMatchObject({ side: 'promoter', financeLinked: false, financeMessage: 'not_synced' })
  })

  it("needs a finance permission on both faces, and Finance's machine key to push", async () => {
    const buyer = await h.auth.session({
      modules: ['promoter'],
      permissions: PROMOTER_ACCESS.permissions.filter((p) => !p.startsWith('promoter.finance.')),
    })
    const { booking } = await booked(buyer, await representedArtist())
    const rest = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/finance`, { as: buyer })
    expect(rest.status).toBe(403)
    expect(rest.body.error.message).toContain('promoter.finance.read')
    const gql = await h.app.graphql(
      `query($id: ID!) { booking(id: $id) { id finance { financeLinked } } }`,
      { id: booking.id },
      { as: buyer },
    )
    expect(gql.data.booking).toEqual({ id: booking.id, finance: null })
    expect(gql.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN'])
    expect((await h.app.rest('POST', '/internal/finance/booking-status', { as: agency, body: status(booking.id) })).status).toBe(403)
    expect(await h.app.db.bookingFinanceSnapshot.count({ where: { bookingId: booking.id } })).toBe(0)
  })

  it('reads Booking.finance for a list of bookings in one query, whatever their number', async () => {
    const buyer = await h.auth.session(PROMOTER_ACCESS)
    const financeQueries = async (count: number) => {
      const before = h.app.sql.length
      const r = await h.app.graphql(
        `query($n: Int) { bookings(first: $n) { edges { node { id finance { financeLinked agreed { fee } status { paid } } } } } }`,
        { n: count },
        { as: buyer },
      )
      expect(r.errors).toBeUndefined()
      expect(r.data.bookings.edges).toHaveLength(count)
      return h.app.sql.slice(before).filter((q) => q.includes('booking_finance_snapshots')).length
    }
    for (let i = 0; i < 4; i++) {
      const { booking } = await booked(buyer, await representedArtist())
      if (i % 2)
        await h.app.rest('POST', '/internal/finance/booking-status', { as: 'machine', body: status(booking.id, { side: 'promoter' }) })
    }
    expect(await financeQueries(1)).toBe(1)
    expect(await financeQueries(4)).toBe(1)
  })

  it("is idempotent on Finance's version: a replay changes nothing, an older version is 409 and changes nothing", async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const push = (over: Record<string, unknown>) =>
      h.app.rest('POST', '/internal/finance/booking-status', { as: 'machine', body: status(booking.id, over) })
    expect((await push({ financeVersion: 5, paid: 700_000 })).body.data.applied).toBe(true)
    const replay = await push({ financeVersion: 5, paid: 999 })
    expect(replay.status).toBe(200)
    expect(replay.body.data).toMatchObject({ applied: false, status: { financeVersion: 5, paid: 700_000 } })
    const older = await push({ financeVersion: 4, paid: 1 })
    expect(older.status).toBe(409)
    expect(older.body.error.code).toBe('stale_finance_version')
    expect((await push({ financeVersion: 6, settlementStatus: 'settled' })).body.data.status).toMatchObject({
      financeVersion: 6,
      settlementStatus: 'settled',
    })
    const stored = await h.app.db.bookingFinanceSnapshot.findMany({ where: { bookingId: booking.id } })
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ financeVersion: 6, paid: 500_000n, settlementStatus: 'settled' })
    expect((await push({ bookingId: randomUUID() })).status).toBe(404)
    const invalid = await push({ side: 'finance', invoiced: -1 })
    expect(invalid.status).toBe(400)
  })

  it('serves Finance the booking: parties, artist, dates, venue, terms, deposit schedule, contract and whether it is signed', async () => {
    const artistId = await representedArtist()
    const { booking } = await booked(promoter, artistId)
    const contract = await contractFor(h.app, agency, promoter, booking.id)
    const r = await h.app.rest('GET', `/internal/bookings/${booking.id}`, { as: 'machine' })
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({
      bookingId: booking.id,
      status: 'confirmed',
      parties: { promoterOrgId: promoter.orgId, agencyId: agency.agencyId, agencyOrgIds: [agency.orgId] },
      artist: { id: artistId },
      venue: { id: null, name: 'Sala Apolo' },
      terms: { fee: 1_500_000, currency: 'EUR', dealType: 'flat', deposit: 500_000, startsAt: booking.startsAt },
      contract: { id: contract.id, status: 'signed', signed: true, contentHash: contract.current.contentHash },
    })
    expect((await h.app.rest('GET', `/internal/bookings/${booking.id}`, { as: agency })).status).toBe(403)
    expect((await h.app.rest('GET', `/internal/bookings/${randomUUID()}`, { as: 'machine' })).status).toBe(404)
  })

  it("shows the booking's deposit terms as its schedule, in order; a booking without terms its deposit as one flat term", () => {
    const depositTerms = [
      { seq: 2, kind: 'percent' as const, amount: 300_000n, percent: 20, dueOn: null, dueDaysBeforeEvent: 30 },
      {
        seq: 1,
        kind: 'flat' as const,
        amount: 100_000n,
        percent: null,
        dueOn: new Date('2031-01-10T00:00:00.000Z'),
        dueDaysBeforeEvent: null,
      },
    ]
    expect(depositScheduleOf({ deposit: 400_000n, depositTerms })).toEqual([
      { seq: 1, kind: 'flat', amount: 100_000, percent: null, dueOn: '2031-01-10', dueDaysBeforeEvent: null },
      { seq: 2, kind: 'percent', amount: 300_000, percent: 20, dueOn: null, dueDaysBeforeEvent: 30 },
    ])
    expect(depositScheduleOf({ deposit: 500_000n, depositTerms: [] })).toEqual([
      { seq: 1, kind: 'flat', amount: 500_000, percent: null, dueOn: null, dueDaysBeforeEvent: null },
    ])
    expect(depositScheduleOf({ deposit: null })).toEqual([])
  })
})

describe('the handoff audit', () => {
  let nc: NatsConnection
  const s = uniqueStream()
  beforeAll(async () => {
    nc = await natsConnection(MACHINE_NATS)
  })
  afterAll(async () => {
    await deleteStream(nc, s.stream)
    await nc?.close()
  })

  it('runs pending → sent → acknowledged, and a cancellation supersedes it with the next handoff in the same transaction', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const url = `/api/v1/bookings/${booking.id}/finance-handoffs`

    await contractFor(h.app, agency, promoter, booking.id, false)
    const unsigned = await h.app.rest('POST', url, { as: agency, body: {} })
    expect(unsigned.status).toBe(409)
    expect(unsigned.body.error.code).toBe('contract_not_signed')
    expect(await h.app.db.financeHandoff.count({ where: { bookingId: booking.id } })).toBe(0)
    expect((await h.app.rest('POST', url, { as: agency, body: { force: true } })).status).toBe(400)

    const forced = await h.app.rest('POST', url, {
      as: agency,
      body: { force: true, forceReason: 'Promoter signs on paper', note: 'first' },
    })
    expect(forced.status, JSON.stringify(forced.body)).toBe(201)
    const handoff = forced.body.data
    expect(handoff).toMatchObject({
      side: 'agency',
      version: 1,
      status: 'pending',
      reason: 'handover',
      force: true,
      forceReason: 'Promoter signs on paper',
    })
    const stored = await h.app.db.financeHandoff.findUniqueOrThrow({ where: { id: handoff.id } })
    expect(stored.payloadHash).toBe(sha256(canonicalJson(stored.payload)))
    expect(stored.payload).toMatchObject({ bookingId: booking.id, contract: { signed: false, status: 'sent' } })

    const second = await h.app.rest('POST', url, { as: agency, body: { force: true, forceReason: 'again' } })
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('handoff_exists')

    // The relay publishes the request: the handoff is sent.
    const relay = startRelay(relayOptions(h.database.url, MACHINE_NATS, s))
    try {
      await eventually(
        async () => (await h.app.db.financeHandoff.findUniqueOrThrow({ where: { id: handoff.id } })).status === 'sent',
        20_000,
        'the handoff to be sent',
      )
    } finally {
      await relay.stop()
    }
    const messages = await streamMessages(nc, s.stream)
    expect(
      messages.filter((m) => m.subject === `${s.subjectPrefix}.finance.handoff.requested`).map((m) => m.body.payload.handoffId),
    ).toEqual([handoff.id])

    const pulled = await h.app.rest('GET', '/internal/finance/handoffs?status=sent', { as: 'machine' })
    expect(pulled.body.data.items.map((x: { id: string }) => x.id)).toContain(handoff.id)
    const fromFinance = await h.app.rest('GET', `/internal/finance/handoffs/${handoff.id}`, { as: 'machine' })
    expect(fromFinance.body.data.payloadHash).toBe(stored.payloadHash)
    const ack = await h.app.rest('POST', `/internal/finance/handoffs/${handoff.id}/ack`, { as: 'machine', body: { financeRef: 'FIN-77' } })
    expect(ack.status).toBe(200)
    expect(ack.body.data).toMatchObject({ status: 'acknowledged', financeRef: 'FIN-77' })
    const again = await h.app.rest('POST', `/internal/finance/handoffs/${handoff.id}/reject`, { as: 'machine', body: { reason: 'late' } })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('invalid_transition')
    expect((await h.app.rest('POST', `/internal/finance/handoffs/${handoff.id}/ack`, { as: agency, body: {} })).status).toBe(403)

    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: promoter, body: { reason: 'Venue closed' } })
    expect(cancelled.status).toBe(200)
    const list = await h.app.rest('GET', url, { as: agency })
    expect(list.body.data.map((x: { version: number; status: string; reason: string }) => [x.version, x.status, x.reason])).toEqual([
      [2, 'pending', 'cancellation'],
      [1, 'superseded', 'handover'],
    ])
    expect(list.body.data[1].events.map((e: { type: string }) => e.type)).toEqual(['requested', 'sent', 'acknowledged', 'superseded'])
    expect(list.body.data[0].events.map((e: { type: string }) => e.type)).toEqual(['requested'])
    const next = await h.app.db.financeHandoff.findFirstOrThrow({ where: { bookingId: booking.id, version: 2 } })
    expect(next.payload).toMatchObject({ status: 'cancelled', contract: { status: 'void' } })
    const events = await h.app.db.outboxEvent.findMany({
      where: { aggregateType: 'finance_handoff', payload: { path: ['bookingId'], equals: booking.id } },
      orderBy: { seq: 'asc' },
    })
    expect(events.map((e) => e.eventType)).toEqual([
      'finance.handoff.requested',
      'finance.handoff.acknowledged',
      'finance.handoff.superseded',
      'finance.handoff.cancel_requested',
    ])
    // The promoter's side has no handoff of its own.
    expect((await h.app.rest('GET', url, { as: promoter })).body.data).toEqual([])

    await expect(h.app.db.$executeRaw`UPDATE finance_handoffs SET payload = '{}'::jsonb WHERE id = ${handoff.id}::uuid`).rejects.toThrow(
      /immutable/,
    )
    await expect(h.app.db.$executeRaw`DELETE FROM finance_handoff_events WHERE handoff_id = ${handoff.id}::uuid`).rejects.toThrow(
      /append-only/,
    )
  })

  it("is asked for by the side acting on the booking only: the artist's management and a former agency are refused and leave nothing", async () => {
    const artistId = await representedArtist()
    const { booking } = await booked(promoter, artistId)
    const url = `/api/v1/bookings/${booking.id}/finance-handoffs`
    const body = { force: true, forceReason: 'paper contract' }
    // The artist's management reads the booking, and does not act on it for the agency that books the artist.
    const management = await agencySession(h.auth, h.app.db)
    await managed(artistId, management)
    expect((await h.app.rest('GET', `/api/v1/bookings/${booking.id}`, { as: management })).status).toBe(200)
    const managing = await h.app.rest('POST', url, { as: management, body })
    expect(managing.status, JSON.stringify(managing.body)).toBe(403)
    expect(managing.body.error.code).toBe('not_representing')
    // After a handover the booking stays the agency's it is credited to, which no longer acts on it: refused as well.
    const newcomer = await agencySession(h.auth, h.app.db)
    await handedOver(artistId, newcomer, agency)
    const former = await h.app.rest('POST', url, { as: agency, body })
    expect(former.status, JSON.stringify(former.body)).toBe(403)
    expect(former.body.error.code).toBe('not_representing')
    expect(await h.app.db.financeHandoff.count({ where: { bookingId: booking.id } })).toBe(0)
    // The agency representing the artist now hands it over.
    expect((await h.app.rest('POST', url, { as: newcomer, body })).status).toBe(201)
  })

  it('keeps one live handoff per booking and side under a race, over GraphQL too', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    await contractFor(h.app, agency, promoter, booking.id)
    const mutation = `mutation($id: ID!) { handOffBookingToFinance(bookingId: $id) { id status version payloadHash events { type } } }`
    const results = await Promise.all(Array.from({ length: 8 }, () => h.app.graphql(mutation, { id: booking.id }, { as: agency })))
    const won = results.filter((r) => r.data?.handOffBookingToFinance)
    expect(won).toHaveLength(1)
    expect(won[0]!.data.handOffBookingToFinance).toMatchObject({ status: 'PENDING', version: 1, events: [{ type: 'REQUESTED' }] })
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(7)
    expect(await h.app.db.financeHandoff.count({ where: { bookingId: booking.id } })).toBe(1)
    expect(
      await h.app.db.outboxEvent.count({
        where: { eventType: 'finance.handoff.requested', payload: { path: ['bookingId'], equals: booking.id } },
      }),
    ).toBe(1)

    const read = await h.app.graphql(
      `query($id: ID!) { booking(id: $id) { financeHandoffs { version status reason } } }`,
      { id: booking.id },
      { as: agency },
    )
    expect(read.data.booking.financeHandoffs).toEqual([{ version: 1, status: 'PENDING', reason: 'HANDOVER' }])
    // The promoter's side hands over on its own account.
    const promoterSide = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/finance-handoffs`, { as: promoter, body: {} })
    expect(promoterSide.status).toBe(201)
    expect(promoterSide.body.data).toMatchObject({ side: 'promoter', version: 1 })
  })
})
