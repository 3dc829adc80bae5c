// People / contacts of the industry. A tenant creates people for its own agency; a person is edited by
// the org that owns their agency or that created them, or by platform admins.
import { nameContains, searchFold } from '../../search.ts'
import { z } from 'zod'
import { isCompanyOwnedByOrg } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import { allOf, jsonView, listing, type Selection } from '../../db/listing.ts'
import { jsonRecord, recordJson } from '../../db/record-json.ts'
import { forbidden, found, invalidInput, notFound } from '../../errors.ts'
import { Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { CountryCode, locationData, locationJson } from './geo.service.ts'
import { directoryChange, withId } from './changes.ts'

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish()

export const PersonInput = z.object({
  firstName: z.string().trim().min(1).max(100),
  lastName: optionalText(100),
  email: z.email().max(320).nullish(),
  phone: optionalText(40),
  jobTitle: optionalText(120),
  agencyId: Id.nullish().describe("The agency the person works at (defaults to the caller's own agency)"),
  countryCode: CountryCode.nullish(),
  cityId: Id.nullish(),
})
export const UpdatePersonInput = PersonInput.partial()

export const PersonFilter = z.object({
  q: z.string().trim().min(1).max(100).optional().describe('Matches first or last name, or email'),
  agencyId: Id.optional(),
  includeArchived: z.boolean().default(false),
})

/** What a person looks like over REST: their agency, country and city. */
export const PersonView = { agency: true, country: true, city: true } satisfies Prisma.PersonInclude

/** PersonView served by hand-written statements. */
const personView = jsonView<Prisma.PersonGetPayload<{ include: typeof PersonView }>>('people', 'Person', PersonView, {
  agency: jsonRecord(recordJson('Agency', 'co'), { from: 'artists_companies co', key: 'co.id', parent: 'x.agency_id' }),
  ...locationJson,
})

type PersonFilterValue = z.output<typeof PersonFilter>

// The full name ("ana garcía") or the e-mail address.
function personWhere(f: PersonFilterValue): Prisma.PersonWhereInput {
  return {
    OR: f.q ? [{ nameSearch: nameContains(f.q) }, { email: { contains: f.q, mode: 'insensitive' } }] : undefined,
    agencyId: f.agencyId,
    archivedAt: f.includeArchived ? undefined : null,
  }
}

/** personWhere on the row `x`, for the hand-written list statement (test/directory-views.test.ts: same answers). */
function personWhereSql(f: PersonFilterValue): Prisma.Sql {
  return allOf([
    f.q !== undefined && Prisma.sql`(x.name_search LIKE ${`%${searchFold(f.q)}%`} OR x.email ILIKE ${`%${f.q}%`})`,
    f.agencyId !== undefined && Prisma.sql`x.agency_id = ${f.agencyId}::uuid`,
    !f.includeArchived && Prisma.sql`x.archived_at IS NULL`,
  ])
}

/** The agency a person may be attached to by this caller: any for platform admins, only its own otherwise. */
async function agencyFor(ctx: RequestContext, requested: string | null | undefined): Promise<string | null | undefined> {
  const caller = await ctx.caller()
  if (caller.kind === 'machine') {
    if (requested && !(await ctx.db.agency.findUnique({ where: { id: requested }, select: { id: true } }))) {
      throw invalidInput('agencyId', 'unknown agency')
    }
    return requested
  }
  const own = await ctx.agencyId()
  if (requested === undefined) return own
  if (requested !== null && requested !== own) throw invalidInput('agencyId', 'people can only be added to your own agency')
  return requested
}

async function assertCanEdit(ctx: RequestContext, person: { agencyId: string | null; createdByOrgId: string | null }) {
  const caller = await ctx.caller()
  if (caller.kind === 'machine') return
  if (person.createdByOrgId === caller.orgId) return
  if (person.agencyId && (await isCompanyOwnedByOrg(ctx.db, person.agencyId, caller.orgId))) return
  throw forbidden('only the agency this person works at, or the company that added them, may edit them', 'not_record_owner')
}

async function findForEdit(ctx: RequestContext, id: string) {
  const person = await ctx.db.person.findUnique({
    where: { id },
    select: { agencyId: true, createdByOrgId: true, countryId: true },
  })
  if (!person) throw notFound('person', id)
  await assertCanEdit(ctx, person)
  return person
}

export const people = {
  get: async (ctx: RequestContext, id: string, query: Selection = {}) =>
    found(await ctx.db.person.findUnique({ ...query, where: { id } }), 'person', id),
  /** A batch by id (federation references); within PersonView, the view's one statement. */
  byIds: (ctx: RequestContext, ids: string[], query: Selection = {}) =>
    personView.serves(query) ? personView.byIds(ctx.db, ids, query) : ctx.db.person.findMany({ ...query, where: { id: { in: ids } } }),

  /** A page of people; within PersonView, one hand-written statement (as artists.list). */
  list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(PersonFilter, filter)
    if (personView.serves(query)) return personView.page(ctx.db, query, personWhereSql(f), 'x.first_name, x.id', page)
    return listing(ctx.db.person, { where: personWhere(f), orderBy: { firstName: 'asc' } }, page, query)
  },

  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const { countryCode, cityId, agencyId, ...data } = parseInput(PersonInput, input)
    const caller = await ctx.caller()
    const location = await locationData(ctx, { countryCode, cityId })
    const agency = await agencyFor(ctx, agencyId)
    return directoryChange(ctx, 'person', 'created', (tx) =>
      tx.person.create({
        ...withId(query),
        data: { ...data, ...location, agencyId: agency, createdByOrgId: caller.kind === 'user' ? caller.orgId : null },
      }),
    )
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const { countryCode, cityId, agencyId, ...data } = parseInput(UpdatePersonInput, input)
    const current = await findForEdit(ctx, id)
    const location = await locationData(ctx, { countryCode, cityId }, current)
    const agency = agencyId === undefined ? undefined : await agencyFor(ctx, agencyId)
    return directoryChange(
      ctx,
      'person',
      'updated',
      (tx) => tx.person.update({ ...query, where: { id }, data: { ...data, ...location, agencyId: agency } }),
      id,
    )
  },

  async setArchived(ctx: RequestContext, id: string, archived: boolean, query: Selection = {}) {
    await findForEdit(ctx, id)
    const change = archived ? 'archived' : 'restored'
    return directoryChange(
      ctx,
      'person',
      change,
      (tx) => tx.person.update({ ...query, where: { id }, data: { archivedAt: archived ? ctx.clock.now() : null } }),
      id,
    )
  },
}
