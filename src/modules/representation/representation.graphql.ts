import type { DefaultConnectionArguments } from '@pothos/plugin-relay'
import type { GraphQLResolveInfo } from 'graphql'
import { activeLinkWhere } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import { readAs } from '../../access/read-as.ts'
import { builder, cardTypeRequires, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf, NESTED_FIRST, NESTED_OFFSET, nestedPage } from '../../graphql/connections.ts'
import { DEFAULT_PAGE_SIZE } from '../../pagination.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { ActorTypeEnum } from '../booking/booking.graphql.ts'
import type { ACTOR_TYPES } from '../booking/parties.ts'
import { ActedRef } from '../directory/tenant-company.graphql.ts'
import {
  DisputeStatus,
  RepresentationClaimStatus,
  RepresentationEventType,
  RepresentationRole,
  TeamRole,
} from '../../generated/prisma/client.ts'
import { parseId } from '../../validation.ts'
import { AgencyRef } from '../directory/agencies.graphql.ts'
import { ArtistRef } from '../directory/artists.graphql.ts'
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
  representationOrder,
  roster,
  RosterFilter,
  team,
  TeamAssignmentInput,
  TeamFilter,
  teamOrder,
  teamWhere,
  UpdateRosterLinkInput,
  UpdateTeamAssignmentInput,
} from './roster.service.ts'

const RoleEnum = graphqlEnum('RepresentationRole', RepresentationRole, 'The capacity in which a company represents an artist')
const ClaimStatusEnum = graphqlEnum('RepresentationClaimStatus', RepresentationClaimStatus)
const DisputeStatusEnum = graphqlEnum('DisputeStatus', DisputeStatus)
const TeamRoleEnum = graphqlEnum('TeamRole', TeamRole, "A person's job on an artist's team")
graphqlEnum('RosterStatus', { active: 'active', ended: 'ended', all: 'all' })
graphqlEnum('ClaimScope', { mine: 'mine', incoming: 'incoming' })
const EventTypeEnum = graphqlEnum('RepresentationEventType', RepresentationEventType)

