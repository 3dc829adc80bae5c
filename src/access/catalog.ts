// The permission catalog: every permission this module enforces, and every access rule an operation can
// require. A GraphQL field or REST route names one rule; the same declaration is enforced (scope-auth /
// the route hook) and shown (@requiresPermission in the SDL / x-access in OpenAPI). docs/permissions.md is generated
// from this file by `npm run generate`.
//
// Permissions follow the platform's `<module>.<resource>.<action>` naming; the module of a permission is
// its first segment and must also be among the caller's effective modules.

export const MODULES = {
  artist: { title: 'Artist Relations (agency / management side)', aliases: ['artist', 'artists'] },
  promoter: { title: 'Promoters (buyer side)', aliases: ['promoter', 'promoters', 'basic_promoter', 'basic_promoters'] },
} as const

export type Module = keyof typeof MODULES

export const PERMISSIONS = {
  'artist.directory.read': 'Browse the network directory: artists, agencies, people, genres and geo',
  'artist.directory.manage': "Create and edit artists (profile, genres, platform accounts) and the agency's people",
  'artist.agency.manage': 'Bridge the company to an agency: claim or take over a sleeping agency, request a new one',
  'artist.roster.read': "See the agency's roster, representation claims and disputes",
  'artist.roster.manage': "Claim, hand over and end representation of artists; manage the artists' teams",
  'artist.availability.manage': 'Publish and edit the availability of the artists the agency books (its agency role)',
  'artist.bookings.read': 'See the booking pipeline of the artists the company represents or manages: requests, offers, holds, bookings',
  'artist.bookings.manage': 'Answer requests with offers, counter, hold, challenge, confirm and cancel bookings for the agency',
  'artist.contracts.read': 'See the contracts of the bookings of the artists the company represents or manages',
  'artist.contracts.manage': "Keep the agency's template library; draft, edit, send and void contracts",
  'artist.contracts.sign': 'Sign contracts for the agency side',
  'artist.finance.read': "See Finance's status of the agency's bookings (deposits, invoiced, paid, settlement) and their handoffs",
  'artist.finance.handoff': "Hand the agency's confirmed bookings over to Finance",
  'artist.itinerary.manage':
    'Keep the itinerary of the bookings of the artists the company represents or manages: add, edit, confirm, share and remove items',
  'artist.logistics.read':
    'See the logistics submissions and the itinerary of the bookings of the artists the company represents or manages',
  'artist.logistics.approve': 'Approve, reject or request changes on promoter-submitted logistics for the artist side (one-layer approval)',
  'artist.tours.read': "See the tours of the artists the company represents or manages: stops, their deals' states and routing",
  'artist.tours.manage': "Group the agency artists' bookings, holds, requests and pencils into tours; edit stops and routing rules",
  'artist.dashboard.read': 'Agency (or management) dashboard, activity feed and task list',
  'artist.relationships.read': "See the company's relationship memory: summaries, booking history, the company's private notes and flags",
  'artist.relationships.manage': "Write the company's private notes and flags about promoters",
  'artist.ratings.submit': 'Rate the promoter of a booking after its event, for the agency side',
  'promoter.directory.read': 'Browse the network directory from a promoter company',
  'promoter.availability.read': 'Search artist availability (discovery)',
  'promoter.bookings.read': "See the company's booking requests, offers, holds and bookings",
  'promoter.bookings.manage': 'Send booking requests, counter, accept or decline offers, challenge and release holds',
  'promoter.contracts.read': "See the contracts of the company's bookings",
  'promoter.contracts.manage': "Keep the company's template library; draft, edit, send and void contracts",
  'promoter.contracts.sign': 'Sign contracts for the promoter side',
  'promoter.finance.read': "See Finance's status of the company's bookings (deposits, invoiced, paid, settlement) and their handoffs",
  'promoter.finance.handoff': "Hand the company's confirmed bookings over to Finance",
  'promoter.logistics.read': "See the logistics submissions of the company's bookings and the itinerary items shared with it",
  'promoter.logistics.submit': "Submit hotel, hospitality, technical, transport and other logistics proposals for the company's bookings",
  'promoter.dashboard.read': 'Promoter dashboard, activity feed and task list',
  'promoter.shortlists.read': "See the company's shared shortlists and one's own private ones",
  'promoter.shortlists.manage': 'Create and edit shortlists; send booking requests from them',
  'promoter.relationships.read': "See the company's relationship memory: summaries, booking history, the company's private notes and flags",
  'promoter.relationships.manage': "Write the company's private notes and flags about agencies",
  'promoter.ratings.submit': 'Rate the agency side of a booking after its event, for the company',
} as const satisfies Record<`${Module}.${string}.${string}`, string>

export type Permission = keyof typeof PERMISSIONS

export interface RuleDefinition {
  description: string
  /** Any one of these permissions (with its module) lets a tenant user through. */
  anyOf: readonly Permission[]
  /** Machine callers (X-Internal-API-Key) are let through. */
  internal: boolean
  /**
   * Agency-side operational work: a caller passing through an `artist.*` permission must belong to a
   * company bridged to an agency (an approved company claim), else 403 agency_not_bridged.
   */
  agencyGate: boolean
}

