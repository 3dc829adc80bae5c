// Dashboards, activity and tasks: right after every kind of transition on both faces and both sides,
// including an offer that lapses between two reads (clock advance) and a contract waiting for a signature.
import { beforeEach, describe, expect, it } from 'vitest'
import { activityStatement } from '../src/modules/dashboards/dashboards.service.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, pipelines, type AgencySession } from './support/booking.ts'
import { contractFor } from './support/contracts.ts'
import { dashboardOf } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, request, held, booked } = pipelines(
  () => h.app,
  () => agency,
)

// Each test gets companies of its own: its counts start at zero.
beforeEach(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const dashboard = (as: Session) => dashboardOf(h.app, as)
const taskList = async (as: Session, query = '') => {
  const r = await h.app.rest('GET', `/api/v1/tasks${query}`, { as })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body.data as {
    items: { kind: string; subjectId: string; dueAt: string }[]
    pageInfo: { hasNextPage: boolean; endCursor: string }
  }
}
const kinds = async (as: Session) => (await taskList(as)).items.map((t) => t.kind)

const DASHBOARD_GQL = `query Dash($withTotals: Boolean!) { dashboard { side ...Pipeline
  bookingsByMonth @include(if: $withTotals) { month currency confirmed confirmedFees { amount currency decimals } cancelled cancelledFees { amount } }
  topArtists @include(if: $withTotals) { id name confirmed cancelled } } }
  fragment Pipeline on Dashboard { requests { awaitingAnswer } offers { awaitingUs awaitingThem expiringSoon }
  holds { firstRank secondRank lowerRanks challenged } contracts { awaitingOurSignature awaitingTheirSignature } }`

describe('dashboard', () => {
  it('counts each step of a pipeline on both sides and both faces, and rolls up confirmations and cancellations', async () => {
    const artistId = await representedArtist()
    expect(await dashboard(agency)).toMatchObject({ side: 'agency', requests: { awaitingAnswer: 0 }, bookingsByMonth: [] })

    const req = await request(promoter, artistId)
    expect((await dashboard(agency)).requests.awaitingAnswer).toBe(1)
    expect((await dashboard(promoter)).requests.awaitingAnswer).toBe(1)
    expect(await kinds(agency)).toEqual(['answer_request'])
    expect(await kinds(promoter)).toEqual([])

    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: agency, body: flat })
    expect(offer.status).toBe(201)
    expect(await dashboard(agency)).toMatchObject({ requests: { awaitingAnswer: 0 }, offers: { awaitingUs: 0, awaitingThem: 1 } })
    expect((await dashboard(promoter)).offers).toMatchObject({ awaitingUs: 1, awaitingThem: 0 })
    expect(await kinds(promoter)).toEqual(['answer_offer'])
    expect(await kinds(agency)).toEqual([])

    const accepted = await h.app.rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })
    expect(accepted.status).toBe(200)
    const gql = await h.app.graphql(DASHBOARD_GQL, { withTotals: false }, { as: agency })
    expect(gql.errors).toBeUndefined()
    expect(gql.data.dashboard).toEqual({
      side: 'AGENCY',
      requests: { awaitingAnswer: 0 },
      offers: { awaitingUs: 0, awaitingThem: 0, expiringSoon: 0 },
      holds: { firstRank: 1, secondRank: 0, lowerRanks: 0, challenged: 0 },
      contracts: { awaitingOurSignature: 0, awaitingTheirSignature: 0 },
    })

    const detail = await h.app.rest('GET', `/api/v1/booking-requests/${req.id}`, { as: agency })
    const booking = await h.app.rest('POST', `/api/v1/booking-holds/${detail.body.data.holds[0].id}/confirm`, { as: agency })
    expect(booking.status).toBe(201)
    const month = (booking.body.data.startsAt as string).slice(0, 7)
    const afterConfirm = await dashboard(agency)
    expect(afterConfirm.holds.firstRank).toBe(0)
    expect(afterConfirm.bookingsByMonth).toEqual([
      {
        month,
        currency: 'EUR',
        confirmed: 1,
        confirmedFees: { amount: 1_500_000, currency: 'EUR', decimals: 2 },
        cancelled: 0,
        cancelledFees: { amount: 0, currency: 'EUR', decimals: 2 },
      },
    ])
    expect(afterConfirm.topArtists).toEqual([expect.objectContaining({ id: artistId, confirmed: 1, cancelled: 0 })])
    expect(afterConfirm.topCounterparts).toEqual([{ id: promoter.orgId, name: null, confirmed: 1, cancelled: 0 }])
    expect(afterConfirm.upcomingShows).toEqual([expect.objectContaining({ bookingId: booking.body.data.id, artistId })])
    const promoterSide = await dashboard(promoter)
    expect(promoterSide.topCounterparts).toEqual([expect.objectContaining({ id: agency.agencyId, confirmed: 1 })])
    expect(promoterSide.shortlists).toEqual({ count: 0, recent: [] })
    expect(await kinds(agency)).toEqual(['finance_handoff'])
    expect(await kinds(promoter)).toEqual(['finance_handoff'])

    const cancelled = await h.app.rest('POST', `/api/v1/bookings/${booking.body.data.id}/cancel`, {
      as: promoter,
      body: { reason: 'rain' },
    })
    expect(cancelled.status).toBe(200)
    const totals = await h.app.graphql(DASHBOARD_GQL, { withTotals: true }, { as: promoter })
    expect(totals.data.dashboard.bookingsByMonth).toEqual([
      {
        month,
        currency: 'EUR',
        confirmed: 0,
        confirmedFees: { amount: 0, currency: 'EUR', decimals: 2 },
        cancelled: 1,
        cancelledFees: { amount: 1_500_000 },
      },
    ])
    expect(totals.data.dashboard.topArtists).toEqual([expect.objectContaining({ id: artistId, confirmed: 0, cancelled: 1 })])
    expect((await dashboard(agency)).upcomingShows).toEqual([])
    expect(await kinds(agency)).toEqual([])
  })

  it('drops an offer that lapses between two reads, with no write in between', async () => {
    const artistId = await representedArtist()
    const req = await request(promoter, artistId)
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, {
      as: agency,
      body: { ...flat, expiresAt: new Date(h.app.clock.now().getTime() + 3600_000).toISOString() },
    })
    expect(offer.status).toBe(201)
    expect((await dashboard(promoter)).offers).toEqual({ awaitingUs: 1, awaitingThem: 0, expiringSoon: 1 })
    expect(await kinds(promoter)).toEqual(['answer_offer'])
    h.app.clock.advance(2 * 3600_000)
    expect((await dashboard(promoter)).offers).toEqual({ awaitingUs: 0, awaitingThem: 0, expiringSoon: 0 })
    expect((await dashboard(agency)).offers).toEqual({ awaitingUs: 0, awaitingThem: 0, expiringSoon: 0 })
    expect(await kinds(promoter)).toEqual([])
    // The pipeline reads it the same way.
    const read = await h.app.rest('GET', `/api/v1/booking-offers/${offer.body.data.id}`, { as: promoter })
    expect(read.body.data.status).toBe('expired')
  })

  it('ranks holds and counts a challenge, with the task to confirm or release it', async () => {
    const artistId = await representedArtist()
    const otherPromoter = await h.auth.session(PROMOTER_ACCESS)
    const when = {
      startsAt: new Date(Date.UTC(new Date().getUTCFullYear() + 6, 5, 1, 20)).toISOString(),
      endsAt: new Date(Date.UTC(new Date().getUTCFullYear() + 6, 5, 1, 22)).toISOString(),
    }
    const first = await held(promoter, artistId, when)
    const second = await held(otherPromoter, artistId, when)
    expect((await dashboard(agency)).holds).toMatchObject({ firstRank: 1, secondRank: 1, challenged: 0 })
    const challenge = await h.app.rest('POST', `/api/v1/booking-holds/${second.hold.id}/challenge`, { as: otherPromoter, body: {} })
    expect(challenge.status, JSON.stringify(challenge.body)).toBe(200)
    expect((await dashboard(agency)).holds).toMatchObject({ firstRank: 1, secondRank: 1, challenged: 1, expiringSoon: 1 })
    expect((await taskList(promoter)).items).toEqual([
      expect.objectContaining({ kind: 'resolve_challenged_hold', subjectId: first.hold.id }),
    ])
    expect(await kinds(agency)).toEqual(['resolve_challenged_hold'])
    expect(await kinds(otherPromoter)).toEqual([])
  })

  it('says whose signature a sent contract waits for, and gives the signer the task', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    await contractFor(h.app, agency, promoter, booking.id, false)
    expect((await dashboard(agency)).contracts).toEqual({ awaitingOurSignature: 0, awaitingTheirSignature: 1 })
    expect((await dashboard(promoter)).contracts).toEqual({ awaitingOurSignature: 1, awaitingTheirSignature: 0 })
    // Both are due at the show; same-time tasks come in kind order.
    expect(await kinds(promoter)).toEqual(['finance_handoff', 'sign_contract'])
    expect(await kinds(agency)).toEqual(['finance_handoff'])
  })

  it("keeps a contract's copy of its request's parties, whatever a write says", async () => {
    const { booking, requestId } = await booked(promoter, await representedArtist())
    await contractFor(h.app, agency, promoter, booking.id, false)
    const parties = () =>
      h.app.db.$queryRaw<{ same: boolean }[]>`
        SELECT (c.artist_id, c.agency_id, c.promoter_org_id) = (r.artist_id, r.agency_id, r.promoter_org_id) AS same
        FROM contracts c JOIN booking_requests r ON r.id = c.request_id WHERE c.request_id = ${requestId}::uuid`
    expect(await parties()).toEqual([{ same: true }])
    // A write naming other parties is overruled by the request's: the dashboards' ranges stay right.
    await h.app.db
      .$executeRaw`UPDATE contracts SET agency_id = gen_random_uuid(), promoter_org_id = NULL WHERE request_id = ${requestId}::uuid`
    expect(await parties()).toEqual([{ same: true }])
    expect((await dashboard(agency)).contracts).toEqual({ awaitingOurSignature: 0, awaitingTheirSignature: 1 })
  })

  it("totals the bookings another agency handled for the artists on its side, once, and that agency's too", async () => {
    const artistId = await representedArtist()
    const { booking } = await booked(promoter, artistId)
    const month = (booking.startsAt as string).slice(0, 7)
    const before = await agencySession(h.auth, h.app.db)
    // The booking names another handling agency (an agency before this one): the roll-ups follow the write.
    await h.app.db.$executeRaw`UPDATE bookings SET agency_id = ${before.agencyId}::uuid WHERE id = ${booking.id}::uuid`
    for (const as of [agency, before]) {
      const d = await dashboard(as)
      expect(d.bookingsByMonth).toEqual([expect.objectContaining({ month, confirmed: 1, cancelled: 0 })])
      expect(d.topArtists).toEqual([expect.objectContaining({ id: artistId, confirmed: 1 })])
      expect(d.upcomingShows).toEqual([expect.objectContaining({ bookingId: booking.id, artistId })])
    }
    // Counterparts are the promoters of the bookings an agency handled: this one is no longer its.
    expect((await dashboard(agency)).topCounterparts).toEqual([expect.objectContaining({ id: promoter.orgId, confirmed: 0 })])
    expect((await dashboard(before)).topCounterparts).toEqual([expect.objectContaining({ id: promoter.orgId, confirmed: 1 })])
  })

  it("costs one statement (an agency's caller: and its agency's lookup), on both faces, whatever it holds", async () => {
    const artistId = await representedArtist()
    await booked(promoter, artistId)
    await request(promoter, artistId)
    const statements = async (call: () => Promise<unknown>) => {
      const start = h.app.sql.length
      await call()
      return h.app.sql.slice(start)
    }
    for (const [as, expected] of [
      [agency, 2],
      [promoter, 1],
    ] as const) {
      const rest = await statements(() => dashboard(as))
      expect(rest, rest.join('\n')).toHaveLength(expected)
      const gql = await statements(() => h.app.graphql(DASHBOARD_GQL, { withTotals: true }, { as }))
      expect(gql, gql.join('\n')).toHaveLength(expected)
    }
  })

  it('needs the dashboard permission, and a company on one side', async () => {
    const reader = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.bookings.read'] })
    expect((await h.app.rest('GET', '/api/v1/dashboard', { as: reader })).status).toBe(403)
    expect((await h.app.rest('GET', '/api/v1/dashboard')).status).toBe(401)
    const gql = await h.app.graphql('{ dashboard { side } }', {}, { as: reader })
    expect(gql.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')
  })
})

