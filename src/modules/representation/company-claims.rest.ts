import type { Prisma } from '../../generated/prisma/client.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { CompanyClaimFilter, CompanyClaimInput, companyClaims, RejectInput, ReviewInput } from './company-claims.service.ts'

/** A company claim over REST, with the company claimed. */
const ClaimView = { company: true } satisfies Prisma.CompanyClaimInclude

const claim = viewSchema('CompanyClaim', ClaimView)
const tag = 'Company claims (ownership)'
const MyClaimsFilter = CompanyClaimFilter.omit({ orgId: true })

export const companyClaimRoutes = [
  route({
    method: 'POST',
    url: '/api/v1/company-claims',
    tag,
    summary: "Claim a market company as the caller's own (reviewed by platform admins)",
    access: 'agency.provision',
    body: CompanyClaimInput,
    status: 201,
    response: claim,
    handler: ({ ctx, body }) => companyClaims.create(ctx, body, { include: ClaimView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/company-claims',
    tag,
    summary: "The caller's company's claims, newest first",
    access: 'agency.view',
    list: true,
    query: MyClaimsFilter,
    response: claim,
    handler: ({ ctx, query, page }) => companyClaims.list(ctx, query, page, { include: ClaimView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/company-claims/:id',
    tag,
    summary: "One of the caller's company's claims",
    access: 'agency.view',
    params: IdParams,
    response: claim,
    handler: ({ ctx, params }) => companyClaims.get(ctx, params.id, { include: ClaimView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/company-claims/:id/withdraw',
    tag,
    summary: 'Withdraw a pending claim',
    access: 'agency.provision',
    params: IdParams,
    response: claim,
    handler: ({ ctx, params }) => companyClaims.withdraw(ctx, params.id, { include: ClaimView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/artists-companies/:id/ownership',
    tag,
    summary: 'Who owns a market company profile',
    access: 'directory.read',
    params: IdParams,
    response: {
      type: 'object',
      properties: {
        companyId: { type: 'string', format: 'uuid' },
        claimed: { type: 'boolean' },
        ownerOrgId: { type: 'string', format: 'uuid', nullable: true, description: 'The owning tenant company' },
        since: { type: 'string', format: 'date-time', nullable: true },
      },
      required: ['companyId', 'claimed', 'ownerOrgId', 'since'],
    },
    handler: ({ ctx, params }) => companyClaims.ownership(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/internal/admin/company-claims',
    tag,
    summary: 'Every company claim, for review (filter by status, company, org)',
    access: 'platform.review',
    list: true,
    query: CompanyClaimFilter,
    response: claim,
    handler: ({ ctx, query, page }) => companyClaims.list(ctx, query, page, { include: ClaimView }),
  }),
  route({
    method: 'GET',
    url: '/internal/admin/company-claims/:id',
    tag,
    summary: 'A company claim',
    access: 'platform.review',
    params: IdParams,
    response: claim,
    handler: ({ ctx, params }) => companyClaims.get(ctx, params.id, { include: ClaimView }),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/company-claims/:id/approve',
    tag,
    summary: 'Approve a pending claim: the claimant owns the company (409 if it was claimed meanwhile)',
    access: 'platform.review',
    params: IdParams,
    body: ReviewInput,
    response: claim,
    handler: ({ ctx, params, body }) => companyClaims.approve(ctx, params.id, body, { include: ClaimView }),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/company-claims/:id/reject',
    tag,
    summary: 'Reject a pending claim, with the reason',
    access: 'platform.review',
    params: IdParams,
    body: RejectInput,
    response: claim,
    handler: ({ ctx, params, body }) => companyClaims.reject(ctx, params.id, body, { include: ClaimView }),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/company-claims/:id/revoke',
    tag,
    summary: 'Revoke an approved claim: the company becomes sleeping again',
    access: 'platform.review',
    params: IdParams,
    body: RejectInput,
    response: claim,
    handler: ({ ctx, params, body }) => companyClaims.revoke(ctx, params.id, body, { include: ClaimView }),
  }),
]
