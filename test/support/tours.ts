// Tours for tests: an artist the dealer represents and the manager manages, a draft tour over a fresh winter
// window, its stops and tour-day items, and confirmed bookings in a city — through the API, as users make them.
import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import type { TestApp } from './app.ts'
import type { Session } from './auth-stand-in.ts'
import { flat, pipelines, type AgencySession } from './booking.ts'

export type City = { id: string; countryCode: string; name: string }

export function tours(app: () => TestApp, parties: () => { dealer: AgencySession; manager: AgencySession; promoter: Session }) {
  const { representedArtist, request, managed } = pipelines(app, () => parties().dealer)

  // Winter dates, when London is UTC+0 and Helsinki UTC+2.
  const YEAR = new Date().getUTCFullYear() + 6
  let tourCount = 0
  /** A fresh January or February window per tour. */
  function nextWindow() {
    tourCount++
    const y = YEAR + Math.floor((tourCount - 1) / 2)
    const m = tourCount % 2 ? '01' : '02'
    return (d: number) => `${y}-${m}-${String(d).padStart(2, '0')}`
  }

  /** A confirmed booking of the artist in a city. */
  async function booking(artistId: string, startsAt: string, city: City) {
    const { dealer, promoter } = parties()
    const endsAt = new Date(Date.parse(startsAt) + 2 * 3600_000).toISOString()
    const req = await request(promoter, artistId, { startsAt, endsAt }, { cityId: city.id, countryCode: city.countryCode, city: city.name })
    const offer = await app().rest('POST', `/api/v1/booking-requests/${req.id}/offers`, { as: dealer, body: flat })
    expect(offer.status, JSON.stringify(offer.body)).toBe(201)
    expect((await app().rest('POST', `/api/v1/booking-offers/${offer.body.data.id}/accept`, { as: promoter, body: {} })).status).toBe(200)
    const detail = await app().rest('GET', `/api/v1/booking-requests/${req.id}`, { as: dealer })
    const confirmed = await app().rest('POST', `/api/v1/booking-holds/${detail.body.data.holds[0].id}/confirm`, { as: dealer })
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201)
    return confirmed.body.data.id as string
  }

  /** An artist the dealer represents and the manager manages, with a draft tour over a fresh window. */
  async function tourOf(extra: Record<string, unknown> = {}) {
    const artistId = await representedArtist()
    await managed(artistId, parties().manager)
    const day = nextWindow()
    const r = await app().rest('POST', '/api/v1/tours', {
      as: parties().dealer,
      body: { artistId, name: `Run ${randomUUID().slice(0, 6)}`, startsOn: day(1), endsOn: day(20), ...extra },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return { artistId, day, tourId: r.body.data.id as string }
  }

  async function stop(tourId: string, body: Record<string, unknown>) {
    const r = await app().rest('POST', `/api/v1/tours/${tourId}/stops`, { as: parties().dealer, body })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data.id as string
  }

  const addItem = (stopId: string, body: Record<string, unknown>, as: Session = parties().dealer) =>
    app().rest('POST', `/api/v1/tour-stops/${stopId}/itinerary-items`, { as, body })

  /** Itinerary items and outbox events: what a refusal must leave as it was. */
  const counts = async () => ({ items: await app().db.itineraryItem.count(), events: await app().db.outboxEvent.count() })

  return { representedArtist, request, nextWindow, booking, tourOf, stop, addItem, counts }
}
