// Paper sent early on a hold after a handover names the agency that will confirm it: the one representing the artist
// now, which the booking is credited to.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let former: AgencySession
let promoter: Session
const { representedArtist, held, handedOver } = pipelines(
  () => h.app,
  () => former,
)

beforeAll(async () => {
  former = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('paper sent early on a hold after a handover', () => {
  it('fills {{agency.name}} with the agency representing the artist now, not the former one', async () => {
    const artistId = await representedArtist(former)
    const { hold } = await held(promoter, artistId)
    const newcomer = await agencySession(h.auth, h.app.db)
    await handedOver(artistId, newcomer, former)
    const template = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: newcomer,
      body: { name: 'Early paper', body: 'Agency: {{agency.name}}. Artist: {{artist.name}}.' },
    })
    const drafted = await h.app.rest('POST', '/api/v1/contracts', {
      as: newcomer,
      body: { templateId: template.body.data.id, holdId: hold.id },
    })
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201)
    const names = Object.fromEntries(
      (await h.app.db.agency.findMany({ where: { id: { in: [former.agencyId, newcomer.agencyId] } } })).map((a) => [a.id, a.name]),
    )
    // The newcomer drafts, confirms and signs this deal: the contract names it.
    expect(drafted.body.data.current.body).toContain(`Agency: ${names[newcomer.agencyId]}.`)
    // The booking confirmed on that hold is credited to the newcomer.
    const booking = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: newcomer })
    expect(booking.body.data.agencyId).toBe(newcomer.agencyId)
    // Its contract leads to that booking for the newcomer; the former agency, which does not read the booking, is led
    // to none.
    const bookingOf = async (as: Session) => {
      const r = await h.app.graphql(`query($id: ID!) { contract(id: $id) { booking { id } } }`, { id: drafted.body.data.id }, { as })
      expect(r.errors).toBeUndefined()
      const { contract } = r.data as { contract: { booking: { id: string } | null } | null }
      expect(contract).not.toBeNull()
      return contract!.booking?.id ?? null
    }
    expect(await bookingOf(newcomer)).toBe(booking.body.data.id)
    expect(await bookingOf(former)).toBeNull()
  })
})
