// Calendar dates (fields named *On: startsOn, endsOn...) are stored as PostgreSQL `date` and travel as
// YYYY-MM-DD; instants (fields named *At) are timestamps. Days are UTC days.
const DAY = 86_400_000

export function today(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
}

/** A YYYY-MM-DD string (already validated by z.iso.date()) as the Date Prisma stores in a date column. */
export const dayOf = (isoDate: string): Date => new Date(`${isoDate}T00:00:00.000Z`)

export const addDays = (day: Date, days: number): Date => new Date(day.getTime() + days * DAY)

export const formatDay = (day: Date): string => day.toISOString().slice(0, 10)

export const maxDay = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b)
