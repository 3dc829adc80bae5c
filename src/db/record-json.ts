// Records built as JSON by PostgreSQL, for the list statements written by hand (a directory page with its
// relations and its count in one statement). Such a record must be the record Prisma would have returned:
// every scalar field of the model under its field name (the folded search column included, as Prisma reads
// it), instants revived as Dates and bigints as BigInts (sent as text: exact). The fields come from the
// generated datamodel, so a column added to the schema shows in both at once.
//
// The same shape also reads in the REST encoding (`restSql`): the record as the REST face sends it
// (src/rest/json.ts and money-fields.ts), so that a REST answer can carry PostgreSQL's text as it is
// (a JsonFragment) instead of parsing, reviving and encoding it again: no folded search column, instants as
// `Date.toJSON` writes them (UTC, milliseconds, `Z`), calendar dates (fields named *On, `date` columns by
// the schema's convention) as YYYY-MM-DD, bigints as numbers, and the Money beside each amount
// (`feeMin` → `feeMinMoney`) in the record's own currency. A DateTime field not named *On is read as a
// timestamptz (the schema's `date` columns so named, e.g. a month, are not served here).
import type { Prisma } from '../generated/prisma/client.ts'
import { currencyDecimals, MONEY_AMOUNTS, moneyFieldOf } from '../money.ts'
import { DATABASE_ONLY_FIELDS, modelColumns, type ModelColumn } from './model-columns.ts'

export type JsonRecord = Record<string, unknown>

/** A JSON-valued SQL expression, and how to turn its parsed value into Prisma's record (in place). */
export interface JsonShape {
  sql: string
  /** The same value in the REST encoding (see above): text to send as it is, never revived. */
  readonly restSql: string
  revive(value: unknown): unknown
  /**
   * The record as Prisma reads it for `arg`, a relation's argument in a select: with a `select`, the
   * scalars and relations it names (each relation narrowed by its own argument); with an `include` (or
   * none), every scalar and the relations it names; for `true`, every scalar alone. Null when it names a
   * field this shape cannot read (a relation it does not carry), which the caller leaves to Prisma.
   */
  narrow(arg: RelationArg): JsonShape | null
  /**
   * A record's JSON over a set of its rows (`parents`, a FROM item that names them as the record's alias):
   * each relation that can (ofSet) read once for the whole set, row by row else. Only records have it.
   */
  readonly joined?: (encoding: Encoding, parents: string) => JoinedJson
  /** This relation of every row of `parents` read at once, `name` free for a CTE (see joined); absent when it reads row by row only. */
  readonly ofSet?: (encoding: Encoding, name: string, parents: string) => SetRelation
}

/** The JSON as Prisma's record (`sql`) or in the REST encoding (`restSql`). */
export type Encoding = 'sql' | 'restSql'

/** A relation read for a set of rows: a join (on a CTE when `with` is given) and its value's SQL over it. */
interface SetRelation {
  with?: string
  join: string
  sql: string
}

/** A record over a set of rows (JsonShape.joined): its CTEs, the joins after `parents`, and its JSON's SQL. */
export interface JoinedJson {
  with: string[]
  joins: string
  sql: string
}

/**
 * Where a relation's rows are: `from` (one table for a record, tables for a list) where `key` equals `parent`,
 * a column of the row it belongs to. Such a relation also reads for a set of rows at once (JsonShape.ofSet):
 * in a statement of many rows one subquery per row and relation costs more than the reads themselves (the
 * availability search's hits: 12% of the statement's backend CPU at twenty artists).
 */
export interface RelationRows {
  from: string
  key: string
  parent: string
}

/** What a Prisma select or include says of one relation: `true`, or its arguments with a `select` or an `include`. */
export type RelationArg = true | { select?: Record<string, unknown>; include?: Record<string, unknown> }

/**
 * ISO 4217 codes whose minor unit is not 2 digits, as the runtime's ICU data says (src/money.ts
 * currencyDecimals): the ones it lists, and the withdrawn codes it still knows. test/availability-views.test.ts
 * holds this to currencyDecimals for every three-letter code.
 */
