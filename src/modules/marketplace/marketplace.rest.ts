import { CACHE } from '../../cache/get-cache.ts'
import { route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { ArtistView } from '../directory/artists.service.ts'
import { marketplace, MarketplaceFilter, marketplaceView } from './marketplace.service.ts'

const moneySchema = {
  type: 'object',
  nullable: true,
  properties: { amount: { type: 'integer' }, currency: { type: 'string' }, decimals: { type: 'integer' } },
  required: ['amount', 'currency', 'decimals'],
}

const hit = {
  allOf: [
    viewSchema('MarketplaceArtist'),
    {
      type: 'object',
      properties: {
        artist: viewSchema('Artist', ArtistView, 'directory.read'),
        agency: { allOf: [viewSchema('Agency')], nullable: true, description: 'The agency that books the artist (its agency role) today' },
        availableDays: {
          type: 'integer',
          description: 'Days offered in the next 180 days (available or tentative windows, less booked days)',
        },
        feeGuidance: {
          type: 'object',
          nullable: true,
          description: "The artist's published fee guidance (never a deal's fee); null when none is published",
          properties: { min: moneySchema, max: moneySchema },
          required: ['min', 'max'],
        },
      },
      required: ['artist', 'agency', 'availableDays', 'feeGuidance'],
    },
  ],
}

export const marketplaceRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/marketplace/artists',
    tag: 'Marketplace',
    summary: 'Listed artists by genre, place, shows near a city around a date, published fee guidance; with next available date',
    description:
      "`nearCityId` with `around`: artists with a confirmed show within `radiusKm` of the city, `aroundDays` before or after. A budget (with its `currency`) matches the artist's published fee guidance, never a deal's fee. Served from the marketplace read model.",
    access: 'marketplace.read',
    cache: CACHE.search,
    list: true,
    query: MarketplaceFilter,
    response: hit,
    handler: async ({ ctx, query, page }) => marketplace.search(ctx, query, page, await marketplaceView(ctx)),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/marketplace/rebuild',
    tag: 'Marketplace (platform)',
    summary: "Rebuild the marketplace read model from the base tables (every listed artist's row)",
    access: 'platform.operate',
    response: { type: 'object', properties: { rebuilt: { type: 'integer' } }, required: ['rebuilt'] },
    handler: async ({ ctx }) => marketplace.rebuild(ctx),
  }),
]
