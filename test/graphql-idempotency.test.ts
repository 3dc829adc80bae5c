// Idempotency-Key on GraphQL mutations, directly and through a real gateway: a retried mutation acts once and
// replays the first answer (marked), a key reused for another payload is refused, a retry arriving while the
// first call still runs is told to wait, a failed call frees its key — the REST rules, on the same storage.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { startGateway, type Gateway } from './support/gateway.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let gateway: Gateway
const { representedArtist, request, held } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  gateway = await startGateway({
    subgraphUrl: `${h.app.url}/graphql`,
    companies: [
      { id: agency.orgId, name: 'Sonar Booking SL' },
      { id: promoter.orgId, name: 'Live Nation Iberia' },
    ],
  })
})
afterAll(async () => {
  await gateway?.stop()
})

const REQUEST_BOOKING = `mutation Request($input: BookingRequestInput!) { requestBooking(input: $input) { id status artist { id } } }`
const MAKE_OFFER = `mutation Offer($id: ID!, $fee: Int!) { makeOffer(requestId: $id, input: { fee: $fee, currency: "EUR", dealType: FLAT }) { id version } }`
const CONFIRM = `mutation Confirm($id: ID!) { confirmHold(id: $id) { id status } }`

const key = () => `gql-${randomUUID()}`
const withKey = (as: Session, k: string) => ({ headers: { ...as.headers, 'idempotency-key': k } })
const bookingInput = (artistId: string, when = nextSlot()) => ({
  artistId,
  ...when,
  venueName: 'Sala Apolo',
  city: 'Barcelona',
  countryCode: 'ES',
})

/**
 * Locks the artist's row, as an update of the artist would: a new booking request's foreign-key check waits
 * on it, so the first call stays in flight until `release`.
 */
async function holdArtistRow(artistId: string) {
  const client = new pg.Client({ connectionString: h.database.url })
  await client.connect()
  await client.query('BEGIN')
  await client.query('SELECT 1 FROM artists WHERE id = $1 FOR UPDATE', [artistId])
  let released = false
  return async () => {
    if (released) return
    released = true
    await client.query('COMMIT')
    await client.end()
  }
}

async function untilInFlight(k: string) {
  for (let i = 0; i < 200; i++) {
    if (await h.app.db.idempotencyRecord.findFirst({ where: { key: k, statusCode: null } })) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`no call in flight with key ${k}`)
}

describe('directly on the subgraph', () => {
  it('acts once for a retried requestBooking and replays the first answer, marked', async () => {
    const artistId = await representedArtist(agency)
    const k = key()
    const input = bookingInput(artistId)
    const first = await h.app.graphql(REQUEST_BOOKING, { input }, withKey(promoter, k))
    expect(first.errors).toBeUndefined()
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    const again = await h.app.graphql(REQUEST_BOOKING, { input }, withKey(promoter, k))
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.data).toEqual(first.data)
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)
    // Without a key the same call is a new request (another slot, so the first does not collide).
    const plain = await h.app.graphql(REQUEST_BOOKING, { input: bookingInput(artistId) }, { as: promoter })
    expect(plain.data.requestBooking.id).not.toBe(first.data.requestBooking.id)
  })

  it('refuses the key for a changed payload, writing nothing', async () => {
    const artistId = await representedArtist(agency)
    const k = key()
    await h.app.graphql(REQUEST_BOOKING, { input: bookingInput(artistId) }, withKey(promoter, k))
    const changed = await h.app.graphql(REQUEST_BOOKING, { input: bookingInput(artistId) }, withKey(promoter, k))
    expect(changed.status).toBe(200)
    expect(changed.data).toEqual({ requestBooking: null })
    expect(changed.errors?.[0]).toMatchObject({
      path: ['requestBooking'],
      extensions: { code: 'BAD_USER_INPUT', reason: 'idempotency_key_reused' },
    })
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)
    // The same key on the REST face is another request too: one store, one set of rules.
    const rest = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: bookingInput(artistId),
      headers: { 'idempotency-key': k },
    })
    expect(rest.status).toBe(400)
    expect(rest.body.error.code).toBe('idempotency_key_reused')
  })

  it('tells a retry arriving while the first call runs to wait (CONFLICT), then replays the answer', async () => {
    const artistId = await representedArtist(agency)
    const k = key()
    const input = bookingInput(artistId)
    const release = await holdArtistRow(artistId)
    const first = h.app.graphql(REQUEST_BOOKING, { input }, withKey(promoter, k))
    try {
      await untilInFlight(k)
      const early = await h.app.graphql(REQUEST_BOOKING, { input }, withKey(promoter, k))
      expect(early.data).toEqual({ requestBooking: null })
      expect(early.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'idempotency_in_progress' })
      // The first call is still held: the refusal did not come from a race with its end.
      expect(await h.app.db.idempotencyRecord.findFirst({ where: { key: k } })).toMatchObject({ statusCode: null })
    } finally {
      await release()
    }
    const done = await first
    expect(done.errors).toBeUndefined()
    const late = await h.app.graphql(REQUEST_BOOKING, { input }, withKey(promoter, k))
    expect(late.headers.get('idempotent-replayed')).toBe('true')
    expect(late.data).toEqual(done.data)
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)
  })

  it('frees the key of a failed call, so the corrected call runs', async () => {
    const artistId = await representedArtist(agency)
    const k = key()
    const slot = nextSlot()
    const failed = await h.app.graphql(
      REQUEST_BOOKING,
      { input: { ...bookingInput(artistId), startsAt: slot.endsAt, endsAt: slot.startsAt } },
      withKey(promoter, k),
    )
    expect(failed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(await h.app.db.idempotencyRecord.count({ where: { key: k } })).toBe(0)
    const fixed = await h.app.graphql(REQUEST_BOOKING, { input: bookingInput(artistId, slot) }, withKey(promoter, k))
    expect(fixed.errors).toBeUndefined()
    expect(fixed.headers.get('idempotent-replayed')).toBeNull()
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)
  })

  it('replays a state change (confirmHold) instead of refusing it the second time', async () => {
    const { hold } = await held(promoter, await representedArtist(agency))
    const k = key()
    const first = await h.app.graphql(CONFIRM, { id: hold.id }, withKey(agency, k))
    const again = await h.app.graphql(CONFIRM, { id: hold.id }, withKey(agency, k))
    expect(first.data.confirmHold).toMatchObject({ status: 'CONFIRMED' })
    expect(again.data).toEqual(first.data)
    const plain = await h.app.graphql(CONFIRM, { id: hold.id }, { as: agency })
    expect(plain.errors?.[0]?.extensions?.code).toBe('CONFLICT')
  })

  it('leaves queries alone: a gateway forwards the key to every fetch of a plan, entity fetches included', async () => {
    const k = key()
    const r = await h.app.graphql('{ artists(first: 1) { totalCount } }', {}, withKey(promoter, k))
    expect(r.errors).toBeUndefined()
    expect(r.headers.get('idempotent-replayed')).toBeNull()
    expect(await h.app.db.idempotencyRecord.count({ where: { key: k } })).toBe(0)
  })

  it('refuses a key on an operation with two mutation fields, running neither', async () => {
    const artistId = await representedArtist(agency)
    const two = await h.app.graphql(
      `mutation($a: BookingRequestInput!, $b: BookingRequestInput!) { a: requestBooking(input: $a) { id } b: requestBooking(input: $b) { id } }`,
      { a: bookingInput(artistId), b: bookingInput(artistId) },
      withKey(promoter, key()),
    )
    expect(two.status).toBe(400)
    expect(two.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'idempotency_key_scope' })
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(0)
  })
})

