import { z } from 'zod'
import { invalidInput } from '../../errors.ts'
import { IDEMPOTENCY_HEADER } from '../../idempotency.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema, type JsonSchema } from '../../rest/schemas.ts'
import {
  ITEM_AVAILABILITY,
  ShortlistInput,
  ShortlistItemInput,
  ShortlistRequestInput,
  shortlists,
  UpdateShortlistInput,
  UpdateShortlistItemInput,
} from './shortlists.service.ts'

const str = { type: 'string' }
const uuid = { type: 'string', format: 'uuid' }

const AvailabilitySchema: JsonSchema = {
  type: 'object',
  nullable: true,
  description: "The artist's availability on the list's event day, as it is now (null when the list has no event day)",
  properties: {
    eventOn: { type: 'string', format: 'date', description: "The list's event day (YYYY-MM-DD)" },
    status: { type: 'string', enum: [...ITEM_AVAILABILITY] },
    activeHolds: { type: 'integer' },
  },
  required: ['eventOn', 'status', 'activeHolds'],
}

const item = viewSchema('ShortlistItem')
const detail: JsonSchema = {
  allOf: [
    viewSchema('Shortlist'),
    {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            allOf: [
              item,
              {
                type: 'object',
                properties: {
                  artist: { type: 'object', properties: { id: uuid, name: str, slug: str } },
                  availability: AvailabilitySchema,
                },
              },
            ],
          },
        },
      },
      required: ['items'],
    },
  ],
}

const OutcomesSchema: JsonSchema = {
  type: 'object',
  properties: {
    shortlistId: uuid,
    outcomes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          itemId: uuid,
          artistId: uuid,
          outcome: { type: 'string', enum: ['created', 'refused'] },
          requestId: { ...uuid, nullable: true },
          error: { type: 'object', nullable: true, properties: { code: str, message: str } },
        },
        required: ['itemId', 'artistId', 'outcome', 'requestId', 'error'],
      },
    },
  },
  required: ['shortlistId', 'outcomes'],
}

const tag = 'Shortlists'

export const shortlistRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/shortlists',
    tag,
    summary: "The company's shared shortlists and the caller's private ones, latest changed first",
    access: 'shortlists.read',
    list: true,
    query: z.object({}),
    response: viewSchema('Shortlist'),
    handler: ({ ctx, page }) => shortlists.list(ctx, page),
  }),
  route({
    method: 'POST',
    url: '/api/v1/shortlists',
    tag,
    summary: 'Start a shortlist for an event idea (private unless visibility is company)',
    access: 'shortlists.manage',
    body: ShortlistInput,
    response: viewSchema('Shortlist'),
    status: 201,
    handler: ({ ctx, body }) => shortlists.create(ctx, body),
  }),
  route({
    method: 'GET',
    url: '/api/v1/shortlists/:id',
    tag,
    summary: "A shortlist with its artists in order, each with its availability on the list's event day",
    access: 'shortlists.read',
    params: IdParams,
    response: detail,
    handler: async ({ ctx, params }) => shortlists.detail(ctx, await shortlists.get(ctx, params.id)),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/shortlists/:id',
    tag,
    summary: 'Edit a shortlist (409 stale_version when `version` is not the current one)',
    access: 'shortlists.manage',
    params: IdParams,
    body: UpdateShortlistInput,
    response: viewSchema('Shortlist'),
    handler: ({ ctx, params, body }) => shortlists.update(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/shortlists/:id',
    tag,
    summary: 'Delete a shortlist and its items',
    access: 'shortlists.manage',
    params: IdParams,
    response: viewSchema('Shortlist'),
    handler: ({ ctx, params }) => shortlists.remove(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/shortlists/:id/items',
    tag,
    summary: 'Add an artist (409 already_on_shortlist; 409 shortlist_full past 500)',
    access: 'shortlists.manage',
    params: IdParams,
    body: ShortlistItemInput,
    response: item,
    status: 201,
    handler: ({ ctx, params, body }) => shortlists.addItem(ctx, params.id, body),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/shortlist-items/:id',
    tag,
    summary: "Change an item's note or place in the list",
    access: 'shortlists.manage',
    params: IdParams,
    body: UpdateShortlistItemInput,
    response: item,
    handler: ({ ctx, params, body }) => shortlists.updateItem(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/shortlist-items/:id',
    tag,
    summary: 'Take an artist off the list (the others close up)',
    access: 'shortlists.manage',
    params: IdParams,
    response: item,
    handler: ({ ctx, params }) => shortlists.removeItem(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/shortlists/:id/request',
    tag,
    summary: "Send booking requests to several of the list's artists at once; each artist's outcome is reported",
    description:
      'Requires an `Idempotency-Key`: a retry replays the first answer. Each request is created by the booking service (its rules, its activity); ' +
      'one refused (e.g. 409 artist_not_represented) is reported with its code and message while the others go out. Also needs `bookings.manage`.',
    access: 'shortlists.manage',
    params: IdParams,
    body: ShortlistRequestInput,
    response: OutcomesSchema,
    handler: ({ ctx, params, body, headers }) => {
      if (typeof headers[IDEMPOTENCY_HEADER] !== 'string')
        throw invalidInput(IDEMPOTENCY_HEADER, 'required: a retry must replay, not request twice')
      return shortlists.request(ctx, params.id, body)
    },
  }),
]
