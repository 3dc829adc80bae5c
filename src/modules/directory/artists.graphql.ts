import { builder, cardTypeRequires, listThrough, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { resolveReferences } from '../../graphql/entities.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { ArtistKind, DataProvider, Platform } from '../../generated/prisma/client.ts'
import { MoneyRef } from '../../graphql/money.ts'
import { money } from '../../money.ts'
import { parseId } from '../../validation.ts'
import {
  ArtistFilter,
  artistGenres,
  ArtistInput,
  ArtistProfileInput,
  ArtistProfilePatch,
  artists,
  ArtistSort,
  PlatformAccountInput,
  platformAccountOrder,
  platformAccounts,
  ProviderReferenceInput,
  providerReferences,
  UpdateArtistInput,
  UpdatePlatformAccountInput,
} from './artists.service.ts'
import { GenreRef } from './genres.graphql.ts'

const ArtistKindEnum = graphqlEnum('ArtistKind', ArtistKind)
const PlatformEnum = graphqlEnum('Platform', Platform, 'A streaming or social platform')
const DataProviderEnum = graphqlEnum('DataProvider', DataProvider, 'An external music-data provider')
graphqlEnum('ArtistSort', ArtistSort, 'Order of an artist listing')

export const ArtistRef = builder.prismaObject('Artist', {
  ...cardTypeRequires('directory.read'),
  description:
    'An artist (act) of the network directory. Reads about an artist (a deal, a window, a search hit, the roster) show its own fields as a card; its relations need `directory.read`.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    kind: t.expose('kind', { type: ArtistKindEnum }),
    country: t.relation('country', { ...requires('directory.read') }),
    city: t.relation('city', { ...requires('directory.read') }),
    profile: t.relation('profile', { ...requires('directory.read') }),
    genres: t.field({
      ...requires('directory.read'),
      ...listThrough('genres', 'genre'),
      type: [GenreRef],
      description: 'Genres and subgenres, primary first.',
      select: { genres: artistGenres },
      resolve: (artist) => artist.genres.map((g) => g.genre),
    }),
    platformAccounts: t.relation('platformAccounts', { ...requires('directory.read'), query: { orderBy: platformAccountOrder } }),
    providerReferences: t.relation('providerReferences', { ...requires('directory.read'), query: { orderBy: { provider: 'asc' } } }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.asEntity(ArtistRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: resolveReferences('Artist', artists.byIds, { narrow: true }),
})

builder.prismaObject('ArtistProfile', {
  ...typeRequires('directory.read'),
  fields: (t) => ({
    biography: t.exposeString('biography', { nullable: true }),
    imageUrl: t.exposeString('imageUrl', { nullable: true }),
    websiteUrl: t.exposeString('websiteUrl', { nullable: true }),
    pressKitUrl: t.exposeString('pressKitUrl', { nullable: true }),
    formedYear: t.exposeInt('formedYear', { nullable: true }),
    feeGuidanceMin: t.field({
      type: MoneyRef,
      nullable: true,
      description: "Published fee guidance, lowest: what the marketplace matches budgets against (never a deal's fee).",
      resolve: (p) => money(p.feeGuidanceMin, p.feeGuidanceCurrency),
    }),
    feeGuidanceMax: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Published fee guidance, highest.',
      resolve: (p) => money(p.feeGuidanceMax, p.feeGuidanceCurrency),
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const PlatformAccountRef = builder.prismaObject('PlatformAccount', {
  ...typeRequires('directory.read'),
  fields: (t) => ({
    id: t.exposeID('id'),
    platform: t.expose('platform', { type: PlatformEnum }),
    url: t.exposeString('url'),
    handle: t.exposeString('handle', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true }),
    verified: t.exposeBoolean('verified'),
    artist: t.relation('artist'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const ProviderReferenceRef = builder.prismaObject('ProviderReference', {
  ...typeRequires('directory.read'),
  description: "An artist's id at an external data provider; the analytics side keys its data by these.",
  fields: (t) => ({
    id: t.exposeID('id'),
    provider: t.expose('provider', { type: DataProviderEnum }),
    externalId: t.exposeString('externalId'),
    url: t.exposeString('url', { nullable: true }),
    lastSyncedAt: t.expose('lastSyncedAt', { type: 'DateTime', nullable: true }),
    artist: t.relation('artist'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const ArtistFilterInput = inputFromZod('ArtistFilter', ArtistFilter)
inputFromZod('ArtistProfileInput', ArtistProfileInput)
inputFromZod('ArtistProfilePatch', ArtistProfilePatch)
const ArtistInputType = inputFromZod('ArtistInput', ArtistInput)
const UpdateArtistInputType = inputFromZod('UpdateArtistInput', UpdateArtistInput)
const PlatformAccountInputType = inputFromZod('PlatformAccountInput', PlatformAccountInput)
const UpdatePlatformAccountInputType = inputFromZod('UpdatePlatformAccountInput', UpdatePlatformAccountInput)
const ProviderReferenceInputType = inputFromZod('ProviderReferenceInput', ProviderReferenceInput)

builder.queryFields((t) => ({
  artist: t.prismaField({
    ...requires('directory.read'),
    type: 'Artist',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => artists.get(ctx, parseId(args.id), query),
  }),
  artists: t.connection(
    {
      ...requires('directory.read'),
      type: ArtistRef,
      description: 'Search and filter the artist directory.',
      args: { filter: t.arg({ type: ArtistFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => artists.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'ArtistConnection' },
    { name: 'ArtistEdge' },
  ),
}))

builder.mutationFields((t) => ({
  createArtist: t.prismaField({
    ...requires('directory.manage'),
    type: 'Artist',
    args: { input: t.arg({ type: ArtistInputType, required: true }) },
    resolve: (query, _root, args, ctx) => artists.create(ctx, args.input, query),
  }),
  updateArtist: t.prismaField({
    ...requires('directory.manage'),
    type: 'Artist',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateArtistInputType, required: true }) },
    resolve: (query, _root, args, ctx) => artists.update(ctx, parseId(args.id), args.input, query),
  }),
  archiveArtist: t.prismaField({
    ...requires('directory.manage'),
    type: 'Artist',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => artists.setArchived(ctx, parseId(args.id), true, query),
  }),
  restoreArtist: t.prismaField({
    ...requires('directory.manage'),
    type: 'Artist',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => artists.setArchived(ctx, parseId(args.id), false, query),
  }),
  addPlatformAccount: t.field({
    ...requires('directory.manage'),
    type: PlatformAccountRef,
    args: { artistId: t.arg.id({ required: true }), input: t.arg({ type: PlatformAccountInputType, required: true }) },
    resolve: (_root, args, ctx) => platformAccounts.add(ctx, parseId(args.artistId, 'artistId'), args.input),
  }),
  updatePlatformAccount: t.field({
    ...requires('directory.manage'),
    type: PlatformAccountRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdatePlatformAccountInputType, required: true }) },
    resolve: (_root, args, ctx) => platformAccounts.update(ctx, parseId(args.id), args.input),
  }),
  removePlatformAccount: t.field({
    ...requires('directory.manage'),
    type: PlatformAccountRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => platformAccounts.remove(ctx, parseId(args.id)),
  }),
  setProviderReference: t.field({
    ...requires('directory.curate'),
    type: ProviderReferenceRef,
    args: { artistId: t.arg.id({ required: true }), input: t.arg({ type: ProviderReferenceInputType, required: true }) },
    resolve: (_root, args, ctx) => providerReferences.set(ctx, parseId(args.artistId, 'artistId'), args.input),
  }),
  removeProviderReference: t.field({
    ...requires('directory.curate'),
    type: ProviderReferenceRef,
    args: { artistId: t.arg.id({ required: true }), provider: t.arg({ type: DataProviderEnum, required: true }) },
    resolve: (_root, args, ctx) => providerReferences.remove(ctx, parseId(args.artistId, 'artistId'), args.provider),
  }),
}))
