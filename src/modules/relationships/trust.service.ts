// The trust score of a company, explained: version 1 of the formula, computed on read from the pipeline
// facts (relationship_stats, bookings) and the revealed ratings, with each factor shown beside the score.
// Aggregates only: counts, averages and the network mean, never a single rating or its author.
import { agenciesBridgedTo } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import { Prisma } from '../../generated/prisma/client.ts'

export const TRUST_FORMULA_VERSION = 1
/** Below this many completed bookings there is no score ("not enough history"). */
export const MIN_COMPLETED = 3
/** Pseudo-ratings at the network mean that every company's ratings are smoothed with (Bayesian average). */
const PRIOR_WEIGHT = 5
/** The network mean while fewer than MIN_RATINGS ratings are revealed anywhere (one would be read as its own value). */
const DEFAULT_MEAN = 3.5
/** Ratings count only from this many on (a company's, and the network's): fewer would let a reader work one rating out. */
const MIN_RATINGS = 3
const LATE_WEIGHT = 2
const HOUR = 3600

export type TrustSubjectKind = 'agency' | 'company'

interface Facts {
  subject_id: string
  completed: number
  cancelled: number
  late_cancelled: number
  answers: number
  answer_seconds: number
  first_booked_at: Date | null
  ratings: number
  rating_total: number
}

export interface TrustFactor {
  name: 'completion' | 'reliability' | 'responsiveness' | 'rating' | 'tenure'
  weight: number
  /** 0..1 */
  value: number
  /** weight × value × 100: what the factor adds to the score. */
  points: number
  explanation: string
}

