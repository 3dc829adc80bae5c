// Genres and subgenres (one level deep). Read by every directory reader; curated by platform admins.
import { nameContains } from '../../search.ts'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { conflict, found, invalidInput, notFound } from '../../errors.ts'
import type { Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { freeSlug } from './slug.ts'
import { directoryChange } from './changes.ts'

export const GenreInput = z.object({
  name: z.string().trim().min(1).max(80),
  parentId: Id.nullish().describe('Makes this genre a subgenre of a top-level genre'),
})
export const UpdateGenreInput = GenreInput.partial()

export const GenreFilter = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  parentId: Id.optional().describe('Only the subgenres of this genre'),
  topLevel: z.boolean().optional().describe('Only top-level genres (true) or only subgenres (false)'),
  includeArchived: z.boolean().default(false),
})

async function assertParent(ctx: RequestContext, parentId: string, selfId?: string) {
  if (parentId === selfId) throw invalidInput('parentId', 'a genre cannot be its own parent')
  const parent = await ctx.db.genre.findUnique({ where: { id: parentId }, select: { parentId: true, archivedAt: true } })
  if (!parent) throw invalidInput('parentId', 'unknown genre')
  if (parent.parentId) throw invalidInput('parentId', 'subgenres are one level deep: the parent must be a top-level genre')
  if (parent.archivedAt) throw invalidInput('parentId', 'the parent genre is archived')
}

async function activeSubgenreCount(ctx: RequestContext, id: string) {
  return ctx.db.genre.count({ where: { parentId: id, archivedAt: null } })
}

export const genres = {
  get: async (ctx: RequestContext, id: string, query: Selection = {}) =>
    found(await ctx.db.genre.findUnique({ ...query, where: { id } }), 'genre', id),

  list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(GenreFilter, filter)
    const where: Prisma.GenreWhereInput = {
      nameSearch: nameContains(f.q),
      parentId: f.parentId ?? (f.topLevel === true ? null : f.topLevel === false ? { not: null } : undefined),
      archivedAt: f.includeArchived ? undefined : null,
    }
    return listing(ctx.db.genre, { where, orderBy: { name: 'asc' } }, page, query)
  },

  async create(ctx: RequestContext, input: unknown) {
    const data = parseInput(GenreInput, input)
    if (data.parentId) await assertParent(ctx, data.parentId)
    return directoryChange(ctx, 'genre', 'created', async (tx) =>
      tx.genre.create({ data: { ...data, slug: await freeSlug(tx, 'genres', data.name) } }),
    )
  },

  async update(ctx: RequestContext, id: string, input: unknown) {
    const data = parseInput(UpdateGenreInput, input)
    if (!(await ctx.db.genre.findUnique({ where: { id }, select: { id: true } }))) throw notFound('genre', id)
    if (data.parentId) {
      await assertParent(ctx, data.parentId, id)
      if (await activeSubgenreCount(ctx, id)) throw invalidInput('parentId', 'a genre with subgenres cannot become a subgenre')
    }
    return directoryChange(ctx, 'genre', 'updated', (tx) => tx.genre.update({ where: { id }, data }))
  },

  async archive(ctx: RequestContext, id: string) {
    const genre = await ctx.db.genre.findUnique({ where: { id }, select: { id: true } })
    if (!genre) throw notFound('genre', id)
    if (await activeSubgenreCount(ctx, id)) throw conflict('genre_has_subgenres', 'archive the subgenres of this genre first')
    return directoryChange(ctx, 'genre', 'archived', (tx) => tx.genre.update({ where: { id }, data: { archivedAt: ctx.clock.now() } }))
  },

  async restore(ctx: RequestContext, id: string) {
    const genre = await ctx.db.genre.findUnique({ where: { id }, select: { parent: { select: { archivedAt: true } } } })
    if (!genre) throw notFound('genre', id)
    if (genre.parent?.archivedAt) throw conflict('parent_archived', 'restore the parent genre first')
    return directoryChange(ctx, 'genre', 'restored', (tx) => tx.genre.update({ where: { id }, data: { archivedAt: null } }))
  },
}
