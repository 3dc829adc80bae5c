// Read models of a company's work: its dashboard, its activity feed and its tasks, for its side of the
// booking pipeline. Live counts (what lapses with the clock) come from the pipeline's own tables through
// partial indexes and the pipeline's expiry predicates (booking/live.ts); confirmed and cancelled totals come
// from roll-ups the database keeps in the transaction of the change (booking_rollups_follow).
import { linkInForceSql } from '../../access/ownership.ts'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { today } from '../../dates.ts'
import { invalidInput } from '../../errors.ts'
import { Prisma } from '../../generated/prisma/client.ts'
import { money, type Money } from '../../money.ts'
import { parseInput } from '../../validation.ts'
import { liveHold, liveOffer, liveRequest } from '../booking/live.ts'
import { partyOf, type Party } from '../booking/parties.ts'
import { FEED_READ_RULES, type Aggregate } from '../outbox/catalog.ts'

const sql = Prisma.sql
const HOUR = 3_600_000
/** "Expiring soon": an answer-by time, hold period or challenge deadline within this window. */
const SOON_MS = 48 * HOUR
const TOP = 5
const UPCOMING = 5

/**
 * The artists on the agency's roster today: in any role (represents or manages them: part of what it sees),
 * or only as their booking agency (`role: 'agency'`: the pipelines it acts on).
 */
const rosterToday = (agencyId: string, now: Date, role?: 'agency') =>
  sql`ARRAY(SELECT l.artist_id FROM artists_roster_links l
            WHERE l.agency_id = ${agencyId}::uuid ${role ? sql`AND l.role = 'agency'` : sql``}
              AND ${linkInForceSql(today(now))})`
const sideArtists = (agencyId: string, now: Date) => rosterToday(agencyId, now)
const representedArtists = (agencyId: string, now: Date) => rosterToday(agencyId, now, 'agency')

/**
 * The artists on the company's side today that another agency has handled a request, booking or contract of
 * (artist_handlers): the only ones with items, counts, contracts, roll-ups or shows under another agency.
 * The rest of its artists' rows are its own, read by its own ranges.
 */
const sharedArtists = (agencyId: string, now: Date) =>
  sql`ARRAY(SELECT DISTINCT h.artist_id FROM artist_handlers h
            WHERE h.artist_id = ANY(${sideArtists(agencyId, now)}) AND h.agency_id <> ${agencyId}::uuid)`

/** Pipelines the party acts on (`actsFor`): the promoter's own, the agency's represented artists'. */
const actedOnBy = (party: Party, now: Date, r = sql`r`) =>
  party.side === 'promoter'
    ? sql`${r}.promoter_org_id = ${party.orgId}::uuid`
    : sql`${r}.artist_id = ANY(${representedArtists(party.agencyId, now)})`

/**
 * The pending contracts (alias `c`) the party sees, with whose signature each waits for (`awaiting_agency`,
 * `awaiting_promoter`: the sides of its blocking signers, kept by the database, contracts_awaiting_follow).
 * An agency's two halves are disjoint ranges: those it handled, those of its artists another agency handled.
 */
function pendingContractsSeenBy(party: Party, artists: Prisma.Sql) {
  const pending = (where: Prisma.Sql) =>
    sql`SELECT c.awaiting_agency, c.awaiting_promoter FROM contracts c WHERE c.status IN ('sent', 'partially_signed') AND ${where}`
  return party.side === 'promoter'
    ? pending(sql`c.promoter_org_id = ${party.orgId}::uuid`)
    : sql`${pending(sql`c.agency_id = ${party.agencyId}::uuid`)} UNION ALL
          ${pending(sql`c.artist_id = ANY(${artists}) AND c.agency_id IS DISTINCT FROM ${party.agencyId}::uuid`)}`
}

/** The contracts column saying a contract waits for this side's signature. */
const awaiting = (side: Party['side']) => (side === 'agency' ? sql`awaiting_agency` : sql`awaiting_promoter`)
const otherSide = (side: Party['side']): Party['side'] => (side === 'agency' ? 'promoter' : 'agency')

const contractCounts = (party: Party) => sql`
      (SELECT count(*) FROM con WHERE ${awaiting(party.side)})::int AS contracts_ours,
      (SELECT count(*) FROM con WHERE ${awaiting(otherSide(party.side))})::int AS contracts_theirs`

/**
 * The live requests the party sees (id, status, starts_at, expires_at): index-only ranges of the live partial
 * indexes.
 */
const liveRequestsOf = (promoterOrgId: string, now: Date) =>
  sql`SELECT r.id, r.status, r.starts_at, r.expires_at FROM booking_requests r
      WHERE r.promoter_org_id = ${promoterOrgId}::uuid AND ${liveRequest(now)}`

