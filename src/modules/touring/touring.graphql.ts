import { readAs } from '../../access/read-as.ts'
import type { RequestContext } from '../../context.ts'
import { RadiusClauseHandling, TourStatus, TourStopKind, type Booking, type Tour } from '../../generated/prisma/client.ts'
import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { resolveReferences } from '../../graphql/entities.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import { AgencyRef } from '../directory/agencies.graphql.ts'
import { ArtistRef } from '../directory/artists.graphql.ts'
import { BookingRef } from '../booking/booking.graphql.ts'
import { bookings } from '../booking/bookings.service.ts'
import type { Issue, Leg, RadiusClause, Routing, RoutingCity } from './routing.ts'
import type { StopView, TourData } from './stops.ts'
import {
  ArtistTourFilter,
  CancelTourInput,
  phaseOf,
  routingOf,
  StopInput,
  StopPatch,
  TourFilter,
  TourInput,
  TourPatch,
  tours,
} from './tours.service.ts'

const TourStatusEnum = graphqlEnum('TourStatus', TourStatus)
const TourPhaseEnum = graphqlEnum('TourPhase', { upcoming: 'upcoming', in_progress: 'in_progress', completed: 'completed' })
const StopKindEnum = graphqlEnum('TourStopKind', TourStopKind)
const StopStateEnum = graphqlEnum(
  'TourStopState',
  {
    requested: 'requested',
    held: 'held',
    confirmed: 'confirmed',
    released: 'released',
    cancelled: 'cancelled',
    pencil: 'pencil',
    planned: 'planned',
  },
  "A show's deal now (derived on read); PENCIL or PLANNED for the other kinds",
)
const RadiusClauseEnum = graphqlEnum('RadiusClauseHandling', RadiusClauseHandling)
const SeverityEnum = graphqlEnum('RoutingIssueSeverity', { error: 'error', warning: 'warning' })
const IssueKindEnum = graphqlEnum('RoutingIssueKind', {
  leg_too_long: 'leg_too_long',
  drive_too_long: 'drive_too_long',
  impossible_leg: 'impossible_leg',
  too_many_consecutive_shows: 'too_many_consecutive_shows',
  double_date: 'double_date',
  backtrack: 'backtrack',
  radius_clause: 'radius_clause',
  hold_not_first: 'hold_not_first',
  deal_off: 'deal_off',
  outside_tour_window: 'outside_tour_window',
  missing_coordinates: 'missing_coordinates',
})

const TourCityRef = builder.objectRef<RoutingCity>('TourCity').implement({
  description: "A stop's city as routing reads it (the directory's City needs `directory.read`).",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    latitude: t.exposeFloat('latitude', { nullable: true }),
    longitude: t.exposeFloat('longitude', { nullable: true }),
    timezone: t.exposeString('timezone', { nullable: true, description: 'IANA time zone' }),
  }),
})

const RadiusRef = builder.objectRef<RadiusClause>('TourRadiusClause').implement({
  fields: (t) => ({ km: t.exposeInt('km'), daysBefore: t.exposeInt('daysBefore'), daysAfter: t.exposeInt('daysAfter') }),
})

