// Relationship memory: what a company knows of each counterparty. The summary (bookings together, who
// cancelled, first and last deal, open pipeline, answer times) comes from relationship_stats, which a trigger
// on booking_activity keeps current in the transaction of every pipeline transition. Notes and flags belong
// to the company that wrote them: every query here is filtered by the caller's own company, so no other
// company (the counterparty included) reaches them, whatever its permissions.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { conflict, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { Prisma, RelationshipFlagKind, type RelationshipFlag, type RelationshipNote } from '../../generated/prisma/client.ts'
import { money } from '../../money.ts'
import type { Listing, Page } from '../../pagination.ts'
import { parseInput } from '../../validation.ts'
import { onArtistSideNow, partyOf, pipelinesVisibleTo, type Party } from '../booking/parties.ts'
import { recordEvent } from '../outbox/record.ts'

const Text = (max: number) => z.string().trim().min(1).max(max)

export const NoteInput = z.object({ body: Text(4000).describe('The note (private to your company)') })

export const FlagInput = z.object({
  kind: z.enum(RelationshipFlagKind).describe('What the flag says; `custom` needs a label'),
  label: Text(100).nullish().describe('Your wording (required for `custom`)'),
  note: Text(2000).nullish(),
})

export const FlagUpdate = z.object({ label: Text(100).nullish(), note: Text(2000).nullish() })

/** The counterparty of a company: the agency for a promoter, the promoter company for the artist side. */
export type CounterpartyKind = 'agency' | 'company'

interface StatRow {
  counterparty_id: string
  requests: number
  open_pipelines: number
  bookings_confirmed: number
  cancelled_by_agency: number
  cancelled_by_promoter: number
  late_cancelled_by_agency: number
  late_cancelled_by_promoter: number
  agency_answers: number
  agency_answer_seconds: number
  promoter_answers: number
  promoter_answer_seconds: number
  first_booked_at: Date | null
  last_booked_at: Date | null
  last_interaction_at: Date | null
  created_at: Date | null
  updated_at: Date | null
}

const average = (total: number, count: number) => (count > 0 ? Math.round(total / count) : null)

/** The summary as the owner reads it: "us" is the owner's side, "them" the counterparty's. */
function summaryView(row: StatRow | undefined, side: Party['side']) {
  const r = row ?? ({} as Partial<StatRow>)
  const agency = side === 'agency'
  const agencyAvg = average(r.agency_answer_seconds ?? 0, r.agency_answers ?? 0)
  const promoterAvg = average(r.promoter_answer_seconds ?? 0, r.promoter_answers ?? 0)
  return {
    requests: r.requests ?? 0,
    openPipelines: r.open_pipelines ?? 0,
    bookingsConfirmed: r.bookings_confirmed ?? 0,
    cancelledByUs: (agency ? r.cancelled_by_agency : r.cancelled_by_promoter) ?? 0,
    cancelledByThem: (agency ? r.cancelled_by_promoter : r.cancelled_by_agency) ?? 0,
    lateCancelledByUs: (agency ? r.late_cancelled_by_agency : r.late_cancelled_by_promoter) ?? 0,
    lateCancelledByThem: (agency ? r.late_cancelled_by_promoter : r.late_cancelled_by_agency) ?? 0,
    ourAverageAnswerSeconds: agency ? agencyAvg : promoterAvg,
    theirAverageAnswerSeconds: agency ? promoterAvg : agencyAvg,
    firstDealAt: r.first_booked_at ?? null,
    lastDealAt: r.last_booked_at ?? null,
    lastInteractionAt: r.last_interaction_at ?? null,
  }
}

export type RelationshipSummary = ReturnType<typeof summaryView>

export const noteView = (n: RelationshipNote) => ({
  id: n.id,
  counterpartyId: n.counterpartyId,
  authorUserId: n.authorUserId,
  body: n.body,
  createdAt: n.createdAt,
  updatedAt: n.updatedAt,
})

export const flagView = (f: RelationshipFlag) => ({
  id: f.id,
  counterpartyId: f.counterpartyId,
  kind: f.kind,
  label: f.label,
  note: f.note,
  setByUserId: f.setByUserId,
  createdAt: f.createdAt,
  updatedAt: f.updatedAt,
})

export type NoteView = ReturnType<typeof noteView>
export type FlagView = ReturnType<typeof flagView>

