// Relationship memory, double-blind ratings and the trust score. Notes and flags are private to the company
// that wrote them on every read path (lists, by-id, nested fields, _entities, activity, events) of both faces;
// the summary and the history with a counterparty are one call; ratings stay hidden until both sides rated or
// the window closed, and never change after; the trust score shows with its factors from 3 completed
// bookings, and "not enough history" before.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness, type GraphqlResult, type RestResult } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { flat, nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { AGENCY_ACCESS, agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let outsiderPromoter: Session
let outsiderAgency: AgencySession
const { representedArtist, request, booked } = pipelines(
  () => h.app,
  () => agency,
)

const DAY = 86_400_000

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  outsiderPromoter = await h.auth.session(PROMOTER_ACCESS)
  outsiderAgency = await agencySession(h.auth, h.app.db)
})

/** A user of the same company holding every permission of its side but the relationship ones. */
async function withoutRelationships(of: Session, side: 'artist' | 'promoter') {
  const all = side === 'artist' ? AGENCY_ACCESS.permissions : PROMOTER_ACCESS.permissions
  return h.auth.session({
    modules: [side],
    permissions: all.filter((p) => !p.includes('.relationships.')),
    orgId: of.orgId,
  })
}

const RELATIONSHIP_FIELDS = `counterparty { id kind name } side
  summary { requests openPipelines bookingsConfirmed cancelledByUs cancelledByThem lateCancelledByUs lateCancelledByThem
    ourAverageAnswerSeconds theirAverageAnswerSeconds firstDealAt lastDealAt lastInteractionAt }
  notes { id counterpartyId authorUserId body createdAt updatedAt }
  flags { id counterpartyId kind label note setByUserId createdAt updatedAt }`

const LIST = `{ relationships(first: 10) { totalCount edges { node { ${RELATIONSHIP_FIELDS} } } } }`
const ONE = `query($id: ID!) { relationship(companyId: $id) { ${RELATIONSHIP_FIELDS}
  history { totalCount items { id artistName status startsAt cancelledAt fee { amount currency decimals } } } } }`

