// Directory reads at a realistic size: the directory lists (artists, agencies, people) on both faces against a
// bare node + pg route serving the same JSON from one statement, artist search, and _entities resolution,
// each beside its baseline measured in the same run on the same database.
import { createServer, type Server } from 'node:http'
import pg from 'pg'
import { COUNT_LIMIT } from '../src/pagination.ts'
import {
  benchApp,
  benchDatabase,
  goal,
  measure,
  report,
  seedDirectory,
  serveInWorker,
  type Listening,
  type Timing,
  send,
} from './support.ts'

const ARTISTS = Number(process.env.BENCH_ARTISTS ?? 20_000)
const AGENCIES = Math.round(ARTISTS / 4)
const PEOPLE = ARTISTS
/** The issue's load: 16 clients in flight. */
const CLIENTS = 16
const REQUESTS = 800
/** Pages 1–10 of 20: offsets move, as a user paging through the directory does. */
const pageOf = (i: number) => (i % 10) + 1

/** Cities, platform accounts, agencies and people on top of the artists of seedDirectory. */
async function seedRelations(sql: pg.Pool) {
  await sql.query(`
    INSERT INTO geo_cities (id, country_id, name, timezone)
    SELECT gen_random_uuid(), c.id, c.name || ' city ' || n, 'Europe/Madrid' FROM geo_countries c CROSS JOIN generate_series(1, 20) n`)
  await sql.query(`
    UPDATE artists a SET city_id = (SELECT ci.id FROM geo_cities ci WHERE ci.country_id = a.country_id ORDER BY md5(ci.id::text || a.id::text) LIMIT 1)`)
  await sql.query(`
    INSERT INTO artist_platform_accounts (id, artist_id, platform, url, handle)
    SELECT gen_random_uuid(), a.id, p.platform::"Platform", 'https://example.com/' || p.platform || '/' || a.slug, a.slug
    FROM artists a CROSS JOIN (VALUES ('spotify'), ('instagram')) p(platform)`)
  await sql.query(`
    INSERT INTO artists_companies (id, name, slug, country_id, city_id, email)
    SELECT gen_random_uuid(), 'Agency ' || md5(i::text), 'agency-' || i, ci.country_id, ci.id, 'booking' || i || '@example.com'
    FROM generate_series(1, ${AGENCIES}) i
    JOIN (SELECT id, country_id, row_number() OVER (ORDER BY id) - 1 AS n FROM geo_cities) ci ON ci.n = i % 40`)
  await sql.query(`
    INSERT INTO people (id, first_name, last_name, email, agency_id, country_id, city_id)
    SELECT gen_random_uuid(), 'Person ' || md5(i::text), 'Surname ' || (i % 997), 'person' || i || '@example.com', co.id, co.country_id, co.city_id
    FROM generate_series(1, ${PEOPLE}) i
    JOIN (SELECT id, country_id, city_id, row_number() OVER (ORDER BY slug) - 1 AS n FROM artists_companies) co ON co.n = i % ${AGENCIES}`)
  await sql.query('ANALYZE')
}

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/**
 * The baseline's JSON: a json_build_object of each table's columns under the API's camelCase names
 * (`name_search` is never shown), so that the bare route serves the REST view's keys and values.
 */