/**
 * The stats rows in the owner's scope, summed per counterparty. A promoter's are its own pipelines; the
 * artist side's are the pipelines it handled and those of the artists it represents or manages now, as
 * every pipeline read shows them (booking/parties.ts).
 */
async function scopeOf(ctx: RequestContext, party: Party) {
  if (party.side === 'promoter') return { where: Prisma.sql`s.promoter_org_id = ${party.orgId}::uuid`, key: Prisma.sql`s.agency_id` }
  const links = await ctx.db.rosterLink.findMany({ where: onArtistSideNow(party.agencyId), select: { artistId: true } })
  const artists = links.map((l) => l.artistId)
  return {
    where: Prisma.sql`(s.agency_id = ${party.agencyId}::uuid OR s.artist_id = ANY(${artists}::uuid[]))`,
    key: Prisma.sql`s.promoter_org_id`,
  }
}

const SUMS = Prisma.sql`
  sum(s.requests)::int AS requests, sum(s.open_pipelines)::int AS open_pipelines, sum(s.bookings_confirmed)::int AS bookings_confirmed,
  sum(s.cancelled_by_agency)::int AS cancelled_by_agency, sum(s.cancelled_by_promoter)::int AS cancelled_by_promoter,
  sum(s.late_cancelled_by_agency)::int AS late_cancelled_by_agency, sum(s.late_cancelled_by_promoter)::int AS late_cancelled_by_promoter,
  sum(s.agency_answers)::int AS agency_answers, sum(s.agency_answer_seconds)::float8 AS agency_answer_seconds,
  sum(s.promoter_answers)::int AS promoter_answers, sum(s.promoter_answer_seconds)::float8 AS promoter_answer_seconds,
  min(s.first_booked_at) AS first_booked_at, max(s.last_booked_at) AS last_booked_at,
  max(s.last_interaction_at) AS last_interaction_at, min(s.created_at) AS created_at, max(s.updated_at) AS updated_at`

/** The owner's own notes and flags about these counterparties: the only reads of those tables. */
async function memoryOf(ctx: RequestContext, ownerOrgId: string, counterpartyIds: string[]) {
  const where = { ownerOrgId, counterpartyId: { in: counterpartyIds } }
  const [notes, flags] = await Promise.all([
    ctx.db.relationshipNote.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
    ctx.db.relationshipFlag.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  ])
  return { notes, flags }
}

async function agencyNames(ctx: RequestContext, party: Party, ids: string[]) {
  if (party.side !== 'promoter' || !ids.length) return new Map<string, string>()
  const rows = await ctx.db.agency.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })
  return new Map(rows.map((a) => [a.id, a.name]))
}

const counterpartyView = (party: Party, id: string, names: Map<string, string>) => ({
  id,
  kind: (party.side === 'promoter' ? 'agency' : 'company') as CounterpartyKind,
  name: names.get(id) ?? null,
})

/**
 * Whether the counterparty exists for this owner: an agency of the directory for a promoter; for the artist
 * side, a promoter company with a pipeline it sees (tenant companies live in Auth: a pipeline is how we know one).
 */
async function assertCounterparty(ctx: RequestContext, party: Party, id: string) {
  const known =
    party.side === 'promoter'
      ? await ctx.db.agency.findUnique({ where: { id }, select: { id: true } })
      : await ctx.db.bookingRequest.findFirst({ where: { AND: [pipelinesVisibleTo(party), { promoterOrgId: id }] }, select: { id: true } })
  if (!known) throw notFound('relationship', id)
}

/** The booking history with a counterparty, newest event first. */
const HISTORY_LIMIT = 100

async function historyWith(ctx: RequestContext, party: Party, counterpartyId: string) {
  const where = {
    AND: [pipelinesVisibleTo(party), party.side === 'promoter' ? { agencyId: counterpartyId } : { promoterOrgId: counterpartyId }],
  }
  const [rows, total] = await Promise.all([
    ctx.db.booking.findMany({
      where,
      orderBy: [{ startsAt: 'desc' }, { id: 'asc' }],
      take: HISTORY_LIMIT,
      include: { artist: { select: { id: true, name: true } } },
    }),
    ctx.db.booking.count({ where }),
  ])
  return {
    total,
    items: rows.map((b) => ({
      id: b.id,
      requestId: b.requestId,
      artistId: b.artist.id,
      artistName: b.artist.name,
      agencyId: b.agencyId,
      promoterOrgId: b.promoterOrgId,
      venueName: b.venueName,
      startsAt: b.startsAt,
      endsAt: b.endsAt,
      status: b.status,
      cancelledAt: b.cancelledAt,
      fee: money(b.fee, b.currency),
      createdAt: b.createdAt,
      updatedAt: b.updatedAt,
    })),
  }
}

