// Booking-linked contracts: drafted from a template for a booking (or early, for a hold), edited only by new
// immutable versions under optimistic concurrency, sent, signed by their signers in order, and voided or
// cancelled with a reason. Every step is on the contract's append-only timeline, in the same transaction.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, forbidden, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import {
  BookingSide,
  ContractStatus,
  SignerRole,
  SigningOrder,
  type Contract,
  type ContractSignature,
  type ContractSigner,
  type Prisma,
} from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput, VersionNumber } from '../../validation.ts'
import { followDeals } from '../booking/deal-followers.ts'
import { recordContractEvent } from '../outbox/record.ts'
import { agenciesBridgedTo } from '../../access/ownership.ts'
import { actionsView, blocked, partyChecks, stateAllows, type ActionsView } from '../booking/actions.ts'
import { effectiveHoldStatus } from '../booking/state.ts'
import {
  actingOn,
  actsForRequests,
  artistOnSideNow,
  assertActsFor,
  partyOf,
  pipelinesVisibleTo,
  representingAgency,
  type Party,
} from '../booking/parties.ts'
import { contractsFollowTheDeal } from './deal-links.ts'
import { bookingValues, MERGE_FIELDS, render, unresolvedFields, type MergeField } from './merge.ts'
import { contractMachine, transition } from './state.ts'
import { findOwnTemplate } from './templates.service.ts'

// Contracts follow their deal: moved to its booking, closed when it is off (see deal-links.ts).
followDeals(contractsFollowTheDeal)

/**
 * The newest of versions loaded newest first. A contract and a template are created with their first
 * version in one transaction, so one exists; none loaded is a query that forgot to ask for it.
 */
export function newestVersion<V>(versions: V[], of: { id: string }): V {
  const [newest] = versions
  if (!newest) throw new Error(`no version loaded for ${of.id}`)
  return newest
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const text = (max: number) => z.string().trim().min(1).max(max)

export const SignerInput = z.object({
  role: z.enum(SignerRole),
  side: z.enum(BookingSide).describe('The party whose users sign for this signer'),
  name: text(200),
  email: z.email().max(320).nullish(),
  userId: Id.nullish().describe('Only this user of the side may sign, when set'),
  position: z.number().int().min(1).max(100).optional().describe('Order in a sequential signing (default: last)'),
  required: z.boolean().default(true),
})

export const ContractInput = z
  .object({
    templateId: Id,
    bookingId: Id.optional().describe('The confirmed booking the contract is for'),
    holdId: Id.optional().describe('Or an active hold, to send paper early'),
    title: text(300).optional(),
    signingOrder: z.enum(SigningOrder).default('sequential'),
    values: z
      .array(z.object({ field: z.string().describe('A merge field, e.g. promoter.name'), value: z.string().trim().min(1).max(500) }))
      .max(50)
      .optional()
      .describe('Merge values the booking does not know (e.g. promoter.name), or overrides'),
    signers: z.array(SignerInput).max(20).default([]),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.bookingId) === Boolean(c.holdId))
      ctx.addIssue({ code: 'custom', path: ['bookingId'], message: 'give exactly one of bookingId and holdId' })
    c.values?.forEach((v, i) => {
      if (!(v.field in MERGE_FIELDS))
        ctx.addIssue({
          code: 'custom',
          path: ['values', i, 'field'],
          message: `not a merge field (${Object.keys(MERGE_FIELDS).join(', ')})`,
        })
    })
  })

export const EditInput = z.object({
  baseVersion: VersionNumber.describe('The version the edit was made on: a stale one is refused (409 stale_version)'),
  body: z.string().min(1).max(200_000),
  changeNote: text(2000).optional(),
})

export const SignInput = z.object({
  signerId: Id,
  contentHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected the SHA-256 of the version being signed')
    .describe('The hash of the version the signer read: signing anything but the current version is refused'),
})

