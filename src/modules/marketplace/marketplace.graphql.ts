import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { MoneyRef } from '../../graphql/money.ts'
import { readAs } from '../../access/read-as.ts'
import { AgencyRef } from '../directory/agencies.graphql.ts'
import { ArtistRef } from '../directory/artists.graphql.ts'
import { marketplace, MarketplaceFilter, MarketplaceSort, type FeeGuidance, type MarketplaceHit } from './marketplace.service.ts'

graphqlEnum('MarketplaceSort', MarketplaceSort, 'Order of a marketplace search')

const FeeGuidanceRef = builder.objectRef<FeeGuidance>('FeeGuidance').implement({
  description:
    "An artist's published fee guidance: what budgets are matched against, never a deal's fee. One bound alone is open on the other side.",
  fields: (t) => ({
    min: t.field({ type: MoneyRef, nullable: true, resolve: (g) => g.min }),
    max: t.field({ type: MoneyRef, nullable: true, resolve: (g) => g.max }),
  }),
})

const hitOf = (row: object) => row as MarketplaceHit

const MarketplaceArtistRef = builder.prismaObject('MarketplaceArtist', {
  ...typeRequires('marketplace.read'),
  description: 'A listed artist as the marketplace shows it, from its read model.',
  fields: (t) => ({
    artist: t.field({
      type: ArtistRef,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (row) => readAs('marketplace.read', row.artist),
    }),
    name: t.exposeString('name'),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      description: 'The agency that books the artist (its agency role) today.',
      resolve: (row) => hitOf(row).agency,
    }),
    feeGuidance: t.field({
      type: FeeGuidanceRef,
      nullable: true,
      description: 'Published fee guidance; null when none is published.',
      resolve: (row) => hitOf(row).feeGuidance,
    }),
    nextAvailableOn: t.expose('nextAvailableOn', {
      type: 'Date',
      nullable: true,
      description: 'First day from today offered by an available or tentative window and not booked.',
    }),
    availableDays: t.int({ description: 'Days offered in the next 180 days.', resolve: (row) => hitOf(row).availableDays }),
    activeAt: t.expose('activeAt', { type: 'DateTime', description: 'Last change of the artist, its windows or its bookings.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const FilterInput = inputFromZod('MarketplaceFilter', MarketplaceFilter)

builder.queryFields((t) => ({
  marketplace: t.connection(
    {
      ...requires('marketplace.read'),
      type: MarketplaceArtistRef,
      description:
        'Listed artists by genre (subgenres included), place, confirmed shows near a city around a date, and published fee guidance; with the next available date and available days.',
      args: { filter: t.arg({ type: FilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => marketplace.search(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'MarketplaceArtistConnection' },
    { name: 'MarketplaceArtistEdge' },
  ),
}))
