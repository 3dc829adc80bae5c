// Within the REST view (ArtistView and the window's country, or the cards a reader without the directory
// sees), a search page and its hits are one hand-written statement whose JSON PostgreSQL builds: it must
// answer exactly the hits Prisma's hydration answers, record for record (Dates, BigInts, relations in their
// orders, busy days), for every sort, filter and page, the soonest order's fallback and a page past the end.
// The REST face sends the same statement's JSON in its own encoding as it is (src/rest/json.ts JsonFragment):
// it must be the JSON the records would have been sent as (dates, amounts, Money fields).
import { beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/clock.ts'
import type { RequestContext } from '../src/context.ts'
import type { Selection } from '../src/db/listing.ts'
import { addDays, formatDay } from '../src/dates.ts'
import { decimalsSql } from '../src/db/record-json.ts'
import { currencyDecimals } from '../src/money.ts'
import { availableArtist } from '../src/modules/availability/availability.rest.ts'
import { availability } from '../src/modules/availability/availability.service.ts'
import { ArtistView } from '../src/modules/directory/artists.service.ts'
import type { Page } from '../src/pagination.ts'
import { fillMoney } from '../src/rest/money-fields.ts'
import { toJson } from '../src/rest/json.ts'
import { openApiComponents } from '../src/rest/route.ts'
import { modelComponents } from '../src/rest/schemas.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGenres, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let rival: Session
let ctx: RequestContext
let genres: Awaited<ReturnType<typeof seedGenres>>
const { held, booked } = pipelines(
  () => h.app,
  () => agency,
)

// A name no other test's artist carries, so that `q` finds these alone.
const prefix = `Views ${crypto.randomUUID().slice(0, 8)}`
const slots = [nextSlot(), nextSlot(), nextSlot()]
const day = (offset: number) => formatDay(addDays(new Date(slots[0]!.startsAt), offset))

/** A selection naming its load strategy is Prisma's to plan (src/db/listing.ts servedBy): the reference answer. */
const byPrisma = (query: Selection): Selection => ({ ...query, relationLoadStrategy: 'query' })

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  rival = await h.auth.session(PROMOTER_ACCESS)
  ctx = { db: h.app.db, clock: systemClock } as RequestContext
  const geo = await seedGeo(h.app.db)
  genres = await seedGenres(h.app.db)

  const artist = async (name: string, body: Record<string, unknown>) => {
    const created = await h.app.rest('POST', '/api/v1/artists', { as: agency, body: { name: `${prefix} ${name}`, ...body } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const claim = await h.app.rest('POST', '/api/v1/representation-claims', { as: agency, body: { artistId: created.body.data.id } })
    expect(claim.body.data.status).toBe('approved')
    return created.body.data.id as string
  }
  const publish = async (artistId: string, from: number, to: number, body: Record<string, unknown> = {}) => {
    const r = await h.app.rest('POST', `/api/v1/artists/${artistId}/availability`, {
      as: agency,
      body: { startsOn: day(from), endsOn: day(to), ...body },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
  }

  const aurora = await artist('Aurora', {
    kind: 'band',
    countryCode: 'ES',
    cityId: geo.madrid.id,
    genreIds: [genres.techno.id, genres.jazz.id],
    profile: { biography: 'Ñandú', formedYear: 2001, feeGuidanceMin: 1_500_000, feeGuidanceMax: 9_000_000, feeGuidanceCurrency: 'EUR' },
  })
  await h.app.db.platformAccount.createMany({
    data: [
      { artistId: aurora, platform: 'spotify', url: 'https://sp.example/a', externalId: 'sp-a', verified: true },
      { artistId: aurora, platform: 'instagram', url: 'https://ig.example/a', handle: '@a' },
      { artistId: aurora, platform: 'spotify', url: 'https://sp.example/a/b', createdAt: new Date('2025-06-01T00:00:00.123Z') },
    ],
  })
  const basalt = await artist('Basalt', { countryCode: 'FR', genreIds: [genres.electronic.id] })
  const cobalt = await artist('Cobalt', { genreIds: [genres.jazz.id], profile: { biography: 'Quiet' } })
  // A name and notes that JSON must escape: PostgreSQL's text is sent as it is on REST.
  const delta = await artist('Delta "}],"x":1 \\ \u0001\u001f \u2028 </script> 😀', {})
  // Slots lie three days apart: windows around them, some priced, some in a country, one tentative.
  await publish(aurora, -1, 1, { countryCode: 'ES', feeMin: 1_000_000, feeMax: 2_000_000, currency: 'EUR', notes: 'Weekend' })
  await publish(aurora, 3, 7, { feeMax: 900_000, currency: 'EUR' })
  await publish(basalt, 0, 8, { status: 'tentative', countryCode: 'FR', feeMax: 5_250, currency: 'BHD' })
  await publish(cobalt, 2, 4, { countryCode: 'ES', feeMin: 3_000_000, currency: 'EUR' })
  await publish(delta, 6, 8, { feeMin: 150_000, feeMax: 200_000, currency: 'JPY', notes: 'n"]}\\u0000 \u0007\t\n ok' })
  // Aurora booked on the first slot, held on the second by two promoters (ranks 1 and 2); Basalt held on the third.
  await booked(promoter, aurora, slots[0])
  await held(promoter, aurora, slots[1])
  await held(rival, aurora, slots[1])
  await held(promoter, basalt, slots[2])
})

const components = { ...modelComponents(), ...openApiComponents }

describe('availability search hits built by PostgreSQL', () => {
  const filters: Record<string, unknown>[] = [
    {},
    { sort: 'fee' },
    { sort: 'soonest' },
    // Nobody is free on the period's first day but Basalt: the soonest page falls back to grouping.
    { sort: 'soonest', from: day(0) },
    { countryCode: 'ES' },
    { genreId: 'jazz' },
    { genreId: 'electronic', sort: 'fee' },
    { currency: 'EUR', budgetMax: 1_500_000 },
    { includeTentative: false, sort: 'soonest' },
  ]
  const pages: Page[] = [
    { offset: 0, limit: 2 },
    { offset: 2, limit: 2 },
    { offset: 0, limit: 20 },
    { offset: 10, limit: 5 },
  ]
  const views: [string, Selection, Selection][] = [
    ['directory reader', { include: ArtistView }, { include: { country: true } }],
    ['card', {}, {}],
  ]

  it("answer Prisma's records, in two statements per page (the page, its hits)", async () => {
    let served = 0
    for (const [view, query, windowQuery] of views)
      for (const raw of filters)
        for (const page of pages) {
          const genreId = raw.genreId ? genres[raw.genreId as keyof typeof genres].id : undefined
          const filter = { from: day(-1), to: day(8), q: prefix, ...raw, ...(genreId ? { genreId } : {}) }
          const what = JSON.stringify({ view, raw, page })
          const p = await availability.search(ctx, filter, page, byPrisma(query), byPrisma(windowQuery))
          const reference = { items: p.items, total: await p.total() }
          const start = h.app.sql.length
          const v = await availability.search(ctx, filter, page, query, windowQuery)
          const answer = { items: v.items, total: await v.total() }
          const statements = h.app.sql.slice(start)
          expect(answer, what).toEqual(reference)
          // The page's statement (twice when the soonest page or a genre's name page falls back), the hits of a page that found any,
          // the count past the end.
          const expectStatements = (all: string[], written: 'some' | 'none' = 'none') => {
            // REST writes back the artist cards it rendered (artist-cards.ts, test/artist-cards.test.ts): one statement when any.
            const cards = all.filter((s) => s.trimStart().startsWith('INSERT INTO artist_cards'))
            expect(cards.length, what).toBeLessThanOrEqual(written === 'some' && reference.items.length ? 1 : 0)
            const statements = all.filter((s) => !cards.includes(s))
            const hits = statements.filter((s) => s.trimStart().startsWith('WITH hit AS'))
            expect(hits.length, what).toBe(reference.items.length ? 1 : 0)
            // The page's statements: one, or two for the fallback of the soonest order and of a genre's name order
            // (these few artists are sorted); the country's id is looked up within them, and apart only for an empty
            // page, which the count answers.
            const fallback = raw.sort === 'soonest' || (raw.genreId && !raw.sort) ? 1 : 0
            const apart = reference.items.length ? 0 : (raw.countryCode ? 1 : 0) + 1
            expect(statements.length - hits.length - apart, what).toBeGreaterThanOrEqual(1)
            expect(statements.length - hits.length - apart, what).toBeLessThanOrEqual(1 + fallback)
          }
          expectStatements(statements)

          // REST: the text as sent, against the records as the route would have encoded them (key order too).
          const restStart = h.app.sql.length
          const rest = await availability.restSearch(ctx, filter, page, { artist: query, window: windowQuery })
          const restTotal = await rest.total()
          expectStatements(h.app.sql.slice(restStart), 'some')
          expect(restTotal, what).toBe(reference.total)
          const sent = toJson(reference.items.map((item) => fillMoney(availableArtist, item, components)))
          expect(JSON.parse(rest.items.text), what).toEqual(JSON.parse(sent))
          expect(toJson(JSON.parse(rest.items.text)), what).toBe(sent)
          // Again, from the cards the first wrote (one per hit, at its artist's version): the same text, and nothing written.
          const ids = reference.items.map((item) => (item as { id: string }).id)
          const kept = await h.app.db.$queryRawUnsafe<{ n: number }[]>(
            `SELECT count(DISTINCT c.artist_id)::int AS n FROM artist_cards c
             WHERE c.artist_id = ANY($1::uuid[])
               AND c.version = coalesce((SELECT v.version FROM artist_card_versions v WHERE v.artist_id = c.artist_id), 0)`,
            ids,
          )
          expect(kept[0]!.n, what).toBe(ids.length)
          const servedStart = h.app.sql.length
          const again = await availability.restSearch(ctx, filter, page, { artist: query, window: windowQuery })
          await again.total()
          expectStatements(h.app.sql.slice(servedStart))
          expect(again.items.text, what).toBe(rest.items.text)
          served += reference.items.length
        }
    expect(served).toBeGreaterThan(50)
  })

  it('carry the relations, windows and busy days of the view', async () => {
    const page = await availability.search(
      ctx,
      { from: day(-1), to: day(8), q: prefix },
      { offset: 0, limit: 20 },
      { include: ArtistView },
      {
        include: { country: true },
      },
    )
    const [aurora] = page.items as Record<string, any>[]
    expect(aurora).toMatchObject({
      name: `${prefix} Aurora`,
      kind: 'band',
      country: { code: 'ES' },
      city: { name: 'Madrid' },
      profile: { biography: 'Ñandú', feeGuidanceMin: 1_500_000n, feeGuidanceCurrency: 'EUR' },
      genres: [{ genre: { name: 'Techno' } }, { genre: { name: 'Jazz' } }],
      bookedOn: [day(0)],
      heldOn: [
        { on: day(3), rank: 1 },
        { on: day(3), rank: 2 },
      ],
    })
    // By platform (the enum's order), then when added.
    expect(aurora!.platformAccounts.map((a: { url: string }) => a.url)).toEqual([
      'https://sp.example/a/b',
      'https://sp.example/a',
      'https://ig.example/a',
    ])
    expect(aurora!.createdAt).toBeInstanceOf(Date)
    expect(aurora!.heldOn[0].createdAt).toBeInstanceOf(Date)
    expect(
      aurora!.matchingAvailability.map((w: Record<string, any>) => [formatDay(w.startsOn), w.feeMin, w.feeMax, w.country?.code ?? null]),
    ).toEqual([
      [day(-1), 1_000_000n, 2_000_000n, 'ES'],
      [day(3), null, 900_000n, null],
    ])
  })
})

describe('the REST encoding of Money', () => {
  it('gives every three-letter currency the decimals of currencyDecimals', async () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    const codes = [...letters].flatMap((a) => [...letters].flatMap((b) => [...letters].map((c) => a + b + c)))
    const rows = await h.app.db.$queryRawUnsafe<{ code: string; decimals: number }[]>(
      `SELECT code, ${decimalsSql('code')} AS decimals FROM unnest($1::text[]) code`,
      codes,
    )
    const wrong = rows.filter((r) => r.decimals !== currencyDecimals(r.code)).map((r) => `${r.code}: ${r.decimals}`)
    expect(wrong).toEqual([])
    expect(rows.length).toBe(codes.length)
  })
})
