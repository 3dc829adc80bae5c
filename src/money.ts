// Money in the API: integer minor units (cents) of an ISO 4217 currency, stored in PostgreSQL integers.
import { z } from 'zod'

export const Currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code')
  .transform((c) => c.toUpperCase())

/** An amount in minor units of its currency (cents); bounded by the integer column that stores it. */
export const MinorUnits = z.number().int().min(0).max(2_147_483_647).describe('In minor units of the currency (cents)')
