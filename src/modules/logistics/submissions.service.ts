// Logistics proposals and their one-layer approval (README): the promoter of a booking drafts and submits a
// proposal per category and subject, each payload change an immutable version with its SHA-256; the artist
// side (the agency representing the artist now, or its management) approves, rejects or asks for changes on
// one version and hash. Writers of one submission run one at a time (the pipeline's row lock, then the
// submission's), so a stale decision is a clean 409 and a race ends in one winner.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { Instant } from '../../dates.ts'
import { conflict, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { LogisticsCategory, LogisticsStatus, type Booking, type LogisticsSubmission, type Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { transition, type Machine } from '../../state-machine.ts'
import { Id, parseInput, VersionNumber } from '../../validation.ts'
import { followDeals } from '../booking/deal-followers.ts'
import { partyOf, pipelinesVisibleTo, type Actor, type Party } from '../booking/parties.ts'
import { lockRequest } from '../booking/pipeline.ts'
import { recordEvent } from '../outbox/record.ts'
import { assertArtistSide, assertPromoterOf, bookingSeenBy, dealOrgs, type ActingSide } from './deal-access.ts'
import { removeSubmissionItems, writeSubmissionItems } from './itinerary.service.ts'
import { parsePayload, payloadHash } from './payloads.ts'

type Action = 'edit' | 'submit' | 'resubmit' | 'withdraw' | 'approve' | 'reject' | 'request_changes' | 'supersede'

const submissionMachine: Machine<LogisticsStatus, Action> = {
  name: 'a logistics submission',
  moves: {
    draft: { edit: 'draft', submit: 'submitted', withdraw: 'withdrawn' },
    submitted: { approve: 'approved', reject: 'rejected', request_changes: 'changes_requested', withdraw: 'withdrawn' },
    changes_requested: { resubmit: 'submitted', withdraw: 'withdrawn' },
    approved: { supersede: 'superseded' },
  },
}

const OPEN_STATUSES = ['draft', 'submitted', 'changes_requested'] as const satisfies LogisticsStatus[]

const Payload = z.record(z.string(), z.unknown()).describe("The proposal, validated by its category's schema (see the module README)")
const note = z.string().trim().min(1).max(4000)

export const SubmissionInput = z.object({
  category: z.enum(LogisticsCategory),
  subjectKey: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9:._-]{0,99}$/, 'lowercase letters, digits and : . _ - (at most 100)')
    .optional()
    .describe('What the proposal is about within its category, e.g. hotel:night-1 (default: the category)'),
  payload: Payload,
  respondBy: Instant.optional().describe('When the promoter needs an answer (shown as overdue after it; never auto-approved)'),
  note: note.optional().describe('A note on this version'),
  submit: z.boolean().default(false).describe('Submit at once instead of keeping a draft'),
})

export const EditInput = z.object({
  payload: Payload.optional().describe('A new payload: a new version'),
  respondBy: Instant.nullish(),
  note: note.optional(),
})
export const ResubmitInput = z.object({ payload: Payload, note: note.optional() })
export const WithdrawInput = z.object({ note: note.optional() })
export const DecideInput = z.object({
  version: VersionNumber.describe('The version decided on: another than the current one is 409 stale_version'),
  payloadHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in lowercase hex')
    .describe("The version's payloadHash, as the decider saw it"),
  note: note.optional().describe('Why (required to reject or to request changes)'),
})
export const SubmissionFilter = z.object({
  status: z.enum(LogisticsStatus).optional(),
  bookingId: Id.optional(),
  category: z.enum(LogisticsCategory).optional(),
  overdue: z.boolean().optional().describe('Submitted and past respondBy (true), or not (false)'),
})

const DETAIL = {
  include: { versions: { orderBy: { version: 'asc' as const } }, events: { orderBy: { seq: 'asc' as const } } },
} satisfies Selection

