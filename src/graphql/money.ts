// The one Money type of the GraphQL face (src/money.ts decides its shape; REST sends the same object).
import type { Money } from '../money.ts'
import { builder } from './builder.ts'

export const MoneyRef = builder.objectRef<Money>('Money').implement({
  description: 'An amount of money: integer minor units of an ISO 4217 currency (cents), and how many of its digits are decimals.',
  fields: (t) => ({
    amount: t.expose('amount', { type: 'SafeInt', description: 'In minor units of the currency (cents); at most 2^53 − 1.' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code.' }),
    decimals: t.exposeInt('decimals', { description: 'Minor-unit digits of the currency: 2 for EUR, 0 for JPY, 3 for BHD.' }),
  }),
})
