// Claim-based ownership: which market company (agency) a tenant company is bridged to. One approved
// claim per company and per org is guaranteed by partial unique indexes; these are the only functions
// that read that bridge, for every rule and gate that needs it.
import type { Tx } from '../db/client.ts'

/** The agency an Auth org is bridged to, or null while it has no approved claim. */
export async function bridgedAgencyId(db: Tx, orgId: string): Promise<string | null> {
  const claim = await db.companyClaim.findFirst({
    where: { orgId, status: 'approved' },
    select: { companyId: true },
  })
  return claim?.companyId ?? null
}

export async function isCompanyOwnedByOrg(db: Tx, companyId: string, orgId: string): Promise<boolean> {
  const claim = await db.companyClaim.findFirst({
    where: { companyId, orgId, status: 'approved' },
    select: { id: true },
  })
  return claim !== null
}

/** The agencies bridged to each of the given orgs (absent: not bridged), in one query. */
export async function agenciesBridgedTo(db: Tx, orgIds: readonly string[]) {
  const claims = await db.companyClaim.findMany({
    where: { orgId: { in: [...orgIds] }, status: 'approved' },
    include: { company: true },
  })
  return new Map(claims.map((c) => [c.orgId, c.company]))
}

/** The tenant company owning each of the given market companies (absent: sleeping), in one query. */
export async function ownersOf(db: Tx, companyIds: readonly string[]) {
  const claims = await db.companyClaim.findMany({
    where: { companyId: { in: [...companyIds] }, status: 'approved' },
    select: { companyId: true, orgId: true },
  })
  return new Map(claims.map((c) => [c.companyId, c.orgId]))
}
