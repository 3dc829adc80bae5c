// Company ownership through in-app claims: a tenant claims a market company, platform admins decide,
// at most one approved org per company (the partial unique index, not only the code), revocation makes
// the company sleeping again and closes the gate.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { AGENCY_ACCESS, createAgency, PROMOTER_ACCESS, validationFields } from './support/fixtures.ts'

const h = useHarness()

const claim = (as: Session, companyId: string, message?: string) =>
  h.app.rest('POST', '/api/v1/company-claims', { as, body: { companyId, message } })
const decide = (id: string, action: 'approve' | 'reject' | 'revoke', body: Record<string, unknown> = {}) =>
  h.app.rest('POST', `/internal/admin/company-claims/${id}/${action}`, { as: 'machine', body })

describe('company claims', () => {
  it('are created pending, visible to their own company only, and approved into ownership', async () => {
    const me = await h.auth.session(AGENCY_ACCESS)
    const other = await h.auth.session(AGENCY_ACCESS)
    const company = await createAgency(h.app.db, 'Claimable Co')
    const created = await claim(me, company.id, 'We run Claimable Co')
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({
      status: 'pending',
      orgId: me.orgId,
      requestedByUserId: me.userId,
      company: { id: company.id },
    })

    expect((await h.app.rest('GET', `/api/v1/company-claims/${created.body.data.id}`, { as: other })).status).toBe(404)
    expect((await h.app.rest('GET', '/api/v1/company-claims', { as: other })).body.data.total).toBe(0)
    expect((await h.app.rest('GET', '/api/v1/company-claims', { as: me })).body.data.items.map((c: { id: string }) => c.id)).toEqual([
      created.body.data.id,
    ])

    const dup = await claim(me, company.id)
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('claim_already_pending')

    const approved = await decide(created.body.data.id, 'approve', { reviewer: 'ops@kisum.io', note: 'documents checked' })
    expect(approved.body.data).toMatchObject({ status: 'approved', reviewedBy: 'ops@kisum.io', reviewNote: 'documents checked' })
    const ownership = await h.app.rest('GET', `/api/v1/artists-companies/${company.id}/ownership`, { as: other })
    expect(ownership.body.data).toMatchObject({ companyId: company.id, claimed: true, ownerOrgId: me.orgId })
    expect((await h.app.rest('GET', '/api/v1/me/agency', { as: me })).body.data.bridged).toBe(true)
  })

  it('cannot approve a second org for the same company', async () => {
    const company = await createAgency(h.app.db)
    const [a, b] = [await h.auth.session(AGENCY_ACCESS), await h.auth.session(AGENCY_ACCESS)]
    const ca = await claim(a, company.id)
    const cb = await claim(b, company.id)
    expect((await decide(ca.body.data.id, 'approve')).status).toBe(200)
    const second = await decide(cb.body.data.id, 'approve')
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('company_already_claimed')
    expect((await h.app.db.companyClaim.findUniqueOrThrow({ where: { id: cb.body.data.id } })).status).toBe('pending')
    expect((await decide(cb.body.data.id, 'reject', { reason: 'already owned' })).body.data.status).toBe('rejected')
  })

  it('approves exactly one of many concurrent claims on one company', async () => {
    const company = await createAgency(h.app.db)
    const orgs = await Promise.all(Array.from({ length: 8 }, () => h.auth.session(AGENCY_ACCESS)))
    const claims = await Promise.all(orgs.map((o) => claim(o, company.id)))
    const results = await Promise.all(claims.map((c) => decide(c.body.data.id, 'approve')))
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409])
    expect(await h.app.db.companyClaim.count({ where: { companyId: company.id, status: 'approved' } })).toBe(1)
  })

  it('is enforced by the database even when code is bypassed', async () => {
    const company = await createAgency(h.app.db)
    await h.app.db.companyClaim.create({ data: { companyId: company.id, orgId: randomUUID(), status: 'approved' } })
    await expect(
      h.app.db.companyClaim.create({ data: { companyId: company.id, orgId: randomUUID(), status: 'approved' } }),
    ).rejects.toThrow(/artists_company_claims_approved_uniq|Unique constraint/)
  })

  it('can be withdrawn by the claimant and rejected with a reason; decided claims do not move again', async () => {
    const me = await h.auth.session(AGENCY_ACCESS)
    const c1 = await claim(me, (await createAgency(h.app.db)).id)
    const withdrawn = await h.app.rest('POST', `/api/v1/company-claims/${c1.body.data.id}/withdraw`, { as: me })
    expect(withdrawn.body.data.status).toBe('withdrawn')
    const again = await decide(c1.body.data.id, 'approve')
    expect(again.status).toBe(409)
    expect(again.body.error).toEqual({ code: 'invalid_transition', message: 'the claim is withdrawn, not pending' })
    const c2 = await claim(me, (await createAgency(h.app.db)).id)
    const noReason = await decide(c2.body.data.id, 'reject', {})
    expect(validationFields(noReason)[0]?.field).toBe('reason')
  })

  it('revokes an ownership: the company sleeps again and the former owner is gated', async () => {
    const me = await h.auth.session(AGENCY_ACCESS)
    const company = await createAgency(h.app.db)
    const c = await claim(me, company.id)
    await decide(c.body.data.id, 'approve')
    expect((await h.app.rest('GET', '/api/v1/roster', { as: me })).status).toBe(200)
    const revoked = await decide(c.body.data.id, 'revoke', { reason: 'ownership transferred outside Kisum' })
    expect(revoked.body.data).toMatchObject({ status: 'revoked', reviewNote: 'ownership transferred outside Kisum' })
    expect((await h.app.db.agency.findUniqueOrThrow({ where: { id: company.id } })).claimed).toBe(false)
    const gated = await h.app.rest('GET', '/api/v1/roster', { as: me })
    expect(gated.body.error.code).toBe('agency_not_bridged')
    expect((await decide(c.body.data.id, 'revoke', { reason: 'twice' })).status).toBe(409)
  })

  it('refuses claims on unknown, archived or already-claimed companies, and from bridged orgs', async () => {
    const me = await h.auth.session(AGENCY_ACCESS)
    expect(validationFields(await claim(me, randomUUID()))).toEqual([{ field: 'companyId', message: 'unknown agency' }])
    const archived = await createAgency(h.app.db)
    await h.app.db.agency.update({ where: { id: archived.id }, data: { archivedAt: new Date() } })
    expect(validationFields(await claim(me, archived.id))).toEqual([{ field: 'companyId', message: 'unknown agency' }])
    const owned = await createAgency(h.app.db)
    await h.app.db.agency.update({ where: { id: owned.id }, data: { claimed: true } })
    expect((await claim(me, owned.id)).body.error.code).toBe('company_already_claimed')
    const c = await claim(me, (await createAgency(h.app.db)).id)
    await decide(c.body.data.id, 'approve')
    expect((await claim(me, (await createAgency(h.app.db)).id)).body.error.code).toBe('already_bridged')
  })

  it('reach GraphQL: claimCompany, myCompanyClaims, Agency.owner, and admin-only decisions', async () => {
    const me = await h.auth.session(AGENCY_ACCESS)
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    const company = await createAgency(h.app.db, 'GraphQL Owned')
    const created = await h.app.graphql(
      'mutation($id: ID!) { claimCompany(input: { companyId: $id }) { id status company { name } claimant { id } } }',
      { id: company.id },
      { as: me },
    )
    expect(created.data.claimCompany).toMatchObject({ status: 'PENDING', company: { name: 'GraphQL Owned' }, claimant: { id: me.orgId } })
    const tenantApprove = await h.app.graphql(
      'mutation($id: ID!) { approveCompanyClaim(id: $id) { status } }',
      { id: created.data.claimCompany.id },
      { as: me },
    )
    expect(tenantApprove.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')
    await h.app.graphql(
      'mutation($id: ID!) { approveCompanyClaim(id: $id) { status } }',
      { id: created.data.claimCompany.id },
      { as: 'machine' },
    )
    const owner = await h.app.graphql('query($id: ID!) { agency(id: $id) { claimed owner { id } } }', { id: company.id }, { as: promoter })
    expect(owner.data.agency).toEqual({ claimed: true, owner: { id: me.orgId } })
    const mine = await h.app.graphql('{ myCompanyClaims(first: 5) { totalCount edges { node { status } } } }', {}, { as: me })
    expect(mine.data.myCompanyClaims).toEqual({ totalCount: 1, edges: [{ node: { status: 'APPROVED' } }] })
  })
})

