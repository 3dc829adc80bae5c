// The names read model (migration availability_names) that an availability search by name alone reads: one row
// per listed artist with a window that is not blocked, carrying its name and the days its windows offer (booked
// days removed), available and tentative apart. Kept by triggers in the transaction of the write, so after every
// kind of write it equals a recount from the base tables, day by day; the search answers through it as the base
// tables do.
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { formatDay } from '../src/dates.ts'
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

type Row = { artist: string; name: string; name_search: string; available: string; tentative: string }

/**
 * The model's rows of these artists, and the same rows recounted from the base tables: every day of a window that
 * is not blocked and that its booked days do not hold, of a listed artist, gathered per status.
 */
async function modelAndRecount(artistIds: string[]) {
  const model = await h.app.db.$queryRawUnsafe<Row[]>(
    `SELECT artist_id AS artist, name, name_search, available_on::text AS available, tentative_on::text AS tentative
     FROM availability_names WHERE artist_id = ANY($1::uuid[]) ORDER BY 1`,
    artistIds,
  )
  const recount = await h.app.db.$queryRawUnsafe<Row[]>(
    `SELECT a.id AS artist, a.name, a.name_search,
            coalesce(range_agg(daterange(g.d::date, g.d::date, '[]')) FILTER (WHERE w.status = 'available'), '{}')::text AS available,
            coalesce(range_agg(daterange(g.d::date, g.d::date, '[]')) FILTER (WHERE w.status = 'tentative'), '{}')::text AS tentative
     FROM artists a JOIN artist_availabilities w ON w.artist_id = a.id
     CROSS JOIN LATERAL generate_series(w.starts_on, w.ends_on, '1 day') g(d)
     WHERE a.id = ANY($1::uuid[]) AND a.archived_at IS NULL AND w.status <> 'blocked' AND NOT coalesce(w.booked_on @> g.d::date, false)
     GROUP BY a.id ORDER BY 1`,
    artistIds,
  )
  return { model, recount }
}

/** Whether the model says the artist offers the day (available). */
const offers = async (artistId: string, day: Date) =>
  (
    await h.app.db.$queryRawUnsafe<{ offers: boolean }[]>(
      `SELECT available_on @> $2::date AS offers FROM availability_names WHERE artist_id = $1::uuid`,
      artistId,
      formatDay(day),
    )
  )[0]?.offers

