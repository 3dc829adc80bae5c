// Paper after a handover. Paper sent early on a hold names the agency that will confirm it: the one representing the
// artist now, which the booking is credited to. A contract is its artist side's (the agency credited with its booking,
// or representing the artist when it was drafted): the agency the request was sent to keeps the paper it drafted and
// reads none of the new agency's, nor is told of it.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { activityAbout, dashboardOf } from './support/dashboards.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let former: AgencySession
let promoter: Session
const { representedArtist, held, handedOver } = pipelines(
  () => h.app,
  () => former,
)

beforeAll(async () => {
  former = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

/** A promoter's hold on an artist of `former`, then the artist handed over to a new agency: the pipeline and the newcomer. */
async function heldThenHandedOver() {
  const artistId = await representedArtist(former)
  const pipeline = await held(promoter, artistId)
  const newcomer = await agencySession(h.auth, h.app.db)
  await handedOver(artistId, newcomer, former)
  return { artistId, ...pipeline, newcomer }
}

/** `as` drafts paper on the hold from a template of its own with `body` (and `signers`): the contract drafted. */
async function draftOnHold(
  as: AgencySession,
  holdId: string,
  { body = 'Agency: {{agency.name}}.', signers }: { body?: string; signers?: object[] } = {},
) {
  const template = await h.app.rest('POST', '/api/v1/contract-templates', { as, body: { name: 'Paper', body } })
  expect(template.status, JSON.stringify(template.body)).toBe(201)
  const drafted = await h.app.rest('POST', '/api/v1/contracts', {
    as,
    body: { templateId: template.body.data.id, holdId, ...(signers && { signers }) },
  })
  expect(drafted.status, JSON.stringify(drafted.body)).toBe(201)
  return drafted.body.data as { id: string; current: { body: string } }
}

describe('paper sent early on a hold after a handover', () => {
  it('fills {{agency.name}} with the agency representing the artist now, not the former one', async () => {
    const { hold, newcomer } = await heldThenHandedOver()
    const drafted = await draftOnHold(newcomer, hold.id, { body: 'Agency: {{agency.name}}. Artist: {{artist.name}}.' })
    const names = Object.fromEntries(
      (await h.app.db.agency.findMany({ where: { id: { in: [former.agencyId, newcomer.agencyId] } } })).map((a) => [a.id, a.name]),
    )
    // The newcomer drafts, confirms and signs this deal: the contract names it.
    expect(drafted.current.body).toContain(`Agency: ${names[newcomer.agencyId]}.`)
    // The booking confirmed on that hold is credited to the newcomer.
    const booking = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: newcomer })
    expect(booking.body.data.agencyId).toBe(newcomer.agencyId)
    // Its contract leads to that booking for the newcomer.
    const r = await h.app.graphql(`query($id: ID!) { contract(id: $id) { booking { id } } }`, { id: drafted.id }, { as: newcomer })
    expect(r.errors).toBeUndefined()
    expect((r.data as { contract: { booking: { id: string } } }).contract.booking.id).toBe(booking.body.data.id)
  })
})

