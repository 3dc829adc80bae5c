// The windows-by-genre read model (migration availability_genre_windows) that genre-narrowed availability
// searches read: one row per window that is not blocked and genre of its artist, parents included, of listed artists
// only (migration availability_listed_windows). Kept by
// triggers in the transaction of the write (the artist's name too, by which a genre's page sorts), so after every kind of write it equals a recount from the base
// tables; the search answers the same through it as the plain reference.
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, slotDate, slotDay, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { lockRace, racingClients, windowWriter } from './support/lock-race.ts'

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

type Row = { genre: string; window: string; artist: string; days: string; status: string; booked: string | null; name: string }

/** The model's rows of these artists, and the same rows recounted from the base tables. */
async function modelAndRecount(artistIds: string[]) {
  const columns = `genre_id AS genre, window_id AS "window", artist_id AS artist, daterange(starts_on, ends_on, '[]')::text AS days,
                   status::text, booked_on::text AS booked, country_id, fee_min, fee_max, currency, name`
  const model = await h.app.db.$queryRawUnsafe<Row[]>(
    `SELECT ${columns} FROM availability_genre_windows WHERE artist_id = ANY($1::uuid[]) ORDER BY 1, 2`,
    artistIds,
  )
  const recount = await h.app.db.$queryRawUnsafe<Row[]>(
    `SELECT ${columns} FROM (
       SELECT DISTINCT x.id AS genre_id, w.id AS window_id, w.artist_id, w.starts_on, w.ends_on, w.status, w.booked_on,
              w.country_id, w.fee_min, w.fee_max, w.currency, a.name
       FROM artist_availabilities w JOIN artists a ON a.id = w.artist_id JOIN artist_genres ag ON ag.artist_id = w.artist_id JOIN genres g ON g.id = ag.genre_id,
       LATERAL (VALUES (g.id), (g.parent_id)) x(id)
       WHERE w.artist_id = ANY($1::uuid[]) AND w.status <> 'blocked' AND a.archived_at IS NULL AND x.id IS NOT NULL) r
     ORDER BY 1, 2`,
    artistIds,
  )
  return { model, recount }
}

