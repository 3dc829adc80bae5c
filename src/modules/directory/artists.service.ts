// Artists: the directory's core record, with profile, genres, platform accounts and provider references.
// Who may edit an artist is decided here (assertArtistManageable), for every write on the artist.
import { nameContains, nameContainsSql } from '../../search.ts'
import { z } from 'zod'
import { activeLinkWhere } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import { allOf, jsonView, listing, type Selection } from '../../db/listing.ts'
import { jsonArray, jsonRecord, recordJson } from '../../db/record-json.ts'
import { conflict, forbidden, found, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { ArtistKind, DataProvider, Platform, Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Currency, MinorUnits } from '../../money.ts'
import { Id, parseInput } from '../../validation.ts'
import { CountryCode, inCountrySql, locationData, locationJson } from './geo.service.ts'
import { freeSlug } from './slug.ts'
import { Instant } from '../../dates.ts'
import { directoryChange, withId } from './changes.ts'

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish()
const webUrl = z.url({ protocol: /^https?$/ }).max(500)

export const ArtistProfileInput = z.object({
  biography: optionalText(10_000),
  imageUrl: webUrl.nullish(),
  websiteUrl: webUrl.nullish(),
  pressKitUrl: webUrl.nullish(),
  formedYear: z.number().int().min(1800).max(2200).nullish(),
  feeGuidanceMin: MinorUnits.nullish().describe('Published fee guidance, lowest (minor units of feeGuidanceCurrency); never a deal fee'),
  feeGuidanceMax: MinorUnits.nullish().describe('Published fee guidance, highest (minor units of feeGuidanceCurrency)'),
  feeGuidanceCurrency: Currency.nullish().describe('ISO 4217 code of the fee guidance; required with a fee'),
})

interface FeeGuidanceFields {
  feeGuidanceMin?: number | bigint | null
  feeGuidanceMax?: number | bigint | null
  feeGuidanceCurrency?: string | null
}

/**
 * Published fee guidance is a range in one currency (one bound alone is open on the other side). A patch is
 * checked against the stored profile; the error names a field the request sent.
 */
function assertFeeGuidance(sent: FeeGuidanceFields, stored: FeeGuidanceFields = {}) {
  const kept = <K extends keyof FeeGuidanceFields>(k: K) => (sent[k] === undefined ? stored[k] : sent[k])
  const [min, max, currency] = [kept('feeGuidanceMin'), kept('feeGuidanceMax'), kept('feeGuidanceCurrency')]
  if (min != null && max != null && min > max)
    throw invalidInput(
      sent.feeGuidanceMax !== undefined ? 'profile.feeGuidanceMax' : 'profile.feeGuidanceMin',
      'feeGuidanceMax must not be below feeGuidanceMin',
    )
  if ((min != null || max != null) && currency == null) throw invalidInput('profile.feeGuidanceCurrency', 'required with a fee')
  if (min == null && max == null && currency != null)
    throw invalidInput(
      sent.feeGuidanceCurrency !== undefined ? 'profile.feeGuidanceCurrency' : 'profile.feeGuidanceMin',
      'a currency needs a fee',
    )
}

export const ArtistProfilePatch = ArtistProfileInput.partial()

export const ArtistInput = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(ArtistKind).default('solo'),
  countryCode: CountryCode.nullish().describe('Home country (ISO 3166-1 alpha-2)'),
  cityId: Id.nullish().describe('Home city'),
  genreIds: z.array(Id).max(10).default([]).describe('Genres and subgenres, primary first'),
  profile: ArtistProfileInput.optional(),
})

export const UpdateArtistInput = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  kind: z.enum(ArtistKind).optional(),
  countryCode: CountryCode.nullish(),
  cityId: Id.nullish(),
  genreIds: z.array(Id).max(10).optional().describe('Replaces the genres, primary first'),
  profile: ArtistProfilePatch.optional(),
})

export const ArtistSort = { name: 'name', newest: 'newest' } as const