describe('notes and flags are private to the company that wrote them', () => {
  async function scene() {
    const artistId = await representedArtist()
    const { booking, requestId } = await booked(promoter, artistId)
    return { artistId, booking, requestId }
  }

  for (const writer of ['promoter', 'agency'] as const) {
    it(`as the ${writer}: every read path of B, an outsider, a machine and a user without the permission, on both faces`, async () => {
      const { booking, requestId } = await scene()
      const [a, b] = writer === 'promoter' ? [promoter, agency] : [agency, promoter]
      const counterpartyOfA = writer === 'promoter' ? agency.agencyId : promoter.orgId
      const counterpartyOfB = writer === 'promoter' ? promoter.orgId : agency.agencyId
      const secret = `secret-${randomUUID()}`
      const flagLabel = `flag-${randomUUID()}`

      const note = await h.app.rest('POST', `/api/v1/relationships/${counterpartyOfA}/notes`, {
        as: a,
        body: { body: `${secret} pays late` },
      })
      expect(note.status, JSON.stringify(note.body)).toBe(201)
      const flag = await h.app.rest('POST', `/api/v1/relationships/${counterpartyOfA}/flags`, {
        as: a,
        body: { kind: 'custom', label: flagLabel, note: `${secret} flag note` },
      })
      expect(flag.status, JSON.stringify(flag.body)).toBe(201)
      const markers = [secret, flagLabel]

      // The writer reads them on both faces.
      const own = await h.app.rest('GET', `/api/v1/relationships/${counterpartyOfA}`, { as: a })
      expect(own.body.data.notes.map((n: { id: string }) => n.id)).toEqual([note.body.data.id])
      expect(own.body.data.flags.map((f: { label: string }) => f.label)).toEqual([flagLabel])
      const ownGql = await h.app.graphql(ONE, { id: counterpartyOfA }, { as: a })
      expect(ownGql.data.relationship.notes[0].body).toBe(`${secret} pays late`)
      expect(ownGql.data.relationship.flags[0].kind).toBe('CUSTOM')

      const noPermission = await withoutRelationships(a, writer === 'promoter' ? 'promoter' : 'artist')
      const outsider = writer === 'promoter' ? outsiderPromoter : outsiderAgency
      const readers: [string, Session | 'machine', 'empty' | 'forbidden'][] = [
        ['the counterparty', b, 'empty'],
        ['an outsider', outsider, 'empty'],
        ['a machine caller', 'machine', 'forbidden'],
        ['a user of A without the permission', noPermission, 'forbidden'],
      ]
      // A 404 may repeat the id the caller sent, and the platform's event log names the note by id (never its
      // text); every other answer must not even show that a note or flag exists.
      const ids = [note.body.data.id, flag.body.data.id]
      const MAY_NAME_IDS = new Set(['REST note by id', 'REST flag by id', 'GraphQL by id', 'REST platform events'])
      const leaks = (path: string, answer: RestResult | GraphqlResult) => {
        const text = JSON.stringify('body' in answer ? answer.body : { data: answer.data, errors: answer.errors })
        return [...markers, ...(MAY_NAME_IDS.has(path) ? [] : ids)].filter((m) => text.includes(m))
      }

      // The writer's own feed shows both events on both faces: what the readers below must not see.
      const ownFeed = await h.app.rest('GET', '/api/v1/activity?first=100', { as: a })
      expect(
        ownFeed.body.data.items.filter((i: { subjectId: string }) => ids.includes(i.subjectId)).map((i: { type: string }) => i.type),
      ).toEqual(['relationship.flag.set', 'relationship.note.created'])
      const ownFeedGql = await h.app.graphql(`{ activity(first: 100) { edges { node { type subjectId } } } }`, {}, { as: a })
      expect(ownFeedGql.data.activity.edges.filter((e: { node: { subjectId: string } }) => ids.includes(e.node.subjectId))).toHaveLength(2)

      for (const [who, as, expected] of readers) {
        const answers: [string, RestResult | GraphqlResult][] = [
          ['REST list', await h.app.rest('GET', '/api/v1/relationships?limit=100', { as })],
          ['REST relationship with A', await h.app.rest('GET', `/api/v1/relationships/${counterpartyOfB}`, { as })],
          ['REST relationship with A’s counterparty', await h.app.rest('GET', `/api/v1/relationships/${counterpartyOfA}`, { as })],
          ['REST note by id', await h.app.rest('GET', `/api/v1/relationship-notes/${note.body.data.id}`, { as })],
          ['REST flag by id', await h.app.rest('GET', `/api/v1/relationship-flags/${flag.body.data.id}`, { as })],
          ['REST booking', await h.app.rest('GET', `/api/v1/bookings/${booking.id}`, { as })],
          ['REST booking activity', await h.app.rest('GET', `/api/v1/booking-requests/${requestId}/activity`, { as })],
          ['REST trust', await h.app.rest('GET', `/api/v1/trust/${counterpartyOfA}`, { as })],
          ['GraphQL list', await h.app.graphql(LIST, {}, { as })],
          ['GraphQL relationship with A', await h.app.graphql(ONE, { id: counterpartyOfB }, { as })],
          ['GraphQL relationship with A’s counterparty', await h.app.graphql(ONE, { id: counterpartyOfA }, { as })],
          [
            'GraphQL by id',
            await h.app.graphql(
              `query($n: ID!, $f: ID!) { relationshipNote(id: $n) { body } relationshipFlag(id: $f) { label note } }`,
              { n: note.body.data.id, f: flag.body.data.id },
              { as },
            ),
          ],
          [
            'GraphQL _entities',
            await h.app.graphql(
              `query($r: [_Any!]!) { _entities(representations: $r) {
                ... on Agency { id name trust { status factors { explanation } } }
                ... on Company { id trust { status } }
                ... on Booking { id ratings { mine { comment } theirs { comment } } } } }`,
              {
                r: [
                  { __typename: 'Agency', id: agency.agencyId },
                  { __typename: 'Company', id: promoter.orgId },
                  { __typename: 'Booking', id: booking.id },
                ],
              },
              { as },
            ),
          ],
          ['REST activity feed', await h.app.rest('GET', '/api/v1/activity?first=100', { as })],
          ['REST dashboard', await h.app.rest('GET', '/api/v1/dashboard', { as })],
          ['REST tasks', await h.app.rest('GET', '/api/v1/tasks?first=100', { as })],
          ['REST platform events', await h.app.rest('GET', `/internal/admin/outbox?aggregateId=${note.body.data.id}`, { as })],
          [
            'GraphQL activity feed, dashboard and tasks',
            await h.app.graphql(
              `{ activity(first: 100) { totalCount edges { node { id type subjectType subjectId } } }
                 dashboard { side topCounterparts { id name confirmed } } tasks(first: 100) { edges { node { kind subjectId } } } }`,
              {},
              { as },
            ),
          ],
          [
            'GraphQL nested fields',
            await h.app.graphql(
              `query($b: ID!, $a: ID!) {
                booking(id: $b) { id agency { id name trust { status score factors { name explanation } } }
                  promoter { id trust { status } } request { activity { action toStatus } } ratings { mine { comment } theirs { comment } } }
                agency(id: $a) { id name trust { status factors { explanation } } } }`,
              { b: booking.id, a: agency.agencyId },
              { as },
            ),
          ],
        ]
        for (const [path, answer] of answers) expect(leaks(path, answer), `${who} · ${path}`).toEqual([])
        const found = (path: string) => answers.find(([p]) => p === path)![1]
        const rest = (path: string) => found(path) as RestResult
        const gql = (path: string) => found(path) as GraphqlResult

        if (expected === 'forbidden') {
          expect(rest('REST list').status, who).toBe(403)
          expect(gql('GraphQL list').errors?.[0]?.extensions?.code, who).toBe('FORBIDDEN')
        } else {
          expect(rest('REST list').status, `${who} · list`).toBe(200)
          expect(gql('GraphQL list').errors, `${who} · GraphQL list`).toBeUndefined()
          expect(gql('GraphQL _entities').errors, `${who} · _entities`).toBeUndefined()
          expect(rest('REST note by id').status, `${who} · note by id`).toBe(404)
          expect(rest('REST flag by id').status, `${who} · flag by id`).toBe(404)
          expect(gql('GraphQL by id').errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND', 'NOT_FOUND'])
        }
        if (as === 'machine') {
          // The platform's event log names the note (id, counterparty) and nothing else; the company reads are closed to it.
          const logged = rest('REST platform events')
          expect(logged.status).toBe(200)
          expect(logged.body.data.items.map((e: { type: string; payload: object }) => [e.type, Object.keys(e.payload).sort()])).toEqual([
            ['relationship.note.created', ['counterpartyId', 'noteId']],
          ])
          for (const path of ['REST activity feed', 'REST dashboard', 'REST tasks']) expect(rest(path).status, path).toBe(403)
          expect(gql('GraphQL activity feed, dashboard and tasks').errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN')
        } else {
          // Tenant users: the feed, dashboard and tasks answer (so the checks above are not vacuous), the event log does not.
          expect(rest('REST platform events').status).toBe(403)
          for (const path of ['REST activity feed', 'REST dashboard', 'REST tasks']) expect(rest(path).status, `${who} · ${path}`).toBe(200)
          const faces = gql('GraphQL activity feed, dashboard and tasks')
          expect(faces.errors, `${who} · GraphQL feed`).toBeUndefined()
          const feed = rest('REST activity feed').body.data.items as { type: string; subjectId: string }[]
          expect(
            feed.filter((i) => ids.includes(i.subjectId)),
            `${who} · feed`,
          ).toEqual([])
          expect(faces.data.activity.totalCount).toBe(feed.length)
          if (who !== 'an outsider')
            expect(
              feed.map((i) => i.type),
              `${who} · feed`,
            ).toContain('booking.confirmed')
          const nested = gql('GraphQL nested fields')
          if (who === 'an outsider') expect(nested.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND'])
          else expect(nested.errors, `${who} · nested`).toBeUndefined()
        }
        // Nobody else edits or deletes them: 404 (or 403), and they stay as written.
        for (const [method, path, body] of [
          ['PATCH', `/api/v1/relationship-notes/${note.body.data.id}`, { body: 'overwritten' }],
          ['DELETE', `/api/v1/relationship-notes/${note.body.data.id}`, undefined],
          ['PATCH', `/api/v1/relationship-flags/${flag.body.data.id}`, { label: 'overwritten' }],
          ['DELETE', `/api/v1/relationship-flags/${flag.body.data.id}`, undefined],
        ] as const) {
          const r = await h.app.rest(method, path, { as, body })
          expect([403, 404], `${who} · ${method} ${path}`).toContain(r.status)
        }
        const edit = await h.app.graphql(
          `mutation($id: ID!) { editRelationshipNote(id: $id, input: { body: "overwritten" }) { id } }`,
          { id: note.body.data.id },
          { as },
        )
        expect(['NOT_FOUND', 'FORBIDDEN']).toContain(edit.errors?.[0]?.extensions?.code)
      }
      expect((await h.app.db.relationshipNote.findUniqueOrThrow({ where: { id: note.body.data.id } })).body).toBe(`${secret} pays late`)
      expect((await h.app.db.relationshipFlag.findUniqueOrThrow({ where: { id: flag.body.data.id } })).label).toBe(flagLabel)

      // Events name the note and the flag by id, to the writing company only, and never carry their text.
      const events = await h.app.db.outboxEvent.findMany({ where: { aggregateId: { in: [note.body.data.id, flag.body.data.id] } } })
      expect(events.map((e) => e.eventType).sort()).toEqual(['relationship.flag.set', 'relationship.note.created'])
      for (const e of events) expect(e.orgIds).toEqual([a.orgId])
      const [{ n }] = await h.app.db.$queryRaw<[{ n: number }]>`
        SELECT count(*)::int AS n FROM outbox_events WHERE payload::text LIKE ${`%${secret}%`} OR payload::text LIKE ${`%${flagLabel}%`}`
      expect(n).toBe(0)
    })
  }

  it('edits and deletes on both faces; a flag twice is 409; bad input is 400 and writes nothing', async () => {
    await booked(promoter, await representedArtist())
    const id = agency.agencyId
    const note = await h.app.graphql(
      `mutation($id: ID!) { addRelationshipNote(companyId: $id, input: { body: "first" }) { id body } }`,
      { id },
      { as: promoter },
    )
    const noteId = note.data.addRelationshipNote.id
    const edited = await h.app.rest('PATCH', `/api/v1/relationship-notes/${noteId}`, { as: promoter, body: { body: 'second' } })
    expect(edited.body.data.body).toBe('second')
    const flag = await h.app.graphql(
      `mutation($id: ID!) { setRelationshipFlag(companyId: $id, input: { kind: DO_NOT_BOOK }) { id kind label } }`,
      { id },
      { as: promoter },
    )
    expect(flag.data.setRelationshipFlag).toMatchObject({ kind: 'DO_NOT_BOOK', label: null })
    const again = await h.app.rest('POST', `/api/v1/relationships/${id}/flags`, { as: promoter, body: { kind: 'do_not_book' } })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('already_exists')

    const before = await h.app.db.relationshipFlag.count({ where: { ownerOrgId: promoter.orgId } })
    for (const body of [{ kind: 'custom' }, { kind: 'nope' }, { kind: 'vip', label: '' }, {}]) {
      const r = await h.app.rest('POST', `/api/v1/relationships/${id}/flags`, { as: promoter, body })
      expect(r.status, JSON.stringify(body)).toBe(400)
    }
    const notesBefore = await h.app.db.relationshipNote.count({ where: { ownerOrgId: promoter.orgId } })
    for (const body of ['  ', 'a\u0000b']) {
      const r = await h.app.rest('POST', `/api/v1/relationships/${id}/notes`, { as: promoter, body: { body } })
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.error.code).toBe('validation_error')
    }
    expect(await h.app.db.relationshipNote.count({ where: { ownerOrgId: promoter.orgId } })).toBe(notesBefore)
    expect((await h.app.rest('POST', `/api/v1/relationships/not-a-uuid/notes`, { as: promoter, body: { body: 'x' } })).status).toBe(400)
    // An unknown counterparty: no such agency, or a promoter the agency never dealt with.
    expect((await h.app.rest('POST', `/api/v1/relationships/${randomUUID()}/notes`, { as: promoter, body: { body: 'x' } })).status).toBe(
      404,
    )
    expect(
      (await h.app.rest('POST', `/api/v1/relationships/${outsiderPromoter.orgId}/notes`, { as: agency, body: { body: 'x' } })).status,
    ).toBe(404)
    expect(await h.app.db.relationshipFlag.count({ where: { ownerOrgId: promoter.orgId } })).toBe(before)

    const cleared = await h.app.graphql(
      `mutation($id: ID!) { clearRelationshipFlag(id: $id) { id deleted } }`,
      { id: flag.data.setRelationshipFlag.id },
      { as: promoter },
    )
    expect(cleared.data.clearRelationshipFlag.deleted).toBe(true)
    expect((await h.app.rest('DELETE', `/api/v1/relationship-notes/${noteId}`, { as: promoter })).status).toBe(200)
    expect((await h.app.rest('GET', `/api/v1/relationship-notes/${noteId}`, { as: promoter })).status).toBe(404)
    const types = (await h.app.db.outboxEvent.findMany({ where: { aggregateId: noteId }, orderBy: { seq: 'asc' } })).map((e) => e.eventType)
    expect(types).toEqual(['relationship.note.created', 'relationship.note.edited', 'relationship.note.deleted'])
  })
})

describe('the management side', () => {
  /** A management claim; without an incumbent manager the platform approves it. */
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
  }

  it('keeps its own memory of a promoter: the summary and history of its artists, its own notes, not the agency’s; it does not rate', async () => {
    const dealer = await agencySession(h.auth, h.app.db)
    const manager = await agencySession(h.auth, h.app.db)
    const buyer = await h.auth.session(PROMOTER_ACCESS)
    const artistId = await representedArtist(dealer)
    await manage(manager, artistId)
    const { booking } = await booked(buyer, artistId, nextSlot(), dealer)

    const theirs = await h.app.rest('POST', `/api/v1/relationships/${buyer.orgId}/notes`, { as: dealer, body: { body: 'agency only' } })
    expect(theirs.status).toBe(201)
    const ours = await h.app.graphql(
      `mutation($id: ID!) { addRelationshipNote(companyId: $id, input: { body: "management only" }) { id } }`,
      { id: buyer.orgId },
      { as: manager },
    )
    expect(ours.errors).toBeUndefined()

    const seen = await h.app.rest('GET', `/api/v1/relationships/${buyer.orgId}`, { as: manager })
    expect(seen.status, JSON.stringify(seen.body)).toBe(200)
    expect(seen.body.data).toMatchObject({ side: 'agency', summary: { requests: 1, bookingsConfirmed: 1 }, history: { total: 1 } })
    expect(seen.body.data.history.items[0].id).toBe(booking.id)
    expect(seen.body.data.notes.map((n: { body: string }) => n.body)).toEqual(['management only'])
    const gql = await h.app.graphql(ONE, { id: buyer.orgId }, { as: dealer })
    expect(gql.data.relationship.notes.map((n: { body: string }) => n.body)).toEqual(['agency only'])
    expect((await h.app.rest('GET', `/api/v1/relationship-notes/${ours.data.addRelationshipNote.id}`, { as: dealer })).status).toBe(404)
    const events = await h.app.db.outboxEvent.findMany({ where: { aggregateId: ours.data.addRelationshipNote.id } })
    expect(events.map((e) => e.orgIds)).toEqual([[manager.orgId]])

    h.app.clock.advance(new Date(booking.endsAt).getTime() - Date.now() + 3600_000)
    const rating = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, {
      as: manager,
      body: { communication: 4, reliability: 4, hospitalityOrProduction: 4, paymentOrPerformance: 4 },
    })
    expect(rating.status).toBe(403)
    expect(rating.body.error.code).toBe('not_a_party')
    expect(await h.app.db.bookingRating.count({ where: { bookingId: booking.id } })).toBe(0)
  })
})

