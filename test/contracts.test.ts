// Contracts: template libraries, booking-linked contracts with merge fields, immutable versions under
// optimistic concurrency, signers in order, signatures bound to a version's hash, attachments, the status
// machine and a complete audit timeline — seen only by the parties of the booking.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let agency: AgencySession
let promoter: Session
let outsider: Session
const { representedArtist, held, booked } = pipelines(
  () => h.app,
  () => agency,
)

const BODY = `PERFORMANCE AGREEMENT
{{agency.name}}, for {{artist.name}}, and {{promoter.name}} agree that the artist performs at {{venue.name}}, {{event.city}},
on {{event.date}} ({{event.startsAt}} to {{event.endsAt}}), for a {{deal.type}} fee of {{deal.fee}}, deposit {{deal.deposit}}.`

let templateId: string

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
  outsider = await h.auth.session(PROMOTER_ACCESS)
  const t = await h.app.rest('POST', '/api/v1/contract-templates', { as: agency, body: { name: 'Standard club show', body: BODY } })
  expect(t.status).toBe(201)
  templateId = t.body.data.id
})

const signers = [
  { role: 'buyer', side: 'promoter', name: 'Pat Promoter' },
  { role: 'artist', side: 'agency', name: 'Artist (by the agency)' },
  { role: 'agency_countersign', side: 'agency', name: 'Agency countersign' },
]

async function draft(extra: Record<string, unknown> = {}) {
  const { booking, requestId } = await booked(promoter, await representedArtist(agency, `Contracted ${randomUUID().slice(0, 6)}`))
  const r = await h.app.rest('POST', '/api/v1/contracts', {
    as: agency,
    body: { templateId, bookingId: booking.id, values: [{ field: 'promoter.name', value: 'Live Iberia SL' }], signers, ...extra },
  })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return { contract: r.body.data, booking, requestId }
}

const sign = (as: Session, contract: { id: string; current: { contentHash: string } }, signerIndex: number, c = contract) =>
  h.app.rest('POST', `/api/v1/contracts/${c.id}/sign`, {
    as,
    body: { signerId: (contract as unknown as { signers: { id: string }[] }).signers[signerIndex].id, contentHash: c.current.contentHash },
    headers: { 'user-agent': 'KisumTest/1.0' },
  })
const read = async (id: string, as: Session = promoter) => (await h.app.rest('GET', `/api/v1/contracts/${id}`, { as })).body.data
const timeline = async (id: string) => (await h.app.rest('GET', `/api/v1/contracts/${id}/events`, { as: promoter })).body.data.map((e: { type: string }) => e.type)

describe('template libraries', () => {
  it('keeps versions of a company’s templates, validates merge fields, and keeps archived ones readable', async () => {
    const bad = await h.app.rest('POST', '/api/v1/contract-templates', { as: agency, body: { name: 'Bad', body: 'Hello {{artist.nmae}} and {{rider.catering}}' } })
    expect(bad.body.error.fields).toEqual([{ field: 'body', message: 'unknown merge fields: artist.nmae, rider.catering' }])
    const t = await h.app.rest('POST', '/api/v1/contract-templates', { as: agency, body: { name: 'Festival', body: 'v1 {{artist.name}}' } })
    const v2 = await h.app.rest('PATCH', `/api/v1/contract-templates/${t.body.data.id}`, { as: agency, body: { body: 'v2 {{artist.name}} {{deal.fee}}' } })
    expect(v2.body.data).toMatchObject({ currentVersion: 2, versions: [{ version: 2, body: 'v2 {{artist.name}} {{deal.fee}}' }] })
    const renamed = await h.app.rest('PATCH', `/api/v1/contract-templates/${t.body.data.id}`, { as: agency, body: { name: 'Festival 2032' } })
    expect(renamed.body.data.currentVersion).toBe(2)
    const versions = await h.app.rest('GET', `/api/v1/contract-templates/${t.body.data.id}/versions`, { as: agency })
    expect(versions.body.data.map((v: { version: number; body: string }) => [v.version, v.body])).toEqual([
      [2, 'v2 {{artist.name}} {{deal.fee}}'],
      [1, 'v1 {{artist.name}}'],
    ])
    await h.app.rest('POST', `/api/v1/contract-templates/${t.body.data.id}/archive`, { as: agency })
    expect((await h.app.rest('GET', `/api/v1/contract-templates/${t.body.data.id}`, { as: agency })).body.data.archivedAt).toBeTruthy()
    expect((await h.app.rest('GET', '/api/v1/contract-templates?q=festival', { as: agency })).body.data.total).toBe(0)
    expect((await h.app.rest('GET', '/api/v1/contract-templates?q=festival&includeArchived=true', { as: agency })).body.data.total).toBe(1)
    const { booking } = await booked(promoter, await representedArtist())
    const fromArchived = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId: t.body.data.id, bookingId: booking.id } })
    expect(fromArchived.body.error.fields).toEqual([{ field: 'templateId', message: 'the template is archived' }])
    expect((await h.app.rest('GET', `/api/v1/contract-templates/${t.body.data.id}`, { as: promoter })).status).toBe(404)
  })
})