/** Whether a submission waits past its respond-by time for the artist side. */
export const isOverdue = (s: Pick<LogisticsSubmission, 'status' | 'respondBy'>, now: Date) =>
  s.status === 'submitted' && s.respondBy !== null && s.respondBy < now

const withOverdue = <T extends LogisticsSubmission>(s: T, now: Date) => ({ ...s, overdue: isOverdue(s, now) })

/** The steps of a submission's log (LogisticsEvent.type), each also an event `logistics.submission.<step>`. */
export const LOGISTICS_STEPS = {
  created: 'created',
  submitted: 'submitted',
  edited: 'edited',
  resubmitted: 'resubmitted',
  withdrawn: 'withdrawn',
  approved: 'approved',
  rejected: 'rejected',
  changes_requested: 'changes_requested',
  superseded: 'superseded',
} as const
type LogisticsStep = keyof typeof LOGISTICS_STEPS

interface StepActor extends Actor {
  side?: ActingSide
}

const actorOf = (party: Party, side: ActingSide): StepActor => ({ type: 'user', userId: party.userId, orgId: party.orgId, side })
const SYSTEM_STEP: StepActor = { type: 'system' }

/** One step: the log entry and its outbox event, in the transaction that made it. */
async function step(
  tx: Tx,
  s: LogisticsSubmission,
  booking: Booking,
  e: { type: LogisticsStep; from: LogisticsStatus | null; actor: StepActor; note?: string | null },
) {
  const version = await tx.logisticsSubmissionVersion.findUniqueOrThrow({
    where: { submissionId_version: { submissionId: s.id, version: s.currentVersion } },
    select: { payloadHash: true },
  })
  await tx.logisticsEvent.create({
    data: {
      submissionId: s.id,
      type: e.type,
      version: s.currentVersion,
      fromStatus: e.from,
      toStatus: s.status,
      actorType: e.actor.type,
      actorUserId: e.actor.userId,
      actorOrgId: e.actor.orgId,
      actorSide: e.actor.side,
      note: e.note,
    },
  })
  await recordEvent(tx, {
    type: `logistics.submission.${e.type}`,
    aggregateId: s.id,
    orgIds: await dealOrgs(tx, booking),
    payload: {
      submissionId: s.id,
      bookingId: s.bookingId,
      category: s.category,
      subjectKey: s.subjectKey,
      version: s.currentVersion,
      payloadHash: version.payloadHash,
      fromStatus: e.from,
      toStatus: s.status,
      actorSide: e.actor.side ?? null,
    },
  })
}

async function writeVersion(
  tx: Tx,
  s: { id: string; category: LogisticsCategory },
  version: number,
  payload: unknown,
  party: Party,
  changeNote?: string,
) {
  const parsed = parsePayload(s.category, payload)
  await tx.logisticsSubmissionVersion.create({
    data: {
      submissionId: s.id,
      version,
      payload: parsed as Prisma.InputJsonValue,
      payloadHash: payloadHash(parsed),
      changeNote,
      createdByUserId: party.userId,
      createdByOrgId: party.orgId,
    },
  })
}

function assertOpenBooking(booking: Booking) {
  if (booking.status !== 'confirmed') throw conflict('booking_cancelled', 'the booking is cancelled: its logistics are closed')
}

/** A submission on a booking the party sees (404 otherwise). */
async function visible(ctx: RequestContext, party: Party, id: string, query: Selection = {}) {
  const s = await ctx.db.logisticsSubmission.findFirst({ ...query, where: { id, booking: pipelinesVisibleTo(party) } })
  if (!s) throw notFound('logistics submission', id)
  return s
}

/**
 * Runs one step on a submission the caller sees: the pipeline locked (as a cancellation locks it), then the
 * submission's row, re-read under the locks.
 */
