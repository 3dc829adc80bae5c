// A small, realistic data set for a first run on the embedded database: a few markets, genres,
// agencies (one bridged to the demo agency company, others sleeping), artists, contacts, and who
// represents whom.
// Loaded once, into an empty directory. The demo identities match `npm run token -- --as <preset>`.
import type { Db } from './client.ts'

export const DEMO = {
  agencyOrgId: '11111111-1111-4111-8111-111111111111',
  agencyUserId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  promoterOrgId: '22222222-2222-4222-8222-222222222222',
  promoterUserId: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
  unbridgedOrgId: '33333333-3333-4333-8333-333333333333',
  unbridgedUserId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc',
}

const COUNTRIES = [
  [
    'ES',
    'Spain',
    [
      ['Community of Madrid', 'MD', [['Madrid', 40.4168, -3.7038, 'Europe/Madrid']]],
      ['Catalonia', 'CT', [['Barcelona', 41.3874, 2.1686, 'Europe/Madrid']]],
    ],
  ],
  [
    'GB',
    'United Kingdom',
    [
      [
        'England',
        'ENG',
        [
          ['London', 51.5072, -0.1276, 'Europe/London'],
          ['Manchester', 53.4808, -2.2426, 'Europe/London'],
        ],
      ],
    ],
  ],
  [
    'US',
    'United States',
    [
      ['New York', 'NY', [['New York', 40.7128, -74.006, 'America/New_York']]],
      ['California', 'CA', [['Los Angeles', 34.0522, -118.2437, 'America/Los_Angeles']]],
    ],
  ],
  ['MX', 'Mexico', [['Mexico City', 'CMX', [['Mexico City', 19.4326, -99.1332, 'America/Mexico_City']]]]],
  ['AR', 'Argentina', [['Buenos Aires', 'C', [['Buenos Aires', -34.6037, -58.3816, 'America/Argentina/Buenos_Aires']]]]],
  ['CO', 'Colombia', [['Antioquia', 'ANT', [['Medellín', 6.2442, -75.5812, 'America/Bogota']]]]],
  ['DE', 'Germany', [['Berlin', 'BE', [['Berlin', 52.52, 13.405, 'Europe/Berlin']]]]],
  ['FR', 'France', [['Île-de-France', 'IDF', [['Paris', 48.8566, 2.3522, 'Europe/Paris']]]]],
] as const

const GENRES: [string, string[]][] = [
  ['Pop', ['Dance Pop', 'Indie Pop']],
  ['Rock', ['Indie Rock', 'Alternative']],
  ['Electronic', ['House', 'Techno', 'Drum and Bass']],
  ['Latin', ['Reggaeton', 'Latin Pop', 'Cumbia']],
  ['Hip-Hop', ['Trap']],
  ['Jazz', []],
  ['Flamenco', []],
]

const slug = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** A record the demo data made earlier, by the key it was made under: a typo in the data fails here, loudly. */
function made<T>(records: Record<string, T> | T[], key: string | number): T {
  const found = (records as Record<string | number, T>)[key]
  if (found === undefined) throw new Error(`the demo data refers to ${key}, which it never made`)
  return found
}