describe("a contract's artist side", () => {
  const draft = async (as: AgencySession, holdId: string) => (await draftOnHold(as, holdId)).id
  /** Whether `as` reads the contract: by id and in its list on REST, by id on the graph (the answers must agree). */
  const reads = async (as: Session, contractId: string, requestId: string) => {
    const byId = await h.app.rest('GET', `/api/v1/contracts/${contractId}`, { as })
    expect([200, 404]).toContain(byId.status)
    const listed = await h.app.rest('GET', `/api/v1/contracts?requestId=${requestId}`, { as })
    expect(listed.status, JSON.stringify(listed.body)).toBe(200)
    const graph = await h.app.graphql(`query($id: ID!) { contract(id: $id) { id } }`, { id: contractId }, { as })
    const seen = byId.status === 200
    expect(listed.body.data.items.some((c: { id: string }) => c.id === contractId)).toBe(seen)
    if (seen) expect((graph.data as { contract: { id: string } }).contract.id).toBe(contractId)
    else expect(graph.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND'])
    return seen
  }
  const toldOf = async (as: Session, contractId: string) => (await activityAbout(h.app, as, contractId)).map((e) => e.type)

  it("is the new agency's when it drafts after a handover: the former agency neither reads it nor is told of it", async () => {
    const { requestId, hold, newcomer } = await heldThenHandedOver()
    const contractId = await draft(newcomer, hold.id)
    expect((await h.app.db.contract.findUniqueOrThrow({ where: { id: contractId } })).agencyId).toBe(newcomer.agencyId)

    expect(await reads(newcomer, contractId, requestId)).toBe(true)
    expect(await reads(promoter, contractId, requestId)).toBe(true)
    expect(await reads(former, contractId, requestId)).toBe(false)
    // Its other reads answer 404 as well: versions, events.
    for (const path of ['versions', 'events'])
      expect((await h.app.rest('GET', `/api/v1/contracts/${contractId}/${path}`, { as: former })).status, path).toBe(404)
    expect(await toldOf(newcomer, contractId)).toContain('contract.created')
    expect(await toldOf(promoter, contractId)).toContain('contract.created')
    expect(await toldOf(former, contractId)).toEqual([])
  })

  it("stays the former agency's when it drafted it before the handover, until the new agency confirms the hold and the paper is the booking's", async () => {
    const artistId = await representedArtist(former)
    const { requestId, hold } = await held(promoter, artistId)
    const contractId = await draft(former, hold.id)
    const newcomer = await agencySession(h.auth, h.app.db)
    await handedOver(artistId, newcomer, former)
    // Its own paper: still the former's; the new agency reads it too, as it reads every deal of the artist now.
    expect(await reads(former, contractId, requestId)).toBe(true)
    expect(await reads(newcomer, contractId, requestId)).toBe(true)

    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: newcomer })
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201)
    const moved = await h.app.db.contract.findUniqueOrThrow({ where: { id: contractId } })
    expect([moved.bookingId, moved.agencyId]).toEqual([confirmed.body.data.id, newcomer.agencyId])
    expect(await reads(former, contractId, requestId)).toBe(false)
    expect(await reads(newcomer, contractId, requestId)).toBe(true)
    // What happens to it from now on is told to the new agency, not the former one.
    const cancelled = await h.app.rest('POST', `/api/v1/contracts/${contractId}/cancel`, { as: newcomer, body: { reason: 'redrafting' } })
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
    expect(await toldOf(newcomer, contractId)).toContain('contract.cancelled')
    expect(await toldOf(former, contractId)).toEqual(['contract.created'])
  })
})

describe('paper on a hold', () => {
  it("drafted by an agency that never had the artist's request counts on the dashboard of the agency it comes back to, as it waits for its signature", async () => {
    // The request goes to `former`; `newcomer` takes the artist over and sends paper on the hold for its countersignature;
    // the artist comes back to `former`.
    const { artistId, hold, newcomer } = await heldThenHandedOver()
    const { id: contractId } = await draftOnHold(newcomer, hold.id, {
      signers: [{ role: 'agency_countersign', side: 'agency', name: 'Countersign' }],
    })
    expect((await h.app.rest('POST', `/api/v1/contracts/${contractId}/send`, { as: newcomer })).status).toBe(200)
    // Back to `former`: its first representation moved further into the past, so that the two do not overlap.
    await h.app.db.rosterLink.updateMany({
      where: { artistId, agencyId: former.agencyId },
      data: { startsOn: new Date(Date.now() - 60 * 86_400_000), endsOn: new Date(Date.now() - 31 * 86_400_000) },
    })
    await handedOver(artistId, former, newcomer)
    const awaiting = await h.app.rest('GET', '/api/v1/contracts?awaitingMe=true', { as: former })
    expect(awaiting.body.data.items.map((c: { id: string }) => c.id)).toContain(contractId)
    expect((await dashboardOf(h.app, former)).contracts.awaitingOurSignature).toBe(1)
  })

  it('closed before the hold was confirmed leads to no booking, on either face', async () => {
    const artistId = await representedArtist(former)
    const { hold } = await held(promoter, artistId)
    const { id: contractId } = await draftOnHold(former, hold.id)
    expect((await h.app.rest('POST', `/api/v1/contracts/${contractId}/cancel`, { as: former, body: { reason: 'redo' } })).status).toBe(200)
    expect((await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: former })).status).toBe(201)
    const rest = await h.app.rest('GET', `/api/v1/contracts/${contractId}`, { as: former })
    const graph = await h.app.graphql(`query($id: ID!) { contract(id: $id) { booking { id } } }`, { id: contractId }, { as: former })
    expect(graph.errors).toBeUndefined()
    expect(rest.body.data.bookingId).toBeNull()
    expect((graph.data as { contract: { booking: unknown } }).contract.booking).toBeNull()
  })
})
