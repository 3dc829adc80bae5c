// Agency provisioning, exactly as designed: a fresh tenant company takes over a sleeping agency or asks
// for a new one; platform admins approve (one transaction) or reject; until then every agency-side
// operational route answers 403 agency_not_bridged. Races are settled by the database.
import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { AGENCY_ACCESS, createAgency, PROMOTER_ACCESS, seedGeo, validationFields } from './support/fixtures.ts'

const h = useHarness()
let geo: Awaited<ReturnType<typeof seedGeo>>

beforeAll(async () => {
  geo = await seedGeo(h.app.db)
})

const newcomer = () => h.auth.session(AGENCY_ACCESS)
const takeover = (as: Session, companyId: string, message?: string) =>
  h.app.rest('POST', '/api/v1/artists-companies/takeover-requests', { as, body: { companyId, message } })
const approve = (id: string, body: Record<string, unknown> = { reviewer: 'admin@kisum.io', note: 'verified by phone' }) =>
  h.app.rest('POST', `/internal/admin/artist-company-requests/${id}/approve`, { as: 'machine', body })

/** Everything provisioning can change, to assert a rejected operation changed nothing. */
async function snapshot() {
  const db = h.app.db
  return {
    companies: await db.agency.findMany({ orderBy: { id: 'asc' } }),
    claims: await db.companyClaim.findMany({ orderBy: { id: 'asc' } }),
    requests: await db.provisioningRequest.findMany({ orderBy: { id: 'asc' } }),
  }
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>

/** Per table, the ids of the rows added, changed or removed between two snapshots. */
function changes(before: Snapshot, after: Snapshot): Record<keyof Snapshot, string[]> {
  const ids = (table: keyof Snapshot) => {
    const was = new Map<string, unknown>(before[table].map((r) => [r.id, r]))
    const now = new Map<string, unknown>(after[table].map((r) => [r.id, r]))
    return [...new Set([...was.keys(), ...now.keys()])].filter((id) => !isDeepStrictEqual(was.get(id), now.get(id))).sort()
  }
  return { companies: ids('companies'), claims: ids('claims'), requests: ids('requests') }
}

describe('the hard no-agency gate', () => {
  it('locks agency-side operations until bridged, and leaves provisioning and /me/agency open', async () => {
    const me = await newcomer()
    const operational = [
      await h.app.rest('POST', '/api/v1/artists', { as: me, body: { name: 'Blocked' } }),
      await h.app.rest('GET', '/api/v1/roster', { as: me }),
      await h.app.rest('GET', '/api/v1/representation-claims', { as: me }),
      await h.app.rest('POST', '/api/v1/representation-claims', { as: me, body: { artistId: randomUUID() } }),
      await h.app.rest('POST', `/api/v1/artists/${randomUUID()}/team`, { as: me, body: { personId: randomUUID(), role: 'agent' } }),
    ]
    for (const r of operational) {
      expect(r.status).toBe(403)
      expect(r.body.error.code).toBe('agency_not_bridged')
    }
    const gql = await h.app.graphql('{ myRoster(first: 1) { totalCount } myAgency { bridged } }', {}, { as: me })
    expect(gql.data.myRoster).toBeNull()
    expect(gql.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'agency_not_bridged' })
    expect(gql.data.myAgency).toEqual({ bridged: false })

    expect((await h.app.rest('GET', '/api/v1/me/agency', { as: me })).status).toBe(200)
    expect((await h.app.rest('GET', '/api/v1/artists-companies/sleeping', { as: me })).status).toBe(200)
    expect((await h.app.rest('GET', '/api/v1/artists-companies/requests', { as: me })).status).toBe(200)
    expect((await h.app.rest('GET', '/api/v1/artists', { as: me })).status).toBe(200)
  })

  it('does not apply to promoter companies, which never need an agency', async () => {
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    expect((await h.app.rest('GET', '/api/v1/artists', { as: promoter })).status).toBe(200)
    const roster = await h.app.rest('GET', '/api/v1/roster', { as: promoter })
    expect(roster.body.error).toEqual({ code: 'forbidden', message: 'module not granted: artist' })
  })
})

describe('takeover', () => {
  it('takes a sleeping agency through request → approval, in one transaction, and opens the gate', async () => {
    const me = await newcomer()
    const sleeping = await createAgency(h.app.db, 'Dormant Talent')
    const listed = await h.app.rest('GET', '/api/v1/artists-companies/sleeping?q=dormant', { as: me })
    expect(listed.body.data.items.map((c: { id: string }) => c.id)).toEqual([sleeping.id])

    const requested = await takeover(me, sleeping.id, 'We are Dormant Talent, see our VAT number')
    expect(requested.status).toBe(201)
    expect(requested.body.data).toMatchObject({
      kind: 'takeover',
      status: 'pending',
      requesterOrgId: me.orgId,
      targetCompany: { id: sleeping.id },
    })
    const before = await h.app.rest('GET', '/api/v1/me/agency', { as: me })
    expect(before.body.data).toMatchObject({ bridged: false, agency: null, pendingRequest: { id: requested.body.data.id } })

    const approved = await approve(requested.body.data.id)
    expect(approved.status).toBe(200)
    expect(approved.body.data).toMatchObject({
      status: 'approved',
      reviewedBy: 'admin@kisum.io',
      reviewReason: 'verified by phone',
      resultingCompanyId: sleeping.id,
    })
    const claim = await h.app.db.companyClaim.findFirstOrThrow({ where: { provisioningRequestId: requested.body.data.id } })
    expect(claim).toMatchObject({ companyId: sleeping.id, orgId: me.orgId, status: 'approved' })
    expect((await h.app.db.agency.findUniqueOrThrow({ where: { id: sleeping.id } })).claimed).toBe(true)

    const after = await h.app.rest('GET', '/api/v1/me/agency', { as: me })
    expect(after.body.data).toMatchObject({ bridged: true, agency: { id: sleeping.id, name: 'Dormant Talent' }, pendingRequest: null })
    expect((await h.app.rest('GET', '/api/v1/roster', { as: me })).status).toBe(200)
    const listedAfter = await h.app.rest('GET', '/api/v1/artists-companies/sleeping?q=dormant', { as: me })
    expect(listedAfter.body.data.total).toBe(0)
  })

  it('refuses an approval twice (409 invalid_transition), changing nothing', async () => {
    const me = await newcomer()
    const company = await createAgency(h.app.db)
    const requested = await takeover(me, company.id)
    expect((await approve(requested.body.data.id)).status).toBe(200)
    const before = await snapshot()
    const again = await approve(requested.body.data.id)
    expect(again.status).toBe(409)
    expect(again.body.error).toEqual({ code: 'invalid_transition', message: 'the request is approved, not pending' })
    expect(await snapshot()).toEqual(before)
  })

  it('refuses to approve a takeover whose agency was claimed meanwhile (409), changing nothing', async () => {
    const company = await createAgency(h.app.db)
    const first = await newcomer()
    const second = await newcomer()
    const a = await takeover(first, company.id)
    const b = await takeover(second, company.id)
    expect([a.status, b.status]).toEqual([201, 201])
    expect((await approve(a.body.data.id)).status).toBe(200)
    const before = await snapshot()
    const late = await approve(b.body.data.id)
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe('company_already_claimed')
    expect(await snapshot()).toEqual(before)
    expect((await h.app.db.provisioningRequest.findUniqueOrThrow({ where: { id: b.body.data.id } })).status).toBe('pending')
  })

  it('answers field-named 400s and clear 409s for bad requests', async () => {
    const me = await newcomer()
    expect(validationFields(await takeover(me, randomUUID()))).toEqual([{ field: 'companyId', message: 'unknown agency' }])
    expect(validationFields(await takeover(me, 'acme'))[0]?.field).toBe('companyId')
    expect(validationFields(await takeover(me, (await createAgency(h.app.db)).id, 'x'.repeat(2001)))[0]?.field).toBe('message')

    const claimedCompany = await createAgency(h.app.db)
    await h.app.db.agency.update({ where: { id: claimedCompany.id }, data: { claimed: true } })
    const beforeTaken = await snapshot()
    const taken = await takeover(me, claimedCompany.id)
    expect(taken.status).toBe(409)
    expect(taken.body.error.code).toBe('company_already_claimed')
    expect(await snapshot()).toEqual(beforeTaken)

    const first = await takeover(me, (await createAgency(h.app.db)).id)
    expect(first.status).toBe(201)
    const another = await createAgency(h.app.db)
    const beforeSecond = await snapshot()
    const second = await takeover(me, another.id)
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('request_already_pending')
    expect(await snapshot()).toEqual(beforeSecond)
  })

  it('lets the requester cancel a pending request, and only its own', async () => {
    const me = await newcomer()
    const other = await newcomer()
    const requested = await takeover(me, (await createAgency(h.app.db)).id)
    const foreign = await h.app.rest('POST', `/api/v1/artists-companies/requests/${requested.body.data.id}/cancel`, { as: other })
    expect(foreign.status).toBe(404)
    const cancelled = await h.app.rest('POST', `/api/v1/artists-companies/requests/${requested.body.data.id}/cancel`, { as: me })
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled' })
    expect(cancelled.body.data.cancelledAt).toBeTruthy()
    // The pending slot is free again.
    expect((await takeover(me, (await createAgency(h.app.db)).id)).status).toBe(201)
    const before = await snapshot()
    const late = await approve(requested.body.data.id)
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe('invalid_transition')
    expect(await snapshot()).toEqual(before)
  })
})

describe('creation', () => {
  const spec = () => ({
    name: 'Brand New Booking',
    kind: 'agency',
    countryCode: 'ES',
    cityId: geo.madrid.id,
    email: 'hello@brandnew.example',
  })

  it('creates the agency from the stored spec on approval and bridges it', async () => {
    const me = await newcomer()
    const requested = await h.app.rest('POST', '/api/v1/artists-companies/creation-requests', {
      as: me,
      body: { company: spec(), message: 'new agency in Madrid' },
    })
    expect(requested.status).toBe(201)
    expect(requested.body.data).toMatchObject({ kind: 'creation', status: 'pending', targetCompanyId: null })
    expect(requested.body.data.proposedCompany).toMatchObject({ name: 'Brand New Booking', countryId: geo.es.id, cityId: geo.madrid.id })
    const approved = await approve(requested.body.data.id)
    expect(approved.status).toBe(200)
    const created = approved.body.data.resultingCompany
    expect(created).toMatchObject({
      name: 'Brand New Booking',
      slug: 'brand-new-booking',
      claimed: true,
      countryId: geo.es.id,
      email: 'hello@brandnew.example',
    })
    const mine = await h.app.rest('GET', '/api/v1/me/agency', { as: me })
    expect(mine.body.data).toMatchObject({ bridged: true, agency: { id: created.id } })
  })

  it('names every missing or invalid field of the proposed agency', async () => {
    const me = await newcomer()
    const r = await h.app.rest('POST', '/api/v1/artists-companies/creation-requests', {
      as: me,
      body: { company: { kind: 'bank', email: 'nope', websiteUrl: 'javascript:alert(1)' } },
    })
    expect(
      validationFields(r)
        .map((f) => f.field)
        .sort(),
    ).toEqual(['company.email', 'company.kind', 'company.name', 'company.websiteUrl'])
    const place = await h.app.rest('POST', '/api/v1/artists-companies/creation-requests', {
      as: me,
      body: { company: { name: 'X', countryCode: 'FR', cityId: geo.madrid.id } },
    })
    expect(validationFields(place)).toEqual([{ field: 'company.cityId', message: 'the city is not in the given country' }])
    const missing = await h.app.rest('POST', '/api/v1/artists-companies/creation-requests', { as: me, body: {} })
    expect(validationFields(missing)).toEqual([{ field: 'company', message: expect.any(String) }])
    expect(await h.app.db.provisioningRequest.count({ where: { requesterOrgId: me.orgId } })).toBe(0)
  })

  it('is refused to a company already bridged', async () => {
    const me = await newcomer()
    const first = await h.app.rest('POST', '/api/v1/artists-companies/creation-requests', { as: me, body: { company: { name: 'Once' } } })
    expect((await approve(first.body.data.id)).status).toBe(200)
    const before = await snapshot()
    const second = await h.app.rest('POST', '/api/v1/artists-companies/creation-requests', { as: me, body: { company: { name: 'Twice' } } })
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('already_bridged')
    expect(await snapshot()).toEqual(before)
  })
})

describe('review (machine callers only)', () => {
  it('lists and filters requests for admins; tenants cannot reach the admin routes', async () => {
    const me = await newcomer()
    const r = await takeover(me, (await createAgency(h.app.db)).id)
    const pending = await h.app.rest('GET', `/internal/admin/artist-company-requests?status=pending&kind=takeover&orgId=${me.orgId}`, {
      as: 'machine',
    })
    expect(pending.body.data.items.map((x: { id: string }) => x.id)).toEqual([r.body.data.id])
    expect((await h.app.rest('GET', `/internal/admin/artist-company-requests/${r.body.data.id}`, { as: 'machine' })).body.data.id).toBe(
      r.body.data.id,
    )
    const tenant = await h.app.rest('POST', `/internal/admin/artist-company-requests/${r.body.data.id}/approve`, { as: me, body: {} })
    expect(tenant.status).toBe(403)
    const anonymous = await h.app.rest('GET', '/internal/admin/artist-company-requests')
    expect(anonymous.status).toBe(401)
    const badStatus = await h.app.rest('GET', '/internal/admin/artist-company-requests?status=done', { as: 'machine' })
    expect(validationFields(badStatus)[0]?.field).toBe('status')
  })

  it('rejects with a required reason, recorded for the requester', async () => {
    const me = await newcomer()
    const r = await takeover(me, (await createAgency(h.app.db)).id)
    const noReason = await h.app.rest('POST', `/internal/admin/artist-company-requests/${r.body.data.id}/reject`, {
      as: 'machine',
      body: {},
    })
    expect(validationFields(noReason)).toEqual([{ field: 'reason', message: expect.any(String) }])
    const rejected = await h.app.rest('POST', `/internal/admin/artist-company-requests/${r.body.data.id}/reject`, {
      as: 'machine',
      body: { reason: 'Could not verify the company', reviewer: 'ops@kisum.io' },
    })
    expect(rejected.body.data).toMatchObject({
      status: 'rejected',
      reviewReason: 'Could not verify the company',
      reviewedBy: 'ops@kisum.io',
    })
    const mine = await h.app.rest('GET', '/api/v1/artists-companies/requests?status=rejected', { as: me })
    expect(mine.body.data.items[0]).toMatchObject({ id: r.body.data.id, reviewReason: 'Could not verify the company' })
  })

  it('works the same through GraphQL', async () => {
    const me = await newcomer()
    const company = await createAgency(h.app.db, 'Graph Sleeper')
    const req = await h.app.graphql(
      'mutation($id: ID!) { requestAgencyTakeover(input: { companyId: $id, message: "ours" }) { id kind status targetCompany { name } } }',
      { id: company.id },
      { as: me },
    )
    expect(req.data.requestAgencyTakeover).toMatchObject({ kind: 'TAKEOVER', status: 'PENDING', targetCompany: { name: 'Graph Sleeper' } })
    const denied = await h.app.graphql(
      'mutation($id: ID!) { approveAgencyRequest(id: $id) { status } }',
      { id: req.data.requestAgencyTakeover.id },
      { as: me },
    )
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')
    const ok = await h.app.graphql(
      'mutation($id: ID!) { approveAgencyRequest(id: $id, input: { reviewer: "gql-admin" }) { status resultingCompany { name claimed } } }',
      { id: req.data.requestAgencyTakeover.id },
      { as: 'machine' },
    )
    expect(ok.data.approveAgencyRequest).toEqual({ status: 'APPROVED', resultingCompany: { name: 'Graph Sleeper', claimed: true } })
    const bridge = await h.app.graphql('{ myAgency { bridged agency { name } pendingRequest { id } company { id } } }', {}, { as: me })
    expect(bridge.data.myAgency).toEqual({
      bridged: true,
      agency: { name: 'Graph Sleeper' },
      pendingRequest: null,
      company: { id: me.orgId },
    })
  })
})

describe('over GraphQL, for a user who may only bridge the company', () => {
  const bridger = () => h.auth.session({ modules: ['artist'], permissions: ['artist.agency.manage'] })

  it('lists the sleeping agencies REST lists, and shows the agency of a takeover request', async () => {
    const me = await bridger()
    const sleeping = await createAgency(h.app.db, 'Bridgeable Sleeper')
    await h.app.db.agency.update({ where: { id: sleeping.id }, data: { countryId: geo.es.id, cityId: geo.madrid.id } })
    const rest = await h.app.rest('GET', '/api/v1/artists-companies/sleeping?q=bridgeable', { as: me })
    expect(rest.status).toBe(200)
    expect(rest.body.data.items.map((c: { id: string }) => c.id)).toEqual([sleeping.id])

    const gql = await h.app.graphql(
      '{ sleepingAgencies(first: 5, filter: { q: "bridgeable" }) { totalCount edges { node { id name claimed country { code } city { name } } } } }',
      {},
      { as: me },
    )
    expect(gql.errors).toBeUndefined()
    expect(gql.data.sleepingAgencies).toEqual({
      totalCount: 1,
      edges: [{ node: { id: sleeping.id, name: 'Bridgeable Sleeper', claimed: false, country: { code: 'ES' }, city: { name: 'Madrid' } } }],
    })

    const requested = await h.app.graphql(
      'mutation($id: ID!) { requestAgencyTakeover(input: { companyId: $id }) { id status targetCompany { id name } } }',
      { id: sleeping.id },
      { as: me },
    )
    expect(requested.errors).toBeUndefined()
    expect(requested.data.requestAgencyTakeover).toMatchObject({
      status: 'PENDING',
      targetCompany: { id: sleeping.id, name: 'Bridgeable Sleeper' },
    })
    const mine = await h.app.graphql(
      '{ myAgencyRequests(first: 5) { edges { node { targetCompany { id } } } } myAgency { pendingRequest { targetCompany { name } } } }',
      {},
      { as: me },
    )
    expect(mine.errors).toBeUndefined()
    expect(mine.data).toEqual({
      myAgencyRequests: { edges: [{ node: { targetCompany: { id: sleeping.id } } }] },
      myAgency: { pendingRequest: { targetCompany: { name: 'Bridgeable Sleeper' } } },
    })
  })

  it('opens nothing else: operational, discovery and review fields stay denied', async () => {
    const me = await bridger()
    const r = await h.app.graphql(
      '{ myRoster(first: 1) { totalCount } availabilitySearch(first: 1, filter: { from: "2030-01-01", to: "2030-01-31" }) { totalCount } agencyRequests(first: 1) { totalCount } }',
      {},
      { as: me },
    )
    expect(r.data).toEqual({ myRoster: null, availabilitySearch: null, agencyRequests: null })
    expect(r.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
      ['agencyRequests', 'FORBIDDEN'],
      ['availabilitySearch', 'FORBIDDEN'],
      ['myRoster', 'FORBIDDEN'],
    ])
    const write = await h.app.graphql('mutation { createArtist(input: { name: "Nope" }) { id } }', {}, { as: me })
    expect(write.data.createArtist).toBeNull()
    expect(write.errors?.[0]?.message).toBe('missing permission: artist.directory.manage')
  })
})

describe('races, settled by the database', () => {
  it('two (or ten) takeover requests from one org at once: exactly one 201, the rest 409', async () => {
    const me = await newcomer()
    const companies = await Promise.all(Array.from({ length: 10 }, () => createAgency(h.app.db)))
    const before = await snapshot()
    const results = await Promise.all(companies.map((c) => takeover(me, c.id)))
    const winners = results.filter((r) => r.status === 201)
    expect(winners).toHaveLength(1)
    const conflicts = results.filter((r) => r.status === 409)
    expect(conflicts).toHaveLength(9)
    expect(new Set(conflicts.map((r) => r.body.error.code))).toEqual(new Set(['request_already_pending']))
    // The winner's request is the only row written.
    expect(changes(before, await snapshot())).toEqual({ companies: [], claims: [], requests: [winners[0]!.body.data.id] })
  })

  it('approvals of different orgs for one company at once: exactly one claim wins', async () => {
    const company = await createAgency(h.app.db)
    const orgs = await Promise.all(Array.from({ length: 8 }, () => newcomer()))
    const requests = await Promise.all(orgs.map((o) => takeover(o, company.id)))
    expect(requests.every((r) => r.status === 201)).toBe(true)
    const before = await snapshot()
    const results = await Promise.all(requests.map((r) => approve(r.body.data.id)))
    const winners = results.filter((r) => r.status === 200)
    expect(winners).toHaveLength(1)
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(7).fill('company_already_claimed'))
    // Only the winner's approval wrote: its request, its claim, the company now claimed.
    const won = await h.app.db.companyClaim.findFirstOrThrow({ where: { provisioningRequestId: winners[0]!.body.data.id } })
    expect(changes(before, await snapshot())).toEqual({ companies: [company.id], claims: [won.id], requests: [winners[0]!.body.data.id] })
    expect(await h.app.db.companyClaim.count({ where: { companyId: company.id, status: 'approved' } })).toBe(1)
    const statuses = await h.app.db.provisioningRequest.groupBy({ by: ['status'], where: { targetCompanyId: company.id }, _count: true })
    expect(Object.fromEntries(statuses.map((s) => [s.status, s._count]))).toEqual({ approved: 1, pending: 7 })
  })

  it('one org approved for two companies at once: it is bridged to exactly one', async () => {
    const me = await newcomer()
    const [a, b] = [await createAgency(h.app.db), await createAgency(h.app.db)]
    // Two paths to the same bridge: a takeover request and a company claim.
    const request = await takeover(me, a.id)
    const claim = await h.app.rest('POST', '/api/v1/company-claims', { as: me, body: { companyId: b.id } })
    expect([request.status, claim.status]).toEqual([201, 201])
    const before = await snapshot()
    const [r1, r2] = await Promise.all([
      approve(request.body.data.id),
      h.app.rest('POST', `/internal/admin/company-claims/${claim.body.data.id}/approve`, { as: 'machine', body: {} }),
    ])
    expect([r1.status, r2.status].sort()).toEqual([200, 409])
    expect([r1, r2].find((r) => r.status === 409)!.body.error.code).toBe('already_bridged')
    expect(await h.app.db.companyClaim.count({ where: { orgId: me.orgId, status: 'approved' } })).toBe(1)
    expect(await h.app.db.agency.count({ where: { id: { in: [a.id, b.id] }, claimed: true } })).toBe(1)
    // The loser's request or claim is still pending, its company unclaimed: only the winner's rows changed.
    const byRequest = r1.status === 200
    const approvedClaim = await h.app.db.companyClaim.findFirstOrThrow({ where: { orgId: me.orgId, status: 'approved' } })
    expect(changes(before, await snapshot())).toEqual(
      byRequest
        ? { companies: [a.id], claims: [approvedClaim.id], requests: [request.body.data.id] }
        : { companies: [b.id], claims: [claim.body.data.id], requests: [] },
    )
  })
})