export const ArtistFilter = z.object({
  q: z.string().trim().min(1).max(100).optional().describe('Matches the name'),
  genreId: Id.optional().describe('A genre (its subgenres match too) or a subgenre'),
  countryCode: CountryCode.optional(),
  kind: z.enum(ArtistKind).optional(),
  includeArchived: z.boolean().default(false),
  sort: z.enum(ArtistSort).default('name'),
})

export const PlatformAccountInput = z.object({
  platform: z.enum(Platform),
  url: webUrl,
  handle: optionalText(100),
  externalId: optionalText(200).describe("The platform's own id for the account"),
})
export const UpdatePlatformAccountInput = PlatformAccountInput.omit({ platform: true })
  .partial()
  .extend({
    verified: z.boolean().optional().describe('Set by platform admins only'),
  })

export const ProviderReferenceInput = z.object({
  provider: z.enum(DataProvider),
  externalId: z.string().trim().min(1).max(200),
  url: webUrl.nullish(),
  lastSyncedAt: Instant.nullish(),
})

/**
 * The edit right on an artist: platform admins; an agency representing it (any role); while nobody
 * represents it, the company that created it.
 */
export async function assertArtistManageable(ctx: RequestContext, artistId: string): Promise<void> {
  const artist = await ctx.db.artist.findUnique({
    where: { id: artistId },
    select: { createdByOrgId: true, rosterLinks: { where: activeLinkWhere(), select: { agencyId: true } } },
  })
  if (!artist) throw notFound('artist', artistId)
  const caller = await ctx.caller()
  if (caller.kind === 'machine') return
  const agencyId = await ctx.agencyId()
  if (artist.rosterLinks.some((l) => l.agencyId === agencyId)) return
  if (artist.rosterLinks.length === 0 && artist.createdByOrgId === caller.orgId) return
  throw forbidden(
    'only the agency representing this artist (or, while nobody does, the company that added it) may change it',
    'not_artist_manager',
  )
}

async function assertGenres(ctx: RequestContext, genreIds: string[]) {
  if (new Set(genreIds).size !== genreIds.length) throw invalidInput('genreIds', 'a genre is listed twice')
  const found = await ctx.db.genre.findMany({ where: { id: { in: genreIds }, archivedAt: null }, select: { id: true } })
  const known = new Set(found.map((g) => g.id))
  const missing = genreIds.findIndex((id) => !known.has(id))
  if (missing >= 0) throw invalidInput(`genreIds.${missing}`, 'unknown or archived genre')
}

/** An artist's genres, primary first: the one order of both faces. */
export const artistGenres = { include: { genre: true }, orderBy: { position: 'asc' } } satisfies Prisma.Artist$genresArgs
export const platformAccountOrder = [{ platform: 'asc' }, { createdAt: 'asc' }] satisfies Prisma.PlatformAccountOrderByWithRelationInput[]

/** An artist as the directory shows it (REST list and detail; GraphQL plans the same relations per selection). */
export const ArtistView = {
  profile: true,
  country: true,
  city: true,
  genres: artistGenres,
  platformAccounts: { orderBy: platformAccountOrder },
} satisfies Prisma.ArtistInclude

/** ArtistView served by hand-written statements: the same relations in the same orders. */
export const artistView = jsonView<Prisma.ArtistGetPayload<{ include: typeof ArtistView }>>('artists', 'Artist', ArtistView, {
  profile: jsonRecord(recordJson('ArtistProfile', 'p'), { from: 'artist_profiles p', key: 'p.artist_id', parent: 'x.id' }),
  ...locationJson,
  genres: jsonArray(
    recordJson('ArtistGenre', 'ag', { genre: recordJson('Genre', 'g') }),
    { from: 'artist_genres ag JOIN genres g ON g.id = ag.genre_id', key: 'ag.artist_id', parent: 'x.id' },
    'ag.position',
  ),
  platformAccounts: jsonArray(
    recordJson('PlatformAccount', 'pa'),
    { from: 'artist_platform_accounts pa', key: 'pa.artist_id', parent: 'x.id' },
    'pa.platform, pa.created_at',
  ),
})

