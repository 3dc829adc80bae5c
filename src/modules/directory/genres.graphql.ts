import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import { GenreFilter, GenreInput, genres, UpdateGenreInput } from './genres.service.ts'

export const GenreRef = builder.prismaObject('Genre', {
  ...typeRequires('directory.read'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    parent: t.relation('parent', { nullable: true }),
    subgenres: t.relation('subgenres', { query: { where: { archivedAt: null }, orderBy: { name: 'asc' } } }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const GenreFilterInput = inputFromZod('GenreFilter', GenreFilter)
const GenreInputType = inputFromZod('GenreInput', GenreInput)
const UpdateGenreInputType = inputFromZod('UpdateGenreInput', UpdateGenreInput)

builder.queryFields((t) => ({
  genre: t.prismaField({
    ...requires('directory.read'),
    type: 'Genre',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => genres.get(ctx, parseId(args.id), query),
  }),
  genres: t.connection(
    {
      ...requires('directory.read'),
      type: GenreRef,
      args: { filter: t.arg({ type: GenreFilterInput }) },
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => genres.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'GenreConnection' },
    { name: 'GenreEdge' },
  ),
}))

builder.mutationFields((t) => ({
  createGenre: t.field({
    ...requires('directory.curate'),
    type: GenreRef,
    args: { input: t.arg({ type: GenreInputType, required: true }) },
    resolve: (_root, args, ctx) => genres.create(ctx, args.input),
  }),
  updateGenre: t.field({
    ...requires('directory.curate'),
    type: GenreRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateGenreInputType, required: true }) },
    resolve: (_root, args, ctx) => genres.update(ctx, parseId(args.id), args.input),
  }),
  archiveGenre: t.field({
    ...requires('directory.curate'),
    type: GenreRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => genres.archive(ctx, parseId(args.id)),
  }),
  restoreGenre: t.field({
    ...requires('directory.curate'),
    type: GenreRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => genres.restore(ctx, parseId(args.id)),
  }),
}))