export const ReasonInput = z.object({ reason: text(2000) })

export const AttachmentInput = z.object({
  name: text(255),
  mimeType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'expected a MIME type'),
  sizeBytes: z.number().int().min(0).max(2_000_000_000),
  storageRef: text(1000).describe('Where storage keeps the file, e.g. s3://bucket/key'),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullish(),
  version: VersionNumber.optional().describe('The contract version it belongs to (default: current)'),
})

export const ContractFilter = z.object({
  status: z.enum(ContractStatus).optional(),
  bookingId: Id.optional(),
  requestId: Id.optional(),
  awaitingMe: z
    .boolean()
    .optional()
    .describe("true: contracts whose signing waits for a signer of the caller's side (the caller may sign now); false: the rest"),
})

/** The steps of a contract's audit timeline (ContractEvent.type). */
export const CONTRACT_STEPS = {
  created: 'created',
  edited: 'edited',
  signer_added: 'signer_added',
  signer_removed: 'signer_removed',
  sent: 'sent',
  signed: 'signed',
  fully_signed: 'fully_signed',
  status_changed: 'status_changed',
  attachment_added: 'attachment_added',
  attachment_removed: 'attachment_removed',
  voided: 'voided',
  cancelled: 'cancelled',
} as const

type Actor = { userId: string; orgId: string }

async function event(
  tx: Tx,
  actor: Actor,
  e: {
    contractId: string
    type: keyof typeof CONTRACT_STEPS
    version?: number
    signerId?: string
    from?: string
    to?: string
    note?: string | null
  },
) {
  await tx.contractEvent.create({
    data: {
      contractId: e.contractId,
      type: e.type,
      version: e.version,
      signerId: e.signerId,
      fromStatus: e.from,
      toStatus: e.to,
      note: e.note,
      actorUserId: actor.userId,
      actorOrgId: actor.orgId,
    },
  })
  await recordContractEvent(tx, { ...e, actorOrgId: actor.orgId })
}

/** The current version (the one to sign): the newest. */
export const currentVersion = { orderBy: { version: 'desc' }, take: 1 } satisfies Prisma.Contract$versionsArgs
/** Attachments not removed, oldest first. */
export const liveAttachments = { where: { removedAt: null }, orderBy: { createdAt: 'asc' } } satisfies Prisma.Contract$attachmentsArgs
/** What a contract read loads for `contracts.view`. */
export const ContractView = { versions: currentVersion, attachments: liveAttachments } satisfies Prisma.ContractInclude

type ContractWithCurrent = Prisma.ContractGetPayload<{ include: typeof ContractView }>

/**
 * Contracts a party may see: the promoter those of the pipelines it started; an agency the contracts it is the artist
 * side of (`agencyId`: the agency credited with the booking, or, paper sent early on a hold, the one representing the
 * artist when it was drafted), and those of the artists it represents now (a handover brings them along), as
 * pipelinesVisibleTo reads the deal's. After a handover, the agency the request was sent to keeps its own paper and
 * does not read the new agency's.
 */
const visibleTo = (party: Party): Prisma.ContractWhereInput =>
  party.side === 'promoter'
    ? { promoterOrgId: party.orgId }
    : { OR: [{ agencyId: party.agencyId }, { request: artistOnSideNow(party.agencyId) }] }

async function visibleContract(ctx: RequestContext, party: Party, id: string) {
  const contract = await ctx.db.contract.findFirst({ where: { AND: [{ id }, visibleTo(party)] } })
  if (!contract) throw notFound('contract', id)
  return contract
}

async function locked(tx: Tx, id: string): Promise<Contract> {
  await tx.$queryRaw`SELECT id FROM contracts WHERE id = ${id}::uuid FOR UPDATE`
  return tx.contract.findUniqueOrThrow({ where: { id } })
}

