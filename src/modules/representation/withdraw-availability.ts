// When an agency stops representing an artist, the windows it published stop at its last day: a promoter
// must not find dates offered by an agency that can no longer take the booking. Called inside the
// transaction that ends the representation, so the two never disagree.
import { maxDay } from '../../dates.ts'
import type { Tx } from '../../db/client.ts'
import type { RepresentationRole } from '../../generated/prisma/client.ts'
import { advisoryLock } from '../../db/locks.ts'
import { recordWindowsWithdrawn } from '../outbox/record.ts'

/**
 * Serializes the writes of an agency's windows of an artist with the end of its representation: a window
 * checked against the representation before it ended is written before the withdrawal (which then cuts
 * it), or checked after it, against the new end. Then locks the artist's row, before any of its windows: an archive
 * locks the artist, then its windows (artists_listed_windows), as a booking's confirmation does (bookings_booked_on),
 * where a write of windows locked a window first and the artist after it (the windows' triggers), and the two deadlocked.
 */
export async function lockAgencyWindows(tx: Tx, agencyId: string, artistId: string) {
  await advisoryLock(tx, `availability:${agencyId}:${artistId}`)
  await tx.$queryRaw`SELECT 1 AS locked FROM artists WHERE id = ${artistId}::uuid FOR NO KEY UPDATE`
}

export async function withdrawAvailabilityAfter(
  tx: Tx,
  link: { id: string; agencyId: string; artistId: string; role: RepresentationRole },
  lastDay: Date,
) {
  const { agencyId, artistId } = link
  // Only the booking agency publishes windows: the end of a management role leaves them be.
  if (link.role !== 'agency') return
  // Taken after the link's new end is written: a writer waiting on it reads that end once it has the lock.
  await lockAgencyWindows(tx, agencyId, artistId)
  // The windows stop at the agency's last day as the artist's booking agency: none while another of its
  // agency links has no end, else the latest end.
  const longer = await tx.rosterLink.findMany({
    where: { agencyId, artistId, role: 'agency', id: { not: link.id }, OR: [{ endsOn: null }, { endsOn: { gt: lastDay } }] },
    select: { endsOn: true },
  })
  if (longer.some((l) => l.endsOn === null)) return
  const until = longer.reduce((day, l) => maxDay(day, l.endsOn!), lastDay)
  await tx.availability.deleteMany({ where: { agencyId, artistId, startsOn: { gt: until } } })
  await tx.availability.updateMany({ where: { agencyId, artistId, endsOn: { gt: until } }, data: { endsOn: until } })
  await recordWindowsWithdrawn(tx, { agencyId, artistId, lastDay: until })
}
