// Directory reads at a realistic size: artist search over REST and GraphQL, and _entities resolution,
// each against a baseline of the equivalent SQL run directly on the same database in the same run.
import { benchApp, benchDatabase, measure, report, seedDirectory } from './support.ts'

const ARTISTS = Number(process.env.BENCH_ARTISTS ?? 20_000)

export async function directoryBenchmark() {
  const database = await benchDatabase('artists_bench_directory')
  const { sql } = database
  console.log(`seeding ${ARTISTS} artists…`)
  await seedDirectory(sql, ARTISTS)
  const ids = (await sql.query<{ id: string }>('SELECT id FROM artists ORDER BY random() LIMIT 2000')).rows.map((r) => r.id)
  const terms = ['a1b', 'b2c', 'c3d', 'd4e', 'e5f', 'f6a', '7ab', '8bc']

  const app = await benchApp(database.url)
  try {
    // The same answer as the REST page: the artists with profile, country, city, genres and platform
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
        sql.query('SELECT count(*) FROM artists WHERE name_search LIKE $1 AND archived_at IS NULL', [q]),
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

    const batch = (i: number) => ids.slice((i * 50) % 1950, ((i * 50) % 1950) + 50)
    const entityBaseline = await measure('baseline: 50 artists by id with profile, genres on pg directly', 200, 8, (i) =>
      sql.query(
        `SELECT a.name, p.biography,
                (SELECT jsonb_agg(g.name ORDER BY ag.position) FROM artist_genres ag JOIN genres g ON g.id = ag.genre_id WHERE ag.artist_id = a.id) AS genres
         FROM artists a LEFT JOIN artist_profiles p ON p.artist_id = a.id WHERE a.id = ANY($1::uuid[])`,
        [batch(i)],
      ),
    )
    const entities = await measure('GraphQL _entities × 50 with genres, profile', 200, 8, (i) =>
      app.graphql(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Artist { name profile { biography } genres { name } } } }',
        {
          r: batch(i).map((id) => ({ __typename: 'Artist', id })),
        },
      ),
    )
    report('Entity resolution', entityBaseline, [entities])
  } finally {
    await app.close()
    await database.close()
  }
}