describe('the relationship summary and the history with a counterparty', () => {
  it('is kept with the deals and read in one call, "us" and "them" from each side, on both faces', async () => {
    const dealer = await agencySession(h.auth, h.app.db)
    const buyer = await h.auth.session(PROMOTER_ACCESS)
    const artistId = await representedArtist(dealer)
    const kept = await booked(buyer, artistId, nextSlot(), dealer)
    await booked(buyer, artistId, nextSlot(), dealer)
    // Cancelled by the promoter ten days before the event: a late cancellation.
    const soon = new Date(Date.now() + 10 * DAY)
    const late = await booked(
      buyer,
      artistId,
      { startsAt: soon.toISOString(), endsAt: new Date(soon.getTime() + 3600_000).toISOString() },
      dealer,
    )
    const cancel = await h.app.rest('POST', `/api/v1/bookings/${late.booking.id}/cancel`, { as: buyer, body: { reason: 'venue flooded' } })
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200)
    await request(buyer, artistId) // open
    const declined = await request(buyer, artistId)
    await h.app.rest('POST', `/api/v1/booking-requests/${declined.id}/decline`, { as: dealer, body: { reason: 'no' } })

    const sql = h.app.sql.length
    const seen = await h.app.rest('GET', `/api/v1/relationships/${dealer.agencyId}`, { as: buyer })
    expect(seen.status, JSON.stringify(seen.body)).toBe(200)
    expect(h.app.sql.length - sql).toBeLessThanOrEqual(10)
    const summary = seen.body.data.summary
    expect(summary).toMatchObject({
      requests: 5,
      openPipelines: 1,
      bookingsConfirmed: 3,
      cancelledByUs: 1,
      cancelledByThem: 0,
      lateCancelledByUs: 1,
      lateCancelledByThem: 0,
    })
    expect(summary.theirAverageAnswerSeconds).toEqual(expect.any(Number))
    expect(summary.ourAverageAnswerSeconds).toEqual(expect.any(Number))
    expect(summary.firstDealAt).not.toBeNull()
    expect(new Date(summary.lastDealAt).getTime()).toBeGreaterThanOrEqual(new Date(summary.firstDealAt).getTime())
    expect(summary.lastInteractionAt).not.toBeNull()
    expect(seen.body.data.counterparty).toMatchObject({ id: dealer.agencyId, kind: 'agency' })
    expect(seen.body.data.history.total).toBe(3)
    expect(seen.body.data.history.items.map((b: { status: string }) => b.status).sort()).toEqual(['cancelled', 'confirmed', 'confirmed'])
    expect(seen.body.data.history.items.find((b: { id: string }) => b.id === kept.booking.id).fee).toEqual({
      amount: flat.fee,
      currency: 'EUR',
      decimals: 2,
    })

    // The agency's view of the same pairing: the same facts, "us" and "them" the other way round.
    const theirs = await h.app.rest('GET', `/api/v1/relationships/${buyer.orgId}`, { as: dealer })
    expect(theirs.body.data.summary).toMatchObject({ bookingsConfirmed: 3, cancelledByUs: 0, cancelledByThem: 1, lateCancelledByThem: 1 })
    expect(theirs.body.data.summary.ourAverageAnswerSeconds).toBe(summary.theirAverageAnswerSeconds)
    expect(theirs.body.data.counterparty).toEqual({ id: buyer.orgId, kind: 'company', name: null })

    const gql = await h.app.graphql(ONE, { id: dealer.agencyId }, { as: buyer })
    expect(gql.errors).toBeUndefined()
    expect(gql.data.relationship.summary).toMatchObject({ requests: 5, openPipelines: 1, bookingsConfirmed: 3, cancelledByUs: 1 })
    expect(gql.data.relationship.history.totalCount).toBe(3)
    expect(gql.data.relationship.side).toBe('PROMOTER')
    expect(gql.data.relationship.counterparty.kind).toBe('AGENCY')

    const list = await h.app.rest('GET', '/api/v1/relationships', { as: buyer })
    expect(list.body.data.total).toBe(1)
    expect(list.body.data.items[0]).toMatchObject({
      counterparty: { id: dealer.agencyId },
      summary: { bookingsConfirmed: 3 },
      history: null,
    })
    const gqlList = await h.app.graphql(LIST, {}, { as: dealer })
    expect(gqlList.errors).toBeUndefined()
    expect(gqlList.data.relationships.totalCount).toBe(1)
    expect(gqlList.data.relationships.edges[0].node.summary.cancelledByThem).toBe(1)
  })
  it('moves in the transaction of the transition that writes the activity, and rolls back with it', async () => {
    const dealer = await agencySession(h.auth, h.app.db)
    const buyer = await h.auth.session(PROMOTER_ACCESS)
    const artistId = await representedArtist(dealer)
    const { booking, requestId } = await booked(buyer, artistId, nextSlot(), dealer)
    const key = { agencyId_artistId_promoterOrgId: { agencyId: dealer.agencyId, artistId, promoterOrgId: buyer.orgId } }
    const before = await h.app.db.relationshipStat.findUniqueOrThrow({ where: key })
    expect(before).toMatchObject({ requests: 1, bookingsConfirmed: 1, openPipelines: 0, cancelledByPromoter: 0 })

    // The promoter's cancellation as the pipeline writes it: inside the transaction the summary has moved, another
    // connection still reads the old one, and a rollback takes both back.
    await expect(
      h.app.db.$transaction(async (tx) => {
        await tx.bookingActivity.create({
          data: {
            requestId,
            subject: 'booking',
            subjectId: booking.id,
            action: 'cancel',
            fromStatus: 'confirmed',
            toStatus: 'cancelled',
            actorType: 'user',
            actorUserId: buyer.userId,
            actorOrgId: buyer.orgId,
          },
        })
        expect((await tx.relationshipStat.findUniqueOrThrow({ where: key })).cancelledByPromoter).toBe(1)
        expect((await h.app.db.relationshipStat.findUniqueOrThrow({ where: key })).cancelledByPromoter).toBe(0)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await h.app.db.relationshipStat.findUniqueOrThrow({ where: key })).toEqual(before)

    // The real cancellation: the summary read right after it (no other write in between) has it.
    const cancel = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: buyer, body: { reason: 'tour moved' } })
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200)
    const after = await h.app.rest('GET', `/api/v1/relationships/${buyer.orgId}`, { as: dealer })
    expect(after.body.data.summary).toMatchObject({ bookingsConfirmed: 1, cancelledByThem: 1, cancelledByUs: 0 })
  })
})

