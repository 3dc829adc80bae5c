// Archived artists' windows out of the search's indexes (migration availability_listed_windows): each window carries
// whether its artist is listed (`artist_listed`), written by triggers in the transaction of the write or of the
// archive, and the partial indexes every search reads hold only listed artists' open windows; the windows by genre
// hold none of an archived artist. Every search path answers without the archived artist and with it again once it
// is restored, the flag cannot be written wrong, and an archive racing a window's write leaves it right.
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, slotDay, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { backendPid, holdsUpAnother, lockRace, racingClients, untilLocked, windowWriter } from './support/lock-race.ts'

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

/** The windows' flags of an artist, in date order. */
const flags = async (artistId: string) =>
  (
    await h.app.db.$queryRawUnsafe<{ listed: boolean }[]>(
      'SELECT artist_listed AS listed FROM artist_availabilities WHERE artist_id = $1::uuid ORDER BY starts_on',
      artistId,
    )
  ).map((r) => r.listed)

const genreRows = async (artistId: string) =>
  (
    await h.app.db.$queryRawUnsafe<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM availability_genre_windows WHERE artist_id = $1::uuid',
      artistId,
    )
  )[0]!.n

describe('listed windows', () => {
  it('leave every search with their artist archived and come back with it restored', async () => {
    const db = h.app.db
    const word = `Listed${randomUUID().slice(0, 8)}`
    const genre = await db.genre.create({ data: { name: word, slug: word.toLowerCase() } })
    const when = nextSlot()
    const day = (offset: number) => slotDay(when, offset)
    const artist = async (name: string, fee: number) => {
      const id = await representedArtist(agency, name)
      await db.artistGenre.create({ data: { artistId: id, genreId: genre.id } })
      const r = await h.app.rest('POST', `/api/v1/artists/${id}/availability`, {
        as: agency,
        body: { startsOn: day(0), endsOn: day(1), status: 'available', currency: 'EUR', feeMin: fee, feeMax: fee + 100_000 },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return id
    }
    const kept = await artist(`${word} Alpha`, 300_000)
    const archived = await artist(`${word} Beta`, 200_000)
    // Every path of the search: a name alone (the names read model) by name and soonest, a name with a window filter by
    // name (its artists probed), by fee (the matching windows grouped) and by soonest (the first day's walk); a genre by
    // name (its windows' walk or their sort) and by fee; the period and the currency by fee (the fee walk, its count's
    // bound), by soonest and by name (the listed artists probed); the period alone by name (the names read model's walk).
    const searches: Record<string, string>[] = [
      { q: word },
      { q: word, sort: 'soonest' },
      { q: word, currency: 'EUR' },
      { q: word, currency: 'EUR', sort: 'fee' },
      { q: word, currency: 'EUR', sort: 'soonest' },
      { genreId: genre.id },
      { genreId: genre.id, sort: 'fee' },
      { currency: 'EUR', budgetMax: '300000', sort: 'fee' },
      { currency: 'EUR', budgetMax: '300000', sort: 'soonest' },
      { currency: 'EUR', budgetMax: '300000' },
      {},
    ]
    const found = async () => {
      const answers: { total: number; has: boolean[] }[] = []
      for (const params of searches) {
        const r = await h.app.rest(
          'GET',
          `/api/v1/availability/search?${new URLSearchParams({ from: day(0), to: day(1), limit: '100', ...params })}`,
          { as: promoter },
        )
        expect(r.status, JSON.stringify(r.body)).toBe(200)
        const ids = (r.body.data.items as { id: string }[]).map((i) => i.id)
        answers.push({ total: r.body.data.total, has: [ids.includes(kept), ids.includes(archived)] })
      }
      return answers
    }
    const before = await found()
    expect(before.map((a) => a.has)).toEqual(searches.map(() => [true, true]))
    expect(await flags(archived)).toEqual([true])
    expect(await genreRows(archived)).toBe(1)
    // The flag is the database's: neither the artist's windows nor a search's hits show it.
    const listedWindows = await h.app.rest('GET', `/api/v1/artists/${kept}/availability`, { as: promoter })
    const hits = await h.app.rest('GET', `/api/v1/availability/search?${new URLSearchParams({ from: day(0), to: day(1), q: word })}`, {
      as: promoter,
    })
    expect(listedWindows.body.data[0]).toHaveProperty('startsOn')
    expect(listedWindows.body.data[0]).not.toHaveProperty('artistListed')
    expect(hits.body.data.items[0].matchingAvailability[0]).toHaveProperty('startsOn')
    expect(hits.body.data.items[0].matchingAvailability[0]).not.toHaveProperty('artistListed')

    expect((await h.app.rest('POST', `/api/v1/artists/${archived}/archive`, { as: agency })).status).toBe(200)
    expect(await flags(archived)).toEqual([false])
    expect(await genreRows(archived)).toBe(0)
    const without = await found()
    expect(without.map((a) => a.has)).toEqual(searches.map(() => [true, false]))
    expect(without.map((a) => a.total)).toEqual(before.map((a) => a.total - 1))

    expect((await h.app.rest('POST', `/api/v1/artists/${archived}/restore`, { as: agency })).status).toBe(200)
    expect(await flags(archived)).toEqual([true])
    expect(await genreRows(archived)).toBe(1)
    expect(await found()).toEqual(before)
  })

  it("are written with their artist's state, whatever a writer sends, and follow a window moved to another artist", async () => {
    const db = h.app.db
    const listed = await representedArtist()
    const archived = await representedArtist()
    await db.artist.update({ where: { id: archived }, data: { archivedAt: new Date() } })
    const when = nextSlot()
    const insert = (artistId: string, offset: number, flag: string) =>
      db.$queryRawUnsafe<{ id: string }[]>(
        `INSERT INTO artist_availabilities (id, artist_id, agency_id, starts_on, ends_on, status, artist_listed, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3::date + $4::int, $3::date + $4::int, 'available', ${flag}, now()) RETURNING id`,
        artistId,
        agency.agencyId,
        slotDay(when, 0),
        offset,
      )
    const window = (await insert(archived, 0, 'true'))[0]!.id
    await insert(listed, 0, 'false')
    expect(await flags(archived)).toEqual([false])
    expect(await flags(listed)).toEqual([true])
    await db.$executeRawUnsafe('UPDATE artist_availabilities SET artist_listed = true WHERE artist_id = $1::uuid', archived)
    expect(await flags(archived)).toEqual([false])
    await db.$executeRawUnsafe(
      'UPDATE artist_availabilities SET artist_id = $1::uuid, starts_on = starts_on + 1, ends_on = ends_on + 1 WHERE id = $2::uuid',
      listed,
      window,
    )
    expect(await flags(listed)).toEqual([true, true])
    // And back to the archived artist; then both artists archived in one statement, and listed again in one.
    await db.$executeRawUnsafe('UPDATE artist_availabilities SET artist_id = $1::uuid WHERE id = $2::uuid', archived, window)
    expect(await flags(archived)).toEqual([false])
    await db.$executeRawUnsafe('UPDATE artists SET archived_at = now() WHERE id = ANY($1::uuid[])', [listed, archived])
    expect([await flags(listed), await flags(archived)]).toEqual([[false], [false]])
    await db.$executeRawUnsafe('UPDATE artists SET archived_at = NULL WHERE id = ANY($1::uuid[])', [listed, archived])
    expect([await flags(listed), await flags(archived)]).toEqual([[true], [true]])
  })

  it('stay right when an archive or a restore and a window written run at once, whichever commits first', async () => {
    const artist = await representedArtist()
    const when = nextSlot()
    const [first, second] = await racingClients(h.database.url)
    const publish = windowWriter(artist, agency.agencyId, slotDay(when, 0))
    const archive = (c: pg.Client) => c.query('UPDATE artists SET archived_at = now() WHERE id = $1', [artist])
    const restore = (c: pg.Client) => c.query('UPDATE artists SET archived_at = NULL WHERE id = $1', [artist])
    const race = lockRace(first, second)
    try {
      await race(archive, publish)
      expect(await flags(artist), 'archived, then a window written').toEqual([false])
      await race(restore, publish)
      expect(await flags(artist), 'restored, then a window written').toEqual([true, true])
      await race(publish, archive)
      expect(await flags(artist), 'a window written, then archived').toEqual([false, false, false])
      await race(publish, restore)
      expect(await flags(artist), 'a window written, then restored').toEqual([true, true, true, true])
    } finally {
      await Promise.all([first.end(), second.end()])
    }
  })

  it('are written by the service after their artist is locked, as an archive locks them: the two never deadlock', async () => {
    // An archive locks the artist, then its windows. Were a window's write to lock the window first and the artist after
    // (the windows' triggers lock it), each would wait for the other. While another transaction holds the artist, a
    // publication, an update or a removal through the service waits for it without holding any window.
    const artist = await representedArtist()
    const when = nextSlot()
    const day = (offset: number) => slotDay(when, offset)
    const published = async (offset: number) => {
      const r = await h.app.rest('POST', `/api/v1/artists/${artist}/availability`, {
        as: agency,
        body: { startsOn: day(offset), endsOn: day(offset), status: 'available' },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return r.body.data.id as string
    }
    const [first, second] = [await published(0), await published(2)]
    const [holder, probe] = await racingClients(h.database.url)
    const holderPid = await backendPid(holder)
    const writes: [string, () => ReturnType<typeof h.app.rest>, number][] = [
      [
        'publish',
        () =>
          h.app.rest('POST', `/api/v1/artists/${artist}/availability`, {
            as: agency,
            body: { startsOn: day(4), endsOn: day(4), status: 'available' },
          }),
        201,
      ],
      ['update', () => h.app.rest('PATCH', `/api/v1/availability/${first}`, { as: agency, body: { status: 'tentative' } }), 200],
      ['remove', () => h.app.rest('DELETE', `/api/v1/availability/${second}`, { as: agency }), 200],
    ]
    try {
      for (const [what, write, status] of writes) {
        await holder.query('BEGIN')
        await holder.query('SELECT 1 FROM artists WHERE id = $1 FOR NO KEY UPDATE', [artist])
        const pending = write()
        await untilLocked(() => holdsUpAnother(probe, holderPid), `${what} waits for the artist`)
        // No window of the artist is held by the waiting write: NOWAIT refuses at once a row another transaction holds.
        // (A publication's own new window is invisible to the probe until it commits: for it, the wait above is the check.)
        const probed = await probe.query('SELECT 1 FROM artist_availabilities WHERE artist_id = $1 FOR UPDATE NOWAIT', [artist])
        expect(probed.rowCount, what).toBeGreaterThan(0)
        await holder.query('COMMIT')
        const r = await pending
        expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(status)
      }
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined)
      await Promise.all([holder.end(), probe.end()])
    }
  })
})
