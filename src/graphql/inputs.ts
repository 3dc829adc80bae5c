// GraphQL input and enum types derived from what the domain already declares: input objects from the
// zod schemas services validate with, enums from Prisma's enums. No hand-kept copy of an input's shape.
import type { InputObjectRef } from '@pothos/core'
import type { z } from 'zod'
import { builder } from './builder.ts'

type Schemas = typeof builder.$inferSchemaTypes

const enumsByValues = new Map<string, ReturnType<typeof builder.enumType>>()
const valuesKey = (values: readonly string[]) => [...values].sort().join('|')

/**
 * A GraphQL enum over a Prisma enum: lowercase values inside (as stored and as the REST contract speaks
 * them), conventional UPPER_CASE names in GraphQL.
 */
export function graphqlEnum<E extends Record<string, string>>(name: string, values: E, description?: string) {
  const upperCased = Object.fromEntries((Object.values(values) as string[]).map((v) => [v.toUpperCase(), { value: v }]))
  const ref = builder.enumType(name as string, {
    description,
    values: upperCased as Record<string, { value: E[keyof E] }>,
  })
  enumsByValues.set(valuesKey(Object.values(values) as string[]), ref as never)
  return ref
}

type ZodDef = {
  type: string
  innerType?: ZodAny
  in?: ZodAny
  out?: ZodAny
  element?: ZodAny
  entries?: Record<string, string>
  shape?: Record<string, ZodAny>
}
type ZodAny = {
  _zod: { def: ZodDef }
  description?: string
  format?: string | null
  maxValue?: number | null
  minValue?: number | null
  shape?: Record<string, ZodAny>
}

const INT32_MAX = 2_147_483_647

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'])

function unwrap(schema: ZodAny): { inner: ZodAny; optional: boolean; description?: string } {
  let inner = schema
  let optional = false
  // The outermost description wins: a field's own text over its reused type's (a partial() wraps the field).
  let description = schema.description
  for (;;) {
    description ??= inner.description
    const def = inner._zod.def
    if (WRAPPERS.has(def.type) && def.innerType) {
      if (def.type !== 'nonoptional') optional = true
      inner = def.innerType
    } else if (def.type === 'pipe' && def.in) {
      // A preprocessed schema (z.preprocess: a transform piped into the type) takes the type it ends in.
      inner = def.in._zod.def.type === 'transform' && def.out ? def.out : def.in
    } else return { inner, optional, description }
  }
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

function graphqlTypeOf(schema: ZodAny, typeName: string): unknown {
  const def = schema._zod.def
  switch (def.type) {
    case 'string':
      // A calendar day (src/dates.ts Day) is the Date scalar on every input, as on every output.
      return schema.format === 'uuid' ? 'ID' : schema.format === 'date' ? 'Date' : 'String'
    case 'number': {
      if (!schema.format || !/int/.test(schema.format)) return 'Float'
      // GraphQL's Int is 32-bit: an integer allowed past it (an amount in minor units) is a SafeInt.
      const wide = (schema.maxValue ?? Infinity) > INT32_MAX || (schema.minValue ?? -Infinity) < -INT32_MAX - 1
      return wide ? 'SafeInt' : 'Int'
    }
    case 'boolean':
      return 'Boolean'
    case 'date':
      return 'DateTime'
    case 'enum': {
      const ref = enumsByValues.get(valuesKey(Object.values(def.entries ?? {})))
      if (!ref) throw new Error(`${typeName}: no GraphQL enum registered for values ${Object.values(def.entries ?? {}).join(', ')}`)
      return ref
    }
    case 'array': {
      const item = unwrap(def.element!)
      return { list: graphqlTypeOf(item.inner, typeName), itemsRequired: !item.optional }
    }
    case 'object':
      return inputFromZod(typeName, schema as unknown as z.ZodObject)
    default:
      throw new Error(`${typeName}: zod type "${def.type}" has no GraphQL input mapping`)
  }
}

// One GraphQL input type per zod schema object: a schema nested in several inputs is declared once.
const inputsBySchema = new Map<object, unknown>()

/**
 * An input object type with the fields (types, optionality, descriptions) of a zod object schema.
 * Nested objects become input types of their own, named after their parent unless declared first.
 */
export function inputFromZod<S extends z.ZodObject>(name: string, schema: S, description?: string): InputObjectRef<Schemas, z.input<S>> {
  const existing = inputsBySchema.get(schema)
  if (existing) return existing as InputObjectRef<Schemas, z.input<S>>
  const shape = (schema as unknown as ZodAny).shape ?? {}
  const ref = builder.inputType(name, {
    description: description ?? (schema as unknown as ZodAny).description,
    fields: (t) =>
      Object.fromEntries(
        Object.entries(shape).map(([key, field]) => {
          const { inner, optional, description: fieldDescription } = unwrap(field)
          const type = graphqlTypeOf(inner, `${name}${pascal(key)}`)
          if (typeof type === 'object' && type !== null && 'list' in type) {
            const list = type as { list: unknown; itemsRequired: boolean }
            return [
              key,
              t.field({
                type: [list.list] as never,
                required: { list: !optional, items: list.itemsRequired } as never,
                description: fieldDescription,
              }),
            ]
          }
          return [key, t.field({ type: type as never, required: !optional, description: fieldDescription })]
        }),
      ),
  })
  inputsBySchema.set(schema, ref)
  return ref as unknown as InputObjectRef<Schemas, z.input<S>>
}
