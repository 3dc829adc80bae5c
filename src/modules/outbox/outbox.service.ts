// Operating the outbox: what waits, what the broker keeps refusing (parked), and putting a parked event
// back in line. Events are never edited or deleted here (the table's trigger keeps them as written).
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { conflict, notFound } from '../../errors.ts'
import type { OutboxEvent, Prisma } from '../../generated/prisma/client.ts'
import { COUNT_TAKE, type Listing, type Page } from '../../pagination.ts'
import { parseInput } from '../../validation.ts'

export const OutboxStatus = z.enum(['pending', 'parked', 'published'])

export const OutboxFilter = z.object({
  status: OutboxStatus.optional().describe('pending: waiting for the relay; parked: refused too often, waiting for an operator'),
  type: z.string().max(100).optional().describe('An event type of the catalog, e.g. booking.confirmed'),
  aggregateId: z.uuid().optional(),
})

const STATUS_WHERE: Record<z.infer<typeof OutboxStatus>, Prisma.OutboxEventWhereInput> = {
  pending: { publishedAt: null, parkedAt: null },
  parked: { publishedAt: null, parkedAt: { not: null } },
  published: { publishedAt: { not: null } },
}

/** What an operator sees of an event (seq as a string: it is a bigint). */
export function outboxView(e: OutboxEvent) {
  return {
    id: e.id,
    seq: e.seq.toString(),
    type: e.eventType,
    schemaVersion: e.schemaVersion,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    occurredAt: e.occurredAt,
    orgIds: e.orgIds,
    requestId: e.requestId,
    payload: e.payload,
    status: e.publishedAt ? 'published' : e.parkedAt ? 'parked' : 'pending',
    publishedAt: e.publishedAt,
    attempts: e.attempts,
    nextAttemptAt: e.nextAttemptAt,
    lastError: e.lastError,
    parkedAt: e.parkedAt,
  }
}

export const outbox = {
  async list(ctx: RequestContext, filter: unknown, page: Page): Promise<Listing<ReturnType<typeof outboxView>>> {
    const f = parseInput(OutboxFilter, filter)
    const where: Prisma.OutboxEventWhereInput = {
      ...(f.status ? STATUS_WHERE[f.status] : {}),
      eventType: f.type,
      aggregateId: f.aggregateId,
    }
    const rows = await ctx.db.outboxEvent.findMany({ where, orderBy: { seq: 'asc' }, skip: page.offset, take: page.limit })
    return { items: rows.map(outboxView), total: () => ctx.db.outboxEvent.count({ where, take: COUNT_TAKE }) }
  },

  /** Puts a parked (or backing-off) event back in line at once, with its attempts reset. */
  async retry(ctx: RequestContext, id: string) {
    const updated = await ctx.db.outboxEvent.updateManyAndReturn({
      where: { id, publishedAt: null },
      data: { parkedAt: null, attempts: 0, nextAttemptAt: null },
    })
    const event = updated[0]
    if (event) return outboxView(event)
    if (await ctx.db.outboxEvent.findUnique({ where: { id }, select: { id: true } })) {
      throw conflict('already_published', 'the event was already published')
    }
    throw notFound('outbox event', id)
  },
}
