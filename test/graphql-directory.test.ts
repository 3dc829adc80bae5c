// The directory through GraphQL: queries, Relay pagination, mutations with field-level validation, and
// field-level access: a denied field is null with FORBIDDEN/UNAUTHENTICATED, the rest of the answer intact.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let agency: Session & { agencyId: string }
let promoter: Session
let genres: Awaited<ReturnType<typeof seedGenres>>

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  await seedGeo(h.app.db)
  genres = await seedGenres(h.app.db)
})

const CREATE = `mutation Create($input: ArtistInput!) {
  createArtist(input: $input) { id name slug kind country { code } genres { name parent { name } } profile { biography formedYear } }
}`

describe('mutations', () => {
  it('creates an artist and returns the nested selection', async () => {
    const r = await h.app.graphql(
      CREATE,
      {
        input: {
          name: 'Kali Uchis Tribute',
          kind: 'BAND',
          countryCode: 'ES',
          genreIds: [genres.techno.id],
          profile: { biography: 'A tribute act.', formedYear: 2020 },
        },
      },
      { as: agency },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.createArtist).toMatchObject({
      name: 'Kali Uchis Tribute',
      slug: 'kali-uchis-tribute',
      kind: 'BAND',
      country: { code: 'ES' },
      genres: [{ name: 'Techno', parent: { name: 'Electronic' } }],
      profile: { biography: 'A tribute act.', formedYear: 2020 },
    })
  })

  it('reports validation errors per field in extensions, and writes nothing', async () => {
    const before = await h.app.db.artist.count()
    const r = await h.app.graphql(
      CREATE,
      { input: { name: ' ', countryCode: 'Spain', genreIds: [genres.jazz.id, genres.jazz.id] } },
      { as: agency },
    )
    expect(r.data.createArtist).toBeNull()
    expect(r.errors).toHaveLength(1)
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'validation_error' })
    const fields = (r.errors?.[0]?.extensions!.fields as { field: string }[]).map((f) => f.field).sort()
    expect(fields).toEqual(['countryCode', 'name'])
    const dup = await h.app.graphql(CREATE, { input: { name: 'Dup', genreIds: [genres.jazz.id, genres.jazz.id] } }, { as: agency })
    expect(dup.errors?.[0]?.extensions!.fields).toEqual([{ field: 'genreIds', message: 'a genre is listed twice' }])
    expect(await h.app.db.artist.count()).toBe(before)
  })

  it('rejects a malformed id argument as bad input, not as a server error', async () => {
    const r = await h.app.graphql('{ artist(id: "42") { id } }', {}, { as: promoter })
    expect(r.data.artist).toBeNull()
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'id', message: 'expected a UUID' }] })
  })

  it('updates, archives and restores through mutations with the same rules as REST', async () => {
    const created = await h.app.graphql(CREATE, { input: { name: 'Mutable' } }, { as: agency })
    const id = created.data.createArtist.id
    const updated = await h.app.graphql(
      'mutation($id: ID!) { updateArtist(id: $id, input: { name: "Mutated", profile: { biography: "b" } }) { name profile { biography } } }',
      { id },
      { as: agency },
    )
    expect(updated.data.updateArtist).toEqual({ name: 'Mutated', profile: { biography: 'b' } })
    const archived = await h.app.graphql('mutation($id: ID!) { archiveArtist(id: $id) { archivedAt } }', { id }, { as: agency })
    expect(archived.data.archiveArtist.archivedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    const other = await agencySession(h.auth, h.app.db)
    const denied = await h.app.graphql('mutation($id: ID!) { restoreArtist(id: $id) { id } }', { id }, { as: other })
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not_artist_manager' })
  })
})

