// Availability: the windows of days an agency publishes for the artists it represents, and the search
// promoters run over them (discovery). The database keeps an artist's windows from overlapping
// (artist_availabilities_no_overlap); the search is one id-selecting SQL statement shaped for the indexes
// of the availability_search migration, hydrated by id in a second, prepared one as JSON (within the REST
// view) or through Prisma. A window's booked days (`booked_on`, kept by triggers of the
// availability_booked_days migration) are subtracted from what it offers.
import { searchFold } from '../../search.ts'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { readAs } from '../../access/read-as.ts'
import { JsonFragment, toJson } from '../../rest/json.ts'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { jsonView, type Selection } from '../../db/listing.ts'
import { sqlOf, withValues } from '../../db/sql.ts'
import { jsonArray, type Encoding, type JsonRecord, type JsonShape } from '../../db/record-json.ts'
import { addDays, Day, dayOf, formatDay, maxDay, today } from '../../dates.ts'
import { conflict, forbidden, found, invalidInput, isExclusionViolation, notFound, validationError, type FieldIssue } from '../../errors.ts'
import { AvailabilityStatus, Prisma, type Artist, type Availability, type BookingHold } from '../../generated/prisma/client.ts'
import { COUNT_TAKE, type Listing, type Page } from '../../pagination.ts'
import { budgetIssues, Currency, MinorUnits } from '../../money.ts'
import { Id, parseInput } from '../../validation.ts'
import { artistView, ArtistView } from '../directory/artists.service.ts'
import { CountryCode, countryIdOf, countryIdSql, locationJson } from '../directory/geo.service.ts'
import { effectiveHoldStatus } from '../booking/state.ts'
import { recordWindowEvent } from '../outbox/record.ts'
import { representedUntil } from '../representation/roster.service.ts'
import { cardCtes, cardShape, keepCards } from './artist-cards.ts'
import { lockAgencyWindows } from '../representation/withdraw-availability.ts'

/** A window spans at most about two years; a search at most about one. */
export const MAX_WINDOW_DAYS = 731
export const MAX_SEARCH_DAYS = 366

export const AvailabilityInput = z.object({
  startsOn: Day.describe('First day (YYYY-MM-DD)'),
  endsOn: Day.describe('Last day, inclusive (YYYY-MM-DD)'),
  status: z.enum(AvailabilityStatus).default('available').describe('blocked: known not to be available (never matches a search)'),
  countryCode: CountryCode.nullish().describe('Where the artist can play in this window; absent or null: anywhere'),
  feeMin: MinorUnits.nullish().describe('Fee guidance, lowest: minor units of currency (cents)'),
  feeMax: MinorUnits.nullish().describe('Fee guidance, highest: minor units of currency (cents)'),
  currency: Currency.nullish().describe('ISO 4217 code of the fee guidance; required with a fee'),
  notes: z.string().trim().min(1).max(2000).nullish(),
})
// Explicitly optional status: a partial schema would still apply the create default to a patch.
export const UpdateAvailabilityInput = AvailabilityInput.partial().extend({ status: z.enum(AvailabilityStatus).optional() })

export const AvailabilityFilter = z.object({
  from: Day.optional().describe('Windows ending on or after this day (default: today)'),
  to: Day.optional().describe('Windows starting on or before this day'),
  status: z.enum(AvailabilityStatus).optional(),
})

export const AvailabilitySort = { name: 'name', soonest: 'soonest', fee: 'fee' } as const

export const AvailabilitySearch = z.object({
  from: Day.describe('First day of the period (YYYY-MM-DD)'),
  to: Day.describe(`Last day of the period, inclusive (at most ${MAX_SEARCH_DAYS} days)`),
  includeTentative: z.boolean().default(true).describe('Tentative windows match too (blocked ones never do)'),
  genreId: Id.optional().describe('A genre (its subgenres match too) or a subgenre'),
  countryCode: CountryCode.optional().describe('Windows in this country, or open to anywhere'),
  budgetMin: MinorUnits.optional().describe('Budget, lowest (cents): windows whose fee guidance reaches it'),
  budgetMax: MinorUnits.optional().describe('Budget, highest (cents): windows whose fee guidance starts within it'),
  currency: Currency.optional().describe('Only windows with fee guidance in this currency; required with a budget'),
  q: z.string().trim().min(1).max(100).optional().describe("Matches the artist's name"),
  sort: z.enum(AvailabilitySort).default('name').describe('name; soonest: first free day in the period; fee: lowest guidance'),
})
export type AvailabilitySearchFilter = z.output<typeof AvailabilitySearch>

interface WindowShape {
  startsOn: string
  endsOn: string
  feeMin?: number | bigint | null
  feeMax?: number | bigint | null
  currency?: string | null
}

const OVERLAP = 'artist_availabilities_no_overlap'
const spanDays = (from: string, to: string) => Math.round((dayOf(to).getTime() - dayOf(from).getTime()) / 86_400_000) + 1

/** The date field an error on the window's days names: the one the request sent (endsOn when both or neither). */
const dateFieldOf = (sent: Set<string>) => (sent.has('endsOn') || !sent.has('startsOn') ? 'endsOn' : 'startsOn')

/**
 * The rules of a window across its fields. `sent` names the fields of the request, so that an error
 * names the field the caller sent when a patch breaks a rule against a stored value.
 */
function assertWindow(w: WindowShape, sent: Set<string>) {
  const issues: FieldIssue[] = []
  const dateField = dateFieldOf(sent)
  if (w.endsOn < w.startsOn) issues.push({ field: dateField, message: 'endsOn must not be before startsOn' })
  else if (spanDays(w.startsOn, w.endsOn) > MAX_WINDOW_DAYS)
    issues.push({ field: dateField, message: `a window spans at most ${MAX_WINDOW_DAYS} days` })
  if ((sent.has('startsOn') || sent.has('endsOn')) && w.endsOn < formatDay(today()))
    issues.push({ field: dateField, message: 'the window would be over: endsOn is in the past' })
  if (w.feeMin != null && w.feeMax != null && w.feeMin > w.feeMax) {
    issues.push({ field: sent.has('feeMax') || !sent.has('feeMin') ? 'feeMax' : 'feeMin', message: 'feeMax must not be below feeMin' })
  }
  if ((w.feeMin != null || w.feeMax != null) && w.currency == null) issues.push({ field: 'currency', message: 'required with a fee' })
  if (issues.length) throw validationError(issues)
}

/**
 * A window ends by the agency's last day of representation: past it, the agency could not take the
 * booking. Checked when the days are written; representation/withdraw-availability.ts cuts the windows of a representation that ends.
 */
function assertRepresentedThrough(lastDay: Date | null, endsOn: string, sent: Set<string>) {
  if (lastDay && dayOf(endsOn) > lastDay) {
    throw invalidInput(dateFieldOf(sent), `your agency represents the artist until ${formatDay(lastDay)}: the window must end by then`)
  }
}

