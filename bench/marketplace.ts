// Marketplace search at scale: 100,000 artists, 1,000,000 availability windows and 300,000 confirmed shows in
// 500 cities, seeded with generate_series with the triggers off, then the read model built by the
// migration's own marketplace_rebuild(). Each search of issue 13 runs through REST against a baseline of its
// own SQL (the page's one statement: the stale-date check, the page and its count) on pg directly; the plans
// are printed, with a WARNING line for a sequential scan of a big table.
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { addDays, formatDay, today } from '../src/dates.ts'
import { marketplaceStatements, parseMarketplaceFilter } from '../src/modules/marketplace/marketplace.service.ts'
import { pageOf } from '../src/pagination.ts'
import { benchApp, benchDatabase, measure, report } from './support.ts'
import { artistName, listedArtist, md5Uuid, seededId, seedWorld, unit } from './seed-sql.ts'

const ARTISTS = Number(process.env.BENCH_ARTISTS ?? 100_000)
const WINDOWS_PER_ARTIST = 10
const SHOWS_PER_ARTIST = 3
const CITIES = 500
const RUNS = Number(process.env.BENCH_RUNS ?? 200)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)

const day = (offset: number) => formatDay(addDays(today(), offset))
const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`

async function seed(sql: pg.PoolClient) {
  // Bulk load without the triggers (the read model's among them); the rows are built once at the end.
  await sql.query(`SET session_replication_role = replica`)
  await seedWorld(sql, 2000)
  // Lyon, then cities spread over Europe's box (36–60° N, 9° W–25° E), each in one of the countries.
  await sql.query(`
    INSERT INTO geo_cities (id, country_id, name, latitude, longitude)
    SELECT ${md5Uuid(`'city' || i`)}, ${md5Uuid(`'country' || (1 + i % 20)`)},
           CASE WHEN i = 1 THEN 'Lyon' ELSE 'City ' || i END,
           CASE WHEN i = 1 THEN 45.764 ELSE 36 + 24 * ${unit(`'lat' || i`)} END,
           CASE WHEN i = 1 THEN 4.835 ELSE -9 + 34 * ${unit(`'lng' || i`)} END
    FROM generate_series(1, ${CITIES}) i`)
  await sql.query(`
    INSERT INTO artists (id, name, slug, country_id, city_id, archived_at)
    SELECT ${md5Uuid(`'artist' || i`)},
           ${artistName('i')},
           'artist-' || i, ${md5Uuid(`'country' || (1 + c % 20)`)}, ${md5Uuid(`'city' || (1 + c)`)},
           CASE WHEN NOT ${listedArtist('i')} THEN now() END
    FROM generate_series(1, ${ARTISTS}) i, LATERAL (SELECT abs(hashtext('city' || i)) % ${CITIES} AS c) h`)
  await sql.query(`
    INSERT INTO artists_roster_links (id, artist_id, agency_id, role, starts_on)
    SELECT gen_random_uuid(), ${md5Uuid(`'artist' || i`)}, ${md5Uuid(`'agency' || (1 + i % 2000)`)}, 'agency', date '2020-01-01'
    FROM generate_series(1, ${ARTISTS}) i`)
  // Published fee guidance for 80 % (€1k–€51k, mostly EUR).
  await sql.query(`
    INSERT INTO artist_profiles (id, artist_id, fee_guidance_min, fee_guidance_max, fee_guidance_currency)
    SELECT gen_random_uuid(), ${md5Uuid(`'artist' || i`)},
           CASE WHEN g < 0.8 THEN fee END, CASE WHEN g < 0.8 THEN fee * 2 END,
           CASE WHEN g < 0.68 THEN 'EUR' WHEN g < 0.76 THEN 'USD' WHEN g < 0.8 THEN 'GBP' END
    FROM generate_series(1, ${ARTISTS}) i,
         LATERAL (SELECT ${unit(`'guidance' || i`)} AS g, (100000 + floor(${unit(`'fee' || i`)} ^ 2 * 5000000))::bigint AS fee) x`)
  await sql.query(`
    INSERT INTO artist_genres (artist_id, genre_id, position)
    SELECT ${md5Uuid(`'artist' || i`)}, ${md5Uuid(`'genre' || (1 + g % 10) || '.' || (1 + g / 10 % 4)`)}, 0
    FROM generate_series(1, ${ARTISTS}) i, abs(hashtext('genre' || i)) g`)
  await sql.query(`
    INSERT INTO artist_genres (artist_id, genre_id, position)
    SELECT ${md5Uuid(`'artist' || i`)}, ${md5Uuid(`'genre' || (1 + g2 % 10)`)}, 1
    FROM generate_series(1, ${ARTISTS}) i, abs(hashtext('genre' || i)) g, abs(hashtext('second genre' || i)) g2
    WHERE g2 % 3 = 0 AND g2 % 10 <> g % 10`)
  // Windows as bench/availability.ts makes them: one per 73-day slot, never overlapping, 10 % blocked.
  await sql.query(`
    INSERT INTO artist_availabilities (id, artist_id, agency_id, starts_on, ends_on, status, artist_listed, updated_at)
    SELECT gen_random_uuid(), ${md5Uuid(`'artist' || i`)}, ${md5Uuid(`'agency' || (1 + i % 2000)`)},
           w.starts_on, w.starts_on + floor(w.length * 43)::int,
           (CASE WHEN w.status < 0.7 THEN 'available' WHEN w.status < 0.9 THEN 'tentative' ELSE 'blocked' END)::"AvailabilityStatus",
           ${listedArtist('i')}, now() - w.age * interval '300 days'
    FROM generate_series(1, ${ARTISTS}) i
    CROSS JOIN LATERAL (
      SELECT current_date - 60 + k * 73 + floor(random() * 30)::int + 0 * i AS starts_on, random() AS length, random() AS status, random() AS age
      FROM generate_series(0, ${WINDOWS_PER_ARTIST - 1}) k) w`)
  // Confirmed shows over the next year (one in 20 cancelled), one in 50 in Lyon, the rest in any city;
  // an artist's shows are four months apart.
  await sql.query(`
    INSERT INTO bookings (id, request_id, offer_id, hold_id, artist_id, agency_id, promoter_org_id, city_id, starts_at, ends_at, fee, currency,
                          deal_type, status, cancelled_at, updated_at)
    SELECT ${md5Uuid(`'booking' || i || '.' || k`)}, ${md5Uuid(`'request' || i || '.' || k`)}, ${md5Uuid(`'offer' || i || '.' || k`)},
           ${md5Uuid(`'hold' || i || '.' || k`)}, ${md5Uuid(`'artist' || i`)}, ${md5Uuid(`'agency' || (1 + i % 2000)`)},
           ${md5Uuid(`'promoter' || (1 + i % 3000)`)},
           CASE WHEN (i + k) % 50 = 0 THEN ${md5Uuid(`'city' || 1`)} ELSE ${md5Uuid(`'city' || (1 + abs(hashtext('show' || i || '.' || k)) % ${CITIES})`)} END,
           s, s + interval '2 hours', 1000000, 'EUR', 'flat',
           (CASE WHEN (i + k) % 20 = 0 THEN 'cancelled' ELSE 'confirmed' END)::"BookingStatus",
           CASE WHEN (i + k) % 20 = 0 THEN now() END, now() - ${unit(`'booked' || i`)} * interval '300 days'
    FROM generate_series(1, ${ARTISTS}) i, generate_series(0, ${SHOWS_PER_ARTIST - 1}) k,
         LATERAL (SELECT date_trunc('day', now()) + ((abs(hashtext('day' || i)) % 120) + k * 121) * interval '1 day' + interval '20 hours' AS s) d`)
  await sql.query(`SET session_replication_role = origin`)
  await sql.query('VACUUM ANALYZE')
  const building = performance.now()
  const { rows } = await sql.query<{ written: number }>(`SELECT marketplace_rebuild() AS written`)
  console.log(`  read model rebuilt (${rows[0]!.written} rows) in ${seconds(building)}`)
  await sql.query('VACUUM ANALYZE')
}

const BIG = /Seq Scan on (marketplace_artists|artists|artist_availabilities|bookings|artist_profiles|artists_roster_links) /

async function explain(sql: pg.Pool, what: string, statement: { text: string; values: unknown[] }) {
  const { rows } = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.text}`, statement.values)
  const lines = rows.map((r) => r['QUERY PLAN'])
  const scans = [
    ...new Set(
      lines
        .map((l) => /(?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan) (?:using \S+ )?on \S+/.exec(l)?.[0])
        .filter(Boolean),
    ),
  ]
  console.log(`    ${what}: ${lines.at(-1)?.trim()} · ${scans.join(' · ')}`)
  if (process.env.BENCH_PLANS) for (const l of lines) console.log(`      ${l}`)
  for (const l of lines.filter((l) => BIG.test(l)))
    console.log(`    WARNING: sequential scan of a big table in the ${what} plan: ${l.trim()}`)
}

