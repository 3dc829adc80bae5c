// The demo companies' users (what `npm run token -- --as <preset>` signs in as), and the deals a first run
// shows them: availability, three booking pipelines at different stages and a contract half signed. The deals are made
// through the REST API itself, as the demo users, so they follow every rule a real client meets.
import type { FastifyInstance } from 'fastify'
import { PERMISSIONS, type Module } from './access/catalog.ts'
import { mintDevToken, writeGrant, type DevGrant } from './auth/dev-identity.ts'
import type { Config } from './config.ts'
import { addDays, formatDay, today } from './dates.ts'
import { DEMO } from './db/demo-data.ts'

const permissionsOf = (module: Module) => Object.keys(PERMISSIONS).filter((p) => p.startsWith(`${module}.`))

export const DEMO_USERS = {
  agency: { userId: DEMO.agencyUserId, orgId: DEMO.agencyOrgId, modules: ['artist'], permissions: permissionsOf('artist') },
  promoter: { userId: DEMO.promoterUserId, orgId: DEMO.promoterOrgId, modules: ['promoter'], permissions: permissionsOf('promoter') },
  unbridged: { userId: DEMO.unbridgedUserId, orgId: DEMO.unbridgedOrgId, modules: ['artist'], permissions: permissionsOf('artist') },
} satisfies Record<string, Omit<DevGrant, 'tenantRole'>>

const TEMPLATE = `PERFORMANCE AGREEMENT

{{agency.name}}, acting for {{artist.name}}, and {{promoter.name}} ("the Buyer") agree that the artist performs
at {{venue.name}}, {{event.city}} ({{event.country}}) on {{event.date}}, from {{event.startsAt}} to {{event.endsAt}}.

Fee: {{deal.fee}} ({{deal.type}}). Deposits: {{deal.depositSchedule}} (total {{deal.deposit}}).
Radius clause: {{deal.radius}}.
Drafted on {{contract.date}}.`

/** Signs in a demo user: records its grant and mints its token. */
async function signIn(config: Config, user: Omit<DevGrant, 'tenantRole'>) {
  const auth = config.auth as { identityDir: string; issuer: string; audience: string }
  writeGrant(auth.identityDir, { ...user, tenantRole: 'ADMIN' })
  const token = await mintDevToken({ dir: auth.identityDir, issuer: auth.issuer, audience: auth.audience, userId: user.userId })
  return { authorization: `Bearer ${token}`, 'x-org': user.orgId }
}

