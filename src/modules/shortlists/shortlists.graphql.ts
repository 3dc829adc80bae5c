import { readAs } from '../../access/read-as.ts'
import { ShortlistVisibility } from '../../generated/prisma/client.ts'
import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import {
  availabilityOfItems,
  ITEM_AVAILABILITY,
  ShortlistInput,
  ShortlistItemInput,
  ShortlistRequestInput,
  shortlists,
  UpdateShortlistInput,
  UpdateShortlistItemInput,
  type ItemAvailability,
  type RequestOutcome,
} from './shortlists.service.ts'
import { refOf, UserRef } from '../../graphql/references.ts'
import { ArtistRef } from '../directory/artists.graphql.ts'

const VisibilityEnum = graphqlEnum('ShortlistVisibility', ShortlistVisibility)
const AvailabilityStatusEnum = graphqlEnum(
  'ShortlistAvailabilityStatus',
  Object.fromEntries(ITEM_AVAILABILITY.map((s) => [s, s])) as Record<ItemAvailability['status'], ItemAvailability['status']>,
)

const ItemAvailabilityRef = builder.objectRef<ItemAvailability>('ShortlistItemAvailability').implement({
  description: "The artist's availability on the list's event day, as it is now.",
  fields: (t) => ({
    eventOn: t.field({ type: 'Date', description: "The list's event day", resolve: (a) => a.eventOn }),
    status: t.field({ type: AvailabilityStatusEnum, resolve: (a) => a.status }),
    activeHolds: t.exposeInt('activeHolds', { description: 'Live holds on the artist that day (any company’s)' }),
  }),
})

