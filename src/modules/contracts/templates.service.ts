// Template libraries: each company keeps its own contract templates. A template's body changes only by a
// new version (versions are immutable); archived templates stay readable but draft no new contracts.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, notFound, validationError } from '../../errors.ts'
import type { Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { parseInput } from '../../validation.ts'
import { nameContains } from '../../search.ts'
import { partyOf } from '../booking/parties.ts'
import { unknownFields } from './merge.ts'

const Body = z.string().min(1).max(200_000).describe('Text with merge fields such as {{artist.name}} or {{deal.fee}}')

export const TemplateInput = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(2000).nullish(),
  body: Body,
})
export const UpdateTemplateInput = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().trim().min(1).max(2000).nullish(),
  body: Body.optional().describe('A new body becomes the next version'),
})
export const TemplateFilter = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  includeArchived: z.boolean().default(false),
})

function assertKnownFields(body: string | undefined) {
  const unknown = body ? unknownFields(body) : []
  if (unknown.length) throw validationError([{ field: 'body', message: `unknown merge fields: ${unknown.join(', ')}` }])
}

/** A template of the caller's own library, or null (others' are hidden). */
export async function findOwnTemplate(ctx: RequestContext, id: string, query: Selection = {}) {
  const party = await partyOf(ctx)
  return ctx.db.contractTemplate.findFirst({ ...query, where: { id, ownerOrgId: party.orgId } })
}

async function ownTemplate(ctx: RequestContext, id: string, query: Selection = {}) {
  const template = await findOwnTemplate(ctx, id, query)
  if (!template) throw notFound('contract template', id)
  return template
}

export const templates = {
  get: ownTemplate,

  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const party = await partyOf(ctx)
    const f = parseInput(TemplateFilter, filter)
    const where: Prisma.ContractTemplateWhereInput = {
      ownerOrgId: party.orgId,
      nameSearch: nameContains(f.q),
      archivedAt: f.includeArchived ? undefined : null,
    }
    return listing(ctx.db.contractTemplate, { where, orderBy: { name: 'asc' } }, page, query)
  },

  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    const { body, ...data } = parseInput(TemplateInput, input)
    assertKnownFields(body)
    return ctx.db.contractTemplate.create({
      ...query,
      data: { ...data, ownerOrgId: party.orgId, versions: { create: { version: 1, body, createdByUserId: party.userId } } },
    })
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const party = await partyOf(ctx)
    const { body, ...data } = parseInput(UpdateTemplateInput, input)
    assertKnownFields(body)
    const template = await ownTemplate(ctx, id)
    if (template.archivedAt) throw conflict('template_archived', 'restore the template before editing it')
    return ctx.db.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<
        { current_version: number }[]
      >`SELECT current_version FROM contract_templates WHERE id = ${id}::uuid FOR UPDATE`
      if (!locked) throw notFound('contract template', id)
      const version = body === undefined ? locked.current_version : locked.current_version + 1
      if (body !== undefined)
        await tx.contractTemplateVersion.create({ data: { templateId: id, version, body, createdByUserId: party.userId } })
      return tx.contractTemplate.update({ ...query, where: { id }, data: { ...data, currentVersion: version } })
    })
  },

  async setArchived(ctx: RequestContext, id: string, archived: boolean, query: Selection = {}) {
    await ownTemplate(ctx, id)
    return ctx.db.contractTemplate.update({ ...query, where: { id }, data: { archivedAt: archived ? new Date() : null } })
  },

  async versions(ctx: RequestContext, id: string) {
    await ownTemplate(ctx, id)
    return ctx.db.contractTemplateVersion.findMany({ where: { templateId: id }, orderBy: { version: 'desc' } })
  },
}
