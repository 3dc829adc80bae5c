// Money in the API: integer minor units (cents) of an ISO 4217 currency. Amounts are stored in PostgreSQL
// bigint columns and travel, on both faces, as JSON numbers of at most Number.MAX_SAFE_INTEGER (2^53 − 1,
// about 90 trillion in a currency's major unit): past 2^31 a festival or tour fee in cents is real, and past
// 2^53 JSON parsers, JavaScript's among them, silently round. GraphQL calls that integer SafeInt
// (graphql-scalars), the one amount scalar a Money { amount, currency, decimals } type can build on.
import { z } from 'zod'

export const Currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code')
  .transform((c) => c.toUpperCase())

/** An amount in minor units of its currency (cents), exact in every JSON parser. */
export const MinorUnits = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('In minor units of the currency (cents)')
