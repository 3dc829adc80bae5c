// The marketplace's `agency` (the card) and `agencyId` (the filter) are the agency that books the artist today, as the
// booking pipeline reads it: a representation that only starts later is neither (found in review, stop 33).
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { addDays, formatDay, today } from '../src/dates.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, approvedClaim } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

const search = (query: Record<string, string>) =>
  h.app.rest('GET', `/api/v1/marketplace/artists?${new URLSearchParams({ ...query, live: 'true' })}`, { as: promoter })

describe("the marketplace's agency of an artist", () => {
  it('does not name, nor filter by, an agency whose representation only starts in ten days', async () => {
    // An artist nobody represents today; an agency's claim from ten days ahead is approved (its link starts then).
    const future = await agencySession(h.auth, h.app.db)
    const name = `Future ${randomUUID().slice(0, 6)}`
    const created = await h.app.rest('POST', '/api/v1/artists', { as: future, body: { name } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const artistId = created.body.data.id as string
    const startsOn = formatDay(addDays(today(), 10))
    await approvedClaim(future, { artistId, startsOn })
    const link = await h.app.db.rosterLink.findFirstOrThrow({ where: { artistId, agencyId: future.agencyId } })
    expect(formatDay(link.startsOn)).toBe(startsOn)

    // The pipeline agrees nobody books the artist today: a request is refused.
    const request = await h.app.rest('POST', '/api/v1/booking-requests', {
      as: promoter,
      body: { artistId, ...nextSlot(), venueName: 'Sala Apolo', city: 'Barcelona', countryCode: 'es', budget: 1_000_000, currency: 'EUR' },
    })
    expect(request.status, JSON.stringify(request.body)).toBe(409)

    // The marketplace: the card must not name an agency that does not book the artist today …
    const byName = await search({ q: name })
    expect(byName.status, JSON.stringify(byName.body)).toBe(200)
    expect(byName.body.data.items.map((i: { artistId: string }) => i.artistId)).toEqual([artistId])
    expect(byName.body.data.items[0].agency).toBeNull()
    // … and the agency filter must not find it under that agency.
    const byAgency = await search({ agencyId: future.agencyId })
    expect(byAgency.status).toBe(200)
    expect(byAgency.body.data.items.map((i: { artistId: string }) => i.artistId)).toEqual([])
  })

  it('a scheduled handover: filtering by the successor does not find the artist the incumbent books today', async () => {
    const artistId = await representedArtist(agency, `Handover ${randomUUID().slice(0, 6)}`)
    await h.app.db.rosterLink.updateMany({ where: { artistId, agencyId: agency.agencyId }, data: { startsOn: addDays(today(), -30) } })
    const successor = await agencySession(h.auth, h.app.db)
    const claim = await h.app.rest('POST', '/api/v1/representation-claims', {
      as: successor,
      body: { artistId, startsOn: formatDay(addDays(today(), 20)) },
    })
    expect(claim.status, JSON.stringify(claim.body)).toBe(201)
    const handed = await h.app.rest('POST', `/api/v1/representation-claims/${claim.body.data.id}/accept-handover`, { as: agency, body: {} })
    expect(handed.status, JSON.stringify(handed.body)).toBe(200)

    const incumbent = await search({ agencyId: agency.agencyId })
    expect(incumbent.body.data.items.map((i: { artistId: string }) => i.artistId)).toContain(artistId)
    const card = incumbent.body.data.items.find((i: { artistId: string }) => i.artistId === artistId)
    expect(card.agency.id).toBe(agency.agencyId)
    // The successor does not book the artist today.
    const next = await search({ agencyId: successor.agencyId })
    expect(next.status).toBe(200)
    expect(next.body.data.items.map((i: { artistId: string }) => i.artistId)).toEqual([])
  })
})