function artistWhere(f: z.output<typeof ArtistFilter>): Prisma.ArtistWhereInput {
  return {
    nameSearch: nameContains(f.q),
    kind: f.kind,
    country: f.countryCode ? { code: f.countryCode } : undefined,
    genres: f.genreId ? { some: { genre: { OR: [{ id: f.genreId }, { parentId: f.genreId }] } } } : undefined,
    archivedAt: f.includeArchived ? undefined : null,
  }
}

/**
 * artistWhere on the row `x`, for the hand-written list statement (test/directory-views.test.ts holds the two to
 * the same answers).
 */
function artistWhereSql(f: z.output<typeof ArtistFilter>): Prisma.Sql {
  return allOf([
    nameContainsSql(f.q),
    f.kind !== undefined && Prisma.sql`x.kind = ${f.kind}::"ArtistKind"`,
    inCountrySql(f.countryCode),
    f.genreId !== undefined &&
      Prisma.sql`EXISTS (SELECT 1 FROM artist_genres ag JOIN genres g ON g.id = ag.genre_id
                         WHERE ag.artist_id = x.id AND (g.id = ${f.genreId}::uuid OR g.parent_id = ${f.genreId}::uuid))`,
    !f.includeArchived && Prisma.sql`x.archived_at IS NULL`,
  ])
}

const genreRows = (genreIds: string[]) => genreIds.map((genreId, position) => ({ genreId, position }))

export const artists = {
  get: async (ctx: RequestContext, id: string, query: Selection = {}) =>
    found(await ctx.db.artist.findUnique({ ...query, where: { id } }), 'artist', id),
  /** A batch by id (federation references); within ArtistView, the view's one statement. */
  byIds: (ctx: RequestContext, ids: string[], query: Selection = {}) =>
    artistView.serves(query) ? artistView.byIds(ctx.db, ids, query) : ctx.db.artist.findMany({ ...query, where: { id: { in: ids } } }),

  /**
   * A page of artists. Within ArtistView (the REST list, a GraphQL page asking nothing more) one hand-written
   * statement serves it, with the records Prisma would answer (test/directory-views.test.ts).
   */
  list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(ArtistFilter, filter)
    if (artistView.serves(query))
      return artistView.page(ctx.db, query, artistWhereSql(f), f.sort === 'newest' ? 'x.created_at DESC, x.id' : 'x.name, x.id', page)
    const orderBy: Prisma.ArtistOrderByWithRelationInput = f.sort === 'newest' ? { createdAt: 'desc' } : { name: 'asc' }
    return listing(ctx.db.artist, { where: artistWhere(f), orderBy }, page, query)
  },

  async create(ctx: RequestContext, input: unknown, query: Selection = {}) {
    const { countryCode, cityId, genreIds, profile, ...data } = parseInput(ArtistInput, input)
    const caller = await ctx.caller()
    const location = await locationData(ctx, { countryCode, cityId })
    await assertGenres(ctx, genreIds)
    if (profile) assertFeeGuidance(profile)
    return directoryChange(ctx, 'artist', 'created', async (tx) =>
      tx.artist.create({
        ...withId(query),
        data: {
          ...data,
          ...location,
          slug: await freeSlug(tx, 'artists', data.name),
          createdByOrgId: caller.kind === 'user' ? caller.orgId : null,
          profile: { create: profile ?? {} },
          genres: { create: genreRows(genreIds) },
        },
      }),
    )
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const { countryCode, cityId, genreIds, profile, ...data } = parseInput(UpdateArtistInput, input)
    await assertArtistManageable(ctx, id)
    const current = await ctx.db.artist.findUniqueOrThrow({ where: { id }, select: { countryId: true } })
    const location = await locationData(ctx, { countryCode, cityId }, current)
    if (genreIds) await assertGenres(ctx, genreIds)
    if (profile) {
      const stored = await ctx.db.artistProfile.findUnique({
        where: { artistId: id },
        select: { feeGuidanceMin: true, feeGuidanceMax: true, feeGuidanceCurrency: true },
      })
      assertFeeGuidance(profile, stored ?? {})
    }
    return directoryChange(
      ctx,
      'artist',
      'updated',
      (tx) =>
        tx.artist.update({
          ...query,
          where: { id },
          data: {
            ...data,
            ...location,
            profile: profile ? { upsert: { create: profile, update: profile } } : undefined,
            genres: genreIds ? { deleteMany: {}, create: genreRows(genreIds) } : undefined,
          },
        }),
      id,
    )
  },

  async setArchived(ctx: RequestContext, id: string, archived: boolean, query: Selection = {}) {
    await assertArtistManageable(ctx, id)
    const change = archived ? 'archived' : 'restored'
    return directoryChange(
      ctx,
      'artist',
      change,
      (tx) => tx.artist.update({ ...query, where: { id }, data: { archivedAt: archived ? ctx.clock.now() : null } }),
      id,
    )
  },
}