/** Runs a change on a contract the party can see, under the contract's row lock. */
async function change<T>(ctx: RequestContext, id: string, run: (tx: Tx, party: Party, contract: Contract) => Promise<T>): Promise<T> {
  const party = await partyOf(ctx)
  const { requestId } = await visibleContract(ctx, party, id)
  return ctx.db.$transaction(async (tx) => {
    const contract = await locked(tx, id)
    // Seeing a contract is not enough to change or sign it: the party must act on its deal now.
    await assertActsFor(tx, party, await tx.bookingRequest.findUniqueOrThrow({ where: { id: requestId } }))
    return run(tx, party, contract)
  })
}

const activeSigners = (tx: Tx, contractId: string) =>
  tx.contractSigner.findMany({ where: { contractId, removedAt: null }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] })

const currentSignatures = async (tx: Tx, contract: Contract) =>
  tx.contractSignature.findMany({ where: { contractId: contract.id, version: { version: contract.currentVersion } } })

/**
 * The required signers who have not signed the current version and hold the contract up: in a sequential
 * signing, the first of them; in a parallel one, all of them.
 */
export function blockingSigners(
  contract: Pick<Contract, 'signingOrder' | 'status'>,
  signers: ContractSigner[],
  signatures: ContractSignature[],
) {
  if (contract.status !== 'sent' && contract.status !== 'partially_signed') return []
  const signed = new Set(signatures.map((s) => s.signerId))
  const waiting = signers.filter((s) => s.required && !s.removedAt && !signed.has(s.id))
  return contract.signingOrder === 'sequential' ? waiting.slice(0, 1) : waiting
}

/** Sent, partially signed or signed, from the signatures on the current version. */
async function settleSignatures(tx: Tx, actor: Actor, contract: Contract): Promise<void> {
  const signers = await activeSigners(tx, contract.id)
  const signatures = await currentSignatures(tx, contract)
  const required = signers.filter((s) => s.required)
  const signed = new Set(signatures.map((s) => s.signerId))
  const action = required.length > 0 && required.every((s) => signed.has(s.id)) ? 'complete' : signatures.length > 0 ? 'sign' : 'edit'
  const to = transition(contractMachine, contract.status, action)
  if (to === contract.status) return
  await tx.contract.update({ where: { id: contract.id }, data: { status: to, signedAt: to === 'signed' ? new Date() : null } })
  await event(tx, actor, {
    contractId: contract.id,
    type: to === 'signed' ? 'fully_signed' : 'status_changed',
    version: contract.currentVersion,
    from: contract.status,
    to,
  })
}

/** What the contract is drafted for (a confirmed booking, or an active hold), and what it knows of it. */
async function draftingSubject(ctx: RequestContext, party: Party, data: z.output<typeof ContractInput>) {
  // A booking and a hold as every read of them sees them: after a handover, the new agency's booking is not the former's.
  const seen = pipelinesVisibleTo(party)
  // The promoter's name as the directory knows it: the market company its tenant company is bridged to.
  const promoterName = async (orgId: string) => (await agenciesBridgedTo(ctx.db, [orgId])).get(orgId)?.name ?? null
  if (data.bookingId) {
    const booking = await ctx.db.booking.findFirst({
      where: { AND: [{ id: data.bookingId }, seen] },
      include: { request: true, artist: true, agency: true, city: true, depositTerms: { orderBy: { seq: 'asc' } } },
    })
    if (!booking) throw invalidInput('bookingId', 'unknown booking')
    if (booking.status !== 'confirmed') throw conflict('booking_not_confirmed', 'contracts are drafted for confirmed bookings')
    const r = booking.request
    return {
      requestId: booking.requestId,
      agencyId: booking.agencyId,
      values: bookingValues({
        artistName: booking.artist.name,
        agencyName: booking.agency.name,
        ...r,
        promoterName: await promoterName(r.promoterOrgId),
        timezone: booking.city?.timezone ?? null,
        draftedAt: ctx.clock.now(),
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        terms: booking,
      }),
    }
  }
  const hold = await ctx.db.bookingHold.findFirst({
    where: { id: data.holdId, request: seen },
    include: {
      city: true,
      request: { include: { artist: true, agency: true } },
      offer: { include: { depositTerms: { orderBy: { seq: 'asc' } } } },
    },
  })
  if (!hold) throw invalidInput('holdId', 'unknown hold')
  // As the pipeline reads it now: expired, or released by a challenge it did not answer in time, it is no deal to draft.
  if (effectiveHoldStatus(hold, ctx.clock.now()) !== 'active')
    throw conflict('hold_not_active', 'paper is sent early only on an active hold')
  const r = hold.request
  // The agency that will confirm the hold, and be credited with the booking: the one representing the artist now (after
  // a handover, not the one the request was sent to).
  const agency = (await representingAgency(ctx.db, r.artistId)) ?? r.agency
  return {
    requestId: hold.requestId,
    agencyId: agency.id,
    values: bookingValues({
      artistName: r.artist.name,
      agencyName: agency.name,
      ...r,
      promoterName: await promoterName(r.promoterOrgId),
      timezone: hold.city?.timezone ?? null,
      draftedAt: ctx.clock.now(),
      startsAt: hold.startsAt,
      endsAt: hold.endsAt,
      terms: hold.offer,
    }),
  }
}