export interface TrustView {
  companyId: string
  subjectKind: TrustSubjectKind
  /** The agency (market company) scored when the company asked about is a tenant bridged to one. */
  subjectId: string
  version: number
  status: 'scored' | 'not_enough_history'
  score: number | null
  completedBookings: number
  minimumCompletedBookings: number
  ratingsCount: number
  factors: TrustFactor[]
  computedAt: Date
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits
const clamp = (n: number) => Math.min(1, Math.max(0, n))

function factor(name: TrustFactor['name'], weight: number, value: number, explanation: string): TrustFactor {
  return { name, weight, value: round(clamp(value)), points: round(clamp(value) * weight * 100, 1), explanation }
}

/** Version 1: 100 × (0.30 completion + 0.20 reliability + 0.15 responsiveness + 0.25 rating + 0.10 tenure). */
function explain(f: Facts, networkMean: number, now: Date): { score: number; factors: TrustFactor[] } {
  const completion = (f.completed + 1) / (f.completed + f.cancelled + 2)
  const weightedCancels = f.cancelled + (LATE_WEIGHT - 1) * f.late_cancelled
  const reliability = 1 - weightedCancels / Math.max(1, f.completed + f.cancelled)
  const avgHours = f.answers ? f.answer_seconds / f.answers / HOUR : null
  const responsiveness = avgHours === null ? 0.5 : 1 - (avgHours - 24) / (168 - 24)
  const counted = f.ratings >= MIN_RATINGS
  const bayes = counted ? (PRIOR_WEIGHT * networkMean + f.rating_total) / (PRIOR_WEIGHT + f.ratings) : networkMean
  const rating = (bayes - 1) / 4
  const months = f.first_booked_at ? (now.getTime() - f.first_booked_at.getTime()) / (30.44 * 86_400_000) : 0
  const tenure = months / 24
  const factors = [
    factor(
      'completion',
      0.3,
      completion,
      `${f.completed} completed, ${f.cancelled} cancelled by this company: (completed + 1) / (completed + cancelled + 2)`,
    ),
    factor(
      'reliability',
      0.2,
      reliability,
      `${f.cancelled} cancellations by this company, ${f.late_cancelled} of them less than 30 days before the event (counted twice)`,
    ),
    factor(
      'responsiveness',
      0.15,
      responsiveness,
      avgHours === null
        ? 'no answers measured yet: neutral'
        : `average answer ${round(avgHours, 1)} h over ${f.answers} answers: full at 24 h or less, none at 168 h or more`,
    ),
    factor(
      'rating',
      0.25,
      rating,
      counted
        ? `${f.ratings} revealed ratings smoothed with ${PRIOR_WEIGHT} at the network mean ${round(networkMean, 2)}: ${round(bayes, 2)} of 5`
        : `fewer than ${MIN_RATINGS} revealed ratings: the network mean ${round(networkMean, 2)} of 5`,
    ),
    factor('tenure', 0.1, tenure, `${round(months, 1)} months since the first booking: full at 24 months`),
  ]
  return { score: Math.round(factors.reduce((sum, x) => sum + x.points, 0)), factors }
}

/** Which company is scored for an id: an agency of the directory, the agency a tenant is bridged to, or the tenant as a buyer. */
async function subjectsOf(ctx: RequestContext, ids: readonly string[]) {
  const agencies = new Set((await ctx.db.agency.findMany({ where: { id: { in: [...ids] } }, select: { id: true } })).map((a) => a.id))
  const bridged = await agenciesBridgedTo(
    ctx.db,
    ids.filter((id) => !agencies.has(id)),
  )
  return ids.map((id) => {
    if (agencies.has(id)) return { companyId: id, kind: 'agency' as const, subjectId: id }
    const agency = bridged.get(id)
    return agency
      ? { companyId: id, kind: 'agency' as const, subjectId: agency.id }
      : { companyId: id, kind: 'company' as const, subjectId: id }
  })
}

/** One statement for every subject: the agency side's facts by agency, the buyer side's by promoter company. */
async function factsOf(ctx: RequestContext, agencies: string[], companies: string[], now: Date) {
  const revealed = Prisma.sql`(r.revealed_at IS NOT NULL OR r.window_closes_at <= ${now})`
  return ctx.db.$queryRaw<(Facts & { kind: TrustSubjectKind })[]>`
    WITH subj AS (
      SELECT id, 'agency' AS kind FROM unnest(${agencies}::uuid[]) AS id
      UNION ALL SELECT id, 'company' FROM unnest(${companies}::uuid[]) AS id
    ),
    st AS (
      SELECT subj.id, sum(CASE WHEN subj.kind = 'agency' THEN s.cancelled_by_agency ELSE s.cancelled_by_promoter END)::int AS cancelled,
        sum(CASE WHEN subj.kind = 'agency' THEN s.late_cancelled_by_agency ELSE s.late_cancelled_by_promoter END)::int AS late_cancelled,
        sum(CASE WHEN subj.kind = 'agency' THEN s.agency_answers ELSE s.promoter_answers END)::int AS answers,
        sum(CASE WHEN subj.kind = 'agency' THEN s.agency_answer_seconds ELSE s.promoter_answer_seconds END)::float8 AS answer_seconds,
        min(s.first_booked_at) AS first_booked_at
      FROM subj JOIN relationship_stats s
        ON (subj.kind = 'agency' AND s.agency_id = subj.id) OR (subj.kind = 'company' AND s.promoter_org_id = subj.id)
      GROUP BY subj.id
    ),
    bk AS (
      SELECT subj.id, count(*)::int AS completed FROM subj JOIN bookings b
        ON (subj.kind = 'agency' AND b.agency_id = subj.id) OR (subj.kind = 'company' AND b.promoter_org_id = subj.id)
      WHERE b.status = 'confirmed' AND b.ends_at < ${now}
      GROUP BY subj.id
    ),
    rt AS (
      SELECT subj.id, count(*)::int AS ratings,
        sum((r.communication + r.reliability + r.hospitality_or_production + r.payment_or_performance) / 4.0)::float8 AS rating_total
      FROM subj JOIN bookings b
        ON (subj.kind = 'agency' AND b.agency_id = subj.id) OR (subj.kind = 'company' AND b.promoter_org_id = subj.id)
      JOIN booking_ratings r ON r.booking_id = b.id AND r.rater_side = (CASE WHEN subj.kind = 'agency' THEN 'promoter' ELSE 'agency' END)::"BookingSide"
      WHERE ${revealed}
      GROUP BY subj.id
    )
    SELECT subj.id::text AS subject_id, subj.kind, coalesce(bk.completed, 0) AS completed, coalesce(st.cancelled, 0) AS cancelled,
      coalesce(st.late_cancelled, 0) AS late_cancelled, coalesce(st.answers, 0) AS answers, coalesce(st.answer_seconds, 0) AS answer_seconds,
      st.first_booked_at, coalesce(rt.ratings, 0) AS ratings, coalesce(rt.rating_total, 0) AS rating_total,
      (SELECT CASE WHEN count(*) >= ${MIN_RATINGS}
                   THEN avg((r.communication + r.reliability + r.hospitality_or_production + r.payment_or_performance) / 4.0)::float8 END
         FROM booking_ratings r WHERE ${revealed}) AS network_mean
    FROM subj LEFT JOIN st ON st.id = subj.id LEFT JOIN bk ON bk.id = subj.id LEFT JOIN rt ON rt.id = subj.id`
}

export const trust = {
  /** The trust of each company id, in order: one statement for all of them (Agency.trust on a page of agencies). */
  async of(ctx: RequestContext, ids: readonly string[]): Promise<TrustView[]> {
    const subjects = await subjectsOf(ctx, ids)
    const now = ctx.clock.now()
    const agencies = [...new Set(subjects.filter((s) => s.kind === 'agency').map((s) => s.subjectId))]
    const companies = [...new Set(subjects.filter((s) => s.kind === 'company').map((s) => s.subjectId))]
    const rows = (await factsOf(ctx, agencies, companies, now)) as (Facts & { kind: TrustSubjectKind; network_mean: number | null })[]
    return subjects.map((s) => {
      const f = rows.find((r) => r.subject_id === s.subjectId && r.kind === s.kind)
      const facts: Facts = f ?? {
        subject_id: s.subjectId,
        completed: 0,
        cancelled: 0,
        late_cancelled: 0,
        answers: 0,
        answer_seconds: 0,
        first_booked_at: null,
        ratings: 0,
        rating_total: 0,
      }
      const base = {
        companyId: s.companyId,
        subjectKind: s.kind,
        subjectId: s.subjectId,
        version: TRUST_FORMULA_VERSION,
        completedBookings: facts.completed,
        minimumCompletedBookings: MIN_COMPLETED,
        ratingsCount: facts.ratings,
        computedAt: now,
      }
      if (facts.completed < MIN_COMPLETED) return { ...base, status: 'not_enough_history' as const, score: null, factors: [] }
      const { score, factors } = explain(facts, f?.network_mean ?? DEFAULT_MEAN, now)
      return { ...base, status: 'scored' as const, score, factors }
    })
  },

  async get(ctx: RequestContext, companyId: string): Promise<TrustView> {
    const [view] = await trust.of(ctx, [companyId])
    return view as TrustView
  },
}