export const RULES = {
  'viewer.read': {
    description:
      'Who am I: the signed-in user, company, sides, agency bridge and effective permissions. Open to every tenant user of the module (any one permission of it)',
    anyOf: Object.keys(PERMISSIONS) as Permission[],
    internal: false,
    agencyGate: false,
  },
  'directory.read': {
    description:
      'Read the directory (network-wide reference data). `artist.agency.manage` is included: a user who may bridge the company to an agency browses the directory to find it (sleeping agencies, the agency of a request)',
    anyOf: ['artist.directory.read', 'promoter.directory.read', 'artist.agency.manage'],
    internal: true,
    agencyGate: false,
  },
  'directory.manage': {
    description: 'Write artists and people on behalf of an agency',
    anyOf: ['artist.directory.manage'],
    internal: true,
    agencyGate: true,
  },
  'directory.curate': {
    description: 'Curate platform reference data: agencies, genres, geo, provider references (platform admins, through the Admin backend)',
    anyOf: [],
    internal: true,
    agencyGate: false,
  },
  'agency.view': {
    description: "See the company's agency bridge (bridged or not, pending requests): open to every artist-side user",
    anyOf: ['artist.agency.manage', 'artist.directory.read'],
    internal: false,
    agencyGate: false,
  },
  'agency.provision': {
    description: 'Ask to be bridged to an agency (company claims, takeover and creation requests); open before bridging',
    anyOf: ['artist.agency.manage'],
    internal: false,
    agencyGate: false,
  },
  'roster.read': {
    description: "Read the agency's roster, representation claims and disputes",
    anyOf: ['artist.roster.read', 'artist.roster.manage'],
    internal: false,
    agencyGate: true,
  },
  'roster.manage': {
    description: 'Change representation and artist teams on behalf of the agency',
    anyOf: ['artist.roster.manage'],
    internal: false,
    agencyGate: true,
  },
  'availability.read': {
    description: 'Read published availability and search it',
    anyOf: ['artist.directory.read', 'promoter.directory.read', 'promoter.availability.read'],
    internal: true,
    agencyGate: false,
  },
  'availability.manage': {
    description: 'Publish and edit availability for the artists the agency books',
    anyOf: ['artist.availability.manage'],
    internal: false,
    agencyGate: true,
  },
  'marketplace.read': {
    description:
      'Search the marketplace: listed artists by genre, place, shows near a city around a date, published fee guidance and availability',
    anyOf: ['promoter.directory.read', 'promoter.availability.read', 'artist.directory.read'],
    internal: true,
    agencyGate: false,
  },
  'bookings.read': {
    description: 'Read the booking pipeline the company is party to',
    anyOf: ['artist.bookings.read', 'artist.bookings.manage', 'promoter.bookings.read', 'promoter.bookings.manage'],
    internal: false,
    agencyGate: true,
  },
  'bookings.manage': {
    description: "Act in the booking pipeline for the company (its side: agency or promoter; the artist's management only reads)",
    anyOf: ['artist.bookings.manage', 'promoter.bookings.manage'],
    internal: false,
    agencyGate: true,
  },
  'contracts.read': {
    description: 'Read the contracts (and template library) of the company',
    anyOf: [
      'artist.contracts.read',
      'artist.contracts.manage',
      'artist.contracts.sign',
      'promoter.contracts.read',
      'promoter.contracts.manage',
      'promoter.contracts.sign',
    ],
    internal: false,
    agencyGate: true,
  },
  'contracts.manage': {
    description: 'Keep the template library; draft, edit, send, void contracts and manage their signers and attachments',
    anyOf: ['artist.contracts.manage', 'promoter.contracts.manage'],
    internal: false,
    agencyGate: true,
  },
  'contracts.sign': {
    description: "Sign a contract as one of its signers, for the caller's side",
    anyOf: ['artist.contracts.sign', 'promoter.contracts.sign'],
    internal: false,
    agencyGate: true,
  },
  'finance.read': {
    description: "See a booking's agreed terms beside Finance's last status for the caller's side, and the side's handoffs",
    anyOf: ['artist.finance.read', 'artist.finance.handoff', 'promoter.finance.read', 'promoter.finance.handoff'],
    internal: false,
    agencyGate: true,
  },
  'finance.handoff': {
    description: 'Hand a confirmed booking over to Finance for the side that acts on it',
    anyOf: ['artist.finance.handoff', 'promoter.finance.handoff'],
    internal: false,
    agencyGate: true,
  },
  'dashboard.read': {
    description: "The company's dashboard, activity feed and tasks, for its side (agency, management or promoter)",
    anyOf: ['artist.dashboard.read', 'promoter.dashboard.read'],
    internal: false,
    agencyGate: true,
  },
  'shortlists.read': {
    description: "Read the company's shared shortlists and the caller's private ones",
    anyOf: ['promoter.shortlists.read', 'promoter.shortlists.manage'],
    internal: false,
    agencyGate: false,
  },
  'shortlists.manage': {
    description: 'Create, edit and delete shortlists and their items; send booking requests to a shortlist’s artists',
    anyOf: ['promoter.shortlists.manage'],
    internal: false,
    agencyGate: false,
  },
  'finance.sync': {
    description: "Finance's machine calls: push booking status, read the deal, acknowledge or reject handoffs",
    anyOf: [],
    internal: true,
    agencyGate: false,
  },
  'itinerary.read': {
    description: "Read a booking's itinerary and day sheet: the artist side sees every item, the promoter the items shared with it",
    anyOf: [
      'artist.itinerary.manage',
      'artist.logistics.read',
      'artist.logistics.approve',
      'artist.tours.read',
      'artist.tours.manage',
      'promoter.logistics.read',
      'promoter.logistics.submit',
    ],
    internal: false,
    agencyGate: true,
  },
  'itinerary.manage': {
    description:
      'Add, edit and remove itinerary items of a booking for the artist side (the agency representing the artist or its management)',
    anyOf: ['artist.itinerary.manage', 'artist.tours.manage'],
    internal: false,
    agencyGate: true,
  },
  'logistics.read': {
    description: 'Read the logistics submissions of the bookings the company is party to (the review inbox included)',
    anyOf: ['artist.logistics.read', 'artist.logistics.approve', 'promoter.logistics.read', 'promoter.logistics.submit'],
    internal: false,
    agencyGate: true,
  },
  'logistics.submit': {
    description: "Create, edit, submit, resubmit and withdraw logistics proposals for the promoter's bookings",
    anyOf: ['promoter.logistics.submit'],
    internal: false,
    agencyGate: false,
  },
  'logistics.decide': {
    description:
      'Approve, reject or request changes on a submitted version for the artist side (the representing agency or the management)',
    anyOf: ['artist.logistics.approve'],
    internal: false,
    agencyGate: true,
  },
  'calendar.subscribe': {
    description: 'Create, rotate and revoke iCal feeds of an artist, showing what the creator may see',
    anyOf: [
      'artist.bookings.read',
      'artist.bookings.manage',
      'artist.itinerary.manage',
      'artist.logistics.read',
      'artist.tours.read',
      'artist.tours.manage',
      'promoter.bookings.read',
      'promoter.bookings.manage',
      'promoter.logistics.read',
    ],
    internal: false,
    agencyGate: true,
  },
  'tours.read': {
    description: 'Read tours (stops, routing, what-if previews) of the artists the company represents or manages, and those it owns',
    anyOf: ['artist.tours.read', 'artist.tours.manage'],
    internal: false,
    agencyGate: true,
  },
  'tours.manage': {
    description: 'Create, edit, confirm, cancel and archive tours and their stops for the agency representing the artist now',
    anyOf: ['artist.tours.manage'],
    internal: false,
    agencyGate: true,
  },
  'relationships.read': {
    description:
      "Read the company's relationships: summaries and history with each counterparty, and the company's own private notes and flags",
    anyOf: ['artist.relationships.read', 'artist.relationships.manage', 'promoter.relationships.read', 'promoter.relationships.manage'],
    internal: false,
    agencyGate: true,
  },
  'relationships.manage': {
    description: "Write, edit and delete the company's private notes and flags about a counterparty",
    anyOf: ['artist.relationships.manage', 'promoter.relationships.manage'],
    internal: false,
    agencyGate: true,
  },
  'ratings.read': {
    description: "See a booking's ratings: the caller's side's own, and the other side's once revealed",
    anyOf: [
      'artist.bookings.read',
      'artist.bookings.manage',
      'artist.ratings.submit',
      'promoter.bookings.read',
      'promoter.bookings.manage',
      'promoter.ratings.submit',
    ],
    internal: false,
    agencyGate: true,
  },
  'ratings.submit': {
    description: 'Rate the other side of a booking after its event, once per booking and side, editable until revealed',
    anyOf: ['artist.ratings.submit', 'promoter.ratings.submit'],
    internal: false,
    agencyGate: true,
  },
  'trust.read': {
    description: "Read a company's trust score and the factors behind it (network-wide aggregates only, never a single rating)",
    anyOf: ['artist.directory.read', 'promoter.directory.read'],
    internal: true,
    agencyGate: false,
  },
  'platform.operate': {
    description: 'Platform maintenance (e.g. sweeping expired offers and holds)',
    anyOf: [],
    internal: true,
    agencyGate: false,
  },
  'platform.review': {
    description: 'Review company claims, agency provisioning requests and representation claims/disputes (platform admins)',
    anyOf: [],
    internal: true,
    agencyGate: false,
  },
} as const satisfies Record<string, RuleDefinition>

export type AccessRule = keyof typeof RULES

export const moduleOf = (permission: Permission): Module => permission.split('.')[0] as Module