describe('booking-linked contracts', () => {
  it('are drafted from a template with the booking’s merge fields filled', async () => {
    const { contract, booking } = await draft()
    expect(contract).toMatchObject({ status: 'draft', currentVersion: 1, bookingId: booking.id, signingOrder: 'sequential', unresolvedFields: [] })
    expect(contract.current.body).toContain('for Contracted')
    expect(contract.current.body).toContain('and Live Iberia SL agree')
    expect(contract.current.body).toContain('flat fee of 15,000.00 EUR, deposit 5,000.00 EUR')
    expect(contract.current.body).toMatch(/on 2031-\d\d-\d\d \(2031-\d\d-\d\d \d\d:\d\d UTC to/)
    expect(contract.current.contentHash).toMatch(/^[0-9a-f]{64}$/)
    expect(contract.signers.map((s: { position: number; role: string }) => [s.position, s.role])).toEqual([
      [1, 'buyer'],
      [2, 'artist'],
      [3, 'agency_countersign'],
    ])
  })

  it('cannot be sent while a merge field is unfilled or without a required signer; one live contract per booking', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const bare = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id } })
    expect(bare.body.data.unresolvedFields).toEqual(['promoter.name'])
    const noSigner = await h.app.rest('POST', `/api/v1/contracts/${bare.body.data.id}/send`, { as: agency })
    expect(noSigner.body.error.code).toBe('no_signers')
    await h.app.rest('POST', `/api/v1/contracts/${bare.body.data.id}/signers`, { as: agency, body: signers[0] })
    const unfilled = await h.app.rest('POST', `/api/v1/contracts/${bare.body.data.id}/send`, { as: agency })
    expect(unfilled.body.error).toEqual({ code: 'unresolved_merge_fields', message: 'fill these merge fields before sending: promoter.name' })
    const second = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id } })
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('contract_exists')
    expect((await h.app.rest('POST', `/api/v1/contracts/${bare.body.data.id}/cancel`, { as: agency, body: { reason: 'wrong template' } })).body.data.status).toBe('cancelled')
    expect((await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id } })).status).toBe(201)
  })

  it('validate their input field by field', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const both = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id, holdId: randomUUID() } })
    expect(both.body.error.fields).toEqual([{ field: 'bookingId', message: 'give exactly one of bookingId and holdId' }])
    const badField = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id, values: [{ field: 'rider.beer', value: 'x' }] } })
    expect(badField.body.error.fields[0].field).toBe('values.0.field')
    const unknownBooking = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: randomUUID() } })
    expect(unknownBooking.body.error.fields).toEqual([{ field: 'bookingId', message: 'unknown booking' }])
    const badSigner = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id, signers: [{ role: 'boss', side: 'both', name: '' }] } })
    expect(badSigner.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['signers.0.name', 'signers.0.role', 'signers.0.side'])
  })

  it('can be drafted early, on an active hold; its booking appears once the hold is confirmed', async () => {
    const artistId = await representedArtist()
    const { hold } = await held(promoter, artistId)
    const early = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, holdId: hold.id, values: [{ field: 'promoter.name', value: 'Early Bird' }] } })
    expect(early.status).toBe(201)
    const q = 'query($id: ID!) { contract(id: $id) { holdId: id booking { id } } }'
    expect((await h.app.graphql(q, { id: early.body.data.id }, { as: agency })).data.contract.booking).toBeNull()
    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    expect((await h.app.graphql(q, { id: early.body.data.id }, { as: agency })).data.contract.booking).toEqual({ id: confirmed.body.data.id })
    const byBooking = await h.app.rest('GET', `/api/v1/contracts?bookingId=${confirmed.body.data.id}`, { as: promoter })
    expect(byBooking.body.data.items.map((c: { id: string }) => c.id)).toEqual([early.body.data.id])
  })

  it('close with their deal: a released hold cancels its draft, a cancelled booking voids its sent contract', async () => {
    const { hold } = await held(promoter, await representedArtist())
    const early = (await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, holdId: hold.id, signers } })).body.data
    await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/release`, { as: promoter, body: { reason: 'found another act' } })
    expect(await read(early.id)).toMatchObject({ status: 'cancelled', closedReason: 'the hold was released: found another act' })
    const lateSend = await h.app.rest('POST', `/api/v1/contracts/${early.id}/send`, { as: agency })
    expect(lateSend.body.error).toEqual({ code: 'invalid_transition', message: 'cannot send a contract that is cancelled' })

    const { contract, booking } = await draft()
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    await h.app.rest('POST', `/api/v1/bookings/${booking.id}/cancel`, { as: promoter, body: { reason: 'venue flooded' } })
    expect(await read(contract.id)).toMatchObject({ status: 'void', closedReason: 'the booking was cancelled: venue flooded' })
    expect((await timeline(contract.id)).at(-1)).toBe('voided')
    expect((await sign(promoter, contract, 0)).body.error.code).toBe('invalid_transition')
  })

  it('answer a version number beyond any version with a 400, not an overflow', async () => {
    const { contract } = await draft()
    const r = await h.app.rest('GET', `/api/v1/contracts/${contract.id}/versions/99999999999`, { as: promoter })
    expect(r.status).toBe(400)
    expect(r.body.error.fields[0].field).toBe('version')
  })
})

describe('signing', () => {
  it('goes in order, binds each signature to the version hash, and completes when every required signer signed', async () => {
    const { contract } = await draft()
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, { as: promoter, body: { signerId: contract.signers[0].id, contentHash: contract.current.contentHash } })).body.error.code).toBe('invalid_transition')
    const sent = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    expect(sent.body.data).toMatchObject({ status: 'sent', blocking: [{ role: 'buyer' }] })

    const early = await sign(agency, contract, 1)
    expect(early.status).toBe(409)
    expect(early.body.error).toEqual({ code: 'not_your_turn', message: 'Pat Promoter (buyer) signs first' })
    const wrongSide = await sign(agency, contract, 0)
    expect(wrongSide.status).toBe(403)
    expect(wrongSide.body.error.code).toBe('not_the_signer')
    const staleHash = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, { as: promoter, body: { signerId: contract.signers[0].id, contentHash: 'a'.repeat(64) } })
    expect(staleHash.body.error.code).toBe('stale_version')

    const buyer = await sign(promoter, contract, 0)
    expect(buyer.body.data).toMatchObject({ status: 'partially_signed', blocking: [{ role: 'artist' }] })
    expect(buyer.body.data.signatures[0]).toMatchObject({ signedByUserId: promoter.userId, signedByOrgId: promoter.orgId, contentHash: contract.current.contentHash, userAgent: 'KisumTest/1.0' })
    expect(buyer.body.data.signatures[0].ip).toBeTruthy()
    expect((await sign(promoter, contract, 0)).body.error.code).toBe('already_signed')
    await sign(agency, contract, 1)
    const done = await sign(agency, contract, 2)
    expect(done.body.data).toMatchObject({ status: 'signed', blocking: [] })
    expect(done.body.data.signedAt).toBeTruthy()
    expect(await timeline(contract.id)).toEqual(['created', 'sent', 'signed', 'status_changed', 'signed', 'signed', 'fully_signed'])
  })

  it('in parallel order, lets anyone sign first and names everyone still missing', async () => {
    const { contract } = await draft({ signingOrder: 'parallel' })
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    expect((await read(contract.id)).blocking.map((s: { role: string }) => s.role)).toEqual(['buyer', 'artist', 'agency_countersign'])
    expect((await sign(agency, contract, 2)).status).toBe(200)
    const gql = await h.app.graphql('query($id: ID!) { contract(id: $id) { status blockingSigner { role } blockingSigners { role } } }', { id: contract.id }, { as: promoter })
    expect(gql.data.contract).toEqual({ status: 'PARTIALLY_SIGNED', blockingSigner: { role: 'BUYER' }, blockingSigners: [{ role: 'BUYER' }, { role: 'ARTIST' }] })
  })

  it('starts over on an edit: signatures on an older version stop counting, and the old version cannot be signed', async () => {
    const { contract } = await draft()
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    await sign(promoter, contract, 0)
    const edited = await h.app.rest('PATCH', `/api/v1/contracts/${contract.id}`, {
      as: agency,
      body: { baseVersion: 1, body: `${contract.current.body}\nRider: 2 x hotel rooms.`, changeNote: 'rider added' },
    })
    expect(edited.body.data).toMatchObject({ status: 'sent', currentVersion: 2, signatures: [], blocking: [{ role: 'buyer' }] })
    const old = await sign(promoter, contract, 0)
    expect(old.status).toBe(409)
    expect(old.body.error.code).toBe('stale_version')
    expect((await sign(promoter, contract, 0, edited.body.data)).body.data.status).toBe('partially_signed')
    const v1 = await h.app.rest('GET', `/api/v1/contracts/${contract.id}/versions/1`, { as: promoter })
    expect(v1.body.data.contentHash).toBe(contract.current.contentHash)
    expect((await h.app.rest('GET', `/api/v1/contracts/${contract.id}/versions`, { as: promoter })).body.data.map((v: { version: number }) => v.version)).toEqual([2, 1])
  })
})

describe('optimistic concurrency', () => {
  it('refuses an edit on a stale version (409), and of two concurrent edits keeps exactly one', async () => {
    const { contract } = await draft()
    const edit = (text: string, as: Session = agency) => h.app.rest('PATCH', `/api/v1/contracts/${contract.id}`, { as, body: { baseVersion: 1, body: text } })
    const results = await Promise.all([edit('Version by the agency'), edit('Version by the promoter', promoter)])
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    const lost = results.find((r) => r.status === 409)!
    expect(lost.body.error).toEqual({ code: 'stale_version', message: 'the contract is at version 2, not 1: reload it and apply the edit again' })
    const versions = await h.app.db.contractVersion.findMany({ where: { contractId: contract.id } })
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2])
    expect((await edit('Again on 1')).status).toBe(409)
    const same = await h.app.rest('PATCH', `/api/v1/contracts/${contract.id}`, { as: agency, body: { baseVersion: 2, body: (await read(contract.id)).current.body } })
    expect(same.body.error.fields).toEqual([{ field: 'body', message: 'the text is unchanged' }])
  })

  it('settles concurrent signatures and edits one at a time: one completion, no signature lost or miscounted', async () => {
    const { contract } = await draft({ signingOrder: 'parallel' })
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    const all = await Promise.all([sign(promoter, contract, 0), sign(agency, contract, 1), sign(agency, contract, 2)])
    expect(all.map((r) => r.status)).toEqual([200, 200, 200])
    expect(await h.app.db.contractSignature.count({ where: { contractId: contract.id } })).toBe(3)
    expect((await read(contract.id)).status).toBe('signed')
    expect((await timeline(contract.id)).filter((t: string) => t === 'fully_signed')).toHaveLength(1)

    // A signature racing an edit: whichever goes first, the status agrees with the signatures that count.
    const { contract: raced } = await draft({ signingOrder: 'parallel' })
    await h.app.rest('POST', `/api/v1/contracts/${raced.id}/send`, { as: agency })
    const [signed, edited] = await Promise.all([
      sign(promoter, raced, 0),
      h.app.rest('PATCH', `/api/v1/contracts/${raced.id}`, { as: agency, body: { baseVersion: 1, body: `${raced.current.body}\nAmended.` } }),
    ])
    expect(edited.status).toBe(200)
    expect([200, 409]).toContain(signed.status)
    if (signed.status === 409) expect(signed.body.error.code).toBe('stale_version')
    const after = await read(raced.id)
    expect(after).toMatchObject({ currentVersion: 2, status: 'sent', signatures: [] })
  })

  it('never rewrites a version or a signature', async () => {
    const { contract } = await draft()
    await expect(h.app.db.contractVersion.updateMany({ where: { contractId: contract.id }, data: { body: 'tampered' } })).rejects.toThrow(/append-only/)
    await expect(h.app.db.contractEvent.deleteMany({ where: { contractId: contract.id } })).rejects.toThrow(/append-only/)
  })
})

describe('the status machine', () => {
  it('voids with a reason; refuses edits to signed contracts, cancelling sent ones, and cancels by the other side', async () => {
    const { contract } = await draft({ signers: [signers[0]] })
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/cancel`, { as: promoter, body: { reason: 'x' } })).body.error.code).toBe('wrong_side')
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: promoter })).body.error.code).toBe('wrong_side')
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    const cancelSent = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/cancel`, { as: agency, body: { reason: 'changed mind' } })
    expect(cancelSent.body.error).toEqual({ code: 'invalid_transition', message: 'cannot cancel a contract that is sent' })
    await sign(promoter, contract, 0)
    const editSigned = await h.app.rest('PATCH', `/api/v1/contracts/${contract.id}`, { as: agency, body: { baseVersion: 1, body: 'late change' } })
    expect(editSigned.body.error).toEqual({ code: 'invalid_transition', message: 'cannot edit a contract that is signed' })
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/void`, { as: promoter, body: {} })).body.error.fields[0].field).toBe('reason')
    const voided = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/void`, { as: promoter, body: { reason: 'show cancelled by the venue' } })
    expect(voided.body.data).toMatchObject({ status: 'void', closedReason: 'show cancelled by the venue' })
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/void`, { as: agency, body: { reason: 'twice' } })).status).toBe(409)
  })

  it('keeps attachments by reference, per version, on the timeline', async () => {
    const { contract } = await draft()
    const file = { name: 'rider.pdf', mimeType: 'application/pdf', sizeBytes: 48213, storageRef: 's3://kisum-contracts/rider.pdf' }
    const added = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as: promoter, body: file })
    expect(added.status).toBe(201)
    expect(added.body.data.versionId).toBe(contract.current.id)
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as: promoter, body: { ...file, version: 7 } })).body.error.fields).toEqual([
      { field: 'version', message: 'the contract has no version 7' },
    ])
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as: promoter, body: { ...file, mimeType: 'pdf' } })).body.error.fields[0].field).toBe('mimeType')
    expect((await read(contract.id)).attachments.map((a: { name: string }) => a.name)).toEqual(['rider.pdf'])
    await h.app.rest('DELETE', `/api/v1/contracts/${contract.id}/attachments/${added.body.data.id}`, { as: agency })
    expect((await read(contract.id)).attachments).toEqual([])
    const signer = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/signers`, { as: agency, body: { role: 'witness', side: 'agency', name: 'Wit Ness', required: false } })
    await h.app.rest('DELETE', `/api/v1/contracts/${contract.id}/signers/${signer.body.data.id}`, { as: agency })
    expect(await timeline(contract.id)).toEqual(['created', 'attachment_added', 'attachment_removed', 'signer_added', 'signer_removed'])
  })
})

describe('visibility', () => {
  it('shows a contract only to the parties of its booking, and lets signers sign only their own contracts', async () => {
    const { contract } = await draft()
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    const otherAgency = await agencySession(h.auth, h.app.db)
    for (const path of [`/api/v1/contracts/${contract.id}`, `/api/v1/contracts/${contract.id}/events`, `/api/v1/contracts/${contract.id}/versions`]) {
      expect((await h.app.rest('GET', path, { as: outsider })).status, path).toBe(404)
      expect((await h.app.rest('GET', path, { as: otherAgency })).status, path).toBe(404)
      expect((await h.app.rest('GET', path, { as: promoter })).status, path).toBe(200)
    }
    expect((await h.app.rest('GET', '/api/v1/contracts?limit=100', { as: outsider })).body.data.items.map((c: { id: string }) => c.id)).not.toContain(contract.id)

    // The outsider's own contract, with its own buyer signer:
    const theirs = await (async () => {
      const { booking } = await booked(outsider, await representedArtist())
      const c = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id, values: [{ field: 'promoter.name', value: 'Other' }], signers: [signers[0]] } })
      await h.app.rest('POST', `/api/v1/contracts/${c.body.data.id}/send`, { as: agency })
      return c.body.data
    })()
    const intoOther = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, { as: outsider, body: { signerId: theirs.signers[0].id, contentHash: contract.current.contentHash } })
    expect(intoOther.status).toBe(404)
    const wrongSigner = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, { as: promoter, body: { signerId: theirs.signers[0].id, contentHash: contract.current.contentHash } })
    expect(wrongSigner.status).toBe(404)
    expect(wrongSigner.body.error.message).toContain('signer')
    const byGraph = await h.app.graphql('mutation($id: ID!, $s: ID!, $h: String!) { signContract(id: $id, input: { signerId: $s, contentHash: $h }) { status } }', { id: contract.id, s: contract.signers[0].id, h: contract.current.contentHash }, { as: outsider })
    expect(byGraph.data.signContract).toBeNull()
    expect(byGraph.errors?.[0].extensions?.code).toBe('NOT_FOUND')
    expect(await h.app.db.contractSignature.count({ where: { contractId: contract.id } })).toBe(0)
  })

  it('reaches GraphQL: Booking.contract, Contract.booking, the timeline, and Contract as an entity', async () => {
    const { contract, booking } = await draft()
    const q = `query($id: ID!) { booking(id: $id) { contract { id status title current { version contentHash } blockingSigner { name } events { type } booking { id } } } }`
    const r = await h.app.graphql(q, { id: booking.id }, { as: promoter })
    expect(r.errors).toBeUndefined()
    expect(r.data.booking.contract).toMatchObject({ id: contract.id, status: 'DRAFT', current: { version: 1 }, blockingSigner: null, events: [{ type: 'created' }], booking: { id: booking.id } })
    const entities = await h.app.graphql('query($r: [_Any!]!) { _entities(representations: $r) { ... on Contract { id status } } }', { r: [{ __typename: 'Contract', id: contract.id }] }, { as: agency })
    expect(entities.data._entities).toEqual([{ id: contract.id, status: 'DRAFT' }])
    const hidden = await h.app.graphql('query($r: [_Any!]!) { _entities(representations: $r) { ... on Contract { id } } }', { r: [{ __typename: 'Contract', id: contract.id }] }, { as: outsider })
    expect(hidden.data._entities).toEqual([null])
    const drafted = await h.app.graphql(
      `mutation($input: DraftContractInput!) { draftContract(input: $input) { status unresolvedFields signers { role position } } }`,
      { input: { templateId, bookingId: (await booked(promoter, await representedArtist())).booking.id, signingOrder: 'PARALLEL', signers: [{ role: 'BUYER', side: 'PROMOTER', name: 'G. Buyer' }] } },
      { as: agency },
    )
    expect(drafted.data.draftContract).toEqual({ status: 'DRAFT', unresolvedFields: ['promoter.name'], signers: [{ role: 'BUYER', position: 1 }] })
  })

  it('keeps a list of contracts with their signing state at a constant SQL statement count', async () => {
    for (let i = 0; i < 3; i++) await draft()
    const q = `query($first: Int!) { contracts(first: $first) { edges { node { id current { version } signers { name } signatures { id } blockingSigner { name } events { type } booking { id } } } } }`
    const count = async (first: number) => {
      const start = h.app.sql.length
      const r = await h.app.graphql(q, { first }, { as: agency })
      expect(r.errors).toBeUndefined()
      expect(r.data.contracts.edges).toHaveLength(first)
      expect(r.data.contracts.edges.every((e: { node: { signers: unknown[] } }) => e.node.signers.length === 3)).toBe(true)
      return h.app.sql.slice(start).filter((s) => !/^(BEGIN|COMMIT)/.test(s)).length
    }
    const small = await count(1)
    const large = await count(3)
    expect(large).toBe(small)
    console.log(`contracts → signers, signatures, blocking, events, booking: ${small} SQL statements for 1 contract, ${large} for 3`)
  })
})
