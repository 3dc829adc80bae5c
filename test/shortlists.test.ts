// Shortlists: private to their creator or shared with the company, ordered, at most 500 artists (the
// database's rule), each item with the artist's live availability on the event day; bulk booking requests
// under one Idempotency-Key, each artist's outcome reported, a retry replayed.
import { randomUUID } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeEach(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const post = (path: string, as: Session, body: unknown, key?: string) =>
  h.app.rest('POST', path, { as, body, headers: key ? { 'idempotency-key': key } : {} })

async function shortlist(as: Session, body: Record<string, unknown> = {}) {
  const r = await post('/api/v1/shortlists', as, { name: 'Summer festival', ...body })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body.data as { id: string; version: number }
}

const DAY = 86_400_000
const eventDay = () => new Date(Date.UTC(new Date().getUTCFullYear() + 7, 6, 14))

describe('shortlists', () => {
  it('keeps a private list from colleagues and shares a company one', async () => {
    const colleague = await h.auth.session({ ...PROMOTER_ACCESS, orgId: promoter.orgId })
    const mine = await shortlist(promoter)
    const shared = await shortlist(promoter, { name: 'Shared', visibility: 'company' })
    expect((await h.app.rest('GET', `/api/v1/shortlists/${mine.id}`, { as: colleague })).status).toBe(404)
    expect((await h.app.rest('PATCH', `/api/v1/shortlists/${mine.id}`, { as: colleague, body: { name: 'x' } })).status).toBe(404)
    expect((await post(`/api/v1/shortlists/${mine.id}/items`, colleague, { artistId: randomUUID() })).status).toBe(404)
    const listed = await h.app.rest('GET', '/api/v1/shortlists', { as: colleague })
    expect(listed.body.data.items.map((s: { id: string }) => s.id)).toEqual([shared.id])
    expect((await h.app.rest('GET', '/api/v1/shortlists', { as: promoter })).body.data.total).toBe(2)
    const gql = await h.app.graphql('query($id: ID!) { shortlist(id: $id) { id } }', { id: mine.id }, { as: colleague })
    expect(gql.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
    // Another company sees neither; the agency side keeps none.
    const other = await h.auth.session(PROMOTER_ACCESS)
    expect((await h.app.rest('GET', `/api/v1/shortlists/${shared.id}`, { as: other })).status).toBe(404)
    expect((await h.app.rest('GET', '/api/v1/shortlists', { as: agency })).status).toBe(403)
    expect((await h.app.rest('DELETE', `/api/v1/shortlists/${shared.id}`, { as: colleague })).status).toBe(200)
    expect(await h.app.db.shortlist.count({ where: { id: shared.id } })).toBe(0)
  })

  it('orders items with notes, refuses duplicates and stale edits, and shows live availability on the event day', async () => {
    const [a, b, c] = [await representedArtist(), await representedArtist(), await representedArtist()]
    const day = eventDay()
    const list = await shortlist(promoter, { eventOn: day.toISOString().slice(0, 10), budget: 2_000_000, currency: 'eur' })
    const added = []
    for (const artistId of [a, b])
      added.push((await post(`/api/v1/shortlists/${list.id}/items`, promoter, { artistId, note: 'headliner?' })).body.data)
    const third = await post(`/api/v1/shortlists/${list.id}/items`, promoter, { artistId: c, position: 0 })
    expect(third.status).toBe(201)
    const dup = await post(`/api/v1/shortlists/${list.id}/items`, promoter, { artistId: a })
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('already_on_shortlist')
    const moved = await h.app.rest('PATCH', `/api/v1/shortlist-items/${added[0].id}`, {
      as: promoter,
      body: { position: 5, note: 'closing act' },
    })
    expect(moved.status).toBe(200)

    // b is booked on the day; a has a blocked window over it; c published nothing.
    await booked(promoter, b, {
      startsAt: new Date(day.getTime() + 20 * 3600_000).toISOString(),
      endsAt: new Date(day.getTime() + 22 * 3600_000).toISOString(),
    })
    const window = await h.app.rest('POST', `/api/v1/artists/${a}/availability`, {
      as: agency,
      body: {
        startsOn: new Date(day.getTime() - DAY).toISOString().slice(0, 10),
        endsOn: new Date(day.getTime() + DAY).toISOString().slice(0, 10),
        status: 'blocked',
      },
    })
    expect(window.status, JSON.stringify(window.body)).toBe(201)
    const detail = await h.app.rest('GET', `/api/v1/shortlists/${list.id}`, { as: promoter })
    expect(
      detail.body.data.items.map((i: { artistId: string; position: number; note: string | null; availability: { status: string } }) => [
        i.artistId,
        i.position,
        i.note,
        i.availability.status,
      ]),
    ).toEqual([
      [c, 0, null, 'unpublished'],
      [b, 1, 'headliner?', 'booked'],
      [a, 2, 'closing act', 'blocked'],
    ])
    expect(detail.body.data).toMatchObject({ itemCount: 3, budget: 2_000_000, currency: 'EUR' })
    const eventOn = day.toISOString().slice(0, 10)
    expect(detail.body.data.items.map((i: { availability: { eventOn: string } }) => i.availability.eventOn)).toEqual([
      eventOn,
      eventOn,
      eventOn,
    ])

    const gql = await h.app.graphql(
      `query($id: ID!) { shortlist(id: $id) { itemCount ...Items } } fragment Items on Shortlist { items { position artist { id } availability { eventOn status activeHolds } } }`,
      { id: list.id },
      { as: promoter },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.shortlist.items.map((i: { availability: { status: string } }) => i.availability.status)).toEqual([
      'UNPUBLISHED',
      'BOOKED',
      'BLOCKED',
    ])
    // Both faces say the day alike: a calendar day, not an instant.
    expect(gql.data.shortlist.items.map((i: { availability: { eventOn: string } }) => i.availability.eventOn)).toEqual([
      eventOn,
      eventOn,
      eventOn,
    ])

    const current = (await h.app.db.shortlist.findUniqueOrThrow({ where: { id: list.id } })).version
    const stale = await h.app.rest('PATCH', `/api/v1/shortlists/${list.id}`, {
      as: promoter,
      body: { name: 'Renamed', version: current - 1 },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('stale_version')
    expect((await h.app.db.shortlist.findUniqueOrThrow({ where: { id: list.id } })).name).toBe('Summer festival')
    const removed = await h.app.rest('DELETE', `/api/v1/shortlist-items/${third.body.data.id}`, { as: promoter })
    expect(removed.status).toBe(200)
    const after = await h.app.db.shortlistItem.findMany({ where: { shortlistId: list.id }, orderBy: { position: 'asc' } })
    expect(after.map((i) => [i.artistId, i.position])).toEqual([
      [b, 0],
      [a, 1],
    ])
    expect(validationFields(await post('/api/v1/shortlists', promoter, { name: 'x', budget: 5 }))).toEqual([
      { field: 'currency', message: 'required with a budget' },
    ])
  })

  it("shows a keeper without the directory its items' artists the same on both faces, their relations under their own rule", async () => {
    const keeper = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.shortlists.manage'] })
    const { id } = await shortlist(keeper)
    const artistId = await representedArtist()
    expect((await post(`/api/v1/shortlists/${id}/items`, keeper, { artistId })).status).toBe(201)
    const rest = await h.app.rest('GET', `/api/v1/shortlists/${id}`, { as: keeper })
    expect(rest.status, JSON.stringify(rest.body)).toBe(200)
    const card = rest.body.data.items[0].artist as { id: string; name: string; slug: string }
    expect(card.id).toBe(artistId)
    const read = (fields: string) =>
      h.app.graphql(`query($id: ID!) { shortlist(id: $id) { items { artist { ${fields} } } } }`, { id }, { as: keeper })
    const graph = await read('id name slug')
    expect(graph.errors, JSON.stringify(graph.errors)).toBeUndefined()
    expect((graph.data as { shortlist: { items: { artist: unknown }[] } }).shortlist.items[0]!.artist).toEqual({
      id: card.id,
      name: card.name,
      slug: card.slug,
    })
    // The card's own fields only: the artist's genres are the directory's.
    const genres = await read('id genres { id }')
    expect(genres.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN'])
  })

  it('holds at most 500 artists, in the database too', async () => {
    const list = await shortlist(promoter)
    const ids = Array.from({ length: 501 }, () => randomUUID())
    await h.app.db.artist.createMany({ data: ids.map((id, i) => ({ id, name: `Filler ${i}`, slug: `filler-${id}` })) })
    await h.app.db.$executeRaw`
      INSERT INTO shortlist_items (id, shortlist_id, artist_id, position, added_by_user_id, updated_at)
      SELECT gen_random_uuid(), ${list.id}::uuid, a, n, ${promoter.userId}::uuid, now() FROM unnest(${ids.slice(0, 500)}::uuid[]) WITH ORDINALITY AS t(a, n)`
    const full = await post(`/api/v1/shortlists/${list.id}/items`, promoter, { artistId: ids[500] })
    expect(full.status).toBe(409)
    expect(full.body.error.code).toBe('shortlist_full')
    await expect(
      h.app.db.shortlistItem.create({ data: { shortlistId: list.id, artistId: ids[500]!, position: 500, addedByUserId: promoter.userId } }),
    ).rejects.toThrow(/shortlists_items_max_chk/)
    expect(await h.app.db.shortlistItem.count({ where: { shortlistId: list.id } })).toBe(500)
  })
})

describe('requests from a shortlist', () => {
  it('sends one request per artist under one key, reports each outcome, and replays a retry', async () => {
    const [a, b] = [await representedArtist(), await representedArtist()]
    const unrepresented = (await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: `Solo ${randomUUID().slice(0, 6)}` } }))
      .body.data.id
    const list = await shortlist(promoter, { budget: 900_000, currency: 'EUR' })
    for (const artistId of [a, unrepresented, b]) await post(`/api/v1/shortlists/${list.id}/items`, promoter, { artistId })
    const start = new Date(eventDay().getTime() + 40 * DAY + 20 * 3600_000)
    const body = { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString(), venueName: 'Razzmatazz' }

    expect((await post(`/api/v1/shortlists/${list.id}/request`, promoter, body)).status).toBe(400)
    const key = randomUUID()
    const first = await post(`/api/v1/shortlists/${list.id}/request`, promoter, body, key)
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const outcomes = first.body.data.outcomes
    expect(outcomes.map((o: { artistId: string; outcome: string }) => [o.artistId, o.outcome])).toEqual([
      [a, 'created'],
      [unrepresented, 'refused'],
      [b, 'created'],
    ])
    expect(outcomes[1].error.code).toBe('artist_not_represented')
    const rows = await h.app.db.bookingRequest.findMany({ where: { promoterOrgId: promoter.orgId } })
    expect(rows).toHaveLength(2)
    expect(rows.every((r) => r.budget === 900_000n && r.currency === 'EUR')).toBe(true)

    const again = await post(`/api/v1/shortlists/${list.id}/request`, promoter, body, key)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.body).toEqual(first.body)
    expect(await h.app.db.bookingRequest.count({ where: { promoterOrgId: promoter.orgId } })).toBe(2)

    // A bad date refuses the whole call and writes nothing.
    const past = await post(`/api/v1/shortlists/${list.id}/request`, promoter, { ...body, startsAt: '2001-01-01T00:00:00Z' }, randomUUID())
    expect(past.status).toBe(400)
    expect(await h.app.db.bookingRequest.count({ where: { promoterOrgId: promoter.orgId } })).toBe(2)

    // GraphQL, with its own key: each artist asked again is refused by the pipeline's own rules or created.
    const gqlKey = randomUUID()
    const mutation = `mutation($id: ID!, $input: ShortlistRequestInput!) { requestFromShortlist(id: $id, input: $input) { outcomes { artistId outcome requestId error { code } } } }`
    const later = new Date(start.getTime() + 3 * DAY)
    const vars = { id: list.id, input: { startsAt: later.toISOString(), endsAt: new Date(later.getTime() + 3600_000).toISOString() } }
    const g1 = await h.app.graphql(mutation, vars, { as: promoter, headers: { 'idempotency-key': gqlKey } })
    expect(g1.errors).toBeUndefined()
    expect(g1.data.requestFromShortlist.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(['CREATED', 'REFUSED', 'CREATED'])
    const g2 = await h.app.graphql(mutation, vars, { as: promoter, headers: { 'idempotency-key': gqlKey } })
    expect(g2.data).toEqual(g1.data)
    expect(await h.app.db.bookingRequest.count({ where: { promoterOrgId: promoter.orgId } })).toBe(4)
  })

  it('needs the booking permission as well as the shortlist one', async () => {
    const curator = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.shortlists.manage'] })
    const list = await shortlist(curator)
    const r = await post(
      `/api/v1/shortlists/${list.id}/request`,
      curator,
      { startsAt: new Date(Date.now() + 9 * DAY).toISOString(), endsAt: new Date(Date.now() + 9.1 * DAY).toISOString() },
      randomUUID(),
    )
    expect(r.status).toBe(403)
  })

  it('answers bad input with 400s naming the field, never a 500', async () => {
    const list = await shortlist(promoter)
    expect((await h.app.rest('PATCH', '/api/v1/shortlist-items/not-a-uuid', { as: promoter, body: {} })).status).toBe(400)
    expect(
      validationFields(await post(`/api/v1/shortlists/${list.id}/items`, promoter, { artistId: randomUUID(), position: -1 })).map(
        (f) => f.field,
      ),
    ).toEqual(['position'])
    expect(validationFields(await post(`/api/v1/shortlists/${list.id}/items`, promoter, { artistId: randomUUID() }))).toEqual([
      { field: 'artistId', message: 'unknown artist' },
    ])
    expect(
      validationFields(await post('/api/v1/shortlists', promoter, { name: 'x', visibility: 'public', eventOn: '2030-02-30' }))
        .map((f) => f.field)
        .sort(),
    ).toEqual(['eventOn', 'visibility'])
    const body = { startsAt: '2040-01-01T20:00:00Z', endsAt: '2040-01-01T19:00:00Z', itemIds: [randomUUID()] }
    expect((await post(`/api/v1/shortlists/${list.id}/request`, promoter, body, randomUUID())).status).toBe(400)
    const gql = await h.app.graphql('{ tasks(first: 500) { edges { cursor } } }', {}, { as: promoter })
    expect(gql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    const wide = await h.app.graphql(
      'mutation($v: ShortlistVisibility!) { createShortlist(input: { name: "Gql", visibility: $v, budget: 100, currency: "usd" }) { visibility currency budget } }',
      { v: 'COMPANY' },
      { as: promoter },
    )
    expect(wide.data.createShortlist).toEqual({ visibility: 'COMPANY', currency: 'USD', budget: 100 })
  })
})
