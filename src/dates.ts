// Calendar dates (fields named *On: startsOn, endsOn...) are stored as PostgreSQL `date` and travel as
// YYYY-MM-DD; instants (fields named *At) are timestamps. Days are UTC days.
import { z } from 'zod'

const DAY = 86_400_000

// The one supported range, for every date and instant on both faces: the years ISO 8601 writes with four
// digits. JavaScript, PostgreSQL and every client read them alike, whereas year 0, negative years and years
// past 9999 (JavaScript goes to 275760, PostgreSQL to 294276) each break one of them.
export const EARLIEST_DAY = '0001-01-01'
export const LATEST_DAY = '9999-12-31'
const EARLIEST = new Date(`${EARLIEST_DAY}T00:00:00.000Z`)
const LATEST = new Date(`${LATEST_DAY}T23:59:59.999Z`)
export const OUT_OF_RANGE = `must be between ${EARLIEST_DAY} and ${LATEST_DAY}`

export const isSupportedInstant = (d: Date): boolean => d.getTime() >= EARLIEST.getTime() && d.getTime() <= LATEST.getTime()

/** A YYYY-MM-DD string inside the supported range (four-digit years; string order is date order). */
export const isSupportedDay = (s: string): boolean => s >= EARLIEST_DAY && s <= LATEST_DAY

/** An instant (ISO 8601 date-time) inside the supported range. */
export const Instant = z.coerce.date().min(EARLIEST, OUT_OF_RANGE).max(LATEST, OUT_OF_RANGE)

/** A calendar date (YYYY-MM-DD) inside the supported range. */
export const Day = z.iso.date({ abort: true }).refine(isSupportedDay, OUT_OF_RANGE)

export function today(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
}

/** A YYYY-MM-DD string (already validated by Day) as the Date Prisma stores in a date column. */
export const dayOf = (isoDate: string): Date => new Date(`${isoDate}T00:00:00.000Z`)

export const addDays = (day: Date, days: number): Date => new Date(day.getTime() + days * DAY)

export const formatDay = (day: Date): string => day.toISOString().slice(0, 10)

export const maxDay = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b)

const localParts = new Map<string, Intl.DateTimeFormat>()

/**
 * An instant as the wall clock of an IANA time zone shows it, ISO 8601 with the zone's offset then
 * ("2031-01-12T20:00:00+01:00"), and that offset ("+01:00"). The zone must be valid (cities validate theirs).
 */
export function localTime(at: Date, timeZone: string): { iso: string; offset: string } {
  let format = localParts.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
    localParts.set(timeZone, format)
  }
  const part = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]))
  // "GMT+01:00", or "GMT" for a zero offset.
  const offset = (part.timeZoneName ?? 'GMT').replace('GMT', '') || '+00:00'
  const year = (part.year ?? '').padStart(4, '0')
  return { iso: `${year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}${offset}`, offset }
}
