import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { viewConnectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { MoneyRef } from '../../graphql/money.ts'
import type { Artist } from '../../generated/prisma/client.ts'
import { ArtistRef } from '../directory/artists.graphql.ts'
import {
  marketplace,
  MarketplaceFilter,
  MarketplaceSort,
  type FeeGuidance,
  type MarketplaceCard,
  type Named,
} from './marketplace.service.ts'

graphqlEnum('MarketplaceSort', MarketplaceSort, 'Order of a marketplace search')

const FeeGuidanceRef = builder.objectRef<FeeGuidance>('FeeGuidance').implement({
  description:
    "An artist's published fee guidance: what budgets are matched against, never a deal's fee. One bound alone is open on the other side.",
  fields: (t) => ({
    min: t.field({ type: MoneyRef, nullable: true, resolve: (g) => g.min }),
    max: t.field({ type: MoneyRef, nullable: true, resolve: (g) => g.max }),
  }),
})

const NamedRef = builder.objectRef<Named>('MarketplaceName').implement({
  description: 'A genre, city or agency as a marketplace card names it.',
  fields: (t) => ({ id: t.exposeID('id'), name: t.exposeString('name') }),
})

const CountryNameRef = builder.objectRef<{ code: string; name: string }>('MarketplaceCountry').implement({
  description: 'A country as a marketplace card names it.',
  fields: (t) => ({ code: t.exposeString('code'), name: t.exposeString('name') }),
})

const MarketplaceCardRef = builder.objectRef<MarketplaceCard>('MarketplaceArtist').implement({
  ...typeRequires('marketplace.read'),
  description:
    'A listed artist as the marketplace shows it, from its read model in one statement per page. Genres, country and city are directory data: null without `directory.read`.',
  fields: (t) => ({
    artistId: t.exposeID('artistId'),
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    artist: t.field({
      type: ArtistRef,
      description: "The artist's card (id, name, slug, kind); its relations are loaded when asked and keep their own rules.",
      // The card carries the artist's own fields; plugin-prisma loads a relation asked of it by the artist's id.
      resolve: (card) => card.artist as Artist,
    }),
    genres: t.field({
      type: [NamedRef],
      nullable: true,
      description: 'Genres and subgenres, primary first; null without `directory.read`.',
      resolve: (card) => card.genres,
    }),
    country: t.field({
      type: CountryNameRef,
      nullable: true,
      description: 'Home country; null without `directory.read`.',
      resolve: (card) => card.country,
    }),
    city: t.field({
      type: NamedRef,
      nullable: true,
      description: 'Home city; null without `directory.read`.',
      resolve: (card) => card.city,
    }),
    agency: t.field({
      type: NamedRef,
      nullable: true,
      description: 'The agency that books the artist (its agency role) today.',
      resolve: (card) => card.agency,
    }),
    feeGuidance: t.field({
      type: FeeGuidanceRef,
      nullable: true,
      description: 'Published fee guidance; null when none is published.',
      resolve: (card) => card.feeGuidance,
    }),
    nextAvailableOn: t.expose('nextAvailableOn', {
      type: 'Date',
      nullable: true,
      description: 'First day from today offered by an available or tentative window and not booked.',
    }),
    availableDays: t.exposeInt('availableDays', { description: 'Days offered in the next 180 days.' }),
    distanceKm: t.exposeFloat('distanceKm', {
      nullable: true,
      description: "With nearCityId: km from that city to the artist's nearest confirmed show around the day; else null.",
    }),
    activeAt: t.expose('activeAt', { type: 'DateTime', description: 'Last change of the artist, its windows or its bookings.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: 'Last write of the card (what it shows, or its next available day).',
    }),
  }),
})

const FilterInput = inputFromZod('MarketplaceFilter', MarketplaceFilter)

builder.queryFields((t) => ({
  marketplace: t.connection(
    {
      ...requires('marketplace.read'),
      type: MarketplaceCardRef,
      description:
        'Listed artists by genre (subgenres included), place, confirmed shows near a city around a date, and published fee guidance; with the next available date and available days.',
      args: { filter: t.arg({ type: FilterInput }) },
      resolve: (_root, args, ctx) => viewConnectionOf(args, (page) => marketplace.search(ctx, args.filter ?? {}, page)),
    },
    { name: 'MarketplaceArtistConnection' },
    { name: 'MarketplaceArtistEdge' },
  ),
}))