export const RosterLinkRef = builder.prismaObject('RosterLink', {
  ...cardTypeRequires('directory.read'),
  description: 'An agency representing an artist in a role, over a span of days (on the roster, read with `roster.read`).',
  fields: (t) => ({
    id: t.exposeID('id'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (link) => readAs('roster.read', link.artist),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ agency: nested() }),
      resolve: (link) => readAs('roster.read', link.agency),
    }),
    role: t.expose('role', { type: RoleEnum }),
    territory: t.exposeString('territory', { nullable: true }),
    startsOn: t.expose('startsOn', { type: 'Date' }),
    endsOn: t.expose('endsOn', { type: 'Date', nullable: true }),
    notes: t.string({
      ...requires('roster.read'),
      description: "The agency's internal notes: null for everyone but the representing agency's roster readers.",
      select: { notes: true, agencyId: true },
      resolve: (link, _args, ctx) => roster.notesFor(ctx, link),
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const ClaimRef = builder.prismaObject('RepresentationClaim', {
  description: "An agency's claim to represent an artist in a role.",
  fields: (t) => ({
    id: t.exposeID('id'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (claim) => readAs('roster.read', claim.artist),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ agency: nested() }),
      resolve: (claim) => readAs('roster.read', claim.agency),
    }),
    role: t.expose('role', { type: RoleEnum }),
    territory: t.exposeString('territory', { nullable: true }),
    startsOn: t.expose('startsOn', { type: 'Date' }),
    message: t.exposeString('message', { nullable: true }),
    status: t.expose('status', { type: ClaimStatusEnum }),
    dispute: t.relation('dispute', { nullable: true }),
    rosterLink: t.field({
      type: RosterLinkRef,
      nullable: true,
      description: 'The representation the approval started.',
      select: (_args, _ctx, nested) => ({ rosterLink: nested() }),
      resolve: (claim) => readAs('roster.read', claim.rosterLink),
    }),
    decidedBy: t.exposeString('decidedBy', { nullable: true }),
    decisionNote: t.exposeString('decisionNote', { nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const DisputeRef = builder.prismaObject('RepresentationDispute', {
  description: 'Competing claims on one artist and role; its events are the full history of how it was settled.',
  fields: (t) => ({
    id: t.exposeID('id'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (dispute) => readAs('roster.read', dispute.artist),
    }),
    role: t.expose('role', { type: RoleEnum }),
    status: t.expose('status', { type: DisputeStatusEnum }),
    incumbentAgencyId: t.exposeID('incumbentAgencyId', {
      nullable: true,
      description: 'The agency representing the artist when the dispute opened.',
    }),
    claims: t.relation('claims', { query: { orderBy: { createdAt: 'asc' } } }),
    events: t.relation('events', { query: { orderBy: { seq: 'asc' } } }),
    winningClaimId: t.exposeID('winningClaimId', { nullable: true }),
    resolution: t.exposeString('resolution', { nullable: true }),
    resolvedBy: t.exposeString('resolvedBy', { nullable: true }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObject('RepresentationEvent', {
  interfaces: [ActedRef],
  description: 'One step of representation history (append-only).',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.expose('type', { type: EventTypeEnum }),
    claimId: t.exposeID('claimId', { nullable: true }),
    rosterLinkId: t.exposeID('rosterLinkId', { nullable: true }),
    actorType: t.field({ type: ActorTypeEnum, resolve: (e) => e.actorType as keyof typeof ACTOR_TYPES }),
    note: t.exposeString('note', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObject('TeamAssignment', {
  ...typeRequires('directory.read'),
  description: "A person of the representing agency on an artist's team.",
  fields: (t) => ({
    id: t.exposeID('id'),
    artist: t.relation('artist'),
    agency: t.relation('agency'),
    person: t.relation('person'),
    role: t.expose('role', { type: TeamRoleEnum }),
    isPrimary: t.exposeBoolean('isPrimary'),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObjectFields('Artist', (t) => ({
  representation: t.relation('rosterLinks', {
    ...requires('directory.read'),
    description: 'Who represents the artist now (and from scheduled handovers on).',
    query: () => ({ where: activeLinkWhere(), orderBy: representationOrder }),
  }),
  disputedRoles: t.field({
    ...requires('directory.read'),
    type: [RoleEnum],
    description: 'Roles whose representation is under an open dispute.',
    select: { disputes: { where: { status: 'open' }, select: { role: true } } },
    resolve: (artist) => artist.disputes.map((d) => d.role),
  }),
  team: t.relation('team', {
    ...requires('directory.read'),
    description: 'The people of the representing agencies working on the artist.',
    query: () => ({ where: teamWhere({ includeEnded: false }), orderBy: teamOrder }),
  }),
}))

builder.prismaObjectFields('Agency', (t) => ({
  roster: t.relation('rosterLinks', {
    ...requires('directory.read'),
    description: 'The artists this company represents now, a page at a time.',
    args: {
      first: t.arg.int({ defaultValue: DEFAULT_PAGE_SIZE, description: NESTED_FIRST }),
      offset: t.arg.int({ defaultValue: 0, description: NESTED_OFFSET }),
    },
    query: (args) => ({ where: activeLinkWhere(), orderBy: [{ startsOn: 'asc' }, { id: 'asc' }], ...nestedPage(args) }),
  }),
}))

const RosterFilterInput = inputFromZod('RosterFilter', RosterFilter)
const ClaimFilterInput = inputFromZod('RepresentationClaimFilter', RepresentationClaimFilter)
const DisputeFilterInput = inputFromZod('RepresentationDisputeFilter', DisputeFilter)
const ClaimInputType = inputFromZod('RepresentationClaimInput', RepresentationClaimInput)
const ReviewInputType = inputFromZod('ReviewInput', ReviewInput)
const RejectInputType = inputFromZod('RejectInput', RejectInput)
const ResolveInputType = inputFromZod('ResolveDisputeInput', ResolveDisputeInput)
const UpdateRosterLinkInputType = inputFromZod('UpdateRosterLinkInput', UpdateRosterLinkInput)
const EndRosterLinkInputType = inputFromZod('EndRosterLinkInput', EndRosterLinkInput)
const TeamAssignmentInputType = inputFromZod('TeamAssignmentInput', TeamAssignmentInput)
const UpdateTeamAssignmentInputType = inputFromZod('UpdateTeamAssignmentInput', UpdateTeamAssignmentInput)
const TeamFilterInput = inputFromZod('TeamFilter', TeamFilter)

// The agency's view and the platform reviewers' run the same listing: the service scopes it to the caller.
const claimConnection = (
  _root: unknown,
  args: DefaultConnectionArguments & { filter?: unknown },
  ctx: RequestContext,
  info: GraphQLResolveInfo,
) => connectionOf(ctx, info, args, (page, query) => representationClaims.list(ctx, args.filter ?? {}, page, query))
const disputeConnection = (
  _root: unknown,
  args: DefaultConnectionArguments & { filter?: unknown },
  ctx: RequestContext,
  info: GraphQLResolveInfo,
) => connectionOf(ctx, info, args, (page, query) => disputes.list(ctx, args.filter ?? {}, page, query))

builder.queryFields((t) => ({
  myRoster: t.connection(
    {
      ...requires('roster.read'),
      type: RosterLinkRef,
      description: "The signed-in company's agency roster.",
      args: { filter: t.arg({ type: RosterFilterInput }) },
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => roster.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'RosterConnection' },
    { name: 'RosterEdge' },
  ),
  artistTeam: t.prismaField({
    ...requires('directory.read'),
    type: ['TeamAssignment'],
    args: { artistId: t.arg.id({ required: true }), filter: t.arg({ type: TeamFilterInput }) },
    resolve: (query, _root, args, ctx) => team.ofArtist(ctx, parseId(args.artistId, 'artistId'), args.filter ?? {}, query),
  }),
  representationClaims: t.connection(
    {
      ...requires('roster.read'),
      type: ClaimRef,
      description: "The agency's own claims, and claims on artists it represents.",
      args: { filter: t.arg({ type: ClaimFilterInput }) },
      resolve: claimConnection,
    },
    { name: 'RepresentationClaimConnection' },
    { name: 'RepresentationClaimEdge' },
  ),
  representationClaim: t.prismaField({
    ...requires('roster.read'),
    type: 'RepresentationClaim',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => representationClaims.get(ctx, parseId(args.id), query),
  }),
  representationDisputes: t.connection(
    {
      ...requires('roster.read'),
      type: DisputeRef,
      description: 'Disputes the agency is part of (as a claimant or the current representative).',
      args: { filter: t.arg({ type: DisputeFilterInput }) },
      resolve: disputeConnection,
    },
    { name: 'RepresentationDisputeConnection' },
    { name: 'RepresentationDisputeEdge' },
  ),
  representationDispute: t.prismaField({
    ...requires('roster.read'),
    type: 'RepresentationDispute',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => disputes.get(ctx, parseId(args.id), query),
  }),
  adminRepresentationClaims: t.connection(
    {
      ...requires('platform.review'),
      type: ClaimRef,
      args: { filter: t.arg({ type: ClaimFilterInput }) },
      resolve: claimConnection,
    },
    { name: 'AdminRepresentationClaimConnection' },
    { name: 'AdminRepresentationClaimEdge' },
  ),
  adminRepresentationDisputes: t.connection(
    {
      ...requires('platform.review'),
      type: DisputeRef,
      args: { filter: t.arg({ type: DisputeFilterInput }) },
      resolve: disputeConnection,
    },
    { name: 'AdminRepresentationDisputeConnection' },
    { name: 'AdminRepresentationDisputeEdge' },
  ),
}))

builder.mutationFields((t) => ({
  claimRepresentation: t.prismaField({
    ...requires('roster.manage'),
    type: 'RepresentationClaim',
    description: 'Claims to represent an artist; a claim contesting a current representation or another claim opens a dispute.',
    args: { input: t.arg({ type: ClaimInputType, required: true }) },
    resolve: (query, _root, args, ctx) => representationClaims.submit(ctx, args.input, query),
  }),
  withdrawRepresentationClaim: t.prismaField({
    ...requires('roster.manage'),
    type: 'RepresentationClaim',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => representationClaims.withdraw(ctx, parseId(args.id), query),
  }),
  acceptRepresentationHandover: t.prismaField({
    ...requires('roster.manage'),
    type: 'RepresentationClaim',
    description: 'The current representative hands the artist over to the claimant.',
    args: { id: t.arg.id({ required: true }), note: t.arg.string() },
    resolve: (query, _root, args, ctx) =>
      representationClaims.acceptHandover(ctx, parseId(args.id), { note: args.note ?? undefined }, query),
  }),
  approveRepresentationClaim: t.prismaField({
    ...requires('platform.review'),
    type: 'RepresentationClaim',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ReviewInputType }) },
    resolve: (query, _root, args, ctx) => representationClaims.approve(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  rejectRepresentationClaim: t.prismaField({
    ...requires('platform.review'),
    type: 'RepresentationClaim',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RejectInputType, required: true }) },
    resolve: (query, _root, args, ctx) => representationClaims.reject(ctx, parseId(args.id), args.input, query),
  }),
  resolveRepresentationDispute: t.prismaField({
    ...requires('platform.review'),
    type: 'RepresentationDispute',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ResolveInputType, required: true }) },
    resolve: (query, _root, args, ctx) => disputes.resolve(ctx, parseId(args.id), args.input, query),
  }),
  updateRosterLink: t.prismaField({
    ...requires('roster.manage'),
    type: 'RosterLink',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateRosterLinkInputType, required: true }) },
    resolve: (query, _root, args, ctx) => roster.update(ctx, parseId(args.id), args.input, query),
  }),
  endRosterLink: t.prismaField({
    ...requires('roster.manage'),
    type: 'RosterLink',
    description: "Ends the agency's representation of an artist.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: EndRosterLinkInputType }) },
    resolve: (query, _root, args, ctx) => roster.end(ctx, parseId(args.id), args.input ?? {}, query),
  }),
  assignTeamMember: t.prismaField({
    ...requires('roster.manage'),
    type: 'TeamAssignment',
    args: { artistId: t.arg.id({ required: true }), input: t.arg({ type: TeamAssignmentInputType, required: true }) },
    resolve: (query, _root, args, ctx) => team.assign(ctx, parseId(args.artistId, 'artistId'), args.input, query),
  }),
  updateTeamAssignment: t.prismaField({
    ...requires('roster.manage'),
    type: 'TeamAssignment',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTeamAssignmentInputType, required: true }) },
    resolve: (query, _root, args, ctx) => team.update(ctx, parseId(args.id), args.input, query),
  }),
  endTeamAssignment: t.prismaField({
    ...requires('roster.manage'),
    type: 'TeamAssignment',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => team.end(ctx, parseId(args.id), query),
  }),
}))
