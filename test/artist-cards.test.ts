// Rendered artist cards (migration artist_cards, src/modules/availability/artist-cards.ts): the availability search's
// REST hits serve an artist from its card while the card's version is the artist's current one. Every kind of write a
// card shows bumps the version in its own transaction, so after each of them the hit served equals the one rendered
// with no card at all; a card of an older version (a read that rendered before a change wrote it back after) is
// never served, and a card that cannot be written back leaves the search answering.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, slotDay, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'
import { backendPid, racingClients, untilLocked, waitsForLock } from './support/lock-race.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session

const { representedArtist } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

/** An artist with a window in a period of its own, found by a word of its name alone: the search and its cards. */
async function searchedArtist() {
  const word = `Card${randomUUID().slice(0, 8)}`
  const id = await representedArtist(agency, `${word} Original`)
  const when = nextSlot()
  const day = (offset: number) => slotDay(when, offset)
  const published = await h.app.rest('POST', `/api/v1/artists/${id}/availability`, {
    as: agency,
    body: { startsOn: day(0), endsOn: day(2) },
  })
  expect(published.status, JSON.stringify(published.body)).toBe(201)
  const path = `/api/v1/availability/search?${new URLSearchParams({ q: word, from: day(0), to: day(2) })}`
  /** The hit as the search serves it now (from the card when one of the current version is there). */
  const served = async (as: Session | 'machine') => {
    const r = await h.app.rest('GET', path, { as })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.data.items).toHaveLength(1)
    return r.body.data.items[0] as Record<string, unknown>
  }
  /** The hit rendered with no card (which the search then writes back). */
  const rendered = async (as: Session | 'machine') => {
    await h.app.db.$executeRawUnsafe('DELETE FROM artist_cards WHERE artist_id = $1::uuid', id)
    return served(as)
  }
  const cards = () =>
    h.app.db.$queryRawUnsafe<{ version: bigint; text: string }[]>(
      'SELECT c.version, c.text FROM artist_cards c WHERE c.artist_id = $1::uuid ORDER BY c.shape',
      id,
    )
  const version = async () =>
    (await h.app.db.$queryRawUnsafe<{ version: bigint }[]>('SELECT version FROM artist_card_versions WHERE artist_id = $1::uuid', id))[0]
      ?.version ?? 0n
  return { id, word, period: { from: day(0), to: day(2) }, served, rendered, cards, version }
}