export type HistoryView = Awaited<ReturnType<typeof historyWith>>

/** The caller's company as the owner of its relationship memory (a machine caller has none: 403). */
const ownerOf = (ctx: RequestContext) => partyOf(ctx)

async function ownedNote(tx: Tx, party: Party, id: string) {
  const note = await tx.relationshipNote.findFirst({ where: { id, ownerOrgId: party.orgId } })
  if (!note) throw notFound('note', id)
  return note
}

async function ownedFlag(tx: Tx, party: Party, id: string) {
  const flag = await tx.relationshipFlag.findFirst({ where: { id, ownerOrgId: party.orgId } })
  if (!flag) throw notFound('flag', id)
  return flag
}

const noteEvent = (tx: Tx, type: string, n: RelationshipNote) =>
  recordEvent(tx, { type, aggregateId: n.id, orgIds: [n.ownerOrgId], payload: { noteId: n.id, counterpartyId: n.counterpartyId } })

const flagEvent = (tx: Tx, type: string, f: RelationshipFlag) =>
  recordEvent(tx, {
    type,
    aggregateId: f.id,
    orgIds: [f.ownerOrgId],
    payload: { flagId: f.id, counterpartyId: f.counterpartyId, kind: f.kind },
  })

function flagConflict(e: unknown): never {
  if (isUniqueViolation(e)) throw conflict('already_exists', 'this counterparty already carries that flag')
  throw e
}