/** Plays the demo deals through the API. Needs dev identity mode (it signs the demo users in itself). */
export async function playDemoDeals(app: FastifyInstance, config: Config): Promise<void> {
  const agency = await signIn(config, DEMO_USERS.agency)
  const promoter = await signIn(config, DEMO_USERS.promoter)
  const call = async <T = { id: string }>(
    as: Record<string, string>,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ): Promise<T> => {
    const res = await app.inject({ method, url, headers: as, payload })
    if (res.statusCode >= 300) throw new Error(`demo deals: ${method} ${url} answered ${res.statusCode} ${res.body}`)
    return (res.json() as { data: T }).data
  }
  const first = <T>(items: T[], what: string): T => {
    const [item] = items
    if (!item) throw new Error(`demo deals: no ${what}`)
    return item
  }
  const day = (offset: number) => formatDay(addDays(today(), offset))
  const evening = (offset: number) => ({ startsAt: `${day(offset)}T20:00:00.000Z`, endsAt: `${day(offset)}T22:00:00.000Z` })

  const roster = await call<{ items: { artist: { id: string; name: string } }[] }>(agency, 'GET', '/api/v1/roster?limit=50')
  const artist = Object.fromEntries(roster.items.map((l) => [l.artist.name, l.artist.id]))

  // Availability of the agency's artists for the next months.
  for (const [index, id] of Object.values(artist).entries()) {
    await call(agency, 'POST', `/api/v1/artists/${id}/availability`, {
      startsOn: day(14 + index),
      endsOn: day(60 + index),
      countryCode: index % 2 ? null : 'ES',
      feeMin: 800_000 + index * 200_000,
      feeMax: 2_000_000 + index * 300_000,
      currency: 'EUR',
    })
    await call(agency, 'POST', `/api/v1/artists/${id}/availability`, {
      startsOn: day(75),
      endsOn: day(90),
      status: 'tentative',
      notes: 'Festival season: ask first',
    })
  }

  const cityId = async (name: string) =>
    (await call<{ items: { id: string }[] }>(promoter, 'GET', `/api/v1/geo/cities?countryCode=ES&q=${name}`)).items[0]?.id
  const madrid = await cityId('Madrid')
  const barcelona = await cityId('Barcelona')

  // Luna Verde: asked, offered, countered, accepted, confirmed — and a contract the buyer has signed.
  const request = await call(promoter, 'POST', '/api/v1/booking-requests', {
    artistId: artist['Luna Verde'],
    ...evening(30),
    venueName: 'Sala Riviera',
    cityId: madrid,
    city: 'Madrid',
    countryCode: 'ES',
    budget: 1_200_000,
    currency: 'EUR',
    dealType: 'flat',
    message: 'Headline slot for our autumn series, 90 minutes.',
  })
  const offer = await call(agency, 'POST', `/api/v1/booking-requests/${request.id}/offers`, {
    fee: 1_500_000,
    currency: 'EUR',
    dealType: 'flat',
    deposit: 500_000,
  })
  const counter = await call(promoter, 'POST', `/api/v1/booking-offers/${offer.id}/counter`, {
    fee: 1_300_000,
    currency: 'EUR',
    dealType: 'flat',
    depositTerms: [
      { kind: 'flat', amount: 200_000 },
      { kind: 'percent', percent: 20, dueDaysBeforeEvent: 14 },
    ],
    radiusKm: 150,
    radiusDaysBefore: 60,
    radiusDaysAfter: 30,
  })
  const accepted = await call<{ holds: { id: string }[] }>(agency, 'POST', `/api/v1/booking-offers/${counter.id}/accept`, {})
  const booking = await call(agency, 'POST', `/api/v1/booking-holds/${first(accepted.holds, 'hold of the accepted offer').id}/confirm`, {})
  const template = await call(agency, 'POST', '/api/v1/contract-templates', { name: 'Standard performance agreement', body: TEMPLATE })
  const contract = await call<{ id: string; signers: { id: string }[]; current: { contentHash: string } }>(
    agency,
    'POST',
    '/api/v1/contracts',
    {
      templateId: template.id,
      bookingId: booking.id,
      values: [{ field: 'promoter.name', value: 'Noches de Madrid SL' }],
      signers: [
        { role: 'buyer', side: 'promoter', name: 'Noches de Madrid SL' },
        { role: 'agency_countersign', side: 'agency', name: 'Sonar Booking' },
      ],
    },
  )
  await call(agency, 'POST', `/api/v1/contracts/${contract.id}/send`)
  await call(promoter, 'POST', `/api/v1/contracts/${contract.id}/sign`, {
    signerId: first(contract.signers, 'signer of the contract').id,
    contentHash: contract.current.contentHash,
  })

  // DJ Kairo: an offer waiting for the promoter. Los Satélites: a request waiting for the agency.
  const kairo = await call(promoter, 'POST', '/api/v1/booking-requests', {
    artistId: artist['DJ Kairo'],
    ...evening(45),
    venueName: 'Fabrik',
    cityId: madrid,
    city: 'Madrid',
    countryCode: 'ES',
  })
  await call(agency, 'POST', `/api/v1/booking-requests/${kairo.id}/offers`, {
    fee: 900_000,
    currency: 'EUR',
    dealType: 'versus',
    percentage: 70,
  })
  await call(promoter, 'POST', '/api/v1/booking-requests', {
    artistId: artist['Los Satélites'],
    ...evening(52),
    venueName: 'Razzmatazz',
    cityId: barcelona,
    city: 'Barcelona',
    countryCode: 'ES',
    budget: 2_000_000,
    currency: 'EUR',
    message: 'Support for an international act; flexible on the date.',
  })
}
