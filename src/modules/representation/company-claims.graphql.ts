import { ownersOf } from '../../access/ownership.ts'
import { builder, requires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { ClaimStatus } from '../../generated/prisma/client.ts'
import { parseId } from '../../validation.ts'
import { CompanyRef } from '../directory/tenant-company.graphql.ts'
import { CompanyClaimFilter, CompanyClaimInput, companyClaims, RejectInput, ReviewInput } from './company-claims.service.ts'

const ClaimStatusEnum = graphqlEnum('ClaimStatus', ClaimStatus)

const CompanyClaimRef = builder.prismaObject('CompanyClaim', {
  description: "A tenant company's claim to own a market company; an approved claim bridges the tenant to it.",
  fields: (t) => ({
    id: t.exposeID('id'),
    company: t.relation('company', { description: 'The market company claimed.' }),
    claimant: t.field({ type: CompanyRef, description: 'The tenant company claiming it.', resolve: (c) => ({ id: c.orgId }) }),
    status: t.expose('status', { type: ClaimStatusEnum }),
    message: t.exposeString('message', { nullable: true }),
    reviewedBy: t.exposeString('reviewedBy', { nullable: true }),
    reviewNote: t.exposeString('reviewNote', { nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObjectFields('Agency', (t) => ({
  owner: t.field({
    ...requires('directory.read'),
    type: CompanyRef,
    description: 'The tenant company that owns this profile (approved claim); null while sleeping.',
    // One query for every agency of the response (src/access/ownership.ts reads the bridge).
    resolve: async (agency, _args, ctx) => {
      const orgId = await ctx
        .loader<string, string | null>('agencyOwner', async (ids) => {
          const owners = await ownersOf(ctx.db, ids)
          return ids.map((id) => owners.get(id) ?? null)
        })
        .load(agency.id)
      return orgId ? { id: orgId } : null
    },
  }),
}))

const FilterInput = inputFromZod('CompanyClaimFilter', CompanyClaimFilter)
const ClaimInputType = inputFromZod('CompanyClaimInput', CompanyClaimInput)
const ReviewInputType = inputFromZod('ReviewInput', ReviewInput)
const RejectInputType = inputFromZod('RejectInput', RejectInput)

builder.queryFields((t) => ({
  myCompanyClaims: t.connection(
    {
      ...requires('agency.view'),
      type: CompanyClaimRef,
      description: "The signed-in company's claims.",
      args: { filter: t.arg({ type: FilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => companyClaims.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'CompanyClaimConnection' },
    { name: 'CompanyClaimEdge' },
  ),
  companyClaims: t.connection(
    {
      ...requires('platform.review'),
      type: CompanyClaimRef,
      description: 'Every claim, for review.',
      args: { filter: t.arg({ type: FilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => companyClaims.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'AdminCompanyClaimConnection' },
    { name: 'AdminCompanyClaimEdge' },
  ),
}))

builder.mutationFields((t) => ({
  claimCompany: t.prismaField({
    ...requires('agency.provision'),
    type: 'CompanyClaim',
    args: { input: t.arg({ type: ClaimInputType, required: true }) },
    resolve: (query, _root, args, ctx) => companyClaims.create(ctx, args.input, query),
  }),
  withdrawCompanyClaim: t.prismaField({
    ...requires('agency.provision'),
    type: 'CompanyClaim',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => companyClaims.withdraw(ctx, parseId(args.id), query),
  }),
  approveCompanyClaim: t.prismaField({
    ...requires('platform.review'),
    type: 'CompanyClaim',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ReviewInputType }) },
    resolve: (query, _root, args, ctx) => companyClaims.approve(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  rejectCompanyClaim: t.prismaField({
    ...requires('platform.review'),
    type: 'CompanyClaim',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RejectInputType, required: true }) },
    resolve: (query, _root, args, ctx) => companyClaims.reject(ctx, parseId(args.id), args.input, query),
  }),
  revokeCompanyClaim: t.prismaField({
    ...requires('platform.review'),
    type: 'CompanyClaim',
    description: 'Ends an ownership: the company profile becomes sleeping again and the tenant loses its bridge.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RejectInputType, required: true }) },
    resolve: (query, _root, args, ctx) => companyClaims.revoke(ctx, parseId(args.id), args.input, query),
  }),
}))