async function onSubmission<T>(
  ctx: RequestContext,
  id: string,
  run: (tx: Tx, party: Party, s: LogisticsSubmission, booking: Booking) => Promise<T>,
): Promise<LogisticsSubmission & { overdue: boolean }> {
  const party = await partyOf(ctx)
  const seen = await visible(ctx, party, id, { include: { booking: { select: { requestId: true } } } })
  const requestId = (seen as unknown as { booking: { requestId: string } }).booking.requestId
  await ctx.db.$transaction(async (tx) => {
    await lockRequest(tx, requestId)
    await tx.$queryRaw`SELECT id FROM logistics_submissions WHERE id = ${id}::uuid FOR UPDATE`
    const s = await tx.logisticsSubmission.findUniqueOrThrow({ where: { id } })
    const booking = await tx.booking.findUniqueOrThrow({ where: { id: s.bookingId } })
    await run(tx, party, s, booking)
  })
  return withOverdue(await ctx.db.logisticsSubmission.findUniqueOrThrow({ ...DETAIL, where: { id } }), ctx.clock.now())
}

const openExists = (s: { id: string; status: string }) =>
  conflict('submission_open', `submission ${s.id} is ${s.status} for this booking, category and subject: resubmit or withdraw it first`)

export const submissions = {
  /** The promoter drafts (or submits at once) a proposal; 409 submission_open while one is open for the subject. */
  async create(ctx: RequestContext, bookingId: string, input: unknown) {
    const data = parseInput(SubmissionInput, input)
    const { party, booking: seen } = await bookingSeenBy(ctx, bookingId)
    assertPromoterOf(party, seen)
    const subjectKey = data.subjectKey ?? data.category
    parsePayload(data.category, data.payload)
    try {
      const id = await ctx.db.$transaction(async (tx) => {
        await lockRequest(tx, seen.requestId)
        const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } })
        assertOpenBooking(booking)
        const open = await tx.logisticsSubmission.findFirst({
          where: { bookingId, category: data.category, subjectKey, status: { in: [...OPEN_STATUSES] } },
        })
        if (open) throw openExists(open)
        const now = ctx.clock.now()
        const s = await tx.logisticsSubmission.create({
          data: {
            bookingId,
            category: data.category,
            subjectKey,
            status: 'draft',
            currentVersion: 1,
            respondBy: data.respondBy,
            submittedByOrgId: party.orgId,
            submittedByUserId: party.userId,
          },
        })
        await writeVersion(tx, s, 1, data.payload, party, data.note)
        const actor = actorOf(party, 'promoter')
        await step(tx, s, booking, { type: 'created', from: null, actor, note: data.note })
        if (data.submit) {
          const submitted = await tx.logisticsSubmission.update({ where: { id: s.id }, data: { status: 'submitted', submittedAt: now } })
          await step(tx, submitted, booking, { type: 'submitted', from: 'draft', actor })
        }
        return s.id
      })
      return withOverdue(await ctx.db.logisticsSubmission.findUniqueOrThrow({ ...DETAIL, where: { id } }), ctx.clock.now())
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('submission_open', 'an open submission exists for this booking, category and subject')
      throw e
    }
  },

  /** The submissions of a booking the caller sees, newest first (of one category when given). */
  async ofBooking(ctx: RequestContext, bookingId: string, filter: { category?: LogisticsCategory | null } = {}, query: Selection = DETAIL) {
    await bookingSeenBy(ctx, bookingId)
    const rows = await ctx.db.logisticsSubmission.findMany({
      ...query,
      where: { bookingId, category: filter.category ?? undefined },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    })
    return rows.map((r) => withOverdue(r, ctx.clock.now()))
  },

  /** Booking.logistics for many bookings the caller sees: one query. */
  async forBookings(ctx: RequestContext, bookingIds: readonly string[], category?: LogisticsCategory | null) {
    const rows = await ctx.db.logisticsSubmission.findMany({
      where: { bookingId: { in: [...bookingIds] }, category: category ?? undefined },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    })
    return bookingIds.map((id) => rows.filter((r) => r.bookingId === id).map((r) => withOverdue(r, ctx.clock.now())))
  },

  /** The review inbox: submissions on the bookings the caller sees, the most urgent first. */
  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = DETAIL) {
    const f = parseInput(SubmissionFilter, filter)
    const party = await partyOf(ctx)
    const now = ctx.clock.now()
    const overdue: Prisma.LogisticsSubmissionWhereInput | undefined =
      f.overdue === undefined
        ? undefined
        : f.overdue
          ? { status: 'submitted', respondBy: { lt: now } }
          : { NOT: { status: 'submitted', respondBy: { lt: now } } }
    const where: Prisma.LogisticsSubmissionWhereInput = {
      AND: [
        { booking: pipelinesVisibleTo(party) },
        { status: f.status, bookingId: f.bookingId, category: f.category },
        ...(overdue ? [overdue] : []),
      ],
    }
    const found = await listing(ctx.db.logisticsSubmission, { where, orderBy: { respondBy: { sort: 'asc', nulls: 'last' } } }, page, query)
    return { items: found.items.map((s) => withOverdue(s, now)), total: found.total }
  },

  async get(ctx: RequestContext, id: string, query: Selection = DETAIL) {
    return withOverdue(await visible(ctx, await partyOf(ctx), id, query), ctx.clock.now())
  },

  /** The promoter edits its draft: a new payload is a new version. */
  edit: (ctx: RequestContext, id: string, input: unknown) => {
    const data = parseInput(EditInput, input)
    return onSubmission(ctx, id, async (tx, party, s, booking) => {
      assertPromoterOf(party, booking)
      assertOpenBooking(booking)
      transition(submissionMachine, s.status, 'edit')
      const version = data.payload ? s.currentVersion + 1 : s.currentVersion
      if (data.payload) await writeVersion(tx, s, version, data.payload, party, data.note)
      const edited = await tx.logisticsSubmission.update({
        where: { id },
        data: { currentVersion: version, ...(data.respondBy !== undefined ? { respondBy: data.respondBy } : {}) },
      })
      await step(tx, edited, booking, { type: 'edited', from: s.status, actor: actorOf(party, 'promoter'), note: data.note })
    })
  },

  submit: (ctx: RequestContext, id: string) =>
    onSubmission(ctx, id, async (tx, party, s, booking) => {
      assertPromoterOf(party, booking)
      assertOpenBooking(booking)
      const to = transition(submissionMachine, s.status, 'submit')
      const submitted = await tx.logisticsSubmission.update({ where: { id }, data: { status: to, submittedAt: ctx.clock.now() } })
      await step(tx, submitted, booking, { type: 'submitted', from: s.status, actor: actorOf(party, 'promoter') })
    }),

  /** After a change request, the promoter sends a new version: submitted again, the last decision cleared. */
  resubmit: (ctx: RequestContext, id: string, input: unknown) => {
    const data = parseInput(ResubmitInput, input)
    return onSubmission(ctx, id, async (tx, party, s, booking) => {
      assertPromoterOf(party, booking)
      assertOpenBooking(booking)
      const to = transition(submissionMachine, s.status, 'resubmit')
      const version = s.currentVersion + 1
      await writeVersion(tx, s, version, data.payload, party, data.note)
      const resubmitted = await tx.logisticsSubmission.update({
        where: { id },
        data: { status: to, currentVersion: version, submittedAt: ctx.clock.now(), ...NO_DECISION },
      })
      await step(tx, resubmitted, booking, { type: 'resubmitted', from: s.status, actor: actorOf(party, 'promoter'), note: data.note })
    })
  },

  withdraw: (ctx: RequestContext, id: string, input: unknown) => {
    const data = parseInput(WithdrawInput, input)
    return onSubmission(ctx, id, async (tx, party, s, booking) => {
      assertPromoterOf(party, booking)
      const to = transition(submissionMachine, s.status, 'withdraw')
      const withdrawn = await tx.logisticsSubmission.update({ where: { id }, data: { status: to, ...NO_DECISION } })
      await step(tx, withdrawn, booking, { type: 'withdrawn', from: s.status, actor: actorOf(party, 'promoter'), note: data.note })
    })
  },

  approve: (ctx: RequestContext, id: string, input: unknown) => decide(ctx, id, 'approve', input),
  reject: (ctx: RequestContext, id: string, input: unknown) => decide(ctx, id, 'reject', input),
  requestChanges: (ctx: RequestContext, id: string, input: unknown) => decide(ctx, id, 'request_changes', input),
}