/** The window, when the agency published it and still books its artist; with its last day of representation. */
async function publishedWindow(db: Tx, agencyId: string, id: string) {
  const window = await db.availability.findUnique({ where: { id } })
  if (!window) throw notFound('availability window', id)
  const representation = window.agencyId === agencyId ? await representedUntil(db, agencyId, window.artistId, 'agency') : null
  if (!representation) {
    throw forbidden('only the agency that published this window, while it books the artist, may change it', 'not_representing')
  }
  return { window, lastDay: representation.lastDay }
}

/**
 * Checks and writes the agency's windows of an artist in a transaction holding the lock that ending its
 * representation takes too (representation/withdraw-availability.ts), so that a check never reads a representation about to end.
 */
function lockedWindows<T>(ctx: RequestContext, agencyId: string, artistId: string, write: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.db.$transaction(async (tx) => {
    await lockAgencyWindows(tx, agencyId, artistId)
    return write(tx)
  })
}

interface Span {
  artistId: string
  startsOn: Date
  endsOn: Date
  id?: string
}

/**
 * Runs a write of one of the artist's windows, which names its span through `writing` before writing it.
 * The exclusion constraint is the guarantee against overlaps (concurrent writers included); its refusal
 * becomes a 409 naming the window in the way, looked up once the write's transaction has rolled back.
 */
async function withoutOverlap<T>(ctx: RequestContext, write: (writing: (span: Span) => Span) => Promise<T>) {
  let w: Span | undefined
  try {
    return await write((span) => (w = span))
  } catch (e) {
    if (!w || !isExclusionViolation(e, OVERLAP)) throw e
    const other = await ctx.db.availability.findFirst({
      where: { artistId: w.artistId, id: w.id ? { not: w.id } : undefined, startsOn: { lte: w.endsOn }, endsOn: { gte: w.startsOn } },
      orderBy: { startsOn: 'asc' },
    })
    const which = other ? `its ${other.status} window ${formatDay(other.startsOn)} – ${formatDay(other.endsOn)}` : 'another of its windows'
    throw conflict('availability_overlap', `the artist's windows cannot overlap: these dates overlap ${which}`)
  }
}

/** An artist's windows overlapping [from, to] (from defaults to today). */
export function windowsWhere(f: z.output<typeof AvailabilityFilter>): Prisma.AvailabilityWhereInput {
  return { endsOn: { gte: f.from ? dayOf(f.from) : today() }, startsOn: f.to ? { lte: dayOf(f.to) } : undefined, status: f.status }
}

const sql = Prisma.sql
const all = (parts: Prisma.Sql[]) => Prisma.join(parts, ' AND ')

/** The days a window offers in the period: its days there, less those the artist is booked on. */
const offeredDays = (f: AvailabilitySearchFilter, w: Prisma.Sql) =>
  sql`datemultirange(daterange(greatest(${w}.starts_on, ${f.from}::date), least(${w}.ends_on, ${f.to}::date), '[]')) - coalesce(${w}.booked_on, '{}')`

/**
 * The rows a search tests: any windows, or rows known to be open windows (not blocked) of listed artists: the windows
 * by genre (availability_genre_windows holds no other), or windows read under the partial indexes' predicate already.
 */
type WindowRows = 'windows' | 'open windows'

/** The partial indexes' predicate (migration availability_listed_windows): archived artists' windows are not in them. */
const openWindow = (w: Prisma.Sql) => sql`${w}.status <> 'blocked' AND ${w}.artist_listed`

/**
 * A window (alias `w`) matching the search: an open window of a listed artist that offers at least one day of the
 * period that the artist is not booked on. On the windows, `status <> 'blocked' AND artist_listed` is the predicate of
 * the partial indexes, which cover every other column read here: tested again over rows read under it, it would take a
 * column the indexes do not hold (`rows: 'open windows'`). The period is a range overlap where a plan may start from
 * the period's windows (the range index), plain bounds where it probes one artist's windows (the artist index, by
 * `ends_on`).
 */
function windowMatch(
  f: AvailabilitySearchFilter,
  countryId: Country,
  { w = sql`w`, of = 'period', rows = 'windows' }: { w?: Prisma.Sql; of?: 'period' | 'artist'; rows?: WindowRows } = {},
): Prisma.Sql {
  const parts = [
    ...(rows === 'windows' ? [openWindow(w)] : []),
    of === 'period'
      ? sql`daterange(${w}.starts_on, ${w}.ends_on, '[]') && daterange(${f.from}::date, ${f.to}::date, '[]')`
      : sql`${w}.ends_on >= ${f.from}::date AND ${w}.starts_on <= ${f.to}::date`,
    sql`(${w}.booked_on IS NULL OR NOT isempty(${offeredDays(f, w)}))`,
  ]
  if (!f.includeTentative) parts.push(sql`${w}.status = 'available'`)
  if (countryId) parts.push(sql`(${w}.country_id = ${countryId}::uuid OR ${w}.country_id IS NULL)`)
  // A currency (any budget has one) asks for fee guidance in it: a currency alone is no guidance.
  if (f.currency) parts.push(sql`${w}.currency = ${f.currency} AND (${w}.fee_min IS NOT NULL OR ${w}.fee_max IS NOT NULL)`)
  // Guidance with one bound is open on the other side: it reaches any budget there.
  if (f.budgetMax !== undefined) parts.push(sql`(${w}.fee_min IS NULL OR ${w}.fee_min <= ${f.budgetMax}::bigint)`)
  if (f.budgetMin !== undefined) parts.push(sql`(${w}.fee_max IS NULL OR ${w}.fee_max >= ${f.budgetMin}::bigint)`)
  return all(parts)
}

/**
 * The search's country: its id, or (the service) the statement's own lookup of its code, which saves a
 * statement; the page's rows then say whether the code was known (`country_known`).
 */
