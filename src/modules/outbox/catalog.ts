// The event catalog: every event this module publishes, with its payload fields and schema version.
// Consumers read it as docs/events.md (`npm run generate`); test/outbox.test.ts checks that every row the
// services write carries exactly the fields declared here. A payload carries ids, statuses and dates only:
// never notes, messages, terms or money, which stay behind the API's access rules.
import type { AccessRule } from '../../access/catalog.ts'

/** What an event is about (its aggregate), as events and the activity feed name it. */
export const AGGREGATES = [
  'booking_request',
  'booking_offer',
  'booking_hold',
  'booking',
  'contract',
  'representation',
  'availability',
  'finance_handoff',
  'itinerary_item',
  'logistics_submission',
  'calendar_feed',
  'tour',
  'relationship_note',
  'relationship_flag',
  'booking_rating',
  'artist',
  'agency',
  'person',
  'genre',
  'geo',
] as const
export type Aggregate = (typeof AGGREGATES)[number]

/**
 * Who may see an aggregate's events in a company's activity feed: a user of the company holding the read rule
 * of the area, so the feed never tells more than the area's own reads would (a user without
 * `relationships.read` learns of no note or flag). The pipeline's events show to every dashboard reader: the
 * dashboard itself counts and lists that pipeline. Keyed by aggregate (the feed filters on `aggregate_type`);
 * a new aggregate does not compile until it names its rule.
 */
export const FEED_READ_RULES = {
  booking_request: 'dashboard.read',
  booking_offer: 'dashboard.read',
  booking_hold: 'dashboard.read',
  booking: 'dashboard.read',
  contract: 'contracts.read',
  representation: 'roster.read',
  availability: 'availability.read',
  finance_handoff: 'finance.read',
  itinerary_item: 'itinerary.read',
  logistics_submission: 'logistics.read',
  calendar_feed: 'calendar.subscribe',
  tour: 'tours.read',
  relationship_note: 'relationships.read',
  relationship_flag: 'relationships.read',
  booking_rating: 'ratings.read',
  artist: 'directory.read',
  agency: 'directory.read',
  person: 'directory.read',
  genre: 'directory.read',
  geo: 'directory.read',
} as const satisfies Record<Aggregate, AccessRule>

/**
 * What the REST GET cache (src/cache/README.md) keeps, by what its answers read: an event invalidates the tags
 * of its family. Declared beside each family so that a new family cannot be added without saying which cached
 * reads it changes. `directory`: the directory's records (an artist's profile, genres and accounts included)
 * and who represents an artist; `availability`: the published windows; `calendar`: the days an artist is
 * booked (bookings) or held (active holds), which availability search and the marketplace subtract or show.
 */
export type CacheTag = 'directory' | 'availability' | 'calendar'

type Fields = Record<string, string>

interface Family {
  aggregate: Aggregate
  version: number
  payload: Fields
  events: Record<string, string>
  /** The cached reads this family's events change (empty: none is cached). */
  cacheTags: readonly CacheTag[]
}

const DIRECTORY_CHANGES = {
  created: 'The record was created',
  updated: 'The record was edited (for an artist: also its genres, platform accounts or provider references)',
  archived: 'The record was archived (hidden from listings)',
  restored: 'The record was restored',
}

/** A directory family: the record's id only; readers fetch the record through the API. */
const directoryFamily = (aggregate: Aggregate, record: string, events: Record<string, string> = DIRECTORY_CHANGES): Family => ({
  aggregate,
  version: 1,
  payload: { id: `The ${record}` },
  events,
  cacheTags: ['directory'],
})

const PIPELINE: Fields = {
  requestId: 'The booking request (pipeline) the change belongs to',
  artistId: 'The artist',
  agencyId: "The agency (market company) handling the pipeline; a booking's events: the agency credited with the booking",
  promoterOrgId: 'The promoter company (Auth tenant) that sent the request',
  venueId: 'The venue (Venue subgraph), when known',
  startsAt: 'Start of the engagement (instant)',
  endsAt: 'End of the engagement (instant)',
  fromStatus: 'Status before the change (null on creation)',
  toStatus: 'Status after the change',
  actorType: '`user` or `system` (expiry)',
  actorOrgId: 'The company of the acting user (null for the system)',
}

const TOUR: Fields = {
  tourId: 'The tour',
  artistId: 'The artist',
  agencyId: 'The agency that owns the tour',
  status: 'The tour status after the change',
  startsOn: 'First day of the declared window (YYYY-MM-DD)',
  endsOn: 'Last day of the declared window (YYYY-MM-DD)',
  actorOrgId: 'The company of the acting user',
}

