import { withActions } from '../booking/actions.rest.ts'
import { z } from 'zod'
import type { Prisma } from '../../generated/prisma/client.ts'
import { IdParams, route } from '../../rest/route.ts'
import { Id, VersionNumber } from '../../validation.ts'
import { viewSchema, type JsonSchema } from '../../rest/schemas.ts'
import {
  AttachmentInput,
  CONTRACT_ACTIONS,
  ContractFilter,
  ContractInput,
  contracts,
  ContractView,
  EditInput,
  ReasonInput,
  SignerInput,
  SignInput,
} from './contracts.service.ts'
import { TemplateFilter, TemplateInput, templates, UpdateTemplateInput } from './templates.service.ts'

const TemplateView = { versions: { orderBy: { version: 'desc' }, take: 1 } } satisfies Prisma.ContractTemplateInclude

/** `contracts.view`: its current version, signers, the current version's signatures, who blocks it, what its text lacks. */
const contractSchema: JsonSchema = withActions(
  {
    allOf: [
      viewSchema('Contract', { attachments: true }),
      {
        type: 'object',
        properties: {
          current: viewSchema('ContractVersion'),
          unresolvedFields: { type: 'array', items: { type: 'string' } },
          signers: { type: 'array', items: viewSchema('ContractSigner') },
          signatures: { type: 'array', items: viewSchema('ContractSignature'), description: 'Signatures on the current version' },
          blocking: {
            type: 'array',
            items: viewSchema('ContractSigner'),
            description: 'Who holds the contract up (the next signer, or all missing ones)',
          },
        },
        required: ['current', 'unresolvedFields', 'signers', 'signatures', 'blocking'],
      },
    ],
  },
  CONTRACT_ACTIONS,
)

const tag = 'Contracts'
const templateTag = 'Contract templates'
const template = viewSchema('ContractTemplate', TemplateView)
const VersionParams = IdParams.extend({ version: z.coerce.number().pipe(VersionNumber) })
const SignerParams = IdParams.extend({ signerId: Id })
const AttachmentParams = IdParams.extend({ attachmentId: Id })

