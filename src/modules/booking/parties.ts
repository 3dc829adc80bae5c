// Who takes part in a booking pipeline, and what each party may see. A promoter company is party to the
// pipelines it started; an agency to those it handled, and to those of the artists it represents now; a
// management company to those of the artists it manages now (it reads, it never negotiates).
import { activeLinkWhere, linkInForceSql } from '../../access/ownership.ts'
import { grantedModules } from '../../access/authorize.ts'
import type { Module } from '../../access/catalog.ts'
import type { RequestContext } from '../../context.ts'
import type { Db, Tx } from '../../db/client.ts'
import type { Queries } from '../../db/sql.ts'
import { formatDay, today } from '../../dates.ts'
import { forbidden } from '../../errors.ts'
import { Prisma, type Booking, type BookingSide, type RepresentationRole } from '../../generated/prisma/client.ts'
import { recordPipelineEvents, type PipelineStep } from '../outbox/record.ts'

export type Party =
  { side: 'agency'; userId: string; orgId: string; agencyId: string } | { side: 'promoter'; userId: string; orgId: string }

/**
 * The calling company as a booking party. A company bridged to an agency (with the artist module) acts
 * for the agency side; otherwise a company with the promoter module acts as the buyer. A company holding
 * both modules but no agency bridge is a promoter; an artist-side company not bridged yet gets the
 * no-agency gate's 403.
 */
export async function partyOf(ctx: RequestContext): Promise<Party> {
  const caller = await ctx.caller()
  if (caller.kind !== 'user')
    throw forbidden('the booking pipeline is between companies; machine callers use the admin routes', 'tenant_required')
  const modules = grantedModules(caller.access.modules)
  const agencyId = modules.has('artist') ? await ctx.agencyId() : null
  const side = sideFor(modules, agencyId !== null)
  if (side === 'agency')
    return agencyId ? { side, userId: caller.userId, orgId: caller.orgId, agencyId } : { side, ...(await ctx.agencyActor()) }
  if (side === 'promoter') return { side, userId: caller.userId, orgId: caller.orgId }
  throw forbidden('module not granted: artist or promoter')
}

/** The side a company takes in the pipeline (see partyOf), or null when it has neither module. */
export function sideFor(modules: ReadonlySet<Module>, bridged: boolean): BookingSide | null {
  if (modules.has('artist') && bridged) return 'agency'
  if (modules.has('promoter')) return 'promoter'
  return modules.has('artist') ? 'agency' : null
}

/**
 * The pipelines (requests, and the bookings they became) a party may see: the promoter those it started;
 * an agency those it handled, and those of the artists it represents now (a handover brings them along);
 * a management company those of the artists it manages now (a change of management moves them along; a
 * manager never handled a deal, so the former one keeps none).
 */
export function pipelinesVisibleTo(party: Party): Prisma.BookingRequestWhereInput & Prisma.BookingWhereInput {
  if (party.side === 'promoter') return { promoterOrgId: party.orgId }
  return { OR: [{ agencyId: party.agencyId }, artistOnSideNow(party.agencyId)] }
}

/** A deal (or its request) whose artist is on the agency's side today, in any role: what a handover brings along. */
export const artistOnSideNow = (agencyId: string) => ({ artist: { rosterLinks: { some: onArtistSideNow(agencyId) } } })

/**
 * The row a hand-written visibility condition reads: a request aliased `r`, or a booking aliased `b` (both carry the
 * deal's agency, artist and promoter; a booking's agency is the one credited with it).
 */
type DealRow = 'r' | 'b'

