// What each pipeline object shows, in one place for both faces. A deal shows its artist and agency as
// cards (their own fields, under `bookings.read`: src/access/read-as.ts); their directory relations need
// `directory.read`. The orders of a pipeline's parts are the same on both faces.
import type { Prisma } from '../../generated/prisma/client.ts'

export const offerOrder = { version: 'asc' } satisfies Prisma.BookingOfferOrderByWithRelationInput
export const depositTermOrder = { seq: 'asc' } satisfies Prisma.BookingDepositTermOrderByWithRelationInput
export const holdOrder = { createdAt: 'asc' } satisfies Prisma.BookingHoldOrderByWithRelationInput
export const activityOrder = { seq: 'asc' } satisfies Prisma.BookingActivityOrderByWithRelationInput

/** REST views: the deal's scalars with its parties' cards, with statuses as readers see them (expiry applied). */
export const RequestView = { artist: true, agency: true } satisfies Prisma.BookingRequestInclude
export const RequestDetailView = {
  artist: true,
  agency: true,
  offers: { orderBy: offerOrder },
  holds: { orderBy: holdOrder },
  booking: { include: { city: true } },
} satisfies Prisma.BookingRequestInclude
export const OfferView = {
  request: { include: { artist: true } },
  holds: true,
  depositTerms: { orderBy: depositTermOrder },
} satisfies Prisma.BookingOfferInclude
export const HoldView = { request: { include: { artist: true } }, offer: true } satisfies Prisma.BookingHoldInclude
/** A booking shows its place: the city card (with its time zone) beside the venue reference. */
export const BookingView = {
  artist: true,
  agency: true,
  city: true,
  depositTerms: { orderBy: depositTermOrder },
} satisfies Prisma.BookingInclude
export const BookingDetailView = {
  artist: true,
  agency: true,
  city: true,
  depositTerms: { orderBy: depositTermOrder },
  offer: true,
  hold: true,
  request: { include: { activity: { orderBy: activityOrder } } },
} satisfies Prisma.BookingInclude
