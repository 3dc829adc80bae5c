// The outbox writers: what services call inside the transaction of a state change, so the event exists
// if and only if the change committed. Each writer is one INSERT (… SELECT over the rows the change
// touched, for the parties and ids it does not have in hand): no extra round trip per transition.
import type { Tx } from '../../db/client.ts'
import type { Queries } from '../../db/sql.ts'
import { Prisma } from '../../generated/prisma/client.ts'
import { noteEventWritten, requestIdOf } from '../../request-scope.ts'
import { eventDefinition } from './catalog.ts'

/** ISO instant in UTC with milliseconds, as the API renders `…At` fields. */
const instant = (column: Prisma.Sql) => Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** The tenant companies bridged to an agency (approved company claims): the agency side's org ids. */
const agencyOrgs = (agencyId: Prisma.Sql) =>
  Prisma.sql`ARRAY(SELECT cc.org_id FROM artists_company_claims cc WHERE cc.company_id = ${agencyId} AND cc.status = 'approved')`

async function insert(tx: Queries, type: string, aggregateId: string, orgIds: Prisma.Sql, payload: Prisma.Sql, from: Prisma.Sql) {
  const def = eventDefinition(type)
  const written = await tx.$queryRaw<unknown[]>`
    INSERT INTO outbox_events (id, aggregate_type, aggregate_id, event_type, schema_version, org_ids, payload, request_id)
    SELECT gen_random_uuid(), ${def.aggregate}, ${aggregateId}::uuid, ${type}, ${def.version}, ${orgIds}, ${payload}, ${requestIdOf(tx)}
    ${from}
    RETURNING 1`
  if (written.length !== 1) throw new Error(`outbox: ${type} for ${aggregateId} found nothing to describe`)
  noteEventWritten(tx, type)
}

/** An event whose payload and parties the caller has in hand. */
export async function recordEvent(
  tx: Queries,
  e: { type: string; aggregateId: string; orgIds: string[]; payload: Record<string, unknown> },
) {
  await insert(tx, e.type, e.aggregateId, Prisma.sql`${e.orgIds}::uuid[]`, Prisma.sql`${JSON.stringify(e.payload)}::jsonb`, Prisma.empty)
}

export type PipelineSubject = 'request' | 'offer' | 'hold' | 'booking'

const PIPELINE_FAMILY: Record<PipelineSubject, { family: string; idField?: string; created: string }> = {
  request: { family: 'booking.request', created: 'created' },
  offer: { family: 'booking.offer', idField: 'offerId', created: 'made' },
  hold: { family: 'booking.hold', idField: 'holdId', created: 'placed' },
  booking: { family: 'booking', idField: 'bookingId', created: 'confirmed' },
}

const PAST: Record<string, string> = {
  offer: 'negotiating',
  hold: 'held',
  book: 'booked',
  decline: 'declined',
  withdraw: 'withdrawn',
  release: 'released',
  expire: 'expired',
  counter: 'countered',
  accept: 'accepted',
  confirm: 'confirmed',
  cancel: 'cancelled',
  challenge: 'challenge_raised',
  challenged: 'challenged',
  move_up: 'moved_up',
  challenge_void: 'challenge_voided',
}

/**
 * The rest of the statement that writes a step's events: `with`, its other WITH clauses (the activity rows,
 * and the step's own writes: one round trip for the step); `requests`, where the pipeline's request row is
 * read (a clause of `with` that inserts it, when the step creates it: a statement does not see its own
 * inserts in the table; the insert may be conditional); `answer`, what the statement returns (columns over `with`'s clauses, one row).
 */
export interface PipelineStep {
  with?: Prisma.Sql
  requests?: Prisma.Sql
  answer?: { columns: Prisma.Sql; from: Prisma.Sql }
}

/**
 * Booking-pipeline transitions of one pipeline (rows of its activity, in order): creation when `from` is
 * null, in the statement `step` completes. Returns the row `step.answer` reads (none without one, and none
 * when `step.requests` inserted no request: the step made nothing, so there is nothing to describe).
 */
