// What a directory read costs the database: a list page sends the same statements whatever its size (within
// the REST view, on either face: one hand-written statement; beyond it, one per relation, never one per row); `total` counts up to COUNT_LIMIT;
// _entities loads a batch of each entity type with its relations in one statement.
import { beforeAll, describe, expect, it } from 'vitest'
import { COUNT_LIMIT } from '../src/pagination.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let promoter: Session
let geo: Awaited<ReturnType<typeof seedGeo>>
let g: Awaited<ReturnType<typeof seedGenres>>

/** `n` listed artists named `<prefix> NNNN`, each with a profile, a city, two genres and a platform account. */
async function seedArtists(prefix: string, n: number) {
  await h.app.db.$executeRawUnsafe(
    `INSERT INTO artists (id, name, slug, country_id, city_id)
     SELECT gen_random_uuid(), $1 || ' ' || lpad(i::text, 4, '0'), lower($1) || '-' || i, $2::uuid, $3::uuid FROM generate_series(1, $4::int) i`,
    prefix,
    geo.es.id,
    geo.madrid.id,
    n,
  )
  const where = `WHERE name LIKE '${prefix} %'`
  await h.app.db.$executeRawUnsafe(
    `INSERT INTO artist_profiles (id, artist_id, biography) SELECT gen_random_uuid(), id, 'Bio' FROM artists ${where}`,
  )
  await h.app.db.$executeRawUnsafe(
    `INSERT INTO artist_genres (artist_id, genre_id, position) SELECT id, $1::uuid, 0 FROM artists ${where}
     UNION ALL SELECT id, $2::uuid, 1 FROM artists ${where}`,
    g.techno.id,
    g.jazz.id,
  )
  await h.app.db.$executeRawUnsafe(
    `INSERT INTO artist_platform_accounts (id, artist_id, platform, url) SELECT gen_random_uuid(), id, 'spotify', 'https://open.example/' || slug FROM artists ${where}`,
  )
  return h.app.db.artist.findMany({ where: { name: { startsWith: `${prefix} ` } }, select: { id: true }, orderBy: { name: 'asc' } })
}

/** The statements one call sends (transaction control included: it is a round trip too). */
async function statementsOf<T>(call: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const start = h.app.sql.length
  const result = await call()
  return { result, statements: h.app.sql.length - start }
}

const ARTIST_PAGE = `query($first: Int!, $q: String) { artists(first: $first, filter: { q: $q }) { totalCount edges { node {
  name country { code } city { name } profile { biography } genres { name } platformAccounts { url } } } } }`

let artistIds: string[]

beforeAll(async () => {
  promoter = await h.auth.session(PROMOTER_ACCESS)
  geo = await seedGeo(h.app.db)
  g = await seedGenres(h.app.db)
  artistIds = (await seedArtists('Stmt', 30)).map((a) => a.id)
})

