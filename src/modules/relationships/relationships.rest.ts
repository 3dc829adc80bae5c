import { z } from 'zod'
import { IdParams, route } from '../../rest/route.ts'
import { MoneySchema, type JsonSchema } from '../../rest/schemas.ts'
import { Id } from '../../validation.ts'
import { RatingInput, RatingUpdate, ratings } from './ratings.service.ts'
import { FlagInput, FlagUpdate, NoteInput, relationships } from './relationships.service.ts'
import { trust } from './trust.service.ts'

const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true })
const int = { type: 'integer' }
const num = { type: 'number' }
const str = { type: 'string' }
const uuid = { type: 'string', format: 'uuid' }
const instant = { type: 'string', format: 'date-time' }
const side = { type: 'string', enum: ['agency', 'promoter'] }
const FLAG_KINDS = FlagInput.shape.kind.options

const NoteSchema: JsonSchema = {
  type: 'object',
  description: 'A note about a counterparty, private to the company that wrote it',
  properties: { id: uuid, counterpartyId: uuid, authorUserId: uuid, body: str, createdAt: instant, updatedAt: instant },
  required: ['id', 'counterpartyId', 'authorUserId', 'body', 'createdAt', 'updatedAt'],
}

const FlagSchema: JsonSchema = {
  type: 'object',
  description: 'A flag on a counterparty, private to the company that set it',
  properties: {
    id: uuid,
    counterpartyId: uuid,
    kind: { type: 'string', enum: FLAG_KINDS },
    label: nullable(str),
    note: nullable(str),
    setByUserId: uuid,
    createdAt: instant,
    updatedAt: instant,
  },
  required: ['id', 'counterpartyId', 'kind', 'label', 'note', 'setByUserId', 'createdAt', 'updatedAt'],
}

const SummarySchema: JsonSchema = {
  type: 'object',
  description: 'The pipeline with the counterparty, kept current in the transaction of every deal change ("us": the reading company)',
  properties: {
    requests: int,
    openPipelines: int,
    bookingsConfirmed: int,
    cancelledByUs: int,
    cancelledByThem: int,
    lateCancelledByUs: int,
    lateCancelledByThem: int,
    ourAverageAnswerSeconds: nullable(int),
    theirAverageAnswerSeconds: nullable(int),
    firstDealAt: nullable(instant),
    lastDealAt: nullable(instant),
    lastInteractionAt: nullable(instant),
  },
}

const HistorySchema: JsonSchema = {
  type: 'object',
  description: 'The bookings with the counterparty, newest event first (at most 100; total counts all)',
  properties: {
    total: int,
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: uuid,
          requestId: uuid,
          artistId: uuid,
          artistName: str,
          agencyId: uuid,
          promoterOrgId: uuid,
          venueName: nullable(str),
          startsAt: instant,
          endsAt: instant,
          status: { type: 'string', enum: ['confirmed', 'cancelled'] },
          cancelledAt: nullable(instant),
          fee: nullable(MoneySchema),
          createdAt: instant,
          updatedAt: instant,
        },
      },
    },
  },
}

const RelationshipSchema: JsonSchema = {
  type: 'object',
  properties: {
    counterparty: {
      type: 'object',
      properties: { id: uuid, kind: { type: 'string', enum: ['agency', 'company'] }, name: nullable(str) },
    },
    side,
    summary: SummarySchema,
    notes: { type: 'array', items: NoteSchema },
    flags: { type: 'array', items: FlagSchema },
    history: nullable(HistorySchema),
  },
  required: ['counterparty', 'side', 'summary', 'notes', 'flags', 'history'],
}

const RatingSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: uuid,
    bookingId: uuid,
    raterSide: side,
    communication: int,
    reliability: int,
    hospitalityOrProduction: int,
    paymentOrPerformance: int,
    comment: nullable(str),
    revealedAt: nullable(instant),
    createdAt: instant,
    updatedAt: instant,
  },
}

const BookingRatingsSchema: JsonSchema = {
  type: 'object',
  description: "The booking's ratings for the caller's side: its own, and the other side's once both rated or the window closed",
  properties: {
    bookingId: uuid,
    side,
    opensAt: instant,
    closesAt: instant,
    window: { type: 'string', enum: ['not_open', 'open', 'closed'] },
    revealed: { type: 'boolean' },
    mine: nullable(RatingSchema),
    theirsSubmitted: { type: 'boolean' },
    theirs: nullable(RatingSchema),
  },
  required: ['bookingId', 'side', 'opensAt', 'closesAt', 'window', 'revealed', 'mine', 'theirsSubmitted', 'theirs'],
}

const TrustSchema: JsonSchema = {
  type: 'object',
  description: 'Trust score (0–100, formula version), with the factors that made it; `not_enough_history` below 3 completed bookings',
  properties: {
    companyId: uuid,
    subjectKind: { type: 'string', enum: ['agency', 'company'] },
    subjectId: uuid,
    version: int,
    status: { type: 'string', enum: ['scored', 'not_enough_history'] },
    score: nullable(int),
    completedBookings: int,
    minimumCompletedBookings: int,
    ratingsCount: int,
    factors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', enum: ['completion', 'reliability', 'responsiveness', 'rating', 'tenure'] },
          weight: num,
          value: num,
          points: num,
          explanation: str,
        },
      },
    },
    computedAt: instant,
  },
}