export async function loadDemoData(db: Db): Promise<boolean> {
  if ((await db.artist.count()) > 0 || (await db.agency.count()) > 0) return false

  const cityIds: Record<string, { id: string; countryId: string }> = {}
  const countryIds: Record<string, string> = {}
  for (const [code, name, regionList] of COUNTRIES) {
    const country = await db.country.upsert({ where: { code }, create: { code, name }, update: {} })
    countryIds[code] = country.id
    for (const [regionName, regionCode, cityList] of regionList) {
      const region = await db.region.create({ data: { countryId: country.id, name: regionName, code: regionCode } })
      for (const [cityName, latitude, longitude, timezone] of cityList) {
        const city = await db.city.create({
          data: { countryId: country.id, regionId: region.id, name: cityName, latitude, longitude, timezone },
        })
        cityIds[cityName] = { id: city.id, countryId: country.id }
      }
    }
  }

  const genreIds: Record<string, string> = {}
  for (const [name, subgenres] of GENRES) {
    const genre = await db.genre.create({ data: { name, slug: slug(name) } })
    genreIds[name] = genre.id
    for (const sub of subgenres) genreIds[sub] = (await db.genre.create({ data: { name: sub, slug: slug(sub), parentId: genre.id } })).id
  }

  const agency = async (name: string, city: string, kind: 'agency' | 'management', extra: { email?: string; websiteUrl?: string } = {}) =>
    db.agency.create({
      data: { name, slug: slug(name), kind, countryId: made(cityIds, city).countryId, cityId: made(cityIds, city).id, ...extra },
    })
  const sonar = await agency('Sonar Booking', 'Madrid', 'agency', {
    email: 'booking@sonarbooking.example',
    websiteUrl: 'https://sonarbooking.example',
  })
  const atlas = await agency('Atlas Artist Management', 'London', 'management', { email: 'hello@atlasmgmt.example' })
  await agency('Nightfall Agency', 'Berlin', 'agency', { websiteUrl: 'https://nightfall.example' })
  await agency('Río Talent', 'Mexico City', 'agency')
  await agency('Pampa Producciones', 'Buenos Aires', 'agency')

  await db.companyClaim.create({
    data: {
      companyId: sonar.id,
      orgId: DEMO.agencyOrgId,
      status: 'approved',
      requestedByUserId: DEMO.agencyUserId,
      reviewedBy: 'demo-data',
      decidedAt: new Date(),
    },
  })
  await db.agency.update({ where: { id: sonar.id }, data: { claimed: true } })
  await db.companyClaim.create({
    data: {
      companyId: atlas.id,
      orgId: '44444444-4444-4444-8444-444444444444',
      status: 'approved',
      reviewedBy: 'demo-data',
      decidedAt: new Date(),
    },
  })
  await db.agency.update({ where: { id: atlas.id }, data: { claimed: true } })

  const people: [string, string, string, string, string][] = [
    ['Lucía', 'Fernández', 'Head of Booking', 'lucia@sonarbooking.example', sonar.id],
    ['Marco', 'Ruiz', 'Booking Agent', 'marco@sonarbooking.example', sonar.id],
    ['Hannah', 'Price', 'Artist Manager', 'hannah@atlasmgmt.example', atlas.id],
  ]
  const personIds: string[] = []
  for (const [firstName, lastName, jobTitle, email, agencyId] of people) {
    personIds.push(
      (await db.person.create({ data: { firstName, lastName, jobTitle, email, agencyId, createdByOrgId: DEMO.agencyOrgId } })).id,
    )
  }

  const artists: [string, 'solo' | 'band' | 'dj', string, string[], string, number | null][] = [
    [
      'Luna Verde',
      'solo',
      'Madrid',
      ['Latin Pop', 'Pop'],
      'Madrid-born singer-songwriter blending Latin pop with flamenco phrasing.',
      2017,
    ],
    ['Los Satélites', 'band', 'Barcelona', ['Indie Rock', 'Alternative'], 'Five-piece indie rock band from Barcelona.', 2012],
    ['DJ Kairo', 'dj', 'Berlin', ['Techno', 'House'], 'Berlin techno DJ and producer, resident at warehouse nights.', null],
    ['Amaru', 'solo', 'Medellín', ['Reggaeton', 'Trap'], 'Urban Latin artist from Medellín.', 2019],
    ['The Night Owls', 'band', 'London', ['Indie Pop'], 'London dream-pop quartet.', 2015],
    ['Sofía Lago', 'solo', 'Buenos Aires', ['Jazz'], 'Jazz vocalist and pianist.', 2010],
    ['Marea Alta', 'band', 'Mexico City', ['Cumbia', 'Latin'], 'Cumbia big band.', 2014],
    ['Noa Sable', 'dj', 'Paris', ['House'], 'French house selector.', null],
  ]
  const since = new Date(Date.UTC(2024, 0, 1))
  for (const [index, [name, kind, city, genres, biography, formedYear]] of artists.entries()) {
    const artist = await db.artist.create({
      data: {
        name,
        slug: slug(name),
        kind,
        countryId: made(cityIds, city).countryId,
        cityId: made(cityIds, city).id,
        createdByOrgId: DEMO.agencyOrgId,
        profile: { create: { biography, formedYear } },
        genres: { create: genres.map((g, position) => ({ genreId: made(genreIds, g), position })) },
        platformAccounts: { create: [{ platform: 'spotify', url: `https://open.spotify.com/artist/${slug(name)}` }] },
      },
    })
    // Sonar Booking books the first five; Atlas manages two of them.
    if (index < 5) {
      const link = await db.rosterLink.create({
        data: { artistId: artist.id, agencyId: sonar.id, role: 'agency', territory: 'Worldwide', startsOn: since },
      })
      await db.representationEvent.create({
        data: { artistId: artist.id, type: 'representation_started', rosterLinkId: link.id, actorType: 'system', note: 'demo data' },
      })
      await db.teamAssignment.create({
        data: { artistId: artist.id, agencyId: sonar.id, personId: made(personIds, index % 2), role: 'agent', isPrimary: true },
      })
    }
    if (index === 0 || index === 4) {
      await db.rosterLink.create({ data: { artistId: artist.id, agencyId: atlas.id, role: 'management', startsOn: since } })
      await db.teamAssignment.create({
        data: { artistId: artist.id, agencyId: atlas.id, personId: made(personIds, 2), role: 'manager', isPrimary: true },
      })
    }
  }
  return true
}