const WITHDRAWN_CURRENCIES = ['ADP', 'BYR', 'CLF', 'ESP', 'ITL', 'LUF', 'MGF', 'MRO', 'STD', 'TMM', 'TRL', 'UYI', 'UYW', 'ZMK', 'ZWD']
let exceptions: Map<number, string[]> | undefined
/** The SQL of currencyDecimals(`currency`): 2 unless the currency is one of the exceptions. */
export function decimalsSql(currency: string): string {
  exceptions ??= [...new Set([...Intl.supportedValuesOf('currency'), ...WITHDRAWN_CURRENCIES])].reduce((byDecimals, code) => {
    const decimals = currencyDecimals(code)
    if (decimals !== 2) byDecimals.set(decimals, [...(byDecimals.get(decimals) ?? []), code])
    return byDecimals
  }, new Map<number, string[]>())
  // upper(): the records path reads a code through Intl, which ignores case. One list per number of decimals,
  // not a WHEN per code: PostgreSQL looks a code up in a long IN list by hash, where a CASE compares it with
  // each code in turn (the hits statement of a search evaluates this for every amount of its windows).
  const whens = [...exceptions].map(
    ([decimals, codes]) => `WHEN upper(${currency}) IN (${codes.map((c) => `'${c}'`).join(', ')}) THEN ${decimals}`,
  )
  return `CASE ${whens.join(' ')} ELSE 2 END`
}

/** A scalar of the row `alias` in the REST encoding. */
function restScalar(f: ModelColumn, alias: string): string {
  const value = `${alias}.${f.column}`
  if (f.type !== 'DateTime' || f.name.endsWith('On')) return value
  return `to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

/** The Money of the amount `f` in the row's own currency (money(): null without an amount or a currency). */
function restMoney(model: string, f: ModelColumn, alias: string, scalars: ModelColumn[]): string {
  const currency = scalars.find((s) => s.name === 'currency')
  if (!currency) throw new Error(`${model}.${f.name}: the REST encoding shows Money only in the record's own currency`)
  const [amount, code] = [`${alias}.${f.column}`, `${alias}.${currency.column}`]
  return `CASE WHEN ${amount} IS NOT NULL AND ${code} <> '' THEN json_build_object('amount', ${amount}, 'currency', ${code}, 'decimals', ${decimalsSql(code)}) END`
}

const NARROWED_SHAPES = 256

/**
 * `json_build_object` of the row `alias` of `model`, with `relations` after its own fields (Prisma's order);
 * `only` keeps those of its scalars (a select's).
 */
export function recordJson(
  model: Prisma.ModelName,
  alias: string,
  relations: Record<string, JsonShape> = {},
  only?: ReadonlySet<string>,
): JsonShape {
  const scalars = only ? modelColumns(model).filter((f) => only.has(f.name)) : modelColumns(model)
  const all = modelColumns(model)
  const pairs = scalars.map((f) => `'${f.name}', ${alias}.${f.column}${f.type === 'BigInt' ? '::text' : ''}`)
  const nested = Object.entries(relations)
  const dates = scalars.filter((f) => f.type === 'DateTime').map((f) => f.name)
  const bigints = scalars.filter((f) => f.type === 'BigInt').map((f) => f.name)
  // One shape per argument, built once: the selection planned for a GraphQL document repeats per request.
  // Bounded: the selections clients may write are many.
  const shapes = new Map<string, JsonShape | null>()
  let restSql: string | undefined
  const json = (encoding: Encoding, relation: (name: string, shape: JsonShape) => string) =>
    encoding === 'sql'
      ? `json_build_object(${[...pairs, ...nested.map(([name, shape]) => `'${name}', ${relation(name, shape)}`)].join(', ')})`
      : `json_build_object(${[
          ...scalars.filter((f) => !DATABASE_ONLY_FIELDS.has(f.name)).map((f) => `'${f.name}', ${restScalar(f, alias)}`),
          ...nested.map(([name, shape]) => `'${name}', ${relation(name, shape)}`),
          // money-fields.ts adds them after the record's fields and relations.
          ...scalars
            .filter((f) => f.type === 'BigInt' && MONEY_AMOUNTS.has(f.name))
            .map((f) => `'${moneyFieldOf(f.name)}', ${restMoney(model, f, alias, scalars)}`),
        ].join(', ')})`
  return {
    sql: json('sql', (_, shape) => shape.sql),
    // Built on first use: most shapes never answer REST as text.
    get restSql() {
      return (restSql ??= json('restSql', (_, shape) => shape.restSql))
    },
    joined(encoding, parents) {
      const read = new Map<string, SetRelation>()
      for (const [name, shape] of nested) if (shape.ofSet) read.set(name, shape.ofSet(encoding, `${alias}_${name}`, parents))
      const relations = [...read.values()]
      return {
        with: relations.flatMap((r) => (r.with ? [r.with] : [])),
        joins: relations.map((r) => r.join).join(' '),
        sql: json(encoding, (name, shape) => read.get(name)?.sql ?? shape[encoding]),
      }
    },
    revive(value) {
      if (value === null) return null
      const record = value as JsonRecord
      for (const name of dates) if (typeof record[name] === 'string') record[name] = new Date(record[name])
      for (const name of bigints) if (typeof record[name] === 'string') record[name] = BigInt(record[name])
      for (const [name, shape] of nested) record[name] = shape.revive(record[name])
      return record
    },
    narrow: (arg) => narrowed(arg),
  }

  function narrowed(arg: RelationArg): JsonShape | null {
    const key = JSON.stringify(arg)
    let shape = shapes.get(key)
    if (shape === undefined) {
      if (shapes.size >= NARROWED_SHAPES) shapes.clear()
      shapes.set(key, (shape = build(arg)))
    }
    return shape
  }
  function build(arg: RelationArg): JsonShape | null {
    const named = arg === true ? {} : (arg.select ?? arg.include ?? {})
    const only = new Set(arg !== true && arg.select ? [] : all.map((f) => f.name))
    const picked: Record<string, JsonShape> = {}
    for (const [name, value] of Object.entries(named)) {
      if (!value) continue
      const relation = relations[name]
      if (relation) {
        const shape = relation.narrow(value as RelationArg)
        if (!shape) return null
        picked[name] = shape
      } else if (all.some((f) => f.name === name)) only.add(name)
      else return null
    }
    return recordJson(model, alias, picked, only)
  }
}

