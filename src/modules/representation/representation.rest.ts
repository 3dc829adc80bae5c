import type { Prisma } from '../../generated/prisma/client.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { RejectInput, ReviewInput } from './company-claims.service.ts'
import {
  DisputeFilter,
  disputes,
  RepresentationClaimFilter,
  RepresentationClaimInput,
  representationClaims,
  ResolveDisputeInput,
} from './representation.service.ts'
import {
  EndRosterLinkInput,
  roster,
  RosterFilter,
  team,
  TeamAssignmentInput,
  TeamFilter,
  UpdateRosterLinkInput,
  UpdateTeamAssignmentInput,
} from './roster.service.ts'

/** REST views: what each representation record carries. */
const LinkView = { artist: true, agency: true } satisfies Prisma.RosterLinkInclude
// The link a claim started shows its notes to that agency's roster readers only (representationClaims.view).
const ClaimView = { artist: true, agency: true, dispute: true, rosterLink: true } satisfies Prisma.RepresentationClaimInclude
const DisputeView = {
  artist: true,
  claims: { include: { agency: true }, orderBy: { createdAt: 'asc' } },
  events: { orderBy: { seq: 'asc' } },
} satisfies Prisma.RepresentationDisputeInclude
const TeamView = { person: true, agency: true } satisfies Prisma.TeamAssignmentInclude

const link = viewSchema('RosterLink', LinkView)
const claim = viewSchema('RepresentationClaim', ClaimView)
const dispute = viewSchema('RepresentationDispute', DisputeView)
const assignment = viewSchema('TeamAssignment', TeamView)
const tag = 'Representation'
const admin = 'Representation (platform review)'

