import { MoneyRef } from '../../graphql/money.ts'
import { money } from '../../money.ts'
import { queryFromInfo } from '@pothos/plugin-prisma'
import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import type { Selection } from '../../db/listing.ts'
import { AvailabilityStatus } from '../../generated/prisma/client.ts'
import { dayOf } from '../../dates.ts'
import { parseId, parseInput } from '../../validation.ts'
import { readAs } from '../../access/read-as.ts'
import { AgencyRef } from '../directory/agencies.graphql.ts'
import { ArtistRef } from '../directory/artists.graphql.ts'
import {
  availability,
  AvailabilityFilter,
  AvailabilityInput,
  AvailabilitySearch,
  AvailabilitySort,
  UpdateAvailabilityInput,
  windowsWhere,
  type HeldDay,
  type SearchHit,
} from './availability.service.ts'

const StatusEnum = graphqlEnum('AvailabilityStatus', AvailabilityStatus, 'available · tentative · blocked (known not to be available)')
graphqlEnum('AvailabilitySort', AvailabilitySort, 'Order of an availability search')

export const AvailabilityRef = builder.prismaObject('Availability', {
  ...typeRequires('availability.read'),
  description: 'A span of days an agency publishes for an artist it represents. Windows of one artist never overlap.',
  fields: (t) => ({
    id: t.exposeID('id'),
    artist: t.field({
      type: ArtistRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (window) => readAs('availability.read', window.artist),
    }),
    agency: t.field({
      type: AgencyRef,
      nullable: true,
      description: 'The representing agency that published it.',
      select: (_args, _ctx, nested) => ({ agency: nested() }),
      resolve: (window) => readAs('availability.read', window.agency),
    }),
    startsOn: t.expose('startsOn', { type: 'Date' }),
    endsOn: t.expose('endsOn', { type: 'Date', description: 'Last day (inclusive).' }),
    status: t.expose('status', { type: StatusEnum }),
    country: t.relation('country', {
      ...requires('directory.read'),
      description: 'Where the artist can play in this window; null: anywhere.',
    }),
    feeMin: t.expose('feeMin', {
      type: 'SafeInt',
      nullable: true,
      description: 'Fee guidance, lowest, in minor units of currency (cents).',
      deprecationReason: 'Use feeMinMoney',
    }),
    feeMinMoney: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Fee guidance, lowest.',
      resolve: (w) => money(w.feeMin, w.currency),
    }),
    feeMax: t.expose('feeMax', {
      type: 'SafeInt',
      nullable: true,
      description: 'Fee guidance, highest, in minor units of currency (cents).',
      deprecationReason: 'Use feeMaxMoney',
    }),
    feeMaxMoney: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Fee guidance, highest.',
      resolve: (w) => money(w.feeMax, w.currency),
    }),
    currency: t.exposeString('currency', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const HeldDayRef = builder.objectRef<HeldDay>('HeldDay').implement({
  description: "A day of a search's period that an active hold takes: still offered (a hold may lapse), ranked among the day's holds.",
  fields: (t) => ({
    on: t.field({ type: 'Date', resolve: (h) => dayOf(h.on) }),
    rank: t.exposeInt('rank', { description: "The hold's priority: 1 is first in line." }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the hold was placed.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the hold last changed (its rank included).' }),
  }),
})

const SearchInput = inputFromZod('AvailabilitySearchFilter', AvailabilitySearch)
const InputType = inputFromZod('AvailabilityInput', AvailabilityInput)
const UpdateInputType = inputFromZod('UpdateAvailabilityInput', UpdateAvailabilityInput)

builder.prismaObjectFields('Artist', (t) => ({
  availability: t.relation('availabilities', {
    ...requires('availability.read'),
    description: "The artist's windows overlapping a period (upcoming by default), in date order.",
    args: {
      from: t.arg({ type: 'Date', description: 'Windows ending on or after this day (default: today)' }),
      to: t.arg({ type: 'Date', description: 'Windows starting on or before this day' }),
      status: t.arg({ type: StatusEnum }),
    },
    query: ({ from, to, status }) => ({
      where: windowsWhere(parseInput(AvailabilityFilter, { from: from ?? undefined, to: to ?? undefined, status: status ?? undefined })),
      orderBy: { startsOn: 'asc' },
    }),
  }),
}))

builder.queryFields((t) => ({
  artistAvailability: t.prismaField({
    ...requires('availability.read'),
    type: ['Availability'],
    description:
      "An artist's windows overlapping a period (upcoming by default), in date order: `Artist.availability` for callers who read availability but not the directory.",
    args: {
      artistId: t.arg.id({ required: true }),
      from: t.arg({ type: 'Date', description: 'Windows ending on or after this day (default: today)' }),
      to: t.arg({ type: 'Date', description: 'Windows starting on or before this day' }),
      status: t.arg({ type: StatusEnum }),
    },
    resolve: (query, _root, { artistId, from, to, status }, ctx) =>
      availability.ofArtist(
        ctx,
        parseId(artistId, 'artistId'),
        { from: from ?? undefined, to: to ?? undefined, status: status ?? undefined },
        query,
      ),
  }),
  availabilitySearch: t.connection(
    {
      ...requires('availability.read'),
      type: ArtistRef,
      description:
        'Artists available in a period: windows available (or tentative) offering a day of [from, to] the artist is not booked on, in a country or open to anywhere, whose fee guidance meets the budget. Each edge carries the windows that matched and the days of the period booked or held.',
      args: { filter: t.arg({ type: SearchInput, required: true }) },
      resolve: (_root, args, ctx, info) => {
        const windowQuery = queryFromInfo({ context: ctx, info, path: ['edges', 'matchingAvailability'] }) as Selection
        return connectionOf(ctx, info, args, (page, query) => availability.search(ctx, args.filter, page, query, windowQuery))
      },
    },
    { name: 'AvailableArtistConnection' },
    {
      name: 'AvailableArtistEdge',
      fields: (edge) => ({
        matchingAvailability: edge.field({
          type: [AvailabilityRef],
          description: "The artist's windows that matched the search, in date order.",
          // The nodes are the search's items: artists carrying the windows that matched and their busy days.
          resolve: ({ node }) => (node as typeof node & SearchHit).matchingAvailability,
        }),
        bookedOn: edge.field({
          type: ['Date'],
          description: 'Days of the period the artist has a confirmed booking on: never offered, whatever the windows say.',
          resolve: ({ node }) => (node as typeof node & SearchHit).bookedOn.map(dayOf),
        }),
        heldOn: edge.field({
          type: [HeldDayRef],
          description: 'Days of the period active holds take, by day then rank: offered still, as a later hold.',
          resolve: ({ node }) => (node as typeof node & SearchHit).heldOn,
        }),
      }),
    },
  ),
}))

builder.mutationFields((t) => ({
  publishAvailability: t.prismaField({
    ...requires('availability.manage'),
    type: 'Availability',
    description: 'Publishes a window of an artist the agency represents; an overlap with another window of the artist is a CONFLICT.',
    args: { artistId: t.arg.id({ required: true }), input: t.arg({ type: InputType, required: true }) },
    resolve: (query, _root, args, ctx) => availability.publish(ctx, parseId(args.artistId, 'artistId'), args.input, query),
  }),
  updateAvailability: t.prismaField({
    ...requires('availability.manage'),
    type: 'Availability',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInputType, required: true }) },
    resolve: (query, _root, args, ctx) => availability.update(ctx, parseId(args.id), args.input, query),
  }),
  deleteAvailability: t.prismaField({
    ...requires('availability.manage'),
    type: 'Availability',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => availability.remove(ctx, parseId(args.id), query),
  }),
}))
