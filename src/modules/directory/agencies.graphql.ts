import { builder, cardTypeRequires, requires } from '../../graphql/builder.ts'
import { connectionOf, NESTED_FIRST, NESTED_OFFSET, nestedPage } from '../../graphql/connections.ts'
import { DEFAULT_PAGE_SIZE } from '../../pagination.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { AgencyKind } from '../../generated/prisma/client.ts'
import { parseId } from '../../validation.ts'
import { resolveReferences } from '../../graphql/entities.ts'
import { agencies, AgencyFilter, AgencyInput, UpdateAgencyInput } from './agencies.service.ts'

const AgencyKindEnum = graphqlEnum('AgencyKind', AgencyKind, 'What a market company does')

export const AgencyRef = builder.prismaObject('Agency', {
  ...cardTypeRequires('directory.read'),
  description:
    'A market company of the network (agency, management, label...); "sleeping" until a tenant company claims it. Reads about an agency (a deal, a window, the roster) show its own fields as a card; its relations need `directory.read`.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    kind: t.expose('kind', { type: AgencyKindEnum }),
    description: t.exposeString('description', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    websiteUrl: t.exposeString('websiteUrl', { nullable: true }),
    country: t.relation('country', { ...requires('directory.read') }),
    city: t.relation('city', { ...requires('directory.read') }),
    claimed: t.exposeBoolean('claimed'),
    people: t.relation('people', {
      ...requires('directory.read'),
      description: 'The people of the company, a page at a time.',
      args: {
        first: t.arg.int({ defaultValue: DEFAULT_PAGE_SIZE, description: NESTED_FIRST }),
        offset: t.arg.int({ defaultValue: 0, description: NESTED_OFFSET }),
      },
      query: (args) => ({ where: { archivedAt: null }, orderBy: [{ firstName: 'asc' }, { id: 'asc' }], ...nestedPage(args) }),
    }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.asEntity(AgencyRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: resolveReferences('Agency', agencies.byIds),
})

const AgencyFilterInput = inputFromZod('AgencyFilter', AgencyFilter)
const AgencyInputType = inputFromZod('AgencyInput', AgencyInput)
const UpdateAgencyInputType = inputFromZod('UpdateAgencyInput', UpdateAgencyInput)

builder.queryFields((t) => ({
  agency: t.prismaField({
    ...requires('directory.read'),
    type: 'Agency',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => agencies.get(ctx, parseId(args.id), query),
  }),
  agencies: t.connection(
    {
      ...requires('directory.read'),
      type: AgencyRef,
      args: { filter: t.arg({ type: AgencyFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => agencies.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'AgencyConnection' },
    { name: 'AgencyEdge' },
  ),
}))

builder.mutationFields((t) => ({
  createAgency: t.prismaField({
    ...requires('directory.curate'),
    type: 'Agency',
    args: { input: t.arg({ type: AgencyInputType, required: true }) },
    resolve: (query, _root, args, ctx) => agencies.create(ctx, args.input, query),
  }),
  updateAgency: t.prismaField({
    ...requires('directory.manage'),
    type: 'Agency',
    description: "Edits an agency's profile: its owning company, or platform admins.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAgencyInputType, required: true }) },
    resolve: (query, _root, args, ctx) => agencies.update(ctx, parseId(args.id), args.input, query),
  }),
  archiveAgency: t.prismaField({
    ...requires('directory.curate'),
    type: 'Agency',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => agencies.setArchived(ctx, parseId(args.id), true, query),
  }),
  restoreAgency: t.prismaField({
    ...requires('directory.curate'),
    type: 'Agency',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => agencies.setArchived(ctx, parseId(args.id), false, query),
  }),
}))
