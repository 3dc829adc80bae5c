// The browsable REST documentation: Swagger UI at /api/v1/docs over the same generated OpenAPI document as
// /api/v1/openapi.json, its assets served from the @fastify/swagger-ui package (nothing from the network).
// "Authorize" takes the bearer token and the x-org header once for every call tried from the page.
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export const API_DOCS_PATH = '/api/v1/docs'

/** The capability areas, in the order the page lists them; every route's tag is one of these. */
export const API_TAGS = [
  { name: 'Artists', description: 'Directory: artists, their profile, genres, platform accounts and provider references.' },
  { name: 'Agencies (artists companies)', description: 'Directory: market companies (agencies), with the `claimed` flag.' },
  { name: 'People', description: 'Directory: people (managers, agents, contacts).' },
  { name: 'Genres', description: 'Directory: genres and subgenres.' },
  { name: 'Geo', description: 'Directory: countries, regions and cities.' },
  { name: 'Company claims (ownership)', description: 'Who owns a company profile: claims and their review.' },
  { name: 'Representation', description: 'Who represents an artist: roster, teams, representation claims and disputes.' },
  { name: 'Representation (platform review)', description: 'Platform reviewers: representation claims and disputes.' },
  { name: 'Agency provisioning', description: 'Bridging a tenant company to its agency: takeover and creation requests.' },
  { name: 'Agency provisioning (platform review)', description: 'Platform reviewers: agency requests.' },
  { name: 'Availability', description: 'Windows an agency publishes for its artists, and the promoters’ search over them.' },
  { name: 'Marketplace', description: 'Listed artists for promoters: genre, place, shows near a city, fee guidance, availability.' },
  { name: 'Marketplace (platform)', description: 'Operators: rebuilding the marketplace read model from the base tables.' },
  { name: 'Booking pipeline', description: 'Request → offer ⇄ counter → hold → confirmed booking.' },
  { name: 'Booking pipeline (platform)', description: 'Platform maintenance of the booking pipeline.' },
  { name: 'Contract templates', description: 'Versioned template libraries per company.' },
  { name: 'Contracts', description: 'Contracts of a booking: versions, signers, signatures, attachments, timeline.' },
  { name: 'Finance', description: 'What a booking shows of Finance: agreed terms, Finance’s status, handoffs to Finance.' },
  { name: 'Finance (machine)', description: 'Finance’s own calls: status pushes, handoff pulls, acknowledgements.' },
  { name: 'Itinerary', description: 'Itinerary items of a booking (calls, travel, hotel, set…) in local time, and day sheets.' },
  { name: 'Logistics', description: 'Promoter logistics proposals (hotel, transport, flight…) and the artist side’s approvals.' },
  { name: 'Calendar feeds', description: 'Revocable iCal (RFC 5545) feeds of an artist’s dates behind a secret token.' },
  { name: 'Tours', description: 'Tours of an artist: stops (shows on deals, pencils, days off…), routing issues and what-if previews.' },
  { name: 'Inbox', description: 'Who am I, and the badge counts of the inbox screens.' },
  { name: 'Dashboards', description: "A company's dashboard, activity feed and tasks, for its side of the pipeline." },
  { name: 'Shortlists', description: 'Promoters’ lists of artists for an event idea, with live availability, and bulk booking requests.' },
  {
    name: 'Relationships',
    description: 'Relationship memory (summaries, history, private notes and flags), double-blind ratings and trust scores.',
  },
  { name: 'Events (platform)', description: 'The transactional outbox: events waiting, parked or published, and retries.' },
  { name: 'Operations', description: 'Liveness and readiness.' },
]

export async function registerApiDocs(app: FastifyInstance) {
  await app.register(swaggerUi, {
    routePrefix: API_DOCS_PATH,
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      // The token and x-org entered in "Authorize" survive a reload of the page.
      persistAuthorization: true,
      displayRequestDuration: true,
      filter: true,
      // Swagger UI's default sends the document to validator.swagger.io for a badge: no network beyond this service.
      validatorUrl: null,
    },
  })
}
