// The booking flow's read shapes and statements: the hand-written reads (one statement where the ORM needs
// one per relation) return what the ORM reads of the same rows, every field typed alike; the REST answers
// composed from the rows in hand equal the reads of the same objects; and the statements each step of
// request → offer → accept → confirm sends are pinned, so that a change that adds one says so.
import { beforeAll, describe, expect, it } from 'vitest'
import { pipelinesVisibleTo, visibleSql, type Party } from '../src/modules/booking/parties.ts'
import { columnsOf, nested } from '../src/modules/booking/views.ts'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, seedGeo } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let madrid: { id: string }

const { representedArtist } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  ;({ madrid } = await seedGeo(h.app.db))
})

/** Runs request → offer → accept → confirm over REST; `step` is told each step's name before its call. */
async function flow(artistId: string, step: (name: string) => void = () => {}, offer: Record<string, unknown> = {}, place = {}) {
  step('request')
  const request = await h.app.rest('POST', '/api/v1/booking-requests', {
    as: promoter,
    body: { artistId, ...nextSlot(), ...place, venueName: 'Sala Apolo', budget: 1_200_000, currency: 'EUR' },
  })
  expect(request.status, JSON.stringify(request.body)).toBe(201)
  step('offer')
  const made = await h.app.rest('POST', `/api/v1/booking-requests/${request.body.data.id}/offers`, {
    as: agency,
    body: { fee: 1_000_000, currency: 'EUR', dealType: 'flat', ...offer },
  })
  expect(made.status, JSON.stringify(made.body)).toBe(201)
  step('accept')
  const accepted = await h.app.rest('POST', `/api/v1/booking-offers/${made.body.data.id}/accept`, { as: promoter, body: {} })
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
  step('confirm')
  const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${accepted.body.data.holds[0].id}/confirm`, { as: agency })
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201)
  step('done')
  return { request: request.body.data, offer: made.body.data, accepted: accepted.body.data, booking: confirmed.body.data }
}

describe('the booking read shapes', () => {
  it('reads each model as the ORM does, every field typed alike', async () => {
    const artistId = await representedArtist(agency)
    const terms = { deposit: 300_000, radiusKm: 50, radiusDaysBefore: 10, radiusDaysAfter: 5 }
    const { booking } = await flow(artistId, undefined, terms, { cityId: madrid.id })
    await h.app.db.artist.update({ where: { id: artistId }, data: { cityId: madrid.id, createdByOrgId: promoter.orgId } })
    const [row] = await h.app.db.$queryRaw<Record<string, unknown>[]>`
      SELECT ${columnsOf('Artist', 'a', 'artist')}, ${columnsOf('Agency', 'c', 'agency')}, ${columnsOf('City', 'g', 'city')},
        ${columnsOf('BookingRequest', 'r', 'request')}, ${columnsOf('BookingOffer', 'o', 'offer')}, ${columnsOf('BookingHold', 'x', 'hold')}
      FROM bookings b JOIN artists a ON a.id = b.artist_id JOIN artists_companies c ON c.id = b.agency_id JOIN geo_cities g ON g.id = b.city_id
        JOIN booking_requests r ON r.id = b.request_id JOIN booking_offers o ON o.id = b.offer_id JOIN booking_holds x ON x.id = b.hold_id
      WHERE b.id = ${booking.id}::uuid`
    const orm = await h.app.db.booking.findUniqueOrThrow({
      where: { id: booking.id },
      include: { artist: true, agency: true, city: true, request: true, offer: true, hold: true },
    })
    expect(orm.offer.deposit).toBe(300_000n)
    expect(nested(row!, 'Artist', 'artist')).toStrictEqual(orm.artist)
    expect(nested(row!, 'Agency', 'agency')).toStrictEqual(orm.agency)
    expect(nested(row!, 'City', 'city')).toStrictEqual(orm.city)
    expect(nested(row!, 'BookingRequest', 'request')).toStrictEqual(orm.request)
    expect(nested(row!, 'BookingOffer', 'offer')).toStrictEqual(orm.offer)
    expect(nested(row!, 'BookingHold', 'hold')).toStrictEqual(orm.hold)
  })

  it('sees in SQL exactly the pipelines the ORM condition sees, for each kind of party', async () => {
    const artistId = await representedArtist(agency)
    await flow(artistId)
    const stranger = await agencySession(h.auth, h.app.db)
    const parties: Party[] = [
      { side: 'promoter', userId: promoter.userId, orgId: promoter.orgId },
      { side: 'agency', userId: agency.userId, orgId: agency.orgId, agencyId: agency.agencyId },
      { side: 'agency', userId: stranger.userId, orgId: stranger.orgId, agencyId: stranger.agencyId },
    ]
    // The artist's management sees its pipelines through a roster link of its own.
    await h.app.db.rosterLink.create({
      data: { artistId, agencyId: stranger.agencyId, role: 'management', startsOn: new Date('2020-01-01') },
    })
    for (const party of parties) {
      const orm = await h.app.db.bookingRequest.findMany({ where: pipelinesVisibleTo(party), select: { id: true }, orderBy: { id: 'asc' } })
      const sql = await h.app.db.$queryRaw<{ id: string }[]>`SELECT r.id FROM booking_requests r WHERE ${visibleSql(party)} ORDER BY r.id`
      expect(sql.map((r) => r.id)).toEqual(orm.map((r) => r.id))
      expect(sql.length).toBeGreaterThan(0)
    }
  })

  it('answers each step with what a read of the same object shows', async () => {
    const artistId = await representedArtist(agency)
    const { request, offer, accepted, booking } = await flow(artistId, undefined, { deposit: 300_000 }, { cityId: madrid.id })
    const read = async (path: string, as: Session) => (await h.app.rest('GET', path, { as })).body.data
    // The request as it reads now, but for what the pipeline changed since.
    const { actions: _actions, blockedActions: _blocked, ...sent } = request
    expect(await read(`/api/v1/booking-requests/${request.id}`, promoter)).toMatchObject({
      ...sent,
      status: 'booked',
      updatedAt: expect.any(String),
    })
    expect(offer.depositTerms).toHaveLength(1)
    expect(accepted.holds).toHaveLength(1)
    // The accepted offer as it reads now, but for its hold (confirmed since): the answer showed it active.
    const offerNow = await read(`/api/v1/booking-offers/${offer.id}`, promoter)
    expect({
      ...offerNow,
      holds: accepted.holds,
      request: { ...offerNow.request, status: 'held', updatedAt: accepted.request.updatedAt },
    }).toStrictEqual(accepted)
    expect(await read(`/api/v1/bookings/${booking.id}`, agency)).toMatchObject(booking)
    expect(booking).toMatchObject({ city: { id: madrid.id }, timezone: 'Europe/Madrid', depositTerms: [{ amount: 300_000 }] })
  })
})

describe('the statements of the booking flow', () => {
  it('sends a pinned number of statements per step (BEGIN and COMMIT included)', async () => {
    const artistId = await representedArtist(agency)
    await flow(await representedArtist(agency))
    const perStep: Record<string, number> = {}
    let at = h.app.sql.length
    let current = ''
    await flow(artistId, (name) => {
      if (current) perStep[current] = h.app.sql.length - at
      at = h.app.sql.length
      current = name
    })
    expect(perStep).toEqual({ request: 1, offer: 5, accept: 5, confirm: 7 })
  })
})