export const contractRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/contract-templates',
    tag: templateTag,
    summary: "The caller's company's template library",
    access: 'contracts.read',
    list: true,
    query: TemplateFilter,
    response: template,
    handler: ({ ctx, query, page }) => templates.list(ctx, query, page, { include: TemplateView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/contract-templates',
    tag: templateTag,
    summary: 'Add a template (merge fields: {{artist.name}}, {{deal.fee}}...)',
    access: 'contracts.manage',
    body: TemplateInput,
    status: 201,
    response: template,
    handler: ({ ctx, body }) => templates.create(ctx, body, { include: TemplateView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/contract-templates/:id',
    tag: templateTag,
    summary: 'A template with its current version',
    access: 'contracts.read',
    params: IdParams,
    response: template,
    handler: ({ ctx, params }) => templates.get(ctx, params.id, { include: TemplateView }),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/contract-templates/:id',
    tag: templateTag,
    summary: 'Rename or describe a template; a new body becomes the next version',
    access: 'contracts.manage',
    params: IdParams,
    body: UpdateTemplateInput,
    response: template,
    handler: ({ ctx, params, body }) => templates.update(ctx, params.id, body, { include: TemplateView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/contract-templates/:id/versions',
    tag: templateTag,
    summary: "A template's versions, newest first",
    access: 'contracts.read',
    params: IdParams,
    response: { type: 'array', items: viewSchema('ContractTemplateVersion') },
    handler: ({ ctx, params }) => templates.versions(ctx, params.id),
  }),
  ...([true, false] as const).map((archived) =>
    route({
      method: 'POST',
      url: `/api/v1/contract-templates/:id/${archived ? 'archive' : 'restore'}`,
      tag: templateTag,
      summary: archived ? 'Archive a template (it stays readable, drafts no new contract)' : 'Restore an archived template',
      access: 'contracts.manage',
      params: IdParams,
      response: template,
      handler: ({ ctx, params }) => templates.setArchived(ctx, params.id, archived, { include: TemplateView }),
    }),
  ),
  route({
    method: 'POST',
    url: '/api/v1/contracts',
    tag,
    summary: 'Draft a contract from a template for a confirmed booking (or an active hold), filling its merge fields',
    access: 'contracts.manage',
    body: ContractInput,
    status: 201,
    response: contractSchema,
    handler: async ({ ctx, body }) => contracts.view(ctx, await contracts.create(ctx, body, { include: ContractView })),
  }),
  route({
    method: 'GET',
    url: '/api/v1/contracts',
    tag,
    summary: 'Contracts of the booking pipelines the caller is party to',
    access: 'contracts.read',
    list: true,
    query: ContractFilter,
    response: viewSchema('Contract'),
    handler: ({ ctx, query, page }) => contracts.list(ctx, query, page),
  }),
  route({
    method: 'GET',
    url: '/api/v1/contracts/:id',
    tag,
    summary: 'A contract: current version, signers, signatures, who is blocking, attachments',
    access: 'contracts.read',
    params: IdParams,
    response: contractSchema,
    handler: async ({ ctx, params }) => contracts.view(ctx, await contracts.get(ctx, params.id, { include: ContractView })),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/contracts/:id',
    tag,
    summary: 'Edit: a new immutable version made on baseVersion (409 stale_version when it is not the current one)',
    access: 'contracts.manage',
    params: IdParams,
    body: EditInput,
    response: contractSchema,
    handler: async ({ ctx, params, body }) => contracts.view(ctx, await contracts.edit(ctx, params.id, body, { include: ContractView })),
  }),
  route({
    method: 'GET',
    url: '/api/v1/contracts/:id/versions',
    tag,
    summary: "A contract's versions, newest first",
    access: 'contracts.read',
    params: IdParams,
    response: { type: 'array', items: viewSchema('ContractVersion') },
    handler: ({ ctx, params }) => contracts.versions(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/contracts/:id/versions/:version',
    tag,
    summary: 'One version of a contract',
    access: 'contracts.read',
    params: VersionParams,
    response: viewSchema('ContractVersion'),
    handler: ({ ctx, params }) => contracts.version(ctx, params.id, params.version),
  }),
  route({
    method: 'POST',
    url: '/api/v1/contracts/:id/signers',
    tag,
    summary: 'Add a signer (role, side, order)',
    access: 'contracts.manage',
    params: IdParams,
    body: SignerInput,
    status: 201,
    response: viewSchema('ContractSigner'),
    handler: ({ ctx, params, body }) => contracts.addSigner(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/contracts/:id/signers/:signerId',
    tag,
    summary: 'Remove a signer',
    access: 'contracts.manage',
    params: SignerParams,
    response: viewSchema('ContractSigner'),
    handler: ({ ctx, params }) => contracts.removeSigner(ctx, params.id, params.signerId),
  }),
  route({
    method: 'POST',
    url: '/api/v1/contracts/:id/send',
    tag,
    summary: 'Send for signature (the drafting side; every merge field filled, a required signer present)',
    access: 'contracts.manage',
    params: IdParams,
    response: contractSchema,
    handler: async ({ ctx, params }) => contracts.view(ctx, await contracts.send(ctx, params.id, { include: ContractView })),
  }),
  route({
    method: 'POST',
    url: '/api/v1/contracts/:id/sign',
    tag,
    summary: "Sign the current version (by its contentHash) as one of your side's signers, in turn",
    access: 'contracts.sign',
    params: IdParams,
    body: SignInput,
    response: contractSchema,
    handler: async ({ ctx, params, body }) =>
      contracts.view(ctx, await contracts.sign(ctx, params.id, body, ctx.client, { include: ContractView })),
  }),
  ...(['void', 'cancel'] as const).map((action) =>
    route({
      method: 'POST',
      url: `/api/v1/contracts/:id/${action}`,
      tag,
      summary:
        action === 'void' ? 'Void a sent or signed contract, with the reason' : 'Cancel a draft (the drafting side), with the reason',
      access: 'contracts.manage',
      params: IdParams,
      body: ReasonInput,
      response: contractSchema,
      handler: async ({ ctx, params, body }) =>
        contracts.view(ctx, await contracts.close(ctx, params.id, action, body, { include: ContractView })),
    }),
  ),
  route({
    method: 'POST',
    url: '/api/v1/contracts/:id/attachments',
    tag,
    summary: 'Attach a file by reference (metadata and storage reference; no upload here)',
    access: 'contracts.manage',
    params: IdParams,
    body: AttachmentInput,
    status: 201,
    response: viewSchema('ContractAttachment'),
    handler: ({ ctx, params, body }) => contracts.addAttachment(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/contracts/:id/attachments/:attachmentId',
    tag,
    summary: 'Remove an attachment',
    access: 'contracts.manage',
    params: AttachmentParams,
    response: viewSchema('ContractAttachment'),
    handler: ({ ctx, params }) => contracts.removeAttachment(ctx, params.id, params.attachmentId),
  }),
  route({
    method: 'GET',
    url: '/api/v1/contracts/:id/events',
    tag,
    summary: "The contract's audit timeline, oldest first",
    access: 'contracts.read',
    params: IdParams,
    response: { type: 'array', items: viewSchema('ContractEvent') },
    handler: ({ ctx, params }) => contracts.events(ctx, params.id),
  }),
]
