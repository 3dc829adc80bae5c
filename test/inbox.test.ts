// The screens' reads: who am I, the inbox filters on requests, offers, holds and bookings, and the badge
// counts, each on both faces; a badge equals the total of the list it opens, lapses included.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { contractFor } from './support/contracts.ts'
import { AGENCY_ACCESS, agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
const HOUR = 3_600_000
const DAY = 24 * HOUR

let agency: AgencySession
const { representedArtist, request, held, booked } = pipelines(
  () => h.app,
  () => agency,
)

/** A fresh agency and promoter, so that counts and lists hold only what a test made. */
async function parties() {
  agency = await agencySession(h.auth, h.app.db)
  const promoter = await h.auth.session(PROMOTER_ACCESS)
  const artistId = await representedArtist(agency)
  return { promoter, artistId }
}

const ids = (r: { body: { data: { items: { id: string }[] } } }) => r.body.data.items.map((i) => i.id).sort()
const nodes = (conn: { edges: { node: { id: string } }[] }) => conn.edges.map((e) => e.node.id).sort()
const sorted = (...xs: string[]) => [...xs].sort()

async function offer(requestId: string, body: Record<string, unknown> = flat) {
  const r = await h.app.rest('POST', `/api/v1/booking-requests/${requestId}/offers`, { as: agency, body })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body.data as { id: string }
}

describe('who am I', () => {
  it('answers an agency-side user of a bridged company on both faces', async () => {
    agency = await agencySession(h.auth, h.app.db)
    const rest = await h.app.rest('GET', '/api/v1/me', { as: agency })
    expect(rest.status, JSON.stringify(rest.body)).toBe(200)
    expect(rest.body.data).toMatchObject({
      userId: agency.userId,
      companyId: agency.orgId,
      modules: ['artist'],
      sides: ['agency'],
      bookingSide: 'agency',
      bridged: true,
      agencyId: agency.agencyId,
      agency: { id: agency.agencyId },
      permissions: AGENCY_ACCESS.permissions,
    })
    expect(rest.body.data.rules).toEqual(expect.arrayContaining(['viewer.read', 'bookings.manage', 'contracts.sign']))
    expect(rest.body.data.rules).not.toContain('platform.operate')

    const gql = await h.app.graphql(
      `{ viewer { userId user { id } companyId company { id } modules sides bookingSide bridged agencyId agency { id name } permissions rules } }`,
      {},
      { as: agency },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.viewer).toMatchObject({
      userId: agency.userId,
      user: { id: agency.userId },
      company: { id: agency.orgId },
      modules: ['ARTIST'],
      sides: ['AGENCY'],
      bookingSide: 'AGENCY',
      bridged: true,
      agency: { id: agency.agencyId },
      permissions: rest.body.data.permissions,
      rules: rest.body.data.rules,
    })
  })

  it('answers a promoter (refused by myAgency) and an agency-side company not bridged yet', async () => {
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    expect((await h.app.rest('GET', '/api/v1/me/agency', { as: promoter })).status).toBe(403)
    const me = await h.app.rest('GET', '/api/v1/me', { as: promoter })
    expect(me.body.data).toMatchObject({ sides: ['promoter'], bookingSide: 'promoter', bridged: false, agency: null, agencyId: null })
    expect(me.body.data.rules).toContain('bookings.manage')

    const unbridged = await h.auth.session(AGENCY_ACCESS)
    const gql = await h.app.graphql(`{ viewer { companyId sides bookingSide bridged agency { id } rules } }`, {}, { as: unbridged })
    expect(gql.errors).toBeUndefined()
    expect(gql.data.viewer).toMatchObject({
      companyId: unbridged.orgId,
      sides: ['AGENCY'],
      bookingSide: 'AGENCY',
      bridged: false,
      agency: null,
    })
    // The agency gate stands before agency-side work: the app knows not to offer it.
    expect(gql.data.viewer.rules).toContain('agency.provision')
    expect(gql.data.viewer.rules).not.toContain('bookings.read')

    const nobody = await h.auth.session({ modules: ['finance'], permissions: [] })
    expect((await h.app.rest('GET', '/api/v1/me', { as: nobody })).status).toBe(403)
    expect((await h.app.rest('GET', '/api/v1/me')).status).toBe(401)
  })
})

describe('inbox filters', () => {
  it('takes several statuses per filter: REST comma-separated or repeated, GraphQL a list (a single value still works)', async () => {
    const { promoter, artistId } = await parties()
    const open = await request(promoter, artistId)
    const negotiating = await request(promoter, artistId)
    await offer(negotiating.id)
    const withdrawn = await request(promoter, artistId)
    await h.app.rest('POST', `/api/v1/booking-requests/${withdrawn.id}/withdraw`, { as: promoter, body: {} })

    const both = await h.app.rest('GET', '/api/v1/booking-requests?status=open,negotiating', { as: agency })
    expect(ids(both)).toEqual(sorted(open.id, negotiating.id))
    const repeated = await h.app.rest('GET', '/api/v1/booking-requests?status=open&status=withdrawn', { as: agency })
    expect(ids(repeated)).toEqual(sorted(open.id, withdrawn.id))
    const bad = await h.app.rest('GET', '/api/v1/booking-requests?status=open,nonsense', { as: agency })
    expect(bad.status).toBe(400)
    expect(bad.body.error.fields[0].field).toMatch(/^status/)

    const q = `query($s: [BookingRequestStatus!]) { bookingRequests(filter: { status: $s }) { totalCount edges { node { id } } } }`
    const gql = await h.app.graphql(q, { s: ['OPEN', 'NEGOTIATING'] }, { as: agency })
    expect(gql.errors).toBeUndefined()
    expect(nodes(gql.data.bookingRequests)).toEqual(sorted(open.id, negotiating.id))
    const single = await h.app.graphql(`{ bookingRequests(filter: { status: WITHDRAWN }) { edges { node { id } } } }`, {}, { as: agency })
    expect(nodes(single.data.bookingRequests)).toEqual([withdrawn.id])

    const offers = await h.app.graphql(`{ bookingOffers(filter: { status: [OPEN, ACCEPTED] }) { totalCount } }`, {}, { as: agency })
    expect(offers.data.bookingOffers.totalCount).toBe(1)
    expect((await h.app.rest('GET', '/api/v1/booking-offers?status=open,accepted', { as: agency })).body.data.total).toBe(1)
  })

  it('"awaiting me" on requests: the agency answers open requests; a negotiation waits for the side that did not make the open offer', async () => {
    const { promoter, artistId } = await parties()
    const unanswered = await request(promoter, artistId)
    const offered = await request(promoter, artistId)
    await offer(offered.id)

    const agencyTurn = await h.app.rest('GET', '/api/v1/booking-requests?awaitingMe=true', { as: agency })
    expect(ids(agencyTurn)).toEqual([unanswered.id])
    const promoterTurn = await h.app.graphql(
      `{ bookingRequests(filter: { awaitingMe: true }) { edges { node { id } } } }`,
      {},
      { as: promoter },
    )
    expect(nodes(promoterTurn.data.bookingRequests)).toEqual([offered.id])
    const notMine = await h.app.rest('GET', '/api/v1/booking-requests?awaitingMe=false', { as: promoter })
    expect(ids(notMine)).toEqual([unanswered.id])
  })

  it('"awaiting me" and "sent by" on offers', async () => {
    const { promoter, artistId } = await parties()
    const req = await request(promoter, artistId)
    const first = await offer(req.id)
    const counter = await h.app.rest('POST', `/api/v1/booking-offers/${first.id}/counter`, {
      as: promoter,
      body: { ...flat, fee: 1_300_000 },
    })
    expect(counter.status).toBe(201)

    expect(ids(await h.app.rest('GET', '/api/v1/booking-offers?awaitingMe=true', { as: agency }))).toEqual([counter.body.data.id])
    expect(ids(await h.app.rest('GET', '/api/v1/booking-offers?awaitingMe=true', { as: promoter }))).toEqual([])
    expect(ids(await h.app.rest('GET', '/api/v1/booking-offers?sentBy=agency', { as: promoter }))).toEqual([first.id])
    const gql = await h.app.graphql(
      `{ mine: bookingOffers(filter: { sentBy: PROMOTER }) { edges { node { id madeBy promoter { id } agency { id } } } }
         waiting: bookingOffers(filter: { awaitingMe: true }) { totalCount } }`,
      {},
      { as: promoter },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.mine.edges).toEqual([
      { node: { id: counter.body.data.id, madeBy: 'PROMOTER', promoter: { id: promoter.orgId }, agency: { id: agency.agencyId } } },
    ])
    expect(gql.data.waiting.totalCount).toBe(0)
  })

  it('"awaiting me" and "expiring before" on holds; "sent by" a company on requests', async () => {
    const { promoter, artistId } = await parties()
    const other = await h.auth.session(PROMOTER_ACCESS)
    const soon = await held(promoter, artistId)
    // The second hold is placed a day later: it expires a day after the first.
    h.app.clock.advance(DAY)
    const later = await held(other, artistId, nextSlot(200))
    const before = new Date(Date.parse(soon.hold.expiresAt) + HOUR).toISOString()

    expect(ids(await h.app.rest('GET', `/api/v1/booking-holds?expiringBefore=${before}`, { as: agency }))).toEqual([soon.hold.id])
    expect(ids(await h.app.rest('GET', '/api/v1/booking-holds?awaitingMe=true', { as: promoter }))).toEqual([])
    expect(ids(await h.app.rest('GET', '/api/v1/booking-holds?awaitingMe=true', { as: agency }))).toHaveLength(2)
    const bySoonest = await h.app.rest('GET', '/api/v1/booking-holds?sort=expires_at&order=desc', { as: agency })
    expect(bySoonest.body.data.items.map((i: { id: string }) => i.id)).toEqual([later.hold.id, soon.hold.id])
    const gql = await h.app.graphql(
      `query($b: DateTime) { bookingHolds(filter: { expiringBefore: $b, awaitingMe: true }) { edges { node { id promoter { id } updatedAt } } } }`,
      { b: before },
      { as: agency },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.bookingHolds.edges).toEqual([
      { node: { id: soon.hold.id, promoter: { id: promoter.orgId }, updatedAt: expect.any(String) } },
    ])

    const fromOther = await h.app.rest('GET', `/api/v1/booking-requests?promoterOrgId=${other.orgId}`, { as: agency })
    expect(ids(fromOther)).toEqual([later.requestId])
  })

  it('sorts by event date, creation, update or expiry, ascending or descending', async () => {
    const { promoter, artistId } = await parties()
    const late = await request(promoter, artistId, nextSlot(300), { expiresAt: null })
    const early = await request(promoter, artistId, nextSlot(100), { expiresAt: new Date(Date.now() + 10 * DAY).toISOString() })

    const byEvent = await h.app.rest('GET', '/api/v1/booking-requests?sort=event_date', { as: agency })
    expect(byEvent.body.data.items.map((i: { id: string }) => i.id)).toEqual([early.id, late.id])
    const byEventDesc = await h.app.rest('GET', '/api/v1/booking-requests?sort=event_date&order=desc', { as: agency })
    expect(byEventDesc.body.data.items.map((i: { id: string }) => i.id)).toEqual([late.id, early.id])
    // Newest first by default; no expiry sorts last either way.
    const byExpiry = await h.app.graphql(
      `{ a: bookingRequests(filter: { sort: EXPIRES_AT }) { edges { node { id } } }
         d: bookingRequests(filter: { sort: EXPIRES_AT, order: DESC }) { edges { node { id } } }
         c: bookingRequests(filter: { sort: CREATED_AT, order: ASC }) { edges { node { id updatedAt } } } }`,
      {},
      { as: agency },
    )
    expect(byExpiry.errors).toBeUndefined()
    expect(byExpiry.data.a.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([early.id, late.id])
    expect(byExpiry.data.d.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([early.id, late.id])
    expect(byExpiry.data.c.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([late.id, early.id])
    const bad = await h.app.rest('GET', '/api/v1/booking-requests?sort=fee', { as: agency })
    expect(bad.status).toBe(400)

    const b1 = await booked(promoter, artistId, nextSlot(400))
    const b2 = await booked(promoter, artistId, nextSlot(500))
    const bookings = await h.app.rest('GET', '/api/v1/bookings?sort=event_date&order=desc&status=confirmed,cancelled', { as: promoter })
    expect(bookings.body.data.items.map((i: { id: string }) => i.id)).toEqual([b2.booking.id, b1.booking.id])
    expect((await h.app.rest('GET', '/api/v1/bookings?sort=expires_at', { as: promoter })).status).toBe(400)
  })
})

describe('badge counts', () => {
  const countsQuery = `query($h: Int) { inboxCounts(input: { expiringWithinHours: $h }) {
    side requestsAwaitingAnswer offersAwaitingMe holdsExpiringSoon holdsExpiringBefore signaturesNeeded } }`

  async function counts(as: Session, hours?: number) {
    const rest = await h.app.rest('GET', `/api/v1/inbox/counts${hours ? `?expiringWithinHours=${hours}` : ''}`, { as })
    expect(rest.status, JSON.stringify(rest.body)).toBe(200)
    const gql = await h.app.graphql(countsQuery, hours ? { h: hours } : {}, { as })
    expect(gql.errors).toBeUndefined()
    const { side, holdsExpiringBefore, ...numbers } = gql.data.inboxCounts
    expect(side).toBe(rest.body.data.side.toUpperCase())
    expect(Math.abs(Date.parse(holdsExpiringBefore) - Date.parse(rest.body.data.holdsExpiringBefore))).toBeLessThan(60_000)
    const { side: _s, holdsExpiringBefore: _h, asOf: _a, ...restNumbers } = rest.body.data
    expect(numbers).toEqual(restNumbers)
    return numbers as {
      requestsAwaitingAnswer: number
      offersAwaitingMe: number
      holdsExpiringSoon: number
      signaturesNeeded: number | null
    }
  }

  it('requests awaiting an answer: the agency the open requests it answers, the promoter its own waiting ones', async () => {
    const { promoter, artistId } = await parties()
    await request(promoter, artistId)
    const answered = await request(promoter, artistId)
    await offer(answered.id)
    expect((await counts(agency)).requestsAwaitingAnswer).toBe(1)
    expect((await counts(promoter)).requestsAwaitingAnswer).toBe(1)
    const list = await h.app.rest('GET', '/api/v1/booking-requests?status=open&awaitingMe=true', { as: agency })
    expect(list.body.data.total).toBe(1)
  })

  it('offers awaiting me, with a lapse applied exactly as the list reads it', async () => {
    const { promoter, artistId } = await parties()
    const req = await request(promoter, artistId)
    await offer(req.id, { ...flat, expiresAt: new Date(h.app.clock.now().getTime() + 2 * HOUR).toISOString() })
    const req2 = await request(promoter, artistId)
    await offer(req2.id)
    expect(await counts(promoter)).toMatchObject({ offersAwaitingMe: 2 })
    expect((await counts(agency)).offersAwaitingMe).toBe(0)

    h.app.clock.advance(3 * HOUR)
    const after = await counts(promoter)
    expect(after.offersAwaitingMe).toBe(1)
    const list = await h.app.graphql(`{ bookingOffers(filter: { awaitingMe: true }) { totalCount } }`, {}, { as: promoter })
    expect(list.data.bookingOffers.totalCount).toBe(after.offersAwaitingMe)
  })

  it('holds expiring soon, within the window asked for', async () => {
    const { promoter, artistId } = await parties()
    await held(promoter, artistId) // seven days of hold
    expect((await counts(agency)).holdsExpiringSoon).toBe(0)
    expect((await counts(agency, 8 * 24)).holdsExpiringSoon).toBe(1)
    h.app.clock.advance(6 * DAY)
    expect((await counts(promoter)).holdsExpiringSoon).toBe(1)
    h.app.clock.advance(2 * DAY) // lapsed: expired, no longer expiring
    expect((await counts(promoter)).holdsExpiringSoon).toBe(0)
    const list = await h.app.rest('GET', '/api/v1/booking-holds?status=expired', { as: promoter })
    expect(list.body.data.total).toBe(1)
  })

  it('signatures needed: the side whose signer is next, and none once signed; null without contracts.read', async () => {
    const { promoter, artistId } = await parties()
    const { booking } = await booked(promoter, artistId)
    const contract = await contractFor(h.app, agency, promoter, booking.id, false)
    // Sequential: the buyer signs first.
    expect((await counts(promoter)).signaturesNeeded).toBe(1)
    expect((await counts(agency)).signaturesNeeded).toBe(0)
    const awaiting = await h.app.rest('GET', '/api/v1/contracts?awaitingMe=true', { as: promoter })
    expect(ids(awaiting)).toEqual([contract.id])

    const full = await h.app.rest('GET', `/api/v1/contracts/${contract.id}`, { as: promoter })
    const signed = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, {
      as: promoter,
      body: { signerId: full.body.data.signers[0].id, contentHash: contract.current.contentHash },
    })
    expect(signed.status, JSON.stringify(signed.body)).toBe(200)
    expect((await counts(promoter)).signaturesNeeded).toBe(0)
    expect((await counts(agency)).signaturesNeeded).toBe(1)
    const gql = await h.app.graphql(`{ contracts(filter: { awaitingMe: true }) { edges { node { id } } } }`, {}, { as: agency })
    expect(nodes(gql.data.contracts)).toEqual([contract.id])

    const reader = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.bookings.read'], orgId: promoter.orgId })
    expect((await counts(reader)).signaturesNeeded).toBeNull()
  })
})

describe('screen examples of the README', () => {
  beforeAll(async () => {
    await parties()
  })

  it('runs the agency inbox and the promoter inbox queries as written', async () => {
    const { readFileSync } = await import('node:fs')
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const examples = [...readme.matchAll(/```graphql\n# (agency|promoter) inbox\n([\s\S]*?)```/g)]
    expect(examples.map((m) => m[1])).toEqual(['agency', 'promoter'])
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    await offer(req.id)
    await request(promoter, artistId)
    for (const [, who, query] of examples) {
      const r = await h.app.graphql(query!, {}, { as: who === 'agency' ? agency : promoter })
      expect(r.errors, `${who}: ${JSON.stringify(r.errors)}`).toBeUndefined()
      expect(r.data.inboxCounts.requestsAwaitingAnswer).toBe(1)
      expect(r.data.inboxCounts.offersAwaitingMe).toBe(who === 'agency' ? 0 : 1)
    }
  })
})

describe('one vocabulary', () => {
  it('speaks UPPER_CASE enums on GraphQL (signer side in and out, activity), lowercase on REST, and one code for "not your turn"', async () => {
    const { promoter, artistId } = await parties()
    const { booking, requestId } = await booked(promoter, artistId)
    const contract = await contractFor(h.app, agency, promoter, booking.id, false)
    const q = `query($c: ID!, $r: ID!) {
      contract(id: $c) { promoter { id } createdByCompany { id } updatedAt signers { side role createdAt updatedAt } }
      bookingRequest(id: $r) { updatedAt requestedBy { id } activity { subject action actorType actor { id } actorCompany { id } updatedAt } } }`
    const r = await h.app.graphql(q, { c: contract.id, r: requestId }, { as: agency })
    expect(r.errors).toBeUndefined()
    expect(r.data.contract).toMatchObject({ promoter: { id: promoter.orgId }, createdByCompany: { id: agency.orgId } })
    expect(r.data.contract.signers.map((s: { side: string }) => s.side)).toEqual(['PROMOTER', 'AGENCY'])
    expect(r.data.bookingRequest.requestedBy).toEqual({ id: promoter.userId })
    expect(r.data.bookingRequest.activity[0]).toMatchObject({
      subject: 'REQUEST',
      action: 'CREATE',
      actorType: 'USER',
      actor: { id: promoter.userId },
      actorCompany: { id: promoter.orgId },
    })
    const rest = await h.app.rest('GET', `/api/v1/booking-requests/${requestId}/activity`, { as: agency })
    expect(rest.body.data[0]).toMatchObject({ subject: 'request', action: 'create', actorType: 'user', updatedAt: expect.any(String) })

    const req = await request(promoter, artistId)
    const made = await offer(req.id)
    const own = await h.app.rest('POST', `/api/v1/booking-offers/${made.id}/accept`, { as: agency, body: {} })
    expect(own.status).toBe(409)
    expect(own.body.error.code).toBe('not_your_turn')
    const gql = await h.app.graphql(`mutation($id: ID!) { acceptOffer(id: $id) { id } }`, { id: made.id }, { as: agency })
    expect(gql.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'not_your_turn' })
  })
})

describe('from the outside', () => {
  it('refuses bad filter input field by field and writes nothing; directives and fragments work on the new fields', async () => {
    const { promoter } = await parties()
    for (const [path, field] of [
      ['/api/v1/booking-offers?awaitingMe=maybe', 'awaitingMe'],
      ['/api/v1/booking-holds?expiringBefore=soon', 'expiringBefore'],
      ['/api/v1/booking-requests?status=', 'status'],
      ['/api/v1/booking-requests?order=sideways', 'order'],
      ['/api/v1/inbox/counts?expiringWithinHours=0', 'expiringWithinHours'],
    ] as const) {
      const r = await h.app.rest('GET', path, { as: promoter })
      expect(r.status, path).toBe(400)
      expect(r.body.error.code).toBe('validation_error')
      expect(r.body.error.fields[0].field).toMatch(new RegExp(`^${field}`))
    }
    const q = `query($withCounts: Boolean!, $h: Int) {
      viewer { ...Who }
      inboxCounts(input: { expiringWithinHours: $h }) @include(if: $withCounts) { offersAwaitingMe }
    }
    fragment Who on Viewer { companyId bookingSide }`
    const on = await h.app.graphql(q, { withCounts: true, h: 12 }, { as: promoter })
    expect(on.errors).toBeUndefined()
    expect(on.data).toEqual({ viewer: { companyId: promoter.orgId, bookingSide: 'PROMOTER' }, inboxCounts: { offersAwaitingMe: 0 } })
    const off = await h.app.graphql(q, { withCounts: false }, { as: promoter })
    expect(off.data).toEqual({ viewer: { companyId: promoter.orgId, bookingSide: 'PROMOTER' } })
    const bad = await h.app.graphql(`{ inboxCounts(input: { expiringWithinHours: 0 }) { offersAwaitingMe } }`, {}, { as: promoter })
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  })
})
