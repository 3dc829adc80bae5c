// The booking pipeline's state machines, in one place: which action moves which object from which state
// to which. Services ask `transition()` (src/state-machine.ts) and never compare statuses themselves.
//
// Expiry needs no cron for correctness: what is past its time is written as expired before anyone reads or
// acts on it (`expireDue` in pipeline.ts); `effective*Status` covers the moment between that pass and the lock.
import { type Machine } from '../../state-machine.ts'
import type { BookingRequestStatus, BookingStatus, HoldStatus, OfferStatus } from '../../generated/prisma/client.ts'

/** A cancelled booking takes its request and its hold along (`cancel`), so that no screen shows a live deal. */
export const requestMachine: Machine<
  BookingRequestStatus,
  'offer' | 'hold' | 'book' | 'decline' | 'withdraw' | 'release' | 'expire' | 'cancel'
> = {
  name: 'a booking request',
  moves: {
    open: { offer: 'negotiating', decline: 'declined', withdraw: 'withdrawn', expire: 'expired' },
    negotiating: { hold: 'held', decline: 'declined', withdraw: 'withdrawn', expire: 'expired' },
    held: { book: 'booked', release: 'released', withdraw: 'withdrawn', expire: 'expired' },
    booked: { cancel: 'cancelled' },
  },
}

export const offerMachine: Machine<OfferStatus, 'accept' | 'counter' | 'decline' | 'withdraw' | 'expire'> = {
  name: 'an offer',
  moves: { open: { accept: 'accepted', counter: 'countered', decline: 'declined', withdraw: 'withdrawn', expire: 'expired' } },
}

/** A challenge and a move up leave a hold active: they change its rank, which only an active hold has. */
export const holdMachine: Machine<HoldStatus, 'confirm' | 'release' | 'expire' | 'challenge' | 'move_up' | 'cancel'> = {
  name: 'a hold',
  moves: {
    active: { confirm: 'confirmed', release: 'released', expire: 'expired', challenge: 'active', move_up: 'active' },
    confirmed: { cancel: 'cancelled' },
  },
}

export const bookingMachine: Machine<BookingStatus, 'cancel'> = {
  name: 'a booking',
  moves: { confirmed: { cancel: 'cancelled' } },
}

const due = (at: Date | null | undefined, now: Date) => Boolean(at && at.getTime() <= now.getTime())

export function effectiveOfferStatus(o: { status: OfferStatus; expiresAt: Date | null }, now: Date): OfferStatus {
  return o.status === 'open' && due(o.expiresAt, now) ? 'expired' : o.status
}

/** A hold past its period is expired; one that let a challenge lapse is released. */
export function effectiveHoldStatus(h: { status: HoldStatus; expiresAt: Date; challengeDeadline?: Date | null }, now: Date): HoldStatus {
  if (h.status !== 'active') return h.status
  if (due(h.expiresAt, now)) return 'expired'
  return due(h.challengeDeadline, now) ? 'released' : h.status
}

export { can, transition } from '../../state-machine.ts'