describe('directory lists', () => {
  it('send as many statements for 20 artists with their relations as for 2, on REST and GraphQL', async () => {
    const rest = (limit: number) => statementsOf(() => h.app.rest('GET', `/api/v1/artists?q=stmt&limit=${limit}`, { as: promoter }))
    const [small, large] = [await rest(2), await rest(20)]
    expect(small.result.status).toBe(200)
    expect(large.result.body.data.items).toHaveLength(20)
    expect(large.result.body.data).toMatchObject({ total: 30, totalCapped: false })
    expect(large.result.body.data.items[0].genres.map((x: { genre: { name: string } }) => x.genre.name)).toEqual(['Techno', 'Jazz'])
    expect(large.statements).toBe(small.statements)
    // The page with its profile, country, city, genres and platform accounts as JSON, and the count: one statement.
    expect(large.statements).toBe(1)

    const gql = (first: number) => statementsOf(() => h.app.graphql(ARTIST_PAGE, { first, q: 'stmt' }, { as: promoter }))
    const [few, many] = [await gql(2), await gql(20)]
    expect(many.result.errors).toBeUndefined()
    expect(many.result.data).toMatchObject({ artists: { totalCount: 30 } })
    expect((many.result.data as { artists: { edges: unknown[] } }).artists.edges).toHaveLength(20)
    expect(many.statements).toBe(few.statements)
    // The page asks nothing beyond ArtistView: the same one statement.
    expect(many.statements).toBe(1)
    // One relation more (provider references) and Prisma plans it: the page, each relation, the count.
    const beyond = (first: number) =>
      statementsOf(() =>
        h.app.graphql(ARTIST_PAGE.replace('url }', 'url } providerReferences { provider }'), { first, q: 'stmt' }, { as: promoter }),
      )
    const [fewBeyond, manyBeyond] = [await beyond(2), await beyond(20)]
    expect(manyBeyond.result.errors).toBeUndefined()
    expect(manyBeyond.statements).toBe(fewBeyond.statements)
    expect(manyBeyond.statements).toBe(9)
  })

  it('send as many statements for a page of agencies or people with their relations at any size', async () => {
    const agency = await h.app.db.agency.create({ data: { name: 'Stmt Agency', slug: 'stmt-agency' } })
    await h.app.db.agency.createMany({
      data: Array.from({ length: 12 }, (_, i) => ({ name: `Stmt Agency ${i}`, slug: `stmt-agency-${i}` })),
    })
    await h.app.db.person.createMany({
      data: Array.from({ length: 12 }, (_, i) => ({ firstName: `Stmtperson ${i}`, agencyId: agency.id })),
    })
    // The page with its relations (agencies: country, city; people: agency, country, city) and the count.
    for (const [path, statements] of [
      ['/api/v1/artists-companies?q=stmt agency', 1],
      ['/api/v1/people?q=stmtperson', 1],
    ] as const) {
      const [small, large] = [
        await statementsOf(() => h.app.rest('GET', `${path}&limit=2`, { as: promoter })),
        await statementsOf(() => h.app.rest('GET', `${path}&limit=12`, { as: promoter })),
      ]
      expect(large.result.body.data.items, path).toHaveLength(12)
      expect(large.statements, path).toBe(small.statements)
      expect(large.statements, path).toBe(statements)
    }
  })

  it('count `total` up to COUNT_LIMIT on both faces, say when more match, and page on past it', async () => {
    await seedArtists('Many', COUNT_LIMIT + 3)
    const first = await h.app.rest('GET', '/api/v1/artists?q=many&limit=20', { as: promoter })
    expect(first.body.data).toMatchObject({ total: COUNT_LIMIT, totalCapped: true, page: 1, limit: 20 })
    // Past the counted rows the pages still come: the last one is short.
    const last = await h.app.rest('GET', `/api/v1/artists?q=many&limit=20&page=${COUNT_LIMIT / 20 + 1}`, { as: promoter })
    expect(last.body.data.items.map((a: { name: string }) => a.name)).toEqual(['Many 1001', 'Many 1002', 'Many 1003'])
    expect(last.body.data.total).toBe(COUNT_LIMIT)
    const gql = await h.app.graphql('{ artists(first: 1, filter: { q: "many" }) { totalCount totalCapped } }', {}, { as: promoter })
    expect(gql.data).toEqual({ artists: { totalCount: COUNT_LIMIT, totalCapped: true } })
    const few = await h.app.graphql('{ artists(first: 1, filter: { q: "many 100" }) { totalCount totalCapped } }', {}, { as: promoter })
    expect(few.data).toEqual({ artists: { totalCount: 4, totalCapped: false } })
  })
})

