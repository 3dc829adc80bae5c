// JSON Schemas for the OpenAPI document, derived from what the code already declares: request shapes
// from the zod schemas services validate with, response shapes from the Prisma datamodel.
import { z } from 'zod'
import { MONEY_AMOUNTS, moneyFieldOf } from '../money.ts'
import { DATABASE_ONLY_FIELDS } from '../db/model-columns.ts'
import { getDatamodel } from '../generated/pothos-types.ts'
import * as Enums from '../generated/prisma/enums.ts'

export type JsonSchema = Record<string, unknown>

/** A zod schema as an OpenAPI 3.0 JSON Schema (the request side of it). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'any',
    override: (ctx) => {
      type Def = { type: string; in?: { _zod: { def: Def } }; out?: { _zod: { def: Def } } }
      const def = (ctx.zodSchema as unknown as { _zod: { def: Def } })._zod.def
      // An instant is a date, or a string preprocessed into one (src/dates.ts Instant).
      const instant =
        def.type === 'date' || (def.type === 'pipe' && def.in?._zod.def.type === 'transform' && def.out?._zod.def.type === 'date')
      if (instant) {
        ctx.jsonSchema.type = 'string'
        ctx.jsonSchema.format = 'date-time'
      }
    },
  }) as JsonSchema
  delete json.$schema
  return json
}

const SCALARS: Record<string, JsonSchema> = {
  String: { type: 'string' },
  Int: { type: 'integer' },
  BigInt: { type: 'string', format: 'int64' },
  Float: { type: 'number' },
  Decimal: { type: 'string', format: 'decimal' },
  Boolean: { type: 'boolean' },
  DateTime: { type: 'string', format: 'date-time' },
  Json: {},
  Bytes: { type: 'string', format: 'byte' },
}

/** The Money shape (src/money.ts), the same object GraphQL's Money type sends. */
export const MoneySchema: JsonSchema = {
  type: 'object',
  description: 'An amount of money: integer minor units of an ISO 4217 currency (cents), and how many of its digits are decimals',
  properties: {
    amount: { type: 'integer', description: 'In minor units of the currency; at most 2^53 − 1' },
    currency: { type: 'string', description: 'ISO 4217 code' },
    decimals: { type: 'integer', description: 'Minor-unit digits of the currency: 2 for EUR, 0 for JPY, 3 for BHD' },
  },
  required: ['amount', 'currency', 'decimals'],
}

/** The Money property shown beside the stored amount `amount` (filled by src/rest/money-fields.ts). */
export const moneyProperty = (amount: string, nullable = true): JsonSchema => ({
  ...(nullable ? { allOf: [{ $ref: '#/components/schemas/Money' }], nullable: true } : { $ref: '#/components/schemas/Money' }),
  description: `\`${amount}\` as Money`,
  'x-money-of': amount,
})

const enumValues = Enums as unknown as Record<string, Record<string, string>>

/** Every Prisma model's scalar fields as an OpenAPI component schema, keyed by model name. */
export function modelComponents(): Record<string, JsonSchema> {
  const { datamodel } = getDatamodel()
  return Object.fromEntries(
    Object.entries(datamodel.models).map(([name, model]) => {
      const properties: Record<string, JsonSchema> = {}
      const required: string[] = []
      for (const field of model.fields) {
        if (field.kind === 'object' || DATABASE_ONLY_FIELDS.has(field.name)) continue
        let schema: JsonSchema =
          field.kind === 'enum' ? { type: 'string', enum: Object.values(enumValues[field.type] ?? {}) } : { ...SCALARS[field.type] }
        // Calendar dates are named *On (see src/dates.ts).
        if (field.type === 'DateTime' && field.name.endsWith('On')) schema.format = 'date'
        if (field.isList) schema = { type: 'array', items: schema }
        if (!field.isRequired) schema.nullable = true
        properties[field.name] = schema
        required.push(field.name)
        if (field.type === 'BigInt' && MONEY_AMOUNTS.has(field.name)) {
          properties[moneyFieldOf(field.name)] = moneyProperty(field.name)
          required.push(moneyFieldOf(field.name))
        }
      }
      return [name, { type: 'object', properties, required }]
    }),
  )
}

type Include = { [relation: string]: boolean | { include?: Include; [k: string]: unknown } | undefined }

/**
 * The JSON Schema of a REST view: a model plus the relations its Prisma `include` loads, read from the
 * datamodel, e.g. viewSchema('Artist', { profile: true, genres: { include: { genre: true } } }).
 * `shownWith` names the rule a caller needs to see the relations: without it they are left out.
 */
export function viewSchema(model: string, include: Include = {}, shownWith?: string): JsonSchema {
  const ref = { $ref: `#/components/schemas/${model}` }
  const relations = Object.entries(include).filter(([, v]) => v)
  if (relations.length === 0) return ref
  const fields = getDatamodel().datamodel.models[model]?.fields ?? []
  const properties = Object.fromEntries(
    relations.map(([name, spec]) => {
      const field = fields.find((f) => f.name === name && f.kind === 'object')
      if (!field) throw new Error(`${model} has no relation ${name}`)
      const inner = viewSchema(field.type, typeof spec === 'object' ? (spec.include ?? {}) : {})
      if (field.isList) return [name, { type: 'array', items: inner }]
      return [name, field.isRequired ? inner : { allOf: [inner], nullable: true }]
    }),
  )
  if (shownWith) {
    return {
      allOf: [ref, { type: 'object', properties, description: `${Object.keys(properties).join(', ')}: for callers with \`${shownWith}\`` }],
    }
  }
  return { allOf: [ref, { type: 'object', properties, required: relations.map(([r]) => r) }] }
}
