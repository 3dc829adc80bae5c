import { actionFields } from '../booking/actions.graphql.ts'
import type { Contract } from '../../generated/prisma/client.ts'
import { ContractStatus, SignerRole, SigningOrder } from '../../generated/prisma/client.ts'
import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import { resolveReferences } from '../../graphql/entities.ts'
import { bookingOf, BookingRef, SideEnum } from '../booking/booking.graphql.ts'
import { ActedRef, CompanyRef } from '../directory/tenant-company.graphql.ts'
import { refOf, UserRef } from '../../graphql/references.ts'
import {
  AttachmentInput,
  CONTRACT_ACTIONS,
  CONTRACT_STEPS,
  ContractFilter,
  ContractInput,
  contracts,
  currentVersion,
  EditInput,
  liveAttachments,
  newestVersion,
  ReasonInput,
  SignerInput,
  SignInput,
} from './contracts.service.ts'
import { unresolvedFields } from './merge.ts'
import { TemplateFilter, TemplateInput, templates, UpdateTemplateInput } from './templates.service.ts'

const StatusEnum = graphqlEnum('ContractStatus', ContractStatus)
const StepEnum = graphqlEnum('ContractStep', CONTRACT_STEPS, "A step of a contract's audit timeline")
const SigningOrderEnum = graphqlEnum('SigningOrder', SigningOrder)
const SignerRoleEnum = graphqlEnum('SignerRole', SignerRole)