describe('windows by genre', () => {
  it('equal a recount after every kind of write: windows, bookings, artist genres, the genre tree, archive, removal', async () => {
    const db = h.app.db
    const slug = (s: string) => `${s}-${randomUUID()}`
    const [rock, pop] = await Promise.all([
      db.genre.create({ data: { name: 'Rock', slug: slug('rock') } }),
      db.genre.create({ data: { name: 'Pop', slug: slug('pop') } }),
    ])
    const punk = await db.genre.create({ data: { name: 'Punk', slug: slug('punk'), parentId: rock.id } })
    const a = await representedArtist()
    const b = await representedArtist()
    const ids = [a, b]
    const steps: string[] = []
    const check = async (step: string) => {
      steps.push(step)
      const { model, recount } = await modelAndRecount(ids)
      expect(model, step).toEqual(recount)
      return model
    }

    await db.artistGenre.create({ data: { artistId: a, genreId: punk.id } })
    const when = nextSlot()
    const on = (offset: number) => slotDate(when, offset)
    const w1 = await db.availability.create({
      data: { artistId: a, agencyId: agency.agencyId, startsOn: on(-1), endsOn: on(1), status: 'available' },
    })
    const afterCreate = await check('window created')
    // A subgenre's window is its parent's too.
    expect(afterCreate.map((r) => r.genre).sort()).toEqual([punk.id, rock.id].sort())

    const w2 = await db.availability.create({
      data: { artistId: a, agencyId: agency.agencyId, startsOn: on(5), endsOn: on(6), status: 'tentative', currency: 'EUR', feeMin: 100 },
    })
    await check('second window created')
    await db.availability.update({ where: { id: w2.id }, data: { endsOn: on(8), feeMax: 900, countryId: null } })
    await check('window updated')
    await db.availability.update({ where: { id: w2.id }, data: { status: 'blocked' } })
    const blocked = await check('window blocked')
    expect(blocked.some((r) => r.window === w2.id)).toBe(false)
    await db.availability.update({ where: { id: w2.id }, data: { status: 'available' } })
    await check('window unblocked')

    // A booking of the window's days writes its booked days (the bookings' trigger updates the window).
    await booked(promoter, a, when)
    const afterBooking = await check('booking confirmed')
    expect(afterBooking.filter((r) => r.window === w1.id).every((r) => r.booked !== null)).toBe(true)

    await db.artistGenre.create({ data: { artistId: a, genreId: pop.id } })
    await check('artist genre added')
    await db.artistGenre.update({ where: { artistId_genreId: { artistId: a, genreId: pop.id } }, data: { artistId: b } })
    await check("artist genre moved to another artist (both artists' rows)")
    await db.availability.create({
      data: { artistId: b, agencyId: agency.agencyId, startsOn: on(20), endsOn: on(21), status: 'available' },
    })
    await check('window of the other artist')
    await db.artistGenre.delete({ where: { artistId_genreId: { artistId: a, genreId: punk.id } } })
    const noGenre = await check('artist genre removed')
    expect(noGenre.some((r) => r.artist === a)).toBe(false)
    await db.artistGenre.create({ data: { artistId: a, genreId: punk.id } })
    await check('artist genre back')

    // The genre tree: the subgenre moves under another parent, then to the top.
    await db.genre.update({ where: { id: punk.id }, data: { parentId: pop.id } })
    const moved = await check('subgenre moved')
    expect(moved.some((r) => r.artist === a && r.genre === rock.id)).toBe(false)
    expect(moved.some((r) => r.artist === a && r.genre === pop.id)).toBe(true)
    await db.genre.update({ where: { id: punk.id }, data: { parentId: null } })
    await check('subgenre made top-level')

    // The artist's name, which a genre's page sorts by.
    await db.artist.update({ where: { id: a }, data: { name: `Renamed ${randomUUID()}` } })
    const renamed = await check('artist renamed')
    const ofA = renamed.filter((r) => r.artist === a)
    expect(ofA.length).toBeGreaterThan(0)
    expect(ofA.every((r) => r.name.startsWith('Renamed'))).toBe(true)
    await db.$executeRaw`UPDATE artists SET name = name || ' (bulk)' WHERE id = ANY(${ids}::uuid[])`
    const ofB = (rows: Row[]) => rows.filter((r) => r.artist === b).length
    expect(ofB(await check('artists renamed in one statement'))).toBeGreaterThan(0)

    // An archived artist's windows leave the model, and come back with the artist listed again.
    await db.artist.update({ where: { id: b }, data: { archivedAt: new Date() } })
    expect(ofB(await check('artist archived'))).toBe(0)
    await db.artist.update({ where: { id: b }, data: { archivedAt: null } })
    expect(ofB(await check('artist listed again'))).toBeGreaterThan(0)
    await db.artist.update({ where: { id: b }, data: { archivedAt: new Date() } })
    await check('artist archived again')
    await db.availability.delete({ where: { id: w2.id } })
    await check('window deleted')
    await db.$executeRaw`DELETE FROM artist_availabilities WHERE artist_id = ${b}::uuid`
    const none = await check('every window of an artist deleted')
    expect(none.some((r) => r.artist === b)).toBe(false)
    expect(steps.length).toBeGreaterThan(15)
  })

  it('serve a genre search as the base tables answer it, subgenres included', async () => {
    const db = h.app.db
    const parent = await db.genre.create({ data: { name: 'Folk', slug: `folk-${randomUUID()}` } })
    const child = await db.genre.create({ data: { name: 'Anti-folk', slug: `anti-folk-${randomUUID()}`, parentId: parent.id } })
    const when = nextSlot()
    const day = (offset: number) => slotDay(when, offset)
    const artist = async (genreId: string, offset: number) => {
      const id = await representedArtist()
      await db.artistGenre.create({ data: { artistId: id, genreId } })
      const r = await h.app.rest('POST', `/api/v1/artists/${id}/availability`, {
        as: agency,
        body: { startsOn: day(offset), endsOn: day(offset + 1) },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return id
    }
    const inParent = await artist(parent.id, 0)
    const inChild = await artist(child.id, 1)
    await artist(child.id, 10)
    const search = async (genreId: string) => {
      const r = await h.app.rest('GET', `/api/v1/availability/search?${new URLSearchParams({ genreId, from: day(0), to: day(3) })}`, {
        as: promoter,
      })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return { total: r.body.data.total, ids: (r.body.data.items as { id: string }[]).map((i) => i.id).sort() }
    }
    expect(await search(parent.id)).toEqual({ total: 2, ids: [inParent, inChild].sort() })
    expect(await search(child.id)).toEqual({ total: 1, ids: [inChild] })
    // Moved out of the tree, the subgenre's artists no longer match its former parent.
    await db.genre.update({ where: { id: child.id }, data: { parentId: null } })
    expect(await search(parent.id)).toEqual({ total: 1, ids: [inParent] })
  })

  it("carry the artist's name when a rename and a write of its windows or genres run at once, whichever commits first", async () => {
    const db = h.app.db
    const genre = await db.genre.create({ data: { name: 'Ska', slug: `ska-${randomUUID()}` } })
    const other = await db.genre.create({ data: { name: 'Dub', slug: `dub-${randomUUID()}` } })
    const artist = await representedArtist()
    await db.artistGenre.create({ data: { artistId: artist, genreId: genre.id } })
    const when = nextSlot()
    const [first, second] = await racingClients(h.database.url)
    const publish = windowWriter(artist, agency.agencyId, slotDay(when, 0))
    const rename = (c: pg.Client, name: string) => c.query('UPDATE artists SET name = $1 WHERE id = $2', [name, artist])
    const addGenre = (c: pg.Client) =>
      c.query('INSERT INTO artist_genres (artist_id, genre_id, updated_at) VALUES ($1, $2, now())', [artist, other.id])
    const race = lockRace(first, second)
    const check = async (step: string, name: string, rows: number) => {
      const { model, recount } = await modelAndRecount([artist])
      expect(model, step).toEqual(recount)
      expect(
        model.map((r) => r.name),
        step,
      ).toEqual(Array(rows).fill(name))
    }
    try {
      // The artist's first window: no row of it yet for the rename to update, the refresh waits on the artist.
      await race((c) => rename(c, 'Renamed first'), publish)
      await check('renamed, then a window published', 'Renamed first', 1)
      await race(publish, (c) => rename(c, 'Renamed second'))
      await check('a window published, then renamed', 'Renamed second', 2)
      // Two windows, each in both genres.
      await race((c) => rename(c, 'Renamed third'), addGenre)
      await check('renamed, then a genre added', 'Renamed third', 4)
    } finally {
      await Promise.all([first.end(), second.end()])
    }
  })
})
