import { SEARCH_COLUMN } from '../search.ts'

// How REST answers become JSON (sent, and stored for Idempotency-Key replays): calendar-date fields (named
// *On: startsOn, endsOn...) as YYYY-MM-DD rather than midnight instants, and amounts read from bigint
// columns as JSON numbers (validation keeps them within Number.MAX_SAFE_INTEGER, see src/money.ts).
function replacer(key: string, value: unknown) {
  if (typeof value === 'bigint') return Number(value)
  // The folded search column (src/search.ts) is the database's, not part of any answer.
  if (key === SEARCH_COLUMN) return undefined
  return typeof value === 'string' && key.endsWith('On') && value.endsWith('T00:00:00.000Z') ? value.slice(0, 10) : value
}

export const toJson = (value: unknown): string => JSON.stringify(value, replacer)
