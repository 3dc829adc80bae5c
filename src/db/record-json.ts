// Records built as JSON by PostgreSQL, for the list statements written by hand (a directory page with its
// relations and its count in one statement). Such a record must be the record Prisma would have returned:
// every scalar field of the model under its field name (the folded search column included, as Prisma reads
// it), instants revived as Dates and bigints as BigInts (sent as text: exact). The fields come from the
// generated datamodel, so a column added to the schema shows in both at once.
import type { Prisma } from '../generated/prisma/client.ts'
import { modelColumns } from './model-columns.ts'

export type JsonRecord = Record<string, unknown>

/** A JSON-valued SQL expression, and how to turn its parsed value into Prisma's record (in place). */
export interface JsonShape {
  sql: string
  revive(value: unknown): unknown
}

/** `json_build_object` of the row `alias` of `model`, with `relations` after its own fields (Prisma's order). */
export function recordJson(model: Prisma.ModelName, alias: string, relations: Record<string, JsonShape> = {}): JsonShape {
  const scalars = modelColumns(model)
  const pairs = scalars.map((f) => `'${f.name}', ${alias}.${f.column}${f.type === 'BigInt' ? '::text' : ''}`)
  const nested = Object.entries(relations)
  const dates = scalars.filter((f) => f.type === 'DateTime').map((f) => f.name)
  const bigints = scalars.filter((f) => f.type === 'BigInt').map((f) => f.name)
  return {
    sql: `json_build_object(${[...pairs, ...nested.map(([name, shape]) => `'${name}', ${shape.sql}`)].join(', ')})`,
    revive(value) {
      if (value === null) return null
      const record = value as JsonRecord
      for (const name of dates) if (typeof record[name] === 'string') record[name] = new Date(record[name])
      for (const name of bigints) if (typeof record[name] === 'string') record[name] = BigInt(record[name])
      for (const [name, shape] of nested) record[name] = shape.revive(record[name])
      return record
    },
  }
}

/** The record of the row `from` finds, or null. */
export const jsonRecord = (shape: JsonShape, from: string): JsonShape => ({ sql: `(SELECT ${shape.sql} ${from})`, revive: shape.revive })

/** A JSON array of `shape` over `from` (`[]` when no row matches), in `order`. */
export const jsonArray = (shape: JsonShape, from: string, order: string): JsonShape => ({
  sql: `coalesce((SELECT json_agg(${shape.sql} ORDER BY ${order}) ${from}), '[]')`,
  revive: (value) => (value as unknown[]).map((item) => shape.revive(item)),
})

/**
 * A view's records (`model` with `relations`), built with only the relations a selection includes: what
 * Prisma would return for that include, without building and parsing the others. One shape per set of
 * relations, built once.
 */
export function viewJson(model: Prisma.ModelName, alias: string, relations: Record<string, JsonShape>) {
  const shapes = new Map<string, JsonShape>()
  return (include: object = {}): JsonShape => {
    const names = Object.keys(relations).filter((name) => name in include)
    const key = names.join(' ')
    let shape = shapes.get(key)
    if (!shape) shapes.set(key, (shape = recordJson(model, alias, Object.fromEntries(names.map((name) => [name, relations[name]!])))))
    return shape
  }
}