export async function recordPipelineEvents(
  tx: Queries,
  actor: { type: string; orgId?: string },
  requestId: string,
  transitions: { subject: PipelineSubject; subjectId: string; action: string; from: string | null; to: string; agencyId?: string }[],
  step: PipelineStep = {},
): Promise<Record<string, unknown> | undefined> {
  const rows = transitions.map((a, i) => {
    const f = PIPELINE_FAMILY[a.subject]
    const type = `${f.family}.${a.from === null ? f.created : (PAST[a.action] ?? a.action)}`
    const def = eventDefinition(type)
    const id = f.idField ? { [f.idField]: a.subjectId } : {}
    return {
      type,
      sql: Prisma.sql`(${i}::int, ${def.aggregate}::text, ${a.subjectId}::uuid, ${type}::text, ${def.version}::int, ${JSON.stringify(id)}::jsonb, ${a.from}::text, ${a.to}::text, ${a.agencyId ?? null}::uuid)`,
    }
  })
  const [written] = await tx.$queryRaw<Record<string, unknown>[]>`
    WITH ${step.with ? Prisma.sql`${step.with},` : Prisma.empty} events AS (
      INSERT INTO outbox_events (id, aggregate_type, aggregate_id, event_type, schema_version, org_ids, payload, request_id)
      SELECT gen_random_uuid(), e.aggregate, e.aggregate_id, e.type, e.version,
        ARRAY[r.promoter_org_id] || ${agencyOrgs(Prisma.sql`COALESCE(e.agency_id, r.agency_id)`)},
        e.ids || jsonb_build_object(
          'requestId', r.id, 'artistId', r.artist_id, 'agencyId', COALESCE(e.agency_id, r.agency_id), 'promoterOrgId', r.promoter_org_id,
          'venueId', r.venue_id, 'startsAt', ${instant(Prisma.sql`r.starts_at`)}, 'endsAt', ${instant(Prisma.sql`r.ends_at`)},
          'fromStatus', e.from_status, 'toStatus', e.to_status, 'actorType', ${actor.type}::text, 'actorOrgId', ${actor.orgId ?? null}::uuid),
        ${requestIdOf(tx)}
      FROM (VALUES ${Prisma.join(rows.map((r) => r.sql))}) AS e(ord, aggregate, aggregate_id, type, version, ids, from_status, to_status, agency_id)
      JOIN ${step.requests ?? Prisma.raw('booking_requests')} r ON r.id = ${requestId}::uuid
      ORDER BY e.ord
      RETURNING 1)
    SELECT (SELECT count(*) FROM events)::int AS "events" ${step.answer ? Prisma.sql`, ${step.answer.columns} ${step.answer.from}` : Prisma.empty}`
  if (step.requests && !written?.events) return undefined
  if (written?.events !== rows.length)
    throw new Error(`outbox: ${rows.map((r) => r.type).join(', ')} for request ${requestId} found nothing to describe`)
  for (const r of rows) noteEventWritten(tx, r.type)
  return step.answer ? written : undefined
}

/** A contract timeline entry, told to the promoter and to the contract's artist side (its agency: see contracts.service.ts visibleTo). */
export async function recordContractEvent(
  tx: Queries,
  e: { contractId: string; type: string; version?: number; signerId?: string; from?: string; to?: string; actorOrgId?: string },
) {
  await insert(
    tx,
    `contract.${e.type}`,
    e.contractId,
    Prisma.sql`ARRAY[r.promoter_org_id] || ${agencyOrgs(Prisma.sql`c.agency_id`)}`,
    Prisma.sql`jsonb_build_object(
      'contractId', c.id, 'requestId', c.request_id, 'bookingId', c.booking_id, 'holdId', c.hold_id,
      'artistId', r.artist_id, 'agencyId', c.agency_id, 'promoterOrgId', r.promoter_org_id,
      'version', ${e.version ?? null}::int, 'signerId', ${e.signerId ?? null}::uuid,
      'fromStatus', ${e.from ?? null}::text, 'toStatus', ${e.to ?? null}::text, 'actorOrgId', ${e.actorOrgId ?? null}::uuid)`,
    Prisma.sql`FROM contracts c JOIN booking_requests r ON r.id = c.request_id WHERE c.id = ${e.contractId}::uuid`,
  )
}

