// What changes with a deal outside the pipeline, inside the transaction that changes it. The contracts and
// finance modules build on booking (its parties, its bookings), so the pipeline cannot import them: they
// follow the deal by registering here when their module loads (contracts/contracts.service.ts,
// finance/handoff-links.ts). A deal is booked and closed in transactions of src/db/sql.ts as well as Prisma's:
// those followers write through `$queryRaw` (Queries); a cancellation runs in a Prisma transaction.
import type { Tx } from '../../db/client.ts'
import type { Queries } from '../../db/sql.ts'
import { Prisma } from '../../generated/prisma/client.ts'
import type { Actor } from './parties.ts'

export interface DealFollower {
  /**
   * A hold is confirmed into a booking, credited to `agencyId`: the follower's writes as a WITH clause (a
   * data-modifying one, named uniquely) of the confirmation's statement, which inserts the booking (no round trip of
   * its own; the booking's row is not visible to the other clauses of that statement, so what they need of it is given).
   */
  booked?(holdId: string, booking: { id: string; agencyId: string }): Prisma.Sql
  /** The deal is off: a hold released or expired, a request declined, withdrawn or expired, a booking cancelled. */
  closed?(tx: Queries, requestId: string, reason: string): Promise<void>
  /** A confirmed booking was cancelled, by this actor. */
  cancelled?(tx: Tx, bookingId: string, actor: Actor): Promise<void>
}

const followers = new Set<DealFollower>()

export function followDeals(follower: DealFollower): void {
  followers.add(follower)
}

/** The followers' WITH clauses for a confirmation (see DealFollower.booked), after a comma each; empty without any. */
export function dealBooked(holdId: string, booking: { id: string; agencyId: string }): Prisma.Sql {
  const clauses = [...followers].flatMap((f) => (f.booked ? [f.booked(holdId, booking)] : []))
  return clauses.length ? Prisma.sql`, ${Prisma.join(clauses)}` : Prisma.empty
}

export async function dealClosed(tx: Queries, requestId: string, reason: string): Promise<void> {
  for (const f of followers) await f.closed?.(tx, requestId, reason)
}

export async function dealCancelled(tx: Tx, bookingId: string, actor: Actor): Promise<void> {
  for (const f of followers) await f.cancelled?.(tx, bookingId, actor)
}