describe('_entities', () => {
  it('loads 30 artists with profile and genres in one statement, each record still checked', async () => {
    const query =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Artist { id name profile { biography } genres { name } } } }'
    const representations = artistIds.map((id) => ({ __typename: 'Artist', id }))
    const { result, statements } = await statementsOf(() => h.app.graphql(query, { r: representations }, { as: 'machine' }))
    expect(result.errors).toBeUndefined()
    const entities = (result.data as { _entities: { id: string; genres: unknown[] }[] })._entities
    expect(entities.map((e) => e.id)).toEqual(artistIds)
    expect(entities.every((e) => e.genres.length === 2)).toBe(true)
    // The artists with their profiles, genre links and genres joined: one statement.
    expect(statements).toBe(1)

    // The batch changes no check: a caller without directory.read sees none of them. Each record is checked
    // once, before any of its fields resolve: one refusal per entity, at the entity.
    const outsider = await h.auth.session({ modules: ['promoter'], permissions: [] })
    const denied = await h.app.graphql(query, { r: representations.slice(0, 3) }, { as: outsider })
    expect(denied.data).toEqual({ _entities: [null, null, null] })
    const refusals = (errors: typeof denied.errors) => errors?.map((e) => [e.extensions?.code, e.path?.join('.')]).sort()
    expect(refusals(denied.errors)).toEqual([0, 1, 2].map((i) => ['FORBIDDEN', `_entities.${i}`]))
    // Asking only nullable fields shows nothing either: the record is refused, not answered as an object of nulls.
    const nullable = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Artist { archivedAt } } }'
    const quiet = await h.app.graphql(nullable, { r: representations.slice(0, 2) }, { as: outsider })
    expect(quiet.data).toEqual({ _entities: [null, null] })
    expect(refusals(quiet.errors)).toEqual([0, 1].map((i) => ['FORBIDDEN', `_entities.${i}`]))
  })

  it('loads Artists, Agencies and People of one call with one statement per type, whatever the relations and the batch', async () => {
    const agency = await h.app.db.agency.create({
      data: { name: 'Entity Agency', slug: 'entity-agency', countryId: geo.es.id, cityId: geo.madrid.id },
    })
    const persons = await Promise.all(
      [1, 2, 3].map((i) => h.app.db.person.create({ data: { firstName: `Entity ${i}`, agencyId: agency.id, countryId: geo.es.id } })),
    )
    await h.app.db.person.create({ data: { firstName: 'Entity colleague', agencyId: agency.id } })
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Artist { name country { code } city { name } profile { biography } genres { name } platformAccounts { url } }
      ... on Agency { name country { code } city { name } people(first: 10) { firstName } }
      ... on Person { fullName agency { name } country { code } city { name } } } }`
    const call = (artists: number, persons_: number) =>
      statementsOf(() =>
        h.app.graphql(
          query,
          {
            r: [
              ...artistIds.slice(0, artists).map((id) => ({ __typename: 'Artist', id })),
              { __typename: 'Agency', id: agency.id },
              ...persons.slice(0, persons_).map((p) => ({ __typename: 'Person', id: p.id })),
            ],
          },
          { as: 'machine' },
        ),
      )
    const [few, many] = [await call(2, 1), await call(30, 3)]
    expect(many.result.errors).toBeUndefined()
    const entities = (many.result.data as { _entities: Record<string, unknown>[] })._entities
    expect(entities[0]).toMatchObject({ country: { code: 'ES' }, city: { name: 'Madrid' }, profile: { biography: 'Bio' } })
    expect(entities[0]?.genres).toEqual([{ name: 'Techno' }, { name: 'Jazz' }])
    expect(entities[30]).toMatchObject({ name: 'Entity Agency', city: { name: 'Madrid' } })
    expect((entities[30]?.people as unknown[]).length).toBe(4)
    expect(entities[31]).toMatchObject({ fullName: 'Entity 1', agency: { name: 'Entity Agency' }, country: { code: 'ES' }, city: null })
    // One statement per entity type (at most 2 is the goal), the same for 2 entities as for 30.
    expect(many.statements).toBe(3)
    expect(few.statements).toBe(many.statements)
  })
})
