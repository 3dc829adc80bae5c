// Who represents which artist. An agency claims to represent an artist in a role (agency or management);
// a claim against a current representation, or competing with another claim, opens a dispute. Claims are
// decided by platform admins, or by the incumbent agency handing over; an agency claiming an artist it
// created, that nobody represents, is approved at once. Every step is written to the append-only
// representation events in the same transaction. Writes on one (artist, role) are serialized.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { advisoryLock } from '../../db/locks.ts'
import { addDays, Day, dayOf, formatDay, maxDay, today } from '../../dates.ts'
import { conflict, forbidden, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import {
  DisputeStatus,
  RepresentationClaimStatus,
  RepresentationRole,
  type Prisma,
  type RepresentationClaim,
  type RepresentationEventType,
  type RosterLink,
} from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { withdrawAvailabilityAfter } from './withdraw-availability.ts'
import { recordRepresentationEvent } from '../outbox/record.ts'
import { RejectInput, ReviewInput } from './company-claims.service.ts'
import { endTeamWithLastRole, roster } from './roster.service.ts'

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish()

export const RepresentationClaimInput = z.object({
  artistId: Id,
  role: z.enum(RepresentationRole).default('agency'),
  territory: optionalText(200).describe('What the representation covers, e.g. "Worldwide" or "Europe"'),
  startsOn: Day.optional().describe('First day of the representation (YYYY-MM-DD, today or later; default today)'),
  message: optionalText(2000).describe('Context for the reviewers and the current representative'),
})

export const RepresentationClaimFilter = z.object({
  status: z.enum(RepresentationClaimStatus).optional(),
  artistId: Id.optional(),
  scope: z
    .enum({ mine: 'mine', incoming: 'incoming' })
    .optional()
    .describe("An agency's own claims (mine) or claims on artists it represents (incoming)"),
})

export const DisputeFilter = z.object({
  status: z.enum(DisputeStatus).optional(),
  artistId: Id.optional(),
})

export const ResolveDisputeInput = z.object({
  winningClaimId: Id.nullish().describe('The claim that wins; none keeps the current representation'),
  resolution: z.string().trim().min(1).max(2000).describe('Why, for the record'),
  reviewer: ReviewInput.shape.reviewer,
})

const OPEN: RepresentationClaimStatus[] = ['pending', 'disputed']
const PLATFORM = 'platform-admin'

/** Who acts, as written to the events: a user of a company, a machine (platform admin), or the system. */
interface Actor {
  type: 'user' | 'machine' | 'system'
  userId?: string
  orgId?: string
  label: string
}

async function actorOf(ctx: RequestContext, reviewer?: string): Promise<Actor> {
  const caller = await ctx.caller()
  if (caller.kind === 'machine') return { type: 'machine', userId: reviewer, label: reviewer ?? PLATFORM }
  return { type: 'user', userId: caller.userId, orgId: caller.orgId, label: `user:${caller.userId}` }
}

const SYSTEM: Actor = { type: 'system', label: 'system' }

async function record(
  tx: Tx,
  actor: Actor,
  event: {
    artistId: string
    type: RepresentationEventType
    claimId?: string
    disputeId?: string | null
    rosterLinkId?: string
    note?: string | null
  },
) {
  await tx.representationEvent.create({
    data: { ...event, actorType: actor.type, actorUserId: actor.userId, actorOrgId: actor.orgId },
  })
  await recordRepresentationEvent(tx, actor, event)
}

/** Serializes every representation change of one artist in one role. */
const lockArtistRole = (tx: Tx, artistId: string, role: RepresentationRole) => advisoryLock(tx, `representation:${artistId}:${role}`)

/** The link of (artist, role) in force on `day` or later (at most one, by the exclusion constraint). */
function currentLink(tx: Tx, artistId: string, role: RepresentationRole, day = today()) {
  return tx.rosterLink.findFirst({
    where: { artistId, role, OR: [{ endsOn: null }, { endsOn: { gte: day } }] },
    orderBy: { startsOn: 'asc' },
  })
}

async function lockedOpenClaim(tx: Tx, id: string): Promise<RepresentationClaim> {
  const claim = await tx.representationClaim.findUnique({ where: { id } })
  if (!claim) throw notFound('representation claim', id)
  await lockArtistRole(tx, claim.artistId, claim.role)
  const fresh = await tx.representationClaim.findUniqueOrThrow({ where: { id } })
  if (!OPEN.includes(fresh.status)) throw conflict('invalid_transition', `the claim is ${fresh.status}, not open`)
  return fresh
}

/**
 * Approves an open claim: the claimant's representation starts (the incumbent's, if any, ends the day
 * before), and a dispute the claim was part of is resolved in its favour.
 */
async function approveClaim(tx: Tx, claim: RepresentationClaim, actor: Actor, note?: string | null) {
  let startsOn = maxDay(claim.startsOn, today())
  const incumbent = await currentLink(tx, claim.artistId, claim.role, startsOn)
  // A handover already scheduled (a successor starting after the incumbent) is not overridden silently.
  const successor = incumbent
    ? await tx.rosterLink.findFirst({
        where: { artistId: claim.artistId, role: claim.role, startsOn: { gt: incumbent.startsOn } },
        include: { agency: { select: { name: true } } },
      })
    : null
  if (successor) {
    throw conflict(
      'representation_scheduled',
      `a handover to ${successor.agency.name} is already scheduled from ${formatDay(successor.startsOn)}`,
    )
  }
  if (incumbent) {
    // A representation that starts on the handover day still keeps that one day.
    if (incumbent.startsOn.getTime() >= startsOn.getTime()) startsOn = addDays(incumbent.startsOn, 1)
    const ended = await tx.rosterLink.update({ where: { id: incumbent.id }, data: { endsOn: addDays(startsOn, -1) } })
    await record(tx, actor, {
      artistId: claim.artistId,
      type: 'representation_ended',
      rosterLinkId: ended.id,
      claimId: claim.id,
      note: 'handed over',
    })
    await withdrawAvailabilityAfter(tx, ended, ended.endsOn!)
    await endTeamWithLastRole(tx, ended, ended.endsOn!)
  }
  const link = await tx.rosterLink.create({
    data: { artistId: claim.artistId, agencyId: claim.agencyId, role: claim.role, territory: claim.territory, startsOn, claimId: claim.id },
  })
  const approved = await tx.representationClaim.update({
    where: { id: claim.id },
    data: { status: 'approved', decidedBy: actor.label, decidedAt: new Date(), decisionNote: note },
  })
  await record(tx, actor, { artistId: claim.artistId, type: 'claim_approved', claimId: claim.id, disputeId: claim.disputeId, note })
  await record(tx, actor, { artistId: claim.artistId, type: 'representation_started', claimId: claim.id, rosterLinkId: link.id })
  if (claim.disputeId) {
    const losers = await tx.representationClaim.findMany({ where: { disputeId: claim.disputeId, status: { in: OPEN } } })
    for (const loser of losers) {
      await tx.representationClaim.update({
        where: { id: loser.id },
        data: { status: 'rejected', decidedBy: actor.label, decidedAt: new Date(), decisionNote: 'another claim won the dispute' },
      })
      await record(tx, actor, {
        artistId: claim.artistId,
        type: 'claim_rejected',
        claimId: loser.id,
        disputeId: claim.disputeId,
        note: 'another claim won the dispute',
      })
    }
    await resolveDisputeRow(tx, actor, claim.disputeId, claim.artistId, claim.id, note ?? 'resolved in favour of the approved claim')
  }
  return approved
}

async function resolveDisputeRow(
  tx: Tx,
  actor: Actor,
  disputeId: string,
  artistId: string,
  winningClaimId: string | null,
  resolution: string,
) {
  await tx.representationDispute.update({
    where: { id: disputeId },
    data: { status: 'resolved', winningClaimId, resolution, resolvedBy: actor.label, resolvedAt: new Date() },
  })
  await record(tx, actor, { artistId, type: 'dispute_resolved', disputeId, claimId: winningClaimId ?? undefined, note: resolution })
}

/**
 * Closes an open claim (rejected or withdrawn). A dispute left with no open claim is resolved with the
 * representation unchanged; one left with a single claim and nobody to contest it goes back to review.
 */
async function closeClaim(tx: Tx, claim: RepresentationClaim, status: 'rejected' | 'withdrawn', actor: Actor, note?: string | null) {
  const closed = await tx.representationClaim.update({
    where: { id: claim.id },
    data: { status, decidedBy: actor.label, decidedAt: new Date(), decisionNote: note },
  })
  await record(tx, actor, {
    artistId: claim.artistId,
    type: status === 'rejected' ? 'claim_rejected' : 'claim_withdrawn',
    claimId: claim.id,
    disputeId: claim.disputeId,
    note,
  })
  if (claim.disputeId) {
    const remaining = await tx.representationClaim.findMany({ where: { disputeId: claim.disputeId, status: { in: OPEN } } })
    const incumbent = await currentLink(tx, claim.artistId, claim.role)
    if (remaining.length === 0) {
      await resolveDisputeRow(tx, actor, claim.disputeId, claim.artistId, null, 'no claim remains: representation unchanged')
    } else if (remaining.length === 1 && !incumbent) {
      await tx.representationClaim.update({ where: { id: remaining[0]!.id }, data: { status: 'pending' } })
      await resolveDisputeRow(tx, actor, claim.disputeId, claim.artistId, null, 'a single claim remains: back to review')
    }
  }
  return closed
}

/** Claims an agency may see: its own, those contesting its representation, all for platform admins. */
async function visibility(ctx: RequestContext): Promise<Prisma.RepresentationClaimWhereInput> {
  const caller = await ctx.caller()
  if (caller.kind === 'machine') return {}
  const { agencyId } = await ctx.agencyActor()
  return { OR: [{ agencyId }, { dispute: { incumbentAgencyId: agencyId } }] }
}

async function disputeVisibility(ctx: RequestContext): Promise<Prisma.RepresentationDisputeWhereInput> {
  const caller = await ctx.caller()
  if (caller.kind === 'machine') return {}
  const { agencyId } = await ctx.agencyActor()
  return { OR: [{ incumbentAgencyId: agencyId }, { claims: { some: { agencyId } } }] }
}

export const representationClaims = {
  async submit(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const me = await ctx.agencyActor()
    const data = parseInput(RepresentationClaimInput, input)
    const startsOn = data.startsOn ? dayOf(data.startsOn) : today()
    if (startsOn.getTime() < today().getTime()) throw invalidInput('startsOn', 'representation cannot start in the past')
    const artist = await ctx.db.artist.findUnique({ where: { id: data.artistId }, select: { archivedAt: true, createdByOrgId: true } })
    if (!artist || artist.archivedAt) throw invalidInput('artistId', 'unknown artist')
    const actor = await actorOf(ctx)

    const claimId = await ctx.db
      .$transaction(async (tx) => {
        await lockArtistRole(tx, data.artistId, data.role)
        const incumbent = await currentLink(tx, data.artistId, data.role)
        if (incumbent?.agencyId === me.agencyId)
          throw conflict('already_representing', `your agency already represents this artist (${data.role})`)
        const claim = await tx.representationClaim.create({
          data: { ...data, startsOn, agencyId: me.agencyId, orgId: me.orgId, requestedByUserId: me.userId },
        })
        await record(tx, actor, { artistId: data.artistId, type: 'claim_submitted', claimId: claim.id, note: data.message })

        const competing = await tx.representationClaim.findMany({
          where: { artistId: data.artistId, role: data.role, status: { in: OPEN }, id: { not: claim.id } },
        })
        let dispute = await tx.representationDispute.findFirst({ where: { artistId: data.artistId, role: data.role, status: 'open' } })
        if (!dispute && (incumbent || competing.length > 0)) {
          dispute = await tx.representationDispute.create({
            data: { artistId: data.artistId, role: data.role, incumbentAgencyId: incumbent?.agencyId },
          })
          await record(tx, SYSTEM, { artistId: data.artistId, type: 'dispute_opened', disputeId: dispute.id })
        }
        if (dispute) {
          for (const c of [claim, ...competing.filter((x) => x.disputeId !== dispute!.id)]) {
            await tx.representationClaim.update({ where: { id: c.id }, data: { status: 'disputed', disputeId: dispute.id } })
            await record(tx, SYSTEM, { artistId: data.artistId, type: 'claim_disputed', claimId: c.id, disputeId: dispute.id })
          }
        } else if (artist.createdByOrgId === me.orgId) {
          // Nobody represents or claims an artist this company added itself: nothing to review.
          await approveClaim(tx, claim, SYSTEM, 'the claiming company created the artist and nobody represents it')
        }
        return claim.id
      })
      .catch((e) => {
        if (isUniqueViolation(e, 'artist_representation_claims_open_uniq')) {
          throw conflict('claim_already_open', 'your agency already has an open claim on this artist in this role')
        }
        throw e
      })
    return ctx.db.representationClaim.findUniqueOrThrow({ ...query, where: { id: claimId } })
  },

  /** A claim as both faces show it: the representation it started keeps its notes for that agency's roster readers only. */
  async view<T extends object>(ctx: RequestContext, claim: T): Promise<T> {
    const link = (claim as { rosterLink?: RosterLink | null }).rosterLink
    if (!link) return claim
    return { ...claim, rosterLink: { ...link, notes: await roster.notesFor(ctx, link) } }
  },

  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    const claim = await ctx.db.representationClaim.findFirst({ ...query, where: { AND: [{ id }, await visibility(ctx)] } })
    if (!claim) throw notFound('representation claim', id)
    return claim
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(RepresentationClaimFilter, filter)
    const caller = await ctx.caller()
    let scope: Prisma.RepresentationClaimWhereInput = await visibility(ctx)
    if (caller.kind === 'user' && f.scope) {
      const { agencyId } = await ctx.agencyActor()
      scope = f.scope === 'mine' ? { agencyId } : { dispute: { incumbentAgencyId: agencyId } }
    }
    const where: Prisma.RepresentationClaimWhereInput = { AND: [scope, { status: f.status, artistId: f.artistId }] }
    return listing(ctx.db.representationClaim, { where, orderBy: { createdAt: 'desc' } }, page, query)
  },

  async withdraw(ctx: RequestContext, id: string, query: Selection = {}) {
    const me = await ctx.agencyActor()
    const actor = await actorOf(ctx)
    // Another agency's claim is hidden whatever its state: ownership is checked before the state.
    const own = await ctx.db.representationClaim.findUnique({ where: { id }, select: { agencyId: true } })
    if (!own || own.agencyId !== me.agencyId) throw notFound('representation claim', id)
    await ctx.db.$transaction(async (tx) => closeClaim(tx, await lockedOpenClaim(tx, id), 'withdrawn', actor))
    return ctx.db.representationClaim.findUniqueOrThrow({ ...query, where: { id } })
  },

  /** The incumbent agency hands the artist over to the claimant. */
  async acceptHandover(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const me = await ctx.agencyActor()
    const { note } = parseInput(ReviewInput.pick({ note: true }), input)
    const actor = await actorOf(ctx)
    await representationClaims.get(ctx, id)
    await ctx.db.$transaction(async (tx) => {
      const claim = await lockedOpenClaim(tx, id)
      const incumbent = await currentLink(tx, claim.artistId, claim.role)
      if (incumbent?.agencyId !== me.agencyId) {
        throw forbidden('only the agency currently representing the artist can hand it over', 'not_incumbent')
      }
      await approveClaim(tx, claim, actor, note ?? 'handed over by the current representative')
    })
    return ctx.db.representationClaim.findUniqueOrThrow({ ...query, where: { id } })
  },

  async approve(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const review = parseInput(ReviewInput, input)
    const actor = await actorOf(ctx, review.reviewer)
    await ctx.db.$transaction(async (tx) => approveClaim(tx, await lockedOpenClaim(tx, id), actor, review.note))
    return ctx.db.representationClaim.findUniqueOrThrow({ ...query, where: { id } })
  },

  async reject(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const review = parseInput(RejectInput, input)
    const actor = await actorOf(ctx, review.reviewer)
    await ctx.db.$transaction(async (tx) => closeClaim(tx, await lockedOpenClaim(tx, id), 'rejected', actor, review.reason))
    return ctx.db.representationClaim.findUniqueOrThrow({ ...query, where: { id } })
  },
}