const FAMILIES: Record<string, Family> = {
  itinerary: {
    aggregate: 'itinerary_item',
    version: 1,
    cacheTags: [],
    payload: {
      itemId: 'The itinerary item',
      bookingId: "A booking's item: its booking (null for a tour day's)",
      tourId: "A tour day's item: its tour (null for a booking's)",
      tourStopId: "A tour day's item: its stop, a day without a show (null for a booking's)",
      kind: 'lobby_call, travel_ground, hotel_checkin, set…',
      dayOn: 'The local day of its start (YYYY-MM-DD)',
      startsAt: 'Its start (instant)',
      timezone: 'The IANA time zone it is shown in',
      visibility: "`artist_side` or `shared` (with the promoter; a tour day's item is always `artist_side`)",
      confirmed: 'Whether the item is confirmed',
      sourceSubmissionId: 'The approved logistics submission that wrote it, if any',
    },
    events: {
      added:
        "An item was added (by the artist side, or by an approved hotel or transport proposal); a tour day's and an `artist_side` item's go to the artist side only; to the promoter, also when an item is shared with it",
      changed: "An item was edited (the promoter is told only of a shared item's edits)",
      removed:
        'An item was removed (by the artist side, or when its submission was superseded); to the promoter, also when an item stops being shared with it (the item as it last saw it)',
    },
  },
  'logistics.submission': {
    aggregate: 'logistics_submission',
    version: 1,
    cacheTags: [],
    payload: {
      submissionId: 'The submission',
      bookingId: 'Its booking',
      category: 'hotel, hospitality, technical, transport, ground, flight, catering, guest_list, other',
      subjectKey: 'What it is about within its category',
      version: 'The payload version concerned',
      payloadHash: 'SHA-256 of that version (canonical JSON)',
      fromStatus: 'Status before the step (null on creation)',
      toStatus: 'Status after the step',
      actorSide: '`promoter`, `agency` or `management` (null for the system)',
    },
    events: {
      created: 'The promoter drafted a proposal',
      edited: 'The promoter edited its draft (a new version)',
      submitted: 'The proposal was submitted to the artist side',
      resubmitted: 'The promoter resubmitted a new version after a change request',
      approved: 'The artist side approved a version',
      rejected: 'The artist side rejected a version',
      changes_requested: 'The artist side asked for changes on a version',
      withdrawn: 'The promoter withdrew it, or the booking was cancelled',
      superseded: 'A later approval on the same booking, category and subject replaced it',
    },
  },
  'calendar.feed': {
    aggregate: 'calendar_feed',
    version: 1,
    cacheTags: [],
    payload: {
      feedId: 'The feed',
      artistId: 'The artist whose dates it shows',
      includeFinancials: 'Whether the feed shows the fee',
    },
    events: {
      created: "A user created an iCal feed (a feed is its creator's: these events reach no company's activity)",
      rotated: 'Its secret token was replaced (the old URL stops working)',
      revoked: 'The feed was revoked (its URL answers 404)',
    },
  },
  tour: {
    aggregate: 'tour',
    version: 1,
    cacheTags: [],
    payload: TOUR,
    events: {
      created: 'A tour was created (draft)',
      updated: "The tour's name, window or routing rules changed",
      confirmed: 'The tour was confirmed',
      cancelled: 'The tour was cancelled (its bookings stand)',
      archived: 'The tour was archived',
    },
  },
  'tour.stop': {
    aggregate: 'tour',
    version: 1,
    cacheTags: [],
    payload: {
      ...TOUR,
      stopId: 'The stop',
      date: 'The stop date (YYYY-MM-DD)',
      kind: 'show, pencil, day_off, travel, rehearsal or promo',
      requestId: "A show's deal (booking request), null for the other kinds",
    },
    events: {
      added: "A stop was added to the tour (a show's stop goes to the owner's companies only when the owner sees its deal)",
      updated: 'A stop was moved or edited',
      removed: 'A stop was removed from the tour',
    },
  },
  'relationship.note': {
    aggregate: 'relationship_note',
    version: 1,
    cacheTags: [],
    payload: {
      noteId: 'The note (its text stays behind the API: GET /api/v1/relationships/:companyId)',
      counterpartyId: 'The agency or promoter company the note is about',
    },
    events: {
      created: 'A company wrote a private note about a counterparty (published to the writing company only)',
      edited: 'The note was edited',
      deleted: 'The note was deleted',
    },
  },
  'relationship.flag': {
    aggregate: 'relationship_flag',
    version: 1,
    cacheTags: [],
    payload: {
      flagId: 'The flag (its label and note stay behind the API)',
      counterpartyId: 'The agency or promoter company the flag is on',
      kind: 'The flag kind (do_not_book, pays_late…)',
    },
    events: {
      set: 'A company flagged a counterparty (published to the writing company only)',
      edited: 'The flag was edited',
      cleared: 'The flag was cleared',
    },
  },
  'booking.rating': {
    aggregate: 'booking_rating',
    version: 1,
    cacheTags: [],
    payload: {
      ratingId: 'The rating (its scores and comment stay behind the API)',
      bookingId: 'The booking rated',
      raterSide: '`agency` or `promoter`: the side that rated',
    },
    events: {
      submitted: 'A side rated the other (the rating stays hidden until both rated or the window closed)',
      edited: "The side edited its rating before it was revealed (to the rater's side only)",
      revealed: 'Both sides rated: both ratings are visible to both sides',
    },
  },
  'finance.handoff': {
    aggregate: 'finance_handoff',
    version: 1,
    cacheTags: [],
    payload: {
      handoffId: "The handoff (Finance's idempotency key); its snapshot: GET /internal/finance/handoffs/:id",
      bookingId: 'The booking handed over',
      side: '`agency` or `promoter`: whose finance it is',
      version: 'The handoff version for the booking and side (1, 2…)',
      reason: '`handover` (a side handed it over) or `cancellation` (the booking was cancelled)',
      status: 'The handoff status after the change',
      payloadHash: 'SHA-256 of the snapshot handed over',
      force: 'Handed over without a fully signed contract (the reason is recorded)',
    },
    events: {
      requested: "A side handed a confirmed booking to Finance (every step of a handoff goes to its side's companies only)",
      cancel_requested: 'The booking was cancelled: the next handoff tells Finance',
      superseded: 'A newer handoff replaced this one',
      acknowledged: 'Finance acknowledged the handoff',
      rejected: 'Finance refused the handoff',
    },
  },
  'booking.request': {
    aggregate: 'booking_request',
    version: 1,
    cacheTags: [],
    payload: PIPELINE,
    events: {
      created: 'A promoter sent a booking request',
      negotiating: 'The first offer was made on the request',
      held: 'An offer was accepted: the date is on hold',
      booked: 'The hold was confirmed into a booking',
      declined: 'The agency declined the request',
      withdrawn: 'The promoter withdrew the request',
      released: 'The hold was released: the request is closed',
      expired: 'Nobody agreed before the answer-by time or the event',
      cancelled: 'The booking the request became was cancelled',
    },
  },
  'booking.offer': {
    aggregate: 'booking_offer',
    version: 1,
    cacheTags: [],
    payload: { offerId: 'The offer', ...PIPELINE },
    events: {
      made: 'An offer (or a counter-offer, the next version) is open',
      countered: 'The offer was answered with a counter-offer',
      accepted: 'The offer was accepted',
      declined: 'The offer was declined',
      withdrawn: 'The side that made the offer withdrew it',
      expired: 'The offer lapsed unanswered',
    },
  },
  'booking.hold': {
    aggregate: 'booking_hold',
    version: 1,
    cacheTags: ['calendar'],
    payload: { holdId: 'The hold', ...PIPELINE },
    events: {
      placed: 'An accepted offer put a hold on the date',
      confirmed: 'The agency confirmed the hold (see booking.confirmed)',
      released: 'The hold was released (by a party, or by a confirmed competing booking)',
      expired: 'The hold lapsed before it was confirmed',
      challenge_raised: 'A lower-ranked hold challenged the holds above it on its dates',
      challenged: 'A lower-ranked hold challenged this one: it confirms or releases by its deadline, or is released',
      moved_up: 'A hold above lapsed under challenge: this one ranks higher now',
      challenge_voided: 'The hold that challenged this one is no longer held: the deadline is lifted',
      cancelled: 'The booking the hold was confirmed into was cancelled',
    },
  },
  booking: {
    aggregate: 'booking',
    version: 1,
    cacheTags: ['calendar'],
    payload: { bookingId: 'The booking', ...PIPELINE },
    events: {
      confirmed: 'A hold became a confirmed booking',
      cancelled: 'A party cancelled the booking',
    },
  },
  contract: {
    aggregate: 'contract',
    version: 1,
    cacheTags: [],
    payload: {
      contractId: 'The contract',
      requestId: 'Its booking pipeline',
      bookingId: 'Its booking (null while it is for a hold)',
      holdId: 'The hold it was drafted for, if any',
      artistId: 'The artist',
      agencyId:
        "The contract's artist side: the agency credited with its booking, or, on a hold, the one representing the artist when it was drafted",
      promoterOrgId: 'The promoter company',
      version: 'The contract version concerned, when one is',
      signerId: 'The signer concerned, when one is',
      fromStatus: 'Status before the change, when it changed',
      toStatus: 'Status after the change, when it changed',
      actorOrgId: 'The company of the acting user (null when the deal closed it)',
    },
    events: {
      created: 'A contract was drafted',
      edited: 'A new version was written',
      signer_added: 'A signer was added',
      signer_removed: 'A signer was removed',
      sent: 'The contract was sent for signature',
      signed: 'A signer signed the current version',
      fully_signed: 'Every required signer signed the current version',
      status_changed: 'The signing status moved (e.g. sent → partially signed)',
      voided: 'The contract was voided',
      cancelled: 'The contract was cancelled',
      attachment_added: 'An attachment was added',
      attachment_removed: 'An attachment was removed',
    },
  },
  representation: {
    aggregate: 'representation',
    version: 1,
    cacheTags: ['directory', 'availability'],
    payload: {
      artistId: 'The artist',
      agencyId: 'The agency of the claim or roster link concerned (null for a dispute alone)',
      role: 'The representation role (agency, management...)',
      claimId: 'The representation claim, when one is concerned',
      disputeId: 'The dispute, when one is concerned',
      rosterLinkId: 'The roster link, when one is concerned',
      actorType: '`user`, `machine` (platform reviewers) or `system`',
    },
    events: {
      claim_submitted: 'An agency claimed to represent an artist',
      claim_approved: 'A claim was approved',
      claim_rejected: 'A claim was rejected',
      claim_withdrawn: 'A claim was withdrawn',
      dispute_opened: 'Competing claims opened a dispute',
      claim_disputed: 'A claim joined a dispute',
      dispute_resolved: 'A platform reviewer resolved a dispute',
      started: 'A representation began (a roster link)',
      ended: 'A representation ended (its windows of availability end with it)',
    },
  },
  availability: {
    aggregate: 'availability',
    version: 1,
    cacheTags: ['availability'],
    payload: {
      availabilityId: 'The window (null when several windows were withdrawn at once)',
      artistId: 'The artist',
      agencyId: 'The agency that publishes it',
      startsOn: 'First day (YYYY-MM-DD; for withdrawn: null)',
      endsOn: 'Last day (YYYY-MM-DD; for withdrawn: the last day kept)',
      status: 'The window status (null for withdrawn)',
    },
    events: {
      published: 'A window was published',
      changed: 'A window was edited',
      deleted: 'A window was deleted',
      withdrawn: "The agency's windows of the artist were cut at the end of its representation",
    },
  },
  'directory.artist': directoryFamily('artist', 'artist'),
  'directory.agency': directoryFamily('agency', 'agency (market company)', {
    ...DIRECTORY_CHANGES,
    ownership_changed: 'A company claim on the agency was approved or revoked (its `claimed` flag and owner changed)',
  }),
  'directory.person': directoryFamily('person', 'person'),
  'directory.genre': directoryFamily('genre', 'genre'),
  'directory.geo': directoryFamily('geo', 'country, region or city', {
    created: 'A country, region or city was added',
    updated: 'A country, region or city was edited',
  }),
}

export interface EventDefinition {
  type: string
  family: string
  aggregate: Aggregate
  version: number
  description: string
  payload: Fields
  cacheTags: readonly CacheTag[]
  /** The rule a reader needs to see the event in a company's activity feed. */
  feedRule: AccessRule
}

export const EVENTS: Record<string, EventDefinition> = Object.fromEntries(
  Object.entries(FAMILIES).flatMap(([family, f]) =>
    Object.entries(f.events).map(([name, description]) => {
      const type = `${family}.${name}`
      return [
        type,
        {
          type,
          family,
          aggregate: f.aggregate,
          version: f.version,
          description,
          payload: f.payload,
          cacheTags: f.cacheTags,
          feedRule: FEED_READ_RULES[f.aggregate],
        },
      ]
    }),
  ),
)

/** The family (and so the payload) of an event type, e.g. `booking` for `booking.confirmed`. */
export function eventDefinition(type: string): EventDefinition {
  const found = EVENTS[type]
  if (!found) throw new Error(`event ${type} is not in the catalog (src/modules/outbox/catalog.ts)`)
  return found
}

export const subjectOf = (prefix: string, type: string) => `${prefix}.${type}`
