import type { RequestContext } from '../../context.ts'
import type { Tour } from '../../generated/prisma/client.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema, type JsonSchema } from '../../rest/schemas.ts'
import {
  ArtistTourFilter,
  CancelTourInput,
  phaseOf,
  StopInput,
  StopPatch,
  TourFilter,
  TourInput,
  TourPatch,
  tours,
} from './tours.service.ts'

const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true })
const int = { type: 'integer' }
const num = { type: 'number' }
const str = { type: 'string' }
const uuid = { type: 'string', format: 'uuid' }
const day = { type: 'string', format: 'date' }
const instant = { type: 'string', format: 'date-time' }

const CitySchema: JsonSchema = {
  type: 'object',
  properties: { id: uuid, name: str, latitude: nullable(num), longitude: nullable(num), timezone: nullable(str) },
  required: ['id', 'name', 'latitude', 'longitude', 'timezone'],
}

export const StopSchema: JsonSchema = {
  type: 'object',
  description: "A stop of a tour; a show's state, times, city and radius clause are read from its deal",
  properties: {
    id: uuid,
    tourId: uuid,
    date: day,
    position: { ...int, description: 'Order within the day (1 first)' },
    kind: { type: 'string', enum: ['show', 'pencil', 'day_off', 'travel', 'rehearsal', 'promo'] },
    state: {
      type: 'string',
      enum: ['requested', 'held', 'confirmed', 'released', 'cancelled', 'pencil', 'planned'],
      description: "A show's deal now (derived on read); `pencil` or `planned` for the other kinds",
    },
    holdRank: nullable({ ...int, description: "A held show's rank among the artist's holds on its dates (1 = first)" }),
    city: nullable(CitySchema),
    startsAt: nullable(instant),
    endsAt: nullable(instant),
    requestId: nullable(uuid),
    holdId: nullable(uuid),
    bookingId: nullable(uuid),
    radius: nullable({ type: 'object', properties: { km: int, daysBefore: int, daysAfter: int } }),
    label: nullable(str),
    notes: nullable(str),
    createdAt: instant,
    updatedAt: instant,
  },
  required: ['id', 'tourId', 'date', 'position', 'kind', 'state', 'holdRank', 'city', 'requestId', 'holdId', 'bookingId'],
}

const LegSchema: JsonSchema = {
  type: 'object',
  properties: {
    fromStopId: uuid,
    toStopId: uuid,
    fromCityId: uuid,
    toCityId: uuid,
    distanceKm: { ...num, description: 'Great-circle distance × the detour factor' },
    driveMinutes: int,
    daysBetween: int,
    tzShiftMinutes: nullable({ ...int, description: 'Local clock change; null when a city has no time zone' }),
    source: { type: 'string', enum: ['haversine'] },
  },
}

const IssueSchema: JsonSchema = {
  type: 'object',
  properties: {
    kind: {
      type: 'string',
      enum: [
        'leg_too_long',
        'drive_too_long',
        'impossible_leg',
        'too_many_consecutive_shows',
        'double_date',
        'backtrack',
        'radius_clause',
        'hold_not_first',
        'deal_off',
        'outside_tour_window',
        'missing_coordinates',
      ],
    },
    severity: { type: 'string', enum: ['error', 'warning'] },
    stopIds: { type: 'array', items: uuid },
    requestIds: { type: 'array', items: uuid, description: 'The deals concerned (another engagement of the artist included)' },
    message: str,
  },
}

const RoutingSchema: JsonSchema = {
  type: 'object',
  properties: { tourId: uuid, legs: { type: 'array', items: LegSchema }, issues: { type: 'array', items: IssueSchema } },
  required: ['tourId', 'legs', 'issues'],
}

const tourSchema = (extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  allOf: [
    viewSchema('Tour'),
    {
      type: 'object',
      properties: {
        phase: { type: 'string', enum: ['upcoming', 'in_progress', 'completed'], description: 'From the window and today' },
        ...extra,
      },
      required: ['phase', ...Object.keys(extra)],
    },
  ],
})

const view = (ctx: RequestContext, t: Tour) => ({ ...t, phase: phaseOf(t, ctx.clock.now()) })

const tag = 'Tours'
const TourIdParams = IdParams

