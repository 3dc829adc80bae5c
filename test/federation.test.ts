// The subgraph inside a federation: entity resolution through _entities, and a constant number of SQL
// statements however many entities or nested rows are asked for. Queries through a real gateway are in
// gateway.test.ts, the subgraph specification's checks in subgraph-compat.test.ts.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let agency: Session & { agencyId: string }
let promoter: Session
const artistIds: string[] = []
const agencyIds: string[] = []

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const { es, madrid } = await seedGeo(h.app.db)
  const g = await seedGenres(h.app.db)
  for (let i = 0; i < 40; i++) {
    const artist = await h.app.db.artist.create({
      data: {
        name: `Entity ${i}`,
        slug: `entity-${i}`,
        countryId: es.id,
        cityId: madrid.id,
        profile: { create: { biography: `bio ${i}` } },
        genres: {
          create: [
            { genreId: g.techno.id, position: 0 },
            { genreId: g.jazz.id, position: 1 },
          ],
        },
        platformAccounts: { create: [{ platform: 'spotify', url: `https://open.spotify.com/artist/e${i}` }] },
      },
    })
    artistIds.push(artist.id)
  }
  for (let i = 0; i < 30; i++) {
    const a = await h.app.db.agency.create({
      data: { name: `Federated ${String(i).padStart(2, '0')}`, slug: `federated-${i}`, countryId: es.id },
    })
    agencyIds.push(a.id)
    for (let p = 0; p < 3; p++) await h.app.db.person.create({ data: { firstName: `P${p}`, lastName: `of ${i}`, agencyId: a.id } })
  }
})

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Artist { id name country { code } city { name } profile { biography } genres { name parent { name } } platformAccounts { platform } }
  }
}`

/** SQL statements sent while running one GraphQL operation. */
async function statementsFor(query: string, variables: Record<string, unknown>, as: Session) {
  const start = h.app.sql.length
  const result = await h.app.graphql(query, variables, { as })
  expect(result.errors).toBeUndefined()
  return { result, statements: h.app.sql.slice(start).filter((s) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(s)) }
}

describe('_entities', () => {
  it('resolves artists, agencies, people and companies by key, in order, null for unknown ids', async () => {
    const person = await h.app.db.person.findFirstOrThrow({ where: { agencyId: agencyIds[0] } })
    const r = await h.app.graphql(
      `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Artist { id name } ... on Agency { id name } ... on Person { id fullName } ... on Company { id agency { id } }
      } }`,
      {
        representations: [
          { __typename: 'Artist', id: artistIds[1] },
          { __typename: 'Agency', id: agencyIds[0] },
          { __typename: 'Person', id: person.id },
          { __typename: 'Company', id: agency.orgId },
          { __typename: 'Company', id: promoter.orgId },
          { __typename: 'Artist', id: '00000000-0000-4000-8000-000000000000' },
          { __typename: 'Artist', id: 'not-a-uuid' },
        ],
      },
      { as: promoter },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data._entities).toEqual([
      { id: artistIds[1], name: 'Entity 1' },
      { id: agencyIds[0], name: 'Federated 00' },
      { id: person.id, fullName: 'P0 of 0' },
      { id: agency.orgId, agency: { id: agency.agencyId } },
      { id: promoter.orgId, agency: null },
      null,
      null,
    ])
  })

  it('enforces the entity types’ access: fields of a denied entity are errors, not data', async () => {
    const stranger = await h.auth.session({ modules: ['promoter'], permissions: [] })
    const r = await h.app.graphql(ENTITIES, { representations: [{ __typename: 'Artist', id: artistIds[0] }] }, { as: stranger })
    expect(r.data?._entities?.[0] ?? null).toBeNull()
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')
  })

  it('uses the same number of SQL statements for 3 and for 40 artists with nested fields', async () => {
    const reps = (n: number) => artistIds.slice(0, n).map((id) => ({ __typename: 'Artist', id }))
    const small = await statementsFor(ENTITIES, { representations: reps(3) }, promoter)
    const large = await statementsFor(ENTITIES, { representations: reps(40) }, promoter)
    expect(large.result.data._entities).toHaveLength(40)
    expect(large.result.data._entities[39]).toMatchObject({
      name: 'Entity 39',
      genres: [
        { name: 'Techno', parent: { name: 'Electronic' } },
        { name: 'Jazz', parent: null },
      ],
    })
    expect(large.statements.length).toBe(small.statements.length)
    expect(small.statements.length).toBeLessThanOrEqual(12)
    console.log(`_entities: ${small.statements.length} SQL statements for 3 artists, ${large.statements.length} for 40`)
  })

  it('resolves Company.agency for many companies with one query', async () => {
    const companies: { __typename: string; id: string }[] = Array.from({ length: 25 }, () => ({
      __typename: 'Company',
      id: crypto.randomUUID(),
    }))
    companies.push({ __typename: 'Company', id: agency.orgId })
    const { result, statements } = await statementsFor(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { agency { name } } } }',
      { r: companies },
      promoter,
    )
    expect(result.data._entities.at(-1).agency).not.toBeNull()
    expect(statements.filter((s) => s.includes('artists_company_claims'))).toHaveLength(1)
  })
})

describe('nested lists', () => {
  const AGENCIES = `query($first: Int!) {
    agencies(first: $first, filter: { q: "federated" }) {
      totalCount
      edges { node { name country { code } people(first: 3) { fullName agency { name } } } }
    }
  }`

  it('keep a constant SQL statement count as the page grows (2 vs 30 agencies, 3 people each)', async () => {
    const small = await statementsFor(AGENCIES, { first: 2 }, promoter)
    const large = await statementsFor(AGENCIES, { first: 30 }, promoter)
    expect(large.result.data.agencies.edges).toHaveLength(30)
    expect(large.result.data.agencies.edges[29].node.people).toHaveLength(3)
    expect(large.statements.length).toBe(small.statements.length)
    console.log(`agencies → people → agency: ${small.statements.length} SQL statements for 2 agencies, ${large.statements.length} for 30`)
  })

  it('keep a constant count for artists with genres, profile and accounts (5 vs 40)', async () => {
    const q = `query($first: Int!) { artists(first: $first, filter: { q: "entity" }) { edges { node { name profile { biography } genres { name parent { name } } platformAccounts { url } country { name } } } } }`
    const small = await statementsFor(q, { first: 5 }, promoter)
    const large = await statementsFor(q, { first: 40 }, promoter)
    expect(large.result.data.artists.edges).toHaveLength(40)
    expect(large.statements.length).toBe(small.statements.length)
    console.log(
      `artists → genres/profile/accounts: ${small.statements.length} SQL statements for 5 artists, ${large.statements.length} for 40`,
    )
  })
})
