// Logistics reads at a realistic size: one artist with SHOWS confirmed bookings in Madrid, each with a full day
// of itinerary items; the day sheet (REST and GraphQL Booking.daySheet) and the artist's iCal feed, each against
// a baseline of the equivalent SQL run directly on the same database in the same run.
import { randomUUID } from 'node:crypto'
import { benchApp, benchDatabase, measure, report, send } from './support.ts'

const SHOWS = Number(process.env.BENCH_SHOWS ?? 60)
const ITEMS_PER_DAY = 12
const DAY = 86_400_000

const agencyPermissions = ['artist.directory.manage', 'artist.roster.manage', 'artist.bookings.manage', 'artist.itinerary.manage']
const promoterPermissions = ['promoter.bookings.manage', 'promoter.logistics.read']

export async function logisticsBenchmark() {
  const database = await benchDatabase('artists_bench_logistics')
  const { sql } = database
  // In-process: the bench seeds through the app's Prisma client.
  const app = await benchApp(database.url, { inProcess: true })
  try {
    const agencyOrg = randomUUID()
    const agency = await app.db.agency.create({ data: { name: 'Bench Booking', slug: `bench-${agencyOrg.slice(0, 8)}`, claimed: true } })
    await app.db.companyClaim.create({ data: { companyId: agency.id, orgId: agencyOrg, status: 'approved', decidedAt: new Date() } })
    const country = await app.db.country.create({ data: { code: 'ES', name: 'Spain' } })
    const city = await app.db.city.create({ data: { name: 'Madrid', countryId: country.id, timezone: 'Europe/Madrid' } })
    const dealer = await app.session({ userId: randomUUID(), orgId: agencyOrg, modules: ['artist'], permissions: agencyPermissions })
    const promoterOrg = randomUUID()
    const promoter = await app.session({
      userId: randomUUID(),
      orgId: promoterOrg,
      modules: ['promoter'],
      permissions: promoterPermissions,
    })
    const call = async (as: Record<string, string>, method: string, path: string, body?: unknown) => {
      const res = await send(`${app.base}${path}`, { method, headers: as, body: body === undefined ? undefined : JSON.stringify(body) })
      const json = res.json() as { data: { id: string; holds: { id: string }[] } }
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
      return json.data
    }

    console.log(`seeding ${SHOWS} shows with ${ITEMS_PER_DAY} itinerary items each…`)
    const artist = await call(dealer, 'POST', '/api/v1/artists', { name: 'Bench Touring Artist' })
    await call(dealer, 'POST', '/api/v1/representation-claims', { artistId: artist.id })
    const bookingIds: string[] = []
    const first = Date.UTC(new Date().getUTCFullYear() + 1, 0, 1, 20)
    for (let i = 0; i < SHOWS; i++) {
      const startsAt = new Date(first + i * 2 * DAY)
      const request = await call(promoter, 'POST', '/api/v1/booking-requests', {
        artistId: artist.id,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 2 * 3600_000).toISOString(),
        cityId: city.id,
        venueName: `Venue ${i}`,
        budget: 1_000_000,
        currency: 'EUR',
      })
      const offer = await call(dealer, 'POST', `/api/v1/booking-requests/${request.id}/offers`, {
        fee: 1_000_000,
        currency: 'EUR',
        dealType: 'flat',
      })
      await call(promoter, 'POST', `/api/v1/booking-offers/${offer.id}/accept`, {})
      const detail = await call(promoter, 'GET', `/api/v1/booking-requests/${request.id}`)
      const booking = await call(dealer, 'POST', `/api/v1/booking-holds/${detail.holds[0]!.id}/confirm`, {})
      bookingIds.push(booking.id)
      for (let k = 0; k < ITEMS_PER_DAY; k++) {
        await call(dealer, 'POST', `/api/v1/bookings/${booking.id}/itinerary-items`, {
          kind: 'other',
          title: `Item ${k}`,
          startsAt: new Date(startsAt.getTime() - (ITEMS_PER_DAY - k) * 1800_000).toISOString(),
          visibility: k % 2 ? 'shared' : 'artist_side',
        })
      }
    }
    const feed = await call(promoter, 'POST', '/api/v1/calendar-feeds', { artistId: artist.id })
    const feedUrl = `${app.base}${(feed as unknown as { url: string }).url}`
    const dayOf = (i: number) => new Date(first + (i % SHOWS) * 2 * DAY).toISOString().slice(0, 10)

    const baseline = await measure('baseline: booking + zone, day items SQL on pg directly', 400, 8, (i) =>
      Promise.all([
        sql.query('SELECT b.*, c.timezone FROM bookings b LEFT JOIN geo_cities c ON c.id = b.city_id WHERE b.id = $1', [
          bookingIds[i % SHOWS],
        ]),
        sql.query(
          `SELECT * FROM itinerary_items WHERE booking_id = $1 AND day_on = $2 AND visibility = 'shared' ORDER BY starts_at, ends_at, created_at, id`,
          [bookingIds[i % SHOWS], dayOf(i)],
        ),
      ]),
    )
    const rest = await measure('REST GET /bookings/:id/day-sheet (promoter)', 400, 8, async (i) => {
      const res = await send(`${app.base}/api/v1/bookings/${bookingIds[i % SHOWS]}/day-sheet?date=${dayOf(i)}`, { headers: promoter })
      if (!res.ok) throw new Error(`day sheet: ${res.status}`)
      return res.json()
    })
    const gql = await measure('GraphQL booking { daySheet { items } } (promoter)', 400, 8, async (i) => {
      const res = await send(`${app.base}/graphql`, {
        method: 'POST',
        headers: promoter,
        body: JSON.stringify({
          query: 'query($id: ID!, $d: Date) { booking(id: $id) { daySheet(date: $d) { timezone items { kind localStartsAt } } } }',
          variables: { id: bookingIds[i % SHOWS], d: dayOf(i) },
        }),
      })
      return res.json()
    })
    report(`Day sheet (${ITEMS_PER_DAY} items a day, half shared)`, baseline, [rest, gql])

    const feedBaseline = await measure(`baseline: ${SHOWS} bookings + items SQL on pg directly`, 100, 4, () =>
      sql.query(
        `SELECT b.*, (SELECT jsonb_agg(i ORDER BY i.starts_at) FROM itinerary_items i WHERE i.booking_id = b.id AND i.visibility = 'shared') AS items
         FROM bookings b WHERE b.artist_id = $1 AND b.promoter_org_id = $2 ORDER BY b.starts_at`,
        [artist.id, promoterOrg],
      ),
    )
    const ics = await measure(`GET /calendar/:token.ics (${SHOWS} shows)`, 100, 4, async () => {
      const res = await send(feedUrl)
      if (!res.ok) throw new Error(`feed: ${res.status}`)
      return res.text()
    })
    report('iCal feed (promoter side: shows and shared items)', feedBaseline, [ics])
  } finally {
    await app.close()
    await database.close()
  }
}