export const TourStopRef = builder.objectRef<StopView>('TourStop').implement({
  description: "A day of a tour. A show's state, times, city and radius clause are read from its deal, never copied.",
  fields: (t) => ({
    id: t.exposeID('id'),
    tourId: t.exposeID('tourId'),
    date: t.field({ type: 'Date', resolve: (s) => new Date(`${s.date}T00:00:00.000Z`) }),
    position: t.exposeInt('position', { description: 'Order within the day (1 first)' }),
    kind: t.field({ type: StopKindEnum, resolve: (s) => s.kind }),
    state: t.field({ type: StopStateEnum, resolve: (s) => s.state }),
    holdRank: t.exposeInt('holdRank', { nullable: true, description: "A held show's rank among the artist's holds on its dates" }),
    city: t.field({ type: TourCityRef, nullable: true, resolve: (s) => s.city }),
    startsAt: t.expose('startsAt', { type: 'DateTime', nullable: true }),
    endsAt: t.expose('endsAt', { type: 'DateTime', nullable: true }),
    requestId: t.exposeID('requestId', { nullable: true, description: "A show's deal (booking request)" }),
    holdId: t.exposeID('holdId', { nullable: true }),
    bookingId: t.exposeID('bookingId', { nullable: true }),
    radius: t.field({ type: RadiusRef, nullable: true, resolve: (s) => s.radius }),
    label: t.exposeString('label', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const LegRef = builder.objectRef<Leg>('RoutingLeg').implement({
  fields: (t) => ({
    fromStopId: t.exposeID('fromStopId'),
    toStopId: t.exposeID('toStopId'),
    fromCityId: t.exposeID('fromCityId'),
    toCityId: t.exposeID('toCityId'),
    distanceKm: t.exposeFloat('distanceKm', { description: 'Great-circle distance × the detour factor' }),
    driveMinutes: t.exposeInt('driveMinutes'),
    daysBetween: t.exposeInt('daysBetween'),
    tzShiftMinutes: t.exposeInt('tzShiftMinutes', { nullable: true, description: 'Local clock change; null when a city has no time zone' }),
    source: t.exposeString('source'),
  }),
})

const IssueRef = builder.objectRef<Issue>('RoutingIssue').implement({
  fields: (t) => ({
    kind: t.field({ type: IssueKindEnum, resolve: (i) => i.kind }),
    severity: t.field({ type: SeverityEnum, resolve: (i) => i.severity }),
    stopIds: t.exposeIDList('stopIds'),
    requestIds: t.exposeIDList('requestIds', { description: 'The deals concerned (another engagement of the artist included)' }),
    message: t.exposeString('message'),
  }),
})

const RoutingRef = builder.objectRef<Routing & { tourId: string; candidateStopId?: string }>('Routing').implement({
  description: 'Legs between consecutive stops with a city, and advisory issues (they never block a write).',
  fields: (t) => ({
    tourId: t.exposeID('tourId'),
    candidateStopId: t.exposeID('candidateStopId', { nullable: true, description: 'routingPreview: the id given to the candidate' }),
    legs: t.field({ type: [LegRef], resolve: (r) => r.legs }),
    issues: t.field({ type: [IssueRef], resolve: (r) => r.issues }),
  }),
})

/** Stops and routing inputs of every tour of the operation, in one statement. */
const dataOf = (tour: { id: string }, ctx: RequestContext) =>
  ctx
    .loader<string, TourData>('tourData', async (ids) => {
      const data = await tours.data(ctx, ids)
      return ids.map((id) => data.get(id) ?? { stops: [], others: [] })
    })
    .load(tour.id)

export const TourRef = builder.prismaObject('Tour', {
  ...typeRequires('tours.read'),
  description: 'A run of dates of one artist, owned by the agency that represented it when the tour was made.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (tour) => readAs('tours.read', tour.artist),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ agency: nested() }),
      resolve: (tour) => readAs('tours.read', tour.agency),
    }),
    status: t.expose('status', { type: TourStatusEnum }),
    phase: t.field({
      type: TourPhaseEnum,
      description: 'From the window and today',
      resolve: (tour, _args, ctx) => phaseOf(tour, ctx.clock.now()),
    }),
    startsOn: t.expose('startsOn', { type: 'Date' }),
    endsOn: t.expose('endsOn', { type: 'Date' }),
    homeCityId: t.exposeID('homeCityId', { nullable: true }),
    maxLegKm: t.exposeInt('maxLegKm', { nullable: true }),
    maxDriveMinutes: t.exposeInt('maxDriveMinutes', { nullable: true, description: 'The most driving a day may take' }),
    maxConsecutiveShows: t.exposeInt('maxConsecutiveShows', { nullable: true }),
    avgSpeedKmh: t.exposeInt('avgSpeedKmh'),
    detourFactor: t.exposeFloat('detourFactor'),
    loadInMinutes: t.exposeInt('loadInMinutes'),
    radiusClause: t.expose('radiusClause', { type: RadiusClauseEnum }),
    cancelReason: t.exposeString('cancelReason', { nullable: true }),
    confirmedAt: t.expose('confirmedAt', { type: 'DateTime', nullable: true }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    stops: t.field({ type: [TourStopRef], resolve: async (tour, _args, ctx) => (await dataOf(tour, ctx)).stops }),
    routing: t.field({ type: RoutingRef, resolve: async (tour, _args, ctx) => routingOf(tour, await dataOf(tour, ctx)) }),
    bookings: t.field({
      ...requires('bookings.read'),
      type: [BookingRef],
      description: "The bookings of the tour's shows the company is party to (after a cancellation: what stands).",
      resolve: (tour, _args, ctx) =>
        ctx
          .loader<string, Booking[]>('tourBookings', async (tourIds) => {
            const data = await Promise.all(tourIds.map((id) => dataOf({ id }, ctx)))
            const ids = data.flatMap((d) => d.stops.flatMap((s) => (s.bookingId ? [s.bookingId] : [])))
            const byId = new Map((await bookings.byIds(ctx, ids)).map((b) => [b.id, b]))
            // In tour order.
            return data.map((d) => d.stops.flatMap((s) => (s.bookingId && byId.has(s.bookingId) ? [byId.get(s.bookingId) as Booking] : [])))
          })
          .load(tour.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

builder.asEntity(TourRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: resolveReferences('Tour', tours.byIds),
})

const ArtistTourFilterType = inputFromZod('ArtistTourFilter', ArtistTourFilter)

const toursOf =
  (key: 'artistId' | 'agencyId') =>
  (parent: { id: string }, args: { filter?: object | null }, ctx: RequestContext): Promise<Tour[]> =>
    ctx
      .loader<string, Tour[]>(`toursBy:${key}:${JSON.stringify(args.filter ?? {})}`, (ids) =>
        tours.groupedBy(ctx, key, ids, args.filter ?? {}),
      )
      .load(parent.id)

builder.prismaObjectFields('Artist', (t) => ({
  tours: t.field({
    ...requires('tours.read'),
    type: [TourRef],
    description: 'Tours of the artist the signed-in company sees, by start (REST: GET /api/v1/artists/:id/tours).',
    args: { filter: t.arg({ type: ArtistTourFilterType }) },
    resolve: toursOf('artistId'),
  }),
}))

builder.prismaObjectFields('Agency', (t) => ({
  tours: t.field({
    ...requires('tours.read'),
    type: [TourRef],
    description: 'Tours owned by the agency that the signed-in company sees.',
    resolve: toursOf('agencyId'),
  }),
}))

builder.prismaObjectFields('Booking', (t) => ({
  tour: t.field({
    ...requires('tours.read'),
    type: TourRef,
    description: 'The tour this booking is a stop of (a live one before a cancelled one), if the company sees it.',
    select: { requestId: true },
    resolve: (b, _args, ctx) =>
      ctx.loader<string, Tour | null>('tourOfDeal', (ids) => tours.ofDeals(ctx, ids)).load((b as Booking).requestId),
  }),
}))

const TourInputType = inputFromZod('TourInput', TourInput)
const TourPatchType = inputFromZod('TourPatch', TourPatch)
const TourFilterType = inputFromZod('TourFilter', TourFilter)
const CancelTourInputType = inputFromZod('CancelTourInput', CancelTourInput)
const StopInputType = inputFromZod('TourStopInput', StopInput)
const StopPatchType = inputFromZod('TourStopPatch', StopPatch)

builder.queryFields((t) => ({
  tours: t.connection(
    {
      ...requires('tours.read'),
      type: TourRef,
      description: 'Tours the company owns, or of the artists it represents or manages now, by start.',
      args: { filter: t.arg({ type: TourFilterType }) },
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => tours.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'TourConnection' },
    { name: 'TourEdge' },
  ),
  tour: t.prismaField({
    ...requires('tours.read'),
    type: 'Tour',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => tours.get(ctx, parseId(args.id), query),
  }),
  routingPreview: t.field({
    ...requires('tours.read'),
    type: RoutingRef,
    description: "What if: the tour's routing with a candidate stop added. Writes nothing.",
    args: { tourId: t.arg.id({ required: true }), candidate: t.arg({ type: StopInputType, required: true }) },
    resolve: (_root, args, ctx) => tours.preview(ctx, parseId(args.tourId, 'tourId'), args.candidate),
  }),
}))

builder.mutationFields((t) => ({
  createTour: t.prismaField({
    ...requires('tours.manage'),
    type: 'Tour',
    description: 'A draft tour of an artist the agency represents now.',
    args: { input: t.arg({ type: TourInputType, required: true }) },
    resolve: (query, _root, args, ctx) => tours.create(ctx, args.input, query),
  }),
  updateTour: t.prismaField({
    ...requires('tours.manage'),
    type: 'Tour',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: TourPatchType, required: true }) },
    resolve: (query, _root, args, ctx) => tours.update(ctx, parseId(args.id), args.input, query),
  }),
  confirmTour: t.prismaField({
    ...requires('tours.manage'),
    type: 'Tour',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => tours.move(ctx, parseId(args.id), 'confirm', {}, query),
  }),
  cancelTour: t.prismaField({
    ...requires('tours.manage'),
    type: 'Tour',
    description: 'Cancels the tour with a reason; its bookings stand.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CancelTourInputType, required: true }) },
    resolve: (query, _root, args, ctx) => tours.move(ctx, parseId(args.id), 'cancel', args.input, query),
  }),
  archiveTour: t.prismaField({
    ...requires('tours.manage'),
    type: 'Tour',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => tours.move(ctx, parseId(args.id), 'archive', {}, query),
  }),
  addTourStop: t.field({
    ...requires('tours.manage'),
    type: TourStopRef,
    description: 'A deal of the artist (bookingId, holdId or requestId: a show) or a dated stop (date, kind, cityId).',
    args: { tourId: t.arg.id({ required: true }), input: t.arg({ type: StopInputType, required: true }) },
    resolve: (_root, args, ctx) => tours.addStop(ctx, parseId(args.tourId, 'tourId'), args.input),
  }),
  updateTourStop: t.field({
    ...requires('tours.manage'),
    type: TourStopRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: StopPatchType, required: true }) },
    resolve: (_root, args, ctx) => tours.updateStop(ctx, parseId(args.id), args.input),
  }),
  removeTourStop: t.field({
    ...requires('tours.manage'),
    type: 'ID',
    description: 'Removes the stop (its deal is untouched); answers its id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await tours.removeStop(ctx, parseId(args.id))).id,
  }),
}))