export async function marketplaceBenchmark() {
  const database = await benchDatabase('artists_bench_marketplace')
  const { sql } = database
  console.log(`seeding ${ARTISTS} artists, ${ARTISTS * WINDOWS_PER_ARTIST} windows and ${ARTISTS * SHOWS_PER_ARTIST} shows…`)
  const started = performance.now()
  const seeding = await sql.connect()
  await seed(seeding).finally(() => seeding.release())
  console.log(`seeded in ${seconds(started)}`)

  const id = (table: string, column: string, value: string) => seededId(sql, table, column, value)
  const techno = await id('genres', 'slug', 'techno')
  const jazzSub = await id('genres', 'slug', 'jazz-2')
  const lyon = await id('geo_cities', 'name', 'Lyon')
  const city = await id('geo_cities', 'name', 'City 7')
  const searches: { label: string; filter: Record<string, string | number> }[] = [
    { label: 'genre techno (subgenres included), by relevance', filter: { genreId: techno } },
    { label: 'subgenre jazz-2, by soonest', filter: { genreId: jazzSub, sort: 'soonest' } },
    { label: 'country FR, by activity', filter: { countryCode: 'FR', sort: 'activity' } },
    { label: 'home city, by fee', filter: { cityId: city, sort: 'fee' } },
    { label: 'free text "velvet", by relevance', filter: { q: 'velvet' } },
    { label: 'EUR, budget ≤ €20k, by fee', filter: { budgetMax: 2_000_000, currency: 'EUR', sort: 'fee' } },
    { label: 'EUR, budget €5k–€15k, by soonest', filter: { budgetMin: 500_000, budgetMax: 1_500_000, currency: 'EUR', sort: 'soonest' } },
    {
      label: 'near Lyon 150 km around day +60, ≤ €20k',
      filter: { nearCityId: lyon, around: day(60), radiusKm: 150, budgetMax: 2_000_000, currency: 'EUR' },
    },
    {
      label: 'near Lyon 100 km around day +200, techno, by soonest',
      filter: { nearCityId: lyon, around: day(200), genreId: techno, sort: 'soonest' },
    },
    { label: 'everything, by activity', filter: { sort: 'activity' } },
  ]

  const app = await benchApp(database.url)
  try {
    const today = day(0)
    for (const s of searches) {
      const f = parseMarketplaceFilter(s.filter)
      // As the machine the REST runs call as: a directory reader, whose cards name genres, country and city.
      const statements = marketplaceStatements(f, pageOf({ page: 1, limit: 20 }), today, true)
      const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(s.filter).map(([k, v]) => [k, String(v)])), limit: '20' })
      const first = (await app.get(`/api/v1/marketplace/artists?${query}`)) as { data: { total: number } }
      console.log(`\n  ${s.label}: ${first.data.total} artists`)
      await explain(sql, 'page', statements.page)
      await explain(sql, 'count', statements.count)
      const baseline = await measure('baseline: the search SQL on pg directly', RUNS, CONCURRENCY, () =>
        sql.query(statements.page.text, statements.page.values),
      )
      // No REDIS_URL here: the GET cache is off and every run is the service's own cost. The node CPU is the
      // process's, all threads (the server's worker and this client), per request, warm-up included.
      const cpu = process.cpuUsage()
      const rest = await measure('REST GET /api/v1/marketplace/artists', RUNS, CONCURRENCY, () =>
        app.get(`/api/v1/marketplace/artists?${query}`),
      )
      const used = process.cpuUsage(cpu)
      report(`Marketplace: ${s.label}`, baseline, [rest])
      console.log(
        `  node CPU per REST request (server and client): ${((used.user + used.system) / 1000 / (RUNS + Math.min(10, RUNS))).toFixed(2)} ms`,
      )
    }
  } finally {
    await app.close()
    await database.close()
  }
}
