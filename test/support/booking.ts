// Booking pipelines for the suites that need one: an artist represented by an agency, a request, an offer,
// an accepted hold, a confirmed booking — each step through the real API.
import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { addDays, dayOf, formatDay } from '../../src/dates.ts'
import type { TestApp } from './app.ts'
import type { Session } from './auth-stand-in.ts'

export type AgencySession = Session & { agencyId: string }

const DAY = 86_400_000
let slot = 0

/** The first of January five years from now: far enough ahead that the slots never fall into the past. */
const SLOTS_FROM = Date.UTC(new Date().getUTCFullYear() + 5, 0, 1)

/** A fresh two-hour slot in the future, so tests never collide on dates unless they mean to. */
export function nextSlot(daysAhead = 30) {
  const start = new Date(SLOTS_FROM + daysAhead * DAY + slot++ * 3 * DAY)
  return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString() }
}

/** The day `offset` days after a slot's first day (00:00 UTC), where a test publishes windows around a booking. */
export const slotDate = (when: { startsAt: string }, offset: number) => addDays(dayOf(when.startsAt.slice(0, 10)), offset)

/** slotDate as YYYY-MM-DD. */
export const slotDay = (when: { startsAt: string }, offset: number) => formatDay(slotDate(when, offset))

export const flat = { fee: 1_500_000, currency: 'eur', dealType: 'flat', deposit: 500_000 }

export function pipelines(app: () => TestApp, agency: () => AgencySession) {
  async function representedArtist(by: AgencySession = agency(), name = `Touring ${randomUUID().slice(0, 6)}`) {
    const artist = await app().rest('POST', '/api/v1/artists', { as: by, body: { name } })
    await app().rest('POST', '/api/v1/representation-claims', { as: by, body: { artistId: artist.body.data.id } })
    return artist.body.data.id as string
  }

  async function request(as: Session, artistId: string, when = nextSlot(), extra: Record<string, unknown> = {}) {
    const r = await app().rest('POST', '/api/v1/booking-requests', {
      as,
      body: {
        artistId,
        ...when,
        venueName: 'Sala Apolo',
        city: 'Barcelona',
        countryCode: 'es',
        budget: 1_200_000,
        currency: 'EUR',
        ...extra,
      },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data
  }

  /** request → offer → accept: an active hold on the date. */
  async function held(as: Session, artistId: string, when = nextSlot(), by: AgencySession = agency()) {
    const req = await request(as, artistId, when)
    const offer = await app().rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: by, body: flat })
    const accepted = await app().rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as, body: {} })
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    const detail = await app().rest('GET', `/api/v1/booking-requests/${req.id}`, { as })
    return { requestId: req.id as string, offerId: offer.body.data.id as string, hold: detail.body.data.holds[0] }
  }

  /** …and confirmed: a booking. */
  async function booked(as: Session, artistId: string, when = nextSlot(), by: AgencySession = agency()) {
    const { hold, requestId } = await held(as, artistId, when, by)
    const booking = await app().rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: by })
    expect(booking.status, JSON.stringify(booking.body)).toBe(201)
    return { requestId, holdId: hold.id as string, booking: booking.body.data }
  }

  /**
   * `to` takes the artist over from `from` today, which has represented it for a month (so that its representation
   * keeps days of its own): an approved claim and its handover.
   */
  async function handedOver(artistId: string, to: AgencySession, from: AgencySession = agency()) {
    const claim = await app().rest('POST', '/api/v1/representation-claims', { as: to, body: { artistId } })
    expect(claim.status, JSON.stringify(claim.body)).toBe(201)
    await app().db.rosterLink.updateMany({
      where: { artistId, agencyId: from.agencyId },
      data: { startsOn: new Date(Date.now() - 30 * DAY) },
    })
    const handed = await app().rest('POST', `/api/v1/representation-claims/${claim.body.data.id}/accept-handover`, { as: from, body: {} })
    expect(handed.status, JSON.stringify(handed.body)).toBe(200)
  }

  /** `as`'s representation claim (`body`: the artist, a role, a first day…), approved by the admin when it waits for review. */
  async function approvedClaim(as: AgencySession, body: { artistId: string; role?: string; startsOn?: string }) {
    const claim = await app().rest('POST', '/api/v1/representation-claims', { as, body })
    expect(claim.status, JSON.stringify(claim.body)).toBe(201)
    if (claim.body.data.status === 'pending') {
      const ok = await app().rest('POST', `/internal/admin/representation-claims/${claim.body.data.id}/approve`, {
        as: 'machine',
        body: {},
      })
      expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    }
  }

  /** `as` manages the artist (its approved management claim). */
  const managed = (artistId: string, as: AgencySession) => approvedClaim(as, { artistId, role: 'management' })

  return { representedArtist, request, held, booked, handedOver, managed, approvedClaim }
}
