// The subgraph specification, checked against the running service the way Apollo's subgraph compatibility
// suite checks a library: `_service { sdl }`, `_entities` for every entity type (unknown keys resolve to
// null), the executable directives every client and gateway relies on (@include/@skip with variables on
// root, nested and entity fields), the specified directives in introspection, `__typename` everywhere,
// fragments on the `_Entity` union, and the federation directives the SDL imports.
import { readFileSync } from 'node:fs'
import { Kind, parse, visit } from 'graphql'
import { beforeAll, describe, expect, it } from 'vitest'
import { printSchema } from '../src/schema.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const ids = {} as Record<'Agency' | 'Artist' | 'Booking' | 'Company' | 'Contract' | 'Person' | 'Tour', string>
const UNKNOWN = '00000000-0000-4000-8000-000000000000'
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const g = await seedGenres(h.app.db)
  ids.Artist = await representedArtist(agency, 'Compat Trio')
  await h.app.db.artistGenre.create({ data: { artistId: ids.Artist, genreId: g.jazz.id, position: 0 } })
  ids.Agency = agency.agencyId
  ids.Company = agency.orgId
  ids.Person = (await h.app.db.person.create({ data: { firstName: 'Compat', lastName: 'Agent', agencyId: agency.agencyId } })).id
  ids.Booking = (await booked(promoter, ids.Artist)).booking.id
  const template = await h.app.rest('POST', '/api/v1/contract-templates', {
    as: agency,
    body: { name: 'Compat', body: 'For {{artist.name}}' },
  })
  const contract = await h.app.rest('POST', '/api/v1/contracts', {
    as: agency,
    body: { templateId: template.body.data.id, bookingId: ids.Booking, signers: [{ role: 'buyer', side: 'promoter', name: 'Buyer' }] },
  })
  expect(contract.status, JSON.stringify(contract.body)).toBe(201)
  ids.Contract = contract.body.data.id
  const tour = await h.app.rest('POST', '/api/v1/tours', {
    as: agency,
    body: { artistId: ids.Artist, name: 'Compat tour', startsOn: '2031-05-01', endsOn: '2031-05-31' },
  })
  expect(tour.status, JSON.stringify(tour.body)).toBe(201)
  ids.Tour = tour.body.data.id
})

const FEDERATION_DIRECTIVES = [
  'key',
  'extends',
  'external',
  'requires',
  'provides',
  'shareable',
  'tag',
  'inaccessible',
  'override',
  'composeDirective',
  'interfaceObject',
  'authenticated',
  'requiresScopes',
  'policy',
  'cost',
  'listSize',
]

describe('_service', () => {
  it('serves the committed SDL, linking the federation spec and importing every federation directive it uses', async () => {
    const r = await h.app.graphql('{ _service { sdl } }')
    expect(r.errors).toBeUndefined()
    const sdl: string = r.data._service.sdl
    expect(`${sdl.trim()}\n`).toBe(readFileSync('schema.graphql', 'utf8'))
    expect(sdl).toBe(printSchema().trim())

    const doc = parse(sdl)
    const links = doc.definitions
      .filter((d) => d.kind === Kind.SCHEMA_EXTENSION)
      .flatMap((d) => d.directives ?? [])
      .filter((d) => d.name.value === 'link')
    const federationLink = links.find((l) =>
      l.arguments?.some(
        (a) =>
          a.name.value === 'url' && a.value.kind === Kind.STRING && a.value.value.startsWith('https://specs.apollo.dev/federation/v2.'),
      ),
    )
    expect(federationLink).toBeDefined()
    const importArg = federationLink?.arguments?.find((a) => a.name.value === 'import')?.value
    const imported = new Set(
      importArg?.kind === Kind.LIST ? importArg.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value.replace(/^@/, '')] : [])) : [],
    )
    const used = new Set<string>()
    visit(doc, {
      Directive(node) {
        if (FEDERATION_DIRECTIVES.includes(node.name.value)) used.add(node.name.value)
      },
    })
    expect([...used].sort()).toEqual(['composeDirective', 'extends', 'key'])
    for (const name of used) expect(imported, `@${name} is imported`).toContain(name)
    // The custom directive is linked under its own spec and composed into the supergraph.
    expect(sdl).toContain('@link(url: "https://specs.kisum.dev/access/v1.0", import: ["@requiresPermission"])')
    expect(sdl).toContain('@composeDirective(name: "@requiresPermission")')
  })
})