export const representationRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/artists/:id/representation',
    tag,
    summary: 'Who represents an artist now, by role, and which roles are disputed',
    access: 'directory.read',
    params: IdParams,
    response: {
      type: 'object',
      properties: {
        artistId: { type: 'string', format: 'uuid' },
        links: { type: 'array', items: viewSchema('RosterLink', { agency: true }) },
        disputedRoles: { type: 'array', items: { type: 'string', enum: ['agency', 'management'] } },
      },
      required: ['artistId', 'links', 'disputedRoles'],
    },
    handler: ({ ctx, params }) => roster.ofArtist(ctx, params.id, { include: { agency: true } }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/artists/:id/team',
    tag,
    summary: "The people of the representing agencies on an artist's team",
    access: 'directory.read',
    params: IdParams,
    query: TeamFilter,
    response: { type: 'array', items: assignment },
    handler: ({ ctx, params, query }) => team.ofArtist(ctx, params.id, query, { include: TeamView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists/:id/team',
    tag,
    summary: "Put a person of the caller's agency on a represented artist's team",
    access: 'roster.manage',
    params: IdParams,
    body: TeamAssignmentInput,
    status: 201,
    response: assignment,
    handler: ({ ctx, params, body }) => team.assign(ctx, params.id, body, { include: TeamView }),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/team-assignments/:id',
    tag,
    summary: 'Change a team role or the primary contact',
    access: 'roster.manage',
    params: IdParams,
    body: UpdateTeamAssignmentInput,
    response: assignment,
    handler: ({ ctx, params, body }) => team.update(ctx, params.id, body, { include: TeamView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/team-assignments/:id/end',
    tag,
    summary: 'Take a person off an artist’s team',
    access: 'roster.manage',
    params: IdParams,
    response: assignment,
    handler: ({ ctx, params }) => team.end(ctx, params.id, { include: TeamView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/roster',
    tag,
    summary: "The caller's agency roster (active by default)",
    access: 'roster.read',
    list: true,
    query: RosterFilter,
    response: link,
    handler: ({ ctx, query, page }) => roster.list(ctx, query, page, { include: LinkView }),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/roster/:id',
    tag,
    summary: 'Update the territory or internal notes of a representation',
    access: 'roster.manage',
    params: IdParams,
    body: UpdateRosterLinkInput,
    response: link,
    handler: ({ ctx, params, body }) => roster.update(ctx, params.id, body, { include: LinkView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/roster/:id/end',
    tag,
    summary: 'End a representation (today or on a later day)',
    access: 'roster.manage',
    params: IdParams,
    body: EndRosterLinkInput,
    response: link,
    handler: ({ ctx, params, body }) => roster.end(ctx, params.id, body, { include: LinkView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/representation-claims',
    tag,
    summary: 'Claim to represent an artist',
    description:
      'Against a current representation, or competing with another open claim, the claim opens a dispute. An artist the caller’s company added and nobody represents is approved at once.',
    access: 'roster.manage',
    body: RepresentationClaimInput,
    status: 201,
    response: claim,
    handler: async ({ ctx, body }) => representationClaims.view(ctx, await representationClaims.submit(ctx, body, { include: ClaimView })),
  }),
  route({
    method: 'GET',
    url: '/api/v1/representation-claims',
    tag,
    summary: "The agency's claims (scope=mine) and claims on artists it represents (scope=incoming)",
    access: 'roster.read',
    list: true,
    query: RepresentationClaimFilter,
    response: claim,
    handler: async ({ ctx, query, page }) => {
      const listing = await representationClaims.list(ctx, query, page, { include: ClaimView })
      return { ...listing, items: await Promise.all(listing.items.map((c) => representationClaims.view(ctx, c))) }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/representation-claims/:id',
    tag,
    summary: 'A representation claim (the claimant or the contested representative)',
    access: 'roster.read',
    params: IdParams,
    response: claim,
    handler: async ({ ctx, params }) =>
      representationClaims.view(ctx, await representationClaims.get(ctx, params.id, { include: ClaimView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/representation-claims/:id/withdraw',
    tag,
    summary: 'Withdraw an open claim',
    access: 'roster.manage',
    params: IdParams,
    response: claim,
    handler: async ({ ctx, params }) =>
      representationClaims.view(ctx, await representationClaims.withdraw(ctx, params.id, { include: ClaimView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/representation-claims/:id/accept-handover',
    tag,
    summary: 'Hand a represented artist over to the claimant (the current representative only)',
    access: 'roster.manage',
    params: IdParams,
    body: ReviewInput.pick({ note: true }),
    response: claim,
    handler: async ({ ctx, params, body }) =>
      representationClaims.view(ctx, await representationClaims.acceptHandover(ctx, params.id, body, { include: ClaimView })),
  }),
  route({
    method: 'GET',
    url: '/api/v1/representation-disputes',
    tag,
    summary: 'Disputes the agency is part of',
    access: 'roster.read',
    list: true,
    query: DisputeFilter,
    response: dispute,
    handler: ({ ctx, query, page }) => disputes.list(ctx, query, page, { include: DisputeView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/representation-disputes/:id',
    tag,
    summary: 'A dispute with its claims and full history',
    access: 'roster.read',
    params: IdParams,
    response: dispute,
    handler: ({ ctx, params }) => disputes.get(ctx, params.id, { include: DisputeView }),
  }),
  route({
    method: 'GET',
    url: '/internal/admin/representation-claims',
    tag: admin,
    summary: 'Representation claims, for review',
    access: 'platform.review',
    list: true,
    query: RepresentationClaimFilter.omit({ scope: true }),
    response: claim,
    handler: async ({ ctx, query, page }) => {
      const listing = await representationClaims.list(ctx, query, page, { include: ClaimView })
      return { ...listing, items: await Promise.all(listing.items.map((c) => representationClaims.view(ctx, c))) }
    },
  }),
  route({
    method: 'POST',
    url: '/internal/admin/representation-claims/:id/approve',
    tag: admin,
    summary: 'Approve a claim: its representation starts (a current one ends the day before), a dispute resolves in its favour',
    access: 'platform.review',
    params: IdParams,
    body: ReviewInput,
    response: claim,
    handler: async ({ ctx, params, body }) =>
      representationClaims.view(ctx, await representationClaims.approve(ctx, params.id, body, { include: ClaimView })),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/representation-claims/:id/reject',
    tag: admin,
    summary: 'Reject a claim, with the reason',
    access: 'platform.review',
    params: IdParams,
    body: RejectInput,
    response: claim,
    handler: async ({ ctx, params, body }) =>
      representationClaims.view(ctx, await representationClaims.reject(ctx, params.id, body, { include: ClaimView })),
  }),
  route({
    method: 'GET',
    url: '/internal/admin/representation-disputes',
    tag: admin,
    summary: 'Representation disputes, for review',
    access: 'platform.review',
    list: true,
    query: DisputeFilter,
    response: dispute,
    handler: ({ ctx, query, page }) => disputes.list(ctx, query, page, { include: DisputeView }),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/representation-disputes/:id/resolve',
    tag: admin,
    summary: 'Resolve a dispute: a winning claim, or none (the current representation stays)',
    access: 'platform.review',
    params: IdParams,
    body: ResolveDisputeInput,
    response: dispute,
    handler: ({ ctx, params, body }) => disputes.resolve(ctx, params.id, body, { include: DisputeView }),
  }),
]
