// What a logistics proposal says, per category: one zod schema per category, so a hotel without nights or a
// flight without legs is a 400 naming the field, on both faces. A version's hash is the SHA-256 of the parsed
// payload as canonical JSON (keys sorted), so the same proposal always hashes the same whatever the key order.
import { IANAZone } from 'luxon'
import { z } from 'zod'
import { Day, Instant } from '../../dates.ts'
import type { LogisticsCategory } from '../../generated/prisma/client.ts'
import { parseInput } from '../../validation.ts'
import { canonicalJson, sha256 } from '../finance/deal.ts'

const text = (max = 200) => z.string().trim().min(1).max(max)
const notes = z.string().trim().max(4000).optional()
const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm (24 h)')

/** An IANA time zone name the runtime knows (Intl), e.g. Europe/Madrid. */
export const TimeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((zone) => IANAZone.isValidZone(zone), 'expected an IANA time zone, e.g. Europe/Madrid')

const Hotel = z
  .object({
    hotelName: text(),
    address: text(500).optional(),
    checkInOn: Day,
    checkOutOn: Day,
    checkInTime: LocalTime.default('15:00'),
    checkOutTime: LocalTime.default('11:00'),
    nights: z.number().int().min(1).max(60),
    rooms: z
      .array(
        z.object({
          type: z.enum(['single', 'double', 'twin', 'suite', 'other']),
          count: z.number().int().min(1).max(100),
          guests: z.array(text()).max(20).optional(),
        }),
      )
      .min(1)
      .max(50),
    confirmationNumber: text(100).optional(),
    timezone: TimeZone.optional().describe("The hotel's time zone (default: the booking's city)"),
    notes,
  })
  .refine((h) => Date.parse(h.checkOutOn) - Date.parse(h.checkInOn) === h.nights * 86_400_000, {
    path: ['nights'],
    message: 'must be the number of days between checkInOn and checkOutOn',
  })

const Leg = z
  .object({
    from: text(),
    to: text(),
    departsAt: Instant,
    arrivesAt: Instant.optional(),
    timezone: TimeZone.optional().describe("The departure's time zone (default: the booking's city)"),
  })
  .refine((l) => !l.arrivesAt || l.arrivesAt >= l.departsAt, { path: ['arrivesAt'], message: 'must not be before departsAt' })

const Transport = z.object({
  legs: z
    .array(
      Leg.and(
        z.object({
          mode: z.enum(['van', 'bus', 'car', 'rail', 'ferry', 'other']),
          provider: text().optional(),
          passengers: z.array(text()).max(100).optional(),
        }),
      ),
    )
    .min(1)
    .max(50),
  notes,
})

const Flight = z.object({
  legs: z
    .array(
      Leg.and(
        z.object({
          flightNumber: z
            .string()
            .trim()
            .regex(/^[A-Z0-9]{2,3}\s?\d{1,4}[A-Z]?$/i, 'expected a flight number, e.g. IB 3170'),
          passengers: z.array(text()).min(1).max(100),
          bookingReference: text(20).optional(),
        }),
      ),
    )
    .min(1)
    .max(20),
  notes,
})

const Lines = z
  .array(z.object({ item: text(), quantity: z.number().int().min(1).max(10_000).optional(), notes }))
  .min(1)
  .max(200)

const Hospitality = z.object({ items: Lines, notes })
const Technical = z.object({ items: Lines, stagePlotRef: text(500).optional(), notes })
const Catering = z.object({
  meals: z
    .array(
      z.object({
        kind: z.enum(['breakfast', 'lunch', 'dinner', 'buyout', 'other']),
        at: Instant.optional(),
        headcount: z.number().int().min(1).max(1000),
      }),
    )
    .min(1)
    .max(50),
  dietary: z.array(text()).max(50).optional(),
  notes,
})
const GuestList = z.object({
  guests: z
    .array(z.object({ name: text(), plusOnes: z.number().int().min(0).max(10).default(0) }))
    .min(1)
    .max(500),
  notes,
})
const Other = z.object({ title: text(), description: text(4000) })

const PAYLOADS = {
  hotel: Hotel,
  hospitality: Hospitality,
  technical: Technical,
  transport: Transport,
  ground: Transport,
  flight: Flight,
  catering: Catering,
  guest_list: GuestList,
  other: Other,
} satisfies Record<LogisticsCategory, z.ZodType>

export type HotelPayload = z.output<typeof Hotel>
export type TravelPayload = z.output<typeof Transport> | z.output<typeof Flight>

/** The payload parsed by its category's schema (400 naming `payload.<field>` otherwise), as stored and hashed. */
export function parsePayload(category: LogisticsCategory, payload: unknown): Record<string, unknown> {
  const parsed = parseInput(z.object({ payload: PAYLOADS[category] }), { payload }).payload
  return JSON.parse(JSON.stringify(parsed)) as Record<string, unknown>
}

export const payloadHash = (payload: Record<string, unknown>) => sha256(canonicalJson(payload))