describe('_entities', () => {
  it('lists exactly the resolvable entity types in _Entity', async () => {
    const r = await h.app.graphql('{ __type(name: "_Entity") { kind possibleTypes { name } } }')
    expect(r.data.__type.kind).toBe('UNION')
    expect(r.data.__type.possibleTypes.map((t: { name: string }) => t.name).sort()).toEqual(Object.keys(ids).sort())
  })

  it('resolves a representation of every entity type, in order, and null for an unknown key', async () => {
    const types = Object.keys(ids) as (keyof typeof ids)[]
    const representations = types.flatMap((t) => [
      { __typename: t, id: ids[t] },
      { __typename: t, id: UNKNOWN },
    ])
    const r = await h.app.graphql(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ...Key } }
       fragment Key on _Entity {
         ... on Agency { id } ... on Artist { id } ... on Booking { id } ... on Company { id } ... on Contract { id } ... on Person { id } ... on Tour { id }
       }`,
      { representations },
      { as: agency },
    )
    expect(r.errors).toBeUndefined()
    // Company is Auth's: this subgraph only adds Company.agency, so any company id resolves (its agency null).
    expect(r.data._entities).toEqual(
      types.flatMap((t) => [{ __typename: t, id: ids[t] }, t === 'Company' ? { __typename: t, id: UNKNOWN } : null]),
    )
  })
})

describe('@include and @skip', () => {
  const ROOT = `query($withArtist: Boolean!, $skipAgency: Boolean!) {
    artist(id: "${UNKNOWN}") @include(if: $withArtist) { id }
    agency(id: "AGENCY") @skip(if: $skipAgency) { id }
  }`

  it('apply to root fields, driven by variables', async () => {
    const q = ROOT.replace('AGENCY', agency.agencyId)
    const both = await h.app.graphql(q, { withArtist: true, skipAgency: false }, { as: promoter })
    // By-id root fields answer an unknown id with null and NOT_FOUND (one convention for every area).
    expect(both.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['artist'], 'NOT_FOUND']])
    expect(both.data).toEqual({ artist: null, agency: { id: agency.agencyId } })
    const none = await h.app.graphql(q, { withArtist: false, skipAgency: true }, { as: promoter })
    expect(none).toMatchObject({ status: 200, data: {} })
    expect(none.errors).toBeUndefined()
  })

  it('apply to nested fields and fragments, with literals and variables', async () => {
    const q = `query($id: ID!, $withGenres: Boolean!, $skipProfile: Boolean!) {
      artist(id: $id) {
        name
        genres @include(if: $withGenres) { name }
        profile @skip(if: $skipProfile) { biography }
        ... on Artist @include(if: false) { slug }
        ...Kind @skip(if: true)
      }
    }
    fragment Kind on Artist { kind }`
    const on = await h.app.graphql(q, { id: ids.Artist, withGenres: true, skipProfile: false }, { as: promoter })
    expect(on.errors).toBeUndefined()
    expect(Object.keys(on.data.artist).sort()).toEqual(['genres', 'name', 'profile'])
    expect(on.data.artist.genres).toEqual([{ name: 'Jazz' }])
    const off = await h.app.graphql(q, { id: ids.Artist, withGenres: false, skipProfile: true }, { as: promoter })
    expect(off.data.artist).toEqual({ name: 'Compat Trio' })
  })

  it('apply to entity fields inside _entities, as gateways send them in query plans', async () => {
    const q = `query($representations: [_Any!]!, $withName: Boolean!, $skipPeople: Boolean!) {
      _entities(representations: $representations) {
        ... on Agency { id name @include(if: $withName) people @skip(if: $skipPeople) { fullName } }
      }
    }`
    const representations = [{ __typename: 'Agency', id: ids.Agency }]
    const on = await h.app.graphql(q, { representations, withName: true, skipPeople: false }, { as: promoter })
    expect(on.errors).toBeUndefined()
    expect(on.data._entities[0]).toEqual({ id: ids.Agency, name: expect.any(String), people: [{ fullName: 'Compat Agent' }] })
    const off = await h.app.graphql(q, { representations, withName: false, skipPeople: true }, { as: promoter })
    expect(off.data._entities[0]).toEqual({ id: ids.Agency })
  })
})

describe('introspection', () => {
  it('shows every specified directive beside the subgraph’s own', async () => {
    const r = await h.app.graphql('{ __schema { directives { name locations args { name } } } }')
    const byName = new Map((r.data.__schema.directives as { name: string; locations: string[] }[]).map((d) => [d.name, d]))
    expect([...byName.keys()].sort()).toEqual(['deprecated', 'include', 'oneOf', 'requiresPermission', 'skip', 'specifiedBy'])
    expect(byName.get('deprecated')?.locations).toEqual(
      expect.arrayContaining(['FIELD_DEFINITION', 'ARGUMENT_DEFINITION', 'INPUT_FIELD_DEFINITION', 'ENUM_VALUE']),
    )
    expect(byName.get('include')?.locations).toEqual(['FIELD', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT'])
  })

  it('answers deprecation queries, as clients’ code generators ask them', async () => {
    const r = await h.app.graphql(`{
      __type(name: "Artist") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } }
      status: __type(name: "BookingStatus") { enumValues(includeDeprecated: true) { name isDeprecated } }
    }`)
    expect(r.errors).toBeUndefined()
    const fields = r.data.__type.fields as { name: string; isDeprecated: boolean }[]
    expect(fields.map((f) => f.name)).toContain('name')
    // Nothing is on its way out today; a field that is gets @deprecated(reason:) and shows here.
    expect(fields.filter((f) => f.isDeprecated)).toEqual([])
    expect(r.data.status.enumValues.length).toBeGreaterThan(0)
  })
})

describe('__typename', () => {
  it('answers on the root types, connections, nested objects and entities', async () => {
    const q = await h.app.graphql(
      `{ __typename artists(first: 1, filter: { q: "compat" }) { __typename edges { __typename node { __typename country { __typename } genres { __typename } } } } }`,
      {},
      { as: promoter },
    )
    expect(q.errors).toBeUndefined()
    expect(q.data).toEqual({
      __typename: 'Query',
      artists: {
        __typename: 'ArtistConnection',
        edges: [{ __typename: 'ArtistEdge', node: { __typename: 'Artist', country: null, genres: [{ __typename: 'Genre' }] } }],
      },
    })
    const m = await h.app.graphql('mutation { __typename }')
    expect(m.data).toEqual({ __typename: 'Mutation' })
  })
})
