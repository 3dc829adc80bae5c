// What the booking pipeline tells its contracts, inside the transaction that changes the deal: paper sent
// early on a hold follows the hold into its booking, and paper for a deal that is off is closed (a draft
// cancelled, a sent or signed contract voided) so that nobody signs for a date that no longer exists.
import type { Tx } from '../../db/client.ts'
import type { ContractStatus } from '../../generated/prisma/client.ts'
import type { DealFollower } from '../booking/deal-followers.ts'
import { recordContractEvent } from '../outbox/record.ts'
import { can, contractMachine, transition } from './state.ts'

async function moveContractsToBooking(tx: Tx, holdId: string, bookingId: string) {
  await tx.contract.updateMany({ where: { holdId, status: { notIn: ['void', 'cancelled'] } }, data: { bookingId } })
}

async function closeContractsOfDeal(tx: Tx, requestId: string, reason: string) {
  const live = await tx.contract.findMany({ where: { requestId, status: { notIn: ['void', 'cancelled'] } } })
  for (const contract of live) {
    const action = can(contractMachine, contract.status, 'cancel') ? 'cancel' : 'void'
    const to: ContractStatus = transition(contractMachine, contract.status, action)
    await tx.contract.update({ where: { id: contract.id }, data: { status: to, closedReason: reason } })
    await tx.contractEvent.create({
      data: {
        contractId: contract.id,
        type: action === 'cancel' ? 'cancelled' : 'voided',
        fromStatus: contract.status,
        toStatus: to,
        note: reason,
      },
    })
    await recordContractEvent(tx, {
      contractId: contract.id,
      type: action === 'cancel' ? 'cancelled' : 'voided',
      from: contract.status,
      to,
    })
  }
}

export const contractsFollowTheDeal: DealFollower = { booked: moveContractsToBooking, closed: closeContractsOfDeal }
