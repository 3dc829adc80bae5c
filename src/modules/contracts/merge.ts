// Merge fields: the named placeholders a template body may use ({{artist.name}}, {{deal.fee}}...), and how a
// booking fills them. A field the booking cannot fill stays as its placeholder, and a contract that still
// holds one cannot be sent.
import { formatDay, localTime } from '../../dates.ts'

export const MERGE_FIELDS = {
  'artist.name': 'The artist',
  'agency.name': 'The agency representing the artist',
  'promoter.name': 'The buying company (its directory name once it is bridged to one; or given when the contract is drafted)',
  'venue.name': 'The venue',
  'event.city': 'City of the event',
  'event.country': 'Country of the event (ISO code)',
  'event.date': 'Day of the event (YYYY-MM-DD), local to the event',
  'event.startsAt': "Start of the performance, on the event's clock with its zone (UTC without a city time zone)",
  'event.endsAt': "End of the performance, on the event's clock with its zone (UTC without a city time zone)",
  'event.timezone': "The event's IANA time zone (its city's)",
  'deal.type': 'flat, versus or percentage',
  'deal.fee': 'The fee or guarantee, with its currency',
  'deal.currency': 'Currency of the deal',
  'deal.percentage': "The artist's share of the net, in percent",
  'deal.deposit': 'The deposit (the total of the schedule), with its currency',
  'deal.depositSchedule': 'Each deposit: amount (and share of the fee), and when it is due',
  'deal.radius': 'The radius clause in words',
  'deal.radiusKm': 'Radius clause: the distance in km',
  'deal.radiusDaysBefore': 'Radius clause: days before the event',
  'deal.radiusDaysAfter': 'Radius clause: days after the event',
  'contract.date': 'The day the contract was drafted',
} as const

export type MergeField = keyof typeof MERGE_FIELDS
export type MergeValues = Partial<Record<MergeField, string>>

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+\.[a-zA-Z]+)\s*\}\}/g

/** The placeholders a body uses that are not merge fields. */
export function unknownFields(body: string): string[] {
  return [...new Set([...body.matchAll(PLACEHOLDER)].flatMap((m) => m[1] ?? []).filter((f) => !(f in MERGE_FIELDS)))]
}

/** The placeholders still in a body (fields left unfilled). */
export const unresolvedFields = (body: string): string[] => [...new Set([...body.matchAll(PLACEHOLDER)].flatMap((m) => m[1] ?? []))]

export function render(body: string, values: MergeValues): string {
  return body.replace(PLACEHOLDER, (whole, field: string) => values[field as MergeField] ?? whole)
}

/** Minor units → "12,500.00 EUR". */
export const money = (amount: bigint | null | undefined, currency: string) =>
  amount == null
    ? undefined
    : `${(Number(amount) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`

/** "2031-01-12 20:00 Europe/Madrid (UTC+01:00)" on the event's clock; "2031-01-12 19:00 UTC" without a zone. */
function instant(d: Date, timezone: string | null): string {
  if (!timezone) return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
  const local = localTime(d, timezone)
  return `${local.iso.slice(0, 16).replace('T', ' ')} ${timezone} (UTC${local.offset})`
}

/** What a pipeline knows, as merge values. */
export function bookingValues(p: {
  artistName: string
  agencyName: string
  /** The buying company's directory name, when it is bridged to one. */
  promoterName: string | null
  /** The event's IANA time zone (its city's). */
  timezone: string | null
  draftedAt: Date
  venueName: string | null
  city: string | null
  countryCode: string | null
  startsAt: Date
  endsAt: Date
  terms: {
    dealType: string
    fee: bigint | null
    currency: string
    percentage: number | null
    deposit: bigint | null
    radiusKm: number | null
    radiusDaysBefore: number | null
    radiusDaysAfter: number | null
    depositTerms: { amount: bigint; percent: number | null; dueOn: Date | null; dueDaysBeforeEvent: number | null }[]
  }
}): MergeValues {
  const t = p.terms
  const due = (d: { dueOn: Date | null; dueDaysBeforeEvent: number | null }) =>
    d.dueOn
      ? `due ${formatDay(d.dueOn)}`
      : d.dueDaysBeforeEvent != null
        ? `due ${d.dueDaysBeforeEvent} days before the event`
        : 'due on confirmation'
  const schedule = t.depositTerms.map(
    (d) => `${money(d.amount, t.currency)}${d.percent != null ? ` (${d.percent}% of the fee)` : ''}, ${due(d)}`,
  )
  const v: MergeValues = {
    'artist.name': p.artistName,
    'agency.name': p.agencyName,
    'promoter.name': p.promoterName ?? undefined,
    'event.date': p.timezone ? localTime(p.startsAt, p.timezone).iso.slice(0, 10) : formatDay(p.startsAt),
    'event.startsAt': instant(p.startsAt, p.timezone),
    'event.endsAt': instant(p.endsAt, p.timezone),
    'event.timezone': p.timezone ?? undefined,
    'deal.type': p.terms.dealType,
    'deal.currency': p.terms.currency,
    'deal.fee': money(p.terms.fee, p.terms.currency),
    'deal.deposit': money(p.terms.deposit, p.terms.currency),
    'deal.percentage': p.terms.percentage == null ? undefined : `${p.terms.percentage}%`,
    'deal.depositSchedule': schedule.length ? schedule.join('; ') : undefined,
    'deal.radiusKm': t.radiusKm == null ? undefined : String(t.radiusKm),
    'deal.radiusDaysBefore': t.radiusDaysBefore == null ? undefined : String(t.radiusDaysBefore),
    'deal.radiusDaysAfter': t.radiusDaysAfter == null ? undefined : String(t.radiusDaysAfter),
    'deal.radius':
      t.radiusKm == null
        ? undefined
        : `no performance within ${t.radiusKm} km from ${t.radiusDaysBefore} days before to ${t.radiusDaysAfter} days after the event`,
    'contract.date': formatDay(p.draftedAt),
    'venue.name': p.venueName ?? undefined,
    'event.city': p.city ?? undefined,
    'event.country': p.countryCode ?? undefined,
  }
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as MergeValues
}
