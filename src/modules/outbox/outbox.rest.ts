import { IdParams, route } from '../../rest/route.ts'
import type { JsonSchema } from '../../rest/schemas.ts'
import { OutboxFilter, outbox } from './outbox.service.ts'

const nullable = (type: string, extra: JsonSchema = {}): JsonSchema => ({ type, nullable: true, ...extra })

const OutboxEventSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid', description: 'The event id, also its Nats-Msg-Id' },
    seq: { type: 'string', description: 'Order of writing (int64)' },
    type: { type: 'string', description: 'Catalog event type (docs/events.md); subject <prefix>.<type>' },
    schemaVersion: { type: 'integer' },
    aggregateType: { type: 'string' },
    aggregateId: { type: 'string', format: 'uuid' },
    occurredAt: { type: 'string', format: 'date-time' },
    orgIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
    requestId: nullable('string'),
    payload: { type: 'object' },
    status: { type: 'string', enum: ['pending', 'parked', 'published'] },
    publishedAt: nullable('string', { format: 'date-time' }),
    attempts: { type: 'integer', description: 'Publishes the broker refused' },
    nextAttemptAt: nullable('string', { format: 'date-time' }),
    lastError: nullable('string'),
    parkedAt: nullable('string', { format: 'date-time' }),
  },
  required: ['id', 'seq', 'type', 'schemaVersion', 'aggregateType', 'aggregateId', 'occurredAt', 'orgIds', 'payload', 'status', 'attempts'],
}

const tag = 'Events (platform)'

export const outboxRoutes = [
  route({
    method: 'GET',
    url: '/internal/admin/outbox',
    tag,
    summary: 'List outbox events in order of writing: pending, parked (refused by the broker too often) or published',
    access: 'platform.operate',
    list: true,
    query: OutboxFilter,
    response: OutboxEventSchema,
    handler: ({ ctx, query, page }) => outbox.list(ctx, query, page),
  }),
  route({
    method: 'POST',
    url: '/internal/admin/outbox/:id/retry',
    tag,
    summary: 'Put a parked event back in line for the relay (attempts reset); 409 already_published',
    access: 'platform.operate',
    params: IdParams,
    response: OutboxEventSchema,
    handler: ({ ctx, params }) => outbox.retry(ctx, params.id),
  }),
]
