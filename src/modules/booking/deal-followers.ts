// What changes with a deal outside the pipeline, inside the transaction that changes it. The contracts and
// finance modules build on booking (its parties, its bookings), so the pipeline cannot import them: they
// follow the deal by registering here when their module loads (contracts/contracts.service.ts,
// finance/handoff-links.ts).
import type { Tx } from '../../db/client.ts'
import type { Actor } from './parties.ts'

export interface DealFollower {
  /** A hold was confirmed into a booking. */
  booked?(tx: Tx, holdId: string, bookingId: string): Promise<void>
  /** The deal is off: a hold released or expired, a request declined, withdrawn or expired, a booking cancelled. */
  closed?(tx: Tx, requestId: string, reason: string): Promise<void>
  /** A confirmed booking was cancelled, by this actor. */
  cancelled?(tx: Tx, bookingId: string, actor: Actor): Promise<void>
}

const followers = new Set<DealFollower>()

export function followDeals(follower: DealFollower): void {
  followers.add(follower)
}

export async function dealBooked(tx: Tx, holdId: string, bookingId: string): Promise<void> {
  for (const f of followers) await f.booked?.(tx, holdId, bookingId)
}

export async function dealClosed(tx: Tx, requestId: string, reason: string): Promise<void> {
  for (const f of followers) await f.closed?.(tx, requestId, reason)
}

export async function dealCancelled(tx: Tx, bookingId: string, actor: Actor): Promise<void> {
  for (const f of followers) await f.cancelled?.(tx, bookingId, actor)
}