/**
 * The live pipeline: one statement of counts, every one of them right at `now`. `shared`: the agency's
 * artists another agency has handled (sharedArtists).
 */
function pipelineStatement(party: Party, now: Date, shared: Prisma.Sql) {
  return party.side === 'promoter' ? promoterPipeline(party, now) : agencyPipeline(party, now, shared)
}

/** A promoter's pipeline is small (what it asked for): read from the pipeline's tables with their expiry predicates. */
function promoterPipeline(party: Extract<Party, { side: 'promoter' }>, now: Date) {
  const soon = new Date(now.getTime() + SOON_MS)
  return sql`
    WITH req AS MATERIALIZED (${liveRequestsOf(party.orgId, now)}), off AS (
      SELECT o.made_by, least(coalesce(o.expires_at, 'infinity'), coalesce(req.expires_at, 'infinity'), req.starts_at) AS due
      FROM req JOIN booking_offers o ON o.request_id = req.id AND ${liveOffer(now)} WHERE req.status = 'negotiating'
    ), hol AS (
      SELECT h.priority, h.expires_at, h.challenge_deadline
      FROM req JOIN booking_holds h ON h.request_id = req.id AND ${liveHold(now)} WHERE req.status = 'held'
    ), con AS (${pendingContractsSeenBy(party, sql`NULL::uuid[]`)})
    SELECT
      (SELECT count(*) FROM req WHERE status = 'open')::int AS requests_awaiting,
      (SELECT count(*) FROM req WHERE status = 'open' AND least(coalesce(expires_at, 'infinity'), starts_at) <= ${soon})::int AS requests_soon,
      (SELECT count(*) FROM off WHERE made_by <> ${party.side}::"BookingSide")::int AS offers_awaiting_us,
      (SELECT count(*) FROM off WHERE made_by = ${party.side}::"BookingSide")::int AS offers_awaiting_them,
      (SELECT count(*) FROM off WHERE due <= ${soon})::int AS offers_soon,
      (SELECT coalesce(json_agg(json_build_object('rank', rank, 'count', n) ORDER BY rank), '[]')
         FROM (SELECT least(priority, 3) AS rank, count(*)::int AS n FROM hol GROUP BY 1) x) AS holds_by_rank,
      (SELECT count(*) FROM hol WHERE challenge_deadline IS NOT NULL)::int AS holds_challenged,
      (SELECT count(*) FROM hol WHERE least(expires_at, coalesce(challenge_deadline, 'infinity')) <= ${soon})::int AS holds_soon,
      ${contractCounts(party)}`
}

/** Midnight UTC of `at`'s day, `offset` days on. */
const dayStart = (at: Date, offset = 0) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + offset))

/**
 * An agency's pipeline (thousands of live objects) is counted, not read. The database keeps one item per live
 * object with the time it lapses (pipeline_live_items, written in the transaction of every change) and their
 * counts per UTC day of that time (pipeline_agency_counts, pipeline_artist_counts, settled at commit). Live at
 * `now` means due after `now`: the days after today are summed from the counts (nothing in them has lapsed
 * yet), today's items are counted one by one past `now`, and so are those of the day "expiring soon" ends in,
 * up to its end. Exact at the moment of reading, with no pass that writes lapses. An agency's two halves are
 * disjoint: what it handles (its counts), and what another agency handles for its artists (the counts under
 * any other agency of `artists`, those of its artists another agency has handled).
 */