/** A representation history entry; the agency and role come from the link, the claim or the dispute concerned. */
export async function recordRepresentationEvent(
  tx: Tx,
  actor: { type: string },
  e: { artistId: string; type: string; claimId?: string | null; disputeId?: string | null; rosterLinkId?: string | null },
) {
  const name = e.type.replace(/^representation_/, '')
  const agency = Prisma.sql`COALESCE(l.agency_id, cl.agency_id)`
  await insert(
    tx,
    `representation.${name}`,
    e.artistId,
    agencyOrgs(agency),
    Prisma.sql`jsonb_build_object(
      'artistId', ${e.artistId}::uuid, 'agencyId', ${agency}, 'role', COALESCE(l.role::text, cl.role::text, d.role::text),
      'claimId', ${e.claimId ?? null}::uuid, 'disputeId', ${e.disputeId ?? null}::uuid, 'rosterLinkId', ${e.rosterLinkId ?? null}::uuid,
      'actorType', ${actor.type}::text)`,
    Prisma.sql`FROM (SELECT 1) one
      LEFT JOIN artists_roster_links l ON l.id = ${e.rosterLinkId ?? null}::uuid
      LEFT JOIN artist_representation_claims cl ON cl.id = ${e.claimId ?? null}::uuid
      LEFT JOIN artist_representation_disputes d ON d.id = ${e.disputeId ?? null}::uuid`,
  )
}

const WINDOW_PAYLOAD = Prisma.sql`jsonb_build_object(
  'availabilityId', a.id, 'artistId', a.artist_id, 'agencyId', a.agency_id,
  'startsOn', to_char(a.starts_on, 'YYYY-MM-DD'), 'endsOn', to_char(a.ends_on, 'YYYY-MM-DD'), 'status', a.status::text)`

/** A change to one published window, described from its row (written before a delete, in the same transaction). */
export async function recordWindowEvent(tx: Tx, type: 'published' | 'changed' | 'deleted', id: string) {
  await insert(
    tx,
    `availability.${type}`,
    id,
    agencyOrgs(Prisma.sql`a.agency_id`),
    WINDOW_PAYLOAD,
    Prisma.sql`FROM artist_availabilities a WHERE a.id = ${id}::uuid`,
  )
}

/** The end of a representation cut an agency's windows of an artist after its last day (aggregate: the artist). */
export async function recordWindowsWithdrawn(tx: Tx, w: { artistId: string; agencyId: string; lastDay: Date }) {
  const payload = {
    availabilityId: null,
    artistId: w.artistId,
    agencyId: w.agencyId,
    startsOn: null,
    endsOn: w.lastDay.toISOString().slice(0, 10),
    status: null,
  }
  await insert(
    tx,
    'availability.withdrawn',
    w.artistId,
    agencyOrgs(Prisma.sql`${w.agencyId}::uuid`),
    Prisma.sql`${JSON.stringify(payload)}::jsonb`,
    Prisma.empty,
  )
}

/** A tour change, described from the tour's row; a stop's fields come in hand (a removed stop is gone by then). */
export async function recordTourEvent(
  tx: Tx,
  e: {
    type: string
    tourId: string
    actorOrgId: string
    /** `ownerSeesDeal`: for a show, whether the tour's owner sees its deal (a condition over the tour, `t`). */
    stop?: { id: string; date: string; kind: string; requestId: string | null; ownerSeesDeal?: Prisma.Sql }
  },
) {
  const stop = e.stop ? { stopId: e.stop.id, date: e.stop.date, kind: e.stop.kind, requestId: e.stop.requestId } : {}
  // A show's stop is news to the tour's owner only when it sees the show's deal: after a handover the new agency adds
  // shows to the former owner's tour, which that owner no longer reads (touring/stops.ts).
  const owner = agencyOrgs(Prisma.sql`t.agency_id`)
  await insert(
    tx,
    e.type,
    e.tourId,
    e.stop?.ownerSeesDeal ? Prisma.sql`CASE WHEN ${e.stop.ownerSeesDeal} THEN ${owner} ELSE '{}'::uuid[] END` : owner,
    Prisma.sql`${JSON.stringify(stop)}::jsonb || jsonb_build_object(
      'tourId', t.id, 'artistId', t.artist_id, 'agencyId', t.agency_id, 'status', t.status::text,
      'startsOn', to_char(t.starts_on, 'YYYY-MM-DD'), 'endsOn', to_char(t.ends_on, 'YYYY-MM-DD'), 'actorOrgId', ${e.actorOrgId}::uuid)`,
    Prisma.sql`FROM tours t WHERE t.id = ${e.tourId}::uuid`,
  )
}
