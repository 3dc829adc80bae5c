// The roster: an agency's representations (started by approved claims), who represents an artist now,
// and the artist teams (people of the representing agency working on the artist).
import { nameContains } from '../../search.ts'
import { z } from 'zod'
import { activeLinkWhere } from '../../access/ownership.ts'
import { readAllAs } from '../../access/read-as.ts'
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { advisoryLock } from '../../db/locks.ts'
import { Day, dayOf, formatDay, maxDay, today } from '../../dates.ts'
import { conflict, forbidden, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { RepresentationRole, TeamRole, type Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { withdrawAvailabilityAfter } from './withdraw-availability.ts'
import { recordRepresentationEvent } from '../outbox/record.ts'

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish()

export const RosterFilter = z.object({
  status: z.enum({ active: 'active', ended: 'ended', all: 'all' }).default('active'),
  role: z.enum(RepresentationRole).optional(),
  q: z.string().trim().min(1).max(100).optional().describe("Matches the artist's name"),
})
export const UpdateRosterLinkInput = z.object({ territory: optionalText(200), notes: optionalText(5000) })
export const EndRosterLinkInput = z.object({
  endsOn: Day.optional().describe('Last day of the representation (YYYY-MM-DD; default today)'),
  note: optionalText(2000),
})

export const TeamAssignmentInput = z.object({
  personId: Id.describe('A person of the representing agency'),
  role: z.enum(TeamRole),
  isPrimary: z.boolean().default(false).describe('The main contact for this role'),
})
export const UpdateTeamAssignmentInput = z.object({ role: z.enum(TeamRole).optional(), isPrimary: z.boolean().optional() })
export const TeamFilter = z.object({ includeEnded: z.boolean().default(false) })

/** Who represents an artist, role by role: the one order of both faces. */
export const representationOrder = [{ role: 'asc' }, { startsOn: 'asc' }] satisfies Prisma.RosterLinkOrderByWithRelationInput[]

/** An artist's team, role by role, the primary contact first: the one order of both faces. */
export const teamOrder = [
  { role: 'asc' },
  { isPrimary: 'desc' },
  { createdAt: 'asc' },
] satisfies Prisma.TeamAssignmentOrderByWithRelationInput[]
export const teamWhere = (f: { includeEnded: boolean }): Prisma.TeamAssignmentWhereInput => (f.includeEnded ? {} : { endedAt: null })

/** Whether the agency represents the artist (in any role) today or later. */
export async function represents(db: Tx, agencyId: string, artistId: string): Promise<boolean> {
  return (await db.rosterLink.count({ where: { agencyId, artistId, ...activeLinkWhere() } })) > 0
}

/**
 * The agency's team on the artist ends with its last role on it: a representation ending by today (ended by the agency,
 * or handed over on an approved claim) while the agency holds no other role on the artist in force.
 */
export async function endTeamWithLastRole(tx: Tx, link: { id: string; agencyId: string; artistId: string }, endsOn: Date) {
  if (endsOn.getTime() > today().getTime()) return
  const { agencyId, artistId } = link
  const otherRoles = await tx.rosterLink.count({ where: { agencyId, artistId, id: { not: link.id }, ...activeLinkWhere() } })
  if (otherRoles > 0) return
  await tx.teamAssignment.updateMany({ where: { agencyId, artistId, endedAt: null }, data: { endedAt: new Date(), isPrimary: false } })
}

/**
 * The agency's representation of the artist in a role today or later, if any, with its last day: the
 * latest end among its links, or null while one of them has no end.
 */
export async function representedUntil(
  db: Tx,
  agencyId: string,
  artistId: string,
  role: RepresentationRole,
): Promise<{ lastDay: Date | null } | null> {
  const links = await db.rosterLink.findMany({ where: { agencyId, artistId, role, ...activeLinkWhere() }, select: { endsOn: true } })
  if (links.length === 0) return null
  const ends = links.flatMap((l) => (l.endsOn ? [l.endsOn] : []))
  return { lastDay: ends.length < links.length ? null : ends.reduce(maxDay) }
}

async function ownLink(ctx: RequestContext, id: string) {
  const { agencyId } = await ctx.agencyActor()
  const link = await ctx.db.rosterLink.findUnique({ where: { id } })
  if (!link || link.agencyId !== agencyId) throw notFound('roster link', id)
  return link
}

/** Serializes changes to an agency's team on an artist, so that two "make primary" calls cannot both win. */
const lockTeam = (tx: Tx, agencyId: string, artistId: string) => advisoryLock(tx, `team:${agencyId}:${artistId}`)

/** Makes `assignmentId` the only primary contact of its role on the artist for the agency (under lockTeam). */
async function keepSinglePrimary(tx: Tx, a: { id: string; artistId: string; agencyId: string; role: TeamRole }) {
  await tx.teamAssignment.updateMany({
    where: { artistId: a.artistId, agencyId: a.agencyId, role: a.role, endedAt: null, isPrimary: true, id: { not: a.id } },
    data: { isPrimary: false },
  })
}

export const roster = {
  /** A link's internal notes: for the representing agency's roster readers (and platform admins) only. */
  async notesFor(ctx: RequestContext, link: { notes: string | null; agencyId: string }): Promise<string | null> {
    const caller = await ctx.caller()
    if (caller.kind === 'machine') return link.notes
    if ((await ctx.agencyId()) !== link.agencyId) return null
    return (await ctx.may('roster.read')) ? link.notes : null
  },

  /** The caller agency's roster. */
  async list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const { agencyId } = await ctx.agencyActor()
    const f = parseInput(RosterFilter, filter)
    const status: Prisma.RosterLinkWhereInput =
      f.status === 'active' ? activeLinkWhere() : f.status === 'ended' ? { endsOn: { lt: today() } } : {}
    const where: Prisma.RosterLinkWhereInput = {
      AND: [{ agencyId, role: f.role, artist: f.q ? { nameSearch: nameContains(f.q) } : undefined }, status],
    }
    const listed = await listing(ctx.db.rosterLink, { where, orderBy: { startsOn: 'desc' } }, page, query)
    return { ...listed, items: readAllAs('roster.read', listed.items) }
  },

  /** Who represents an artist now (public within the directory). */
  async ofArtist(ctx: RequestContext, artistId: string, query: Selection = {}) {
    const artist = await ctx.db.artist.findUnique({
      where: { id: artistId },
      select: { id: true, disputes: { where: { status: 'open' }, select: { role: true } } },
    })
    if (!artist) throw notFound('artist', artistId)
    const links = await ctx.db.rosterLink.findMany({
      ...query,
      where: { artistId, ...activeLinkWhere() },
      orderBy: representationOrder,
    })
    const visible = await Promise.all(links.map(async (l) => ({ ...l, notes: await roster.notesFor(ctx, l) })))
    return { artistId, links: visible, disputedRoles: artist.disputes.map((d) => d.role) }
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const data = parseInput(UpdateRosterLinkInput, input)
    await ownLink(ctx, id)
    return ctx.db.rosterLink.update({ ...query, where: { id }, data })
  },

  /** The agency ends its representation; its team on the artist ends too when no role remains. */
  async end(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const data = parseInput(EndRosterLinkInput, input)
    const link = await ownLink(ctx, id)
    const endsOn = data.endsOn ? dayOf(data.endsOn) : today()
    if (endsOn.getTime() < today().getTime()) throw invalidInput('endsOn', 'a representation cannot end in the past')
    if (endsOn.getTime() < link.startsOn.getTime()) throw invalidInput('endsOn', 'a representation cannot end before it starts')
    const caller = await ctx.agencyActor()
    await ctx.db.$transaction(async (tx) => {
      await advisoryLock(tx, `representation:${link.artistId}:${link.role}`)
      const next = await tx.rosterLink.findFirst({
        where: { artistId: link.artistId, role: link.role, id: { not: id }, startsOn: { gt: link.startsOn, lte: endsOn } },
        orderBy: { startsOn: 'asc' },
        include: { agency: { select: { name: true } } },
      })
      if (next) {
        throw conflict(
          'representation_overlap',
          `${next.agency.name} represents the artist from ${formatDay(next.startsOn)}: end this representation before then`,
        )
      }
      const fresh = await tx.rosterLink.findUniqueOrThrow({ where: { id } })
      if (fresh.endsOn && fresh.endsOn.getTime() < today().getTime())
        throw conflict('invalid_transition', 'this representation has already ended')
      await tx.rosterLink.update({ where: { id }, data: { endsOn } })
      await tx.representationEvent.create({
        data: {
          artistId: link.artistId,
          type: 'representation_ended',
          rosterLinkId: id,
          actorType: 'user',
          actorUserId: caller.userId,
          actorOrgId: caller.orgId,
          note: data.note,
        },
      })
      await recordRepresentationEvent(tx, { type: 'user' }, { artistId: link.artistId, type: 'representation_ended', rosterLinkId: id })
      await withdrawAvailabilityAfter(tx, link, endsOn)
      await endTeamWithLastRole(tx, link, endsOn)
    })
    return ctx.db.rosterLink.findUniqueOrThrow({ ...query, where: { id } })
  },
}

export const team = {
  async ofArtist(ctx: RequestContext, artistId: string, filter: unknown, query: Selection = {}) {
    const f = parseInput(TeamFilter, filter)
    if (!(await ctx.db.artist.findUnique({ where: { id: artistId }, select: { id: true } }))) throw notFound('artist', artistId)
    return ctx.db.teamAssignment.findMany({
      ...query,
      where: { artistId, ...teamWhere(f) },
      orderBy: teamOrder,
    })
  },

  async assign(ctx: RequestContext, artistId: string, input: unknown, query: Selection = {}) {
    const { agencyId } = await ctx.agencyActor()
    const data = parseInput(TeamAssignmentInput, input)
    if (!(await ctx.db.artist.findUnique({ where: { id: artistId }, select: { id: true } }))) throw notFound('artist', artistId)
    if (!(await represents(ctx.db, agencyId, artistId)))
      throw forbidden('only an agency representing the artist manages its team', 'not_representing')
    const person = await ctx.db.person.findUnique({ where: { id: data.personId }, select: { agencyId: true, archivedAt: true } })
    if (!person || person.archivedAt || person.agencyId !== agencyId) throw invalidInput('personId', 'not a person of your agency')
    try {
      return await ctx.db.$transaction(async (tx) => {
        await lockTeam(tx, agencyId, artistId)
        const created = await tx.teamAssignment.create({ ...query, data: { ...data, artistId, agencyId } })
        if (created.isPrimary) await keepSinglePrimary(tx, created)
        return created
      })
    } catch (e) {
      if (isUniqueViolation(e, 'artist_team_assignments_active_uniq'))
        throw conflict('already_assigned', 'this person already has this role on the artist')
      throw e
    }
  },

  async update(ctx: RequestContext, id: string, input: unknown, query: Selection = {}) {
    const { agencyId } = await ctx.agencyActor()
    const data = parseInput(UpdateTeamAssignmentInput, input)
    const assignment = await ctx.db.teamAssignment.findUnique({ where: { id } })
    if (!assignment || assignment.agencyId !== agencyId) throw notFound('team assignment', id)
    if (assignment.endedAt) throw conflict('invalid_transition', 'this assignment has ended')
    if (!(await represents(ctx.db, agencyId, assignment.artistId)))
      throw forbidden('only an agency representing the artist manages its team', 'not_representing')
    try {
      return await ctx.db.$transaction(async (tx) => {
        await lockTeam(tx, agencyId, assignment.artistId)
        const updated = await tx.teamAssignment.update({ ...query, where: { id }, data })
        if (updated.isPrimary) await keepSinglePrimary(tx, updated)
        return updated
      })
    } catch (e) {
      if (isUniqueViolation(e, 'artist_team_assignments_active_uniq'))
        throw conflict('already_assigned', 'this person already has this role on the artist')
      throw e
    }
  },

  async end(ctx: RequestContext, id: string, query: Selection = {}) {
    const { agencyId } = await ctx.agencyActor()
    const assignment = await ctx.db.teamAssignment.findUnique({ where: { id } })
    if (!assignment || assignment.agencyId !== agencyId) throw notFound('team assignment', id)
    if (assignment.endedAt) throw conflict('invalid_transition', 'this assignment has already ended')
    return ctx.db.teamAssignment.update({ ...query, where: { id }, data: { endedAt: new Date(), isPrimary: false } })
  },
}