function agencyPipeline(party: Extract<Party, { side: 'agency' }>, now: Date, artists: Prisma.Sql) {
  const soon = new Date(now.getTime() + SOON_MS)
  const [today, tomorrow, soonDay] = [dayStart(now), dayStart(now, 1), dayStart(soon)]
  const agency = sql`${party.agencyId}::uuid`
  const counted = (table: Prisma.Sql, where: Prisma.Sql) =>
    sql`SELECT c.kind, c.day, c.count FROM ${table} c WHERE ${where} AND c.day > ${today}::date`
  const ownItems = sql`
    SELECT i.kind, i.due_at FROM pipeline_live_items i WHERE i.agency_id = ${agency} AND i.due_at > ${now} AND i.due_at < ${tomorrow}
    UNION ALL
    SELECT i.kind, i.due_at FROM pipeline_live_items i WHERE i.agency_id = ${agency} AND i.due_at >= ${soonDay} AND i.due_at <= ${soon}`
  // Another agency's items for the artists: one range per artist from now to "soon", the day between skipped in
  // the index's tuples. Two ranges probed each of 200 artists twice (~600 index pages more); the agency's own
  // items of that day, read and skipped instead, are a few leaf pages.
  const othersItems = sql`SELECT i.kind, i.due_at FROM pipeline_live_items i
    WHERE i.artist_id = ANY(${artists}) AND i.agency_id <> ${agency} AND i.due_at > ${now} AND i.due_at <= ${soon}
      AND (i.due_at < ${tomorrow} OR i.due_at >= ${soonDay})`
  const sum = (where: Prisma.Sql, of: 'n' | 'soon' = 'n') =>
    sql`(SELECT coalesce(sum(${of === 'n' ? sql`n` : sql`soon`}), 0) FROM k WHERE ${where})::int`
  return sql`
    WITH counted AS (
      ${counted(sql`pipeline_agency_counts`, sql`c.agency_id = ${agency}`)}
      UNION ALL ${counted(sql`pipeline_artist_counts`, sql`c.artist_id = ANY(${artists}) AND c.agency_id < ${agency}`)}
      UNION ALL ${counted(sql`pipeline_artist_counts`, sql`c.artist_id = ANY(${artists}) AND c.agency_id > ${agency}`)}
    ), read AS (
      ${ownItems}
      UNION ALL ${othersItems}
    ), k AS (
      SELECT kind, sum(n) AS n, sum(soon) AS soon FROM (
        SELECT kind, sum(count) AS n, coalesce(sum(count) FILTER (WHERE day < ${soonDay}::date), 0) AS soon FROM counted GROUP BY kind
        UNION ALL
        SELECT kind, count(*) FILTER (WHERE due_at < ${tomorrow}), count(*) FROM read GROUP BY kind) x
      GROUP BY kind
    ), con AS (${pendingContractsSeenBy(party, artists)})
    SELECT
      ${sum(sql`kind = 'request'`)} AS requests_awaiting,
      ${sum(sql`kind = 'request'`, 'soon')} AS requests_soon,
      ${sum(sql`kind = 'offer_by_promoter'`)} AS offers_awaiting_us,
      ${sum(sql`kind = 'offer_by_agency'`)} AS offers_awaiting_them,
      ${sum(sql`kind LIKE 'offer_by_%'`, 'soon')} AS offers_soon,
      (SELECT coalesce(json_agg(json_build_object('rank', rank, 'count', n) ORDER BY rank), '[]') FROM (
         SELECT substr(kind, 6, 1)::int AS rank, sum(n)::int AS n FROM k WHERE kind LIKE 'hold_%' GROUP BY 1 HAVING sum(n) > 0) x) AS holds_by_rank,
      ${sum(sql`kind LIKE 'hold_%_challenged'`)} AS holds_challenged,
      ${sum(sql`kind LIKE 'hold_%'`, 'soon')} AS holds_soon,
      ${contractCounts(party)}`
}

/** First day of the month `offset` months from now's month (UTC). */
const monthStart = (now: Date, offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1))

/**
 * Roll-up rows of what the party sees, as two disjoint halves: its own (`party`: its months, summed over its
 * artists, and its artists, summed over months), and, for an agency, the per-artist months another party
 * handled for the artists on its side today (`others`, ranges either side of its own id, for `shared`: those of
 * its artists another agency has handled).
 */
function rollupsSeenBy(party: Party, shared: Prisma.Sql) {
  const [side, id] = party.side === 'promoter' ? [sql`'promoter'`, party.orgId] : [sql`'agency'`, party.agencyId]
  const of = sql`side = ${side}::"BookingSide" AND party_id = ${id}::uuid`
  const others =
    party.side === 'promoter'
      ? sql`SELECT m.* FROM booking_month_rollups m WHERE false`
      : sql`SELECT m.* FROM booking_month_rollups m WHERE m.side = 'agency' AND m.artist_id = ANY(${shared})
              AND m.party_id < ${id}::uuid
            UNION ALL
            SELECT m.* FROM booking_month_rollups m WHERE m.side = 'agency' AND m.artist_id = ANY(${shared})
              AND m.party_id > ${id}::uuid`
  const columns = sql`month, currency, confirmed_count, confirmed_fee, cancelled_count, cancelled_fee`
  return {
    others,
    months: sql`SELECT ${columns} FROM booking_party_month_rollups WHERE ${of} UNION ALL SELECT ${columns} FROM others`,
    artists: sql`SELECT artist_id, confirmed_count, cancelled_count FROM booking_party_artist_rollups WHERE ${of}
                 UNION ALL SELECT artist_id, confirmed_count, cancelled_count FROM others`,
  }
}