builder.prismaObject('ShortlistItem', {
  ...typeRequires('shortlists.read'),
  description: 'An artist on a shortlist, in order, with a note.',
  fields: (t) => ({
    id: t.exposeID('id'),
    position: t.exposeInt('position', { description: '0-based place in the list' }),
    note: t.exposeString('note', { nullable: true }),
    addedBy: t.field({ type: UserRef, nullable: true, resolve: (o) => refOf(o.addedByUserId) }),
    addedByUserId: t.exposeID('addedByUserId', { deprecationReason: 'Use addedBy { id }: a reference the gateway resolves.' }),
    // The artist as the list shows it (REST's item: its card), under the shortlist's rule; its relations keep theirs.
    artist: t.field({
      type: ArtistRef,
      select: (_args, _ctx, nested) => ({ artist: nested() }),
      resolve: (item) => readAs('shortlists.read', item.artist),
    }),
    availability: t.field({
      type: ItemAvailabilityRef,
      nullable: true,
      description: 'Null when the list has no event day.',
      select: { artistId: true, shortlistId: true },
      resolve: (item, _args, ctx) =>
        ctx
          .loader<{ id: string; artistId: string; shortlistId: string }, ItemAvailability | null>('shortlistAvailability', (items) =>
            availabilityOfItems(ctx, items),
          )
          .load(item as { id: string; artistId: string; shortlistId: string }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const ShortlistRef = builder.prismaObject('Shortlist', {
  ...typeRequires('shortlists.read'),
  description: "A promoter company's list of artists for an event idea (at most 500).",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    visibility: t.expose('visibility', { type: VisibilityEnum }),
    eventOn: t.expose('eventOn', { type: 'Date', nullable: true }),
    city: t.relation('city', { nullable: true }),
    budget: t.expose('budget', { type: 'SafeInt', nullable: true, description: 'In minor units of currency' }),
    currency: t.exposeString('currency', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
    itemCount: t.exposeInt('itemCount'),
    version: t.exposeInt('version'),
    createdBy: t.field({ type: UserRef, nullable: true, resolve: (o) => refOf(o.createdByUserId) }),
    createdByUserId: t.exposeID('createdByUserId', { deprecationReason: 'Use createdBy { id }: a reference the gateway resolves.' }),
    items: t.relation('items', { query: { orderBy: shortlists.itemOrder } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const OutcomeErrorRef = builder.objectRef<{ code: string; message: string }>('ShortlistRequestError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
})
const OutcomeStatusEnum = graphqlEnum('ShortlistRequestOutcomeStatus', { created: 'created', refused: 'refused' })
const OutcomeRef = builder.objectRef<RequestOutcome>('ShortlistRequestOutcome').implement({
  description: "One artist's outcome: the request created, or why not.",
  fields: (t) => ({
    itemId: t.exposeID('itemId'),
    artistId: t.exposeID('artistId'),
    outcome: t.field({ type: OutcomeStatusEnum, resolve: (o) => o.outcome }),
    requestId: t.exposeID('requestId', { nullable: true }),
    error: t.field({ type: OutcomeErrorRef, nullable: true, resolve: (o) => o.error }),
  }),
})
const RequestResultRef = builder.objectRef<{ shortlistId: string; outcomes: RequestOutcome[] }>('ShortlistRequestResult').implement({
  fields: (t) => ({ shortlistId: t.exposeID('shortlistId'), outcomes: t.field({ type: [OutcomeRef], resolve: (r) => r.outcomes }) }),
})

builder.queryFields((t) => ({
  shortlists: t.connection(
    {
      ...requires('shortlists.read'),
      type: ShortlistRef,
      description: "The company's shared shortlists and the caller's private ones, latest changed first.",
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => shortlists.list(ctx, page, query)),
    },
    { name: 'ShortlistConnection' },
    { name: 'ShortlistEdge' },
  ),
  shortlist: t.prismaField({
    ...requires('shortlists.read'),
    type: 'Shortlist',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => shortlists.get(ctx, parseId(args.id), query),
  }),
}))

const ShortlistInputType = inputFromZod('ShortlistInput', ShortlistInput)
const UpdateShortlistInputType = inputFromZod('UpdateShortlistInput', UpdateShortlistInput)
const ItemInputType = inputFromZod('ShortlistItemInput', ShortlistItemInput)
const UpdateItemInputType = inputFromZod('UpdateShortlistItemInput', UpdateShortlistItemInput)
const RequestInputType = inputFromZod('ShortlistRequestInput', ShortlistRequestInput)

builder.mutationFields((t) => ({
  createShortlist: t.prismaField({
    ...requires('shortlists.manage'),
    type: 'Shortlist',
    args: { input: t.arg({ type: ShortlistInputType, required: true }) },
    resolve: (query, _root, args, ctx) => shortlists.create(ctx, args.input, query),
  }),
  updateShortlist: t.prismaField({
    ...requires('shortlists.manage'),
    type: 'Shortlist',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateShortlistInputType, required: true }) },
    resolve: (query, _root, args, ctx) => shortlists.update(ctx, parseId(args.id), args.input, query),
  }),
  deleteShortlist: t.prismaField({
    ...requires('shortlists.manage'),
    type: 'Shortlist',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => shortlists.remove(ctx, parseId(args.id), query),
  }),
  addShortlistItem: t.prismaField({
    ...requires('shortlists.manage'),
    type: 'ShortlistItem',
    args: { shortlistId: t.arg.id({ required: true }), input: t.arg({ type: ItemInputType, required: true }) },
    resolve: (query, _root, args, ctx) => shortlists.addItem(ctx, parseId(args.shortlistId, 'shortlistId'), args.input, query),
  }),
  updateShortlistItem: t.prismaField({
    ...requires('shortlists.manage'),
    type: 'ShortlistItem',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateItemInputType, required: true }) },
    resolve: (query, _root, args, ctx) => shortlists.updateItem(ctx, parseId(args.id), args.input, query),
  }),
  removeShortlistItem: t.prismaField({
    ...requires('shortlists.manage'),
    type: 'ShortlistItem',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => shortlists.removeItem(ctx, parseId(args.id), query),
  }),
  requestFromShortlist: t.field({
    ...requires('shortlists.manage'),
    type: RequestResultRef,
    description: "Booking requests to several of the list's artists in one call (send an Idempotency-Key: a retry replays).",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RequestInputType, required: true }) },
    resolve: (_root, args, ctx) => shortlists.request(ctx, parseId(args.id), args.input),
  }),
}))
