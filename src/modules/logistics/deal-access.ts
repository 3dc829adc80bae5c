// Who takes part in a booking's logistics. Seeing follows the deal (bookings.get: others get 404). Acting takes
// more: the promoter that bought the show submits; the artist side that works for the artist now (the agency
// representing it, or its management) keeps the itinerary and decides. An agency that handed the artist over
// keeps reading the history of the deals it handled, and acts on none.
import { activeLinkWhere } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import type { Db, Tx } from '../../db/client.ts'
import { today } from '../../dates.ts'
import { forbidden } from '../../errors.ts'
import type { Booking, RepresentationRole } from '../../generated/prisma/client.ts'
import { bookings } from '../booking/bookings.service.ts'
import { onArtistSideNow, partyOf, type Party } from '../booking/parties.ts'

export type ActingSide = 'promoter' | RepresentationRole

/** The booking as the caller sees it (404 outside the deal), and the caller as a party. */
export async function bookingSeenBy(ctx: RequestContext, bookingId: string): Promise<{ party: Party; booking: Booking }> {
  const party = await partyOf(ctx)
  const booking = await bookings.get(ctx, bookingId)
  return { party, booking }
}

/** The artist-side role the party holds for the artist today (agency first), or null. */
export async function artistSideRole(db: Db | Tx, party: Party, artistId: string): Promise<RepresentationRole | null> {
  if (party.side !== 'agency') return null
  const links = await db.rosterLink.findMany({
    where: { artistId, ...onArtistSideNow(party.agencyId) },
    select: { role: true },
  })
  const roles = links.map((l) => l.role)
  return roles.includes('agency') ? 'agency' : roles.includes('management') ? 'management' : null
}

/** The artist side working for the artist now; 403 not_representing otherwise (a promoter: not_artist_side). */
export async function assertArtistSide(db: Db | Tx, party: Party, booking: Pick<Booking, 'artistId'>): Promise<RepresentationRole> {
  if (party.side === 'promoter') throw forbidden("only the artist's side (its agency or management) does this", 'not_artist_side')
  const role = await artistSideRole(db, party, booking.artistId)
  if (!role) throw forbidden('only the agency representing the artist now, or its management, acts on its logistics', 'not_representing')
  return role
}

/** The promoter that bought the show; 403 otherwise. */
export function assertPromoterOf(party: Party, booking: Booking): void {
  if (party.side !== 'promoter' || party.orgId !== booking.promoterOrgId) {
    throw forbidden('only the promoter of the booking submits logistics', 'not_a_party')
  }
}

/**
 * The tenant companies of the artist side of a deal or a tour: those bridged to `agencyId` (the agency that
 * handled the deal, or owns the tour) and those bridged to the artist's agency and management today.
 */
export async function artistSideOrgs(tx: Tx, agencyId: string, artistId: string): Promise<string[]> {
  const claims = await tx.companyClaim.findMany({
    where: {
      status: 'approved',
      OR: [{ companyId: agencyId }, { company: { rosterLinks: { some: { artistId, startsOn: { lte: today() }, ...activeLinkWhere() } } } }],
    },
    select: { orgId: true },
  })
  return [...new Set(claims.map((c) => c.orgId))]
}

/** The tenant companies party to a booking's logistics, for outbox events: the promoter and the artist side. */
export async function dealOrgs(tx: Tx, booking: Pick<Booking, 'promoterOrgId' | 'agencyId' | 'artistId'>): Promise<string[]> {
  return [...new Set([booking.promoterOrgId, ...(await artistSideOrgs(tx, booking.agencyId, booking.artistId))])]
}