export const touringRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/tours',
    tag,
    summary: 'The tours the company owns, or of the artists it represents or manages now, by start',
    access: 'tours.read',
    list: true,
    query: TourFilter,
    response: tourSchema(),
    handler: async ({ ctx, query, page }) => {
      const listed = await tours.list(ctx, query, page)
      return { ...listed, items: listed.items.map((t) => view(ctx, t)) }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/artists/:id/tours',
    tag,
    summary: "The artist's tours the company sees, by start (Artist.tours); 404 for an artist it sees no tours of",
    access: 'tours.read',
    list: true,
    params: IdParams,
    query: ArtistTourFilter,
    response: tourSchema(),
    handler: async ({ ctx, params, query, page }) => {
      const listed = await tours.ofArtist(ctx, params.id, query, page)
      return { ...listed, items: listed.items.map((t) => view(ctx, t)) }
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/tours',
    tag,
    summary: 'Create a draft tour of an artist the agency represents now',
    description: "403 `not_representing`; 409 `tour_overlaps` (an artist's tours that are not cancelled never share a day).",
    access: 'tours.manage',
    body: TourInput,
    status: 201,
    response: tourSchema(),
    handler: async ({ ctx, body }) => view(ctx, await tours.create(ctx, body)),
  }),
  route({
    method: 'GET',
    url: '/api/v1/tours/:id',
    tag,
    summary: 'A tour with its stops in order, each with the state of its deal',
    access: 'tours.read',
    params: TourIdParams,
    response: tourSchema({ stops: { type: 'array', items: StopSchema } }),
    handler: async ({ ctx, params }) => {
      const tour = await tours.get(ctx, params.id)
      return { ...view(ctx, tour), stops: (await tours.data(ctx, [tour.id])).get(tour.id)?.stops ?? [] }
    },
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/tours/:id',
    tag,
    summary: 'Edit the name, window, home city or routing rules of a draft or confirmed tour',
    access: 'tours.manage',
    params: TourIdParams,
    body: TourPatch,
    response: tourSchema(),
    handler: async ({ ctx, params, body }) => view(ctx, await tours.update(ctx, params.id, body)),
  }),
  route({
    method: 'POST',
    url: '/api/v1/tours/:id/confirm',
    tag,
    summary: 'Confirm a draft tour',
    access: 'tours.manage',
    params: TourIdParams,
    response: tourSchema(),
    handler: async ({ ctx, params }) => view(ctx, await tours.move(ctx, params.id, 'confirm', {})),
  }),
  route({
    method: 'POST',
    url: '/api/v1/tours/:id/cancel',
    tag,
    summary: 'Cancel a draft or confirmed tour with a reason; its bookings stand (listed in confirmedBookingIds)',
    access: 'tours.manage',
    params: TourIdParams,
    body: CancelTourInput,
    response: tourSchema({ confirmedBookingIds: { type: 'array', items: uuid, description: 'Bookings of the tour still confirmed' } }),
    handler: async ({ ctx, params, body }) => ({
      ...view(ctx, await tours.move(ctx, params.id, 'cancel', body)),
      confirmedBookingIds: await tours.confirmedBookings(ctx, params.id),
    }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/tours/:id/archive',
    tag,
    summary: 'Archive a confirmed tour',
    access: 'tours.manage',
    params: TourIdParams,
    response: tourSchema(),
    handler: async ({ ctx, params }) => view(ctx, await tours.move(ctx, params.id, 'archive', {})),
  }),
  route({
    method: 'GET',
    url: '/api/v1/tours/:id/stops',
    tag,
    summary: 'The stops of a tour in order (date, then position), each with the state of its deal',
    access: 'tours.read',
    params: TourIdParams,
    response: { type: 'array', items: StopSchema },
    handler: ({ ctx, params }) => tours.stops(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/tours/:id/stops',
    tag,
    summary: 'Add a stop: a deal of the artist ({ bookingId } | { holdId } | { requestId }) or { date, kind, cityId? }',
    description:
      '409 `deal_of_another_artist`, `deal_in_tour`, `deal_in_another_tour` (a deal is a stop of one live tour), `deal_closed`, `invalid_transition` (a cancelled or archived tour); 404 for a deal the company does not see.',
    access: 'tours.manage',
    params: TourIdParams,
    body: StopInput,
    status: 201,
    response: StopSchema,
    handler: ({ ctx, params, body }) => tours.addStop(ctx, params.id, body),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/tour-stops/:id',
    tag,
    summary: "Move a stop (date: not a show's; position within the day) or edit its kind, city, label, notes",
    access: 'tours.manage',
    params: IdParams,
    body: StopPatch,
    response: StopSchema,
    handler: ({ ctx, params, body }) => tours.updateStop(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/tour-stops/:id',
    tag,
    summary: 'Remove a stop from its tour (its deal is untouched)',
    access: 'tours.manage',
    params: IdParams,
    response: { type: 'object', properties: { id: uuid, removed: { type: 'boolean' } }, required: ['id', 'removed'] },
    handler: ({ ctx, params }) => tours.removeStop(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/tours/:id/routing',
    tag,
    summary: 'Legs between consecutive stops (distance, drive time, days, time-zone shift) and routing issues',
    access: 'tours.read',
    params: TourIdParams,
    response: RoutingSchema,
    handler: ({ ctx, params }) => tours.routing(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/tours/:id/routing/preview',
    tag,
    summary: 'What if: the routing with a candidate stop added (same body as adding a stop). Writes nothing',
    access: 'tours.read',
    params: TourIdParams,
    body: StopInput,
    response: { allOf: [RoutingSchema, { type: 'object', properties: { candidateStopId: uuid }, required: ['candidateStopId'] }] },
    handler: ({ ctx, params, body }) => tours.preview(ctx, params.id, body),
  }),
]