describe('queries', () => {
  beforeAll(async () => {
    for (let i = 0; i < 7; i++) await h.app.graphql(CREATE, { input: { name: `Relay ${i}`, genreIds: [genres.jazz.id] } }, { as: agency })
  })

  it('pages through a Relay connection with cursors and a total', async () => {
    const page = async (after?: string) =>
      (
        await h.app.graphql(
          'query($after: String) { artists(first: 3, after: $after, filter: { q: "relay" }) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }',
          { after },
          { as: promoter },
        )
      ).data.artists
    const first = await page()
    expect(first.totalCount).toBe(7)
    expect(first.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Relay 0', 'Relay 1', 'Relay 2'])
    expect(first.pageInfo.hasNextPage).toBe(true)
    const third = await page((await page(first.pageInfo.endCursor)).pageInfo.endCursor)
    expect(third.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Relay 6'])
    expect(third.pageInfo.hasNextPage).toBe(false)
  })

  it('answers bad pagination arguments as BAD_USER_INPUT naming the argument, not as a server error', async () => {
    const cursor = (s: string) => Buffer.from(s).toString('base64')
    const cases: [string, string][] = [
      ['first: -1', 'first'],
      ['last: -1, before: "' + cursor('OffsetConnection:3') + '"', 'last'],
      ['last: 5', 'last'],
      ['after: "garbage"', 'after'],
      ['after: "' + cursor('garbage') + '"', 'after'],
      ['after: "' + cursor('OffsetConnection:abc') + '"', 'after'],
      ['after: "' + cursor('OffsetConnection:-5') + '"', 'after'],
      ['after: "' + cursor('OffsetConnection:1.5') + '"', 'after'],
      ['after: "' + cursor('OffsetConnection:' + '9'.repeat(400)) + '"', 'after'],
      ['after: "' + cursor('OffsetConnection:99999999999') + '"', 'after'],
      ['before: "garbage"', 'before'],
      ['last: 2, before: "' + cursor('OffsetConnection:' + '9'.repeat(30)) + '"', 'before'],
    ]
    for (const [args, field] of cases) {
      const r = await h.app.graphql(
        `{ genres(first: 1) { totalCount } artists(${args}) { totalCount edges { node { name } } } }`,
        {},
        { as: promoter },
      )
      expect(r.data.artists, args).toBeNull()
      expect(r.data.genres, args).toEqual({ totalCount: expect.any(Number) })
      expect(r.errors, args).toHaveLength(1)
      expect(r.errors![0], args).toMatchObject({ path: ['artists'], extensions: { code: 'BAD_USER_INPUT', reason: 'validation_error' } })
      expect(r.errors?.[0]?.extensions!.fields, args).toEqual([{ field, message: expect.any(String) }])
    }
    // The cursors handed out still page, forwards and backwards.
    const first = await h.app.graphql(
      '{ artists(first: 2, filter: { q: "relay" }) { pageInfo { endCursor } edges { node { name } } } }',
      {},
      { as: promoter },
    )
    const back = await h.app.graphql(
      'query($before: String) { artists(last: 1, before: $before, filter: { q: "relay" }) { edges { node { name } } } }',
      { before: first.data.artists.pageInfo.endCursor },
      { as: promoter },
    )
    expect(back.errors).toBeUndefined()
    expect(back.data.artists.edges).toEqual([{ node: { name: 'Relay 0' } }])
    // A well-formed cursor past the end is an empty page, even at the largest offset.
    const far = await h.app.graphql(
      'query($after: String) { artists(first: 5, after: $after) { edges { node { name } } pageInfo { hasNextPage } } }',
      { after: cursor(`OffsetConnection:${2 ** 31 - 1}`) },
      { as: promoter },
    )
    expect(far.errors).toBeUndefined()
    expect(far.data.artists).toEqual({ edges: [], pageInfo: { hasNextPage: false } })
  })

  it('walks from an agency to its people and back', async () => {
    await h.app.rest('POST', '/api/v1/people', { as: agency, body: { firstName: 'Nested', lastName: 'Person' } })
    const r = await h.app.graphql(
      'query($id: ID!) { agency(id: $id) { name claimed people { fullName agency { id } } } }',
      { id: agency.agencyId },
      { as: promoter },
    )
    expect(r.data.agency.claimed).toBe(true)
    expect(r.data.agency.people).toContainEqual({ fullName: 'Nested Person', agency: { id: agency.agencyId } })
  })

  it('lists genres with their subgenres and filters top-level ones', async () => {
    const r = await h.app.graphql(
      '{ genres(filter: { topLevel: true, q: "electro" }) { edges { node { name subgenres { name } } } } }',
      {},
      { as: promoter },
    )
    expect(r.data.genres.edges[0].node).toEqual({ name: 'Electronic', subgenres: [{ name: 'Techno' }] })
  })
})

describe('field-level access', () => {
  it('nulls a denied field with FORBIDDEN and keeps the rest of the answer', async () => {
    const noPermission = await h.auth.session({ modules: ['artist'], permissions: [] })
    const r = await h.app.graphql('{ _service { sdl } artists(first: 1) { totalCount } }', {}, { as: noPermission })
    expect(r.data.artists).toBeNull()
    expect(r.data._service.sdl).toContain('type Artist')
    expect(r.errors).toHaveLength(1)
    expect(r.errors![0]).toMatchObject({ path: ['artists'], extensions: { code: 'FORBIDDEN', reason: 'forbidden' } })
    expect(r.errors?.[0]?.message).toBe('missing permission: artist.directory.read or artist.agency.manage')
  })

  it('nulls protected fields for an anonymous caller with UNAUTHENTICATED', async () => {
    const r = await h.app.graphql('{ _service { sdl } genres(first: 1) { totalCount } }')
    expect(r.data.genres).toBeNull()
    expect(r.data._service.sdl).toBeTruthy()
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('denies a platform-only mutation to a tenant and allows it to a machine caller', async () => {
    const tenant = await h.app.graphql('mutation { createGenre(input: { name: "Ambient" }) { name } }', {}, { as: agency })
    expect(tenant.data.createGenre).toBeNull()
    expect(tenant.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' })
    const machine = await h.app.graphql('mutation { createGenre(input: { name: "Ambient" }) { name slug } }', {}, { as: 'machine' })
    expect(machine.data.createGenre).toEqual({ name: 'Ambient', slug: 'ambient' })
  })

  it('shows each declared access rule as @requiresPermission in the SDL, composed for the supergraph', async () => {
    const r = await h.app.graphql('{ _service { sdl } }')
    const sdl: string = r.data._service.sdl
    expect(sdl).toContain('@composeDirective(name: "@requiresPermission")')
    expect(sdl).toMatch(
      /type Artist\s+@key\(fields: "id"\)\s+@requiresPermission\(rule: "directory.read", anyOf: \["artist.directory.read", "promoter.directory.read", "artist.agency.manage"\], internal: true, agencyGate: false\)/,
    )
    expect(sdl).toContain(
      'createGenre(input: GenreInput!): Genre @requiresPermission(rule: "directory.curate", anyOf: [], internal: true, agencyGate: false)',
    )
    expect(sdl).toContain(
      'createArtist(input: ArtistInput!): Artist @requiresPermission(rule: "directory.manage", anyOf: ["artist.directory.manage"], internal: true, agencyGate: true)',
    )
  })
})
