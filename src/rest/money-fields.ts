// REST answers carry the Money shape beside each stored amount (`fee` and `feeMoney`), wherever a response
// schema declares one (the `x-money-of` property, see modelComponents and the hand-written schemas). It is
// driven by the schema rather than by key names, so JSON kept verbatim (a handoff's hashed payload, an
// outbox event) is never touched.
import { money } from '../money.ts'
import { JsonFragment } from './json.ts'
import type { JsonSchema } from './schemas.ts'

type Components = Record<string, JsonSchema>
type Json = Record<string, unknown>

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)

function fill(schema: JsonSchema | undefined, data: unknown, components: Components, currency: unknown): void {
  // A fragment carries its Money fields already (src/rest/json.ts).
  if (!schema || data === null || data === undefined || data instanceof JsonFragment) return
  const ref = schema.$ref
  if (typeof ref === 'string') return fill(components[ref.replace('#/components/schemas/', '')], data, components, currency)
  for (const part of (schema.allOf as JsonSchema[] | undefined) ?? []) fill(part, data, components, currency)
  if (Array.isArray(data)) {
    for (const item of data) fill(schema.items as JsonSchema | undefined, item, components, currency)
    return
  }
  if (!isRecord(data)) return
  const own = typeof data.currency === 'string' ? data.currency : currency
  for (const [name, property] of Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {})) {
    const amountOf = property['x-money-of']
    if (typeof amountOf === 'string') data[name] = money(data[amountOf] as bigint | number | null, own as string | null)
    else if (name in data) fill(property, data[name], components, own)
  }
}

/** Fills the Money fields `schema` declares into `data` (in place: answers are built per request). */
export function fillMoney(schema: JsonSchema | undefined, data: unknown, components: Components): unknown {
  fill(schema, data, components, null)
  return data
}
