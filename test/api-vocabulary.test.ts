// One vocabulary across every area (issue 20), checked on the schema as a whole so that a new area cannot
// drift: day fields are the Date scalar, closed sets are enums, stored types carry updatedAt, counterparties
// are references. Then the same on both faces for the areas that came last (tours, shortlists, the
// activity feed, contract templates).
import { randomUUID } from 'node:crypto'
import { getNamedType, isInputObjectType, isNonNullType, isObjectType, type GraphQLField, type GraphQLInputField } from 'graphql'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDatamodel } from '../src/generated/pothos-types.ts'
import { schema } from '../src/schema.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

type AnyField = GraphQLField<unknown, unknown> | GraphQLInputField
const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('_'))

/** Every field, input field and argument, as `Type.field` or `Type.field(arg)`, with its type. */
function everyField(): { at: string; field: AnyField | GraphQLField<unknown, unknown>['args'][number] }[] {
  const out: { at: string; field: AnyField | GraphQLField<unknown, unknown>['args'][number] }[] = []
  for (const t of types) {
    if (!isObjectType(t) && !isInputObjectType(t)) continue
    for (const f of Object.values(t.getFields()) as AnyField[]) {
      out.push({ at: `${t.name}.${f.name}`, field: f })
      for (const a of 'args' in f ? f.args : []) out.push({ at: `${t.name}.${f.name}(${a.name})`, field: a })
    }
  }
  return out
}

