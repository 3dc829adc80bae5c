// Market companies ("agencies" in the product): created and archived by platform admins, or through
// agency provisioning; their profile is edited by the tenant company that owns them (approved claim).
import { nameContains, nameContainsSql } from '../../search.ts'
import { z } from 'zod'
import { isCompanyOwnedByOrg } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { allOf, jsonView, listing, type Selection } from '../../db/listing.ts'
import { forbidden, found, notFound } from '../../errors.ts'
import { AgencyKind, Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { CountryCode, inCountrySql, locationData, locationJson } from './geo.service.ts'
import { freeSlug } from './slug.ts'
import { directoryChange, withId } from './changes.ts'

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish()

export const AgencyInput = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(AgencyKind).default('agency'),
  description: optionalText(5000),
  email: z.email().max(320).nullish(),
  phone: optionalText(40),
  websiteUrl: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .nullish(),
  countryCode: CountryCode.nullish(),
  cityId: Id.nullish(),
})
export const UpdateAgencyInput = AgencyInput.partial().extend({ kind: z.enum(AgencyKind).optional() })

export const AgencyFilter = z.object({
  q: z.string().trim().min(1).max(100).optional().describe('Matches the name'),
  kind: z.enum(AgencyKind).optional(),
  countryCode: CountryCode.optional(),
  claimed: z.boolean().optional().describe('Only claimed (true) or only sleeping (false) companies'),
  includeArchived: z.boolean().default(false),
})

/** The where-clause of an agency filter; provisioning's sleeping-company search reuses it. */
export function agencyWhere(f: z.output<typeof AgencyFilter>): Prisma.AgencyWhereInput {
  return {
    nameSearch: nameContains(f.q),
    kind: f.kind,
    country: f.countryCode ? { code: f.countryCode } : undefined,
    claimed: f.claimed,
    archivedAt: f.includeArchived ? undefined : null,
  }
}

/** agencyWhere on the row `x`, for the hand-written list statement (test/directory-views.test.ts: same answers). */
function agencyWhereSql(f: z.output<typeof AgencyFilter>): Prisma.Sql {
  return allOf([
    nameContainsSql(f.q),
    f.kind !== undefined && Prisma.sql`x.kind = ${f.kind}::"AgencyKind"`,
    inCountrySql(f.countryCode),
    f.claimed !== undefined && Prisma.sql`x.claimed = ${f.claimed}`,
    !f.includeArchived && Prisma.sql`x.archived_at IS NULL`,
  ])
}

/** What an agency (market company) looks like over REST: its country and city. */
export const AgencyView = { country: true, city: true } satisfies Prisma.AgencyInclude

/** AgencyView served by hand-written statements. */
const agencyView = jsonView<Prisma.AgencyGetPayload<{ include: typeof AgencyView }>>(
  'artists_companies',
  'Agency',
  AgencyView,
  locationJson,
)

/** A validated company spec, location resolved: what creation (direct or through provisioning) inserts. */
export type AgencySpec = Omit<z.output<typeof AgencyInput>, 'countryCode' | 'cityId'> & {
  countryId?: string | null
  cityId?: string | null
}

/** `fieldPrefix` names fields as the caller's input nests them (e.g. "company." in a creation request). */
export async function agencySpec(ctx: RequestContext, input: unknown, fieldPrefix = ''): Promise<AgencySpec> {
  const { countryCode, cityId, ...data } = parseInput(AgencyInput, input)
  return { ...data, ...(await locationData(ctx, { countryCode, cityId }, undefined, fieldPrefix)) }
}

/** Inserts a market company from a spec, inside the caller's transaction. */
export async function insertAgency(tx: Tx, spec: AgencySpec, query: Selection = {}) {
  return tx.agency.create({ ...query, data: { ...spec, slug: await freeSlug(tx, 'artists_companies', spec.name) } })
}

async function assertOwnerOrMachine(ctx: RequestContext, agencyId: string) {
  const caller = await ctx.caller()
  if (caller.kind === 'machine') return
  if (!(await isCompanyOwnedByOrg(ctx.db, agencyId, caller.orgId))) {
    throw forbidden('only the company that owns this agency profile may edit it', 'not_company_owner')
  }
}

export const agencies = {
  get: async (ctx: RequestContext, id: string, query: Selection = {}) =>
    found(await ctx.db.agency.findUnique({ ...query, where: { id } }), 'agency', id),
  /** A batch by id (federation references); within AgencyView, the view's one statement. */
  byIds: (ctx: RequestContext, ids: string[], query: Selection = {}) =>
    agencyView.serves(query) ? agencyView.byIds(ctx.db, ids, query) : ctx.db.agency.findMany({ ...query, where: { id: { in: ids } } }),

  /** A page of agencies; within AgencyView, one hand-written statement (as artists.list). */
  list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(AgencyFilter, filter)
    if (agencyView.serves(query)) return agencyView.page(ctx.db, query, agencyWhereSql(f), 'x.name, x.id', page)
    return listing(ctx.db.agency, { where: agencyWhere(f), orderBy: { name: 'asc' } }, page, query)
  },

  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const spec = await agencySpec(ctx, input)
    return directoryChange(ctx, 'agency', 'created', (tx) => insertAgency(tx, spec, withId(query)))
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const { countryCode, cityId, ...data } = parseInput(UpdateAgencyInput, input)
    const current = await ctx.db.agency.findUnique({ where: { id }, select: { countryId: true } })
    if (!current) throw notFound('agency', id)
    await assertOwnerOrMachine(ctx, id)
    const location = await locationData(ctx, { countryCode, cityId }, current)
    return directoryChange(
      ctx,
      'agency',
      'updated',
      (tx) => tx.agency.update({ ...query, where: { id }, data: { ...data, ...location } }),
      id,
    )
  },

  async setArchived(ctx: RequestContext, id: string, archived: boolean, query: Selection = {}) {
    if (!(await ctx.db.agency.findUnique({ where: { id }, select: { id: true } }))) throw notFound('agency', id)
    const change = archived ? 'archived' : 'restored'
    return directoryChange(
      ctx,
      'agency',
      change,
      (tx) => tx.agency.update({ ...query, where: { id }, data: { archivedAt: archived ? ctx.clock.now() : null } }),
      id,
    )
  },
}