describe('artist cards', () => {
  it('serves the card a search wrote back, at its version', async () => {
    const a = await searchedArtist()
    const first = await a.served(promoter)
    const [card] = await a.cards()
    expect(card?.version).toBe(await a.version())
    // A card is what the search sends: planting another text shows it is served, not rendered again.
    await h.app.db.$executeRawUnsafe(
      `UPDATE artist_cards SET text = jsonb_set(text::jsonb, '{name}', '"Planted"')::text WHERE artist_id = $1::uuid`,
      a.id,
    )
    expect((await a.served(promoter)).name).toBe('Planted')
    expect(await a.rendered(promoter)).toEqual(first)
  })

  it('serves after every kind of write a card shows what a search with no card renders', async () => {
    const db = h.app.db
    const a = await searchedArtist()
    const { es, madrid } = await seedGeo(db)
    const { techno, jazz } = await seedGenres(db)
    const steps: [string, () => Promise<unknown>, (hit: Record<string, any>) => unknown][] = [
      ['artist renamed', () => db.artist.update({ where: { id: a.id }, data: { name: `${a.word} Renamed` } }), (hit) => hit.name],
      [
        'artist placed',
        () => db.artist.update({ where: { id: a.id }, data: { countryId: es.id, cityId: madrid.id } }),
        (hit) => hit.city?.name,
      ],
      [
        'profile changed',
        () => db.artistProfile.update({ where: { artistId: a.id }, data: { biography: 'Other words' } }),
        (hit) => hit.profile?.biography,
      ],
      [
        'genre added',
        () => db.artistGenre.create({ data: { artistId: a.id, genreId: techno.id, position: 1 } }),
        (hit) => hit.genres?.length,
      ],
      [
        'second genre',
        () => db.artistGenre.create({ data: { artistId: a.id, genreId: jazz.id, position: 2 } }),
        (hit) => hit.genres?.length,
      ],
      [
        'genre reordered',
        () => db.artistGenre.update({ where: { artistId_genreId: { artistId: a.id, genreId: jazz.id } }, data: { position: 0 } }),
        (hit) => hit.genres?.[0]?.genre?.name,
      ],
      [
        'genre renamed',
        () => db.genre.update({ where: { id: jazz.id }, data: { name: 'Free Jazz' } }),
        (hit) => hit.genres?.[0]?.genre?.name,
      ],
      [
        'genre removed',
        () => db.artistGenre.delete({ where: { artistId_genreId: { artistId: a.id, genreId: techno.id } } }),
        (hit) => hit.genres?.length,
      ],
      ['country renamed', () => db.country.update({ where: { id: es.id }, data: { name: 'España' } }), (hit) => hit.country?.name],
      ['city renamed', () => db.city.update({ where: { id: madrid.id }, data: { name: 'Madrid Centro' } }), (hit) => hit.city?.name],
      [
        'platform account added',
        () =>
          db.platformAccount.create({
            data: { artistId: a.id, platform: 'spotify', url: 'https://open.spotify.com/artist/x', handle: 'x' },
          }),
        (hit) => hit.platformAccounts?.length,
      ],
      [
        'platform account removed',
        () => db.platformAccount.deleteMany({ where: { artistId: a.id } }),
        (hit) => hit.platformAccounts?.length,
      ],
      ['profile removed', () => db.artistProfile.delete({ where: { artistId: a.id } }), (hit) => hit.profile],
      [
        'profile written',
        () => db.artistProfile.create({ data: { artistId: a.id, biography: 'First words' } }),
        (hit) => hit.profile?.biography,
      ],
    ]
    for (const as of [promoter, 'machine'] as const) await a.served(as)
    for (const [step, write, shown] of steps) {
      const before = await a.version()
      const previous = await a.served(promoter)
      await write()
      expect(await a.version(), step).toBeGreaterThan(before)
      for (const as of [promoter, 'machine'] as const) {
        const served = await a.served(as)
        expect(shown(served), step).not.toEqual(shown(previous))
        expect(served, step).toEqual(await a.rendered(as))
      }
    }
  })

  it("never serves one reader's card to a reader with another view: a directory reader's artist to a card reader", async () => {
    const a = await searchedArtist()
    // Availability without the directory: the search shows the artist's card (its own fields), not the directory's view.
    const cardReader = await h.auth.session({ modules: ['promoter'], permissions: ['promoter.availability.read'] })
    const directory = await a.served(promoter)
    expect(directory).toHaveProperty('genres')
    const card = await a.served(cardReader)
    expect(card).not.toHaveProperty('genres')
    expect(card).not.toHaveProperty('profile')
    expect(await a.cards()).toHaveLength(2)
    // Each served from its own card now, and each as a search with no card renders it.
    expect(await a.served(promoter)).toEqual(directory)
    expect(await a.served(cardReader)).toEqual(card)
    expect(await a.rendered(cardReader)).toEqual(card)
    expect(await a.rendered(promoter)).toEqual(directory)
  })

  it('never serves a card of an older version, such as one a read wrote back after a change', async () => {
    const a = await searchedArtist()
    await a.served(promoter)
    const [stale] = await a.cards()
    await h.app.db.artist.update({ where: { id: a.id }, data: { name: `${a.word} Changed` } })
    // The late write-back of a read that rendered before the change: its version is the one before.
    await h.app.db.$executeRawUnsafe(
      'UPDATE artist_cards SET text = $2, version = $3 WHERE artist_id = $1::uuid',
      a.id,
      stale!.text,
      stale!.version,
    )
    expect((await a.served(promoter)).name).toBe(`${a.word} Changed`)
    const [card] = await a.cards()
    expect(card?.version).toBe(await a.version())
    expect(JSON.parse(card!.text).name).toBe(`${a.word} Changed`)
  })

  it('never keeps a card of an older genre or city name when the rename races the artist gaining it', async () => {
    // The rename's trigger finds the artists showing the genre (city) in its own snapshot: a link written and not yet
    // committed is not among them. When the link commits first and a read renders the artist before the rename commits,
    // that card carries the link's version and the old name; the rename must still bump the artist.
    const db = h.app.db
    const country = await db.country.create({ data: { code: 'PT', name: 'Portugal' } })
    const races: [string, (id: string) => string, string, (hit: Record<string, any>) => unknown][] = []
    const genre = await db.genre.create({ data: { name: 'Fado', slug: `fado-${randomUUID()}` } })
    races.push([
      'genre',
      (id) => `INSERT INTO artist_genres (artist_id, genre_id, updated_at) VALUES ('${id}', '${genre.id}', now())`,
      `UPDATE genres SET name = 'Fado Novo' WHERE id = '${genre.id}'`,
      (hit) => hit.genres?.[0]?.genre?.name,
    ])
    const city = await db.city.create({ data: { name: 'Lisboa', countryId: country.id, timezone: 'Europe/Lisbon' } })
    races.push([
      'city',
      (id) => `UPDATE artists SET country_id = '${country.id}', city_id = '${city.id}' WHERE id = '${id}'`,
      `UPDATE geo_cities SET name = 'Lisboa Centro' WHERE id = '${city.id}'`,
      (hit) => hit.city?.name,
    ])
    const [linker, renamer] = await racingClients(h.database.url)
    try {
      for (const [what, link, rename, shown] of races) {
        const a = await searchedArtist()
        await a.served(promoter)
        await linker.query('BEGIN')
        await linker.query(link(a.id))
        await renamer.query('BEGIN')
        const pid = await backendPid(renamer)
        let done = false
        const renamed = renamer.query(rename).then(() => (done = true))
        // The rename has run its trigger, or waits for the link (it must not run after the link committed).
        await untilLocked(async () => done || (await waitsForLock(linker, pid)))
        await linker.query('COMMIT')
        await renamed
        // Rendered with the link, before the rename commits: written back at the link's version, with the old name.
        await a.served(promoter)
        const linked = await a.version()
        expect(
          (await a.cards()).some((c) => c.version === linked && shown(JSON.parse(c.text)) === (what === 'genre' ? 'Fado' : 'Lisboa')),
          what,
        ).toBe(true)
        await renamer.query('COMMIT')
        const served = await a.served(promoter)
        expect(shown(served), what).toBe(what === 'genre' ? 'Fado Novo' : 'Lisboa Centro')
        expect(served, what).toEqual(await a.rendered(promoter))
      }
    } finally {
      await Promise.all([linker.end(), renamer.end()])
    }
  })

  it("lets a genre's rename and an update relinking an artist to it both commit", async () => {
    // The update holds the artist's version (its row bumped) when it links the artist to the genre again; the rename
    // bumps the genre's artists: had it locked the genre first, each would wait for the other.
    const db = h.app.db
    const genre = await db.genre.create({ data: { name: 'Morna', slug: `morna-${randomUUID()}` } })
    const a = await searchedArtist()
    await db.artistGenre.create({ data: { artistId: a.id, genreId: genre.id } })
    await a.served(promoter)
    const [updater, renamer] = await racingClients(h.database.url)
    try {
      await updater.query('BEGIN')
      await updater.query(`UPDATE artists SET name = $1 WHERE id = $2`, [`${a.word} Relinked`, a.id])
      await updater.query('DELETE FROM artist_genres WHERE artist_id = $1', [a.id])
      const pid = await backendPid(renamer)
      const renamed = renamer.query(`UPDATE genres SET name = 'Morna Nova' WHERE id = $1`, [genre.id])
      await untilLocked(() => waitsForLock(updater, pid))
      await updater.query('INSERT INTO artist_genres (artist_id, genre_id, updated_at) VALUES ($1, $2, now())', [a.id, genre.id])
      await updater.query('COMMIT')
      await renamed
    } finally {
      await Promise.all([updater.end(), renamer.end()])
    }
    const served = await a.served(promoter)
    expect(served.name).toBe(`${a.word} Relinked`)
    expect((served.genres as { genre: { name: string } }[])[0]?.genre.name).toBe('Morna Nova')
    expect(served).toEqual(await a.rendered(promoter))
  })

  it('answers when a card cannot be written back, and renders again next time', async () => {
    const a = await searchedArtist()
    const expected = await a.served(promoter)
    await h.app.db.$executeRawUnsafe('DELETE FROM artist_cards WHERE artist_id = $1::uuid', a.id)
    await h.app.db.$executeRawUnsafe(
      `CREATE FUNCTION test_refuse_cards() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'cards refused'; END $$`,
    )
    await h.app.db.$executeRawUnsafe(
      'CREATE TRIGGER test_refuse_cards BEFORE INSERT ON artist_cards FOR EACH ROW EXECUTE FUNCTION test_refuse_cards()',
    )
    const logged = h.app.logs.length
    try {
      expect(await a.served(promoter)).toEqual(expected)
      expect(await a.cards()).toEqual([])
      expect(h.app.logs.slice(logged).some((l) => l.msg === 'artist cards not written back')).toBe(true)
    } finally {
      await h.app.db.$executeRawUnsafe('DROP TRIGGER test_refuse_cards ON artist_cards')
      await h.app.db.$executeRawUnsafe('DROP FUNCTION test_refuse_cards()')
    }
    expect(await a.served(promoter)).toEqual(expected)
    expect(await a.cards()).toHaveLength(1)
  })

  it('keeps no card for the GraphQL face, which renders its records every time', async () => {
    const a = await searchedArtist()
    const r = await h.app.graphql(
      `query ($filter: AvailabilitySearchFilter!) { availabilitySearch(filter: $filter, first: 5) { edges { node { id name } } } }`,
      { filter: { q: a.word, ...a.period } },
      { as: promoter },
    )
    expect(r.errors).toBeUndefined()
    // The artist was found and rendered, and no card kept.
    expect(r.data.availabilitySearch.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([a.id])
    expect(await a.cards()).toEqual([])
  })

  it('serves after a TRUNCATE of a table a card shows what a search with no card renders', async () => {
    const a = await searchedArtist()
    await h.app.db.platformAccount.create({
      data: { artistId: a.id, platform: 'spotify', url: 'https://open.spotify.com/artist/y', handle: 'y' },
    })
    const before = await a.version()
    expect(((await a.served(promoter)).platformAccounts as unknown[]).length).toBe(1)
    await h.app.db.$executeRawUnsafe('TRUNCATE artist_platform_accounts')
    expect(await a.version()).toBeGreaterThan(before)
    const served = await a.served(promoter)
    expect(served.platformAccounts).toEqual([])
    expect(served).toEqual(await a.rendered(promoter))
  })
})
