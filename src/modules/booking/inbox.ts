// The inbox filters the screens send on every pipeline list, declared once for both faces: several statuses
// per filter, "awaiting me" (the other side acted: the next move is this caller's), "sent by", and a sort.
// The badge counts (src/modules/inbox/) count with these same conditions, after the same expiry pass, so a
// badge always equals the length of the list it opens.
import { z } from 'zod'
import { BookingSide, type Prisma } from '../../generated/prisma/client.ts'
import { actingOn, otherSide, type Party } from './parties.ts'

/** At most this many statuses in one filter (each object has fewer). */
const MAX_STATUSES = 10

/**
 * Several statuses, any of which matches: `status=open,negotiating` on REST (or the key repeated), a list on
 * GraphQL (where a single value is still accepted, as GraphQL coerces it to a list of one).
 */
export const statusesOf = <E extends Record<string, string>>(values: E) =>
  z.array(z.enum(values)).min(1).max(MAX_STATUSES).optional().describe('Any of these statuses')

export const SORT_FIELDS = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  event_date: 'event_date',
  expires_at: 'expires_at',
} as const
export const BOOKING_SORT_FIELDS = { created_at: 'created_at', updated_at: 'updated_at', event_date: 'event_date' } as const
export const SORT_ORDERS = { asc: 'asc', desc: 'desc' } as const

export const inboxFields = {
  awaitingMe: z.boolean().optional().describe("true: only what waits for the caller's side (the other side acted last); false: the rest"),
  sort: z
    .enum(SORT_FIELDS)
    .optional()
    .describe('What to order by (event_date: the start of the event; expires_at: soonest first, none last)'),
  order: z.enum(SORT_ORDERS).optional().describe('asc or desc (default: each list its own)'),
}

export const sentByField = z.enum(BookingSide).optional().describe('Only what this side sent')

type Sort = keyof typeof SORT_FIELDS
type Order = keyof typeof SORT_ORDERS

/**
 * The order of a list: the requested field (the event's start and expiry included) or the list's own, the id
 * breaking ties (listing()). Rows without an expiry sort last either way.
 */
export function orderOf<O>(
  sort: Sort | undefined,
  order: Order | undefined,
  fallback: { sort: Sort; order: Order },
  eventDate: (order: Order) => O = (o) => ({ startsAt: o }) as O,
  /** Prisma refuses a nulls position on a required column (a hold always expires). */
  expiryRequired = false,
): O {
  const direction = order ?? (sort ? 'asc' : fallback.order)
  switch (sort ?? fallback.sort) {
    case 'created_at':
      return { createdAt: direction } as O
    case 'updated_at':
      return { updatedAt: direction } as O
    case 'event_date':
      return eventDate(direction)
    case 'expires_at':
      return (expiryRequired ? { expiresAt: direction } : { expiresAt: { sort: direction, nulls: 'last' } }) as O
  }
}

const notLapsed = (now: Date) => ({ OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] })

/**
 * Requests whose next move is the party's: the agency answers an open request and confirms a held one; a
 * negotiation waits for the side that did not make its open offer.
 */
export function requestsAwaiting(party: Party, now: Date): Prisma.BookingRequestWhereInput {
  const negotiating: Prisma.BookingRequestWhereInput = {
    status: 'negotiating',
    offers: { some: { status: 'open', madeBy: otherSide(party.side), ...notLapsed(now) } },
  }
  const turn: Prisma.BookingRequestWhereInput =
    party.side === 'agency'
      ? {
          OR: [
            { status: 'open', startsAt: { gt: now }, ...notLapsed(now) },
            negotiating,
            { status: 'held', holds: { some: activeHold(now) } },
          ],
        }
      : negotiating
  return { AND: [actingOn(party), turn] }
}

/** Offers waiting for the party: open, in time, made by the other side. */
export function offersAwaiting(party: Party, now: Date): Prisma.BookingOfferWhereInput {
  return { status: 'open', madeBy: otherSide(party.side), ...notLapsed(now), request: actingOn(party) }
}

const activeHold = (now: Date): Prisma.BookingHoldWhereInput => ({
  status: 'active',
  expiresAt: { gt: now },
  OR: [{ challengeDeadline: null }, { challengeDeadline: { gt: now } }],
})

/** Holds waiting for the party: an active hold is the agency's to confirm (the promoter waits for it). */
export function holdsAwaiting(party: Party, now: Date): Prisma.BookingHoldWhereInput {
  return party.side === 'agency' ? { ...activeHold(now), request: actingOn(party) } : { id: { in: [] } }
}

/** `awaitingMe` as a condition: true keeps what awaits the party, false the rest, absent everything. */
export const awaiting = <W extends object>(flag: boolean | undefined, awaits: W): W | { NOT: W } | object =>
  flag === undefined ? {} : flag ? awaits : { NOT: awaits }
