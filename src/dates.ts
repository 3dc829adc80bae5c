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

/**
 * ISO 8601 date-time with its time zone (`Z` or an offset). Without one the instant is ambiguous: a local
 * "2027-01-12 20:00" would silently be read as UTC, so it is refused rather than guessed.
 */
const ZONED_DATE_TIME = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i
export const NEEDS_ZONE = 'must be an ISO 8601 date-time with a time zone (e.g. 2027-01-12T20:00:00Z or 2027-01-12T20:00:00+01:00)'

/** The instant a zoned ISO 8601 string names, or null when it has no zone or names no real time. */
export function parseZonedInstant(value: string): Date | null {
  const d = ZONED_DATE_TIME.test(value) ? new Date(value) : null
  return d && !Number.isNaN(d.getTime()) ? d : null
}

/** An instant inside the supported range: a zoned ISO 8601 string (REST), or the Date GraphQL's scalar parsed. */
export const Instant = z.preprocess(
  (v) => (typeof v === 'string' ? (parseZonedInstant(v) ?? v) : v),
  z.date({ error: NEEDS_ZONE }).min(EARLIEST, OUT_OF_RANGE).max(LATEST, OUT_OF_RANGE),
)

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