/** Confirmed and cancelled bookings by show month and currency (from 11 months back, and every month ahead), and the tops. */
function totalsStatement(party: Party, now: Date, shared: Prisma.Sql) {
  const counterparts =
    party.side === 'promoter'
      ? sql`SELECT p.agency_id AS id, a.name, p.confirmed_count, p.cancelled_count FROM booking_pair_rollups p
            JOIN artists_companies a ON a.id = p.agency_id WHERE p.promoter_org_id = ${party.orgId}::uuid`
      : sql`SELECT p.promoter_org_id AS id, NULL::text AS name, p.confirmed_count, p.cancelled_count FROM booking_pair_rollups p
            WHERE p.agency_id = ${party.agencyId}::uuid`
  const seen = rollupsSeenBy(party, shared)
  return sql`
    WITH others AS MATERIALIZED (${seen.others})
    SELECT
      (SELECT coalesce(json_agg(x ORDER BY x.month, x.currency), '[]') FROM (
         SELECT to_char(month, 'YYYY-MM') AS month, currency, sum(confirmed_count)::int AS confirmed_count, sum(confirmed_fee)::text AS confirmed_fee,
                sum(cancelled_count)::int AS cancelled_count, sum(cancelled_fee)::text AS cancelled_fee
         FROM (${seen.months}) m WHERE month >= ${monthStart(now, -11)}::date GROUP BY month, currency) x) AS months,
      (SELECT coalesce(json_agg(x ORDER BY x.confirmed_count DESC, x.id), '[]') FROM (
         SELECT t.artist_id AS id, ar.name, t.confirmed_count, t.cancelled_count FROM (
           SELECT artist_id, sum(confirmed_count)::int AS confirmed_count, sum(cancelled_count)::int AS cancelled_count
           FROM (${seen.artists}) m GROUP BY artist_id ORDER BY 2 DESC, artist_id LIMIT ${TOP}::int) t JOIN artists ar ON ar.id = t.artist_id) x) AS top_artists,
      (SELECT coalesce(json_agg(x ORDER BY x.confirmed_count DESC, x.id), '[]') FROM (
         ${counterparts} ORDER BY p.confirmed_count DESC, 1 LIMIT ${TOP}::int) x) AS top_counterparts`
}

/**
 * The next confirmed shows, and (promoter) its shortlists. An agency's: those it handles, and the next of each
 * of its artists another agency has handled (`shared`; the others' shows are all its own).
 */
function upcomingStatement(party: Party, now: Date, userId: string, shared: Prisma.Sql) {
  const next = (where: Prisma.Sql) =>
    sql`SELECT b.id, b.artist_id, b.starts_at FROM bookings b WHERE ${where} AND b.status = 'confirmed' AND b.starts_at > ${now} ORDER BY b.starts_at LIMIT ${UPCOMING}::int`
  const shows =
    party.side === 'promoter'
      ? next(sql`b.promoter_org_id = ${party.orgId}::uuid`)
      : sql`(${next(sql`b.agency_id = ${party.agencyId}::uuid`)}) UNION
            (SELECT b.* FROM unnest(${shared}) a(id) CROSS JOIN LATERAL (${next(sql`b.artist_id = a.id`)}) b)`
  const shortlists =
    party.side === 'promoter'
      ? sql`(SELECT json_build_object('count', count(*)::int, 'items', coalesce(json_agg(json_build_object(
              'id', s.id, 'name', s.name, 'eventOn', to_char(s.event_on, 'YYYY-MM-DD'), 'itemCount', s.item_count, 'updatedAt', s.updated_at)
              ORDER BY s.updated_at DESC) FILTER (WHERE s.rn <= ${UPCOMING}::int), '[]'))
             FROM (SELECT s.*, row_number() OVER (ORDER BY s.updated_at DESC) AS rn FROM shortlists s
                   WHERE s.owner_org_id = ${party.orgId}::uuid AND (s.visibility = 'company' OR s.created_by_user_id = ${userId}::uuid)) s)`
      : sql`NULL::json`
  return sql`
    SELECT (SELECT coalesce(json_agg(json_build_object('bookingId', u.id, 'artistId', u.artist_id, 'artistName', a.name, 'startsAt', u.starts_at)
              ORDER BY u.starts_at, u.id), '[]')
            FROM (SELECT * FROM (${shows}) s ORDER BY starts_at, id LIMIT ${UPCOMING}::int) u JOIN artists a ON a.id = u.artist_id) AS upcoming,
           ${shortlists} AS shortlists`
}

