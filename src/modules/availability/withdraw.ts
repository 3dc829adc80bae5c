// When an agency stops representing an artist, the windows it published stop at its last day: a promoter
// must not find dates offered by an agency that can no longer take the booking. Called inside the
// transaction that ends the representation, so the two never disagree.
import type { Tx } from '../../db/client.ts'

export async function withdrawAvailabilityAfter(tx: Tx, link: { id: string; agencyId: string; artistId: string }, lastDay: Date) {
  const { agencyId, artistId } = link
  // Another role of the same agency on the artist that lasts longer keeps its windows published.
  const otherRole = await tx.rosterLink.count({
    where: { agencyId, artistId, id: { not: link.id }, OR: [{ endsOn: null }, { endsOn: { gt: lastDay } }] },
  })
  if (otherRole) return
  await tx.availability.deleteMany({ where: { agencyId, artistId, startsOn: { gt: lastDay } } })
  await tx.availability.updateMany({ where: { agencyId, artistId, endsOn: { gt: lastDay } }, data: { endsOn: lastDay } })
}
