// Agency provisioning: how a fresh tenant company gets bridged to an artists-company before any
// operational surface opens. Two flows — take over a sleeping (unclaimed) company, or ask for a new one —
// reviewed by platform admins. Approval is one transaction: (create the company from the stored spec,)
// write the approved claim, flip `claimed`, close the request.
import { z } from 'zod'
import { bridgedAgencyId, bridgeOf } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { ProvisioningKind, ProvisioningStatus, type Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import {
  AgencyFilter,
  agencies,
  AgencyInput,
  agencySpec,
  agencyWhere,
  insertAgency,
  type AgencySpec,
} from '../directory/agencies.service.ts'
import { bridgeCompany, ownershipConflict, RejectInput, ReviewInput } from '../representation/company-claims.service.ts'
import { recordDirectoryChange } from '../directory/changes.ts'

const message = z.string().trim().min(1).max(2000).nullish().describe('Context for the reviewers')

export const TakeoverRequestInput = z.object({
  companyId: Id.describe('The sleeping (unclaimed) company to take over'),
  message,
})
export const CreationRequestInput = z.object({
  company: AgencyInput.describe('The agency to create on approval'),
  message,
})
export const SleepingFilter = AgencyFilter.pick({ q: true, kind: true, countryCode: true })
export const MyRequestsFilter = z.object({ status: z.enum(ProvisioningStatus).optional() })
export const RequestsFilter = z.object({
  status: z.enum(ProvisioningStatus).optional(),
  kind: z.enum(ProvisioningKind).optional(),
  orgId: Id.optional().describe('The requesting tenant company'),
})

const PLATFORM = 'platform-admin'

function pendingConflict(e: unknown): never {
  if (
    isUniqueViolation(e, 'artists_provisioning_requests_pending_org_uniq') ||
    isUniqueViolation(e, 'artists_provisioning_requests_pending_takeover_uniq')
  ) {
    throw conflict('request_already_pending', 'your company already has a pending agency request: cancel it or wait for its review')
  }
  throw e
}

async function assertNotBridged(ctx: RequestContext, orgId: string) {
  if (await bridgedAgencyId(ctx.db, orgId)) throw conflict('already_bridged', 'the company is already bridged to an agency')
}

async function ownRequest(ctx: RequestContext, id: string, query: Selection = {}) {
  const caller = await ctx.caller()
  const request = await ctx.db.provisioningRequest.findUnique({ ...query, where: { id } })
  if (!request || (caller.kind === 'user' && request.requesterOrgId !== caller.orgId)) throw notFound('agency request', id)
  return request
}

/** Locks a request for a decision and checks it is still pending. */
async function pendingRequest(tx: Tx, id: string) {
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM artists_provisioning_requests WHERE id = ${id}::uuid FOR UPDATE`
  if (!row) throw notFound('agency request', id)
  const request = await tx.provisioningRequest.findUniqueOrThrow({ where: { id } })
  if (request.status !== 'pending') throw conflict('invalid_transition', `the request is ${request.status}, not pending`)
  return request
}

export const provisioning = {
  /** Unclaimed companies a tenant may take over. */
  sleeping(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(SleepingFilter, filter)
    const where = agencyWhere({ ...f, claimed: false, includeArchived: false })
    return listing(ctx.db.agency, { where, orderBy: { name: 'asc' } }, page, query)
  },

  async requestTakeover(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const { userId, orgId } = await ctx.tenant()
    const data = parseInput(TakeoverRequestInput, input)
    const company = await ctx.db.agency.findUnique({ where: { id: data.companyId }, select: { claimed: true, archivedAt: true } })
    if (!company || company.archivedAt) throw invalidInput('companyId', 'unknown agency')
    if (company.claimed)
      throw conflict('company_already_claimed', 'this agency is already claimed: only sleeping agencies can be taken over')
    await assertNotBridged(ctx, orgId)
    return ctx.db.provisioningRequest
      .create({
        ...query,
        data: { kind: 'takeover', requesterOrgId: orgId, requesterUserId: userId, targetCompanyId: data.companyId, message: data.message },
      })
      .catch(pendingConflict)
  },

  async requestCreation(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const { userId, orgId } = await ctx.tenant()
    const data = parseInput(CreationRequestInput, input)
    // Checked now (country, city), so that approval creates exactly what was asked.
    const spec = await agencySpec(ctx, data.company, 'company.')
    await assertNotBridged(ctx, orgId)
    return ctx.db.provisioningRequest
      .create({
        ...query,
        data: {
          kind: 'creation',
          requesterOrgId: orgId,
          requesterUserId: userId,
          proposedCompany: spec as Prisma.InputJsonObject,
          message: data.message,
        },
      })
      .catch(pendingConflict)
  },

  get: ownRequest,

  /** The caller's company's requests, or (platform admins) everyone's. */
  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const caller = await ctx.caller()
    const f = parseInput(RequestsFilter, filter)
    const where: Prisma.ProvisioningRequestWhereInput = {
      status: f.status,
      kind: f.kind,
      requesterOrgId: caller.kind === 'user' ? caller.orgId : f.orgId,
    }
    return listing(ctx.db.provisioningRequest, { where, orderBy: { createdAt: 'desc' } }, page, query)
  },

  async cancel(ctx: RequestContext, id: string, query: Selection = {}) {
    await ownRequest(ctx, id)
    return ctx.db.$transaction(async (tx) => {
      await pendingRequest(tx, id)
      return tx.provisioningRequest.update({ ...query, where: { id }, data: { status: 'cancelled', cancelledAt: new Date() } })
    })
  },

  async approve(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const review = parseInput(ReviewInput, input)
    return ctx.db
      .$transaction(async (tx) => {
        const request = await pendingRequest(tx, id)
        const companyId =
          request.kind === 'creation' ? await createAgency(tx, request.proposedCompany as unknown as AgencySpec) : request.targetCompanyId!
        await bridgeCompany(tx, companyId, request.requesterOrgId)
        const reviewedBy = review.reviewer ?? PLATFORM
        const now = new Date()
        await tx.companyClaim.create({
          data: {
            companyId,
            orgId: request.requesterOrgId,
            status: 'approved',
            requestedByUserId: request.requesterUserId,
            message: request.message,
            reviewedBy,
            reviewNote: review.note,
            decidedAt: now,
            provisioningRequestId: request.id,
          },
        })
        return tx.provisioningRequest.update({
          ...query,
          where: { id },
          data: { status: 'approved', reviewedBy, reviewReason: review.note, reviewedAt: now, resultingCompanyId: companyId },
        })
      })
      .catch(ownershipConflict)
  },

  async reject(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const review = parseInput(RejectInput, input)
    return ctx.db.$transaction(async (tx) => {
      await pendingRequest(tx, id)
      return tx.provisioningRequest.update({
        ...query,
        where: { id },
        data: { status: 'rejected', reviewedBy: review.reviewer ?? PLATFORM, reviewReason: review.reason, reviewedAt: new Date() },
      })
    })
  },

  /** The caller's company and its agency: bridged (with the agency), or not yet (with its pending request). */
  async myAgency(ctx: RequestContext, query: Selection = {}) {
    const { orgId } = await ctx.tenant()
    const [claim, pendingRequest] = await Promise.all([
      bridgeOf(ctx.db, orgId),
      ctx.db.provisioningRequest.findFirst({ where: { requesterOrgId: orgId, status: 'pending' } }),
    ])
    const agency = claim ? await agencies.get(ctx, claim.companyId, query) : null
    return { orgId, bridged: Boolean(agency), agency, claim, pendingRequest }
  },
}

/** A market company created for an approved creation request, with its directory event. */
async function createAgency(tx: Tx, spec: AgencySpec): Promise<string> {
  const { id } = await insertAgency(tx, spec)
  await recordDirectoryChange(tx, 'agency', 'created', id)
  return id
}