export const disputes = {
  async get(ctx: RequestContext, id: string, query: Selection = {}) {
    const dispute = await ctx.db.representationDispute.findFirst({ ...query, where: { AND: [{ id }, await disputeVisibility(ctx)] } })
    if (!dispute) throw notFound('representation dispute', id)
    return dispute
  },

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(DisputeFilter, filter)
    const where: Prisma.RepresentationDisputeWhereInput = {
      AND: [await disputeVisibility(ctx), { status: f.status, artistId: f.artistId }],
    }
    return listing(ctx.db.representationDispute, { where, orderBy: { createdAt: 'desc' } }, page, query)
  },

  /** Platform decision on a dispute: a winning claim, or none (the current representation stays). */
  async resolve(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const data = parseInput(ResolveDisputeInput, input)
    const actor = await actorOf(ctx, data.reviewer)
    await ctx.db.$transaction(async (tx) => {
      const found = await tx.representationDispute.findUnique({ where: { id } })
      if (!found) throw notFound('representation dispute', id)
      await lockArtistRole(tx, found.artistId, found.role)
      const dispute = await tx.representationDispute.findUniqueOrThrow({ where: { id }, include: { claims: true } })
      if (dispute.status !== 'open') throw conflict('invalid_transition', 'the dispute is already resolved')
      if (data.winningClaimId) {
        const winner = dispute.claims.find((c) => c.id === data.winningClaimId && OPEN.includes(c.status))
        if (!winner) throw invalidInput('winningClaimId', 'not an open claim of this dispute')
        await approveClaim(tx, winner, actor, data.resolution)
        return
      }
      for (const claim of dispute.claims.filter((c) => OPEN.includes(c.status))) {
        await tx.representationClaim.update({
          where: { id: claim.id },
          data: { status: 'rejected', decidedBy: actor.label, decidedAt: new Date(), decisionNote: data.resolution },
        })
        await record(tx, actor, {
          artistId: dispute.artistId,
          type: 'claim_rejected',
          claimId: claim.id,
          disputeId: id,
          note: data.resolution,
        })
      }
      await resolveDisputeRow(tx, actor, id, dispute.artistId, null, data.resolution)
    })
    return ctx.db.representationDispute.findUniqueOrThrow({ ...query, where: { id } })
  },
}