describe('through the gateway (which propagates idempotency-key)', () => {
  it('acts once for a retried makeOffer, and hands the replay mark back to the client', async () => {
    const req = await request(promoter, await representedArtist(agency))
    const k = key()
    const headers = { ...agency.headers, 'idempotency-key': k }
    const first = await gateway.query(MAKE_OFFER, { id: req.id, fee: flat.fee }, headers)
    expect(first.errors).toBeUndefined()
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    const again = await gateway.query(MAKE_OFFER, { id: req.id, fee: flat.fee }, headers)
    expect(again.data).toEqual(first.data)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await h.app.db.bookingOffer.count({ where: { requestId: req.id } })).toBe(1)

    const changed = await gateway.query(MAKE_OFFER, { id: req.id, fee: flat.fee + 1 }, headers)
    expect(changed.data).toEqual({ makeOffer: null })
    expect(changed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'idempotency_key_reused' })
    expect(await h.app.db.bookingOffer.count({ where: { requestId: req.id } })).toBe(1)
  })

  it('answers a retry that arrives while the first call runs with CONFLICT, and the first answer afterwards', async () => {
    const artistId = await representedArtist(agency)
    const k = key()
    const headers = { ...promoter.headers, 'idempotency-key': k }
    const input = bookingInput(artistId)
    // The plan: the mutation here, then the promoter's name from the Auth subgraph.
    const op = `mutation Request($input: BookingRequestInput!) { requestBooking(input: $input) { id status promoter { name } } }`
    const release = await holdArtistRow(artistId)
    const first = gateway.query(op, { input }, headers)
    try {
      await untilInFlight(k)
      const early = await gateway.query(op, { input }, headers)
      expect(early.status).toBe(200)
      expect(early.data).toEqual({ requestBooking: null })
      expect(early.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'idempotency_in_progress' })
      // The first call is still held: the refusal did not come from a race with its end.
      expect(await h.app.db.idempotencyRecord.findFirst({ where: { key: k } })).toMatchObject({ statusCode: null })
    } finally {
      await release()
    }
    const done = await first
    expect(done.errors).toBeUndefined()
    expect(done.data.requestBooking.promoter).toEqual({ name: 'Live Nation Iberia' })
    const late = await gateway.query(op, { input }, headers)
    expect(late.data).toEqual(done.data)
    expect(late.headers.get('idempotent-replayed')).toBe('true')
    expect(await h.app.db.bookingRequest.count({ where: { artistId } })).toBe(1)
  })
})