const Deleted: JsonSchema = { type: 'object', properties: { id: uuid, deleted: { type: 'boolean' } } }
const CompanyParams = z.object({ companyId: Id })
const tag = 'Relationships'

export const relationshipRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/relationships',
    tag,
    summary: "The company's counterparties (dealt with, or with notes or flags), latest interaction first",
    access: 'relationships.read',
    list: true,
    response: RelationshipSchema,
    handler: ({ ctx, page }) => relationships.list(ctx, page),
  }),
  route({
    method: 'GET',
    url: '/api/v1/relationships/:companyId',
    tag,
    summary: "Everything the company knows of a counterparty in one call: summary, the company's notes and flags, booking history",
    description: 'The counterparty is an agency (for a promoter) or a promoter company the artist side has a pipeline with; else 404.',
    access: 'relationships.read',
    params: CompanyParams,
    response: RelationshipSchema,
    handler: ({ ctx, params }) => relationships.get(ctx, params.companyId),
  }),
  route({
    method: 'POST',
    url: '/api/v1/relationships/:companyId/notes',
    tag,
    summary: 'Write a note about the counterparty (private to your company)',
    access: 'relationships.manage',
    params: CompanyParams,
    body: NoteInput,
    response: NoteSchema,
    status: 201,
    handler: ({ ctx, params, body }) => relationships.addNote(ctx, params.companyId, body),
  }),
  route({
    method: 'GET',
    url: '/api/v1/relationship-notes/:id',
    tag,
    summary: "One of your company's notes (another company's: 404)",
    access: 'relationships.read',
    params: IdParams,
    response: NoteSchema,
    handler: ({ ctx, params }) => relationships.note(ctx, params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/relationship-notes/:id',
    tag,
    summary: "Edit one of your company's notes",
    access: 'relationships.manage',
    params: IdParams,
    body: NoteInput,
    response: NoteSchema,
    handler: ({ ctx, params, body }) => relationships.editNote(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/relationship-notes/:id',
    tag,
    summary: "Delete one of your company's notes",
    access: 'relationships.manage',
    params: IdParams,
    response: Deleted,
    handler: ({ ctx, params }) => relationships.deleteNote(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/relationships/:companyId/flags',
    tag,
    summary: 'Flag the counterparty (private to your company); a flag of the same kind and label twice is 409 already_exists',
    access: 'relationships.manage',
    params: CompanyParams,
    body: FlagInput,
    response: FlagSchema,
    status: 201,
    handler: ({ ctx, params, body }) => relationships.setFlag(ctx, params.companyId, body),
  }),
  route({
    method: 'GET',
    url: '/api/v1/relationship-flags/:id',
    tag,
    summary: "One of your company's flags (another company's: 404)",
    access: 'relationships.read',
    params: IdParams,
    response: FlagSchema,
    handler: ({ ctx, params }) => relationships.flag(ctx, params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/relationship-flags/:id',
    tag,
    summary: "Edit the label or note of one of your company's flags",
    access: 'relationships.manage',
    params: IdParams,
    body: FlagUpdate,
    response: FlagSchema,
    handler: ({ ctx, params, body }) => relationships.editFlag(ctx, params.id, body),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/relationship-flags/:id',
    tag,
    summary: "Clear one of your company's flags",
    access: 'relationships.manage',
    params: IdParams,
    response: Deleted,
    handler: ({ ctx, params }) => relationships.clearFlag(ctx, params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/bookings/:id/ratings',
    tag,
    summary: "The booking's ratings for your side: yours, and the other side's once both rated or the window closed (the two parties only)",
    access: 'ratings.read',
    params: IdParams,
    response: BookingRatingsSchema,
    handler: ({ ctx, params }) => ratings.ofBooking(ctx, params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/bookings/:id/ratings',
    tag,
    summary: 'Rate the other side after the event (once per booking and side; the window closes 14 days after the event)',
    description:
      '409 `rating_not_open` (before the event ends), `rating_window_closed`, `booking_not_confirmed`, `already_rated`; 403 `not_a_party` for a company that only reads the booking.',
    access: 'ratings.submit',
    params: IdParams,
    body: RatingInput,
    response: BookingRatingsSchema,
    status: 201,
    handler: ({ ctx, params, body }) => ratings.submit(ctx, params.id, body),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/booking-ratings/:id',
    tag,
    summary: "Edit your side's rating until it is revealed (409 rating_revealed after)",
    access: 'ratings.submit',
    params: IdParams,
    body: RatingUpdate,
    response: BookingRatingsSchema,
    handler: ({ ctx, params, body }) => ratings.edit(ctx, params.id, body),
  }),
  route({
    method: 'GET',
    url: '/api/v1/trust/:companyId',
    tag,
    summary: 'The trust score of an agency or a tenant company, with its factors (aggregates only)',
    access: 'trust.read',
    params: CompanyParams,
    response: TrustSchema,
    handler: ({ ctx, params }) => trust.get(ctx, params.companyId),
  }),
]
