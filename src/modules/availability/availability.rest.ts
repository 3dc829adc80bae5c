import { CACHE } from '../../cache/get-cache.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { ArtistView } from '../directory/artists.service.ts'
import {
  availability,
  AvailabilityFilter,
  AvailabilityInput,
  AvailabilitySearch,
  searchHitView,
  UpdateAvailabilityInput,
  windowView,
} from './availability.service.ts'

const window = viewSchema('Availability', { country: true }, 'directory.read')
/** A search hit as REST sends it (test/availability-views.test.ts holds the JSON text PostgreSQL builds to it). */
export const availableArtist = {
  allOf: [
    viewSchema('Artist', ArtistView, 'directory.read'),
    {
      type: 'object',
      properties: {
        matchingAvailability: { type: 'array', items: window, description: 'The windows that matched the search' },
        bookedOn: {
          type: 'array',
          items: { type: 'string', format: 'date' },
          description: 'Days of the period the artist has a confirmed booking on: never offered, whatever the windows say',
        },
        heldOn: {
          type: 'array',
          description: 'Days of the period active holds take, by day then rank: offered still, as a later hold',
          items: {
            type: 'object',
            properties: {
              on: { type: 'string', format: 'date' },
              rank: { type: 'integer', description: "The hold's priority: 1 is first in line" },
              createdAt: { type: 'string', format: 'date-time' },
              updatedAt: { type: 'string', format: 'date-time' },
            },
            required: ['on', 'rank', 'createdAt', 'updatedAt'],
          },
        },
      },
      required: ['matchingAvailability', 'bookedOn', 'heldOn'],
    },
  ],
}
const tag = 'Availability'

export const availabilityRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/artists/:id/availability',
    tag,
    summary: "An artist's availability windows in a period (upcoming by default)",
    access: 'availability.read',
    params: IdParams,
    query: AvailabilityFilter,
    response: { type: 'array', items: window },
    handler: async ({ ctx, params, query }) => availability.ofArtist(ctx, params.id, query, await windowView(ctx)),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists/:id/availability',
    tag,
    summary: 'Publish an availability window of an artist the agency represents',
    description: "An artist's windows never overlap: an overlapping window answers 409 `availability_overlap`.",
    access: 'availability.manage',
    params: IdParams,
    body: AvailabilityInput,
    status: 201,
    response: window,
    handler: async ({ ctx, params, body }) => availability.publish(ctx, params.id, body, await windowView(ctx)),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/availability/:id',
    tag,
    summary: 'Update a window (the publishing agency, while it represents the artist; absent fields are kept, null clears)',
    access: 'availability.manage',
    params: IdParams,
    body: UpdateAvailabilityInput,
    response: window,
    handler: async ({ ctx, params, body }) => availability.update(ctx, params.id, body, await windowView(ctx)),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/availability/:id',
    tag,
    summary: 'Delete a window (the publishing agency, while it represents the artist)',
    access: 'availability.manage',
    params: IdParams,
    response: window,
    handler: async ({ ctx, params }) => availability.remove(ctx, params.id, await windowView(ctx)),
  }),
  route({
    method: 'GET',
    url: '/api/v1/availability/search',
    tag,
    summary: 'Artists available in a period, with the windows that matched',
    description:
      'Windows available (and tentative, unless `includeTentative=false`) offering a day of [from, to] (both included) that the artist is not booked on; `bookedOn` and `heldOn` show the days of the period booked and held. `countryCode` also matches windows open to anywhere. A budget (with its `currency`) matches windows whose fee guidance overlaps it; windows without guidance match only searches without a budget. Archived artists never appear.',
    access: 'availability.read',
    cache: CACHE.search,
    list: true,
    query: AvailabilitySearch,
    response: availableArtist,
    handler: async ({ ctx, query, page }) => availability.restSearch(ctx, query, page, await searchHitView(ctx)),
  }),
]
