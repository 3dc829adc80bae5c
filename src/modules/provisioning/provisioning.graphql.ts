import type { Agency, CompanyClaim, ProvisioningRequest } from '../../generated/prisma/client.ts'
import { ProvisioningKind, ProvisioningStatus } from '../../generated/prisma/client.ts'
import { refOf, UserRef } from '../../graphql/references.ts'
import { builder, requires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import { AgencyRef } from '../directory/agencies.graphql.ts'
import { CompanyRef } from '../directory/tenant-company.graphql.ts'
import { RejectInput, ReviewInput } from '../representation/company-claims.service.ts'
import {
  CreationRequestInput,
  MyRequestsFilter,
  provisioning,
  RequestsFilter,
  SleepingFilter,
  TakeoverRequestInput,
} from './provisioning.service.ts'

const KindEnum = graphqlEnum('AgencyRequestKind', ProvisioningKind, 'Take over a sleeping agency, or have a new one created')
const StatusEnum = graphqlEnum('AgencyRequestStatus', ProvisioningStatus)

const AgencyRequestRef = builder.prismaObject('ProvisioningRequest', {
  name: 'AgencyRequest',
  description: "A tenant company's request to be bridged to an agency (agency provisioning).",
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: KindEnum }),
    status: t.expose('status', { type: StatusEnum }),
    requester: t.field({ type: CompanyRef, resolve: (r) => ({ id: r.requesterOrgId }) }),
    requestedBy: t.field({ type: UserRef, nullable: true, description: 'The user who asked', resolve: (o) => refOf(o.requesterUserId) }),
    requesterUserId: t.exposeID('requesterUserId', { deprecationReason: 'Use requestedBy { id }: a reference the gateway resolves.' }),
    targetCompany: t.relation('targetCompany', { nullable: true, description: 'takeover: the sleeping agency asked for.' }),
    proposedCompany: t.string({
      nullable: true,
      description: 'creation: the proposed agency, as JSON (name, kind, contact, location).',
      resolve: (r) => (r.proposedCompany ? JSON.stringify(r.proposedCompany) : null),
    }),
    message: t.exposeString('message', { nullable: true }),
    reviewedBy: t.exposeString('reviewedBy', { nullable: true }),
    reviewReason: t.exposeString('reviewReason', { nullable: true }),
    reviewedAt: t.expose('reviewedAt', { type: 'DateTime', nullable: true }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    resultingCompany: t.relation('resultingCompany', { nullable: true, description: 'The agency bridged on approval.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const AgencyBridgeRef = builder
  .objectRef<{
    orgId: string
    bridged: boolean
    agency: Agency | null
    claim: CompanyClaim | null
    pendingRequest: ProvisioningRequest | null
  }>('AgencyBridge')
  .implement({
    description: 'The signed-in company and its agency: operational features open once it is bridged.',
    fields: (t) => ({
      company: t.field({ type: CompanyRef, resolve: (b) => ({ id: b.orgId }) }),
      bridged: t.exposeBoolean('bridged'),
      agency: t.field({ type: AgencyRef, nullable: true, resolve: (b) => b.agency }),
      since: t.field({ type: 'DateTime', nullable: true, resolve: (b) => b.claim?.decidedAt ?? null }),
      pendingRequest: t.field({ type: AgencyRequestRef, nullable: true, resolve: (b) => b.pendingRequest }),
    }),
  })

const SleepingFilterInput = inputFromZod('SleepingAgencyFilter', SleepingFilter)
const MyRequestsFilterInput = inputFromZod('MyAgencyRequestFilter', MyRequestsFilter)
const RequestsFilterInput = inputFromZod('AgencyRequestFilter', RequestsFilter)
const TakeoverInputType = inputFromZod('AgencyTakeoverInput', TakeoverRequestInput)
const CreationInputType = inputFromZod('AgencyCreationInput', CreationRequestInput)
const ReviewInputType = inputFromZod('ReviewInput', ReviewInput)
const RejectInputType = inputFromZod('RejectInput', RejectInput)

builder.queryFields((t) => ({
  myAgency: t.field({
    ...requires('agency.view'),
    type: AgencyBridgeRef,
    description: 'Whether the signed-in company is bridged to an agency (and which), or its pending request.',
    resolve: (_root, _args, ctx) => provisioning.myAgency(ctx),
  }),
  sleepingAgencies: t.connection(
    {
      ...requires('agency.provision'),
      type: AgencyRef,
      description: 'Unclaimed agencies the signed-in company may take over.',
      args: { filter: t.arg({ type: SleepingFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => provisioning.sleeping(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'SleepingAgencyConnection' },
    { name: 'SleepingAgencyEdge' },
  ),
  myAgencyRequests: t.connection(
    {
      ...requires('agency.view'),
      type: AgencyRequestRef,
      description: "The signed-in company's agency requests, newest first.",
      args: { filter: t.arg({ type: MyRequestsFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => provisioning.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'MyAgencyRequestConnection' },
    { name: 'MyAgencyRequestEdge' },
  ),
  agencyRequests: t.connection(
    {
      ...requires('platform.review'),
      type: AgencyRequestRef,
      description: 'Every agency request, for review.',
      args: { filter: t.arg({ type: RequestsFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => provisioning.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'AgencyRequestConnection' },
    { name: 'AgencyRequestEdge' },
  ),
  agencyRequest: t.prismaField({
    ...requires('platform.review'),
    type: 'ProvisioningRequest',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => provisioning.get(ctx, parseId(args.id), query),
  }),
}))

builder.mutationFields((t) => ({
  requestAgencyTakeover: t.prismaField({
    ...requires('agency.provision'),
    type: 'ProvisioningRequest',
    args: { input: t.arg({ type: TakeoverInputType, required: true }) },
    resolve: (query, _root, args, ctx) => provisioning.requestTakeover(ctx, args.input, query),
  }),
  requestAgencyCreation: t.prismaField({
    ...requires('agency.provision'),
    type: 'ProvisioningRequest',
    args: { input: t.arg({ type: CreationInputType, required: true }) },
    resolve: (query, _root, args, ctx) => provisioning.requestCreation(ctx, args.input, query),
  }),
  cancelAgencyRequest: t.prismaField({
    ...requires('agency.provision'),
    type: 'ProvisioningRequest',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => provisioning.cancel(ctx, parseId(args.id), query),
  }),
  approveAgencyRequest: t.prismaField({
    ...requires('platform.review'),
    type: 'ProvisioningRequest',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ReviewInputType }) },
    resolve: (query, _root, args, ctx) => provisioning.approve(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  rejectAgencyRequest: t.prismaField({
    ...requires('platform.review'),
    type: 'ProvisioningRequest',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RejectInputType, required: true }) },
    resolve: (query, _root, args, ctx) => provisioning.reject(ctx, parseId(args.id), args.input, query),
  }),
}))