export const CONTRACT_ACTIONS = ['edit', 'send', 'sign', 'void', 'cancel'] as const
export type ContractAction = (typeof CONTRACT_ACTIONS)[number]

export const contracts = {
  /**
   * What the caller may do with the contract now, and why not the rest: edits, sending and closing need
   * contracts.manage, signing contracts.sign; only the drafting side sends or cancels; a signer signs when
   * it is its turn (in a sequential signing, the first missing required signer's).
   */
  async actions(ctx: RequestContext, contract: Contract): Promise<ActionsView<ContractAction>> {
    const party = await partyOf(ctx)
    const acting = await ctx
      .loader<string, boolean>('actsForRequest', (ids) => actsForRequests(ctx.db, party, ids))
      .load(contract.requestId)
    const [manages, signs] = [await ctx.may('contracts.manage'), await ctx.may('contracts.sign')]
    const [signing] = await contracts.signing(ctx, [contract])
    const current = await ctx.db.contractVersion.findUnique({
      where: { contractId_version: { contractId: contract.id, version: contract.currentVersion } },
      select: { body: true },
    })
    const unresolved = current ? unresolvedFields(current.body) : []
    const mySigners = (signing?.blocking ?? []).filter((s) => s.side === party.side && (!s.userId || s.userId === party.userId))
    const waitingOn = (signing?.blocking ?? []).filter((s) => s.side !== party.side)
    const drafter = (action: ContractAction) =>
      party.side === contract.createdBySide
        ? null
        : blocked('wrong_side', `only the ${contract.createdBySide} side, which drafted it, may ${action} it`)
    return actionsView(CONTRACT_ACTIONS, (action) => [
      ...partyChecks({ party, acting, manages: action === 'sign' ? signs : manages }),
      stateAllows(contractMachine, contract.status, action),
      action === 'send' || action === 'cancel' ? drafter(action) : null,
      action === 'send' && !signing?.signers.some((s) => s.required)
        ? blocked('no_signers', 'add at least one required signer before sending')
        : null,
      action === 'send' && unresolved.length
        ? blocked('unresolved_merge_fields', `fill these merge fields before sending: ${unresolved.join(', ')}`)
        : null,
      action === 'sign' && !mySigners.length
        ? waitingOn.length
          ? blocked('waiting_for_counterparty_signature', `waiting for ${waitingOn.map((s) => `${s.name} (${s.role})`).join(', ')} to sign`)
          : blocked('not_the_signer', 'no signer of your side signs this version now')
        : null,
    ])
  },

  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    const data = parseInput(ContractInput, input)
    const template = await findOwnTemplate(ctx, data.templateId, { include: { versions: { orderBy: { version: 'desc' }, take: 1 } } })
    // Like bookingId and holdId: a template that is not the caller's to use is a bad reference in the input.
    if (!template) throw invalidInput('templateId', 'unknown template')
    if (template.archivedAt) throw invalidInput('templateId', 'the template is archived')
    const latest = newestVersion((template as typeof template & { versions: { version: number; body: string }[] }).versions, template)

    const subject = await draftingSubject(ctx, party, data)
    await assertActsFor(ctx.db, party, await ctx.db.bookingRequest.findUniqueOrThrow({ where: { id: subject.requestId } }))
    const values = { ...subject.values, ...Object.fromEntries((data.values ?? []).map((v) => [v.field as MergeField, v.value])) }
    const body = render(latest.body, values)
    const actor: Actor = { userId: party.userId, orgId: party.orgId }
    try {
      const created = await ctx.db.$transaction(async (tx) => {
        const contract = await tx.contract.create({
          data: {
            requestId: subject.requestId,
            agencyId: subject.agencyId,
            bookingId: data.bookingId,
            holdId: data.holdId,
            templateId: template.id,
            templateVersion: latest.version,
            title: data.title ?? `${template.name} — ${values['artist.name']} ${values['event.date']}`,
            signingOrder: data.signingOrder,
            createdBySide: party.side,
            createdByOrgId: party.orgId,
            versions: {
              create: { version: 1, body, contentHash: sha256(body), createdByUserId: party.userId, createdByOrgId: party.orgId },
            },
            signers: { create: data.signers.map((s, i) => ({ ...s, position: s.position ?? i + 1 })) },
          },
        })
        await event(tx, actor, {
          contractId: contract.id,
          type: 'created',
          version: 1,
          to: 'draft',
          note: `from template ${template.name} v${latest.version}`,
        })
        return contract
      })
      return ctx.db.contract.findUniqueOrThrow({ ...query, where: { id: created.id } })
    } catch (e) {
      if (isUniqueViolation(e, 'contracts_live_per_request_uniq'))
        throw conflict('contract_exists', 'this booking already has a live contract: void or cancel it first')
      throw e
    }
  },

  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    const party = await partyOf(ctx)
    const contract = await ctx.db.contract.findFirst({ ...query, where: { AND: [{ id }, visibleTo(party)] } })
    if (!contract) throw notFound('contract', id)
    return contract
  },

  /** The contracts among `ids` the caller may see (federation references). */
  async byIds(ctx: RequestContext, ids: string[], query: Selection = {}) {
    const party = await partyOf(ctx)
    return ctx.db.contract.findMany({ ...query, where: { AND: [{ id: { in: ids } }, visibleTo(party)] } })
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const party = await partyOf(ctx)
    const f = parseInput(ContractFilter, filter)
    const awaiting =
      f.awaitingMe === undefined ? {} : { id: { [f.awaitingMe ? 'in' : 'notIn']: await contracts.awaitingSignature(ctx, party) } }
    const where: Prisma.ContractWhereInput = {
      AND: [visibleTo(party), { status: f.status, bookingId: f.bookingId, requestId: f.requestId }, awaiting],
    }
    return listing(ctx.db.contract, { where, orderBy: { createdAt: 'desc' } }, page, query)
  },

  /**
   * The contracts whose signing waits for the party now: sent or partially signed, on a deal the party acts on,
   * with a blocking signer (blockingSigners: the next in a sequential signing, any in a parallel one) of its
   * side that this user may sign for. The signatures badge counts these.
   */
  async awaitingSignature(ctx: RequestContext, party: Party): Promise<string[]> {
    const open = await ctx.db.contract.findMany({
      where: { AND: [visibleTo(party), { status: { in: ['sent', 'partially_signed'] }, request: actingOn(party) }] },
    })
    const signing = await contracts.signing(ctx, open)
    return open
      .filter((_c, i) => signing[i]?.blocking.some((s) => s.side === party.side && (s.userId === null || s.userId === party.userId)))
      .map((c) => c.id)
  },

  /** The live contract of each booking (for Booking.contract), in one query. */
  async liveForBookings(ctx: RequestContext, bookings: readonly { requestId: string }[]) {
    const party = await partyOf(ctx)
    const rows = await ctx.db.contract.findMany({
      where: { AND: [visibleTo(party), { requestId: { in: bookings.map((b) => b.requestId) }, status: { notIn: ['void', 'cancelled'] } }] },
    })
    return bookings.map((b) => rows.find((c) => c.requestId === b.requestId) ?? null)
  },

  /** A new immutable version, made on the current one (optimistic concurrency). */
  async edit(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const data = parseInput(EditInput, input)
    await change(ctx, id, async (tx, party, contract) => {
      const to = transition(contractMachine, contract.status, 'edit')
      if (data.baseVersion !== contract.currentVersion) {
        throw conflict(
          'stale_version',
          `the contract is at version ${contract.currentVersion}, not ${data.baseVersion}: reload it and apply the edit again`,
        )
      }
      const current = await tx.contractVersion.findUniqueOrThrow({
        where: { contractId_version: { contractId: id, version: contract.currentVersion } },
      })
      const hash = sha256(data.body)
      if (hash === current.contentHash) throw invalidInput('body', 'the text is unchanged')
      const version = contract.currentVersion + 1
      await tx.contractVersion.create({
        data: {
          contractId: id,
          version,
          body: data.body,
          contentHash: hash,
          changeNote: data.changeNote,
          createdByUserId: party.userId,
          createdByOrgId: party.orgId,
        },
      })
      await tx.contract.update({ where: { id }, data: { currentVersion: version, status: to } })
      await event(tx, party, { contractId: id, type: 'edited', version, from: contract.status, to, note: data.changeNote })
    })
    return ctx.db.contract.findUniqueOrThrow({ ...query, where: { id } })
  },

  async versions(ctx: RequestContext, id: string) {
    await visibleContract(ctx, await partyOf(ctx), id)
    return ctx.db.contractVersion.findMany({ where: { contractId: id }, orderBy: { version: 'desc' } })
  },

  async version(ctx: RequestContext, id: string, version: number) {
    await visibleContract(ctx, await partyOf(ctx), id)
    const row = await ctx.db.contractVersion.findUnique({ where: { contractId_version: { contractId: id, version } } })
    if (!row) throw notFound(`version ${version} of contract`, id)
    return row
  },

  async addSigner(ctx: RequestContext, id: string, input: unknown) {
    const data = parseInput(SignerInput, input)
    return change(ctx, id, async (tx, party, contract) => {
      transition(contractMachine, contract.status, 'edit')
      const last = await tx.contractSigner.aggregate({ where: { contractId: id, removedAt: null }, _max: { position: true } })
      const signer = await tx.contractSigner.create({
        data: { ...data, contractId: id, position: data.position ?? (last._max.position ?? 0) + 1 },
      })
      await event(tx, party, {
        contractId: id,
        type: 'signer_added',
        signerId: signer.id,
        note: `${signer.name} (${signer.role}, ${signer.side})`,
      })
      await settleSignatures(tx, party, contract)
      return signer
    })
  },

  async removeSigner(ctx: RequestContext, id: string, signerId: string) {
    return change(ctx, id, async (tx, party, contract) => {
      transition(contractMachine, contract.status, 'edit')
      const signer = await tx.contractSigner.findFirst({ where: { id: signerId, contractId: id, removedAt: null } })
      if (!signer) throw notFound('signer', signerId)
      const removed = await tx.contractSigner.update({ where: { id: signerId }, data: { removedAt: new Date() } })
      await event(tx, party, { contractId: id, type: 'signer_removed', signerId, note: signer.name })
      // Removing the last missing signer can complete the contract.
      await settleSignatures(tx, party, contract)
      return removed
    })
  },

  /** The drafting side sends the contract out for signature. */
  async send(ctx: RequestContext, id: string, query: Selection = {}) {
    await change(ctx, id, async (tx, party, contract) => {
      if (party.side !== contract.createdBySide) throw forbidden('only the side that drafted the contract sends it', 'wrong_side')
      const to = transition(contractMachine, contract.status, 'send')
      const signers = await activeSigners(tx, id)
      if (!signers.some((s) => s.required)) throw conflict('no_signers', 'add at least one required signer before sending')
      const current = await tx.contractVersion.findUniqueOrThrow({
        where: { contractId_version: { contractId: id, version: contract.currentVersion } },
      })
      const unresolved = unresolvedFields(current.body)
      if (unresolved.length) throw conflict('unresolved_merge_fields', `fill these merge fields before sending: ${unresolved.join(', ')}`)
      await tx.contract.update({ where: { id }, data: { status: to, sentAt: new Date() } })
      await event(tx, party, { contractId: id, type: 'sent', version: contract.currentVersion, from: contract.status, to })
    })
    return ctx.db.contract.findUniqueOrThrow({ ...query, where: { id } })
  },

  /** A signer signs the current version, for its side, in its turn. */
  async sign(ctx: RequestContext, id: string, input: unknown, client: { ip?: string; userAgent?: string }, query: Selection = {}) {
    const data = parseInput(SignInput, input)
    await change(ctx, id, async (tx, party, contract) => {
      const signer = await tx.contractSigner.findFirst({ where: { id: data.signerId, contractId: id, removedAt: null } })
      if (!signer) throw notFound('signer', data.signerId)
      transition(contractMachine, contract.status, 'sign')
      // change() made sure the party acts on this deal; a signer signs for one side of it.
      if (signer.side !== party.side)
        throw forbidden(`only the ${signer.side} side of this booking signs for ${signer.name}`, 'not_the_signer')
      if (signer.userId && signer.userId !== party.userId)
        throw forbidden(`only ${signer.name}'s own user signs for them`, 'not_the_signer')

      const current = await tx.contractVersion.findUniqueOrThrow({
        where: { contractId_version: { contractId: id, version: contract.currentVersion } },
      })
      if (data.contentHash !== current.contentHash) {
        throw conflict(
          'stale_version',
          `this is not the current version (${contract.currentVersion}) of the contract: read it again before signing`,
        )
      }
      const signers = await activeSigners(tx, id)
      const signatures = await currentSignatures(tx, contract)
      if (signatures.some((s) => s.signerId === signer.id)) throw conflict('already_signed', `${signer.name} already signed this version`)
      const [blocking] = blockingSigners(contract, signers, signatures)
      if (contract.signingOrder === 'sequential' && signer.required && blocking && blocking.id !== signer.id) {
        throw conflict('not_your_turn', `${blocking.name} (${blocking.role}) signs first`)
      }
      await tx.contractSignature.create({
        data: {
          contractId: id,
          signerId: signer.id,
          versionId: current.id,
          contentHash: current.contentHash,
          signedByUserId: party.userId,
          signedByOrgId: party.orgId,
          ip: client.ip,
          userAgent: client.userAgent?.slice(0, 500),
        },
      })
      await event(tx, party, {
        contractId: id,
        type: 'signed',
        version: contract.currentVersion,
        signerId: signer.id,
        note: `${signer.name} (${signer.role})`,
      })
      await settleSignatures(tx, party, contract)
    })
    return ctx.db.contract.findUniqueOrThrow({ ...query, where: { id } })
  },

  /** Either party voids a sent or signed contract; the drafting side cancels a draft. Both need a reason. */
  async close(ctx: RequestContext, id: string, action: 'void' | 'cancel', input: unknown, query: Selection = {}) {
    const { reason } = parseInput(ReasonInput, input)
    await change(ctx, id, async (tx, party, contract) => {
      if (action === 'cancel' && party.side !== contract.createdBySide)
        throw forbidden('only the side that drafted the contract cancels it', 'wrong_side')
      const to = transition(contractMachine, contract.status, action)
      await tx.contract.update({ where: { id }, data: { status: to, closedReason: reason } })
      await event(tx, party, { contractId: id, type: action === 'void' ? 'voided' : 'cancelled', from: contract.status, to, note: reason })
    })
    return ctx.db.contract.findUniqueOrThrow({ ...query, where: { id } })
  },

  async addAttachment(ctx: RequestContext, id: string, input: unknown) {
    const { version, ...data } = parseInput(AttachmentInput, input)
    return change(ctx, id, async (tx, party, contract) => {
      transition(contractMachine, contract.status, 'attach')
      const target = await tx.contractVersion.findUnique({
        where: { contractId_version: { contractId: id, version: version ?? contract.currentVersion } },
      })
      if (!target) throw invalidInput('version', `the contract has no version ${version}`)
      const attachment = await tx.contractAttachment.create({
        data: { ...data, contractId: id, versionId: target.id, uploadedByUserId: party.userId },
      })
      await event(tx, party, { contractId: id, type: 'attachment_added', version: target.version, note: data.name })
      return attachment
    })
  },

  async removeAttachment(ctx: RequestContext, id: string, attachmentId: string) {
    return change(ctx, id, async (tx, party, contract) => {
      transition(contractMachine, contract.status, 'attach')
      const attachment = await tx.contractAttachment.findFirst({ where: { id: attachmentId, contractId: id, removedAt: null } })
      if (!attachment) throw notFound('attachment', attachmentId)
      const removed = await tx.contractAttachment.update({ where: { id: attachmentId }, data: { removedAt: new Date() } })
      await event(tx, party, { contractId: id, type: 'attachment_removed', note: attachment.name })
      return removed
    })
  },

  /**
   * A contract as both faces show it: its current version and what that version still lacks, its signers,
   * the signatures on the current version (the ones that count), and who holds it up. GraphQL resolves the
   * same parts from `signing` and `currentVersion`.
   */
  async view(ctx: RequestContext, contract: Contract) {
    const { versions, ...rest } = contract as ContractWithCurrent
    const [signing] = await contracts.signing(ctx, [contract])
    const current = newestVersion(versions, contract)
    return { ...rest, current, unresolvedFields: unresolvedFields(current.body), ...signing, ...(await contracts.actions(ctx, contract)) }
  },

  /** Per contract: signers, the current version's signatures, and who holds it up (two statements for any number). */
  async signing(ctx: RequestContext, list: readonly Contract[]) {
    const ids = list.map((c) => c.id)
    const [signers, signatures] = await Promise.all([
      ctx.db.contractSigner.findMany({
        where: { contractId: { in: ids }, removedAt: null },
        orderBy: [{ position: 'asc' }, { createdAt: 'asc' }],
      }),
      ctx.db.contractSignature.findMany({
        where: { OR: list.map((c) => ({ contractId: c.id, version: { version: c.currentVersion } })) },
        orderBy: { signedAt: 'asc' },
      }),
    ])
    return list.map((contract) => {
      const own = {
        signers: signers.filter((s) => s.contractId === contract.id),
        signatures: signatures.filter((s) => s.contractId === contract.id),
      }
      return { ...own, blocking: blockingSigners(contract, own.signers, own.signatures) }
    })
  },

  async events(ctx: RequestContext, id: string) {
    await visibleContract(ctx, await partyOf(ctx), id)
    return ctx.db.contractEvent.findMany({ where: { contractId: id }, orderBy: { seq: 'asc' } })
  },
}
