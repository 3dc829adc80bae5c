// The contract status machine: draft → sent → partially signed → signed; void (with a reason) once sent,
// cancel (with a reason) while a draft. An edit makes a new version: signatures on an older one stop
// counting, so a partially signed contract goes back to sent.
import type { ContractStatus } from '../../generated/prisma/client.ts'
import type { Machine } from '../../state-machine.ts'

type ContractAction = 'send' | 'edit' | 'attach' | 'sign' | 'complete' | 'void' | 'cancel'

export const contractMachine: Machine<ContractStatus, ContractAction> = {
  name: 'a contract',
  moves: {
    draft: { send: 'sent', edit: 'draft', attach: 'draft', cancel: 'cancelled' },
    sent: { sign: 'partially_signed', complete: 'signed', edit: 'sent', attach: 'sent', void: 'void' },
    partially_signed: { sign: 'partially_signed', complete: 'signed', edit: 'sent', attach: 'partially_signed', void: 'void' },
    signed: { attach: 'signed', void: 'void' },
  },
}

export { can, transition } from '../../state-machine.ts'
