// Money in the API: integer minor units (cents) of an ISO 4217 currency. Amounts are stored in PostgreSQL
// bigint columns and travel, on both faces, as JSON numbers of at most Number.MAX_SAFE_INTEGER (2^53 − 1,
// about 90 trillion in a currency's major unit): past 2^31 a festival or tour fee in cents is real, and past
// 2^53 JSON parsers, JavaScript's among them, silently round. GraphQL calls that integer SafeInt
// (graphql-scalars), the one amount scalar a Money { amount, currency, decimals } type can build on.
import { z } from 'zod'
import type { FieldIssue } from './errors.ts'

export const Currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code')
  .transform((c) => c.toUpperCase())

/** An amount in minor units of its currency (cents), exact in every JSON parser. */
export const MinorUnits = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('In minor units of the currency (cents)')

/** Money as both faces show it: the amount in minor units, its currency, and how many of its digits are decimals. */
export interface Money {
  amount: number
  currency: string
  decimals: number
}

// Asked once per currency: building a NumberFormat costs tens of µs, and a page of 20 cards shows 40 Money.
const decimalsOf = new Map<string, number>()

/** ISO 4217 minor-unit digits (EUR 2, JPY 0, BHD 3), from the runtime's ICU data rather than a hand-kept table. */
export function currencyDecimals(currency: string): number {
  let decimals = decimalsOf.get(currency)
  if (decimals === undefined) {
    try {
      decimals = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    } catch {
      decimals = 2
    }
    decimalsOf.set(currency, decimals)
  }
  return decimals
}

/** The Money shape of a stored amount (a bigint column or a number); null when there is no amount. */
export function money(amount: bigint | number | null | undefined, currency: string | null | undefined): Money | null {
  if (amount === null || amount === undefined || !currency) return null
  return { amount: Number(amount), currency, decimals: currencyDecimals(currency) }
}

/**
 * The stored amounts each record shows with its Money beside it (`fee` → `feeMoney`), in the currency of
 * the record or, for a schedule's terms, of the record that holds them. The old numbers stay for the
 * REST contract of the older backend and as deprecated GraphQL fields.
 */
export const MONEY_AMOUNTS: ReadonlySet<string> = new Set([
  'fee',
  'deposit',
  'budget',
  'feeMin',
  'feeMax',
  'amount',
  'invoiced',
  'paid',
  'balance',
])
export const moneyFieldOf = (amount: string) => `${amount}Money`

/** What is wrong with a search's budget range: a range that runs backwards, or a budget without its currency. */
export function budgetIssues(f: { budgetMin?: number; budgetMax?: number; currency?: string }): FieldIssue[] {
  const issues: FieldIssue[] = []
  if (f.budgetMin !== undefined && f.budgetMax !== undefined && f.budgetMin > f.budgetMax)
    issues.push({ field: 'budgetMax', message: 'budgetMax must not be below budgetMin' })
  if ((f.budgetMin !== undefined || f.budgetMax !== undefined) && !f.currency)
    issues.push({ field: 'currency', message: 'required with a budget' })
  return issues
}
