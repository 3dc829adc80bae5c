// Input validation: domain services parse their inputs with zod here, so both faces get the same
// rules and the same field-level messages.
import { z } from 'zod'
import { validationError } from './errors.ts'

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw validationError(
    result.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  )
}

const Uuid = z.uuid()

/** An id argument or path parameter: a UUID, or a 400 naming the field. */
export function parseId(value: unknown, field = 'id'): string {
  const result = Uuid.safeParse(value)
  if (!result.success) throw validationError([{ field, message: 'expected a UUID' }])
  return result.data.toLowerCase()
}

export const isUuid = (value: unknown): value is string => Uuid.safeParse(value).success

/** A version or position number: PostgreSQL's integer, so that a huge one is a 400, not an overflow. */
export const VersionNumber = z.number().int().min(1).max(2_147_483_647)
