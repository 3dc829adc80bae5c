// A handover ends the former agency's team on the artist, as ending its last representation itself does (representation
// README, Teams): its people leave the artist's team on both faces, and it manages that team no more.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
const DAY = 86_400_000
type Agency = Session & { agencyId: string }
let promoter: Session

beforeAll(async () => {
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const newAgency = () => agencySession(h.auth, h.app.db)

describe("a handover and the former agency's team", () => {
  it("ends the former agency's team on the artist", async () => {
    const former: Agency = await newAgency()
    const artist = await h.app.rest('POST', '/api/v1/artists', { as: former, body: { name: `Handed ${randomUUID().slice(0, 6)}` } })
    const artistId = artist.body.data.id as string
    await h.app.rest('POST', '/api/v1/representation-claims', { as: former, body: { artistId } })
    const person = (await h.app.rest('POST', '/api/v1/people', { as: former, body: { firstName: 'Old', lastName: 'Agent' } })).body.data
    const assigned = await h.app.rest('POST', `/api/v1/artists/${artistId}/team`, {
      as: former,
      body: { personId: person.id, role: 'agent', isPrimary: true },
    })
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(201)
    // The former agency represented the artist for a month; the newcomer takes over today.
    await h.app.db.rosterLink.updateMany({
      where: { artistId, agencyId: former.agencyId },
      data: { startsOn: new Date(Date.now() - 30 * DAY) },
    })
    const newcomer: Agency = await newAgency()
    const claim = await h.app.rest('POST', '/api/v1/representation-claims', { as: newcomer, body: { artistId } })
    const handover = await h.app.rest('POST', `/api/v1/representation-claims/${claim.body.data.id}/accept-handover`, {
      as: former,
      body: {},
    })
    expect(handover.status, JSON.stringify(handover.body)).toBe(200)
    // The former agency represents the artist no more…
    const now = (await h.app.rest('GET', `/api/v1/artists/${artistId}/representation`, { as: promoter })).body.data
    expect(now.links.map((l: { agencyId: string }) => l.agencyId)).toEqual([newcomer.agencyId])
    // …so its people are no longer the artist's team (both faces), as when it ends the representation itself.
    const team = (await h.app.rest('GET', `/api/v1/artists/${artistId}/team`, { as: promoter })).body.data
    expect(team).toEqual([])
    const gql = await h.app.graphql(`query($id: ID!) { artist(id: $id) { team { id } } }`, { id: artistId }, { as: promoter })
    expect(gql.errors).toBeUndefined()
    expect((gql.data as { artist: { team: unknown[] } }).artist.team).toEqual([])
    const ended = await h.app.db.teamAssignment.findUniqueOrThrow({ where: { id: assigned.body.data.id } })
    expect(ended).toMatchObject({ isPrimary: false, endedAt: expect.any(Date) })
    // And it no longer manages that team.
    const patched = await h.app.rest('PATCH', `/api/v1/team-assignments/${assigned.body.data.id}`, {
      as: former,
      body: { role: 'booker' },
    })
    expect(patched.status).toBe(409)
  })
})