describe('activity and tasks pages', () => {
  it('lists events newest first on keyset pages, on both faces, and refuses a forged cursor', async () => {
    const { booking, requestId } = await booked(promoter, await representedArtist())
    const first = await h.app.rest('GET', '/api/v1/activity?first=2', { as: promoter })
    expect(first.status).toBe(200)
    expect(first.body.data.items.map((i: { type: string }) => i.type)).toEqual(['booking.confirmed', 'booking.request.booked'])
    expect(first.body.data.items[0]).toMatchObject({ subjectType: 'booking', subjectId: booking.id })
    expect(first.body.data.pageInfo.hasNextPage).toBe(true)
    const all: string[] = []
    let after: string | null = null
    do {
      const page: { body: { data: { items: { type: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } } =
        await h.app.rest('GET', `/api/v1/activity?first=3${after ? `&after=${after}` : ''}`, { as: promoter })
      all.push(...page.body.data.items.map((i) => i.type))
      after = page.body.data.pageInfo.hasNextPage ? page.body.data.pageInfo.endCursor : null
    } while (after)
    expect(all.at(-1)).toBe('booking.request.created')
    expect(new Set(all).size).toBeGreaterThan(4)

    const gql = await h.app.graphql(
      'query($n: Int) { activity(first: $n) { totalCount edges { cursor node { type requestId bookingId toStatus } } pageInfo { hasNextPage endCursor } } }',
      { n: 1 },
      { as: agency },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.activity.edges[0].node).toEqual({ type: 'booking.confirmed', requestId, bookingId: booking.id, toStatus: 'confirmed' })
    // The agency also has the representation events of its artist.
    expect(gql.data.activity.totalCount).toBeGreaterThan(all.length)
    const next = await h.app.graphql(
      'query($a: String) { activity(first: 1, after: $a) { edges { node { type } } } }',
      { a: gql.data.activity.pageInfo.endCursor },
      { as: agency },
    )
    expect(next.data.activity.edges[0].node.type).toBe('booking.request.booked')

    const forged = await h.app.rest('GET', `/api/v1/activity?after=${Buffer.from('a:x').toString('base64url')}`, { as: agency })
    expect(forged.status).toBe(400)
    expect((await h.app.rest('GET', '/api/v1/tasks?first=0', { as: agency })).status).toBe(400)
    expect((await h.app.rest('GET', '/api/v1/tasks?after=%%%', { as: agency })).status).toBe(400)
    const backwards = await h.app.graphql('{ tasks(last: 2) { edges { cursor } } }', {}, { as: agency })
    expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    // The page size is bounded once (the service's FeedQuery), on both faces alike.
    for (const n of [0, 101]) {
      expect((await h.app.rest('GET', `/api/v1/activity?first=${n}`, { as: agency })).status).toBe(400)
      const outOfRange = await h.app.graphql('query($n: Int) { activity(first: $n) { edges { cursor } } }', { n }, { as: agency })
      expect(outOfRange.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
      expect(outOfRange.data?.activity ?? null).toBeNull()
    }
    const unsized = await h.app.graphql('{ tasks(first: null) { edges { cursor } } }', {}, { as: agency })
    expect(unsized.errors).toBeUndefined()
    const nul = await h.app.rest('GET', '/api/v1/activity?after=a%00b', { as: agency })
    expect(nul.status).toBe(400)
    // Another company sees none of it.
    const stranger = await h.auth.session(PROMOTER_ACCESS)
    expect((await h.app.rest('GET', '/api/v1/activity', { as: stranger })).body.data.items).toEqual([])
  })

  it('shows each family of events only to readers of its area, on both faces, keyset pages included', async () => {
    const { requestId } = await booked(promoter, await representedArtist())
    const note = await h.app.rest('POST', `/api/v1/relationships/${agency.agencyId}/notes`, {
      as: promoter,
      body: { body: 'slow to answer' },
    })
    expect(note.status, JSON.stringify(note.body)).toBe(201)
    const PIPELINE = ['booking_request', 'booking_offer', 'booking_hold', 'booking']
    const FEED = `query($a: String) { activity(first: 2, after: $a) { totalCount edges { node { type subjectType subjectId } }
      pageInfo { hasNextPage endCursor } } }`
    type Item = { type: string; subjectType: string; subjectId: string }

    /** Every page of the feed on both faces: the items (REST and GraphQL agree) and the GraphQL totalCount. */
    const feedOf = async (as: Session) => {
      const rest: Item[] = []
      const gql: Item[] = []
      let after: string | null = null
      do {
        const page: { status: number; body: { data: { items: Item[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } } =
          await h.app.rest('GET', `/api/v1/activity?first=2${after ? `&after=${after}` : ''}`, { as })
        expect(page.status).toBe(200)
        rest.push(...page.body.data.items)
        after = page.body.data.pageInfo.hasNextPage ? page.body.data.pageInfo.endCursor : null
      } while (after)
      const totals: number[] = []
      do {
        const page = await h.app.graphql(FEED, { a: after }, { as })
        expect(page.errors).toBeUndefined()
        gql.push(...page.data.activity.edges.map((e: { node: Item }) => e.node))
        totals.push(page.data.activity.totalCount)
        after = page.data.activity.pageInfo.hasNextPage ? page.data.activity.pageInfo.endCursor : null
      } while (after)
      expect(gql.map((i) => i.subjectId)).toEqual(rest.map((i) => i.subjectId))
      expect(new Set(totals)).toEqual(new Set([rest.length]))
      return rest
    }

    // A promoter user with the dashboard alone: the pipeline's events, not the note its company wrote.
    const dashboardOnly = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.dashboard.read'], orgId: promoter.orgId })
    const narrow = await feedOf(dashboardOnly)
    expect(narrow.map((i) => i.type)).toContain('booking.confirmed')
    expect(narrow.filter((i) => i.subjectId === requestId).length).toBeGreaterThan(0)
    expect(narrow.filter((i) => !PIPELINE.includes(i.subjectType))).toEqual([])
    expect(JSON.stringify(narrow)).not.toContain(note.body.data.id)

    // With relationships.read, the note's event shows; the pipeline's are the same ones.
    const memoryReader = await h.auth.session({
      modules: ['promoter'],
      permissions: ['promoter.dashboard.read', 'promoter.relationships.read'],
      orgId: promoter.orgId,
    })
    const wide = await feedOf(memoryReader)
    expect(wide.filter((i) => i.subjectType === 'relationship_note').map((i) => [i.type, i.subjectId])).toEqual([
      ['relationship.note.created', note.body.data.id],
    ])
    expect(wide.filter((i) => PIPELINE.includes(i.subjectType))).toEqual(narrow)

    // The agency side: representation events need roster.read.
    const agencyDashboardOnly = await h.auth.session({ modules: ['artist'], permissions: ['artist.dashboard.read'], orgId: agency.orgId })
    const agencyNarrow = await feedOf(agencyDashboardOnly)
    expect(agencyNarrow.map((i) => i.type)).toContain('booking.confirmed')
    expect(agencyNarrow.filter((i) => !PIPELINE.includes(i.subjectType))).toEqual([])
    const agencyAll = await feedOf(agency)
    expect(agencyAll.some((i) => i.type.startsWith('representation.'))).toBe(true)
    expect(agencyAll.filter((i) => PIPELINE.includes(i.subjectType))).toEqual(agencyNarrow)
  })

  it('filters hidden families on the (org_id, seq) key range: no sort, whatever the depth', async () => {
    const statement = activityStatement(promoter.orgId, ['relationship_note', 'relationship_flag', 'contract'], 9_000_000n, 25)
    // Seq scans off, as the planner would choose on a feed of millions of rows (bench/dashboards.ts measures that).
    const plan = await h.app.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off')
      const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${statement.text}`, ...statement.values)
      return rows.map((r) => r['QUERY PLAN']).join('\n')
    })
    expect(plan).toMatch(/Index Scan Backward using org_activity_pkey/)
    expect(plan).toMatch(/aggregate_type <> ALL/)
    expect(plan).not.toMatch(/Sort/)
  })

  it("pages the finance handoffs due across an agency's artists in show order, however their shows interleave", async () => {
    const [a, b, c] = [await representedArtist(), await representedArtist(), await representedArtist()]
    const at = (day: number) => {
      const start = new Date(Date.UTC(new Date().getUTCFullYear() + 3, 0, day, 20))
      return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString() }
    }
    // Artist b's first show is the earliest and its second the latest; c's two come before any of a's four.
    const shows: [string, number][] = [
      [a, 10],
      [a, 11],
      [a, 12],
      [a, 13],
      [b, 1],
      [b, 20],
      [c, 5],
      [c, 6],
    ]
    const bookingOf = new Map<string, number>()
    for (const [artistId, day] of shows) bookingOf.set((await booked(promoter, artistId, at(day))).booking.id, day)
    const handoffs = (items: { kind: string; subjectId: string }[]) =>
      items.filter((t) => t.kind === 'finance_handoff').map((t) => bookingOf.get(t.subjectId))
    expect(handoffs((await taskList(agency, '?first=100')).items)).toEqual([1, 5, 6, 10, 11, 12, 13, 20])
    const paged: (number | undefined)[] = []
    let page = await taskList(agency, '?first=2')
    for (;;) {
      paged.push(...handoffs(page.items))
      if (!page.pageInfo.hasNextPage) break
      page = await taskList(agency, `?first=2&after=${page.pageInfo.endCursor}`)
    }
    expect(paged).toEqual([1, 5, 6, 10, 11, 12, 13, 20])
  })

  it('pages tasks soonest first without repeats', async () => {
    const artistId = await representedArtist()
    for (let i = 0; i < 3; i++) await request(promoter, artistId)
    const one = await taskList(agency, '?first=2')
    expect(one.items).toHaveLength(2)
    expect(one.pageInfo.hasNextPage).toBe(true)
    const two = await taskList(agency, `?first=2&after=${one.pageInfo.endCursor}`)
    expect(two.items).toHaveLength(1)
    expect(two.pageInfo.hasNextPage).toBe(false)
    const dues = [...one.items, ...two.items].map((t) => t.dueAt)
    expect(dues).toEqual([...dues].sort())
    expect(new Set([...one.items, ...two.items].map((t) => t.subjectId)).size).toBe(3)
    const gql = await h.app.graphql('{ tasks(first: 10) { totalCount edges { node { kind subjectType dueAt } } } }', {}, { as: agency })
    expect(gql.data.tasks.totalCount).toBe(3)
    expect(gql.data.tasks.edges[0].node).toMatchObject({ kind: 'ANSWER_REQUEST', subjectType: 'REQUEST' })
  })
})