type Country = string | Prisma.Sql | null

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, '\\$&')}%`

/**
 * The name's side of the search, on the window's artist id, so that the plan never joins the whole artists table:
 * only the artists the name matches (the trigram index). Whether the artist is listed is the window's own
 * (windowMatch).
 */
const nameMatch = (f: AvailabilitySearchFilter) =>
  f.q ? sql`w.artist_id IN (SELECT x.id FROM artists x WHERE x.name_search LIKE ${likePattern(searchFold(f.q))})` : sql`true`

/** A window's fee key: its lowest guidance (either bound alone is its guidance); none sorts last. */
const feeKey = (w: Prisma.Sql) => sql`coalesce(${w}.fee_min, ${w}.fee_max)`

/** A window's first day offered in the period (booked days skipped): the soonest order's key. */
const firstOffered = (f: AvailabilitySearchFilter) =>
  sql`CASE WHEN w.booked_on IS NULL THEN greatest(w.starts_on, ${f.from}::date) ELSE lower(${offeredDays(f, sql`w`)}) END`

/**
 * A name's page sorted by name is first sought among its first HEAD_PER_ROW × (offset + limit) + HEAD_SLACK
 * names: enough when about one in four of its artists has a matching window (a common word over two weeks:
 * one in two); else all of them are sorted.
 */
const HEAD_PER_ROW = 4
const HEAD_SLACK = 100

/**
 * How many windows holding a day of the period dayBound looks at: a quarter of them must match to cap the count (of a
 * genre's, one in eight).
 */
const DAY_SCAN = 4 * COUNT_TAKE
const GENRE_DAY_SCAN = 8 * COUNT_TAKE

/**
 * A number that never varies, written into a statement's text rather than sent as a parameter: the genre's walk runs
 * prepared (fixedPlan), and a generic plan sees no parameter's value (a LIMIT it cannot see is planned as a tenth of
 * the rows it limits).
 */
const constant = (n: number) => Prisma.raw(String(n))

/**
 * A lower bound of the count of a search without a name, cheap when the search is broad: at most one window of an
 * artist holds a given day (no overlap, blocked windows included), so the matching windows that hold one day of the
 * period belong to as many matching artists, and finding COUNT_TAKE of them caps the count without grouping windows
 * per artist, which no index order lets stop early (a month's count walked about 40,000 entries of the artist index for
 * it). The period's first day is asked first; when it falls short, the last day's matching windows of artists not
 * counted on the first are added (distinct artists again; an artist the first day's read stopped before counts once
 * there), read only until the sum reaches COUNT_TAKE: a search near the
 * cap on its first day (the bench's week in Spain holds 964 to 1,050 matching windows on it, seed by seed) needs a few
 * dozen more, where counting the last day afresh read all of it (5,662 entries for 1,001). The windows are tested with
 * their plain bounds (the artist form of windowMatch), which any window holding a day of the period meets,
 * cheaper than building a range per entry. A genre's come from its days
 * (availability_genre_windows_days_idx, SP-GiST): within one genre the model has one row per window, and a top genre's
 * week in a country reads about 5,500 of them (one in five matches), a third cheaper than from its GiST range index.
 * Only the first DAY_SCAN (GENRE_DAY_SCAN) windows holding a day are looked at, so that a narrow search, which then
 * counts exactly, pays a few thousand index entries a day at most.
 */
function dayBound(f: AvailabilitySearchFilter, countryId: Country) {
  const holding = (day: string) =>
    f.genreId
      ? sql`SELECT * FROM availability_genre_windows w
            WHERE availability_genre_days(w.genre_id, w.starts_on, w.ends_on) @> availability_genre_day(${f.genreId}::uuid, ${day}::date)
              AND w.genre_id = ${f.genreId}::uuid LIMIT ${constant(GENRE_DAY_SCAN)}`
      : sql`SELECT * FROM artist_availabilities w
            WHERE ${openWindow(sql`w`)} AND daterange(w.starts_on, w.ends_on, '[]') @> ${day}::date LIMIT ${constant(DAY_SCAN)}`
  const windows = windowMatch(f, countryId, { of: 'artist', rows: 'open windows' })
  const matching = (day: string) => sql`SELECT w.artist_id FROM (${holding(day)}) w WHERE ${windows}`
  if (f.to === f.from) return sql`SELECT count(*)::int FROM (${matching(f.from)} LIMIT ${constant(COUNT_TAKE)}) d`
  // The union's limit stops the last day's read at COUNT_TAKE in all, and keeps it from starting when the first day got there.
  return sql`SELECT count(*)::int FROM (WITH first_day AS MATERIALIZED (${matching(f.from)} LIMIT ${constant(COUNT_TAKE)})
                                        SELECT artist_id FROM first_day
                                        UNION ALL
                                        ${matching(f.to)} AND w.artist_id NOT IN (SELECT artist_id FROM first_day)
                                        LIMIT ${constant(COUNT_TAKE)}) d`
}

/**
 * A genre's page sorted by name walks its windows in name order (availability_genre_windows_name_idx) when the page
 * ends within its first GENRE_WALK_ROWS artists, looking at GENRE_WALK_PER_ROW × (offset + limit) + GENRE_WALK_SLACK
 * windows at most: a week of a top genre in a country, one artist in five, has a matching artist about every hundred
 * windows in name order.
 */
const GENRE_WALK_ROWS = 100
const GENRE_WALK_PER_ROW = 100
const GENRE_WALK_SLACK = 2000

/**
 * How many rows of the names read model the count of the period alone looks at before counting windows: a quarter of
 * them must offer a day to cap it, so that a narrow period, which then counts exactly, reads a hundred-odd heap blocks
 * of the model first, never all of it.
 */
const NAMES_SCAN = 4 * COUNT_TAKE

/**
 * Whether a search filters the windows by nothing but the period (and tentative), what the names read model knows; a
 * name (`q`) filters artists, not windows, and may come with it.
 */
const windowsByPeriodOnly = (f: AvailabilitySearchFilter, countryId: Country) =>
  !f.genreId && !countryId && !f.currency && f.budgetMin === undefined && f.budgetMax === undefined

/**
 * Whether a search is a name alone, which the names read model answers: no window filter but the period,
 * sorted by name or soonest (the model has no fee, country or genre).
 */
const readsNames = (f: AvailabilitySearchFilter, countryId: Country): f is AvailabilitySearchFilter & { q: string } =>
  Boolean(f.q) && windowsByPeriodOnly(f, countryId) && f.sort !== 'fee'

/** The search's statements: see searchStatements. */
export interface SearchStatements {
  /**
   * One page of artist ids in order (by `k`, then id), each with its matching window ids, the total (the
   * count, or exact when grouped) and whether the search's country is known (`country_known`).
   */
  page: Prisma.Sql
  /** The page when `page` came back short (sort=soonest, a genre's name order): it groups every match, and carries the total. */
  fallback?: Prisma.Sql
  /** The number of matching artists, up to COUNT_TAKE (the faces show no more): for a page past the end, which has no row. */
  count: Prisma.Sql
  /**
   * Whether `page`'s plan is its shape's (every scan in it an index's order under a limit, its fixed limits in its text),
   * so that it runs prepared: parsed once per connection, and after five runs PostgreSQL may keep a generic plan, which
   * measured at least as fast as the custom one for every set of values tried (see searchSql).
   */
  fixedPlan?: true
}

/**
 * The search's statements for a parsed filter and its country (see Country), parameterized throughout. Each
 * page walks an index in the asked order and stops once it is full:
 * - `name`: listed artists in name order, each one's windows probed through the artist index;
 * - `fee`: matching windows in fee order (the fee index), keeping each artist's first: a window is its
 *   artist's key when no other matching window of the artist comes before it in (fee, id) order, so the
 *   walk yields each artist once, at its lowest fee, in (fee, artist) order;
 * - `soonest`: the artists offered the period's first day come first (their key is that day), in id
 *   order: at most one window of an artist holds a day (no overlap), so a walk of the artist index in
 *   artist order finds them. A page past them (`fallback`) groups the period's windows per artist.
 * The count takes distinct artists of the matching windows up to COUNT_TAKE: without a genre or a name the
 * planner walks the artist index in artist order and stops there (a broad period reads a few hundred
 * leaves), or reads the period's windows when its filters leave few; the page carries it.
 * A genre or a name leaves few artists: the page gathers all of them at once and carries their total, so a
 * search needs no count statement. A genre's windows of the period come from their read model (one range of
 * its GiST index); a name's artists from the trigram index, each probed through the artist index. A name with no
 * other filter of the windows than the period, sorted by name or soonest, is one bitmap scan of the names read model
 * (the days each listed artist offers), which carries the page, its order and its count. The period alone sorted by
 * name walks that model in name order.
 * A genre's first pages by name walk its windows in name order instead, when COUNT_TAKE artists or more match
 * (their total is capped); else the fallback sorts them all.
 */
export function searchStatements(f: AvailabilitySearchFilter, countryId: Country, page: Page): SearchStatements {
  const w = sql`w`
  const v = sql`v`
  const windows = windowMatch(f, countryId)
  const artistWindow = (alias: Prisma.Sql) => windowMatch(f, countryId, { w: alias, of: 'artist' })
  const limited = sql`LIMIT ${page.limit}::int OFFSET ${page.offset}::int`
  const artistWindows = sql`EXISTS (SELECT 1 FROM artist_availabilities w WHERE w.artist_id = a.id AND ${artistWindow(w)})`
  const paged = (candidates: Prisma.Sql) =>
    sql`SELECT p.id, p.k, p.total, ARRAY(SELECT w.id FROM artist_availabilities w WHERE w.artist_id = p.id AND ${artistWindow(w)}) AS windows,
               ${countryId ? sql`${countryId}::uuid IS NOT NULL` : sql`true`} AS country_known
        FROM (${candidates}) p ORDER BY p.k NULLS LAST, p.id`
  // Another matching window of w's artist (alias v) that comes first in the given order.
  const earlier = (before: Prisma.Sql) =>
    sql`EXISTS (SELECT 1 FROM artist_availabilities v WHERE v.artist_id = w.artist_id AND ${artistWindow(v)} AND ${before})`
  // The matching windows: a genre's from its read model (the period is one range of its index), else the
  // period's from the range index (or, for a name, its artists' probed: whichever the planner finds cheaper).
  const matching = f.genreId
    ? sql`availability_genre_windows w WHERE w.genre_id = ${f.genreId}::uuid AND ${windowMatch(f, countryId, { rows: 'open windows' })} AND ${nameMatch(f)}`
    : sql`artist_availabilities w WHERE ${windows} AND ${nameMatch(f)}`
  // A page carries the count (evaluated once, with its first row): one statement. A page past the end, with
  // no row, carries none: the count answers it.
  // A name's listed artists (the trigram index). Without a genre, its count probes each one through the artist
  // index and stops at COUNT_TAKE, where reading the period's windows (tens of thousands) against them cannot.
  const named =
    f.q && sql`SELECT x.id, x.name FROM artists x WHERE x.name_search LIKE ${likePattern(searchFold(f.q))} AND x.archived_at IS NULL`
  const namedCount = (from: Prisma.Sql) =>
    sql`SELECT count(*)::int AS total FROM (SELECT a.id FROM ${from} a WHERE ${artistWindows} LIMIT ${COUNT_TAKE}::int) c`
  const distinct = sql`SELECT count(*)::int AS total FROM (SELECT DISTINCT w.artist_id FROM ${matching} LIMIT ${COUNT_TAKE}::int) c`
  const count =
    named && !f.genreId
      ? namedCount(sql`(${named})`)
      : f.genreId
        ? distinct
        : sql`SELECT CASE WHEN (${dayBound(f, countryId)}) = ${COUNT_TAKE}::int THEN ${COUNT_TAKE}::int ELSE (${distinct}) END AS total`
  const period = sql`daterange(${f.from}::date, ${f.to}::date, '[]')`
  // A names row (alias n) offering a day of the period: one of its artist's windows matches.
  const offers = sql`(n.available_on && ${period}${f.includeTentative ? sql` OR n.tentative_on && ${period}` : Prisma.empty})`
  // A name with no other filter of the windows than the period: the artists offering a day of it, from the names read
  // model (one bitmap scan of it), by name or by their first day offered.
  if (readsNames(f, countryId)) {
    const offered = sql`n.name_search LIKE ${likePattern(searchFold(f.q))} AND ${offers}`
    // The first day offered: of either kind apart (a union of the two built per match cost twice as much).
    const first = (days: Prisma.Sql) => sql`lower(${days} * datemultirange(${period}))`
    const key =
      f.sort === 'name'
        ? sql`n.name`
        : f.includeTentative
          ? sql`least(${first(sql`n.available_on`)}, ${first(sql`n.tentative_on`)})`
          : first(sql`n.available_on`)
    // The matches first (materialized), then sorted: walking availability_names_name_idx in name order and testing each
    // row is the plan the planner would rather pick for a page by name, and it reads the whole model (90 ms for "velvet").
    // The total counts the materialized matches up to COUNT_TAKE: a window count over them (`count(*) OVER ()`) kept a
    // second copy of every match (thousands for a common word) to carry it on each row.
    return {
      page: paged(sql`WITH m AS MATERIALIZED (SELECT n.artist_id, ${key} AS k FROM availability_names n WHERE ${offered})
                      SELECT m.artist_id AS id, m.k, (SELECT count(*)::int FROM (SELECT 1 FROM m LIMIT ${COUNT_TAKE}::int) c) AS total
                      FROM m ORDER BY k, id ${limited}`),
      count: sql`SELECT count(*)::int AS total FROM (SELECT 1 FROM availability_names n WHERE ${offered} LIMIT ${COUNT_TAKE}::int) c`,
    }
  }
  const grouped = (key: Prisma.Sql) =>
    paged(sql`SELECT w.artist_id AS id, min(${key}) AS k, count(*) OVER ()::int AS total FROM ${matching}
              GROUP BY w.artist_id ORDER BY k NULLS LAST, id ${limited}`)

  if (f.genreId || f.q) {
    if (f.sort !== 'name') return { page: grouped(f.sort === 'fee' ? feeKey(w) : firstOffered(f)), count }
    // A genre's artists first (materialized: walking every listed name and probing each is the plan the
    // planner would rather pick), with the name their windows by genre carry, then sorted: past the first pages,
    // and the fallback of those.
    if (f.genreId) {
      const sorted = paged(sql`WITH m AS MATERIALIZED (SELECT DISTINCT w.artist_id, w.name FROM ${matching})
                               SELECT m.artist_id AS id, m.name AS k, count(*) OVER ()::int AS total
                               FROM m ORDER BY k, id ${limited}`)
      const needed = page.offset + page.limit
      if (f.q || needed > GENRE_WALK_ROWS) return { page: sorted, count }
      // When at least COUNT_TAKE artists match (the faces show no more), the genre's windows in name order, each
      // artist kept once (the walk is sorted), make the page if the walk found offset + limit of them: an artist it
      // missed comes after every one it found. Else the page is empty (the days' bound decides first, so a
      // narrow search never walks) and the fallback sorts every match, with their exact total.
      const walked = sql`SELECT DISTINCT w.name, w.artist_id
        FROM (SELECT * FROM availability_genre_windows w WHERE w.genre_id = ${f.genreId}::uuid ORDER BY w.name, w.artist_id
              LIMIT ${GENRE_WALK_PER_ROW * needed + GENRE_WALK_SLACK}::int) w
        WHERE ${windowMatch(f, countryId, { of: 'artist', rows: 'open windows' })}
        ORDER BY w.name, w.artist_id LIMIT ${needed}::int`
      return {
        page: paged(sql`WITH head AS MATERIALIZED (${walked})
                        SELECT head.artist_id AS id, head.name AS k, ${constant(COUNT_TAKE)} AS total FROM head
                        WHERE CASE WHEN (${dayBound(f, countryId)}) = ${constant(COUNT_TAKE)}
                                   THEN (SELECT count(*) FROM head) = ${needed}::int ELSE false END
                        ORDER BY head.name, head.artist_id ${limited}`),
        fallback: sorted,
        count,
        fixedPlan: true,
      }
    }
  }
  if (f.sort === 'name') {
    // A name's matches are few next to the listed artists, yet more than a page has: found once, for the page
    // and its count; sorted, then probed until the page is full. Sorting all of a common word's matches (thousands)
    // cost more than the page's probes: the page is sought first among its first names (`head`, a bounded sort
    // that keeps only those), exact when it fills the page or holds every match, else among all of them sorted.
    if (named) {
      const needed = page.offset + page.limit
      const head = HEAD_PER_ROW * needed + HEAD_SLACK
      const sorted = (bound: Prisma.Sql) => sql`(SELECT * FROM named ORDER BY name, id ${bound}) a WHERE ${artistWindows}`
      return {
        page: paged(sql`WITH named AS MATERIALIZED (${named}),
                          head AS MATERIALIZED (SELECT a.id, a.name FROM ${sorted(sql`LIMIT ${head}::int`)} ORDER BY a.name, a.id LIMIT ${needed}::int),
                          enough AS (SELECT (SELECT count(*) FROM head) = ${needed}::int OR (SELECT count(*) FROM named) <= ${head}::int AS yes)
                        SELECT a.id, a.name AS k, (${namedCount(sql`named`)}) AS total
                        FROM (SELECT * FROM head WHERE (SELECT yes FROM enough)
                              UNION ALL
                              SELECT a.id, a.name FROM ${sorted(sql`OFFSET 0`)} AND NOT (SELECT yes FROM enough)) a
                        ORDER BY a.name, a.id ${limited}`),
        count,
      }
    }
    // The period alone: the names read model's rows are the listed artists offering a day, so walking them in name
    // order (availability_names_name_idx) gives the page with no probe of each artist's windows (a weekend's page 20
    // probed 644). Its count is capped when COUNT_TAKE of the model's first NAMES_SCAN rows (any rows: as many listed
    // artists) offer a day; else the matching windows' artists are counted, up to COUNT_TAKE. Counting the model's rows
    // to the end instead scanned all of it for a narrow period (a day past most windows: 40 ms where this takes 17).
    if (windowsByPeriodOnly(f, countryId)) {
      const namesCount = sql`SELECT CASE WHEN (SELECT count(*)::int FROM (SELECT 1 FROM (SELECT * FROM availability_names n LIMIT ${NAMES_SCAN}::int) n
                                                                          WHERE ${offers} LIMIT ${COUNT_TAKE}::int) c) = ${COUNT_TAKE}::int
                                  THEN ${COUNT_TAKE}::int ELSE (${distinct}) END AS total`
      return {
        page: paged(sql`SELECT n.artist_id AS id, n.name AS k, (${namesCount}) AS total FROM availability_names n
                        WHERE ${offers} ORDER BY n.name, n.artist_id ${limited}`),
        count: namesCount,
      }
    }
    return {
      page: paged(sql`SELECT a.id, a.name AS k, (${count}) AS total FROM artists a
                      WHERE a.archived_at IS NULL AND ${artistWindows} ORDER BY a.name, a.id ${limited}`),
      count,
    }
  }
  if (f.sort === 'fee') {
    const before = sql`(${feeKey(v)} < ${feeKey(w)} OR (${feeKey(w)} IS NULL AND ${feeKey(v)} IS NOT NULL)
      OR (${feeKey(v)} IS NOT DISTINCT FROM ${feeKey(w)} AND v.id < w.id))`
    return {
      page: paged(sql`SELECT w.artist_id AS id, ${feeKey(w)} AS k, (${count}) AS total FROM artist_availabilities w
                      WHERE ${windows} AND ${nameMatch(f)} AND NOT ${earlier(before)}
                      ORDER BY ${feeKey(w)} NULLS LAST, w.artist_id ${limited}`),
      count,
    }
  }
  const offeredFirst = sql`w.starts_on <= ${f.from}::date AND NOT coalesce(w.booked_on @> ${f.from}::date, false)`
  return {
    page: paged(sql`SELECT w.artist_id AS id, ${f.from}::date AS k, (${count}) AS total FROM artist_availabilities w
                    WHERE ${windows} AND ${offeredFirst} AND ${nameMatch(f)} ORDER BY w.artist_id ${limited}`),
    fallback: grouped(firstOffered(f)),
    count,
  }
}

/** A parsed search, with its cross-field rules checked. */
export function parseSearch(filter: unknown): AvailabilitySearchFilter {
  const f = parseInput(AvailabilitySearch, filter)
  const issues: FieldIssue[] = []
  if (f.to < f.from) issues.push({ field: 'to', message: 'to must not be before from' })
  else if (spanDays(f.from, f.to) > MAX_SEARCH_DAYS) issues.push({ field: 'to', message: `a search spans at most ${MAX_SEARCH_DAYS} days` })
  issues.push(...budgetIssues(f))
  if (issues.length) throw validationError(issues)
  return f
}

/** A window's country is directory data: shown to directory readers. */
const WindowWithCountry = { include: { country: true } } satisfies Selection

/** A window within WindowWithCountry as PostgreSQL builds it: the record Prisma answers (test/availability-views.test.ts). */
const windowJson = jsonView<Prisma.AvailabilityGetPayload<typeof WindowWithCountry>>(
  'artist_availabilities',
  'Availability',
  WindowWithCountry.include,
  { country: locationJson.country },
)

/** A window as both faces show it to the caller (REST includes; GraphQL guards `country` with the same rule). */
export async function windowView(ctx: RequestContext): Promise<Selection> {
  return (await ctx.may('directory.read')) ? WindowWithCountry : {}
}

/**
 * A search hit as both faces show it to the caller: the artist as the directory shows it to directory
 * readers, else its card (its own fields: who); and the windows that matched (when).
 */
export async function searchHitView(ctx: RequestContext): Promise<{ artist: Selection; window: Selection }> {
  return (await ctx.may('directory.read')) ? { artist: { include: ArtistView }, window: WindowWithCountry } : { artist: {}, window: {} }
}

/** A day of the period an active hold takes, with the hold's rank (1 first) and times. */
export interface HeldDay {
  on: string
  rank: number
  createdAt: Date
  updatedAt: Date
}

/** The UTC days [startsAt, endsAt) touches within [from, to], as the database's artists_booking_days counts them. */
function daysWithin(startsAt: Date, endsAt: Date, from: string, to: string): string[] {
  const days: string[] = []
  const last = formatDay(today(new Date(endsAt.getTime() - 1)))
  for (let d = maxDay(today(startsAt), dayOf(from)); formatDay(d) <= last && formatDay(d) <= to; d = addDays(d, 1)) days.push(formatDay(d))
  return days
}

type BusyRow = { artistId: string; startsAt: Date; endsAt: Date; hold: boolean } & Pick<
  BookingHold,
  'status' | 'priority' | 'expiresAt' | 'challengeDeadline' | 'createdAt' | 'updatedAt'
>
const BUSY_INSTANTS = ['startsAt', 'endsAt', 'expiresAt', 'challengeDeadline', 'createdAt', 'updatedAt'] as const

/** A busy row as json_agg built it: its instants revived as Dates (in place). */
function reviveBusy(row: JsonRecord): BusyRow {
  for (const name of BUSY_INSTANTS) if (typeof row[name] === 'string') row[name] = new Date(row[name])
  return row as unknown as BusyRow
}

/** The instants [from, to) of a search's period: the busy rows touching them are its busy days' rows. */
const busyPeriod = (f: AvailabilitySearchFilter) => [dayOf(f.from), addDays(dayOf(f.to), 1)] as const

/**
 * The confirmed bookings (by artist and start) and the active holds (by artist, status and start) touching
 * the instants [from, to) of the artists `ofArtists` (a condition on `artist_id`) selects: one statement for both
 * kinds. The values may be stand-ins (hitTemplate's).
 */
function busyRows(from: unknown, to: unknown, ofArtists: Prisma.Sql, now: unknown) {
  return sql`
    SELECT artist_id AS "artistId", starts_at AS "startsAt", ends_at AS "endsAt", false AS hold, NULL AS status, NULL::int AS priority,
           NULL::timestamptz AS "expiresAt", NULL::timestamptz AS "challengeDeadline", NULL::timestamptz AS "createdAt", NULL::timestamptz AS "updatedAt"
    FROM bookings WHERE ${ofArtists} AND status = 'confirmed' AND starts_at < ${to} AND ends_at > ${from}
    UNION ALL
    SELECT artist_id, starts_at, ends_at, true, status::text, priority, expires_at, challenge_deadline, created_at, updated_at
    FROM booking_holds WHERE ${ofArtists} AND status = 'active' AND starts_at < ${to} AND ends_at > ${from} AND expires_at > ${now}`
}

/**
 * What the hits' calendars hold in the period, from their busy rows: the days booked (never offered) and the
 * days held by an active hold (still offered: a hold may lapse), as the pipeline reads them now.
 */
function busyDays(rows: BusyRow[], f: AvailabilitySearchFilter, now: Date) {
  const busy = new Map<string, { bookedOn: Set<string>; heldOn: HeldDay[] }>()
  const of = (artistId: string) => busy.get(artistId) ?? busy.set(artistId, { bookedOn: new Set(), heldOn: [] }).get(artistId)!
  for (const b of rows.filter((r) => !r.hold))
    for (const on of daysWithin(b.startsAt, b.endsAt, f.from, f.to)) of(b.artistId).bookedOn.add(on)
  for (const h of rows.filter((r) => r.hold && effectiveHoldStatus(r, now) === 'active'))
    for (const on of daysWithin(h.startsAt, h.endsAt, f.from, f.to))
      of(h.artistId).heldOn.push({ on, rank: h.priority, createdAt: h.createdAt, updatedAt: h.updatedAt })
  return (artistId: string) => {
    const b = busy.get(artistId)
    return {
      bookedOn: [...(b?.bookedOn ?? [])].sort(),
      heldOn: (b?.heldOn ?? []).sort((x, y) => x.on.localeCompare(y.on) || x.rank - y.rank),
    }
  }
}

/** A search hit: the artist (as the view shows it) with the windows that matched and its busy days. */
export type SearchHit = Artist & { matchingAvailability: Availability[]; bookedOn: string[]; heldOn: HeldDay[] }

interface HitShape {
  f: AvailabilitySearchFilter
  query: Selection
  windowQuery: Selection
  now: Date
}

/** A row of a page statement: an artist id with its matching windows, the total and whether the country is known. */
interface PageRow {
  id: string
  total: number | null
  windows: string[]
  country_known: boolean
}

/**
 * The hits of a page's rows, in their order. Read after the page, in a snapshot of their own (as Prisma's
 * hydration always was): a window changed in between shows as it is now.
 */
type Hydrate<T> = (ctx: RequestContext, rows: PageRow[], shape: HitShape) => Promise<T[]>

const hitOf = (artist: Artist, matchingAvailability: Availability[], busy: { bookedOn: string[]; heldOn: HeldDay[] }): SearchHit =>
  readAs('availability.read', { ...artist, matchingAvailability, ...busy })

/** The matching windows of a hit as JSON in a window shape, one per shape (the view's shapes are built once too). */
const hitWindows = new WeakMap<JsonShape, JsonShape>()

/** A hit's artist and windows as JSON: the view's shapes (src/db/record-json.ts). */
function hitJson({ query, windowQuery }: HitShape) {
  const window = windowJson.item(windowQuery)
  let windows = hitWindows.get(window)
  if (!windows) {
    windows = jsonArray(window, 'FROM artist_availabilities x WHERE x.id = ANY(hit.windows)', 'x.starts_on')
    hitWindows.set(window, windows)
  }
  return { artist: artistView.item(query), windows }
}

interface HitRow {
  id: string
  artist: string
  windows: string
  /** The artist's busy rows (busyRows), null when none. */
  busy: string | null
  /** With cards (REST): whether the statement rendered the artist (no card of its current version: artist-cards.ts), and that version. */
  built?: boolean
  version?: bigint
}

/**
 * The hits of a page's rows, the JSON built by PostgreSQL: a row per hit, in the page's order, with the
 * artist as the view shows it, its matching windows in date order and its busy rows; as Prisma's records
 * (`sql`) or in the REST encoding (`restSql`). Prepared (sql.ts's default), where most pages run unnamed: its
 * text is fixed per view and encoding (the page's rows are a parameter), and probing the page's ids is the
 * right plan for any page, so PostgreSQL parses and plans it once per connection; in the page's statement
 * the hydration's subqueries were planned again on every search.
 */
async function hitRows(ctx: RequestContext, rows: PageRow[], shape: HitShape, encoding: Encoding) {
  const { artist, windows } = hitJson(shape)
  const template = hitTemplate(artist, windows, encoding)
  const [from, to] = busyPeriod(shape.f)
  const values: Record<HitParameter, unknown> = {
    page: JSON.stringify(rows.map(({ id, windows }) => ({ id, windows }))),
    from,
    to,
    now: shape.now,
  }
  const hits = await sqlOf(ctx.db).$queryRaw<HitRow[]>(
    withValues(
      template.statement,
      template.parameters.map((name) => values[name]),
    ),
  )
  if (template.cards)
    await keepCards(
      ctx,
      template.cards,
      hits.flatMap((h) => (h.built && h.version !== undefined ? [{ id: h.id, version: h.version, artist: h.artist }] : [])),
    )
  return hits
}

type HitParameter = 'page' | 'from' | 'to' | 'now'

/**
 * The hits statement of a view's shapes and an encoding, built once: its text (tens of kB) is the same for every
 * search, only its values change. Each value's place is told by a stand-in for it.
 */
const hitTemplates = new WeakMap<JsonShape, WeakMap<JsonShape, Partial<Record<Encoding, HitTemplate>>>>()

interface HitTemplate {
  statement: Prisma.Sql
  parameters: HitParameter[]
  /** The shape of the artist cards it serves and renders (REST's: artist-cards.ts), none for Prisma's records. */
  cards?: string
}

function hitTemplate(artist: JsonShape, windows: JsonShape, encoding: Encoding): HitTemplate {
  let ofArtist = hitTemplates.get(artist)
  if (!ofArtist) hitTemplates.set(artist, (ofArtist = new WeakMap()))
  let templates = ofArtist.get(windows)
  if (!templates) ofArtist.set(windows, (templates = {}))
  let template = templates[encoding]
  if (!template) {
    const stand = { page: {}, from: {}, to: {}, now: {} } satisfies Record<HitParameter, object>
    // REST's hits serve the artists from their cards and render only the others (artist-cards.ts): the relations' CTEs
    // read for those alone. Prisma's records (GraphQL) are revived from JSON whose shape follows the selection: rendered
    // every time, so that the cards stay few (one per artist and REST view).
    const cards = encoding === 'restSql'
    // The artists' relations read once for the page (record-json.ts's joined): a subquery per hit and relation
    // cost more than the rows it read (measured: the statement's backend CPU −12% at 20 hits, README's thirteenth pass).
    const rendering = cards ? 'todo' : 'hit'
    const joined = artist.joined!(encoding, `${rendering} JOIN artists x ON x.id = ${rendering}.id`)
    const shape = cards ? cardShape(joined) : undefined
    const page = sql`WITH hit AS (SELECT * FROM ROWS FROM (jsonb_to_recordset(${stand.page}::jsonb) AS (id uuid, windows uuid[])) WITH ORDINALITY AS hit(id, windows, n))`
    // The page's busy rows in one read, grouped by artist: a subquery per hit and kind cost more than its rows (−0.15 ms).
    const busy = sql`busy AS (SELECT b."artistId" AS k, json_agg(b)::text AS j
                              FROM (${busyRows(stand.from, stand.to, sql`artist_id IN (SELECT hit.id FROM hit)`, stand.now)}) b GROUP BY b."artistId")`
    // With cards, the artists left to render are rendered apart (`rendered`), so that a page served from its cards runs
    // none of the relations' joins (their executor nodes cost as much as the JSON they build: README's fifteenth pass).
    // A hit whose artist is gone (deleted after the page was read) has neither a card nor a rendering: it is dropped,
    // as the join on artists drops it without cards.
    const statement = shape
      ? sql`
    ${page},
    ${Prisma.raw([cardCtes(shape), ...joined.with].join(',\n    '))},
    ${busy},
    rendered AS MATERIALIZED (SELECT x.id, (${Prisma.raw(joined.sql)})::text AS artist FROM todo JOIN artists x ON x.id = todo.id ${Prisma.raw(joined.joins)})
    SELECT hit.id, coalesce(card.text, rendered.artist) AS artist, rendered.id IS NOT NULL AS built, card.version,
           ${Prisma.raw(windows[encoding])}::text AS windows, busy.j AS busy
    FROM hit JOIN card ON card.id = hit.id LEFT JOIN rendered ON rendered.id = hit.id LEFT JOIN busy ON busy.k = hit.id
    WHERE card.text IS NOT NULL OR rendered.id IS NOT NULL
    ORDER BY hit.n`
      : sql`
    ${page}${Prisma.raw(joined.with.map((w) => `,\n    ${w}`).join(''))},
    ${busy}
    SELECT hit.id, ${Prisma.raw(joined.sql)}::text AS artist, ${Prisma.raw(windows[encoding])}::text AS windows, busy.j AS busy
    FROM hit JOIN artists x ON x.id = hit.id ${Prisma.raw(joined.joins)} LEFT JOIN busy ON busy.k = hit.id
    ORDER BY hit.n`
    const names = new Map(Object.entries(stand).map(([name, value]) => [value, name as HitParameter]))
    template = { statement, parameters: statement.values.map((value) => names.get(value as object)!), ...(shape && { cards: shape }) }
    templates[encoding] = template
  }
  return template
}

/**
 * The search's statements run on the pool unnamed, unless the page's plan is its shape's (`fixedPlan`: the genre's
 * walk in name order, 40 texts), which runs prepared. The others' plans depend on the filters' values (a selective
 * filter reads the period's windows, a broad one walks the artist index), which a prepared statement's generic plan
 * may fix after five runs, and their texts vary with the filters (about 300 pages and counts), more than sql.ts names:
 * prepared, the bench's six pages took their generic plan for four of them, and France by soonest then spent 68 ms
 * where its own plan takes 3.6. Prepared, Spain/techno's walk spent 4.5 ms of backend CPU where unnamed, parsed and
 * planned on every run, it spent 6.3 (README, twentieth pass).
 */
const searchSql = (ctx: RequestContext, { fixedPlan = false }: { fixedPlan?: boolean } = {}) => sqlOf(ctx.db, { prepared: fixedPlan })

/** A hit's booked and held days, from its busy rows. */
const busyOf = (row: HitRow, { f, now }: HitShape) =>
  busyDays(row.busy ? (JSON.parse(row.busy) as JsonRecord[]).map(reviveBusy) : [], f, now)(row.id)

/** The hits as Prisma's records (src/db/record-json.ts, test/availability-views.test.ts). */
const jsonHits: Hydrate<SearchHit> = async (ctx, rows, shape) => {
  const { artist, windows } = hitJson(shape)
  return (await hitRows(ctx, rows, shape, 'sql')).map((r) =>
    hitOf(artist.revive(JSON.parse(r.artist)) as Artist, windows.revive(JSON.parse(r.windows)) as Availability[], busyOf(r, shape)),
  )
}

/**
 * The hits as the REST face sends them, PostgreSQL's text kept as it is: the artist, then
 * `matchingAvailability`, `bookedOn` and `heldOn` (the busy days are computed here, by the pipeline's
 * rules, on both paths). test/availability-views.test.ts holds it to the records path's answer.
 */
const restHits: Hydrate<string> = async (ctx, rows, shape) =>
  (await hitRows(ctx, rows, shape, 'restSql')).map((r) => {
    const { bookedOn, heldOn } = busyOf(r, shape)
    return `${r.artist.slice(0, -1)},"matchingAvailability":${r.windows},"bookedOn":${toJson(bookedOn)},"heldOn":${toJson(heldOn)}}`
  })

/** The hits through Prisma (a GraphQL selection beyond the view): one statement per kind. */
const prismaHits: Hydrate<SearchHit> = async (ctx, rows, { f, query, windowQuery, now }) => {
  const ids = rows.map((r) => r.id)
  const [artists, windows, busyRowsOfPage] = await Promise.all([
    ctx.db.artist.findMany({ relationLoadStrategy: 'join', ...query, where: { id: { in: ids } } }),
    ctx.db.availability.findMany({
      relationLoadStrategy: 'join',
      ...windowQuery,
      where: { id: { in: rows.flatMap((r) => r.windows) } },
      orderBy: { startsOn: 'asc' },
    }),
    searchSql(ctx).$queryRaw<BusyRow[]>(busyRows(...busyPeriod(f), sql`artist_id = ANY(${ids}::uuid[])`, now)),
  ])
  const busy = busyDays(busyRowsOfPage, f, now)
  const byId = new Map(artists.map((a) => [a.id, a]))
  return rows.flatMap((r) => {
    const artist = byId.get(r.id)
    return artist
      ? [
          hitOf(
            artist,
            windows.filter((w) => w.artistId === r.id),
            busy(r.id),
          ),
        ]
      : []
  })
}

export const availability = {
  async ofArtist(ctx: RequestContext, artistId: string, filter: unknown, query: Selection = {}) {
    const f = parseInput(AvailabilityFilter, filter)
    if (!(await ctx.db.artist.findUnique({ where: { id: artistId }, select: { id: true } }))) throw notFound('artist', artistId)
    return ctx.db.availability.findMany({ ...query, where: { artistId, ...windowsWhere(f) }, orderBy: { startsOn: 'asc' } })
  },

  async publish(ctx: RequestContext, artistId: string, input: unknown, query: Selection = {}) {
    const { countryCode, startsOn, endsOn, ...data } = parseInput(AvailabilityInput, input)
    const sent = new Set(Object.keys(input as object))
    assertWindow({ startsOn, endsOn, ...data }, sent)
    const { agencyId } = await ctx.agencyActor()
    if (!(await ctx.db.artist.findUnique({ where: { id: artistId }, select: { id: true } }))) throw notFound('artist', artistId)
    const countryId = countryCode ? await countryIdOf(ctx, countryCode) : null
    return withoutOverlap(ctx, (writing) =>
      lockedWindows(ctx, agencyId, artistId, async (tx) => {
        // The booking agency (role `agency`) takes the bookings, so it alone says when the artist is free.
        const representation = await representedUntil(tx, agencyId, artistId, 'agency')
        if (!representation) throw forbidden('only the agency that books the artist publishes its availability', 'not_representing')
        assertRepresentedThrough(representation.lastDay, endsOn, sent)
        const window = writing({ artistId, startsOn: dayOf(startsOn), endsOn: dayOf(endsOn) })
        const id = randomUUID()
        const created = await tx.availability.create({ ...query, data: { ...data, ...window, id, agencyId, countryId } })
        await recordWindowEvent(tx, 'published', id)
        return created
      }),
    )
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const { countryCode, startsOn, endsOn, ...data } = parseInput(UpdateAvailabilityInput, input)
    const sent = new Set(Object.keys(input as object))
    const { agencyId } = await ctx.agencyActor()
    const { artistId } = found(
      await ctx.db.availability.findUnique({ where: { id }, select: { artistId: true } }),
      'availability window',
      id,
    )
    const countryId = countryCode === undefined ? undefined : countryCode === null ? null : await countryIdOf(ctx, countryCode)
    return withoutOverlap(ctx, (writing) =>
      lockedWindows(ctx, agencyId, artistId, async (tx) => {
        // Read again under the lock: the end of a representation may have cut or removed the window meanwhile.
        const { window: current, lastDay } = await publishedWindow(tx, agencyId, id)
        const kept = <T>(value: T | undefined, stored: T) => (value === undefined ? stored : value)
        const next = {
          startsOn: startsOn ?? formatDay(current.startsOn),
          endsOn: endsOn ?? formatDay(current.endsOn),
          feeMin: kept<number | bigint | null>(data.feeMin, current.feeMin),
          feeMax: kept<number | bigint | null>(data.feeMax, current.feeMax),
          currency: kept(data.currency, current.currency),
        }
        assertWindow(next, sent)
        if (startsOn !== undefined || endsOn !== undefined) assertRepresentedThrough(lastDay, next.endsOn, sent)
        const window = writing({ id, artistId, startsOn: dayOf(next.startsOn), endsOn: dayOf(next.endsOn) })
        const updated = await tx.availability.update({
          ...query,
          where: { id },
          data: { ...data, countryId, startsOn: window.startsOn, endsOn: window.endsOn },
        })
        await recordWindowEvent(tx, 'changed', id)
        return updated
      }),
    )
  },

  async remove(ctx: RequestContext, id: string, query: Selection = {}) {
    const { agencyId } = await ctx.agencyActor()
    const { window } = await publishedWindow(ctx.db, agencyId, id)
    return lockedWindows(ctx, agencyId, window.artistId, async (tx) => {
      // Read again under the lock, as an update does.
      await publishedWindow(tx, agencyId, id)
      await recordWindowEvent(tx, 'deleted', id)
      return tx.availability.delete({ ...query, where: { id } })
    })
  },

  /**
   * Artists with a matching window in the period, each with the windows that matched and the days of the
   * period booked or held, in the asked order (ties by artist id). `query` shapes the artists, `windowQuery`
   * their windows.
   */
  search(
    ctx: RequestContext,
    filter: unknown,
    page: Page,
    query: Selection = {},
    windowQuery: Selection = {},
  ): Promise<Listing<SearchHit>> {
    // Within the REST view (a GraphQL selection asking nothing more), the page's hits are one statement.
    const hits = artistView.serves(query) && windowJson.serves(windowQuery) ? jsonHits : prismaHits
    return searched(ctx, filter, page, hits, query, windowQuery)
  },

  /**
   * The search as REST answers it, in `view` (searchHitView): the page's hits as one JSON text, PostgreSQL's
   * (src/rest/json.ts JsonFragment), with the same hits as `search`.
   */
  async restSearch(ctx: RequestContext, filter: unknown, page: Page, view: { artist: Selection; window: Selection }) {
    const { items, total } = await searched(ctx, filter, page, restHits, view.artist, view.window)
    return { items: new JsonFragment(`[${items.join(',')}]`), total }
  },
}

/**
 * The search's statements run: the page, its fallback when it came back short (the soonest order's, a genre's walk's),
 * the hits of the page's rows, the count past the end.
 */
async function searched<T>(
  ctx: RequestContext,
  filter: unknown,
  page: Page,
  hydrate: Hydrate<T>,
  query: Selection,
  windowQuery: Selection,
): Promise<Listing<T>> {
  const f = parseSearch(filter)
  const statements = searchStatements(f, f.countryCode ? countryIdSql(f.countryCode) : null, page)
  let rows = await searchSql(ctx, { fixedPlan: statements.fixedPlan }).$queryRaw<PageRow[]>(statements.page)
  if (statements.fallback && rows.length < page.limit) rows = await searchSql(ctx).$queryRaw<PageRow[]>(statements.fallback)
  // An unknown country is the caller's error (400), whether windows open to anywhere matched or nothing did;
  // asked apart only when no row said the country is known (an empty page).
  if (f.countryCode && !rows[0]?.country_known) await countryIdOf(ctx, f.countryCode)
  const items = rows.length ? await hydrate(ctx, rows, { f, query, windowQuery, now: ctx.clock.now() }) : []
  const carried = rows[0]?.total
  return {
    items,
    // count(*) answers one row.
    total: async () => carried ?? (await searchSql(ctx).$queryRaw<{ total: number }[]>(statements.count))[0]?.total ?? 0,
  }
}