/**
 * The dashboard in one statement: the live pipeline, the totals and the upcoming shows side by side (one row
 * each, their columns distinct). One round trip and one pooled connection per dashboard: run as three at once,
 * four dashboards in flight asked twelve connections of a pool of eight, and waited for them. An agency's
 * artists another agency has handled are read once, for the three.
 */
export function dashboardStatement(party: Party, now: Date, userId: string) {
  const parts = (shared: Prisma.Sql) =>
    sql`SELECT * FROM (${pipelineStatement(party, now, shared)}) p, (${totalsStatement(party, now, shared)}) t,
                      (${upcomingStatement(party, now, userId, shared)}) u`
  return party.side === 'promoter'
    ? parts(sql`NULL::uuid[]`)
    : sql`WITH shared AS MATERIALIZED (SELECT ${sharedArtists(party.agencyId, now)} AS ids) ${parts(sql`(SELECT ids FROM shared)::uuid[]`)}`
}

interface PipelineRow {
  requests_awaiting: number
  requests_soon: number
  offers_awaiting_us: number
  offers_awaiting_them: number
  offers_soon: number
  holds_by_rank: { rank: number; count: number }[]
  holds_challenged: number
  holds_soon: number
  contracts_ours: number
  contracts_theirs: number
}
interface MonthRow {
  month: string
  currency: string
  confirmed_count: number
  confirmed_fee: string
  cancelled_count: number
  cancelled_fee: string
}
interface TopRow {
  id: string
  name: string | null
  confirmed_count: number
  cancelled_count: number
}
interface TotalsRow {
  months: MonthRow[]
  top_artists: TopRow[]
  top_counterparts: TopRow[]
}
interface UpcomingRow {
  upcoming: { bookingId: string; artistId: string; artistName: string; startsAt: string }[]
  shortlists: { count: number; items: { id: string; name: string; eventOn: string | null; itemCount: number; updatedAt: string }[] } | null
}

const top = (rows: TopRow[]) => rows.map((r) => ({ id: r.id, name: r.name, confirmed: r.confirmed_count, cancelled: r.cancelled_count }))

export type Dashboard = Awaited<ReturnType<typeof dashboards.get>>

export const dashboards = {
  /** GET /api/v1/dashboard: one statement, whatever the size of the company's history. */
  async get(ctx: RequestContext) {
    const party = await partyOf(ctx)
    const now = ctx.clock.now()
    const [[d], readsShortlists] = await Promise.all([
      ctx.db.$queryRaw<(PipelineRow & TotalsRow & UpcomingRow)[]>(dashboardStatement(party, now, party.userId)),
      // As the feed and the tasks: the lists' names are a shortlist reader's only.
      ctx.may('shortlists.read'),
    ])
    const rank = (r: number) => d!.holds_by_rank.find((h) => h.rank === r)?.count ?? 0
    return {
      side: party.side,
      asOf: now,
      requests: { awaitingAnswer: d!.requests_awaiting, expiringSoon: d!.requests_soon },
      offers: { awaitingUs: d!.offers_awaiting_us, awaitingThem: d!.offers_awaiting_them, expiringSoon: d!.offers_soon },
      holds: {
        firstRank: rank(1),
        secondRank: rank(2),
        lowerRanks: rank(3),
        challenged: d!.holds_challenged,
        expiringSoon: d!.holds_soon,
      },
      contracts: { awaitingOurSignature: d!.contracts_ours, awaitingTheirSignature: d!.contracts_theirs },
      bookingsByMonth: d!.months.map((m) => ({
        month: m.month,
        currency: m.currency,
        confirmed: m.confirmed_count,
        confirmedFees: money(BigInt(m.confirmed_fee), m.currency) as Money,
        cancelled: m.cancelled_count,
        cancelledFees: money(BigInt(m.cancelled_fee), m.currency) as Money,
      })),
      topArtists: top(d!.top_artists),
      topCounterparts: top(d!.top_counterparts),
      upcomingShows: d!.upcoming.map((s) => ({ ...s, startsAt: new Date(s.startsAt) })),
      shortlists:
        d!.shortlists && readsShortlists
          ? { count: d!.shortlists.count, recent: d!.shortlists.items.map((s) => ({ ...s, updatedAt: new Date(s.updatedAt) })) }
          : null,
    }
  },
}

// ─── Activity ──────────────────────────────────────────────────────────────────────────────────

export const FeedQuery = z.object({
  first: z.coerce.number().int().min(1).max(100).default(25).describe('Page size (at most 100)'),
  after: z.string().max(200).optional().describe('The endCursor of the previous page'),
})

const encode = (s: string) => Buffer.from(s, 'utf8').toString('base64url')
const decode = (field: string, cursor: string) => {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (encode(text) !== cursor) throw invalidInput(field, 'not a valid cursor')
  return text
}