/** A roster link of the artist of the deal row `row` in force today, of `agencyId` (and `role`): onArtistSideNow in SQL. */
function onArtistSideNowSql(agencyId: string | Prisma.Sql, role?: RepresentationRole, row: DealRow = 'r'): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM artists_roster_links l
    WHERE l.artist_id = ${Prisma.raw(row)}.artist_id AND l.agency_id = ${agencyId}::uuid ${role ? Prisma.sql`AND l.role = ${role}::"RepresentationRole"` : Prisma.empty}
      AND ${linkInForceSql(formatDay(today()))})`
}

/**
 * The bookings requests or holds came to (by `requestId` or `holdId`, in the order of `ids`), each when the caller sees
 * it (pipelinesVisibleTo, as every read of a booking): after a handover the agency the request was sent to still reads
 * the request and its holds, not the booking the new agency confirmed and is credited with. One statement for all.
 */
export async function bookingsSeen(ctx: RequestContext, by: 'requestId' | 'holdId', ids: readonly string[]): Promise<(Booking | null)[]> {
  const party = await partyOf(ctx)
  const rows = await ctx.db.booking.findMany({ where: { AND: [{ [by]: { in: [...ids] } }, pipelinesVisibleTo(party)] } })
  const byKey = new Map(rows.map((b) => [b[by], b]))
  return ids.map((id) => byKey.get(id) ?? null)
}

type ChallengedHold = { challengedByHoldId: string | null }

/** A hold as a party reads it: the hold that challenged it is another promoter's pipeline, its id the artist side's only. */
export const holdAsSeen = <H extends ChallengedHold>(party: Party, hold: H): H =>
  party.side === 'agency' ? hold : { ...hold, challengedByHoldId: null }

/** A REST view's embedded holds (an offer's `holds`, a booking's `hold`) as the party reads them (holdAsSeen). */
export function embeddedHoldsAsSeen<T extends object>(party: Party, row: T): T {
  // Which of the two a view embeds depends on its include: read as optional.
  const { holds, hold } = row as { holds?: ChallengedHold[]; hold?: ChallengedHold | null }
  return { ...row, ...(holds && { holds: holds.map((h) => holdAsSeen(party, h)) }), ...(hold && { hold: holdAsSeen(party, hold) }) }
}

/** pipelinesVisibleTo as a condition on the request aliased `r`, for hand-written reads (pinned to it by test/booking-shapes.test.ts). */
export function visibleSql(party: Party, row: DealRow = 'r'): Prisma.Sql {
  if (party.side === 'promoter') return Prisma.sql`${Prisma.raw(row)}.promoter_org_id = ${party.orgId}::uuid`
  return seenByAgencySql(party.agencyId, row)
}

/** visibleSql of an agency given as an id or as a column of the statement (a tour's owner: `t.agency_id`). */
export const seenByAgencySql = (agencyId: string | Prisma.Sql, row: DealRow = 'r') =>
  Prisma.sql`(${Prisma.raw(row)}.agency_id = ${agencyId}::uuid OR ${onArtistSideNowSql(agencyId, undefined, row)})`

/** actsFor as a condition on the request aliased `r`. */
export function actingSql(party: Party): Prisma.Sql {
  if (party.side === 'promoter') return Prisma.sql`r.promoter_org_id = ${party.orgId}::uuid`
  return onArtistSideNowSql(party.agencyId, 'agency')
}

/** A roster link in force today (started, not ended). */
const inForceToday = (): Prisma.RosterLinkWhereInput => ({ startsOn: { lte: today() }, ...activeLinkWhere() })

/** A roster link in force today: the company represents (role agency) or manages (role management) the artist. */
export const onArtistSideNow = (agencyId: string, role?: RepresentationRole): Prisma.RosterLinkWhereInput => ({
  agencyId,
  role,
  ...inForceToday(),
})

const representingNow = (agencyId: string) => onArtistSideNow(agencyId, 'agency')

/** The agency representing the artist now (its `agency` role in force today), if any: the one that confirms its holds. */
export async function representingAgency(db: Db | Tx, artistId: string) {
  const link = await db.rosterLink.findFirst({
    where: { artistId, role: 'agency', ...inForceToday() },
    select: { agency: true },
  })
  return link?.agency ?? null
}

/** The pipelines the party acts on (actsFor as a condition): the promoter those it started, an agency those of the artists it represents now. */
export function actingOn(party: Party): Prisma.BookingRequestWhereInput {
  if (party.side === 'promoter') return { promoterOrgId: party.orgId }
  return { artist: { rosterLinks: { some: representingNow(party.agencyId) } } }
}

/** Whether the party acts on the pipeline (as opposed to only seeing it): see assertActsFor. */
export async function actsFor(db: Tx, party: Party, request: { promoterOrgId: string; artistId: string }): Promise<boolean> {
  if (party.side === 'promoter') return party.orgId === request.promoterOrgId
  const link = await db.rosterLink.findFirst({
    where: { artistId: request.artistId, ...representingNow(party.agencyId) },
    select: { id: true },
  })
  return link !== null
}

/**
 * actsFor over pipelines the party sees, for the actions a list shows: a promoter acts on every pipeline it
 * sees (it started them), an agency on those of the artists it represents now (one query).
 */
export async function actsForRequests(db: Db, party: Party, requestIds: readonly string[]): Promise<boolean[]> {
  if (party.side === 'promoter') return requestIds.map(() => true)
  const acting = await db.bookingRequest.findMany({
    where: { id: { in: [...requestIds] }, artist: { rosterLinks: { some: representingNow(party.agencyId) } } },
    select: { id: true },
  })
  const ids = new Set(acting.map((r) => r.id))
  return requestIds.map((id) => ids.has(id))
}

/**
 * Acting on a pipeline takes more than seeing it: the promoter that started it, or the agency that
 * represents the artist now. An agency that handed the artist over keeps its history but no longer acts;
 * the artist's management reads and never negotiates.
 */
export async function assertActsFor(tx: Tx, party: Party, request: { promoterOrgId: string; artistId: string }) {
  if (!(await actsFor(tx, party, request))) throw notActing(party)
}

/** The refusal of a party that sees a pipeline but does not act on it. */
export function notActing(party: Party) {
  if (party.side === 'promoter') return forbidden('only the promoter that sent this request acts on it', 'not_a_party')
  return forbidden('only the agency representing the artist now acts on its bookings', 'not_representing')
}

/** Who acts in an activity entry: a tenant user, a machine caller, or the system (expiry, a lapsed challenge). */
export const ACTOR_TYPES = { user: 'user', machine: 'machine', system: 'system' } as const

export interface Actor {
  type: 'user' | 'system'
  userId?: string
  orgId?: string
}

export const actorOf = (party: Party): Actor => ({ type: 'user', userId: party.userId, orgId: party.orgId })
export const SYSTEM: Actor = { type: 'system' }

export const BOOKING_SUBJECTS = { request: 'request', offer: 'offer', hold: 'hold', booking: 'booking' } as const
export type Subject = keyof typeof BOOKING_SUBJECTS

/** Every action a pipeline's activity records (the GraphQL enum BookingActivityAction). */
export const BOOKING_ACTIVITY_ACTIONS = {
  create: 'create',
  offer: 'offer',
  counter: 'counter',
  accept: 'accept',
  decline: 'decline',
  withdraw: 'withdraw',
  hold: 'hold',
  release: 'release',
  expire: 'expire',
  confirm: 'confirm',
  book: 'book',
  cancel: 'cancel',
  challenge: 'challenge',
  challenged: 'challenged',
  move_up: 'move_up',
  challenge_void: 'challenge_void',
} as const
type ActivityAction = keyof typeof BOOKING_ACTIVITY_ACTIONS

export interface Transition {
  requestId: string
  subject: Subject
  subjectId: string
  action: ActivityAction
  from: string | null
  to: string
  note?: string | null
  /**
   * The agency party to the subject when it is not the request's: a booking's, credited to the agency that confirmed it
   * (after a handover, not the one the request was sent to). Its events go to that agency's companies.
   */
  agencyId?: string
}

/** Appends one transition to the pipeline's activity, inside the transaction that made it (see recordActivities). */
export const recordActivity = (tx: Queries, actor: Actor, a: Transition) => recordActivities(tx, actor, [a])

/**
 * Appends transitions of one pipeline to its activity, in order, inside the transaction that made them, with
 * their outbox events in the same statement. The database stamps created_at: transitions of one transaction
 * share it. `step` adds the step's own writes to the statement (WITH clauses before the activity's: a
 * status update, the request a step creates) and what it answers (see PipelineStep).
 */
export async function recordActivities(
  tx: Queries,
  actor: Actor,
  transitions: [Transition, ...Transition[]],
  step: PipelineStep = {},
): Promise<Record<string, unknown> | undefined> {
  const requestId = transitions[0].requestId
  if (transitions.some((a) => a.requestId !== requestId)) throw new Error('recordActivities: transitions of one pipeline only')
  const rows = transitions.map(
    (a) => Prisma.sql`(gen_random_uuid(), ${requestId}::uuid, ${a.subject}, ${a.subjectId}::uuid, ${a.action}, ${a.from}, ${a.to},
      ${actor.type}, ${actor.userId ?? null}, ${actor.orgId ?? null}::uuid, ${a.note ?? null})`,
  )
  // A step that creates its request may insert none (a check in its statement refused): then no activity either.
  const activity = Prisma.sql`activity AS (
      INSERT INTO booking_activity (id, request_id, subject, subject_id, action, from_status, to_status, actor_type, actor_user_id, actor_org_id, note)
      ${step.requests ? Prisma.sql`SELECT v.* FROM (VALUES ${Prisma.join(rows)}) v WHERE EXISTS (SELECT FROM ${step.requests})` : Prisma.sql`VALUES ${Prisma.join(rows)}`})`
  return recordPipelineEvents(tx, actor, requestId, transitions, {
    ...step,
    with: step.with ? Prisma.sql`${step.with}, ${activity}` : activity,
  })
}

const STATUS_TABLES = {
  request: ['booking_requests', 'BookingRequestStatus'],
  offer: ['booking_offers', 'OfferStatus'],
  hold: ['booking_holds', 'HoldStatus'],
} as const

/**
 * A status change as a WITH clause `name` of a step's statement (recordActivities' `step.with`), returning
 * the row: the change and its activity in one round trip; `set` names other columns the change writes (a
 * closing reason). `updated_at` is the time of the change itself (`clock_timestamp()`, as Prisma's
 * `@updatedAt` stamps it), not the transaction's start: a step that waited on a lock must not stamp a time
 * before a rival that committed first.
 */
export function statusChange(
  name: string,
  subject: keyof typeof STATUS_TABLES,
  id: string,
  to: string,
  set: Prisma.Sql = Prisma.empty,
): Prisma.Sql {
  const [table, type] = STATUS_TABLES[subject]
  return Prisma.sql`${Prisma.raw(name)} AS (
      UPDATE ${Prisma.raw(table)} SET status = ${to}::text::${Prisma.raw(`"${type}"`)}, updated_at = clock_timestamp() ${set}
      WHERE id = ${id}::uuid RETURNING *)`
}

/** The other side of a negotiation. */
export const otherSide = (side: BookingSide): BookingSide => (side === 'agency' ? 'promoter' : 'agency')