describe('double-blind ratings', () => {
  const RATINGS = `query($id: ID!) { booking(id: $id) { id ratings { side window revealed theirsSubmitted
    mine { id communication comment revealedAt } theirs { id communication comment } } } }`
  const scores = (n: number, comment?: string) => ({
    communication: n,
    reliability: n,
    hospitalityOrProduction: n,
    paymentOrPerformance: n,
    ...(comment ? { comment } : {}),
  })
  const afterEvent = (endsAt: string) => new Date(endsAt).getTime() - Date.now() + 3600_000

  it('hides the first rating until the other side rates, then shows both and freezes them, on both faces', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const early = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter, body: scores(4) })
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('rating_not_open')
    expect(await h.app.db.bookingRating.count({ where: { bookingId: booking.id } })).toBe(0)

    h.app.clock.advance(afterEvent(booking.endsAt))
    const first = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter, body: scores(4, 'great crew') })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    expect(first.body.data).toMatchObject({ side: 'promoter', revealed: false, window: 'open', theirs: null, mine: { communication: 4 } })

    // One side rated: the other sees that it did, never what.
    const agencyRest = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/ratings`, { as: agency })
    expect(agencyRest.body.data).toMatchObject({ side: 'agency', revealed: false, mine: null, theirsSubmitted: true, theirs: null })
    expect(JSON.stringify(agencyRest.body)).not.toContain('great crew')
    const agencyGql = await h.app.graphql(RATINGS, { id: booking.id }, { as: agency })
    expect(agencyGql.data.booking.ratings).toMatchObject({
      side: 'AGENCY',
      revealed: false,
      theirsSubmitted: true,
      theirs: null,
      mine: null,
    })

    const edited = await h.app.graphql(
      `mutation($id: ID!) { editBookingRating(id: $id, input: { communication: 5 }) { mine { communication } } }`,
      { id: first.body.data.mine.id },
      { as: promoter },
    )
    expect(edited.data.editBookingRating.mine.communication).toBe(5)

    const second = await h.app.graphql(
      `mutation($id: ID!, $input: BookingRatingInput!) { rateBooking(bookingId: $id, input: $input) { revealed theirs { communication comment } } }`,
      { id: booking.id, input: scores(3) },
      { as: agency },
    )
    expect(second.errors).toBeUndefined()
    expect(second.data.rateBooking).toEqual({ revealed: true, theirs: { communication: 5, comment: 'great crew' } })
    const promoterView = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter })
    expect(promoterView.body.data).toMatchObject({ revealed: true, theirs: { communication: 3 }, mine: { communication: 5 } })
    expect(promoterView.body.data.mine.revealedAt).not.toBeNull()

    // Revealed: never edited again, never rated twice, not even behind the service's back.
    const late = await h.app.rest('PATCH', `/api/v1/booking-ratings/${first.body.data.mine.id}`, {
      as: promoter,
      body: { communication: 1 },
    })
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe('rating_revealed')
    const lateGql = await h.app.graphql(
      `mutation($id: ID!) { editBookingRating(id: $id, input: { comment: "rewritten" }) { revealed } }`,
      { id: (await h.app.db.bookingRating.findFirstOrThrow({ where: { bookingId: booking.id, raterSide: 'agency' } })).id },
      { as: agency },
    )
    expect(lateGql.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'rating_revealed' })
    const twice = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: agency, body: scores(1) })
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('already_rated')
    const twiceGql = await h.app.graphql(
      `mutation($id: ID!, $input: BookingRatingInput!) { rateBooking(bookingId: $id, input: $input) { revealed } }`,
      { id: booking.id, input: scores(1) },
      { as: promoter },
    )
    expect(twiceGql.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'already_rated' })
    const agencyAfter = await h.app.graphql(RATINGS, { id: booking.id }, { as: agency })
    expect(agencyAfter.data.booking.ratings).toMatchObject({
      revealed: true,
      mine: { communication: 3, comment: null },
      theirs: { communication: 5, comment: 'great crew' },
    })
    await expect(h.app.db.bookingRating.update({ where: { id: first.body.data.mine.id }, data: { communication: 1 } })).rejects.toThrow()
    await expect(h.app.db.bookingRating.delete({ where: { id: first.body.data.mine.id } })).rejects.toThrow()
    expect((await h.app.db.bookingRating.findUniqueOrThrow({ where: { id: first.body.data.mine.id } })).communication).toBe(5)

    const events = await h.app.db.outboxEvent.findMany({
      where: { eventType: { startsWith: 'booking.rating.' }, payload: { path: ['bookingId'], equals: booking.id } },
    })
    expect(events.map((e) => e.eventType).sort()).toEqual([
      'booking.rating.edited',
      'booking.rating.revealed',
      'booking.rating.revealed',
      'booking.rating.submitted',
      'booking.rating.submitted',
    ])
    expect(JSON.stringify(events.map((e) => e.payload))).not.toContain('great crew')
  })

  it('reveals a lone rating when the window closes (clock advance), on both faces, and refuses late ratings', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    h.app.clock.advance(afterEvent(booking.endsAt))
    const first = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: agency, body: scores(2, 'paid late') })
    expect(first.status).toBe(201)
    expect((await h.app.rest('GET', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter })).body.data.theirs).toBeNull()

    h.app.clock.advance(14 * DAY)
    const rest = await h.app.rest('GET', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter })
    expect(rest.body.data).toMatchObject({
      window: 'closed',
      revealed: true,
      mine: null,
      theirs: { communication: 2, comment: 'paid late' },
    })
    const gql = await h.app.graphql(RATINGS, { id: booking.id }, { as: promoter })
    expect(gql.data.booking.ratings).toMatchObject({ window: 'CLOSED', revealed: true, theirs: { communication: 2 } })

    const tooLate = await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter, body: scores(5) })
    expect(tooLate.status).toBe(409)
    expect(tooLate.body.error.code).toBe('rating_window_closed')
    const frozen = await h.app.rest('PATCH', `/api/v1/booking-ratings/${first.body.data.mine.id}`, {
      as: agency,
      body: { communication: 5 },
    })
    expect(frozen.status).toBe(409)
    expect(frozen.body.error.code).toBe('rating_revealed')
    const frozenGql = await h.app.graphql(
      `mutation($id: ID!) { editBookingRating(id: $id, input: { communication: 5 }) { revealed } }`,
      { id: first.body.data.mine.id },
      { as: agency },
    )
    expect(frozenGql.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'rating_revealed' })
    const tooLateGql = await h.app.graphql(
      `mutation($id: ID!, $input: BookingRatingInput!) { rateBooking(bookingId: $id, input: $input) { revealed } }`,
      { id: booking.id, input: scores(5) },
      { as: promoter },
    )
    expect(tooLateGql.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'rating_window_closed' })
    const raterGql = await h.app.graphql(RATINGS, { id: booking.id }, { as: agency })
    expect(raterGql.data.booking.ratings).toMatchObject({
      window: 'CLOSED',
      revealed: true,
      theirsSubmitted: false,
      mine: { communication: 2 },
    })
    expect(await h.app.db.bookingRating.count({ where: { bookingId: booking.id } })).toBe(1)
    expect((await h.app.db.bookingRating.findFirstOrThrow({ where: { bookingId: booking.id } })).communication).toBe(2)
  })

  it('is only for the two parties, with the permission, and valid scores', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    h.app.clock.advance(afterEvent(booking.endsAt))
    expect((await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: outsiderPromoter, body: scores(1) })).status).toBe(404)
    expect((await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: 'machine', body: scores(1) })).status).toBe(403)
    const reader = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.bookings.read'], orgId: promoter.orgId })
    expect((await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: reader, body: scores(1) })).status).toBe(403)
    expect((await h.app.rest('GET', `/api/v1/bookings/${booking.id}/ratings`, { as: reader })).status).toBe(200)
    for (const body of [scores(0), scores(6), { ...scores(3), communication: 2.5 }, { communication: 3 }]) {
      expect(
        (await h.app.rest('POST', `/api/v1/bookings/${booking.id}/ratings`, { as: promoter, body })).status,
        JSON.stringify(body),
      ).toBe(400)
    }
    expect(await h.app.db.bookingRating.count({ where: { bookingId: booking.id } })).toBe(0)
  })
})

describe('the trust score', () => {
  const TRUST = `query($id: ID!) { agency(id: $id) { id trust { companyId subjectKind version status score completedBookings
    minimumCompletedBookings ratingsCount factors { name weight value points explanation } } } }`

  it('shows "not enough history" below 3 completed bookings and an explained, versioned score from 3, on both faces', async () => {
    const dealer = await agencySession(h.auth, h.app.db)
    const buyer = await h.auth.session(PROMOTER_ACCESS)
    const artistId = await representedArtist(dealer)
    const deals = [await booked(buyer, artistId, nextSlot(), dealer), await booked(buyer, artistId, nextSlot(), dealer)]

    const lastEnd = () => Math.max(...deals.map((d) => new Date(d.booking.endsAt).getTime()))
    h.app.clock.advance(lastEnd() - Date.now() + 3600_000)
    const thin = await h.app.rest('GET', `/api/v1/trust/${dealer.agencyId}`, { as: outsiderPromoter })
    expect(thin.status).toBe(200)
    expect(thin.body.data).toMatchObject({ status: 'not_enough_history', score: null, completedBookings: 2, version: 1, factors: [] })
    const thinGql = await h.app.graphql(
      `query($id: ID!) { trustScore(companyId: $id) { status score completedBookings minimumCompletedBookings factors { name } } }`,
      { id: dealer.agencyId },
      { as: outsiderAgency },
    )
    expect(thinGql.data.trustScore).toEqual({
      status: 'NOT_ENOUGH_HISTORY',
      score: null,
      completedBookings: 2,
      minimumCompletedBookings: 3,
      factors: [],
    })
    h.app.clock.reset()

    deals.push(await booked(buyer, artistId, nextSlot(), dealer))
    h.app.clock.advance(lastEnd() - Date.now() + 3600_000)
    const rest = await h.app.rest('GET', `/api/v1/trust/${dealer.agencyId}`, { as: outsiderPromoter })
    expect(rest.body.data).toMatchObject({ status: 'scored', version: 1, completedBookings: 3, subjectKind: 'agency' })
    expect(rest.body.data.score).toBeGreaterThan(0)
    expect(rest.body.data.score).toBeLessThanOrEqual(100)
    expect(rest.body.data.factors.map((f: { name: string }) => f.name)).toEqual([
      'completion',
      'reliability',
      'responsiveness',
      'rating',
      'tenure',
    ])
    const points = rest.body.data.factors.reduce((sum: number, f: { points: number }) => sum + f.points, 0)
    // No revealed rating yet: the rating factor is the network mean alone, never one rating worked back out of it.
    expect(rest.body.data.ratingsCount).toBe(0)
    expect(rest.body.data.factors.find((f: { name: string }) => f.name === 'rating').explanation).toMatch(
      /^fewer than 3 revealed ratings: the network mean/,
    )
    expect(Math.abs(points - rest.body.data.score)).toBeLessThanOrEqual(1)

    // The same on GraphQL, for any directory reader of the network (an outsider agency here), through Agency.trust.
    const gql = await h.app.graphql(TRUST, { id: dealer.agencyId }, { as: outsiderAgency })
    expect(gql.errors).toBeUndefined()
    expect(gql.data.agency.trust).toMatchObject({ status: 'SCORED', score: rest.body.data.score, version: 1, completedBookings: 3 })
    // The tenant company bridged to the agency shows the agency's score; the buyer its own.
    const companies = await h.app.graphql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { id trust { subjectKind subjectId status completedBookings } } } }`,
      {
        r: [
          { __typename: 'Company', id: dealer.orgId },
          { __typename: 'Company', id: buyer.orgId },
        ],
      },
      { as: outsiderPromoter },
    )
    expect(companies.data._entities).toEqual([
      { id: dealer.orgId, trust: { subjectKind: 'AGENCY', subjectId: dealer.agencyId, status: 'SCORED', completedBookings: 3 } },
      { id: buyer.orgId, trust: { subjectKind: 'COMPANY', subjectId: buyer.orgId, status: 'SCORED', completedBookings: 3 } },
    ])

    // Directory readers only.
    const noDirectory = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.bookings.read'] })
    expect((await h.app.rest('GET', `/api/v1/trust/${dealer.agencyId}`, { as: noDirectory })).status).toBe(403)
    expect((await h.app.rest('GET', `/api/v1/trust/${dealer.agencyId}`, { as: 'machine' })).status).toBe(200)
  })

  it('counts a cancellation against the company that cancelled, twice when late, on both faces', async () => {
    const dealer = await agencySession(h.auth, h.app.db)
    const buyer = await h.auth.session(PROMOTER_ACCESS)
    const artistId = await representedArtist(dealer)
    const deals = [
      await booked(buyer, artistId, nextSlot(), dealer),
      await booked(buyer, artistId, nextSlot(), dealer),
      await booked(buyer, artistId, nextSlot(), dealer),
    ]
    // The agency cancels a show ten days ahead: a late cancellation, by the agency.
    const soon = new Date(Date.now() + 10 * DAY)
    const late = await booked(
      buyer,
      artistId,
      { startsAt: soon.toISOString(), endsAt: new Date(soon.getTime() + 3600_000).toISOString() },
      dealer,
    )
    const cancel = await h.app.rest('POST', `/api/v1/bookings/${late.booking.id}/cancel`, { as: dealer, body: { reason: 'artist ill' } })
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200)
    h.app.clock.advance(Math.max(...deals.map((d) => new Date(d.booking.endsAt).getTime())) - Date.now() + 3600_000)

    const QUERY = `query($a: ID!, $b: ID!) { agency: trustScore(companyId: $a) { ...T } buyer: trustScore(companyId: $b) { ...T } }
      fragment T on TrustScore { status completedBookings factors { name value explanation } }`
    const gql = await h.app.graphql(QUERY, { a: dealer.agencyId, b: buyer.orgId }, { as: outsiderPromoter })
    expect(gql.errors).toBeUndefined()
    const factor = (who: 'agency' | 'buyer', name: string) =>
      gql.data[who].factors.find((f: { name: string }) => f.name === name) as { value: number; explanation: string }
    expect(gql.data.agency).toMatchObject({ status: 'SCORED', completedBookings: 3 })
    // (3 + 1) / (3 + 1 + 2) and 1 − (1 + 1 late) / (3 + 1)
    expect(factor('agency', 'completion').value).toBeCloseTo(4 / 6, 3)
    expect(factor('agency', 'reliability').value).toBeCloseTo(0.5, 3)
    expect(factor('agency', 'reliability').explanation).toContain('1 cancellations by this company, 1 of them less than 30 days')
    // The buyer did not cancel: nothing against it.
    expect(gql.data.buyer).toMatchObject({ status: 'SCORED', completedBookings: 3 })
    expect(factor('buyer', 'reliability').value).toBe(1)
    expect(factor('buyer', 'completion').value).toBeCloseTo(4 / 5, 3)

    const rest = await h.app.rest('GET', `/api/v1/trust/${dealer.orgId}`, { as: outsiderPromoter })
    expect(rest.body.data).toMatchObject({ subjectKind: 'agency', subjectId: dealer.agencyId, completedBookings: 3 })
    expect(rest.body.data.factors.find((f: { name: string }) => f.name === 'reliability').value).toBeCloseTo(0.5, 3)
  })

  it('reads trust for a page of agencies in one batched statement', async () => {
    const page = `{ agencies(first: 20) { edges { node { id trust { status } } } } }`
    const before = h.app.sql.length
    const r = await h.app.graphql(page, {}, { as: outsiderPromoter })
    expect(r.errors).toBeUndefined()
    const trustStatements = h.app.sql.slice(before).filter((s) => s.includes('relationship_stats'))
    expect(trustStatements).toHaveLength(1)
  })
})