function activityCursor(after: string | undefined): bigint | null {
  if (after === undefined) return null
  const match = /^a:(\d{1,18})$/.exec(decode('after', after))
  if (!match) throw invalidInput('after', 'not a valid cursor')
  return BigInt(match[1]!)
}

interface ActivityRow {
  seq: bigint
  event_id: string
  event_type: string
  aggregate_type: Aggregate
  aggregate_id: string
  occurred_at: Date
  updated_at: Date
  payload: Record<string, unknown>
}

/**
 * The feed's page: the company's copy of every event it is party to, newest first, after a seq, less the
 * aggregates the reader may not see. Still one range of the (org_id, seq) key, the hidden ones filtered on it.
 */
export function activityStatement(orgId: string, hidden: readonly string[], after: bigint | null, limit: number) {
  return sql`SELECT seq, event_id, event_type, aggregate_type, aggregate_id, occurred_at, updated_at, payload FROM org_activity
             WHERE org_id = ${orgId}::uuid AND aggregate_type <> ALL(${hidden}::text[]) ${after === null ? Prisma.empty : sql`AND seq < ${after}`}
             ORDER BY seq DESC LIMIT ${limit + 1}::int`
}

/** The aggregates whose events the caller may not see in the feed (FEED_READ_RULES), for the feed's filter. */
export async function hiddenAggregates(ctx: RequestContext): Promise<string[]> {
  const rules = [...new Set(Object.values(FEED_READ_RULES))]
  const allowed = new Map(await Promise.all(rules.map(async (rule) => [rule, await ctx.may(rule)] as const)))
  return Object.entries(FEED_READ_RULES)
    .filter(([, rule]) => !allowed.get(rule))
    .map(([aggregate]) => aggregate)
}

export interface Page<T> {
  items: T[]
  /** Each item's cursor (the GraphQL edges'). */
  cursors: string[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
  totalCount: () => Promise<number>
}

function pageFrom<R, T>(rows: R[], limit: number, view: (r: R) => T, cursor: (r: R) => string, total: () => Promise<number>): Page<T> {
  const page = rows.slice(0, limit)
  const cursors = page.map((r) => encode(cursor(r)))
  return {
    items: page.map(view),
    cursors,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: cursors.at(-1) ?? null },
    totalCount: total,
  }
}

