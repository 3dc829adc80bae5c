// Who represents whom: representation claims, disputes between agencies, handovers, the roster and the
// artist teams — with a complete, append-only history and the database keeping representation exclusive.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { addDays, formatDay, today } from '../src/dates.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { agencySession, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'

const h = useHarness()
type Agency = Session & { agencyId: string }
let promoter: Session

beforeAll(async () => {
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const newAgency = () => agencySession(h.auth, h.app.db)
const artistBy = async (as: Agency | 'machine', name = `Act ${randomUUID().slice(0, 8)}`) => {
  const r = await h.app.rest('POST', '/api/v1/artists', { as, body: { name } })
  expect(r.status).toBe(201)
  return r.body.data.id as string
}
const claimFor = (as: Agency, artistId: string, extra: Record<string, unknown> = {}) =>
  h.app.rest('POST', '/api/v1/representation-claims', { as, body: { artistId, ...extra } })
const admin = (path: string, body: Record<string, unknown> = {}) => h.app.rest('POST', `/internal/admin/${path}`, { as: 'machine', body })
const events = async (artistId: string) =>
  (await h.app.db.representationEvent.findMany({ where: { artistId }, orderBy: { seq: 'asc' } })).map((e) => e.type)
const representation = async (artistId: string) =>
  (await h.app.rest('GET', `/api/v1/artists/${artistId}/representation`, { as: promoter })).body.data
/** What a refused operation on the artist's representation must leave as it was. */
const rowsOf = async (artistId: string) => {
  const db = h.app.db
  const [claims, links, disputes, events] = await Promise.all([
    db.representationClaim.findMany({ where: { artistId }, orderBy: { id: 'asc' } }),
    db.rosterLink.findMany({ where: { artistId }, orderBy: { id: 'asc' } }),
    db.representationDispute.findMany({ where: { artistId }, orderBy: { id: 'asc' } }),
    db.representationEvent.findMany({ where: { artistId }, orderBy: { seq: 'asc' } }),
  ])
  return { claims, links, disputes, events }
}

describe('claims without contest', () => {
  it('approve at once the claim of the company that added the artist, when nobody represents it', async () => {
    const a = await newAgency()
    const artistId = await artistBy(a)
    const r = await claimFor(a, artistId, { territory: 'Worldwide' })
    expect(r.status).toBe(201)
    expect(r.body.data).toMatchObject({
      status: 'approved',
      decidedBy: 'system',
      rosterLink: { agencyId: a.agencyId, role: 'agency', territory: 'Worldwide', startsOn: formatDay(today()), endsOn: null },
    })
    const now = await representation(artistId)
    expect(now).toMatchObject({
      artistId,
      disputedRoles: [],
      links: [{ agencyId: a.agencyId, role: 'agency', agency: { id: a.agencyId } }],
    })
    expect(await events(artistId)).toEqual(['claim_submitted', 'claim_approved', 'representation_started'])
  })

  it('leave other claims pending for platform review; approval starts the representation', async () => {
    const a = await newAgency()
    const artistId = await artistBy('machine')
    const r = await claimFor(a, artistId, { role: 'management' })
    expect(r.body.data.status).toBe('pending')
    expect((await representation(artistId)).links).toEqual([])
    const approved = await admin(`representation-claims/${r.body.data.id}/approve`, { reviewer: 'ops@kisum.io', note: 'contract seen' })
    expect(approved.body.data).toMatchObject({
      status: 'approved',
      decidedBy: 'ops@kisum.io',
      decisionNote: 'contract seen',
      rosterLink: { role: 'management' },
    })
    expect((await representation(artistId)).links.map((l: { role: string }) => l.role)).toEqual(['management'])
  })

  it('refuse to claim an artist the agency already represents, or to claim twice', async () => {
    const a = await newAgency()
    const mine = await artistBy(a)
    await claimFor(a, mine)
    const represented = await rowsOf(mine)
    expect(represented.links).toHaveLength(1)
    const again = await claimFor(a, mine)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('already_representing')
    expect(await rowsOf(mine)).toEqual(represented)

    const other = await artistBy('machine')
    expect((await claimFor(a, other)).status).toBe(201)
    const claimed = await rowsOf(other)
    expect(claimed.claims).toHaveLength(1)
    const twice = await claimFor(a, other)
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('claim_already_open')
    expect(await rowsOf(other)).toEqual(claimed)
  })

  it('validate: unknown artist, past start, bad role', async () => {
    const a = await newAgency()
    expect(validationFields(await claimFor(a, randomUUID()))).toEqual([{ field: 'artistId', message: 'unknown artist' }])
    const artistId = await artistBy('machine')
    expect(validationFields(await claimFor(a, artistId, { startsOn: '2020-01-01' }))).toEqual([
      { field: 'startsOn', message: 'representation cannot start in the past' },
    ])
    expect(validationFields(await claimFor(a, artistId, { startsOn: '31/12/2030' }))[0]?.field).toBe('startsOn')
    expect(validationFields(await claimFor(a, artistId, { role: 'promoter' }))[0]?.field).toBe('role')
  })
})

describe('disputes', () => {
  it('open when an agency claims an artist another represents; the incumbent can hand over', async () => {
    const incumbent = await newAgency()
    const challenger = await newAgency()
    const artistId = await artistBy(incumbent)
    await claimFor(incumbent, artistId)
    // The incumbent has represented the artist for a month.
    await h.app.db.rosterLink.updateMany({ where: { artistId }, data: { startsOn: addDays(today(), -30) } })

    const c = await claimFor(challenger, artistId, { message: 'The artist signed with us' })
    expect(c.body.data).toMatchObject({ status: 'disputed', dispute: { status: 'open', incumbentAgencyId: incumbent.agencyId } })
    expect((await representation(artistId)).disputedRoles).toEqual(['agency'])

    const incoming = await h.app.rest('GET', '/api/v1/representation-claims?scope=incoming', { as: incumbent })
    expect(incoming.body.data.items.map((x: { id: string }) => x.id)).toEqual([c.body.data.id])
    const outsider = await newAgency()
    expect((await h.app.rest('GET', `/api/v1/representation-claims/${c.body.data.id}`, { as: outsider })).status).toBe(404)
    const notIncumbent = await h.app.rest('POST', `/api/v1/representation-claims/${c.body.data.id}/accept-handover`, {
      as: outsider,
      body: {},
    })
    expect(notIncumbent.status).toBe(404)

    const handed = await h.app.rest('POST', `/api/v1/representation-claims/${c.body.data.id}/accept-handover`, {
      as: incumbent,
      body: { note: 'amicable' },
    })
    expect(handed.status).toBe(200)
    expect(handed.body.data).toMatchObject({ status: 'approved', decisionNote: 'amicable', rosterLink: { agencyId: challenger.agencyId } })
    // The new agency's internal notes on its link never reach the agency that handed the artist over.
    await h.app.rest('PATCH', `/api/v1/roster/${handed.body.data.rosterLink.id}`, { as: challenger, body: { notes: 'fee floor 40k' } })
    const seenByFormer = await h.app.rest('GET', `/api/v1/representation-claims/${c.body.data.id}`, { as: incumbent })
    expect(seenByFormer.status).toBe(200)
    expect(JSON.stringify(seenByFormer.body)).not.toContain('fee floor 40k')
    expect(JSON.stringify((await h.app.rest('GET', '/api/v1/representation-claims?scope=incoming', { as: incumbent })).body)).not.toContain(
      'fee floor 40k',
    )
    const now = await representation(artistId)
    expect(now.links.map((l: { agencyId: string }) => l.agencyId)).toEqual([challenger.agencyId])
    expect(now.disputedRoles).toEqual([])
    const dispute = await h.app.rest('GET', `/api/v1/representation-disputes/${c.body.data.dispute.id}`, { as: challenger })
    expect(dispute.body.data).toMatchObject({ status: 'resolved', winningClaimId: c.body.data.id })
    expect(dispute.body.data.events.map((e: { type: string }) => e.type)).toEqual([
      'dispute_opened',
      'claim_disputed',
      'claim_approved',
      'dispute_resolved',
    ])
    expect(await events(artistId)).toEqual([
      'claim_submitted',
      'claim_approved',
      'representation_started',
      'claim_submitted',
      'dispute_opened',
      'claim_disputed',
      'representation_ended',
      'claim_approved',
      'representation_started',
      'dispute_resolved',
    ])
    // The former representative's link ends the day before the new one starts: history, not deletion.
    const links = await h.app.db.rosterLink.findMany({ where: { artistId }, orderBy: { startsOn: 'asc' } })
    expect(links.map((l) => l.agencyId)).toEqual([incumbent.agencyId, challenger.agencyId])
    expect(links[0]?.endsOn?.getTime()).toBeLessThan(links[1]!.startsOn.getTime())
  })

  it('hand over the next day when the current representation only started today', async () => {
    const incumbent = await newAgency()
    const challenger = await newAgency()
    const artistId = await artistBy(incumbent)
    await claimFor(incumbent, artistId)
    const c = await claimFor(challenger, artistId)
    await h.app.rest('POST', `/api/v1/representation-claims/${c.body.data.id}/accept-handover`, { as: incumbent, body: {} })
    const links = await h.app.db.rosterLink.findMany({ where: { artistId }, orderBy: { startsOn: 'asc' } })
    expect(links.map((l) => [l.agencyId, formatDay(l.startsOn), l.endsOn && formatDay(l.endsOn)])).toEqual([
      [incumbent.agencyId, formatDay(today()), formatDay(today())],
      [challenger.agencyId, formatDay(addDays(today(), 1)), null],
    ])
  })

  it('group competing claims; the platform resolves with a winner, the others are rejected', async () => {
    const [a, b, c] = [await newAgency(), await newAgency(), await newAgency()]
    const artistId = await artistBy('machine')
    const ca = await claimFor(a, artistId)
    expect(ca.body.data.status).toBe('pending')
    const cb = await claimFor(b, artistId)
    const cc = await claimFor(c, artistId)
    const claims = await h.app.db.representationClaim.findMany({ where: { artistId } })
    expect(new Set(claims.map((x) => x.status))).toEqual(new Set(['disputed']))
    expect(new Set(claims.map((x) => x.disputeId)).size).toBe(1)
    const disputeId = cb.body.data.dispute.id

    const open = await h.app.rest('GET', `/internal/admin/representation-disputes?status=open&artistId=${artistId}`, { as: 'machine' })
    expect(open.body.data.items.map((d: { id: string }) => d.id)).toEqual([disputeId])
    const notMine = await admin(`representation-disputes/${disputeId}/resolve`, { winningClaimId: randomUUID(), resolution: 'x' })
    expect(validationFields(notMine)).toEqual([{ field: 'winningClaimId', message: 'not an open claim of this dispute' }])
    const resolved = await admin(`representation-disputes/${disputeId}/resolve`, {
      winningClaimId: cc.body.data.id,
      resolution: 'c holds the signed contract',
      reviewer: 'legal@kisum.io',
    })
    expect(resolved.body.data).toMatchObject({
      status: 'resolved',
      winningClaimId: cc.body.data.id,
      resolvedBy: 'legal@kisum.io',
      resolution: 'c holds the signed contract',
    })
    const statuses = Object.fromEntries((await h.app.db.representationClaim.findMany({ where: { artistId } })).map((x) => [x.id, x.status]))
    expect(statuses).toEqual({ [ca.body.data.id]: 'rejected', [cb.body.data.id]: 'rejected', [cc.body.data.id]: 'approved' })
    expect((await representation(artistId)).links[0].agencyId).toBe(c.agencyId)
    const resolvedRows = await rowsOf(artistId)
    const again = await admin(`representation-disputes/${disputeId}/resolve`, { resolution: 'again' })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('invalid_transition')
    expect(await rowsOf(artistId)).toEqual(resolvedRows)
  })

  it('resolve with no winner: every claim rejected, the incumbent stays', async () => {
    const incumbent = await newAgency()
    const challenger = await newAgency()
    const artistId = await artistBy(incumbent)
    await claimFor(incumbent, artistId)
    const c = await claimFor(challenger, artistId)
    await admin(`representation-disputes/${c.body.data.dispute.id}/resolve`, { resolution: 'no evidence' })
    expect((await h.app.db.representationClaim.findUniqueOrThrow({ where: { id: c.body.data.id } })).status).toBe('rejected')
    expect((await representation(artistId)).links.map((l: { agencyId: string }) => l.agencyId)).toEqual([incumbent.agencyId])
  })

  it('keep track when claims leave: withdrawing the last challenger closes the dispute; a lone claimant goes back to review', async () => {
    const incumbent = await newAgency()
    const challenger = await newAgency()
    const artistId = await artistBy(incumbent)
    await claimFor(incumbent, artistId)
    const c = await claimFor(challenger, artistId)
    // The incumbent cannot withdraw the challenger's claim, nor learn its state by trying.
    expect((await h.app.rest('POST', `/api/v1/representation-claims/${c.body.data.id}/withdraw`, { as: incumbent })).status).toBe(404)
    const w = await h.app.rest('POST', `/api/v1/representation-claims/${c.body.data.id}/withdraw`, { as: challenger })
    expect(w.body.data.status).toBe('withdrawn')
    const again = await h.app.rest('POST', `/api/v1/representation-claims/${c.body.data.id}/withdraw`, { as: incumbent })
    expect(again.status).toBe(404)
    expect((await h.app.rest('POST', `/api/v1/representation-claims/${c.body.data.id}/withdraw`, { as: challenger })).body.error.code).toBe(
      'invalid_transition',
    )
    expect((await h.app.db.representationDispute.findUniqueOrThrow({ where: { id: c.body.data.dispute.id } })).resolution).toBe(
      'no claim remains: representation unchanged',
    )

    const free = await artistBy('machine')
    const [x, y] = [await newAgency(), await newAgency()]
    const cx = await claimFor(x, free)
    const cy = await claimFor(y, free)
    expect(cy.body.data.status).toBe('disputed')
    await admin(`representation-claims/${cy.body.data.id}/reject`, { reason: 'unsupported' })
    const back = await h.app.db.representationClaim.findUniqueOrThrow({ where: { id: cx.body.data.id } })
    expect(back.status).toBe('pending')
    expect((await h.app.db.representationDispute.findUniqueOrThrow({ where: { id: cy.body.data.dispute.id } })).status).toBe('resolved')
  })

  it('form exactly one dispute when many agencies claim one artist at once', async () => {
    const artistId = await artistBy('machine')
    const agencies = await Promise.all(Array.from({ length: 6 }, () => newAgency()))
    const results = await Promise.all(agencies.map((a) => claimFor(a, artistId)))
    expect(results.every((r) => r.status === 201)).toBe(true)
    const claims = await h.app.db.representationClaim.findMany({ where: { artistId } })
    expect(claims).toHaveLength(6)
    expect(claims.every((c) => c.status === 'disputed')).toBe(true)
    expect(await h.app.db.representationDispute.count({ where: { artistId } })).toBe(1)
    expect(new Set(claims.map((c) => c.disputeId)).size).toBe(1)
  })

  it('approve exactly one of many concurrent approvals, never two representations', async () => {
    const artistId = await artistBy('machine')
    const agencies = await Promise.all(Array.from({ length: 5 }, () => newAgency()))
    const claims = []
    for (const a of agencies) claims.push((await claimFor(a, artistId)).body.data.id as string)
    const results = await Promise.all(claims.map((id) => admin(`representation-claims/${id}/approve`)))
    expect(results.filter((r) => r.status >= 500)).toEqual([])
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    const losers = results.filter((r) => r.status !== 200)
    expect(losers).toHaveLength(4)
    expect(losers.map((r) => [r.status, r.body.error.code])).toEqual(Array(4).fill([409, 'invalid_transition']))
    expect((await representation(artistId)).links).toHaveLength(1)
    expect((await events(artistId)).filter((type) => type === 'representation_started')).toHaveLength(1)
  })
})

describe('the roster', () => {
  it('keep a scheduled handover: neither the leaving agency nor a third claim can run over it (409, nothing written)', async () => {
    const leaving = await newAgency()
    const next = await newAgency()
    const third = await newAgency()
    const artistId = await artistBy('machine')
    const mine = await claimFor(leaving, artistId)
    await admin(`representation-claims/${mine.body.data.id}/approve`)
    await h.app.db.rosterLink.updateMany({ where: { artistId }, data: { startsOn: addDays(today(), -30) } })
    const [link] = (await representation(artistId)).links
    expect(
      (await h.app.rest('POST', `/api/v1/roster/${link.id}/end`, { as: leaving, body: { endsOn: formatDay(addDays(today(), 10)) } }))
        .status,
    ).toBe(200)
    const successor = await claimFor(next, artistId, { startsOn: formatDay(addDays(today(), 11)) })
    expect((await admin(`representation-claims/${successor.body.data.id}/approve`)).status).toBe(200)
    const before = await rowsOf(artistId)

    const extend = await h.app.rest('POST', `/api/v1/roster/${link.id}/end`, {
      as: leaving,
      body: { endsOn: formatDay(addDays(today(), 30)) },
    })
    expect(extend.status).toBe(409)
    expect(extend.body.error.code).toBe('representation_overlap')
    expect(extend.body.error.message).toContain(formatDay(addDays(today(), 11)))

    const late = await claimFor(third, artistId)
    const approve = await admin(`representation-claims/${late.body.data.id}/approve`)
    expect(approve.status).toBe(409)
    expect(approve.body.error.code).toBe('representation_scheduled')
    const after = await rowsOf(artistId)
    expect(after.links).toEqual(before.links)
    expect(after.events.slice(0, before.events.length)).toEqual(before.events)
  })

  it('lists the agency’s represented artists, and ends a representation (its team with it)', async () => {
    const a = await newAgency()
    const artistId = await artistBy(a, 'Roster Star')
    await claimFor(a, artistId)
    const list = await h.app.rest('GET', '/api/v1/roster?q=roster star', { as: a })
    expect(list.body.data.items).toHaveLength(1)
    const link = list.body.data.items[0]
    expect(link).toMatchObject({ artist: { name: 'Roster Star' }, role: 'agency', endsOn: null })

    const updated = await h.app.rest('PATCH', `/api/v1/roster/${link.id}`, {
      as: a,
      body: { territory: 'Europe', notes: 'renewal due in March' },
    })
    expect(updated.body.data).toMatchObject({ territory: 'Europe', notes: 'renewal due in March' })
    expect((await representation(artistId)).links[0]).toMatchObject({ territory: 'Europe', notes: null })

    const person = await h.app.rest('POST', '/api/v1/people', { as: a, body: { firstName: 'Tina', lastName: 'Agent' } })
    await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, {
      as: a,
      body: { personId: person.body.data.id, role: 'agent', isPrimary: true },
    })

    const other = await newAgency()
    expect((await h.app.rest('POST', `/api/v1/roster/${link.id}/end`, { as: other, body: {} })).status).toBe(404)
    expect(validationFields(await h.app.rest('POST', `/api/v1/roster/${link.id}/end`, { as: a, body: { endsOn: '2001-01-01' } }))).toEqual([
      { field: 'endsOn', message: 'a representation cannot end in the past' },
    ])
    const ended = await h.app.rest('POST', `/api/v1/roster/${link.id}/end`, { as: a, body: { note: 'contract over' } })
    expect(ended.body.data.endsOn).toBe(formatDay(today()))
    expect((await h.app.rest('GET', `/api/v1/artists/${artistId}/team`, { as: promoter })).body.data).toEqual([])
    expect((await h.app.rest('GET', `/api/v1/artists/${artistId}/team?includeEnded=true`, { as: promoter })).body.data).toHaveLength(1)
    expect((await events(artistId)).at(-1)).toBe('representation_ended')
  })

  it('cannot overlap: the exclusion constraint refuses two agencies on one artist and role at once', async () => {
    const [a, b] = [await newAgency(), await newAgency()]
    const artistId = await artistBy('machine')
    const start = today()
    const link = (agencyId: string, role: 'agency' | 'management', startsOn: Date, endsOn?: Date) =>
      h.app.db.rosterLink.create({ data: { artistId, agencyId, role, startsOn, endsOn } })
    await link(a.agencyId, 'agency', start, addDays(start, 30))
    const OVERLAP = /artists_roster_links_no_overlap|23P01/
    await expect(link(b.agencyId, 'agency', start)).rejects.toThrow(OVERLAP)
    // Inside the other's period, without sharing either end; and sharing only its last day (dates are inclusive).
    await expect(link(b.agencyId, 'agency', addDays(start, 10), addDays(start, 20))).rejects.toThrow(OVERLAP)
    await expect(link(b.agencyId, 'agency', addDays(start, 30))).rejects.toThrow(OVERLAP)
    expect(await h.app.db.rosterLink.count({ where: { artistId } })).toBe(1)
    // The day after it ends, another agency may start; another role is another representation.
    await link(b.agencyId, 'agency', addDays(start, 31))
    await link(b.agencyId, 'management', start)
  })

  it('keeps the history append-only', async () => {
    const a = await newAgency()
    const artistId = await artistBy(a)
    await claimFor(a, artistId)
    await expect(h.app.db.representationEvent.updateMany({ where: { artistId }, data: { note: 'rewritten' } })).rejects.toThrow(
      /append-only/,
    )
    await expect(h.app.db.representationEvent.deleteMany({ where: { artistId } })).rejects.toThrow(/append-only/)
  })

  it('gives editing rights on an artist to its representing agency', async () => {
    const creator = await newAgency()
    const representative = await newAgency()
    const artistId = await artistBy(creator)
    const c = await claimFor(representative, artistId)
    expect(c.body.data.status).toBe('pending')
    await admin(`representation-claims/${c.body.data.id}/approve`)
    const byCreator = await h.app.rest('PATCH', `/api/v1/artists/${artistId}`, { as: creator, body: { name: 'Renamed' } })
    expect(byCreator.status).toBe(403)
    expect(byCreator.body.error.code).toBe('not_artist_manager')
    expect((await h.app.rest('PATCH', `/api/v1/artists/${artistId}`, { as: representative, body: { name: 'Renamed' } })).status).toBe(200)
  })
})

describe('artist teams', () => {
  it('are managed by the representing agency, with its own people, one primary per role', async () => {
    const a = await newAgency()
    const artistId = await artistBy(a)
    await claimFor(a, artistId)
    const p1 = (await h.app.rest('POST', '/api/v1/people', { as: a, body: { firstName: 'Primo' } })).body.data
    const p2 = (await h.app.rest('POST', '/api/v1/people', { as: a, body: { firstName: 'Secondo' } })).body.data
    const t1 = await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, {
      as: a,
      body: { personId: p1.id, role: 'agent', isPrimary: true },
    })
    expect(t1.status).toBe(201)
    const t2 = await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, {
      as: a,
      body: { personId: p2.id, role: 'agent', isPrimary: true },
    })
    expect(t2.body.data).toMatchObject({ isPrimary: true, person: { firstName: 'Secondo' } })
    const teamNow = (await h.app.rest('GET', `/api/v1/artists/${artistId}/team`, { as: promoter })).body.data
    expect(teamNow.map((t: { person: { firstName: string }; isPrimary: boolean }) => [t.person.firstName, t.isPrimary])).toEqual([
      ['Secondo', true],
      ['Primo', false],
    ])
    const team = await h.app.db.teamAssignment.findMany({ where: { artistId }, orderBy: { id: 'asc' } })
    const dup = await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, { as: a, body: { personId: p1.id, role: 'agent' } })
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('already_assigned')
    expect(await h.app.db.teamAssignment.findMany({ where: { artistId }, orderBy: { id: 'asc' } })).toEqual(team)
    const ended = await h.app.rest('POST', `/api/v1/team-assignments/${t1.body.data.id}/end`, { as: a })
    expect(ended.body.data.endedAt).toBeTruthy()
  })

  it('keep one primary per role when several are made primary at once', async () => {
    const a = await newAgency()
    const artistId = await artistBy(a)
    await claimFor(a, artistId)
    const people = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.app.rest('POST', '/api/v1/people', { as: a, body: { firstName: `Agent ${i}` } })),
    )
    const results = await Promise.all(
      people.map((p) =>
        h.app.rest('POST', `/api/v1/artists/${artistId}/team`, {
          as: a,
          body: { personId: p.body.data.id, role: 'agent', isPrimary: true },
        }),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201))
    expect(await h.app.db.teamAssignment.count({ where: { artistId, role: 'agent', isPrimary: true, endedAt: null } })).toBe(1)
    const assignments = await h.app.db.teamAssignment.findMany({ where: { artistId } })
    const again = await Promise.all(
      assignments.map((t) => h.app.rest('PATCH', `/api/v1/team-assignments/${t.id}`, { as: a, body: { isPrimary: true } })),
    )
    expect(again.every((r) => r.status === 200)).toBe(true)
    expect(await h.app.db.teamAssignment.count({ where: { artistId, role: 'agent', isPrimary: true, endedAt: null } })).toBe(1)
  })

  it('refuse people of other agencies and agencies that do not represent the artist', async () => {
    const a = await newAgency()
    const b = await newAgency()
    const artistId = await artistBy(a)
    await claimFor(a, artistId)
    const theirs = (await h.app.rest('POST', '/api/v1/people', { as: b, body: { firstName: 'Foreign' } })).body.data
    const foreign = await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, { as: a, body: { personId: theirs.id, role: 'booker' } })
    expect(validationFields(foreign)).toEqual([{ field: 'personId', message: 'not a person of your agency' }])
    const notRepresenting = await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, {
      as: b,
      body: { personId: theirs.id, role: 'booker' },
    })
    expect(notRepresenting.body.error.code).toBe('not_representing')
  })
})

