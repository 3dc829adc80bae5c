// SQL pieces the large benches seed with generate_series: deterministic ids and the shared directory rows
// (countries, genres with subgenres, agencies, artist names), so two benches seed the same world alike.
import type pg from 'pg'

/** A deterministic UUID (version 4 bits set, as z.uuid() requires) from a SQL text expression. */
export const md5Uuid = (key: string) => `overlay(overlay(md5(${key}) placing '4' from 13) placing '8' from 17)::uuid`

/** A deterministic number in [0, 1) from a SQL text expression. */
export const unit = (key: string) => `(abs(hashtext(${key})) % 1000000 / 1000000.0)`

/** Artist i's name from two word lists (trigram search finds thousands per word), unique by its number. */
export const artistName = (i: string) =>
  `(ARRAY['Velvet','Neon','Silent','Golden','Electric','Midnight','Crystal','Wild','Lunar','Broken','Solar','Hidden','Iron','Paper','Cosmic','Urban','Savage','Gentle','Hollow','Frozen'])[1 + abs(hashtext('first' || ${i})) % 20]
   || ' ' || (ARRAY['Echo','Tide','Garden','Machine','Orchestra','Riot','Collective','Dreams','Wolves','Signal','Harbor','Parade','Theory','Engine','Ghosts','Rivers','Static','Mirrors','Lanterns','Pilots','Saints','Atlas','Circuit','Bloom','Drift'])[1 + abs(hashtext('second' || ${i})) % 25]
   || ' ' || ${i}`

/**
 * Whether artist i is listed: one in fifty is archived. Bulk loads run without triggers, so a window's `artist_listed`
 * is written from the same rule.
 */
export const listedArtist = (i: string) => `(abs(hashtext('archived' || ${i})) % 50 <> 0)`

/** Twenty countries (`'country' || 1..20`), ten top-level genres with four subgenres each, and `agencies` agencies. */
export async function seedWorld(sql: pg.PoolClient, agencies: number) {
  await sql.query(`
    INSERT INTO geo_countries (id, code, name)
    SELECT ${md5Uuid(`'country' || i`)}, code, 'Country ' || code
    FROM unnest(ARRAY['ES','FR','DE','IT','PT','GB','NL','BE','US','MX','AR','BR','SE','NO','DK','PL','AT','CH','IE','JP']) WITH ORDINALITY AS t(code, i)`)
  await sql.query(`
    INSERT INTO genres (id, name, slug)
    SELECT ${md5Uuid(`'genre' || p`)}, name, lower(replace(name, ' ', '-'))
    FROM unnest(ARRAY['Techno','House','Rock','Jazz','Hip Hop','Pop','Latin','Classical','Folk','Metal']) WITH ORDINALITY AS t(name, p)`)
  await sql.query(`
    INSERT INTO genres (id, name, slug, parent_id)
    SELECT ${md5Uuid(`'genre' || p || '.' || s`)}, g.name || ' ' || s, g.slug || '-' || s, g.id
    FROM generate_series(1, 10) p JOIN genres g ON g.id = ${md5Uuid(`'genre' || p`)} CROSS JOIN generate_series(1, 4) s`)
  await sql.query(`
    INSERT INTO artists_companies (id, name, slug, claimed)
    SELECT ${md5Uuid(`'agency' || i`)}, 'Agency ' || i, 'agency-' || i, true FROM generate_series(1, ${agencies}) i`)
}

/** The id of the seeded row whose column holds the value (the seed must have made it). */
export async function seededId(sql: pg.Pool, table: string, column: string, value: string): Promise<string> {
  const [row] = (await sql.query<{ id: string }>(`SELECT id FROM ${table} WHERE ${column} = $1`, [value])).rows
  if (!row) throw new Error(`the seed made no ${table} row with ${column} = ${value}`)
  return row.id
}
