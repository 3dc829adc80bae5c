// The badge counts of the inbox screens, one read on each face. Each badge is the total of one list filter
// (BADGES below), counted with that list's own conditions after the same expiry pass, so a badge always
// equals the length of the list it opens, lapses included.
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { parseInput } from '../../validation.ts'
import { HoldFilter, holdsWhere } from '../booking/bookings.service.ts'
import { OfferFilter, offersWhere } from '../booking/negotiation.service.ts'
import { partyOf, pipelinesVisibleTo, type Party } from '../booking/parties.ts'
import { expireDue } from '../booking/pipeline.ts'
import { BookingRequestFilter, requestsWhere } from '../booking/requests.service.ts'
import { contracts } from '../contracts/contracts.service.ts'

const HOUR_MS = 3_600_000

export const CountsQuery = z.object({
  expiringWithinHours: z
    .number()
    .int()
    .min(1)
    .max(720)
    .default(48)
    .describe('holdsExpiringSoon counts active holds whose hold period ends within this many hours (default 48)'),
})

/** The list filter each badge counts (bookingRequests / bookingOffers / bookingHolds / contracts). */
export const BADGES = {
  /** The agency: open requests it answers. The promoter: its open requests, waiting for the agency's answer. */
  requestsAwaitingAnswer: (party: Party) => ({ status: ['open'], ...(party.side === 'agency' ? { awaitingMe: true } : {}) }),
  offersAwaitingMe: () => ({ awaitingMe: true }),
  holdsExpiringSoon: (expiringBefore: Date) => ({ status: ['active'], expiringBefore }),
  signaturesNeeded: () => ({ awaitingMe: true }),
}

export const inbox = {
  async counts(ctx: RequestContext, input: unknown) {
    const party = await partyOf(ctx)
    const { expiringWithinHours } = parseInput(CountsQuery, input)
    const now = ctx.clock.now()
    const holdsExpiringBefore = new Date(now.getTime() + expiringWithinHours * HOUR_MS)
    await expireDue(ctx.db, { where: pipelinesVisibleTo(party) }, now)
    const [requestsAwaitingAnswer, offersAwaitingMe, holdsExpiringSoon, signaturesNeeded] = await Promise.all([
      ctx.db.bookingRequest.count({
        where: requestsWhere(party, parseInput(BookingRequestFilter, BADGES.requestsAwaitingAnswer(party)), now),
      }),
      ctx.db.bookingOffer.count({ where: offersWhere(party, parseInput(OfferFilter, BADGES.offersAwaitingMe()), now) }),
      ctx.db.bookingHold.count({ where: holdsWhere(party, parseInput(HoldFilter, BADGES.holdsExpiringSoon(holdsExpiringBefore)), now) }),
      // A caller who may not read contracts has no signature badge (null), as Booking.contract is null for it.
      ctx.may('contracts.read').then(async (may) => (may ? (await contracts.awaitingSignature(ctx, party)).length : null)),
    ])
    return {
      side: party.side,
      requestsAwaitingAnswer,
      offersAwaitingMe,
      holdsExpiringSoon,
      holdsExpiringBefore,
      signaturesNeeded,
      asOf: now,
    }
  },
}