describe('the bridge (approved claims)', () => {
  it('answers Agency.owner for a whole page in a constant number of statements, and follows revocation', async () => {
    const promoter = await h.auth.session(PROMOTER_ACCESS)
    const tag = `owned-page-${randomUUID().slice(0, 8)}`
    const owners = new Map<string, string | null>()
    const claims: string[] = []
    for (let i = 0; i < 12; i++) {
      const company = await h.app.db.agency.create({ data: { name: `${tag} ${String(i).padStart(2, '0')}`, slug: `${tag}-${i}` } })
      owners.set(company.id, null)
      if (i % 3 === 0) continue // sleeping
      const me = await h.auth.session(AGENCY_ACCESS)
      const c = await claim(me, company.id)
      expect((await decide(c.body.data.id, 'approve')).status).toBe(200)
      owners.set(company.id, me.orgId)
      claims.push(c.body.data.id)
    }
    const page = async (first: number) => {
      const start = h.app.sql.length
      const r = await h.app.graphql(
        'query($first: Int!, $q: String) { agencies(first: $first, filter: { q: $q }) { edges { node { id claimed owner { id } } } } }',
        { first, q: tag },
        { as: promoter },
      )
      expect(r.errors).toBeUndefined()
      return { nodes: r.data.agencies.edges.map((e: { node: unknown }) => e.node), statements: h.app.sql.slice(start).length }
    }
    const small = await page(2)
    const large = await page(12)
    expect(large.statements).toBe(small.statements)
    expect(large.nodes).toEqual([...owners].map(([id, orgId]) => ({ id, claimed: orgId !== null, owner: orgId ? { id: orgId } : null })))

    const [revokedCompany] = [...owners].find(([, orgId]) => orgId !== null)!
    const revokedClaim = await h.app.db.companyClaim.findFirstOrThrow({ where: { companyId: revokedCompany, status: 'approved' } })
    const ownership = await h.app.rest('GET', `/api/v1/artists-companies/${revokedCompany}/ownership`, { as: promoter })
    expect(ownership.body.data).toEqual({
      companyId: revokedCompany,
      claimed: true,
      ownerOrgId: owners.get(revokedCompany),
      since: revokedClaim.decidedAt!.toISOString(),
    })
    expect((await decide(revokedClaim.id, 'revoke', { reason: 'sold' })).status).toBe(200)
    const after = await h.app.graphql(
      'query($id: ID!) { agency(id: $id) { claimed owner { id } } }',
      { id: revokedCompany },
      { as: promoter },
    )
    expect(after.data.agency).toEqual({ claimed: false, owner: null })
    const sleeping = await h.app.rest('GET', `/api/v1/artists-companies/${revokedCompany}/ownership`, { as: promoter })
    expect(sleeping.body.data).toEqual({ companyId: revokedCompany, claimed: false, ownerOrgId: null, since: null })
    expect((await h.app.rest('GET', `/api/v1/artists-companies/${randomUUID()}/ownership`, { as: promoter })).status).toBe(404)
  })

  it('gives /me/agency and myAgency the approved claim, and nothing once revoked', async () => {
    const me = await h.auth.session(AGENCY_ACCESS)
    const company = await createAgency(h.app.db, 'Bridge Since')
    const c = await claim(me, company.id)
    await decide(c.body.data.id, 'approve')
    const approved = await h.app.db.companyClaim.findUniqueOrThrow({ where: { id: c.body.data.id } })
    const rest = await h.app.rest('GET', '/api/v1/me/agency', { as: me })
    expect(rest.body.data).toMatchObject({
      orgId: me.orgId,
      bridged: true,
      agency: { id: company.id },
      claim: { id: approved.id, status: 'approved' },
    })
    const gql = await h.app.graphql('{ myAgency { bridged since agency { id } } }', {}, { as: me })
    expect(gql.data.myAgency).toEqual({ bridged: true, since: approved.decidedAt!.toISOString(), agency: { id: company.id } })
    await decide(c.body.data.id, 'revoke', { reason: 'closed' })
    const revoked = await h.app.rest('GET', '/api/v1/me/agency', { as: me })
    expect(revoked.body.data).toMatchObject({ bridged: false, agency: null, claim: null })
  })
})