const TemplateRef = builder.prismaObject('ContractTemplate', {
  ...typeRequires('contracts.read'),
  description: "A contract template of the company's library.",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    currentVersion: t.exposeInt('currentVersion'),
    body: t.string({
      description: 'The current version’s text.',
      select: { currentVersion: true, versions: { orderBy: { version: 'desc' }, take: 1, select: { body: true } } },
      resolve: (tpl) => tpl.versions[0]?.body ?? '',
    }),
    versions: t.relation('versions', { query: { orderBy: { version: 'desc' } } }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObject('ContractTemplateVersion', {
  ...typeRequires('contracts.read'),
  fields: (t) => ({
    version: t.exposeInt('version'),
    body: t.exposeString('body'),
    createdBy: t.field({ type: UserRef, nullable: true, resolve: (o) => refOf(o.createdByUserId) }),
    createdByUserId: t.exposeID('createdByUserId', { deprecationReason: 'Use createdBy { id }: a reference the gateway resolves.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const VersionRef = builder.prismaObject('ContractVersion', {
  ...typeRequires('contracts.read'),
  description: 'One immutable text of a contract.',
  fields: (t) => ({
    id: t.exposeID('id'),
    version: t.exposeInt('version'),
    body: t.exposeString('body'),
    contentHash: t.exposeString('contentHash', { description: 'SHA-256 of the body: what a signature signs.' }),
    changeNote: t.exposeString('changeNote', { nullable: true }),
    createdBy: t.field({ type: UserRef, nullable: true, resolve: (v) => refOf(v.createdByUserId) }),
    createdByCompany: t.field({ type: CompanyRef, nullable: true, resolve: (v) => refOf(v.createdByOrgId) }),
    createdByUserId: t.exposeID('createdByUserId', { deprecationReason: 'Use createdBy { id }: a reference the gateway resolves.' }),
    createdByOrgId: t.exposeID('createdByOrgId', { deprecationReason: 'Use createdByCompany { id }: a reference the gateway resolves.' }),
    attachments: t.relation('attachments', { query: liveAttachments }),
    signatures: t.relation('signatures', {
      description: 'The signatures made on this version.',
      query: { orderBy: { signedAt: 'asc' } },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const SignerRef = builder.prismaObject('ContractSigner', {
  ...typeRequires('contracts.read'),
  fields: (t) => ({
    id: t.exposeID('id'),
    role: t.expose('role', { type: SignerRoleEnum }),
    side: t.expose('side', { type: SideEnum, description: 'The party whose users sign for this signer (in as out: AGENCY or PROMOTER).' }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'Only this user of the side signs, when set.',
      resolve: (s) => refOf(s.userId),
    }),
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    userId: t.exposeID('userId', { nullable: true }),
    position: t.exposeInt('position'),
    required: t.exposeBoolean('required'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const SignatureRef = builder.prismaObject('ContractSignature', {
  ...typeRequires('contracts.read'),
  description: 'Who signed which version (by its hash), when, and from where.',
  fields: (t) => ({
    id: t.exposeID('id'),
    signer: t.relation('signer'),
    version: t.relation('version'),
    contentHash: t.exposeString('contentHash'),
    signedBy: t.field({ type: UserRef, nullable: true, resolve: (s) => refOf(s.signedByUserId) }),
    signedByCompany: t.field({ type: CompanyRef, nullable: true, resolve: (s) => refOf(s.signedByOrgId) }),
    signedByUserId: t.exposeID('signedByUserId', { deprecationReason: 'Use signedBy { id }: a reference the gateway resolves.' }),
    signedByOrgId: t.exposeID('signedByOrgId', { deprecationReason: 'Use signedByCompany { id }: a reference the gateway resolves.' }),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    signedAt: t.expose('signedAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const AttachmentRef = builder.prismaObject('ContractAttachment', {
  ...typeRequires('contracts.read'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    mimeType: t.exposeString('mimeType'),
    sizeBytes: t.exposeInt('sizeBytes'),
    storageRef: t.exposeString('storageRef'),
    sha256: t.exposeString('sha256', { nullable: true }),
    uploadedBy: t.field({ type: UserRef, nullable: true, resolve: (a) => refOf(a.uploadedByUserId) }),
    uploadedByUserId: t.exposeID('uploadedByUserId', { deprecationReason: 'Use uploadedBy { id }: a reference the gateway resolves.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.prismaObject('ContractEvent', {
  interfaces: [ActedRef],
  ...typeRequires('contracts.read'),
  description: 'One step of the contract’s audit timeline (append-only).',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.field({ type: StepEnum, resolve: (e) => e.type as keyof typeof CONTRACT_STEPS }),
    version: t.exposeInt('version', { nullable: true }),
    signerId: t.exposeID('signerId', { nullable: true }),
    fromStatus: t.field({ type: StatusEnum, nullable: true, resolve: (e) => e.fromStatus as ContractStatus | null }),
    toStatus: t.field({ type: StatusEnum, nullable: true, resolve: (e) => e.toStatus as ContractStatus | null }),
    note: t.exposeString('note', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

/** The signing state of the contracts in a response, loaded together and shared by their fields. */
const signingOf = (contract: Contract, ctx: Parameters<typeof contracts.signing>[0]) =>
  ctx
    .loader<Contract, Awaited<ReturnType<typeof contracts.signing>>[number]>('contractSigning', (list) => contracts.signing(ctx, list))
    .load(contract)

const ContractActions = actionFields('Contract', CONTRACT_ACTIONS, contracts.actions)

export const ContractRef = builder.prismaObject('Contract', {
  ...typeRequires('contracts.read'),
  description: 'A booking-linked contract: versions, signers, signatures, attachments and its timeline.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    status: t.expose('status', { type: StatusEnum }),
    signingOrder: t.expose('signingOrder', { type: SigningOrderEnum }),
    currentVersion: t.exposeInt('currentVersion'),
    current: t.field({
      type: VersionRef,
      description: 'The current version (the one to sign).',
      select: (_args, _ctx, nested) => ({ currentVersion: true, versions: nested(currentVersion) }),
      resolve: (c) => newestVersion(c.versions, c),
    }),
    unresolvedFields: t.stringList({
      description: 'Merge fields the current version still lacks; a contract with any cannot be sent.',
      select: { versions: { ...currentVersion, select: { body: true } } },
      resolve: (c) => unresolvedFields(c.versions[0]?.body ?? ''),
    }),
    versions: t.relation('versions', { query: { orderBy: { version: 'desc' } } }),
    signers: t.field({ type: [SignerRef], resolve: async (c, _args, ctx) => (await signingOf(c, ctx)).signers }),
    signatures: t.field({
      type: [SignatureRef],
      description: "The signatures on the current version: the ones that count (each version's are on `versions { signatures }`).",
      resolve: async (c, _args, ctx) => (await signingOf(c, ctx)).signatures,
    }),
    blockingSigners: t.field({
      type: [SignerRef],
      description: 'Who holds the contract up: the next signer (sequential) or everyone missing (parallel).',
      resolve: async (c, _args, ctx) => (await signingOf(c, ctx)).blocking,
    }),
    blockingSigner: t.field({
      type: SignerRef,
      nullable: true,
      description: 'Which signer is blocking the deal now.',
      resolve: async (c, _args, ctx) => (await signingOf(c, ctx)).blocking[0] ?? null,
    }),
    attachments: t.relation('attachments', { query: liveAttachments }),
    events: t.relation('events', { query: { orderBy: { seq: 'asc' } } }),
    booking: t.field({
      type: BookingRef,
      nullable: true,
      description:
        'The booking it is for (null while it is for a hold not yet confirmed, for paper closed on a hold before it was, or for a booking the company does not read).',
      // A pipeline has one booking: a contract's is its request's, once the contract is the booking's (REST's bookingId).
      resolve: (c, _args, ctx) => (c.bookingId ? bookingOf(ctx, 'requestId', c.requestId) : null),
    }),
    actions: t.field({
      type: [ContractActions.ActionEnum],
      description: 'What the signed-in company may do with this contract now.',
      resolve: async (c, _args, ctx) => (await ContractActions.viewOf(ctx, c)).actions,
    }),
    blockedActions: t.field({
      type: [ContractActions.Blocked],
      description: 'The other actions of this contract, and why each is not open now (e.g. WAITING_FOR_COUNTERPARTY_SIGNATURE).',
      resolve: async (c, _args, ctx) => (await ContractActions.viewOf(ctx, c)).blockedActions,
    }),
    closedReason: t.exposeString('closedReason', { nullable: true }),
    promoter: t.field({
      type: CompanyRef,
      description: 'The buying company of the deal.',
      select: { request: { select: { promoterOrgId: true } } },
      resolve: (c) => ({ id: c.request.promoterOrgId }),
    }),
    createdByCompany: t.field({
      type: CompanyRef,
      description: 'The company that drafted it.',
      resolve: (c) => ({ id: c.createdByOrgId }),
    }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    signedAt: t.expose('signedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.asEntity(ContractRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: resolveReferences('Contract', contracts.byIds),
})

builder.prismaObjectFields('Booking', (t) => ({
  contract: t.field({
    ...requires('contracts.read'),
    type: ContractRef,
    description: 'The live (not void or cancelled) contract of the booking.',
    resolve: (booking, _args, ctx) =>
      ctx.loader<{ requestId: string }, Contract | null>('liveContract', (list) => contracts.liveForBookings(ctx, list)).load(booking),
  }),
}))

const TemplateInputType = inputFromZod('ContractTemplateInput', TemplateInput)
const UpdateTemplateInputType = inputFromZod('UpdateContractTemplateInput', UpdateTemplateInput)
const TemplateFilterInput = inputFromZod('ContractTemplateFilter', TemplateFilter)
const ContractFilterInput = inputFromZod('ContractFilter', ContractFilter)
const EditInputType = inputFromZod('EditContractInput', EditInput)
const SignInputType = inputFromZod('SignContractInput', SignInput)
const ReasonInputType = inputFromZod('ReasonInput', ReasonInput)
const AttachmentInputType = inputFromZod('ContractAttachmentInput', AttachmentInput)
const SignerInputType = inputFromZod('ContractSignerInput', SignerInput)

const DraftInputType = inputFromZod('DraftContractInput', ContractInput)

builder.queryFields((t) => ({
  contractTemplates: t.connection(
    {
      ...requires('contracts.read'),
      type: TemplateRef,
      description: "The signed-in company's template library.",
      args: { filter: t.arg({ type: TemplateFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => templates.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'ContractTemplateConnection' },
    { name: 'ContractTemplateEdge' },
  ),
  contractTemplate: t.prismaField({
    ...requires('contracts.read'),
    type: 'ContractTemplate',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => templates.get(ctx, parseId(args.id), query),
  }),
  contracts: t.connection(
    {
      ...requires('contracts.read'),
      type: ContractRef,
      description: 'Contracts of the booking pipelines the signed-in company is party to.',
      args: { filter: t.arg({ type: ContractFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => contracts.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'ContractConnection' },
    { name: 'ContractEdge' },
  ),
  contract: t.prismaField({
    ...requires('contracts.read'),
    type: 'Contract',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => contracts.get(ctx, parseId(args.id), query),
  }),
}))

builder.mutationFields((t) => ({
  createContractTemplate: t.prismaField({
    ...requires('contracts.manage'),
    type: 'ContractTemplate',
    args: { input: t.arg({ type: TemplateInputType, required: true }) },
    resolve: (query, _root, args, ctx) => templates.create(ctx, args.input, query),
  }),
  updateContractTemplate: t.prismaField({
    ...requires('contracts.manage'),
    type: 'ContractTemplate',
    description: 'A new body becomes the next version.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTemplateInputType, required: true }) },
    resolve: (query, _root, args, ctx) => templates.update(ctx, parseId(args.id), args.input, query),
  }),
  archiveContractTemplate: t.prismaField({
    ...requires('contracts.manage'),
    type: 'ContractTemplate',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => templates.setArchived(ctx, parseId(args.id), true, query),
  }),
  restoreContractTemplate: t.prismaField({
    ...requires('contracts.manage'),
    type: 'ContractTemplate',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => templates.setArchived(ctx, parseId(args.id), false, query),
  }),
  draftContract: t.prismaField({
    ...requires('contracts.manage'),
    type: 'Contract',
    description: 'Drafts a contract from a template for a confirmed booking (or an active hold), filling its merge fields.',
    args: { input: t.arg({ type: DraftInputType, required: true }) },
    resolve: (query, _root, args, ctx) => contracts.create(ctx, args.input, query),
  }),
  editContract: t.prismaField({
    ...requires('contracts.manage'),
    type: 'Contract',
    description: 'Makes a new version from `baseVersion`; a stale base is refused (STALE_VERSION).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: EditInputType, required: true }) },
    resolve: (query, _root, args, ctx) => contracts.edit(ctx, parseId(args.id), args.input, query),
  }),
  addContractSigner: t.field({
    ...requires('contracts.manage'),
    type: SignerRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: SignerInputType, required: true }) },
    resolve: (_root, args, ctx) => contracts.addSigner(ctx, parseId(args.id), args.input),
  }),
  removeContractSigner: t.field({
    ...requires('contracts.manage'),
    type: SignerRef,
    args: { id: t.arg.id({ required: true }), signerId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => contracts.removeSigner(ctx, parseId(args.id), parseId(args.signerId, 'signerId')),
  }),
  sendContract: t.prismaField({
    ...requires('contracts.manage'),
    type: 'Contract',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => contracts.send(ctx, parseId(args.id), query),
  }),
  signContract: t.prismaField({
    ...requires('contracts.sign'),
    type: 'Contract',
    description: 'Signs the current version (give its contentHash) as one of the signers of your side, in turn.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: SignInputType, required: true }) },
    resolve: (query, _root, args, ctx) => contracts.sign(ctx, parseId(args.id), args.input, ctx.client, query),
  }),
  voidContract: t.prismaField({
    ...requires('contracts.manage'),
    type: 'Contract',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ReasonInputType, required: true }) },
    resolve: (query, _root, args, ctx) => contracts.close(ctx, parseId(args.id), 'void', args.input, query),
  }),
  cancelContract: t.prismaField({
    ...requires('contracts.manage'),
    type: 'Contract',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ReasonInputType, required: true }) },
    resolve: (query, _root, args, ctx) => contracts.close(ctx, parseId(args.id), 'cancel', args.input, query),
  }),
  addContractAttachment: t.field({
    ...requires('contracts.manage'),
    type: AttachmentRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: AttachmentInputType, required: true }) },
    resolve: (_root, args, ctx) => contracts.addAttachment(ctx, parseId(args.id), args.input),
  }),
  removeContractAttachment: t.field({
    ...requires('contracts.manage'),
    type: AttachmentRef,
    args: { id: t.arg.id({ required: true }), attachmentId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => contracts.removeAttachment(ctx, parseId(args.id), parseId(args.attachmentId, 'attachmentId')),
  }),
}))
