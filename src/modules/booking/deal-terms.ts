// Deal terms beyond the fee: the deposit schedule and the radius clause. An offer states them; the booking
// keeps what was accepted. The single `deposit` the older API knows is the schedule's total, so every
// reader of it keeps working.
import { z } from 'zod'
import { Day, dayOf, formatDay } from '../../dates.ts'
import { DepositKind } from '../../generated/prisma/client.ts'
import { MinorUnits } from '../../money.ts'

const MAX_DAYS = 365

export const DepositTermInput = z
  .object({
    kind: z.enum(DepositKind).describe('flat: a fixed amount; percent: a share of the fee'),
    amount: MinorUnits.nullish().describe('flat terms: the amount due'),
    percent: z.number().int().min(1).max(100).nullish().describe('percent terms: the share of the fee due'),
    dueOn: Day.nullish().describe('Due on this day (YYYY-MM-DD)'),
    dueDaysBeforeEvent: z.number().int().min(0).max(MAX_DAYS).nullish().describe('Due this many days before the event'),
  })
  .describe('One deposit; with neither dueOn nor dueDaysBeforeEvent it is due on confirmation')
  .superRefine((t, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (t.kind === 'flat' && t.amount == null) issue('amount', 'required for a flat deposit')
    if (t.kind === 'flat' && t.percent != null) issue('percent', 'a flat deposit has no percent')
    if (t.kind === 'percent' && t.percent == null) issue('percent', 'required for a percent deposit')
    if (t.kind === 'percent' && t.amount != null) issue('amount', 'a percent deposit is computed from the fee')
    if (t.dueOn != null && t.dueDaysBeforeEvent != null) issue('dueDaysBeforeEvent', 'give dueOn or dueDaysBeforeEvent, not both')
  })

/** The deal-term fields of an offer's input (spread into OfferInput). */
export const dealTermFields = {
  deposit: MinorUnits.nullish().describe(
    'A single deposit due on confirmation (shorthand for one flat term); the total of the schedule when read',
  ),
  depositTerms: z.array(DepositTermInput).max(12).nullish().describe('The deposit schedule'),
  radiusKm: z.number().int().min(1).max(20_000).nullish().describe('Radius clause: no other show within this distance…'),
  radiusDaysBefore: z.number().int().min(0).max(MAX_DAYS).nullish().describe('…from this many days before the event…'),
  radiusDaysAfter: z.number().int().min(0).max(MAX_DAYS).nullish().describe('…to this many days after it'),
}

type DealTermInput = { [K in keyof typeof dealTermFields]?: z.output<(typeof dealTermFields)[K]> } & { fee?: number | null }

/** A term of a schedule: amounts are numbers as input states them, bigint as stored. */
export interface DepositTerm<Amount extends number | bigint = number> {
  seq: number
  kind: DepositKind
  amount: Amount
  percent: number | null
  dueOn: Date | null
  dueDaysBeforeEvent: number | null
}

/** The schedule an input states, each term with the minor units it amounts to. */
export function depositSchedule(input: DealTermInput): DepositTerm[] {
  const terms: z.output<typeof DepositTermInput>[] =
    input.depositTerms ?? (input.deposit != null ? [{ kind: 'flat', amount: input.deposit }] : [])
  return terms.map((t, i) => ({
    seq: i + 1,
    kind: t.kind,
    amount: t.kind === 'percent' ? Math.round(((input.fee ?? 0) * (t.percent ?? 0)) / 100) : (t.amount ?? 0),
    percent: t.kind === 'percent' ? (t.percent ?? null) : null,
    dueOn: t.dueOn ? dayOf(t.dueOn) : null,
    dueDaysBeforeEvent: t.dueDaysBeforeEvent ?? null,
  }))
}

/** The derived single `deposit`: the schedule's total, or null without a schedule. */
export const depositTotal = (schedule: readonly { amount: number }[]) =>
  schedule.length ? schedule.reduce((sum, t) => sum + t.amount, 0) : null

/** Field issues of the deal terms against each other and the fee (added by OfferInput's refinement). */
export function dealTermIssues(input: DealTermInput, issue: (path: string, message: string) => void) {
  if (input.deposit != null && input.depositTerms != null) issue('deposit', 'give deposit or depositTerms, not both')
  input.depositTerms?.forEach((t, i) => {
    if (t.kind === 'percent' && input.fee == null) issue(`depositTerms.${i}.percent`, 'a percent deposit needs a fee')
  })
  const total = depositTotal(depositSchedule(input))
  const field = input.depositTerms ? 'depositTerms' : 'deposit'
  if (total != null && input.fee != null && total > input.fee) issue(field, 'cannot exceed the fee')
  // Without a fee nothing else bounds the sum, which the faces carry as a JSON number (src/money.ts).
  else if (total != null && total > Number.MAX_SAFE_INTEGER) issue(field, `the deposits add up to more than ${Number.MAX_SAFE_INTEGER}`)
  const radius = [input.radiusKm, input.radiusDaysBefore, input.radiusDaysAfter]
  if (radius.some((x) => x != null) && radius.some((x) => x == null))
    issue('radiusKm', 'a radius clause gives radiusKm, radiusDaysBefore and radiusDaysAfter together')
}

/** A due day after the event is no deposit. */
export function dueDayIssue(schedule: readonly DepositTerm[], eventStartsAt: Date): { field: string; message: string } | null {
  const late = schedule.find((t) => t.dueOn && formatDay(t.dueOn) > formatDay(eventStartsAt))
  return late ? { field: `depositTerms.${late.seq - 1}.dueOn`, message: 'must be on or before the day of the event' } : null
}

/** What a booking copies from the offer it was accepted on. */
export const radiusOf = (o: { radiusKm: number | null; radiusDaysBefore: number | null; radiusDaysAfter: number | null }) => ({
  radiusKm: o.radiusKm,
  radiusDaysBefore: o.radiusDaysBefore,
  radiusDaysAfter: o.radiusDaysAfter,
})