const NO_DECISION = { decidedAt: null, decidedByOrgId: null, decidedByUserId: null, decidedSide: null, decisionNote: null }

const DECIDED: Record<'approve' | 'reject' | 'request_changes', LogisticsStep> = {
  approve: 'approved',
  reject: 'rejected',
  request_changes: 'changes_requested',
}

/**
 * The artist side decides on the version and hash it saw. Approving supersedes the subject's approved
 * submission (its itinerary items go with it) and writes the items a hotel or travel proposal stands for.
 */
function decide(ctx: RequestContext, id: string, action: 'approve' | 'reject' | 'request_changes', input: unknown) {
  const data = parseInput(DecideInput, input)
  if (action !== 'approve' && !data.note) throw invalidInput('note', `required to ${action === 'reject' ? 'reject' : 'request changes'}`)
  return onSubmission(ctx, id, async (tx, party, s, booking) => {
    const side = await assertArtistSide(tx, party, booking)
    assertOpenBooking(booking)
    const to = transition(submissionMachine, s.status, action)
    const current = await tx.logisticsSubmissionVersion.findUniqueOrThrow({
      where: { submissionId_version: { submissionId: id, version: s.currentVersion } },
    })
    if (data.version !== current.version || data.payloadHash !== current.payloadHash) {
      throw conflict(
        'stale_version',
        `the current version is ${current.version} (payloadHash ${current.payloadHash}): review it and decide again`,
      )
    }
    const now = ctx.clock.now()
    const actor = actorOf(party, side)
    if (action === 'approve') {
      const previous = await tx.logisticsSubmission.findFirst({
        where: { bookingId: s.bookingId, category: s.category, subjectKey: s.subjectKey, status: 'approved' },
      })
      if (previous) {
        const superseded = await tx.logisticsSubmission.update({
          where: { id: previous.id },
          data: { status: transition(submissionMachine, previous.status, 'supersede') },
        })
        await removeSubmissionItems(tx, previous.id, booking)
        await step(tx, superseded, booking, { type: 'superseded', from: 'approved', actor, note: `superseded by ${id}` })
      }
    }
    const decided = await tx.logisticsSubmission.update({
      where: { id },
      data: {
        status: to,
        decidedAt: now,
        decidedByOrgId: party.orgId,
        decidedByUserId: party.userId,
        decidedSide: side,
        decisionNote: data.note ?? null,
      },
    })
    if (action === 'approve') await writeSubmissionItems(tx, decided, booking, current.payload as Record<string, unknown>, party.orgId)
    await step(tx, decided, booking, { type: DECIDED[action], from: s.status, actor, note: data.note })
  })
}

/** The booking was cancelled: its open submissions are withdrawn in the cancellation's transaction. */
async function withdrawOpenSubmissions(tx: Tx, bookingId: string) {
  const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } })
  const open = await tx.logisticsSubmission.findMany({ where: { bookingId, status: { in: [...OPEN_STATUSES] } } })
  for (const s of open) {
    const withdrawn = await tx.logisticsSubmission.update({ where: { id: s.id }, data: { status: 'withdrawn', ...NO_DECISION } })
    await step(tx, withdrawn, booking, { type: 'withdrawn', from: s.status, actor: SYSTEM_STEP, note: 'the booking was cancelled' })
  }
}

followDeals({ cancelled: (tx, bookingId) => withdrawOpenSubmissions(tx, bookingId) })