describe('one vocabulary in the schema', () => {
  it('types every day-valued field, input and argument as the Date scalar', () => {
    const dayNamed = (name: string) => /On$/.test(name) || name === 'date'
    const ranges = [
      'AvailabilitySearchFilter.from',
      'AvailabilitySearchFilter.to',
      'TourFilter.from',
      'TourFilter.to',
      'MarketplaceFilter.around',
    ]
    const days = everyField()
      .filter(({ at, field }) => dayNamed(field.name) || ranges.includes(at))
      .filter(({ field }) => !isObjectType(getNamedType(field.type)))
    expect(days.length).toBeGreaterThan(30)
    expect(days.filter(({ field }) => getNamedType(field.type).name !== 'Date').map(({ at }) => at)).toEqual([])
  })

  it('speaks enums for closed sets: no status, type, kind, side, role or subject is a String', () => {
    const closed =
      /^(status|type|kind|side|role|category|visibility|phase|state|severity|actorType|actorSide|decidedSide|raterSide|subjectType|subject|action|fromStatus|toStatus)$/
    // Documented exceptions: the activity feed's `type` is the events contract's name (docs/events.md), and
    // fromStatus/toStatus of pipeline activity and the feed mix several subjects' enums (as REST writes them).
    const open = [
      'ActivityItem.type',
      'ActivityItem.fromStatus',
      'ActivityItem.toStatus',
      'BookingActivity.fromStatus',
      'BookingActivity.toStatus',
    ]
    const loose = everyField()
      .filter(({ at, field }) => closed.test(field.name) && !open.includes(at))
      .filter(({ field }) => getNamedType(field.type).name === 'String')
      .map(({ at }) => at)
    expect(loose).toEqual([])
  })

  it('lets one row fail alone: every connection edge has a nullable node', () => {
    const edges = types.filter((t) => isObjectType(t) && t.name.endsWith('Edge') && t.getFields().node)
    expect(edges.length).toBeGreaterThan(20)
    expect(edges.filter((t) => isObjectType(t) && isNonNullType(t.getFields().node!.type)).map((t) => t.name)).toEqual([])
  })

  it('gives every type read from a stored row an updatedAt', () => {
    const models = Object.keys(getDatamodel().datamodel.models)
    const stored = [
      ...models.filter((m) => schema.getType(m)),
      'AgencyRequest',
      'ActivityItem',
      'Tour',
      'TourStop',
      'ItineraryItem',
      'Shortlist',
    ]
    const missing = stored.filter((name) => {
      const t = schema.getType(name)
      return isObjectType(t) && !t.getFields().updatedAt
    })
    expect(stored.length).toBeGreaterThan(40)
    expect(missing).toEqual([])
  })

  it('shows counterparties as User and Company references; each bare *UserId / *OrgId is deprecated beside one', () => {
    const bare = everyField().filter(({ at, field }) => !at.includes('(') && /(UserId|OrgId)$/.test(field.name))
    const outputs = bare.filter(({ at }) => isObjectType(schema.getType(at.split('.')[0]!)))
    expect(outputs.length).toBeGreaterThan(15)
    const undeprecated = outputs.filter(({ field }) => !('deprecationReason' in field && field.deprecationReason)).map(({ at }) => at)
    expect(undeprecated).toEqual([])
    const withoutReference = outputs
      .filter(({ at, field }) => {
        const type = schema.getType(at.split('.')[0]!)
        const reason = 'deprecationReason' in field ? (field.deprecationReason ?? '') : ''
        const ref = /^Use (\w+) \{ id \}/.exec(reason)?.[1]
        const target = ref && isObjectType(type) ? type.getFields()[ref] : undefined
        return !target || !['User', 'Company'].includes(getNamedType(target.type).name)
      })
      .map(({ at }) => at)
    expect(withoutReference).toEqual([])
  })
})

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('one vocabulary on both faces', () => {
  it('takes and shows tour days as YYYY-MM-DD: a Date variable on GraphQL, refused field by field when not a day, and nothing written', async () => {
    const artistId = await representedArtist()
    const year = new Date().getUTCFullYear() + 7
    const CREATE = 'mutation($i: TourInput!) { createTour(input: $i) { id startsOn endsOn updatedAt } }'
    const made = await h.app.graphql(
      CREATE,
      { i: { artistId, name: `Tour ${randomUUID().slice(0, 6)}`, startsOn: `${year}-03-01`, endsOn: `${year}-03-20` } },
      { as: agency },
    )
    expect(made.errors).toBeUndefined()
    expect(made.data.createTour).toMatchObject({ startsOn: `${year}-03-01`, endsOn: `${year}-03-20`, updatedAt: expect.any(String) })
    const rest = await h.app.rest('GET', `/api/v1/tours/${made.data.createTour.id}`, { as: agency })
    expect(rest.body.data).toMatchObject({ startsOn: `${year}-03-01`, endsOn: `${year}-03-20` })

    const before = await h.app.db.tour.count()
    const bad = await h.app.graphql(
      CREATE,
      { i: { artistId, name: 'Bad', startsOn: `${year}-03-01T00:00:00Z`, endsOn: `${year}-03-20` } },
      { as: agency },
    )
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(bad.errors?.[0]?.extensions?.fields).toEqual([{ field: 'startsOn', message: 'must be YYYY-MM-DD' }])
    expect(await h.app.db.tour.count()).toBe(before)

    const found = await h.app.graphql(
      'query($f: Date, $t: Date) { tours(filter: { from: $f, to: $t }) { totalCount } }',
      { f: `${year}-03-10`, t: `${year}-03-11` },
      { as: agency },
    )
    expect(found.errors).toBeUndefined()
    expect(found.data.tours.totalCount).toBe(1)
  })

  it('shows a shortlist with its creator as a reference, its event day as a Date and its updatedAt', async () => {
    const eventOn = `${new Date().getUTCFullYear() + 2}-06-21`
    const created = await h.app.rest('POST', '/api/v1/shortlists', { as: promoter, body: { name: 'Fête de la musique', eventOn } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.data).toMatchObject({ eventOn, createdByUserId: promoter.userId, updatedAt: expect.any(String) })
    const g = await h.app.graphql(
      'query($id: ID!) { shortlist(id: $id) { eventOn createdBy { id } updatedAt } }',
      { id: created.body.data.id },
      { as: promoter },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.shortlist).toEqual({ eventOn, createdBy: { id: promoter.userId }, updatedAt: created.body.data.updatedAt })
  })

  it("shows the activity feed's subject as an enum on GraphQL and lowercase on REST, with updatedAt on both", async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const rest = await h.app.rest('GET', '/api/v1/activity?first=1', { as: promoter })
    expect(rest.body.data.items[0]).toMatchObject({
      type: 'booking.confirmed',
      subjectType: 'booking',
      subjectId: booking.id,
      updatedAt: expect.any(String),
    })
    const g = await h.app.graphql(
      '{ activity(first: 1) { edges { node { type subjectType subjectId updatedAt } } } tasks(first: 5) { edges { node { subjectType } } } }',
      {},
      { as: promoter },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.activity.edges[0].node).toEqual({
      type: 'booking.confirmed',
      subjectType: 'BOOKING',
      subjectId: booking.id,
      updatedAt: rest.body.data.items[0].updatedAt,
    })
    for (const e of g.data.tasks.edges) expect(['REQUEST', 'OFFER', 'HOLD', 'CONTRACT', 'BOOKING']).toContain(e.node.subjectType)
  })

  it('finds contract templates by name whatever their accents or case, on both faces', async () => {
    const t = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: agency,
      body: { name: 'Contrato Estándar Festivál', body: 'v1' },
    })
    expect(t.status, JSON.stringify(t.body)).toBe(201)
    expect(t.body.data).not.toHaveProperty('nameSearch')
    const rest = await h.app.rest('GET', '/api/v1/contract-templates?q=estandar%20festival', { as: agency })
    expect(rest.body.data.items.map((i: { id: string }) => i.id)).toEqual([t.body.data.id])
    const g = await h.app.graphql('{ contractTemplates(filter: { q: "ESTÁNDAR" }) { edges { node { id } } } }', {}, { as: agency })
    expect(g.errors).toBeUndefined()
    expect(g.data.contractTemplates.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([t.body.data.id])
  })
})