describe('through GraphQL', () => {
  it('answers who represents an artist, what its team is, and which roles are disputed', async () => {
    const a = await newAgency()
    const artistId = await artistBy(a, 'Graph Represented')
    await claimFor(a, artistId)
    const person = (await h.app.rest('POST', '/api/v1/people', { as: a, body: { firstName: 'Gia' } })).body.data
    await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, { as: a, body: { personId: person.id, role: 'manager' } })
    const challenger = await newAgency()
    const claim = await h.app.graphql(
      'mutation($id: ID!) { claimRepresentation(input: { artistId: $id, message: "signed with us" }) { status dispute { status incumbentAgencyId } } }',
      { id: artistId },
      { as: challenger },
    )
    expect(claim.data.claimRepresentation).toEqual({ status: 'DISPUTED', dispute: { status: 'OPEN', incumbentAgencyId: a.agencyId } })
    const r = await h.app.graphql(
      'query($id: ID!) { artist(id: $id) { name disputedRoles representation { role startsOn endsOn agency { id roster { artist { name } } } } team { role person { firstName } } } }',
      { id: artistId },
      { as: promoter },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.artist).toEqual({
      name: 'Graph Represented',
      disputedRoles: ['AGENCY'],
      representation: [
        {
          role: 'AGENCY',
          startsOn: formatDay(today()),
          endsOn: null,
          agency: { id: a.agencyId, roster: [{ artist: { name: 'Graph Represented' } }] },
        },
      ],
      team: [{ role: 'MANAGER', person: { firstName: 'Gia' } }],
    })
    const disputes = await h.app.graphql(
      '{ representationDisputes(filter: { status: OPEN }) { edges { node { role claims { status agency { id } } events { type } } } } }',
      {},
      { as: a },
    )
    expect(disputes.data.representationDisputes.edges[0].node).toMatchObject({
      role: 'AGENCY',
      claims: [{ status: 'DISPUTED', agency: { id: challenger.agencyId } }],
    })

    // Platform reviewers see every disputed claim and dispute; an agency cannot use their lists.
    const review =
      '{ adminRepresentationClaims(filter: { status: DISPUTED }) { edges { node { artist { id } agency { id } } } } adminRepresentationDisputes(filter: { status: OPEN }) { edges { node { artist { id } } } } }'
    const asPlatform = await h.app.graphql(review, {}, { as: 'machine' })
    expect(asPlatform.errors).toBeUndefined()
    expect(
      asPlatform.data.adminRepresentationClaims.edges.map((e: { node: { artist: { id: string }; agency: { id: string } } }) => [
        e.node.artist.id,
        e.node.agency.id,
      ]),
    ).toContainEqual([artistId, challenger.agencyId])
    expect(asPlatform.data.adminRepresentationDisputes.edges.map((e: { node: { artist: { id: string } } }) => e.node.artist.id)).toContain(
      artistId,
    )
    const asAgency = await h.app.graphql(review, {}, { as: a })
    expect(asAgency.data).toEqual({ adminRepresentationClaims: null, adminRepresentationDisputes: null })
    expect(asAgency.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN'])
  })
})