export const relationships = {
  /** GET /api/v1/relationships: every counterparty the company dealt with or keeps notes on, latest interaction first. */
  async list(ctx: RequestContext, page: Page): Promise<Listing<RelationshipView>> {
    const party = await ownerOf(ctx)
    const scope = await scopeOf(ctx, party)
    const keyed = Prisma.sql`
      WITH st AS (SELECT ${scope.key} AS counterparty_id, ${SUMS} FROM relationship_stats s WHERE ${scope.where} GROUP BY 1),
      k AS (SELECT counterparty_id FROM st
            UNION SELECT counterparty_id FROM relationship_notes WHERE owner_org_id = ${party.orgId}::uuid
            UNION SELECT counterparty_id FROM relationship_flags WHERE owner_org_id = ${party.orgId}::uuid)`
    const rows = await ctx.db.$queryRaw<StatRow[]>`${keyed}
      SELECT k.counterparty_id::text AS counterparty_id, st.requests, st.open_pipelines, st.bookings_confirmed, st.cancelled_by_agency,
        st.cancelled_by_promoter, st.late_cancelled_by_agency, st.late_cancelled_by_promoter, st.agency_answers, st.agency_answer_seconds,
        st.promoter_answers, st.promoter_answer_seconds, st.first_booked_at, st.last_booked_at, st.last_interaction_at, st.created_at, st.updated_at
      FROM k LEFT JOIN st USING (counterparty_id)
      ORDER BY st.last_interaction_at DESC NULLS LAST, k.counterparty_id
      LIMIT ${page.limit} OFFSET ${page.offset}`
    const ids = rows.map((r) => r.counterparty_id)
    const [memory, names] = await Promise.all([memoryOf(ctx, party.orgId, ids), agencyNames(ctx, party, ids)])
    return {
      items: rows.map((r) => ({
        counterparty: counterpartyView(party, r.counterparty_id, names),
        side: party.side,
        summary: summaryView(r, party.side),
        notes: memory.notes.filter((n) => n.counterpartyId === r.counterparty_id).map(noteView),
        flags: memory.flags.filter((f) => f.counterpartyId === r.counterparty_id).map(flagView),
        history: null,
      })),
      total: async () => {
        const [{ n }] = await ctx.db.$queryRaw<[{ n: number }]>`${keyed} SELECT count(*)::int AS n FROM k`
        return n
      },
    }
  },

  /** GET /api/v1/relationships/:companyId: the summary, the company's notes and flags and the booking history, in one call. */
  async get(ctx: RequestContext, counterpartyId: string): Promise<RelationshipView> {
    const party = await ownerOf(ctx)
    await assertCounterparty(ctx, party, counterpartyId)
    const scope = await scopeOf(ctx, party)
    const [rows, memory, names, history] = await Promise.all([
      ctx.db.$queryRaw<StatRow[]>`
        SELECT ${scope.key}::text AS counterparty_id, ${SUMS} FROM relationship_stats s
        WHERE ${scope.where} AND ${scope.key} = ${counterpartyId}::uuid GROUP BY 1`,
      memoryOf(ctx, party.orgId, [counterpartyId]),
      agencyNames(ctx, party, [counterpartyId]),
      historyWith(ctx, party, counterpartyId),
    ])
    return {
      counterparty: counterpartyView(party, counterpartyId, names),
      side: party.side,
      summary: summaryView(rows[0], party.side),
      notes: memory.notes.map(noteView),
      flags: memory.flags.map(flagView),
      history,
    }
  },

  async note(ctx: RequestContext, id: string) {
    return noteView(await ownedNote(ctx.db, await ownerOf(ctx), id))
  },

  async flag(ctx: RequestContext, id: string) {
    return flagView(await ownedFlag(ctx.db, await ownerOf(ctx), id))
  },

  async addNote(ctx: RequestContext, counterpartyId: string, input: unknown) {
    const party = await ownerOf(ctx)
    const { body } = parseInput(NoteInput, input)
    await assertCounterparty(ctx, party, counterpartyId)
    return ctx.db.$transaction(async (tx) => {
      const note = await tx.relationshipNote.create({ data: { ownerOrgId: party.orgId, counterpartyId, authorUserId: party.userId, body } })
      await noteEvent(tx, 'relationship.note.created', note)
      return noteView(note)
    })
  },

  async editNote(ctx: RequestContext, id: string, input: unknown) {
    const party = await ownerOf(ctx)
    const { body } = parseInput(NoteInput, input)
    return ctx.db.$transaction(async (tx) => {
      await ownedNote(tx, party, id)
      const note = await tx.relationshipNote.update({ where: { id }, data: { body } })
      await noteEvent(tx, 'relationship.note.edited', note)
      return noteView(note)
    })
  },

  async deleteNote(ctx: RequestContext, id: string) {
    const party = await ownerOf(ctx)
    return ctx.db.$transaction(async (tx) => {
      const note = await ownedNote(tx, party, id)
      await tx.relationshipNote.delete({ where: { id } })
      await noteEvent(tx, 'relationship.note.deleted', note)
      return { id, deleted: true }
    })
  },

  async setFlag(ctx: RequestContext, counterpartyId: string, input: unknown) {
    const party = await ownerOf(ctx)
    const data = parseInput(
      FlagInput.refine((f) => f.kind !== 'custom' || f.label, { path: ['label'], message: 'a custom flag needs a label' }),
      input,
    )
    await assertCounterparty(ctx, party, counterpartyId)
    return ctx.db
      .$transaction(async (tx) => {
        const flag = await tx.relationshipFlag.create({
          data: { ownerOrgId: party.orgId, counterpartyId, setByUserId: party.userId, kind: data.kind, label: data.label, note: data.note },
        })
        await flagEvent(tx, 'relationship.flag.set', flag)
        return flagView(flag)
      })
      .catch(flagConflict)
  },

  async editFlag(ctx: RequestContext, id: string, input: unknown) {
    const party = await ownerOf(ctx)
    const data = parseInput(FlagUpdate, input)
    return ctx.db
      .$transaction(async (tx) => {
        const before = await ownedFlag(tx, party, id)
        const label = data.label === undefined ? before.label : data.label
        if (before.kind === 'custom' && !label) throw invalidInput('label', 'a custom flag needs a label')
        const flag = await tx.relationshipFlag.update({
          where: { id },
          data: { label, note: data.note === undefined ? before.note : data.note },
        })
        await flagEvent(tx, 'relationship.flag.edited', flag)
        return flagView(flag)
      })
      .catch(flagConflict)
  },

  async clearFlag(ctx: RequestContext, id: string) {
    const party = await ownerOf(ctx)
    return ctx.db.$transaction(async (tx) => {
      const flag = await ownedFlag(tx, party, id)
      await tx.relationshipFlag.delete({ where: { id } })
      await flagEvent(tx, 'relationship.flag.cleared', flag)
      return { id, deleted: true }
    })
  },
}

export interface RelationshipView {
  counterparty: { id: string; kind: CounterpartyKind; name: string | null }
  side: Party['side']
  summary: RelationshipSummary
  notes: NoteView[]
  flags: FlagView[]
  /** Only on the by-id read: the list stays one page of summaries. */
  history: HistoryView | null
}
