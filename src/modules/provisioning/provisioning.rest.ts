import type { Prisma } from '../../generated/prisma/client.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { RejectInput, ReviewInput } from '../representation/company-claims.service.ts'
import {
  CreationRequestInput,
  MyRequestsFilter,
  provisioning,
  RequestsFilter,
  SleepingFilter,
  TakeoverRequestInput,
} from './provisioning.service.ts'

/** An agency request over REST, with the companies it names. */
const RequestView = { targetCompany: true, resultingCompany: true } satisfies Prisma.ProvisioningRequestInclude

const request = viewSchema('ProvisioningRequest', RequestView)
const tag = 'Agency provisioning'
const admin = 'Agency provisioning (platform review)'

export const provisioningRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/artists-companies/sleeping',
    tag,
    summary: 'Unclaimed ("sleeping") agencies the caller may take over',
    access: 'agency.provision',
    list: true,
    query: SleepingFilter,
    response: viewSchema('Agency'),
    handler: ({ ctx, query, page }) => provisioning.sleeping(ctx, query, page),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists-companies/takeover-requests',
    tag,
    summary: 'Ask to take over a sleeping agency',
    description: 'One pending request per company at a time (409 request_already_pending).',
    access: 'agency.provision',
    body: TakeoverRequestInput,
    status: 201,
    response: request,
    handler: ({ ctx, body }) => provisioning.requestTakeover(ctx, body, { include: RequestView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists-companies/creation-requests',
    tag,
    summary: 'Ask for a new agency to be created and bridged to the caller',
    access: 'agency.provision',
    body: CreationRequestInput,
    status: 201,
    response: request,
    handler: ({ ctx, body }) => provisioning.requestCreation(ctx, body, { include: RequestView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/artists-companies/requests',
    tag,
    summary: "The caller's company's agency requests, newest first",
    access: 'agency.view',
    list: true,
    query: MyRequestsFilter,
    response: request,
    handler: ({ ctx, query, page }) => provisioning.list(ctx, query, page, { include: RequestView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists-companies/requests/:id/cancel',
    tag,
    summary: 'Cancel a pending agency request',
    access: 'agency.provision',
    params: IdParams,
    response: request,
    handler: ({ ctx, params }) => provisioning.cancel(ctx, params.id, { include: RequestView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/me/agency',
    tag,
    summary: "The caller's company and its agency: bridged (with the agency) or not (with its pending request)",
    description: 'Operational features answer 403 agency_not_bridged until `bridged` is true.',
    access: 'agency.view',
    response: {
      type: 'object',
      properties: {
        orgId: { type: 'string', format: 'uuid' },
        bridged: { type: 'boolean' },
        agency: { allOf: [viewSchema('Agency')], nullable: true },
        claim: { allOf: [viewSchema('CompanyClaim')], nullable: true },
        pendingRequest: { allOf: [viewSchema('ProvisioningRequest')], nullable: true },
      },
      required: ['orgId', 'bridged', 'agency', 'claim', 'pendingRequest'],
    },
    handler: ({ ctx }) => provisioning.myAgency(ctx),
  }),
  route({
    method: 'GET',
    url: '/internal/admin/artist-company-requests',
    tag: admin,
    summary: 'Agency requests, for review (filter by status, kind, org)',
    access: 'platform.review',
    list: true,
    query: RequestsFilter,
    response: request,
    handler: ({ ctx, query, page }) => provisioning.list(ctx, query, page, { include: RequestView }),
  }),
  route({
    method: 'GET',
    url: '/internal/admin/artist-company-requests/:id',
    tag: admin,
    summary: 'An agency request',
    access: 'platform.review',
    params: IdParams,
    response: request,
    handler: ({ ctx, params }) => provisioning.get(ctx, params.id, { include: RequestView }),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/artist-company-requests/:id/approve',
    tag: admin,
    summary: 'Approve: (create the agency,) write the approved claim, mark it claimed, close the request — one transaction',
    description: 'Approving twice, or a takeover whose agency was claimed meanwhile, is a 409 that changes nothing.',
    access: 'platform.review',
    params: IdParams,
    body: ReviewInput,
    response: request,
    handler: ({ ctx, params, body }) => provisioning.approve(ctx, params.id, body, { include: RequestView }),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/artist-company-requests/:id/reject',
    tag: admin,
    summary: 'Reject an agency request, with the reason',
    access: 'platform.review',
    params: IdParams,
    body: RejectInput,
    response: request,
    handler: ({ ctx, params, body }) => provisioning.reject(ctx, params.id, body, { include: RequestView }),
  }),
]
