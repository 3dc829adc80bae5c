import { CACHE } from '../../cache/get-cache.ts'
import type { Prisma } from '../../generated/prisma/client.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { GenreFilter, GenreInput, genres, UpdateGenreInput } from './genres.service.ts'

/** A genre over REST, with its active subgenres. */
const GenreView = { subgenres: { where: { archivedAt: null }, orderBy: { name: 'asc' } } } satisfies Prisma.GenreInclude

const genre = viewSchema('Genre', GenreView)
const tag = 'Genres'

export const genreRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/genres',
    tag,
    summary: 'List genres and subgenres',
    access: 'directory.read',
    cache: CACHE.directory,
    list: true,
    query: GenreFilter,
    response: genre,
    handler: ({ ctx, query, page }) => genres.list(ctx, query, page, { include: GenreView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/genres/:id',
    tag,
    summary: 'Get a genre',
    access: 'directory.read',
    cache: CACHE.directory,
    params: IdParams,
    response: genre,
    handler: ({ ctx, params }) => genres.get(ctx, params.id, { include: GenreView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/genres',
    tag,
    summary: 'Create a genre or subgenre',
    access: 'directory.curate',
    body: GenreInput,
    status: 201,
    response: viewSchema('Genre'),
    handler: ({ ctx, body }) => genres.create(ctx, body),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/genres/:id',
    tag,
    summary: 'Rename a genre or move a subgenre',
    access: 'directory.curate',
    params: IdParams,
    body: UpdateGenreInput,
    response: viewSchema('Genre'),
    handler: ({ ctx, params, body }) => genres.update(ctx, params.id, body),
  }),
  route({
    method: 'POST',
    url: '/api/v1/genres/:id/archive',
    tag,
    summary: 'Archive a genre (its subgenres must be archived first)',
    access: 'directory.curate',
    params: IdParams,
    response: viewSchema('Genre'),
    handler: ({ ctx, params }) => genres.archive(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/genres/:id/restore',
    tag,
    summary: 'Restore an archived genre',
    access: 'directory.curate',
    params: IdParams,
    response: viewSchema('Genre'),
    handler: ({ ctx, params }) => genres.restore(ctx, params.id),
  }),
]