async function rowJson(sql: pg.Pool) {
  const { rows } = await sql.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name <> 'name_search' ORDER BY table_name, ordinal_position`,
  )
  return (table: string, alias: string) =>
    `json_build_object(${rows
      .filter((r) => r.table_name === table)
      .map((r) => `'${camel(r.column_name)}', ${alias}.${r.column_name}`)
      .join(', ')})`
}

/** A page in the /api/v1 envelope, built by PostgreSQL: `total` counted as the service counts it (up to COUNT_LIMIT). */
function envelopeSql(from: string, order: string, item: string) {
  return `
    WITH page AS (SELECT * FROM ${from} ORDER BY ${order} LIMIT $1 OFFSET $2)
    SELECT json_build_object('success', true, 'data', json_build_object(
      'items', coalesce((SELECT json_agg(${item} ORDER BY ${order}) FROM page x), '[]'),
      'total', (SELECT count(*) FROM (SELECT 1 FROM ${from} LIMIT ${COUNT_LIMIT}) c),
      'page', $3::int, 'limit', $1::int))::text AS body`
}

/**
 * The bare route: node's http server, one pooled statement per request (a pool of 8, as the service's), the
 * JSON as PostgreSQL wrote it. It runs in a worker thread, as the service does (bench/support.ts benchApp).
 */
export async function serveBare(url: string): Promise<Listening> {
  const sql = new pg.Pool({ connectionString: url, max: 8 })
  const json = await rowJson(sql)
  const queries: Record<string, string> = {
    artists: envelopeSql(
      'artists WHERE archived_at IS NULL',
      'name, id',
      `${json('artists', 'x')}::jsonb || jsonb_build_object(
        'profile', (SELECT ${json('artist_profiles', 'p')} FROM artist_profiles p WHERE p.artist_id = x.id),
        'country', (SELECT ${json('geo_countries', 'c')} FROM geo_countries c WHERE c.id = x.country_id),
        'city', (SELECT ${json('geo_cities', 'ci')} FROM geo_cities ci WHERE ci.id = x.city_id),
        'genres', coalesce((SELECT json_agg(${json('artist_genres', 'ag')}::jsonb || jsonb_build_object('genre', ${json('genres', 'g')}) ORDER BY ag.position)
                   FROM artist_genres ag JOIN genres g ON g.id = ag.genre_id WHERE ag.artist_id = x.id), '[]'),
        'platformAccounts', coalesce((SELECT json_agg(${json('artist_platform_accounts', 'pa')} ORDER BY pa.platform, pa.created_at)
                   FROM artist_platform_accounts pa WHERE pa.artist_id = x.id), '[]'))`,
    ),
    agencies: envelopeSql(
      'artists_companies WHERE archived_at IS NULL',
      'name, id',
      `${json('artists_companies', 'x')}::jsonb || jsonb_build_object(
        'country', (SELECT ${json('geo_countries', 'c')} FROM geo_countries c WHERE c.id = x.country_id),
        'city', (SELECT ${json('geo_cities', 'ci')} FROM geo_cities ci WHERE ci.id = x.city_id))`,
    ),
    people: envelopeSql(
      'people WHERE archived_at IS NULL',
      'first_name, id',
      `${json('people', 'x')}::jsonb || jsonb_build_object(
        'agency', (SELECT ${json('artists_companies', 'co')} FROM artists_companies co WHERE co.id = x.agency_id),
        'country', (SELECT ${json('geo_countries', 'c')} FROM geo_countries c WHERE c.id = x.country_id),
        'city', (SELECT ${json('geo_cities', 'ci')} FROM geo_cities ci WHERE ci.id = x.city_id))`,
    ),
  }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bare')
    const page = Number(url.searchParams.get('page') ?? 1)
    const limit = Number(url.searchParams.get('limit') ?? 20)
    const query = queries[url.pathname.slice(1)]
    if (!query) return void res.writeHead(404).end()
    sql.query<{ body: string }>(query, [limit, (page - 1) * limit, page]).then(
      ({ rows }) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(rows[0]?.body),
      (e: Error) => res.writeHead(500).end(e.message),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await sql.end()
    },
  }
}

async function bareRoute(url: string) {
  const { base, close } = await serveInWorker(new URL(import.meta.url), 'serveBare', [url])
  console.log(`  bare route at ${base}: in a worker thread (its own event loop and heap)`)
  return {
    close,
    async get(path: string) {
      const res = await send(`${base}${path}`)
      if (!res.ok) throw new Error(`${path}: ${res.status} ${res.text()}`)
      return res.json()
    },
  }
}

type Json = Record<string, unknown>

/** The keys of a list answer's first item (and of its relations), to check that both routes serve the same shape. */
function shapeOf(body: unknown): string {
  const item = ((body as { data: { items: Json[] } }).data.items[0] ?? {}) as Json
  return Object.keys(item)
    .sort()
    .map((k) => (item[k] && typeof item[k] === 'object' && !Array.isArray(item[k]) ? `${k}{${Object.keys(item[k] as Json).sort()}}` : k))
    .join(',')
}

/**
 * `measure`, with the CPU this process spent per request (warm-up included), all its threads: the service's,
 * the bare route's and the bench client's, so under a loaded machine it moves less than throughput does.
 */
async function measureCpu(...args: Parameters<typeof measure>): Promise<Timing & { cpuMs: number }> {
  const before = process.cpuUsage()
  const timing = await measure(...args)
  const used = process.cpuUsage(before)
  return { ...timing, cpuMs: (used.user + used.system) / 1000 / (args[1] + Math.min(10, args[1])) }
}

const cpuLine = (timings: (Timing & { cpuMs: number })[]) =>
  console.log(
    `  node CPU per request (this process, all threads: service, bare route and client): ${timings.map((t) => `${t.label.split(' (')[0]} ${t.cpuMs.toFixed(2)} ms`).join(' · ')}`,
  )

const cursorOf = (offset: number) => (offset === 0 ? null : Buffer.from(`OffsetConnection:${offset - 1}`).toString('base64'))

const LISTS = [
  {
    name: 'artists',
    rest: 'artists',
    graphql: `query($after: String) { artists(first: 20, after: $after) { totalCount edges { node {
      id name slug kind createdAt country { code name } city { name } profile { biography imageUrl formedYear }
      genres { name } platformAccounts { platform url handle } } } } }`,
  },
  {
    name: 'agencies',
    rest: 'artists-companies',
    graphql: `query($after: String) { agencies(first: 20, after: $after) { totalCount edges { node {
      id name slug kind email websiteUrl claimed createdAt country { code name } city { name } } } } }`,
  },
  {
    name: 'people',
    rest: 'people',
    graphql: `query($after: String) { people(first: 20, after: $after) { totalCount edges { node {
      id firstName lastName email jobTitle createdAt agency { name slug } country { code name } city { name } } } } }`,
  },
]

export async function directoryBenchmark() {
  const database = await benchDatabase('artists_bench_directory')
  const { sql } = database
  console.log(`seeding ${ARTISTS} artists, ${AGENCIES} agencies, ${PEOPLE} people…`)
  await seedDirectory(sql, ARTISTS)
  await seedRelations(sql)
  const ids = (await sql.query<{ id: string }>('SELECT id FROM artists ORDER BY random() LIMIT 2000')).rows.map((r) => r.id)
  const terms = ['a1b', 'b2c', 'c3d', 'd4e', 'e5f', 'f6a', '7ab', '8bc']

  const app = await benchApp(database.url)
  const bare = await bareRoute(database.url)
  // Statements are counted on an app of their own (logging them costs time).
  let statements = 0
  const counted = await benchApp(database.url, { onQuery: () => statements++ })
  const countStatements = async (run: () => Promise<unknown>) => {
    statements = 0
    await run()
    return statements
  }
  try {
    for (const list of LISTS) {
      const path = (i: number) => `/${list.name}?page=${pageOf(i)}&limit=20`
      const restPath = (i: number) => `/api/v1/${list.rest}?page=${pageOf(i)}&limit=20`
      const [restShape, bareShape] = [shapeOf(await app.get(restPath(0))), shapeOf(await bare.get(path(0)))]
      if (restShape !== bareShape)
        console.log(`  ! the baseline's ${list.name} differ in shape:\n    REST ${restShape}\n    bare ${bareShape}`)
      const restStatements = await countStatements(() => counted.get(restPath(3)))
      const gqlStatements = await countStatements(() => counted.graphql(list.graphql, { after: cursorOf(60) }))
      const baseline = await measureCpu(`baseline: bare node + pg /${list.name} (1 statement)`, REQUESTS, CLIENTS, (i) => bare.get(path(i)))
      const rest = await measureCpu(`REST /api/v1/${list.rest}?limit=20 (${restStatements} st.)`, REQUESTS, CLIENTS, (i) =>
        app.get(restPath(i)),
      )
      const gql = await measureCpu(`GraphQL ${list.name}(first: 20) totalCount (${gqlStatements} st.)`, REQUESTS, CLIENTS, (i) =>
        app.graphql(list.graphql, { after: cursorOf((pageOf(i) - 1) * 20) }),
      )
      report(`Directory list: ${list.name} (${CLIENTS} clients)`, baseline, [rest, gql])
      cpuLine([baseline, rest, gql])
      for (const [face, t] of [
        ['REST', rest],
        ['GraphQL', gql],
      ] as const)
        goal(
          `${face} ${list.name}: p99 ≤ 4× p50 under ${CLIENTS} clients, ≥ 0.5× the bare route's throughput`,
          t.p99 <= 4 * t.p50 && t.perSecond >= 0.5 * baseline.perSecond,
          `p99 ×${(t.p99 / t.p50).toFixed(1)} p50, ×${(t.perSecond / baseline.perSecond).toFixed(2)} throughput`,
        )
    }

    // The same answer as the REST search page: the artists with profile, country, city, genres and platform
    // accounts, and the total, in one statement each.
    const baseline = await measure('baseline: page + count SQL on pg directly', 400, 8, (i) => {
      const q = `%${terms[i % terms.length]}%`
      return Promise.all([
        sql.query(
          `SELECT a.*, to_jsonb(p) AS profile, to_jsonb(c) AS country, to_jsonb(ci) AS city,
                  (SELECT jsonb_agg(to_jsonb(g) ORDER BY ag.position) FROM artist_genres ag JOIN genres g ON g.id = ag.genre_id WHERE ag.artist_id = a.id) AS genres,
                  (SELECT jsonb_agg(to_jsonb(pa)) FROM artist_platform_accounts pa WHERE pa.artist_id = a.id) AS platform_accounts
           FROM artists a LEFT JOIN artist_profiles p ON p.artist_id = a.id
           LEFT JOIN geo_countries c ON c.id = a.country_id LEFT JOIN geo_cities ci ON ci.id = a.city_id
           WHERE a.name_search LIKE $1 AND a.archived_at IS NULL ORDER BY a.name, a.id LIMIT 20`,
          [q],
        ),
        sql.query(`SELECT count(*) FROM (SELECT 1 FROM artists WHERE name_search LIKE $1 AND archived_at IS NULL LIMIT ${COUNT_LIMIT}) c`, [
          q,
        ]),
      ])
    })
    const rest = await measure('REST GET /api/v1/artists?q=…&limit=20', 400, 8, (i) =>
      app.get(`/api/v1/artists?q=${terms[i % terms.length]}&limit=20`),
    )
    const gql = await measure('GraphQL artists(filter: {q}) with genres, profile', 400, 8, (i) =>
      app.graphql(
        'query($q: String) { artists(first: 20, filter: { q: $q }) { totalCount edges { node { name profile { biography } genres { name } country { code } } } } }',
        {
          q: terms[i % terms.length],
        },
      ),
    )
    report(`Directory search (${ARTISTS} artists)`, baseline, [rest, gql])

    const ENTITIES = 100
    const batch = (i: number) => ids.slice((i * ENTITIES) % (ids.length - ENTITIES), ((i * ENTITIES) % (ids.length - ENTITIES)) + ENTITIES)
    const entityQuery =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Artist { id name slug profile { biography } genres { name } } } }'
    const entityStatements = await countStatements(() =>
      counted.graphql(entityQuery, { r: batch(0).map((id) => ({ __typename: 'Artist', id })) }),
    )
    const entityBaseline = await measureCpu(`baseline: ${ENTITIES} artists by id with profile, genres on pg`, 300, 8, (i) =>
      sql.query(
        `SELECT a.id, a.name, a.slug, p.biography,
                (SELECT jsonb_agg(g.name ORDER BY ag.position) FROM artist_genres ag JOIN genres g ON g.id = ag.genre_id WHERE ag.artist_id = a.id) AS genres
         FROM artists a LEFT JOIN artist_profiles p ON p.artist_id = a.id WHERE a.id = ANY($1::uuid[])`,
        [batch(i)],
      ),
    )
    const entities = await measureCpu(`GraphQL _entities × ${ENTITIES}, profile, genres (${entityStatements} st.)`, 300, 8, (i) =>
      app.graphql(entityQuery, { r: batch(i).map((id) => ({ __typename: 'Artist', id })) }),
    )
    const oneAtATime = await measureCpu(`GraphQL _entities × ${ENTITIES}, one call at a time`, 100, 1, (i) =>
      app.graphql(entityQuery, { r: batch(i).map((id) => ({ __typename: 'Artist', id })) }),
    )
    report('Entity resolution', entityBaseline, [entities, oneAtATime])
    cpuLine([entityBaseline, entities, oneAtATime])
    goal(
      `_entities × ${ENTITIES}: at most 2 statements per entity type, p50 within 3× the same rows from SQL`,
      entityStatements <= 2 && entities.p50 <= 3 * entityBaseline.p50,
      `${entityStatements} statement${entityStatements === 1 ? '' : 's'}, p50 ×${(entities.p50 / entityBaseline.p50).toFixed(1)} the SQL's`,
    )
  } finally {
    await bare.close()
    await counted.close()
    await app.close()
    await database.close()
  }
}