async function assertArtistExists(ctx: RequestContext, artistId: string) {
  if (!(await ctx.db.artist.findUnique({ where: { id: artistId }, select: { id: true } }))) throw notFound('artist', artistId)
}

export const platformAccounts = {
  async list(ctx: RequestContext, artistId: string) {
    await assertArtistExists(ctx, artistId)
    return ctx.db.platformAccount.findMany({ where: { artistId }, orderBy: platformAccountOrder })
  },

  async add(ctx: RequestContext, artistId: string, input: unknown) {
    const data = parseInput(PlatformAccountInput, input)
    await assertArtistManageable(ctx, artistId)
    try {
      return await directoryChange(ctx, 'artist', 'updated', (tx) => tx.platformAccount.create({ data: { ...data, artistId } }), artistId)
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('platform_account_exists', `this ${data.platform} account is already linked to an artist`)
      throw e
    }
  },

  async update(ctx: RequestContext, accountId: string, input: unknown) {
    const data = parseInput(UpdatePlatformAccountInput, input)
    const account = await ctx.db.platformAccount.findUnique({ where: { id: accountId }, select: { artistId: true } })
    if (!account) throw notFound('platform account', accountId)
    await assertArtistManageable(ctx, account.artistId)
    if (data.verified !== undefined && (await ctx.caller()).kind !== 'machine') {
      throw forbidden('only platform admins verify platform accounts', 'verification_restricted')
    }
    try {
      return await directoryChange(
        ctx,
        'artist',
        'updated',
        (tx) => tx.platformAccount.update({ where: { id: accountId }, data }),
        account.artistId,
      )
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('platform_account_exists', 'this account is already linked to an artist')
      throw e
    }
  },

  async remove(ctx: RequestContext, accountId: string) {
    const account = await ctx.db.platformAccount.findUnique({ where: { id: accountId } })
    if (!account) throw notFound('platform account', accountId)
    await assertArtistManageable(ctx, account.artistId)
    await directoryChange(ctx, 'artist', 'updated', (tx) => tx.platformAccount.delete({ where: { id: accountId } }), account.artistId)
    return account
  },
}

export const providerReferences = {
  async list(ctx: RequestContext, artistId: string) {
    await assertArtistExists(ctx, artistId)
    return ctx.db.providerReference.findMany({ where: { artistId }, orderBy: { provider: 'asc' } })
  },

  /** Sets the artist's id at a provider (one per provider), replacing the previous one. */
  async set(ctx: RequestContext, artistId: string, input: unknown) {
    const { provider, ...data } = parseInput(ProviderReferenceInput, input)
    await assertArtistExists(ctx, artistId)
    try {
      return await directoryChange(
        ctx,
        'artist',
        'updated',
        (tx) =>
          tx.providerReference.upsert({
            where: { artistId_provider: { artistId, provider } },
            create: { ...data, provider, artistId },
            update: data,
          }),
        artistId,
      )
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('provider_reference_taken', `this ${provider} id belongs to another artist`)
      throw e
    }
  },

  async remove(ctx: RequestContext, artistId: string, provider: unknown) {
    const p = parseInput(z.enum(DataProvider), provider)
    const existing = await ctx.db.providerReference.findUnique({ where: { artistId_provider: { artistId, provider: p } } })
    if (!existing) throw notFound(`${p} reference of artist`, artistId)
    await directoryChange(ctx, 'artist', 'updated', (tx) => tx.providerReference.delete({ where: { id: existing.id } }), artistId)
    return existing
  },
}
