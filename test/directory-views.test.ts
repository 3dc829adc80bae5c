// A directory list page within its view (ArtistView, AgencyView, PersonView: the REST list, a GraphQL page
// asking nothing more) is one hand-written statement (the page with its relations as JSON, and the count):
// it must answer exactly the records Prisma answers, field for field, for every filter, order and page.
import { beforeAll, describe, expect, it } from 'vitest'
import type { RequestContext } from '../src/context.ts'
import type { Selection } from '../src/db/listing.ts'
import type { Listing, Page } from '../src/pagination.ts'
import { agencies, AgencyView } from '../src/modules/directory/agencies.service.ts'
import { artists, ArtistView } from '../src/modules/directory/artists.service.ts'
import { people, PersonView } from '../src/modules/directory/people.service.ts'
import { useHarness } from './support/app.ts'
import { PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let ctx: RequestContext
let geo: Awaited<ReturnType<typeof seedGeo>>
let g: Awaited<ReturnType<typeof seedGenres>>
let agencyId: string

/** A selection naming its load strategy is Prisma's to plan (src/db/listing.ts servedBy): the reference answer. */
const byPrisma = (include: object) => ({ include, relationLoadStrategy: 'query' as const })

type Lister = (ctx: RequestContext, filter: unknown, page: Page, query: Selection) => Promise<Listing<unknown>>

/** For each filter and page: the statement's answer is Prisma's, in one statement. */
async function expectPrismasAnswers(list: Lister, include: object, filters: object[], pageList = pages) {
  for (const filter of filters)
    for (const page of pageList) {
      const p = await list(ctx, filter, page, byPrisma(include))
      const reference = { items: p.items, total: await p.total() }
      const start = h.app.sql.length
      const v = await list(ctx, filter, page, { include })
      const served = { items: v.items, total: await v.total() }
      expect(served, JSON.stringify({ filter, page, include })).toEqual(reference)
      expect(h.app.sql.length - start).toBe(1)
    }
}

const pages: Page[] = [
  { offset: 0, limit: 3 },
  { offset: 3, limit: 3 },
  { offset: 0, limit: 100 },
  { offset: 50, limit: 5 },
]

beforeAll(async () => {
  ctx = { db: h.app.db } as RequestContext
  geo = await seedGeo(h.app.db)
  g = await seedGenres(h.app.db)
  await h.app.db.city.update({ where: { id: geo.madrid.id }, data: { latitude: 40.416775, longitude: -3.70379 } })
  const agency = await h.app.db.agency.create({
    data: {
      name: 'Ñu Bookings',
      slug: 'nu-bookings',
      kind: 'management',
      email: 'desk@nu.example',
      websiteUrl: 'https://nu.example',
      countryId: geo.es.id,
      cityId: geo.madrid.id,
      claimed: true,
    },
  })
  agencyId = agency.id
  await h.app.db.agency.create({ data: { name: 'Old 50% Agency', slug: 'old-agency', archivedAt: new Date('2026-01-02T03:04:05.006Z') } })
  await h.app.db.agency.create({ data: { name: 'Plain agency', slug: 'plain-agency', countryId: geo.fr.id } })

  const specs = [
    { name: 'Los Satélites', kind: 'band', countryId: geo.es.id, cityId: geo.madrid.id, genres: [g.techno.id, g.jazz.id] },
    { name: 'Ana_Solo', kind: 'solo', countryId: geo.fr.id, cityId: geo.paris.id, genres: [g.jazz.id] },
    { name: 'Anaxsolo', kind: 'dj', countryId: null, cityId: null, genres: [] },
    { name: 'Zed 100%', kind: 'dj', countryId: geo.es.id, cityId: null, genres: [g.electronic.id] },
    { name: 'Archived Act', kind: 'band', countryId: geo.es.id, cityId: null, genres: [g.techno.id], archived: true },
  ] as const
  for (const [i, s] of specs.entries()) {
    const artist = await h.app.db.artist.create({
      data: {
        name: s.name,
        slug: `view-${i}`,
        kind: s.kind,
        countryId: s.countryId,
        cityId: s.cityId,
        createdAt: new Date(Date.UTC(2026, 0, 1 + i, 12, 0, 0, i * 7)),
        archivedAt: 'archived' in s ? new Date('2026-02-03T04:05:06.789Z') : null,
        genres: { create: s.genres.map((genreId, position) => ({ genreId, position: 2 - position })) },
      },
    })
    if (i !== 2)
      await h.app.db.artistProfile.create({
        data: {
          artistId: artist.id,
          biography: `Bio ${i}`,
          formedYear: 2000 + i,
          ...(i === 0 ? { feeGuidanceMin: 150_000n, feeGuidanceMax: 900_000n, feeGuidanceCurrency: 'EUR' } : {}),
        },
      })
    if (i < 2)
      await h.app.db.platformAccount.createMany({
        data: [
          { artistId: artist.id, platform: 'spotify', url: `https://sp.example/${i}`, externalId: `sp-${i}`, verified: true },
          { artistId: artist.id, platform: 'instagram', url: `https://ig.example/${i}`, handle: `@a${i}` },
          { artistId: artist.id, platform: 'spotify', url: `https://sp.example/${i}/b`, createdAt: new Date('2025-06-01T00:00:00Z') },
        ],
      })
  }
  await h.app.db.person.createMany({
    data: [
      {
        firstName: 'José',
        lastName: 'Ångström',
        email: 'Jose@Nu.example',
        jobTitle: 'Booker',
        agencyId,
        countryId: geo.es.id,
        cityId: geo.madrid.id,
      },
      { firstName: 'Ana', email: 'ana_1@plain.example' },
      { firstName: 'Ana', lastName: 'B', agencyId },
      { firstName: 'Gone', agencyId, archivedAt: new Date('2026-03-01T00:00:00.001Z') },
    ],
  })
})

describe('directory list views', () => {
  it('answer what ArtistView answers, for every filter, order and page', async () => {
    const filters = [
      {},
      { q: 'sate' },
      { q: 'ANA_' },
      { q: '100%' },
      { kind: 'dj' },
      { countryCode: 'ES' },
      { genreId: g.electronic.id },
      { genreId: g.jazz.id },
      { includeArchived: true },
      { includeArchived: true, sort: 'newest' },
      { sort: 'newest', kind: 'band', countryCode: 'ES' },
      { q: 'nobody' },
    ]
    await expectPrismasAnswers(artists.list, ArtistView, filters)
    // A GraphQL selection asking part of the view gets the relations it asks, as Prisma would answer them.
    for (const include of [{}, { genres: ArtistView.genres, profile: true }, { platformAccounts: ArtistView.platformAccounts, city: true }])
      await expectPrismasAnswers(artists.list, include, [{ includeArchived: true }], [{ offset: 0, limit: 100 }])
    // The data exercises what could differ: money, instants, nulls, nested orders.
    const all = await artists.list(ctx, { includeArchived: true }, { offset: 0, limit: 100 }, { include: ArtistView })
    expect(all.items).toHaveLength(5)
    expect(all.items.find((a) => a.name === 'Los Satélites')).toMatchObject({
      createdAt: new Date('2026-01-01T12:00:00.000Z'),
      profile: { feeGuidanceMin: 150_000n, feeGuidanceCurrency: 'EUR' },
      city: { latitude: 40.416775 },
      genres: [{ genre: { name: 'Jazz' } }, { genre: { name: 'Techno' } }],
    })
  })

  it('answer what AgencyView and PersonView answer, for every filter and page', async () => {
    const agencyFilters = [
      {},
      { q: 'nu' },
      { q: '50%' },
      { kind: 'management' },
      { countryCode: 'FR' },
      { claimed: false },
      { includeArchived: true },
    ]
    await expectPrismasAnswers(agencies.list, AgencyView, agencyFilters)
    const personFilters = [{}, { q: 'jose angs' }, { q: 'NU.EXAMPLE' }, { q: 'a_1' }, { agencyId }, { includeArchived: true }]
    await expectPrismasAnswers(people.list, PersonView, personFilters)
  })

  it('serve each REST list page in one statement, the same answer as the item routes', async () => {
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    for (const [list, item] of [
      ['/api/v1/artists?limit=2', '/api/v1/artists'],
      ['/api/v1/artists-companies?limit=2', '/api/v1/artists-companies'],
      ['/api/v1/people?limit=2', '/api/v1/people'],
    ] as const) {
      const start = h.app.sql.length
      const page = await h.app.rest('GET', list, { as: promoter })
      expect(h.app.sql.length - start, list).toBe(1)
      expect(page.status).toBe(200)
      const [first] = page.body.data.items
      // The item route still reads through Prisma: the list's record is the same, money fields included.
      const one = await h.app.rest('GET', `${item}/${first.id}`, { as: promoter })
      expect(first, list).toEqual(one.body.data)
    }
  })

  it('serve a GraphQL page within the view in one statement, as Prisma serves one that asks more', async () => {
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    const node = `id name slug kind createdAt archivedAt country { code name } city { name } genres { name }
      profile { biography formedYear updatedAt feeGuidanceMin { amount currency } } platformAccounts { platform url handle verified }`
    const page = (extra: string) =>
      `{ artists(first: 10, filter: { includeArchived: true }) { totalCount totalCapped edges { cursor node { ${node} ${extra} } } } }`
    let start = h.app.sql.length
    const within = await h.app.graphql(page(''), {}, { as: promoter })
    expect(h.app.sql.length - start).toBe(1)
    start = h.app.sql.length
    // Provider references are not in ArtistView: the page is planned by Prisma (one statement per relation).
    const beyond = await h.app.graphql(page('providerReferences { provider }'), {}, { as: promoter })
    expect(h.app.sql.length - start).toBeGreaterThan(1)
    expect(within.errors).toBeUndefined()
    expect(beyond.errors).toBeUndefined()
    type Page = { artists: { edges: { node: Record<string, unknown> }[] } }
    const withoutReferences = (beyond.data as Page).artists.edges.map(({ node: { providerReferences, ...rest } }) => rest)
    expect((within.data as Page).artists.edges.map((e) => e.node)).toEqual(withoutReferences)
    expect((within.data as Page).artists.edges.find((e) => e.node.name === 'Los Satélites')?.node).toMatchObject({
      createdAt: '2026-01-01T12:00:00.000Z',
      profile: { feeGuidanceMin: { amount: 150_000, currency: 'EUR' } },
    })
  })

  it('load entity batches within the view as Prisma loads them, in one statement', async () => {
    const byId = (rows: readonly { id: string }[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id))
    const batches = [
      [artists, ArtistView, (await h.app.db.artist.findMany({ select: { id: true } })).map((a) => a.id)],
      [agencies, AgencyView, (await h.app.db.agency.findMany({ select: { id: true } })).map((a) => a.id)],
      [people, PersonView, (await h.app.db.person.findMany({ select: { id: true } })).map((p) => p.id)],
    ] as const
    for (const [service, view, ids] of batches) {
      // An unknown id is simply absent.
      const asked = [...ids, '00000000-0000-4000-8000-000000000000']
      const prisma = await service.byIds(ctx, asked, byPrisma(view))
      const start = h.app.sql.length
      const served = await service.byIds(ctx, asked, { include: view, relationLoadStrategy: 'join' })
      expect(h.app.sql.length - start).toBe(1)
      expect(served).toHaveLength(ids.length)
      expect(byId(served)).toEqual(byId(prisma))
    }
  })

  it('load entity batches narrowed to a select within the view as Prisma loads them, in one statement', async () => {
    const byId = (rows: readonly { id: string }[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id))
    const ids = (await h.app.db.artist.findMany({ select: { id: true } })).map((a) => a.id)
    const genres = ArtistView.genres
    const selects = [
      {
        id: true,
        name: true,
        profile: { select: { id: true, biography: true } },
        genres: { orderBy: genres.orderBy, select: { artistId: true, genreId: true, genre: { select: { id: true, name: true } } } },
      },
      {
        id: true,
        kind: true,
        createdAt: true,
        profile: true,
        country: { select: { code: true } },
        platformAccounts: { ...ArtistView.platformAccounts, select: { url: true, verified: true } },
        genres: { orderBy: genres.orderBy, select: { position: true, genre: true } },
      },
      { id: true, genres: { orderBy: genres.orderBy, include: { genre: { select: { slug: true } } } } },
    ]
    for (const select of selects) {
      const prisma = await artists.byIds(ctx, ids, { select, relationLoadStrategy: 'query' })
      const start = h.app.sql.length
      const served = await artists.byIds(ctx, ids, { select, relationLoadStrategy: 'join' })
      expect(h.app.sql.length - start).toBe(1)
      expect(byId(served as { id: string }[])).toEqual(byId(prisma as { id: string }[]))
    }
    // Beyond the view (another relation, another order): Prisma's to plan, as with an include.
    for (const select of [
      { id: true, providerReferences: true },
      { id: true, genres: { orderBy: { createdAt: 'desc' }, select: { genre: true } } },
    ]) {
      const start = h.app.sql.length
      const served = await artists.byIds(ctx, ids, { select, relationLoadStrategy: 'join' })
      expect(h.app.sql.slice(start).some((q) => q.includes('json_build_object'))).toBe(false)
      expect(served).toHaveLength(ids.length)
    }
  })
})