describe('access rules', () => {
  it('declares relationships, ratings and trust in the catalog and shows each rule in the SDL', async () => {
    const sdl: string = (await h.app.graphql('{ _service { sdl } }')).data._service.sdl
    const ruleOf = (field: string) => new RegExp(`\\n\\s+${field}\\b[^\\n]*@requiresPermission\\(rule: "([a-z.]+)"`).exec(sdl)?.[1]
    const expected: Record<string, string> = {
      relationships: 'relationships.read',
      relationship: 'relationships.read',
      relationshipNote: 'relationships.read',
      relationshipFlag: 'relationships.read',
      addRelationshipNote: 'relationships.manage',
      editRelationshipNote: 'relationships.manage',
      deleteRelationshipNote: 'relationships.manage',
      setRelationshipFlag: 'relationships.manage',
      editRelationshipFlag: 'relationships.manage',
      clearRelationshipFlag: 'relationships.manage',
      rateBooking: 'ratings.submit',
      editBookingRating: 'ratings.submit',
      ratings: 'ratings.read',
      trustScore: 'trust.read',
      trust: 'trust.read',
    }
    expect(Object.fromEntries(Object.keys(expected).map((f) => [f, ruleOf(f)]))).toEqual(expected)
    // Both sides hold their own permissions of each rule; trust is a directory reader's.
    expect(sdl).toContain(
      '@requiresPermission(rule: "relationships.manage", anyOf: ["artist.relationships.manage", "promoter.relationships.manage"], internal: false, agencyGate: true)',
    )
    expect(sdl).toContain('@requiresPermission(rule: "ratings.submit", anyOf: ["artist.ratings.submit", "promoter.ratings.submit"]')
    expect(sdl).toContain(
      '@requiresPermission(rule: "trust.read", anyOf: ["artist.directory.read", "promoter.directory.read"], internal: true',
    )
  })
})
