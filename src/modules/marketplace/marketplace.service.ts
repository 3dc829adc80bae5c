// Marketplace: promoters find listed artists by genre, place, budget and "near a city around a date",
// from the read model `marketplace_artists` (one row per listed artist) that the database's triggers keep
// in the transaction of every change it depends on (migration marketplace). A page is one statement: the
// ids the filter selects, joined with what a card shows for those rows only (a page costs the same for 2
// results as for 100), and the capped count of the matches carried on every row.
import { linkInForceSql } from '../../access/ownership.ts'
import { z } from 'zod'
import { readAs } from '../../access/read-as.ts'
import type { RequestContext } from '../../context.ts'
import { addDays, Day, dayOf, formatDay, today } from '../../dates.ts'
import { invalidInput, validationError, type FieldIssue } from '../../errors.ts'
import { Prisma, type Artist } from '../../generated/prisma/client.ts'
import { budgetIssues, Currency, MinorUnits, money, type Money } from '../../money.ts'
import { COUNT_TAKE, type Listing, type Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { CountryCode, countryIdSql } from '../directory/geo.service.ts'
import { searchFold } from '../../search.ts'

/** "Available days" count the days offered from today on, over this many days. */
const AVAILABLE_DAYS_HORIZON = 180

export const MarketplaceSort = { relevance: 'relevance', soonest: 'soonest', fee: 'fee', activity: 'activity' } as const

export const MarketplaceFilter = z.object({
  q: z.string().trim().min(1).max(100).optional().describe("Matches the artist's name"),
  genreId: Id.optional().describe('A genre (its subgenres match too) or a subgenre'),
  countryCode: CountryCode.optional().describe("The artist's home country"),
  cityId: Id.optional().describe("The artist's home city"),
  nearCityId: Id.optional().describe('With `around`: artists with a confirmed show within `radiusKm` of this city around that day'),
  radiusKm: z.number().int().min(1).max(2000).default(100).describe('Distance from nearCityId (km)'),
  around: Day.optional().describe('With `nearCityId`: the day the promoter has in mind'),
  aroundDays: z.number().int().min(0).max(30).default(3).describe('Shows this many days before or after `around` count'),
  budgetMin: MinorUnits.optional().describe('Budget, lowest (minor units): artists whose published fee guidance reaches it'),
  budgetMax: MinorUnits.optional().describe('Budget, highest (minor units): artists whose published fee guidance starts within it'),
  currency: Currency.optional().describe('Only artists with published fee guidance in this currency; required with a budget'),
  agencyId: Id.optional().describe('Artists this agency books (its agency role, today)'),
  sort: z
    .enum(MarketplaceSort)
    .default('relevance')
    .describe(
      'relevance: names starting with q, then with a word starting with q, then containing it (shorter first), then activity; soonest: next available date; fee: lowest guidance; activity: latest change',
    ),
})
type MarketplaceFilterInput = z.output<typeof MarketplaceFilter>

/** A parsed filter with its cross-field rules checked. */
export function parseMarketplaceFilter(filter: unknown): MarketplaceFilterInput {
  const f = parseInput(MarketplaceFilter, filter)
  const issues: FieldIssue[] = []
  if (f.nearCityId && !f.around) issues.push({ field: 'around', message: 'required with nearCityId' })
  if (f.around && !f.nearCityId) issues.push({ field: 'nearCityId', message: 'required with around' })
  issues.push(...budgetIssues(f))
  if (issues.length) throw validationError(issues)
  return f
}

const sql = Prisma.sql

/**
 * The name conditions of a free-text search: names that contain q, and the two parts of them that never
 * overlap: names that start with q, and the others. Both compare the folded query (src/search.ts) with the folded name column, as
 * the directory matches names (case- and accent-insensitive); % and _ match themselves. Names that start with
 * q are a range of marketplace_artists_name_prefix_idx, which also holds what the relevance order needs
 * (activity, id): thousands of them ("velvet") are counted and ordered without visiting their rows, where the
 * trigram index (the other part) finds row ids whose rows are then read one by one.
 */
function nameParts(q: string) {
  const literal = searchFold(q).replace(/[\\%_]/g, '\\$&')
  return {
    anywhere: sql`m.name_search LIKE ${`%${literal}%`}`,
    starts: sql`m.name_search LIKE ${`${literal}%`}`,
    inside: sql`m.name_search LIKE ${`%${literal}%`} AND m.name_search NOT LIKE ${`${literal}%`}`,
  }
}

/**
 * The page's ids of a free-text search by relevance: names that start with q first, then names with a later
 * word that starts with q, then names with q inside a word; in each, the shorter name first (the exact name
 * leads: fewer other letters, as trigram similarity would rank them), then the latest activity, then the id.
 * The other names are read only when those that start with q cannot fill the page (a one-time filter).
 */
function relevanceIds(q: string, from: Prisma.Sql, others: Prisma.Sql, page: Page): Prisma.Sql {
  const name = nameParts(q)
  const wanted = page.offset + page.limit
  // A word starts after anything that is not a letter or a digit; every other character of q is escaped.
  const wordStart = `(^|[^[:alnum:]])${searchFold(q).replace(/[^\p{L}\p{N}\s]/gu, '\\$&')}`
  return sql`WITH starts AS (
      SELECT m.artist_id, length(m.name_search) AS len, m.active_at FROM ${from} m WHERE ${name.starts} AND ${others}
      ORDER BY length(m.name_search), m.active_at DESC, m.artist_id LIMIT ${wanted}::int)
    SELECT r.artist_id FROM (
      SELECT 0 AS tier, s.artist_id, s.len, s.active_at FROM starts s
      UNION ALL
      (SELECT CASE WHEN m.name_search ~ ${wordStart} THEN 1 ELSE 2 END, m.artist_id, length(m.name_search), m.active_at
       FROM ${from} m WHERE ${name.inside} AND ${others} AND (SELECT count(*) FROM starts) < ${wanted}::int
       ORDER BY 1, 3, 4 DESC, 2 LIMIT ${wanted}::int)) r
    ORDER BY r.tier, r.len, r.active_at DESC, r.artist_id LIMIT ${page.limit}::int OFFSET ${page.offset}::int`
}

/**
 * The capped count of the matches (src/pagination.ts): past COUNT_LIMIT both faces say "more". The cap is a
 * subquery the planner does not read: a constant one makes a sequential scan that stops at the cap look
 * cheapest for a broad filter (a genre), where the filter's index answers as fast and reads no big table.
 * With q, the names that start with it are counted first, from their index range, and the others only while
 * the cap is not reached: counted together, the planner would read the name index whole for a common word.
 */
function countOf(q: string | undefined, from: Prisma.Sql, others: Prisma.Sql): Prisma.Sql {
  const capped = (where: Prisma.Sql) =>
    sql`SELECT count(*)::int AS total FROM (SELECT FROM ${from} m WHERE ${where} LIMIT (SELECT ${COUNT_TAKE}::int)) n`
  if (!q) return capped(others)
  const name = nameParts(q)
  const inside = capped(sql`${name.inside} AND ${others} AND s.total < ${COUNT_TAKE}::int`)
  return sql`WITH starts AS (${capped(sql`${name.starts} AND ${others}`)})
    SELECT least(${COUNT_TAKE}::int, s.total + (${inside})) AS total FROM starts s`
}

/**
 * Where "near" is: the coordinates of the city the filter names (a CTE of the page's statement, no row when
 * the city has none), and what the answer says of that city (`near_city`: null when unknown).
 */
const placeOf = (cityId: string) => ({
  place: sql`place AS (SELECT c.latitude, c.longitude FROM geo_cities c
                       WHERE c.id = ${cityId}::uuid AND c.latitude IS NOT NULL AND c.longitude IS NOT NULL)`,
  known: sql`(SELECT c.latitude IS NOT NULL AND c.longitude IS NOT NULL FROM geo_cities c WHERE c.id = ${cityId}::uuid)`,
})

/** Great-circle distance in km between a city (alias c) and the place (alias pl). */
const distanceKm = sql`6371 * 2 * asin(sqrt(power(sin(radians(c.latitude - pl.latitude) / 2), 2)
  + cos(radians(pl.latitude)) * cos(radians(c.latitude)) * power(sin(radians(c.longitude - pl.longitude) / 2), 2)))`

/**
 * Artists with a confirmed show within the radius around the days: the cities in a bounding box around the
 * place first (a degree of latitude is 111 km), then their confirmed bookings whose period overlaps the days,
 * by (city_id, period) (bookings_confirmed_city_period_idx, migration marketplace_search_indexes).
 */
function showsNear(f: MarketplaceFilterInput): Prisma.Sql {
  const around = dayOf(f.around!)
  const from = addDays(around, -f.aroundDays)
  const until = addDays(around, f.aroundDays + 1)
  const dLat = sql`${f.radiusKm / 111}::float8`
  const dLng = sql`least(180, ${f.radiusKm}::float8 / (111 * greatest(0.01, cos(radians(pl.latitude)))))`
  return sql`m.artist_id IN (
    SELECT b.artist_id FROM place pl
    JOIN geo_cities c ON c.latitude BETWEEN pl.latitude - ${dLat} AND pl.latitude + ${dLat}
                     AND c.longitude BETWEEN pl.longitude - ${dLng} AND pl.longitude + ${dLng}
                     AND ${distanceKm} <= ${f.radiusKm}::float8
    JOIN bookings b ON b.city_id = c.id AND b.status = 'confirmed'
                   AND tstzrange(b.starts_at, b.ends_at) && tstzrange(${from}::timestamptz, ${until}::timestamptz))`
}

/**
 * The conditions of a parsed filter on marketplace_artists (alias m), but the name's (free text by relevance
 * places it per tier). The country's id is found by its code in the statement (a value for the index's range);
 * "near" reads the statement's `place`.
 */
function conditions(f: MarketplaceFilterInput, day: string, use: 'page' | 'count' = 'page'): Prisma.Sql {
  const parts: Prisma.Sql[] = [sql`true`]
  // The capped count reads the genre as a subquery's value: planned with a genre's own frequency, a dense one
  // (techno, 13 % of the rows) made a sequential scan stopped at the cap look cheapest. Unread, the genre is
  // planned as a rare one, on the GIN index for every genre: the bitmap of a dense genre is a few index pages
  // and its heap is read only up to the cap. The page's walks keep the frequency (they stop at the page), and so
  // does a count with a home city, whose index finds fewer rows than any genre's bitmap.
  const opaque = use === 'count' && !f.cityId
  if (f.genreId) parts.push(opaque ? sql`m.genre_ids @> (SELECT ARRAY[${f.genreId}::uuid])` : sql`m.genre_ids @> ARRAY[${f.genreId}::uuid]`)
  if (f.countryCode) parts.push(sql`m.country_id = ${countryIdSql(f.countryCode)}`)
  if (f.cityId) parts.push(sql`m.city_id = ${f.cityId}::uuid`)
  // Published guidance only: a deal's fee is private to its parties. One bound alone is open on the other side.
  if (f.currency) parts.push(sql`m.fee_currency = ${f.currency}`)
  if (f.budgetMax !== undefined) parts.push(sql`(m.fee_min IS NULL OR m.fee_min <= ${f.budgetMax}::bigint)`)
  if (f.budgetMin !== undefined) parts.push(sql`(m.fee_max IS NULL OR m.fee_max >= ${f.budgetMin}::bigint)`)
  if (f.agencyId)
    parts.push(sql`m.artist_id IN (SELECT l.artist_id FROM artists_roster_links l WHERE l.agency_id = ${f.agencyId}::uuid
                     AND l.role = 'agency' AND ${linkInForceSql(day)})`)
  if (f.nearCityId) parts.push(showsNear(f))
  return Prisma.join(parts, ' AND ')
}

function orderBy(f: MarketplaceFilterInput): Prisma.Sql {
  switch (f.sort) {
    case 'soonest':
      return sql`m.next_available_on ASC NULLS LAST, m.artist_id`
    case 'fee':
      return sql`m.fee_min ASC NULLS LAST, m.artist_id`
    case 'activity':
      return sql`m.active_at DESC, m.artist_id`
    case 'relevance':
      // With q the page's ids come from relevanceIds; without it every listed artist is as relevant.
      return sql`m.active_at DESC, m.artist_id`
  }
}

/** The days of free_on (alias m) from `day` on, within the horizon. */
const availableDays = (day: string) =>
  sql`(SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM unnest(m.free_on * datemultirange(daterange(${day}::date, ${day}::date + ${AVAILABLE_DAYS_HORIZON}::int))) r)::int`

/** The distance to the place of the artist's nearest confirmed show around the day (alias p for the page). */
function nearestShowKm(f: MarketplaceFilterInput): Prisma.Sql {
  const around = dayOf(f.around!)
  return sql`(SELECT round(min(${distanceKm})::numeric, 1)::float8 FROM place pl, bookings b JOIN geo_cities c ON c.id = b.city_id
              WHERE b.artist_id = p.artist_id AND b.status = 'confirmed'
                AND b.starts_at < ${addDays(around, f.aroundDays + 1)} AND b.ends_at > ${addDays(around, -f.aroundDays)})`
}

/**
 * What a card shows beyond the read model, joined for the page's rows only. Genre, country and city names
 * are directory data: `directory` (the caller may read the directory) decides whether they are read at all.
 */
function cardColumns(directory: boolean): Prisma.Sql {
  if (!directory) return sql`NULL::json AS genres, NULL AS country_code, NULL AS country_name, NULL::uuid AS city_id, NULL AS city_name`
  return sql`(SELECT coalesce(json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY ag.position, g.name), '[]')
              FROM artist_genres ag JOIN genres g ON g.id = ag.genre_id WHERE ag.artist_id = p.artist_id) AS genres,
             co.code AS country_code, co.name AS country_name, ci.id AS city_id, ci.name AS city_name`
}

/**
 * The statements of a search: the page of cards in order (the ids chosen by the filter, then joined with
 * what a card shows, for the page's rows only) with the number of matches, and that number alone (its plan
 * is the bench's to print). `day` is today.
 *
 * The page is one statement with the stale-date check (refreshStale): a round trip fewer a search, where the
 * socket writes of each statement were the largest part of a request's node CPU on this VM. It always
 * answers one row at least (`refreshed`, `total`, then the card's columns, null on an empty page), so an
 * empty page or one past the last needs no second statement for its count.
 */
export function marketplaceStatements(f: MarketplaceFilterInput, page: Page, day: string, directory: boolean) {
  // "Near" matches are found through the shows around the days (at most their number of artists), then their
  // rows; both the count and the page's ids read them. Found once (`near`, materialized) rather than twice: the
  // shows and a row probe per artist were half of a "near" page's buffers. The place is the statement's too.
  const place = f.nearCityId ? placeOf(f.nearCityId) : null
  const near = place ? sql`${place.place}, near AS MATERIALIZED (SELECT m.* FROM marketplace_artists m WHERE ${conditions(f, day)})` : null
  const from = near ? sql`near` : sql`marketplace_artists`
  const others = near ? sql`true` : conditions(f, day)
  const where = f.q ? sql`${nameParts(f.q).anywhere} AND ${others}` : others
  const ids =
    f.q && f.sort === 'relevance'
      ? relevanceIds(f.q, from, others, page)
      : sql`SELECT m.artist_id FROM ${from} m WHERE ${where} ORDER BY ${orderBy(f)} LIMIT ${page.limit}::int OFFSET ${page.offset}::int`
  const count = countOf(f.q, from, near ? others : conditions(f, day, 'count'))
  const stale = sql`stale AS (${refreshStale(day)} RETURNING 1)`
  // ARRAY(...) WITH ORDINALITY keeps the order the filter's index walk chose through the joins. The count rides
  // along as an uncorrelated subquery, run once for the statement: no second round trip after the page.
  return {
    page: sql`WITH ${near ? sql`${stale}, ${near}` : stale}
              SELECT s.refreshed, (${count}) AS total, ${place ? place.known : sql`NULL::boolean`} AS near_city,
                     ${f.countryCode ? sql`EXISTS (SELECT FROM geo_countries co WHERE co.code = ${f.countryCode})` : sql`NULL::boolean`} AS country_known,
                     card.* FROM (SELECT count(*)::int + (${staleSeen(day)})::int AS refreshed FROM stale) s LEFT JOIN LATERAL (
              SELECT p.ord, p.artist_id AS id, m.name, a.slug, a.kind::text AS kind, a.created_at, a.updated_at,
                     m.fee_min, m.fee_max, m.fee_currency, m.next_available_on, m.active_at, m.updated_at AS card_updated_at, ${availableDays(day)} AS available_days,
                     agency.id AS agency_id, agency.name AS agency_name, ${cardColumns(directory)},
                     ${place ? nearestShowKm(f) : sql`NULL::float8`} AS distance_km
              FROM unnest(ARRAY(${ids})) WITH ORDINALITY p(artist_id, ord)
              JOIN marketplace_artists m ON m.artist_id = p.artist_id
              JOIN artists a ON a.id = p.artist_id
              LEFT JOIN geo_countries co ON co.id = m.country_id
              LEFT JOIN geo_cities ci ON ci.id = m.city_id
              LEFT JOIN LATERAL (
                SELECT c.id, c.name FROM artists_roster_links l JOIN artists_companies c ON c.id = l.agency_id
                WHERE l.artist_id = p.artist_id AND l.role = 'agency' AND ${linkInForceSql(day)}
                ORDER BY l.starts_on LIMIT 1) agency ON true) card ON true
              ORDER BY card.ord`,
    count: near ? sql`WITH ${near} SELECT * FROM (${count}) c` : count,
  }
}

/**
 * The next available date is stored as of the last write; once that day has passed without a write, it is
 * recomputed by the page's statement (as expiry is written on read: no cron). The check is an index range
 * scan that finds nothing on most reads.
 */
const refreshStale = (day: string) =>
  sql`UPDATE marketplace_artists SET next_available_on = lower(free_on * datemultirange(daterange(${day}::date, NULL))), updated_at = now()
      WHERE next_available_on < ${day}::date`

/**
 * Whether the statement's snapshot holds stale rows. A check that waited on another search's refresh of the
 * same rows finds nothing left to refresh once that one commits, but its page still reads the snapshot taken
 * before it waited: `refreshed` counts these too, so that the page is read again.
 */
const staleSeen = (day: string) => sql`EXISTS (SELECT FROM marketplace_artists x WHERE x.next_available_on < ${day}::date)`

/** The published fee guidance as both faces show it. */
export interface FeeGuidance {
  min: Money | null
  max: Money | null
}

export interface Named {
  id: string
  name: string
}

/** The artist's own card fields: what a read about an artist shows of it, and its key for anything more. */
export type ArtistCard = Pick<Artist, 'id' | 'name' | 'slug' | 'kind' | 'archivedAt' | 'createdAt' | 'updatedAt'>

/**
 * A search result as both faces show it. `genres`, `country` and `city` are directory data: null for a
 * caller without `directory.read`. `distanceKm` is the nearest confirmed show's, when "near" is asked.
 */
export interface MarketplaceCard {
  artistId: string
  name: string
  slug: string
  artist: ArtistCard
  genres: Named[] | null
  country: { code: string; name: string } | null
  city: Named | null
  feeGuidance: FeeGuidance | null
  nextAvailableOn: Date | null
  availableDays: number
  agency: Named | null
  distanceKm: number | null
  activeAt: Date
  /** The read model row's last write (any change of what the card shows, or the daily next-available roll). */
  updatedAt: Date
}

/** A row of the page's statement: the card's columns are null on the one row of an empty page. */
type PageRow = { refreshed: number; total: number; near_city: boolean | null; country_known: boolean | null } & (CardRow | { id: null })

interface CardRow {
  id: string
  name: string
  slug: string
  kind: Artist['kind']
  created_at: Date
  updated_at: Date
  fee_min: bigint | null
  fee_max: bigint | null
  fee_currency: string | null
  next_available_on: Date | null
  active_at: Date
  card_updated_at: Date
  available_days: number
  agency_id: string | null
  agency_name: string | null
  genres: Named[] | null
  country_code: string | null
  country_name: string | null
  city_id: string | null
  city_name: string | null
  distance_km: number | null
}

function cardOf(r: CardRow): MarketplaceCard {
  const artist = readAs('marketplace.read', {
    id: r.id,
    name: r.name,
    slug: r.slug,
    kind: r.kind,
    archivedAt: null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  })
  return {
    artistId: r.id,
    name: r.name,
    slug: r.slug,
    artist,
    genres: r.genres,
    country: r.country_code && r.country_name ? { code: r.country_code, name: r.country_name } : null,
    city: r.city_id && r.city_name ? { id: r.city_id, name: r.city_name } : null,
    feeGuidance: r.fee_currency == null ? null : { min: money(r.fee_min, r.fee_currency), max: money(r.fee_max, r.fee_currency) },
    nextAvailableOn: r.next_available_on,
    availableDays: r.available_days,
    agency: r.agency_id && r.agency_name ? { id: r.agency_id, name: r.agency_name } : null,
    distanceKm: r.distance_km,
    activeAt: r.active_at,
    updatedAt: r.card_updated_at,
  }
}

export const marketplace = {
  /** A page of cards: one statement for the stale-date check, the page and its count. */
  async search(ctx: RequestContext, filter: unknown, page: Page): Promise<Listing<MarketplaceCard>> {
    const f = parseMarketplaceFilter(filter)
    const directory = await ctx.may('directory.read')
    const day = formatDay(today(ctx.clock.now()))
    const statements = marketplaceStatements(f, page, day, directory)
    const read = () => ctx.db.$queryRaw<PageRow[]>(statements.page)
    let rows = await read()
    // The filter's country and city are looked up in the statement: unknown ones are refused from its answer.
    if (rows[0]!.country_known === false) throw invalidInput('countryCode', `unknown country ${f.countryCode}`)
    const near = rows[0]!.near_city
    if (f.nearCityId && near === null) throw invalidInput('nearCityId', `unknown city ${f.nearCityId}`)
    if (near === false) throw invalidInput('nearCityId', 'this city has no coordinates in the geo directory')
    // The page read stale rows as they were before (one snapshot), whether its check or a concurrent search's
    // refreshed them: read again, once a day.
    if (rows[0]!.refreshed > 0) rows = await read()
    const total = rows[0]!.total
    return { items: rows.filter((r): r is PageRow & CardRow => r.id !== null).map(cardOf), total: async () => total }
  },

  /** Every listed artist's row from the base tables (operators: after a restore, or to check the triggers). */
  async rebuild(ctx: RequestContext) {
    const [row] = await ctx.db.$queryRaw<{ written: number }[]>`SELECT marketplace_rebuild() AS written`
    return { rebuilt: row?.written ?? 0 }
  },
}
