import { randomUUID } from 'node:crypto'
import { DATABASE_ONLY_FIELDS } from '../db/model-columns.ts'

// How REST answers become JSON (sent, and stored for Idempotency-Key replays): calendar-date fields (named
// *On: startsOn, endsOn...) as YYYY-MM-DD rather than midnight instants, and amounts read from bigint
// columns as JSON numbers (validation keeps them within Number.MAX_SAFE_INTEGER, see src/money.ts).
function replacer(key: string, value: unknown) {
  if (typeof value === 'bigint') return Number(value)
  // The database's own fields (src/db/model-columns.ts) are not part of any answer.
  if (DATABASE_ONLY_FIELDS.has(key)) return undefined
  return typeof value === 'string' && key.endsWith('On') && value.endsWith('T00:00:00.000Z') ? value.slice(0, 10) : value
}

/**
 * JSON text already in the REST encoding (dates, amounts and Money fields as this file and money-fields.ts
 * write them), e.g. a page PostgreSQL built as JSON: placed anywhere in an answer, it is sent as it is,
 * never parsed, walked for Money fields or encoded again. Whoever builds one answers for its encoding (and
 * tests it against the records path's answer).
 */
export class JsonFragment {
  constructor(readonly text: string) {}
}

// A fragment stands in the encoded answer as this string and its number, then is put in its place. The nonce
// is the process's own: no value a client sends or stores can name it (and PostgreSQL text holds no NUL).
const MARK = `\u0000${randomUUID()}:`
const MARKED = new RegExp(`"${JSON.stringify(MARK).slice(1, -1).replace(/\\/g, '\\\\')}(\\d+)"`, 'g')

export function toJson(value: unknown): string {
  let fragments: string[] | undefined
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (!(v instanceof JsonFragment)) return replacer(key, v)
    ;(fragments ??= []).push(v.text)
    return `${MARK}${fragments.length - 1}`
  })
  return fragments ? text.replace(MARKED, (_, i: string) => fragments![Number(i)]!) : text
}
