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

/** What `fill` does with a schema, read once per schema object (answers walk the same schemas on every request). */
interface Plan {
  ref?: string
  allOf: JsonSchema[]
  items?: JsonSchema
  /** Money fields: [field, the amount field it shows]. */
  money: [string, string][]
  /** Properties whose schema may hold Money fields further down (leaves, such as strings and numbers, cannot). */
  nested: [string, JsonSchema][]
}

const plans = new WeakMap<JsonSchema, Plan>()

const mayHoldMoney = (s: JsonSchema) => s.$ref !== undefined || s.allOf !== undefined || s.items !== undefined || s.properties !== undefined

function planOf(schema: JsonSchema): Plan {
  let plan = plans.get(schema)
  if (!plan) {
    const properties = Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {})
    plan = {
      ref: typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined,
      allOf: (schema.allOf as JsonSchema[] | undefined) ?? [],
      items: schema.items as JsonSchema | undefined,
      money: properties.flatMap(([name, p]) => (typeof p['x-money-of'] === 'string' ? [[name, p['x-money-of']] as [string, string]] : [])),
      nested: properties.filter(([, p]) => typeof p['x-money-of'] !== 'string' && mayHoldMoney(p)),
    }
    plans.set(schema, plan)
  }
  return plan
}

function fill(schema: JsonSchema | undefined, data: unknown, components: Components, currency: unknown): void {
  // A fragment carries its Money fields already (src/rest/json.ts).
  if (!schema || data === null || data === undefined || data instanceof JsonFragment) return
  const plan = planOf(schema)
  if (plan.ref !== undefined) return fill(components[plan.ref], data, components, currency)
  for (const part of plan.allOf) fill(part, data, components, currency)
  if (Array.isArray(data)) {
    for (const item of data) fill(plan.items, item, components, currency)
    return
  }
  if (!isRecord(data)) return
  const own = typeof data.currency === 'string' ? data.currency : currency
  for (const [name, amountOf] of plan.money) data[name] = money(data[amountOf] as bigint | number | null, own as string | null)
  for (const [name, property] of plan.nested) if (name in data) fill(property, data[name], components, own)
}

/** Fills the Money fields `schema` declares into `data` (in place: answers are built per request). */
export function fillMoney(schema: JsonSchema | undefined, data: unknown, components: Components): unknown {
  fill(schema, data, components, null)
  return data
}
