// Company ownership: a tenant company claims a market company, platform admins approve or reject, and an
// approved claim bridges the tenant to that company (its "agency"). `bridgeCompany` is the one way a
// company becomes owned — provisioning approvals go through it too.
import { z } from 'zod'
import { bridgedAgencyId, ownershipsOf } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { ClaimStatus, type Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { recordDirectoryChange } from '../directory/changes.ts'

export const CompanyClaimInput = z.object({
  companyId: Id.describe('The market company the caller’s company owns'),
  message: z.string().trim().min(1).max(2000).nullish().describe('Context for the reviewers'),
})

export const ReviewInput = z.object({
  reviewer: z.string().trim().min(1).max(200).optional().describe('Who decides (the platform admin), recorded with the decision'),
  note: z.string().trim().min(1).max(2000).optional(),
})
export const RejectInput = z.object({
  reviewer: ReviewInput.shape.reviewer,
  reason: z.string().trim().min(1).max(2000).describe('Told to the requester'),
})

export const CompanyClaimFilter = z.object({
  status: z.enum(ClaimStatus).optional(),
  companyId: Id.optional(),
  orgId: Id.optional().describe('Platform admins only: the claiming tenant company'),
})

const PLATFORM = 'platform-admin'

/** Maps the one-approved-claim indexes to the conflict users should read. */
export function ownershipConflict(e: unknown): never {
  if (isUniqueViolation(e, 'artists_company_claims_org_approved_uniq')) {
    throw conflict('already_bridged', 'the company is already bridged to an agency')
  }
  if (isUniqueViolation(e, 'artists_company_claims_approved_uniq')) {
    throw conflict('company_already_claimed', 'another company owns this agency profile')
  }
  throw e
}

/**
 * Makes `orgId` the owner of the market company: checks, under a row lock, that the company is
 * unclaimed and the org not bridged yet, then flips `claimed`. The caller writes the approved claim in
 * the same transaction; the approved-claim unique indexes back these checks against any race.
 */
export async function bridgeCompany(tx: Tx, companyId: string, orgId: string): Promise<void> {
  const [company] = await tx.$queryRaw<{ claimed: boolean; archived_at: Date | null }[]>`
    SELECT claimed, archived_at FROM artists_companies WHERE id = ${companyId}::uuid FOR UPDATE`
  if (!company) throw notFound('agency', companyId)
  if (company.archived_at) throw conflict('company_archived', 'this agency profile is archived')
  if (company.claimed) throw conflict('company_already_claimed', 'another company owns this agency profile')
  if (await bridgedAgencyId(tx, orgId)) throw conflict('already_bridged', 'the company is already bridged to an agency')
  await tx.agency.update({ where: { id: companyId }, data: { claimed: true } })
  await recordDirectoryChange(tx, 'agency', 'ownership_changed', companyId)
}

/** Locks a claim for a decision and checks it is still pending. */
async function pendingClaim(tx: Tx, id: string) {
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM artists_company_claims WHERE id = ${id}::uuid FOR UPDATE`
  if (!row) throw notFound('company claim', id)
  const claim = await tx.companyClaim.findUniqueOrThrow({ where: { id } })
  if (claim.status !== 'pending') throw conflict('invalid_transition', `the claim is ${claim.status}, not pending`)
  return claim
}

async function visibleClaim(ctx: RequestContext, id: string, query: Selection = {}) {
  const caller = await ctx.caller()
  const claim = await ctx.db.companyClaim.findUnique({ ...query, where: { id } })
  // Another company's claim is hidden, not forbidden.
  if (!claim || (caller.kind === 'user' && claim.orgId !== caller.orgId)) throw notFound('company claim', id)
  return claim
}

export const companyClaims = {
  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const { userId, orgId } = await ctx.tenant()
    const data = parseInput(CompanyClaimInput, input)
    const company = await ctx.db.agency.findUnique({ where: { id: data.companyId }, select: { claimed: true, archivedAt: true } })
    if (!company || company.archivedAt) throw invalidInput('companyId', 'unknown agency')
    if (company.claimed) throw conflict('company_already_claimed', 'another company owns this agency profile')
    if (await bridgedAgencyId(ctx.db, orgId)) throw conflict('already_bridged', 'the company is already bridged to an agency')
    try {
      return await ctx.db.companyClaim.create({ ...query, data: { ...data, orgId, requestedByUserId: userId } })
    } catch (e) {
      if (isUniqueViolation(e, 'artists_company_claims_pending_uniq'))
        throw conflict('claim_already_pending', 'your company already has a pending claim on this agency')
      throw e
    }
  },

  get: visibleClaim,

  /** The caller's company's claims, or (platform admins) everyone's. */
  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const caller = await ctx.caller()
    const f = parseInput(CompanyClaimFilter, filter)
    const where: Prisma.CompanyClaimWhereInput = {
      status: f.status,
      companyId: f.companyId,
      orgId: caller.kind === 'user' ? caller.orgId : f.orgId,
    }
    return listing(ctx.db.companyClaim, { where, orderBy: { createdAt: 'desc' } }, page, query)
  },

  async withdraw(ctx: RequestContext, id: string, query: Selection = {}) {
    await visibleClaim(ctx, id)
    return ctx.db.$transaction(async (tx) => {
      await pendingClaim(tx, id)
      return tx.companyClaim.update({ ...query, where: { id }, data: { status: 'withdrawn', decidedAt: new Date() } })
    })
  },

  async approve(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const review = parseInput(ReviewInput, input)
    return ctx.db
      .$transaction(async (tx) => {
        const claim = await pendingClaim(tx, id)
        await bridgeCompany(tx, claim.companyId, claim.orgId)
        return tx.companyClaim.update({
          ...query,
          where: { id },
          data: { status: 'approved', reviewedBy: review.reviewer ?? PLATFORM, reviewNote: review.note, decidedAt: new Date() },
        })
      })
      .catch(ownershipConflict)
  },

  async reject(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const review = parseInput(RejectInput, input)
    return ctx.db.$transaction(async (tx) => {
      await pendingClaim(tx, id)
      return tx.companyClaim.update({
        ...query,
        where: { id },
        data: { status: 'rejected', reviewedBy: review.reviewer ?? PLATFORM, reviewNote: review.reason, decidedAt: new Date() },
      })
    })
  },

  /** Ends an ownership: the company becomes sleeping again and the tenant loses its bridge. */
  async revoke(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const review = parseInput(RejectInput, input)
    return ctx.db.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ status: string; company_id: string }[]>`
        SELECT status, company_id FROM artists_company_claims WHERE id = ${id}::uuid FOR UPDATE`
      if (!row) throw notFound('company claim', id)
      if (row.status !== 'approved') throw conflict('invalid_transition', `the claim is ${row.status}, not approved`)
      await tx.agency.update({ where: { id: row.company_id }, data: { claimed: false } })
      await recordDirectoryChange(tx, 'agency', 'ownership_changed', row.company_id)
      return tx.companyClaim.update({
        ...query,
        where: { id },
        data: { status: 'revoked', reviewedBy: review.reviewer ?? PLATFORM, reviewNote: review.reason, decidedAt: new Date() },
      })
    })
  },

  /** Who owns a market company profile (public within the directory). */
  async ownership(ctx: RequestContext, companyId: string) {
    const [company, owners] = await Promise.all([
      ctx.db.agency.findUnique({ where: { id: companyId }, select: { id: true, claimed: true } }),
      ownershipsOf(ctx.db, [companyId]),
    ])
    if (!company) throw notFound('agency', companyId)
    const owner = owners.get(companyId)
    return { companyId: company.id, claimed: company.claimed, ownerOrgId: owner?.orgId ?? null, since: owner?.since ?? null }
  },
}
