import { CACHE } from '../../cache/get-cache.ts'
import { route } from '../../rest/route.ts'
import { marketplace, MarketplaceFilter } from './marketplace.service.ts'

const money = { allOf: [{ $ref: '#/components/schemas/Money' }], nullable: true }
const named = (what: string) => ({
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } },
  required: ['id', 'name'],
  description: what,
})
const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true })

/** A search result (MarketplaceCard in the service): the same fields as GraphQL's MarketplaceArtist. */
const card = {
  type: 'object',
  properties: {
    artistId: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    slug: { type: 'string' },
    artist: {
      type: 'object',
      description: "The artist's own card fields; GET /api/v1/artists/{id} for more",
      properties: {
        id: { type: 'string', format: 'uuid' },
        name: { type: 'string' },
        slug: { type: 'string' },
        kind: { type: 'string' },
        archivedAt: { type: 'string', format: 'date-time', nullable: true },
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
      },
      required: ['id', 'name', 'slug', 'kind', 'archivedAt', 'createdAt', 'updatedAt'],
    },
    genres: {
      type: 'array',
      nullable: true,
      items: named('A genre or subgenre'),
      description: 'Genres and subgenres, primary first; null without `directory.read`',
    },
    country: {
      type: 'object',
      nullable: true,
      properties: { code: { type: 'string' }, name: { type: 'string' } },
      required: ['code', 'name'],
      description: 'Home country; null without `directory.read`',
    },
    city: nullable(named('Home city; null without `directory.read`')),
    agency: nullable(named('The agency that books the artist (its agency role) today')),
    feeGuidance: {
      type: 'object',
      nullable: true,
      description: "The artist's published fee guidance (never a deal's fee); null when none is published",
      properties: { min: money, max: money },
      required: ['min', 'max'],
    },
    nextAvailableOn: { type: 'string', format: 'date', nullable: true },
    availableDays: {
      type: 'integer',
      description: 'Days offered in the next 180 days (available or tentative windows, less booked days)',
    },
    distanceKm: {
      type: 'number',
      nullable: true,
      description: "With nearCityId: km from that city to the artist's nearest confirmed show around the day; else null",
    },
    activeAt: { type: 'string', format: 'date-time', description: 'Last change of the artist, its windows or its bookings' },
    updatedAt: { type: 'string', format: 'date-time', description: 'Last write of the card (what it shows, or its next available day)' },
  },
  required: [
    'artistId',
    'name',
    'slug',
    'artist',
    'genres',
    'country',
    'city',
    'agency',
    'feeGuidance',
    'nextAvailableOn',
    'availableDays',
    'distanceKm',
    'activeAt',
    'updatedAt',
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
    response: card,
    handler: async ({ ctx, query, page }) => marketplace.search(ctx, query, page),
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
