// Deal terms past what the faces carry: without a fee nothing else bounds a deposit schedule, whose total is a JSON
// number on both faces (src/money.ts); a larger sum is refused, nothing written.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
const { representedArtist, request } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('deposit schedule of a deal without a fee', () => {
  it('refuses a deposit total beyond what the API can represent (400, nothing written) instead of storing it', async () => {
    const artistId = await representedArtist(agency)
    const req = await request(promoter, artistId)
    const huge = Number.MAX_SAFE_INTEGER
    const offer = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, {
      as: agency,
      body: {
        currency: 'EUR',
        dealType: 'percentage',
        percentage: 80,
        depositTerms: [
          { kind: 'flat', amount: huge },
          { kind: 'flat', amount: huge },
          { kind: 'flat', amount: huge },
        ],
      },
    })
    expect(validationFields(offer).map((f) => f.field)).toEqual(['depositTerms'])
    expect(await h.app.db.bookingOffer.findMany({ where: { requestId: req.id } })).toEqual([])
    // The largest schedule the faces carry is taken.
    const most = await h.app.rest('POST', `/api/v1/booking-requests/${req.id}/offers`, {
      as: agency,
      body: { currency: 'EUR', dealType: 'percentage', percentage: 80, depositTerms: [{ kind: 'flat', amount: huge }] },
    })
    expect(most.status, JSON.stringify(most.body)).toBe(201)
    expect(most.body.data.deposit).toBe(huge)
  })
})
