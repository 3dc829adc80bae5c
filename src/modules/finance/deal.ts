// The deal of a booking as Finance needs it: parties, artist, dates, venue, agreed terms, deposit schedule and
// the contract (signed or not). One shape for the internal booking endpoint and for handoff snapshots.
import { createHash } from 'node:crypto'
import type { Tx } from '../../db/client.ts'
import { formatDay } from '../../dates.ts'
import { notFound } from '../../errors.ts'

/** The deposit schedule of the agreed terms: the booking's deposit terms (booking_deposit_terms), in order. */
export interface DepositTerm {
  seq: number
  kind: 'flat' | 'percent'
  amount: number | null
  percent: number | null
  dueOn: string | null
  dueDaysBeforeEvent: number | null
}

/** A deposit term as the booking keeps it. */
export interface StoredDepositTerm {
  seq: number
  kind: 'flat' | 'percent'
  amount: bigint | number
  percent: number | null
  dueOn: Date | null
  dueDaysBeforeEvent: number | null
}

// Amounts are bigint columns bounded at 2^53 − 1 (src/money.ts): a number carries them exactly, and the
// handoff snapshot is hashed as JSON, which has no bigint.
const amount = (v: bigint | number | null) => (v === null ? null : Number(v))

/**
 * The booking's terms; a booking without stored terms (confirmed before deposit schedules) shows its single
 * `deposit` as one flat term due on confirmation.
 */
export const depositScheduleOf = (b: { deposit: bigint | number | null; depositTerms?: readonly StoredDepositTerm[] }): DepositTerm[] =>
  b.depositTerms?.length
    ? [...b.depositTerms]
        .sort((x, y) => x.seq - y.seq)
        .map((t) => ({
          seq: t.seq,
          kind: t.kind,
          amount: Number(t.amount),
          percent: t.percent,
          dueOn: t.dueOn ? formatDay(t.dueOn) : null,
          dueDaysBeforeEvent: t.dueDaysBeforeEvent,
        }))
    : b.deposit === null
      ? []
      : [{ seq: 1, kind: 'flat', amount: Number(b.deposit), percent: null, dueOn: null, dueDaysBeforeEvent: null }]

export const agreedTermsOf = (b: {
  currency: string
  dealType: string
  fee: bigint | number | null
  percentage: number | null
  deposit: bigint | number | null
  depositTerms?: readonly StoredDepositTerm[]
  startsAt: Date
  endsAt: Date
}) => ({
  currency: b.currency,
  dealType: b.dealType,
  fee: amount(b.fee),
  percentage: b.percentage,
  deposit: amount(b.deposit),
  depositSchedule: depositScheduleOf(b),
  startsAt: b.startsAt.toISOString(),
  endsAt: b.endsAt.toISOString(),
})

export async function dealOf(tx: Tx, bookingId: string) {
  const b = await tx.booking.findUnique({
    where: { id: bookingId },
    include: {
      artist: { select: { id: true, name: true } },
      depositTerms: { orderBy: { seq: 'asc' } },
      agency: { select: { id: true, name: true, claims: { where: { status: 'approved' }, select: { orgId: true } } } },
      contracts: { orderBy: { createdAt: 'desc' }, take: 1, include: { versions: { orderBy: { version: 'desc' }, take: 1 } } },
    },
  })
  if (!b) throw notFound('booking', bookingId)
  const contract = b.contracts[0]
  const version = contract?.versions[0]
  return {
    bookingId: b.id,
    requestId: b.requestId,
    status: b.status,
    cancelledAt: b.cancelledAt?.toISOString() ?? null,
    parties: {
      promoterOrgId: b.promoterOrgId,
      agencyId: b.agency.id,
      agencyName: b.agency.name,
      agencyOrgIds: b.agency.claims.map((c) => c.orgId),
    },
    artist: { id: b.artist.id, name: b.artist.name },
    venue: { id: b.venueId, name: b.venueName },
    terms: agreedTermsOf(b),
    contract: contract
      ? {
          id: contract.id,
          status: contract.status,
          version: version?.version ?? contract.currentVersion,
          contentHash: version?.contentHash ?? null,
          signed: contract.status === 'signed',
          signedAt: contract.signedAt?.toISOString() ?? null,
        }
      : null,
  }
}

export type Deal = Awaited<ReturnType<typeof dealOf>>

/** JSON with object keys sorted at every level: the same deal always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
