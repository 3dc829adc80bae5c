// The time every time-based rule reads (expiries, holds, idempotency leases, "today", cached access), so
// that tests set the time instead of sleeping. Carried in the request context like the database.
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }
