// Contracts: template libraries, booking-linked contracts with merge fields, immutable versions under
// optimistic concurrency, signers in order, signatures bound to a version's hash, attachments, the status
// machine and a complete audit timeline — seen only by the parties of the booking.
import { createHash, randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'

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
    body: { signerId: (contract as unknown as { signers: { id: string }[] }).signers[signerIndex]?.id, contentHash: c.current.contentHash },
    headers: { 'user-agent': 'KisumTest/1.0' },
  })
const read = async (id: string, as: Session = promoter) => (await h.app.rest('GET', `/api/v1/contracts/${id}`, { as })).body.data
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const timeline = async (id: string) =>
  (await h.app.rest('GET', `/api/v1/contracts/${id}/events`, { as: promoter })).body.data.map((e: { type: string }) => e.type)

describe('template libraries', () => {
  it('keeps versions of a company’s templates, validates merge fields, and keeps archived ones readable', async () => {
    const bad = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: agency,
      body: { name: 'Bad', body: 'Hello {{artist.nmae}} and {{rider.catering}}' },
    })
    expect(validationFields(bad)).toEqual([{ field: 'body', message: 'unknown merge fields: artist.nmae, rider.catering' }])
    const t = await h.app.rest('POST', '/api/v1/contract-templates', { as: agency, body: { name: 'Festival', body: 'v1 {{artist.name}}' } })
    const v2 = await h.app.rest('PATCH', `/api/v1/contract-templates/${t.body.data.id}`, {
      as: agency,
      body: { body: 'v2 {{artist.name}} {{deal.fee}}' },
    })
    expect(v2.body.data).toMatchObject({ currentVersion: 2, versions: [{ version: 2, body: 'v2 {{artist.name}} {{deal.fee}}' }] })
    const renamed = await h.app.rest('PATCH', `/api/v1/contract-templates/${t.body.data.id}`, {
      as: agency,
      body: { name: 'Festival 2032' },
    })
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
    const fromArchived = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: { templateId: t.body.data.id, bookingId: booking.id },
    })
    expect(validationFields(fromArchived)).toEqual([{ field: 'templateId', message: 'the template is archived' }])
    expect((await h.app.rest('GET', `/api/v1/contract-templates/${t.body.data.id}`, { as: promoter })).status).toBe(404)
  })
})

describe('booking-linked contracts', () => {
  it('are drafted from a template with the booking’s merge fields filled', async () => {
    const { contract, booking } = await draft()
    expect(contract).toMatchObject({
      status: 'draft',
      currentVersion: 1,
      bookingId: booking.id,
      signingOrder: 'sequential',
      unresolvedFields: [],
    })
    expect(contract.current.body).toContain('for Contracted')
    expect(contract.current.body).toContain('and Live Iberia SL agree')
    expect(contract.current.body).toContain('flat fee of 15,000.00 EUR, deposit 5,000.00 EUR')
    const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`
    expect(contract.current.body).toContain(
      `on ${booking.startsAt.slice(0, 10)} (${minute(booking.startsAt)} to ${minute(booking.endsAt)})`,
    )
    expect(contract.current.contentHash).toBe(sha256(contract.current.body))
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
    expect(unfilled.body.error).toEqual({
      code: 'unresolved_merge_fields',
      message: 'fill these merge fields before sending: promoter.name',
    })
    const second = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id } })
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('contract_exists')
    expect(
      (await h.app.rest('POST', `/api/v1/contracts/${bare.body.data.id}/cancel`, { as: agency, body: { reason: 'wrong template' } })).body
        .data.status,
    ).toBe('cancelled')
    expect((await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id } })).status).toBe(201)
  })

  it('validate their input field by field', async () => {
    const { booking } = await booked(promoter, await representedArtist())
    const both = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: { templateId, bookingId: booking.id, holdId: randomUUID() },
    })
    expect(validationFields(both)).toEqual([{ field: 'bookingId', message: 'give exactly one of bookingId and holdId' }])
    const badField = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: { templateId, bookingId: booking.id, values: [{ field: 'rider.beer', value: 'x' }] },
    })
    expect(validationFields(badField).map((f) => f.field)).toEqual(['values.0.field'])
    const unknownBooking = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: randomUUID() } })
    expect(validationFields(unknownBooking)).toEqual([{ field: 'bookingId', message: 'unknown booking' }])
    const badSigner = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: { templateId, bookingId: booking.id, signers: [{ role: 'boss', side: 'both', name: '' }] },
    })
    expect(
      validationFields(badSigner)
        .map((f) => f.field)
        .sort(),
    ).toEqual(['signers.0.name', 'signers.0.role', 'signers.0.side'])
  })

  it('can be drafted early, on an active hold; its booking appears once the hold is confirmed', async () => {
    const artistId = await representedArtist()
    const { hold } = await held(promoter, artistId)
    const early = await h.app.rest('POST', '/api/v1/contracts', {
      as: agency,
      body: { templateId, holdId: hold.id, values: [{ field: 'promoter.name', value: 'Early Bird' }] },
    })
    expect(early.status).toBe(201)
    const q = 'query($id: ID!) { contract(id: $id) { holdId: id booking { id } } }'
    expect((await h.app.graphql(q, { id: early.body.data.id }, { as: agency })).data.contract.booking).toBeNull()
    const confirmed = await h.app.rest('POST', `/api/v1/booking-holds/${hold.id}/confirm`, { as: agency })
    expect((await h.app.graphql(q, { id: early.body.data.id }, { as: agency })).data.contract.booking).toEqual({
      id: confirmed.body.data.id,
    })
    const byBooking = await h.app.rest('GET', `/api/v1/contracts?bookingId=${confirmed.body.data.id}`, { as: promoter })
    expect(byBooking.body.data.items.map((c: { id: string }) => c.id)).toEqual([early.body.data.id])
  })

  it('are not drafted on a hold the pipeline reads as gone: expired, or past an unanswered challenge', async () => {
    const refused = async (holdId: string) => {
      const r = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, holdId } })
      expect([r.status, r.body.error?.code]).toEqual([409, 'hold_not_active'])
      expect(await h.app.db.contract.count({ where: { holdId } })).toBe(0)
    }
    const expired = (await held(promoter, await representedArtist())).hold
    await h.app.db.bookingHold.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } })
    await refused(expired.id)

    const artistId = await representedArtist()
    const when = nextSlot()
    const first = (await held(promoter, artistId, when)).hold
    const second = (await held(promoter, artistId, when)).hold
    expect((await h.app.rest('POST', `/api/v1/booking-holds/${second.id}/challenge`, { as: promoter, body: {} })).status).toBe(200)
    await h.app.db.bookingHold.update({ where: { id: first.id }, data: { challengeDeadline: new Date(Date.now() - 1000) } })
    await refused(first.id)
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

  it('are drafted only from a template of the drafting company’s own library', async () => {
    const stranger = await agencySession(h.auth, h.app.db)
    const foreign = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: stranger,
      body: { name: 'Foreign paper', body: 'FOREIGN TERMS for {{artist.name}}' },
    })
    // Even the other party of the booking: its template is its own, not the agency's.
    const buyers = await h.app.rest('POST', '/api/v1/contract-templates', {
      as: promoter,
      body: { name: 'Buyer paper', body: 'BUYER TERMS for {{artist.name}}' },
    })
    const { booking, requestId } = await booked(promoter, await representedArtist())
    for (const t of [foreign, buyers]) {
      expect(t.status).toBe(201)
      const r = await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId: t.body.data.id, bookingId: booking.id } })
      // Refused as a bad reference, like an unknown bookingId.
      expect(validationFields(r)).toEqual([{ field: 'templateId', message: 'unknown template' }])
      expect(JSON.stringify(r.body)).not.toMatch(/FOREIGN TERMS|BUYER TERMS/)
      const g = await h.app.graphql(
        'mutation($input: DraftContractInput!) { draftContract(input: $input) { id } }',
        { input: { templateId: t.body.data.id, bookingId: booking.id } },
        { as: agency },
      )
      expect(g.data).toEqual({ draftContract: null })
      expect(g.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    }
    expect(await h.app.db.contract.count({ where: { requestId } })).toBe(0)
    // The booking itself was fine: the agency's own template drafts it.
    expect((await h.app.rest('POST', '/api/v1/contracts', { as: agency, body: { templateId, bookingId: booking.id } })).status).toBe(201)
  })

  it('answer a version number beyond any version with a 400, not an overflow', async () => {
    const { contract } = await draft()
    const r = await h.app.rest('GET', `/api/v1/contracts/${contract.id}/versions/99999999999`, { as: promoter })
    expect(validationFields(r).map((f) => f.field)).toEqual(['version'])
  })
})

describe('signing', () => {
  it('goes in order, binds each signature to the version hash, and completes when every required signer signed', async () => {
    const { contract } = await draft()
    expect(
      (
        await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, {
          as: promoter,
          body: { signerId: contract.signers[0].id, contentHash: contract.current.contentHash },
        })
      ).body.error.code,
    ).toBe('invalid_transition')
    const sent = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    expect(sent.body.data).toMatchObject({ status: 'sent', blocking: [{ role: 'buyer' }] })

    const early = await sign(agency, contract, 1)
    expect(early.status).toBe(409)
    expect(early.body.error).toEqual({ code: 'not_your_turn', message: 'Pat Promoter (buyer) signs first' })
    const wrongSide = await sign(agency, contract, 0)
    expect(wrongSide.status).toBe(403)
    expect(wrongSide.body.error.code).toBe('not_the_signer')
    const staleHash = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, {
      as: promoter,
      body: { signerId: contract.signers[0].id, contentHash: 'a'.repeat(64) },
    })
    expect(staleHash.body.error.code).toBe('stale_version')

    const buyer = await sign(promoter, contract, 0)
    expect(buyer.body.data).toMatchObject({ status: 'partially_signed', blocking: [{ role: 'artist' }] })
    expect(buyer.body.data.signatures[0]).toMatchObject({
      signedByUserId: promoter.userId,
      signedByOrgId: promoter.orgId,
      contentHash: contract.current.contentHash,
      userAgent: 'KisumTest/1.0',
    })
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
    const gql = await h.app.graphql(
      'query($id: ID!) { contract(id: $id) { status blockingSigner { role } blockingSigners { role } } }',
      { id: contract.id },
      { as: promoter },
    )
    expect(gql.data.contract).toEqual({
      status: 'PARTIALLY_SIGNED',
      blockingSigner: { role: 'BUYER' },
      blockingSigners: [{ role: 'BUYER' }, { role: 'ARTIST' }],
    })
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
    expect(edited.body.data.current).toMatchObject({ version: 2, body: `${contract.current.body}\nRider: 2 x hotel rooms.` })
    expect(edited.body.data.current.contentHash).toBe(sha256(edited.body.data.current.body))
    expect(edited.body.data.current.contentHash).not.toBe(contract.current.contentHash)
    const old = await sign(promoter, contract, 0)
    expect(old.status).toBe(409)
    expect(old.body.error.code).toBe('stale_version')
    expect((await sign(promoter, contract, 0, edited.body.data)).body.data.status).toBe('partially_signed')
    const v1 = await h.app.rest('GET', `/api/v1/contracts/${contract.id}/versions/1`, { as: promoter })
    expect(v1.body.data.contentHash).toBe(contract.current.contentHash)
    expect(
      (await h.app.rest('GET', `/api/v1/contracts/${contract.id}/versions`, { as: promoter })).body.data.map(
        (v: { version: number }) => v.version,
      ),
    ).toEqual([2, 1])
  })
})

describe('optimistic concurrency', () => {
  it('refuses an edit on a stale version (409), and of two concurrent edits keeps exactly one', async () => {
    const { contract } = await draft()
    const edit = (text: string, as: Session = agency) =>
      h.app.rest('PATCH', `/api/v1/contracts/${contract.id}`, { as, body: { baseVersion: 1, body: text } })
    const results = await Promise.all([edit('Version by the agency'), edit('Version by the promoter', promoter)])
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    const lost = results.find((r) => r.status === 409)!
    expect(lost.body.error).toEqual({
      code: 'stale_version',
      message: 'the contract is at version 2, not 1: reload it and apply the edit again',
    })
    const versions = await h.app.db.contractVersion.findMany({ where: { contractId: contract.id } })
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2])
    expect((await edit('Again on 1')).status).toBe(409)
    const same = await h.app.rest('PATCH', `/api/v1/contracts/${contract.id}`, {
      as: agency,
      body: { baseVersion: 2, body: (await read(contract.id)).current.body },
    })
    expect(validationFields(same)).toEqual([{ field: 'body', message: 'the text is unchanged' }])
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
      h.app.rest('PATCH', `/api/v1/contracts/${raced.id}`, {
        as: agency,
        body: { baseVersion: 1, body: `${raced.current.body}\nAmended.` },
      }),
    ])
    expect(edited.status).toBe(200)
    expect([200, 409]).toContain(signed.status)
    if (signed.status === 409) expect(signed.body.error.code).toBe('stale_version')
    const after = await read(raced.id)
    expect(after).toMatchObject({ currentVersion: 2, status: 'sent', signatures: [] })
    // The timeline tells the same story: a signature that counted was taken before the edit, a refused one left no trace.
    const events = (await h.app.rest('GET', `/api/v1/contracts/${raced.id}/events`, { as: promoter })).body.data as {
      type: string
      seq: number
    }[]
    const seqOf = (type: string) => events.filter((e) => e.type === type).map((e) => e.seq)
    expect(seqOf('edited')).toHaveLength(1)
    if (signed.status === 200) {
      expect(seqOf('signed')).toHaveLength(1)
      expect(seqOf('signed')[0]).toBeLessThan(seqOf('edited')[0]!)
    } else expect(seqOf('signed')).toEqual([])
  })

  it('never rewrites a version or a signature', async () => {
    const { contract } = await draft()
    await expect(h.app.db.contractVersion.updateMany({ where: { contractId: contract.id }, data: { body: 'tampered' } })).rejects.toThrow(
      /append-only/,
    )
    await expect(h.app.db.contractEvent.deleteMany({ where: { contractId: contract.id } })).rejects.toThrow(/append-only/)

    // A signed contract's signatures, and the template versions contracts are drafted from, stay as written too.
    const { contract: one } = await draft({ signers: [signers[0]] })
    await h.app.rest('POST', `/api/v1/contracts/${one.id}/send`, { as: agency })
    expect((await sign(promoter, one, 0)).body.data.status).toBe('signed')
    const signatures = await h.app.db.contractSignature.findMany({ where: { contractId: one.id } })
    expect(signatures).toHaveLength(1)
    await expect(
      h.app.db.contractSignature.updateMany({ where: { contractId: one.id }, data: { contentHash: 'f'.repeat(64) } }),
    ).rejects.toThrow(/append-only/)
    await expect(h.app.db.contractSignature.deleteMany({ where: { contractId: one.id } })).rejects.toThrow(/append-only/)
    expect(await h.app.db.contractSignature.findMany({ where: { contractId: one.id } })).toEqual(signatures)

    const templateVersions = await h.app.db.contractTemplateVersion.findMany({ where: { templateId } })
    expect(templateVersions).toHaveLength(1)
    await expect(
      h.app.db.contractTemplateVersion.updateMany({ where: { templateId }, data: { body: 'tampered {{artist.name}}' } }),
    ).rejects.toThrow(/append-only/)
    await expect(h.app.db.contractTemplateVersion.deleteMany({ where: { templateId } })).rejects.toThrow(/append-only/)
    expect(await h.app.db.contractTemplateVersion.findMany({ where: { templateId } })).toEqual(templateVersions)
  })
})

describe('the status machine', () => {
  it('voids with a reason; refuses edits to signed contracts, cancelling sent ones, and cancels by the other side', async () => {
    const { contract } = await draft({ signers: [signers[0]] })
    expect(
      (await h.app.rest('POST', `/api/v1/contracts/${contract.id}/cancel`, { as: promoter, body: { reason: 'x' } })).body.error.code,
    ).toBe('wrong_side')
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: promoter })).body.error.code).toBe('wrong_side')
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    const cancelSent = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/cancel`, { as: agency, body: { reason: 'changed mind' } })
    expect(cancelSent.body.error).toEqual({ code: 'invalid_transition', message: 'cannot cancel a contract that is sent' })
    await sign(promoter, contract, 0)
    const editSigned = await h.app.rest('PATCH', `/api/v1/contracts/${contract.id}`, {
      as: agency,
      body: { baseVersion: 1, body: 'late change' },
    })
    expect(editSigned.body.error).toEqual({ code: 'invalid_transition', message: 'cannot edit a contract that is signed' })
    expect(
      validationFields(await h.app.rest('POST', `/api/v1/contracts/${contract.id}/void`, { as: promoter, body: {} })).map((f) => f.field),
    ).toEqual(['reason'])
    const voided = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/void`, {
      as: promoter,
      body: { reason: 'show cancelled by the venue' },
    })
    expect(voided.body.data).toMatchObject({ status: 'void', closedReason: 'show cancelled by the venue' })
    expect((await h.app.rest('POST', `/api/v1/contracts/${contract.id}/void`, { as: agency, body: { reason: 'twice' } })).status).toBe(409)
  })

  it('keeps attachments by reference, per version, on the timeline', async () => {
    const { contract } = await draft()
    const file = { name: 'rider.pdf', mimeType: 'application/pdf', sizeBytes: 48213, storageRef: 's3://kisum-contracts/rider.pdf' }
    const added = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as: promoter, body: file })
    expect(added.status).toBe(201)
    expect(added.body.data.versionId).toBe(contract.current.id)
    expect(
      validationFields(
        await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as: promoter, body: { ...file, version: 7 } }),
      ),
    ).toEqual([{ field: 'version', message: 'the contract has no version 7' }])
    expect(
      validationFields(
        await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as: promoter, body: { ...file, mimeType: 'pdf' } }),
      ).map((f) => f.field),
    ).toEqual(['mimeType'])
    expect((await read(contract.id)).attachments.map((a: { name: string }) => a.name)).toEqual(['rider.pdf'])
    await h.app.rest('DELETE', `/api/v1/contracts/${contract.id}/attachments/${added.body.data.id}`, { as: agency })
    expect((await read(contract.id)).attachments).toEqual([])
    const signer = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/signers`, {
      as: agency,
      body: { role: 'witness', side: 'agency', name: 'Wit Ness', required: false },
    })
    await h.app.rest('DELETE', `/api/v1/contracts/${contract.id}/signers/${signer.body.data.id}`, { as: agency })
    expect(await timeline(contract.id)).toEqual(['created', 'attachment_added', 'attachment_removed', 'signer_added', 'signer_removed'])
  })
})

describe('visibility', () => {
  it('shows a contract only to the parties of its booking, and lets signers sign only their own contracts', async () => {
    const { contract, booking } = await draft()
    await h.app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
    const otherAgency = await agencySession(h.auth, h.app.db)
    const strangers: [string, Session][] = [
      ['outsider', outsider],
      ['otherAgency', otherAgency],
    ]
    const reads = [
      `/api/v1/contracts/${contract.id}`,
      `/api/v1/contracts/${contract.id}/events`,
      `/api/v1/contracts/${contract.id}/versions`,
      `/api/v1/contracts/${contract.id}/versions/1`,
    ]
    for (const path of reads) {
      for (const [who, as] of strangers) expect((await h.app.rest('GET', path, { as })).status, `${who} ${path}`).toBe(404)
      expect((await h.app.rest('GET', path, { as: promoter })).status, path).toBe(200)
      expect((await h.app.rest('GET', path, { as: agency })).status, path).toBe(200)
    }
    const listed = async (as: Session, filter = `?bookingId=${booking.id}`) =>
      (await h.app.rest('GET', `/api/v1/contracts${filter}`, { as })).body.data.items.map((c: { id: string }) => c.id)
    expect(await listed(promoter)).toEqual([contract.id])
    expect(await listed(agency)).toEqual([contract.id])
    for (const [who, as] of strangers) expect(await listed(as), who).toEqual([])
    expect(await listed(otherAgency, '')).toEqual([])

    const q =
      'query($id: ID!, $b: ID!) { contract(id: $id) { id } contracts(first: 10, filter: { bookingId: $b }) { totalCount edges { node { id } } } }'
    const mine = await h.app.graphql(q, { id: contract.id, b: booking.id }, { as: promoter })
    expect(mine.errors).toBeUndefined()
    expect(mine.data).toEqual({ contract: { id: contract.id }, contracts: { totalCount: 1, edges: [{ node: { id: contract.id } }] } })
    for (const [who, as] of strangers) {
      const theirs = await h.app.graphql(q, { id: contract.id, b: booking.id }, { as })
      expect(theirs.data, who).toEqual({ contract: null, contracts: { totalCount: 0, edges: [] } })
      expect(
        theirs.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]),
        who,
      ).toEqual([['contract', 'NOT_FOUND']])
    }
    expect((await h.app.graphql('{ contracts { totalCount } }', {}, { as: otherAgency })).data).toEqual({ contracts: { totalCount: 0 } })

    // Nor can a stranger attach a file to it or remove one: 404, and neither the attachments nor the timeline change.
    const file = { name: 'rider.pdf', mimeType: 'application/pdf', sizeBytes: 48213, storageRef: 's3://kisum-contracts/rider.pdf' }
    const attached = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as: promoter, body: file })
    expect(attached.status).toBe(201)
    const events = await timeline(contract.id)
    for (const [who, as] of strangers) {
      const add = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/attachments`, { as, body: { ...file, name: `${who}.pdf` } })
      expect(add.status, who).toBe(404)
      const remove = await h.app.rest('DELETE', `/api/v1/contracts/${contract.id}/attachments/${attached.body.data.id}`, { as })
      expect(remove.status, who).toBe(404)
    }
    expect(
      await h.app.db.contractAttachment.findMany({ where: { contractId: contract.id }, select: { id: true, removedAt: true } }),
    ).toEqual([{ id: attached.body.data.id, removedAt: null }])
    expect(await timeline(contract.id)).toEqual(events)

    // The outsider's own contract, with its own buyer signer:
    const theirs = await (async () => {
      const { booking } = await booked(outsider, await representedArtist())
      const c = await h.app.rest('POST', '/api/v1/contracts', {
        as: agency,
        body: { templateId, bookingId: booking.id, values: [{ field: 'promoter.name', value: 'Other' }], signers: [signers[0]] },
      })
      await h.app.rest('POST', `/api/v1/contracts/${c.body.data.id}/send`, { as: agency })
      return c.body.data
    })()
    const intoOther = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, {
      as: outsider,
      body: { signerId: theirs.signers[0].id, contentHash: contract.current.contentHash },
    })
    expect(intoOther.status).toBe(404)
    const wrongSigner = await h.app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, {
      as: promoter,
      body: { signerId: theirs.signers[0].id, contentHash: contract.current.contentHash },
    })
    expect(wrongSigner.status).toBe(404)
    expect(wrongSigner.body.error.message).toContain('signer')
    const byGraph = await h.app.graphql(
      'mutation($id: ID!, $s: ID!, $h: String!) { signContract(id: $id, input: { signerId: $s, contentHash: $h }) { status } }',
      { id: contract.id, s: contract.signers[0].id, h: contract.current.contentHash },
      { as: outsider },
    )
    expect(byGraph.data.signContract).toBeNull()
    expect(byGraph.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
    expect(await h.app.db.contractSignature.count({ where: { contractId: contract.id } })).toBe(0)
  })

  it('reaches GraphQL: Booking.contract, Contract.booking, the timeline, and Contract as an entity', async () => {
    const { contract, booking } = await draft()
    const q = `query($id: ID!) { booking(id: $id) { contract { id status title current { version contentHash } blockingSigner { name } events { type } booking { id } } } }`
    const r = await h.app.graphql(q, { id: booking.id }, { as: promoter })
    expect(r.errors).toBeUndefined()
    expect(r.data.booking.contract).toMatchObject({
      id: contract.id,
      status: 'DRAFT',
      current: { version: 1 },
      blockingSigner: null,
      events: [{ type: 'CREATED' }],
      booking: { id: booking.id },
    })
    const entities = await h.app.graphql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Contract { id status } } }',
      { r: [{ __typename: 'Contract', id: contract.id }] },
      { as: agency },
    )
    expect(entities.data._entities).toEqual([{ id: contract.id, status: 'DRAFT' }])
    const hidden = await h.app.graphql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Contract { id } } }',
      { r: [{ __typename: 'Contract', id: contract.id }] },
      { as: outsider },
    )
    expect(hidden.data._entities).toEqual([null])
    const drafted = await h.app.graphql(
      `mutation($input: DraftContractInput!) { draftContract(input: $input) { status unresolvedFields signers { role position } } }`,
      {
        input: {
          templateId,
          bookingId: (await booked(promoter, await representedArtist())).booking.id,
          signingOrder: 'PARALLEL',
          signers: [{ role: 'BUYER', side: 'PROMOTER', name: 'G. Buyer' }],
        },
      },
      { as: agency },
    )
    expect(drafted.data.draftContract).toEqual({
      status: 'DRAFT',
      unresolvedFields: ['promoter.name'],
      signers: [{ role: 'BUYER', position: 1 }],
    })
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