/** The correlated FROM of `rows` on the row it belongs to (a FROM clause as it is, for a relation read row by row only). */
const rowsOf = (rows: string | RelationRows) => (typeof rows === 'string' ? rows : `FROM ${rows.from} WHERE ${rows.key} = ${rows.parent}`)

/** The record of the row `rows` finds, or null. */
export const jsonRecord = (shape: JsonShape, rows: string | RelationRows): JsonShape => ({
  sql: `(SELECT ${shape.sql} ${rowsOf(rows)})`,
  get restSql() {
    return `(SELECT ${shape.restSql} ${rowsOf(rows)})`
  },
  revive: shape.revive,
  narrow: (arg) => {
    const narrowed = shape.narrow(arg)
    return narrowed && jsonRecord(narrowed, rows)
  },
  // Its key is unique (a to-one), so a join finds at most the row the subquery does; `key` is null only without it.
  ...(typeof rows !== 'string' && {
    ofSet: (encoding: Encoding) => ({
      join: `LEFT JOIN ${rows.from} ON ${rows.key} = ${rows.parent}`,
      sql: `CASE WHEN ${rows.key} IS NOT NULL THEN ${shape[encoding]} END`,
    }),
  }),
})

/** A JSON array of `shape` over `rows` (`[]` when no row matches), in `order`. */
export const jsonArray = (shape: JsonShape, rows: string | RelationRows, order: string): JsonShape => ({
  sql: `coalesce((SELECT json_agg(${shape.sql} ORDER BY ${order}) ${rowsOf(rows)}), '[]')`,
  get restSql() {
    return `coalesce((SELECT json_agg(${shape.restSql} ORDER BY ${order}) ${rowsOf(rows)}), '[]')`
  },
  revive: (value) => (value as unknown[]).map((item) => shape.revive(item)),
  narrow: (arg) => {
    const narrowed = shape.narrow(arg)
    return narrowed && jsonArray(narrowed, rows, order)
  },
  // The lists of all the set's rows in one grouped read, joined by key: one aggregate for the set, not one per row.
  ...(typeof rows !== 'string' && {
    ofSet: (encoding: Encoding, name: string, parents: string) => ({
      with: `${name} AS (SELECT ${rows.key} AS k, json_agg(${shape[encoding]} ORDER BY ${order}) AS j FROM ${rows.from}
                WHERE ${rows.key} IN (SELECT ${rows.parent} FROM ${parents}) GROUP BY ${rows.key})`,
      join: `LEFT JOIN ${name} ON ${name}.k = ${rows.parent}`,
      sql: `coalesce(${name}.j, '[]')`,
    }),
  }),
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
