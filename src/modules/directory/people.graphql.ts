import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import { resolveReferences } from '../../graphql/entities.ts'
import { people, PersonFilter, PersonInput, UpdatePersonInput } from './people.service.ts'

export const PersonRef = builder.prismaObject('Person', {
  ...typeRequires('directory.read'),
  description: 'A person / contact of the industry.',
  fields: (t) => ({
    id: t.exposeID('id'),
    firstName: t.exposeString('firstName'),
    lastName: t.exposeString('lastName', { nullable: true }),
    fullName: t.string({
      select: { firstName: true, lastName: true },
      resolve: (p) => [p.firstName, p.lastName].filter(Boolean).join(' '),
    }),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    jobTitle: t.exposeString('jobTitle', { nullable: true }),
    agency: t.relation('agency', { nullable: true }),
    country: t.relation('country', { nullable: true }),
    city: t.relation('city', { nullable: true }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.asEntity(PersonRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: resolveReferences('Person', people.byIds),
})

const PersonFilterInput = inputFromZod('PersonFilter', PersonFilter)
const PersonInputType = inputFromZod('PersonInput', PersonInput)
const UpdatePersonInputType = inputFromZod('UpdatePersonInput', UpdatePersonInput)

builder.queryFields((t) => ({
  person: t.prismaField({
    ...requires('directory.read'),
    type: 'Person',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => people.get(ctx, parseId(args.id), query),
  }),
  people: t.connection(
    {
      ...requires('directory.read'),
      type: PersonRef,
      args: { filter: t.arg({ type: PersonFilterInput }) },
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => people.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'PersonConnection' },
    { name: 'PersonEdge' },
  ),
}))

builder.mutationFields((t) => ({
  createPerson: t.prismaField({
    ...requires('directory.manage'),
    type: 'Person',
    args: { input: t.arg({ type: PersonInputType, required: true }) },
    resolve: (query, _root, args, ctx) => people.create(ctx, args.input, query),
  }),
  updatePerson: t.prismaField({
    ...requires('directory.manage'),
    type: 'Person',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdatePersonInputType, required: true }) },
    resolve: (query, _root, args, ctx) => people.update(ctx, parseId(args.id), args.input, query),
  }),
  archivePerson: t.prismaField({
    ...requires('directory.manage'),
    type: 'Person',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => people.setArchived(ctx, parseId(args.id), true, query),
  }),
  restorePerson: t.prismaField({
    ...requires('directory.manage'),
    type: 'Person',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => people.setArchived(ctx, parseId(args.id), false, query),
  }),
}))