describe('names read model', () => {
  it('equals a recount after every kind of write: windows, bookings, renames, archive, removal', async () => {
    const db = h.app.db
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

    const when = nextSlot()
    const on = (offset: number) => slotDate(when, offset)
    expect(await check('no window yet')).toEqual([])
    const w1 = await db.availability.create({
      data: { artistId: a, agencyId: agency.agencyId, startsOn: on(-1), endsOn: on(1), status: 'available' },
    })
    expect((await check('window created')).map((r) => r.artist)).toEqual([a])
    const w2 = await db.availability.create({
      data: { artistId: a, agencyId: agency.agencyId, startsOn: on(5), endsOn: on(6), status: 'tentative' },
    })
    await check('tentative window created')
    await db.availability.update({ where: { id: w2.id }, data: { endsOn: on(8) } })
    await check('window moved')
    await db.availability.update({ where: { id: w2.id }, data: { status: 'available' } })
    const merged = await check('tentative window made available')
    expect(merged[0]!.tentative).toBe('{}')
    await db.availability.update({ where: { id: w2.id }, data: { status: 'blocked' } })
    await check('window blocked')
    await db.availability.update({ where: { id: w2.id }, data: { status: 'tentative' } })
    await check('window unblocked')

    // A booking of the window's days writes its booked days (the bookings' trigger updates the window): its day
    // is no longer offered.
    const { booking } = await booked(promoter, a, when)
    await check('booking confirmed')
    expect(await offers(a, on(0))).toBe(false)
    expect(await offers(a, on(1))).toBe(true)
    await db.$executeRaw`UPDATE bookings SET status = 'cancelled' WHERE id = ${booking.id}::uuid`
    await check('booking cancelled')
    await db.availability.update({ where: { id: w1.id }, data: { startsOn: on(0), endsOn: on(0) } })
    await db.$executeRaw`UPDATE bookings SET status = 'confirmed' WHERE id = ${booking.id}::uuid`
    await check("booking confirmed again on a window's only day")
    expect(await offers(a, on(0))).toBe(false)

    await db.availability.create({
      data: { artistId: b, agencyId: agency.agencyId, startsOn: on(20), endsOn: on(21), status: 'available' },
    })
    await check('window of the other artist')
    await db.$executeRaw`UPDATE artist_availabilities SET ends_on = ends_on + 1 WHERE artist_id = ANY(${ids}::uuid[]) AND status <> 'blocked'`
    await check("both artists' windows in one statement")

    await db.artist.update({ where: { id: a }, data: { name: `Renamed Ähnlich ${randomUUID()}` } })
    const renamed = await check('artist renamed')
    expect(renamed.find((r) => r.artist === a)!.name_search).toMatch(/^renamed ahnlich/)
    await db.$executeRaw`UPDATE artists SET name = name || ' (bulk)' WHERE id = ANY(${ids}::uuid[])`
    await check('artists renamed in one statement')

    await db.artist.update({ where: { id: b }, data: { archivedAt: new Date() } })
    expect((await check('artist archived')).map((r) => r.artist)).toEqual([a])
    await db.artist.update({ where: { id: b }, data: { archivedAt: null } })
    expect((await check('artist listed again')).length).toBe(2)

    await db.availability.delete({ where: { id: w2.id } })
    await check('window deleted')
    await db.$executeRaw`DELETE FROM artist_availabilities WHERE artist_id = ${b}::uuid`
    expect((await check('every window of an artist deleted')).map((r) => r.artist)).toEqual([a])

    // An artist deleted with its windows (the cascade deletes them): its row goes too.
    const gone = await db.artist.create({ data: { name: 'Gone soon', slug: `gone-${randomUUID()}` } })
    await db.availability.create({
      data: { artistId: gone.id, agencyId: agency.agencyId, startsOn: on(30), endsOn: on(31), status: 'available' },
    })
    expect((await modelAndRecount([gone.id])).model).toHaveLength(1)
    await db.artist.delete({ where: { id: gone.id } })
    expect((await db.$queryRaw<unknown[]>`SELECT 1 FROM availability_names WHERE artist_id = ${gone.id}::uuid`).length).toBe(0)
    expect(steps.length).toBeGreaterThan(15)
  })

  it('serve a search by name as the base tables answer it, and follow a rename and an archive', async () => {
    const db = h.app.db
    const word = `zq${randomUUID().slice(0, 6)}`
    const when = nextSlot()
    const day = (offset: number) => slotDay(when, offset)
    const artist = async (name: string, offset: number, status = 'available') => {
      const id = await representedArtist(agency, name)
      const r = await h.app.rest('POST', `/api/v1/artists/${id}/availability`, {
        as: agency,
        body: { startsOn: day(offset), endsOn: day(offset + 1), status },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return id
    }
    const first = await artist(`${word} Alpha`, 0)
    const second = await artist(`${word} Beta`, 1, 'tentative')
    const later = await artist(`${word} Gamma`, 10)
    const search = async (params: Record<string, string>) => {
      const r = await h.app.rest(
        'GET',
        `/api/v1/availability/search?${new URLSearchParams({ q: word, from: day(0), to: day(3), ...params })}`,
        {
          as: promoter,
        },
      )
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return { total: r.body.data.total, ids: (r.body.data.items as { id: string }[]).map((i) => i.id) }
    }
    expect(await search({})).toEqual({ total: 2, ids: [first, second] })
    expect(await search({ includeTentative: 'false' })).toEqual({ total: 1, ids: [first] })
    expect(await search({ sort: 'soonest', from: day(1) })).toEqual({ total: 2, ids: [first, second].sort() })
    await db.artist.update({ where: { id: first }, data: { name: `${word} Zeta` } })
    expect(await search({})).toEqual({ total: 2, ids: [second, first] })
    await db.artist.update({ where: { id: second }, data: { archivedAt: new Date() } })
    expect(await search({})).toEqual({ total: 1, ids: [first] })
    expect(await search({ to: day(12) })).toEqual({ total: 2, ids: [later, first] })
  })

  it("carries the artist's name when a rename and a write of its windows run at once, whichever commits first", async () => {
    const artist = await representedArtist()
    const when = nextSlot()
    const [first, second] = await racingClients(h.database.url)
    const publish = windowWriter(artist, agency.agencyId, slotDay(when, 0))
    const rename = (c: pg.Client, name: string) => c.query('UPDATE artists SET name = $1 WHERE id = $2', [name, artist])
    const archive = (c: pg.Client) => c.query('UPDATE artists SET archived_at = now() WHERE id = $1', [artist])
    const race = lockRace(first, second)
    const check = async (step: string, names: string[]) => {
      const { model, recount } = await modelAndRecount([artist])
      expect(model, step).toEqual(recount)
      expect(
        model.map((r) => r.name),
        step,
      ).toEqual(names)
    }
    try {
      // The artist's first window: no row of it yet for the rename to refresh, the window's refresh waits on the artist.
      await race((c) => rename(c, 'Renamed first'), publish)
      await check('renamed, then a window published', ['Renamed first'])
      await race(publish, (c) => rename(c, 'Renamed second'))
      await check('a window published, then renamed', ['Renamed second'])
      await race(archive, publish)
      await check('archived, then a window published', [])
    } finally {
      await Promise.all([first.end(), second.end()])
    }
  })
})
