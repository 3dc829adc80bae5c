// Records built as JSON by PostgreSQL, for the list statements written by hand (a directory page with its
// relations and its count in one statement). Such a record must read exactly as the Prisma record the REST
// face serializes: every scalar field of the model under its field name, instants as Date.toJSON writes
// them (UTC, milliseconds, `Z`), bigints as numbers, the folded search column never. The fields come from
// the generated datamodel, so a column added to the schema shows in both at once.
import { Prisma } from '../generated/prisma/client.ts'
import { getDatamodel } from '../generated/pothos-types.ts'
import { SEARCH_COLUMN } from '../search.ts'

type ModelName = Prisma.ModelName

/** The schema maps every field to its snake_case column (prisma/schema.prisma's convention). */
const column = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

const pairsByModel = new Map<string, string>()

function pairsOf(model: ModelName, alias: string): string {
  const key = `${model} ${alias}`
  let pairs = pairsByModel.get(key)
  if (pairs === undefined) {
    const fields = getDatamodel().datamodel.models[model]?.fields ?? []
    pairs = fields
      .filter((f) => f.kind !== 'object' && f.name !== SEARCH_COLUMN)
      .map((f) => {
        const value = `${alias}.${column(f.name)}`
        return `'${f.name}', ${f.type === 'DateTime' ? `to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : value}`
      })
      .join(', ')
    pairsByModel.set(key, pairs)
  }
  return pairs
}

/**
 * `json_build_object` of the row `alias` of `model`, with `relations` (name → a JSON-valued SQL expression)
 * after its own fields, in the order Prisma puts included relations.
 */
export function recordJson(model: ModelName, alias: string, relations: Record<string, string> = {}): string {
  const nested = Object.entries(relations).map(([name, sql]) => `'${name}', ${sql}`)
  return `json_build_object(${[pairsOf(model, alias), ...nested].join(', ')})`
}

/** A JSON array of `item` over `from` (`[]` when no row matches), in `order`. */
export const jsonArray = (item: string, from: string, order: string) =>
  `coalesce((SELECT json_agg(${item} ORDER BY ${order}) ${from}), '[]')`

/** The record of the row `from` finds, or null. */
export const jsonRecord = (item: string, from: string) => `(SELECT ${item} ${from})`