export const activity = {
  /**
   * GET /api/v1/activity: the events of what the company is party to (the outbox's parties) that the caller's
   * permissions let it read, newest first, keyset on seq (one index range per page).
   */
  async list(ctx: RequestContext, input: unknown) {
    const q = parseInput(FeedQuery, input)
    const party = await partyOf(ctx)
    const after = activityCursor(q.after)
    const hidden = await hiddenAggregates(ctx)
    const rows = await ctx.db.$queryRaw<ActivityRow[]>(activityStatement(party.orgId, hidden, after, q.first))
    return pageFrom(
      rows,
      q.first,
      (r) => ({
        id: r.event_id,
        type: r.event_type,
        subjectType: r.aggregate_type,
        subjectId: r.aggregate_id,
        occurredAt: r.occurred_at,
        updatedAt: r.updated_at,
        payload: r.payload,
      }),
      (r) => `a:${r.seq}`,
      async () =>
        (
          await ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM org_activity
                                                  WHERE org_id = ${party.orgId}::uuid AND aggregate_type <> ALL(${hidden}::text[])`
        )[0]!.n,
    )
  },
}

// ─── Tasks ─────────────────────────────────────────────────────────────────────────────────────

/** What a task is about. */
export const TASK_SUBJECTS = ['request', 'offer', 'hold', 'contract', 'booking'] as const

export const TASK_KINDS = ['answer_request', 'answer_offer', 'resolve_challenged_hold', 'sign_contract', 'finance_handoff'] as const
export type TaskKind = (typeof TASK_KINDS)[number]

interface TaskRow {
  kind: TaskKind
  subject_type: (typeof TASK_SUBJECTS)[number]
  subject_id: string
  request_id: string
  artist_id: string
  starts_at: Date
  due_at: Date
}

function taskCursor(after: string | undefined): { due: Date; kind: string; id: string } | null {
  if (after === undefined) return null
  const match = /^t:(\d{1,15})\|([a-z_]{1,30})\|([0-9a-f-]{36})$/.exec(decode('after', after))
  if (!match) throw invalidInput('after', 'not a valid cursor')
  return { due: new Date(Number(match[1])), kind: match[2]!, id: match[3]! }
}

/** The task kinds whose subject needs more than `dashboard.read` to read, as the activity feed's families do. */
const TASK_READ_RULES = { sign_contract: 'contracts.read', finance_handoff: 'finance.read' } as const satisfies Partial<
  Record<TaskKind, string>
>

/** The task kinds the caller's permissions do not reach. */
async function hiddenTaskKinds(ctx: RequestContext): Promise<TaskKind[]> {
  const entries = Object.entries(TASK_READ_RULES) as [TaskKind, (typeof TASK_READ_RULES)[keyof typeof TASK_READ_RULES]][]
  const allowed = await Promise.all(entries.map(([, rule]) => ctx.may(rule)))
  return entries.filter((_, i) => !allowed[i]).map(([kind]) => kind)
}

/**
 * What waits for the party, soonest due first: one branch per kind (but the `hidden` ones), each an index range
 * limited to the page, merged. Everything here is live at `now` (the pipeline's expiry predicates).
 */
export function tasksStatement(
  party: Party,
  now: Date,
  after: { due: Date; kind: string; id: string } | null,
  limit: number | null,
  hidden: readonly TaskKind[] = [],
) {
  const past = (due: Prisma.Sql, kind: TaskKind, id: Prisma.Sql) =>
    after ? sql`AND (${due}, ${kind}::text, ${id}) > (${after.due}, ${after.kind}::text, ${after.id}::uuid)` : Prisma.empty
  const take = limit === null ? null : limit + 1
  const upTo = take === null ? Prisma.empty : sql`LIMIT ${take}::int`
  const acting = actedOnBy(party, now)
  const branch = (kind: TaskKind, due: Prisma.Sql, id: Prisma.Sql, body: Prisma.Sql) =>
    hidden.includes(kind)
      ? null
      : sql`(SELECT ${kind}::text AS kind, ${due} AS due_at, ${id} AS subject_id, x.subject_type, x.request_id, x.artist_id, x.starts_at
         FROM (${body}) x WHERE true ${past(due, kind, id)} ORDER BY 2, 3 ${upTo})`
  // An agency's live items of one kind, soonest due first (pipeline_live_items: live exactly when due after
  // now), walked artist by artist in due order and stopped at the page; only the page visits its requests.
  const itemsDue = (agencyId: string, item: string, kind: TaskKind, columns: Prisma.Sql) => sql`
    SELECT ${columns}, i.request_id, i.artist_id, r.starts_at, i.due_at AS due FROM (
      SELECT i.* FROM unnest(${representedArtists(agencyId, now)}) a(id)
      CROSS JOIN LATERAL (SELECT i.subject_id, i.request_id, i.artist_id, i.due_at FROM pipeline_live_items i
                          WHERE i.artist_id = a.id AND i.kind = ${item} AND i.due_at > ${now} ${past(sql`i.due_at`, kind, sql`i.subject_id`)}
                          ORDER BY i.due_at, i.subject_id ${upTo}) i
      ORDER BY i.due_at, i.subject_id ${upTo}) i
    JOIN booking_requests r ON r.id = i.request_id`
  const branches = [
    branch(
      'answer_offer',
      sql`x.due`,
      sql`x.offer_id`,
      party.side === 'agency'
        ? itemsDue(party.agencyId, 'offer_by_promoter', 'answer_offer', sql`'offer' AS subject_type, i.subject_id AS offer_id`)
        : sql`SELECT 'offer' AS subject_type, o.id AS offer_id, r.id AS request_id, r.artist_id, r.starts_at,
                 least(coalesce(o.expires_at, 'infinity'), coalesce(r.expires_at, 'infinity'), r.starts_at) AS due
          FROM booking_requests r JOIN booking_offers o ON o.request_id = r.id AND ${liveOffer(now)}
          WHERE ${acting} AND r.status = 'negotiating' AND ${liveRequest(now)} AND o.made_by <> ${party.side}::"BookingSide"`,
    ),
    branch(
      'resolve_challenged_hold',
      sql`x.challenge_deadline`,
      sql`x.hold_id`,
      sql`SELECT 'hold' AS subject_type, h.id AS hold_id, r.id AS request_id, r.artist_id, r.starts_at, h.challenge_deadline
          FROM booking_requests r JOIN booking_holds h ON h.request_id = r.id AND ${liveHold(now)}
          WHERE ${acting} AND r.status = 'held' AND h.challenge_deadline IS NOT NULL`,
    ),
    branch(
      'sign_contract',
      sql`x.starts_at`,
      sql`x.contract_id`,
      sql`SELECT 'contract' AS subject_type, c.id AS contract_id, r.id AS request_id, r.artist_id, r.starts_at
          FROM contracts c JOIN booking_requests r ON r.id = c.request_id
          WHERE c.status IN ('sent', 'partially_signed') AND ${actedOnBy(party, now, sql`c`)} AND c.${awaiting(party.side)}`,
    ),
    branch(
      'finance_handoff',
      sql`x.starts_at`,
      sql`x.booking_id`,
      handoffsDue(party, now, { from: after?.due ?? null, past: past(sql`b.starts_at`, 'finance_handoff', sql`b.id`) }, take),
    ),
  ]
  if (party.side === 'agency')
    branches.unshift(
      branch(
        'answer_request',
        sql`x.due`,
        sql`x.request_id`,
        itemsDue(party.agencyId, 'request', 'answer_request', sql`'request' AS subject_type`),
      ),
    )
  const shown = branches.filter((b): b is Prisma.Sql => b !== null)
  return sql`SELECT kind, subject_type, subject_id, request_id, artist_id, starts_at, due_at FROM (${Prisma.join(shown, ' UNION ALL ')}) t
             ORDER BY due_at, kind, subject_id ${upTo}`
}

/**
 * Confirmed bookings of the party's side without a live handoff, by show date. An agency's are walked artist
 * by artist (an ordered index range each, limited to the page) rather than sorted whole.
 */
function handoffsDue(party: Party, now: Date, after: { from: Date | null; past: Prisma.Sql }, take: number | null) {
  const pending = sql`b.status = 'confirmed' ${after.from ? sql`AND b.starts_at >= ${after.from}` : Prisma.empty} ${after.past}
    AND NOT EXISTS (SELECT 1 FROM finance_handoffs f WHERE f.booking_id = b.id AND f.side = ${party.side}::"BookingSide"
                    AND f.status IN ('pending', 'sent', 'acknowledged'))`
  const upTo = take === null ? Prisma.empty : sql`LIMIT ${take}::int`
  const columns = sql`'booking' AS subject_type, b.id AS booking_id, b.request_id, b.artist_id, b.starts_at`
  if (party.side === 'promoter')
    return sql`SELECT ${columns} FROM bookings b WHERE b.promoter_org_id = ${party.orgId}::uuid AND ${pending} ORDER BY b.starts_at, b.id ${upTo}`
  // An artist is never booked twice at once (bookings_no_double_booking): by show time alone its bookings are
  // in a total order, the order of bookings_artist_upcoming_idx, whose included columns are all the walk reads
  // (an index-only range per artist). Each row of a walk costs a probe of the handoffs, so the walks stop at a
  // bound: each artist's first booking due is read first, and the page's rows lie at or before the take-th
  // earliest of those; an agency with 200 artists reads about 200 + take bookings rather than 200 × take.
  const artists = representedArtists(party.agencyId, now)
  const walk = (bound: Prisma.Sql, limit: Prisma.Sql) => sql`SELECT b.id, b.request_id, b.artist_id, b.starts_at FROM bookings b
    WHERE b.artist_id = a.id AND ${pending} ${bound} ORDER BY b.starts_at ${limit}`
  const firsts = sql`SELECT f.starts_at FROM unnest(${artists}) a(id) CROSS JOIN LATERAL (${walk(Prisma.empty, sql`LIMIT 1`)}) f`
  const bound =
    take === null ? Prisma.empty : sql`AND b.starts_at <= coalesce((${firsts} ORDER BY 1 OFFSET ${take - 1}::int LIMIT 1), 'infinity')`
  return sql`SELECT ${columns} FROM unnest(${artists}) a(id) CROSS JOIN LATERAL (${walk(bound, upTo)}) b ORDER BY b.starts_at, b.id ${upTo}`
}

export const tasks = {
  /** GET /api/v1/tasks: what waits for the company, soonest due first, keyset on (due, kind, subject). */
  async list(ctx: RequestContext, input: unknown) {
    const q = parseInput(FeedQuery, input)
    const party = await partyOf(ctx)
    const now = ctx.clock.now()
    const hidden = await hiddenTaskKinds(ctx)
    const rows = await ctx.db.$queryRaw<TaskRow[]>(tasksStatement(party, now, taskCursor(q.after), q.first, hidden))
    return pageFrom(
      rows,
      q.first,
      (r) => ({
        kind: r.kind,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        requestId: r.request_id,
        artistId: r.artist_id,
        startsAt: r.starts_at,
        dueAt: r.due_at,
      }),
      (r) => `t:${r.due_at.getTime()}|${r.kind}|${r.subject_id}`,
      async () =>
        (await ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM (${tasksStatement(party, now, null, null, hidden)}) t`)[0]!
          .n,
    )
  },
}
