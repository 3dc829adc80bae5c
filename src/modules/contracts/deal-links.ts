// What the booking pipeline tells its contracts, inside the transaction that changes the deal: paper sent
// early on a hold follows the hold into its booking, and paper for a deal that is off is closed (a draft
// cancelled, a sent or signed contract voided) so that nobody signs for a date that no longer exists.
// Written as statements (`$queryRaw`): the pipeline's transactions run on Prisma's client or on the pool
// directly (src/db/sql.ts), and these run in either; the move to the booking rides in the statement that
// inserts the booking.
import type { Queries } from '../../db/sql.ts'
import { Prisma, type ContractStatus } from '../../generated/prisma/client.ts'
import type { DealFollower } from '../booking/deal-followers.ts'
import { recordContractEvent } from '../outbox/record.ts'
import { can, contractMachine, transition } from './state.ts'

/**
 * A clause of the statement that inserts the booking (DealFollower.booked): the paper is the booking's now, and so
 * its artist side is the agency credited with the booking.
 */
const moveContractsToBooking = (holdId: string, booking: { id: string; agencyId: string }) => Prisma.sql`contracts_booked AS (
    UPDATE contracts SET booking_id = ${booking.id}::uuid, agency_id = ${booking.agencyId}::uuid, updated_at = clock_timestamp()
    WHERE hold_id = ${holdId}::uuid AND status NOT IN ('void', 'cancelled'))`

async function closeContractsOfDeal(tx: Queries, requestId: string, reason: string) {
  const live = await tx.$queryRaw<{ id: string; status: ContractStatus }[]>`
    SELECT id, status::text AS status FROM contracts WHERE request_id = ${requestId}::uuid AND status NOT IN ('void', 'cancelled')`
  for (const contract of live) {
    const action = can(contractMachine, contract.status, 'cancel') ? 'cancel' : 'void'
    const to: ContractStatus = transition(contractMachine, contract.status, action)
    const type = action === 'cancel' ? 'cancelled' : 'voided'
    // The move and its timeline entry in one statement, stamped at the move (not the transaction's start).
    await tx.$queryRaw`
      WITH moved AS (
        UPDATE contracts SET status = ${to}::text::"ContractStatus", closed_reason = ${reason}, updated_at = clock_timestamp()
        WHERE id = ${contract.id}::uuid RETURNING id, updated_at)
      INSERT INTO contract_events (id, contract_id, type, from_status, to_status, note, created_at, updated_at)
      SELECT gen_random_uuid(), moved.id, ${type}, ${contract.status}, ${to}, ${reason}, moved.updated_at, moved.updated_at FROM moved`
    await recordContractEvent(tx, { contractId: contract.id, type, from: contract.status, to })
  }
}

export const contractsFollowTheDeal: DealFollower = { booked: moveContractsToBooking, closed: closeContractsOfDeal }
