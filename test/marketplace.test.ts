// Marketplace: "who is near Lyon around 14 March under €20k" answers the artists with a confirmed show
// within the radius around that day whose published fee guidance fits the budget, from the read model
// the triggers keep; on both faces, and rebuilt by operators to the same rows.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, booked } = pipelines(
  () => h.app,
  () => agency,
)
const YEAR = new Date().getUTCFullYear() + 4
const on = (monthDay: string, hour = 20) => {
  const start = new Date(`${YEAR}-${monthDay}T${String(hour).padStart(2, '0')}:00:00.000Z`)
  return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString() }
}
const ids: Record<string, string> = {}
let lyon: { id: string }

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  const fr = await h.app.db.country.create({ data: { code: 'FR', name: 'France' } })
  const city = (name: string, latitude: number, longitude: number) =>
    h.app.db.city.create({ data: { name, countryId: fr.id, latitude, longitude, timezone: 'Europe/Paris' } })
  lyon = await city('Lyon', 45.764, 4.8357)
  const grenoble = await city('Grenoble', 45.1885, 5.7245)
  const paris = await city('Paris', 48.8566, 2.3522)
  const show = async (key: string, cityId: string, when: ReturnType<typeof on>, fee: [number, number] | null) => {
    const artistId = await representedArtist(agency, `Market ${key} ${crypto.randomUUID().slice(0, 6)}`)
    ids[key] = artistId
    if (fee) {
      const r = await h.app.rest('PATCH', `/api/v1/artists/${artistId}`, {
        as: agency,
        body: { profile: { feeGuidanceMin: fee[0], feeGuidanceMax: fee[1], feeGuidanceCurrency: 'eur' } },
      })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
    }
    const { booking } = await booked(promoter, artistId, when)
    await h.app.db.booking.update({ where: { id: booking.id }, data: { cityId } })
    return booking.id as string
  }
  await show('grenoble', grenoble.id, on('03-14'), [1_000_000, 1_800_000])
  await show('expensive', lyon.id, on('03-15'), [2_500_000, 4_000_000])
  await show('paris', paris.id, on('03-14'), [500_000, 900_000])
  await show('january', lyon.id, on('01-10'), [500_000, 900_000])
  await show('unpublished', lyon.id, on('03-13'), null)
  const cancelled = await show('cancelled', lyon.id, on('03-16'), [500_000, 900_000])
  expect((await h.app.rest('POST', `/api/v1/bookings/${cancelled}/cancel`, { as: agency, body: { reason: 'moved' } })).status).toBe(200)
}, 120_000)

const names = (items: { artistId: string }[]) => items.map((i) => Object.keys(ids).find((k) => ids[k] === i.artistId))
const search = (query: Record<string, string | number>) =>
  h.app.rest(
    'GET',
    `/api/v1/marketplace/artists?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
    {
      as: promoter,
    },
  )

describe('marketplace', () => {
  it('answers who is near Lyon around 14 March under €20k', async () => {
    const r = await search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 150, budgetMax: 2_000_000, currency: 'EUR' })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(names(r.body.data.items)).toEqual(['grenoble'])
    expect(r.body.data.total).toBe(1)
    expect(r.body.data.items[0]).toMatchObject({
      artist: { id: ids.grenoble },
      agency: { id: agency.agencyId },
      feeGuidance: { min: { amount: 1_000_000, currency: 'EUR', decimals: 2 }, max: { amount: 1_800_000, currency: 'EUR', decimals: 2 } },
    })
    // Without the budget: every show near Lyon in the days around, never a cancelled one nor one in Paris.
    const near = await search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 150, sort: 'fee' })
    expect(names(near.body.data.items)).toEqual(['grenoble', 'expensive', 'unpublished'])
    const tight = await search({ nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 20, aroundDays: 1 })
    expect(names(tight.body.data.items).sort()).toEqual(['expensive', 'unpublished'])
  })

  it('validates the filter per field', async () => {
    const r = await search({ nearCityId: lyon.id, budgetMax: 5 })
    expect(r.status).toBe(400)
    expect(r.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['around', 'currency'])
    const fee = await h.app.rest('PATCH', `/api/v1/artists/${ids.paris}`, { as: agency, body: { profile: { feeGuidanceMax: 100 } } })
    expect(fee.status).toBe(400)
    expect(fee.body.error.fields).toEqual([{ field: 'profile.feeGuidanceMax', message: 'feeGuidanceMax must not be below feeGuidanceMin' }])
  })

  it('answers through GraphQL and is rebuilt by operators to the same rows', async () => {
    const QUERY = `query($filter: MarketplaceFilter) {
      marketplace(first: 5, filter: $filter) { totalCount edges { node { artist { id } name agency { id } feeGuidance { max { amount currency } } nextAvailableOn availableDays } } }
    }`
    const filter = { nearCityId: lyon.id, around: `${YEAR}-03-14`, radiusKm: 150, budgetMax: 2_000_000, currency: 'EUR' }
    const first = await h.app.graphql(QUERY, { filter }, { as: promoter })
    expect(first.errors).toBeUndefined()
    expect(first.data.marketplace).toMatchObject({
      totalCount: 1,
      edges: [
        {
          node: {
            artist: { id: ids.grenoble },
            agency: { id: agency.agencyId },
            feeGuidance: { max: { amount: 1_800_000, currency: 'EUR' } },
            availableDays: 0,
          },
        },
      ],
    })
    const before = await h.app.db
      .$queryRaw`SELECT artist_id, genre_ids, fee_min, fee_max, free_on::text FROM marketplace_artists ORDER BY artist_id`
    const rebuilt = await h.app.rest('POST', '/internal/admin/marketplace/rebuild', { as: 'machine' })
    expect(rebuilt.status, JSON.stringify(rebuilt.body)).toBe(200)
    expect(
      await h.app.db.$queryRaw`SELECT artist_id, genre_ids, fee_min, fee_max, free_on::text FROM marketplace_artists ORDER BY artist_id`,
    ).toEqual(before)
    expect((await h.app.rest('GET', '/api/v1/marketplace/artists')).status).toBe(401)
  })

  it('finds a name whatever its accents or case, on both faces (q folds like the directory)', async () => {
    const artistId = await representedArtist(agency, `Los Satélites ${crypto.randomUUID().slice(0, 6)}`)
    for (const q of ['sate', 'SATÉLITES', 'los satelites']) {
      const r = await search({ q })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      expect(r.body.data.items.map((i: { artistId: string }) => i.artistId)).toEqual([artistId])
      expect(r.body.data.items[0]).not.toHaveProperty('nameSearch')
    }
    // % and _ are letters, not patterns.
    expect((await search({ q: 'sat_lites' })).body.data.items).toEqual([])
    const g = await h.app.graphql(
      '{ marketplace(first: 5, filter: { q: "satelites", sort: RELEVANCE }) { totalCount edges { node { artist { id } name } } } }',
      {},
      {
        as: promoter,
      },
    )
    expect(g.errors).toBeUndefined()
    expect(g.data.marketplace.totalCount).toBe(1)
    expect(g.data.marketplace.edges[0].node.artist.id).toBe(artistId)
  })
})
