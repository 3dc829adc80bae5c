// What changes with a deal outside the pipeline, inside the transaction that changes it. The contracts
// module builds on booking (its parties, its bookings), so the pipeline cannot import it: contracts follow
// the deal by registering here when their module loads (src/modules/contracts/contracts.service.ts).
import type { Tx } from '../../db/client.ts'

export interface DealFollower {
  /** A hold was confirmed into a booking. */
  booked(tx: Tx, holdId: string, bookingId: string): Promise<void>
  /** The deal is off: a hold released or expired, a request declined, withdrawn or expired, a booking cancelled. */
  closed(tx: Tx, requestId: string, reason: string): Promise<void>
}

const followers = new Set<DealFollower>()

export function followDeals(follower: DealFollower): void {
  followers.add(follower)
}

export async function dealBooked(tx: Tx, holdId: string, bookingId: string): Promise<void> {
  for (const f of followers) await f.booked(tx, holdId, bookingId)
}

export async function dealClosed(tx: Tx, requestId: string, reason: string): Promise<void> {
  for (const f of followers) await f.closed(tx, requestId, reason)
}
