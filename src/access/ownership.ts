// Claim-based ownership: which market company (agency) a tenant company is bridged to. One approved
// claim per company and per org is guaranteed by partial unique indexes; these are the only functions
// that read that bridge, for every rule, gate and view that needs it. And which roster links are in
// force, the one reading of representation that the directory, availability and booking rules share.
import { today } from '../dates.ts'
import type { Db, Tx } from '../db/client.ts'
import { sqlOf } from '../db/sql.ts'
import { Prisma, type ClaimStatus, type CompanyClaim } from '../generated/prisma/client.ts'

/** Roster links (representations) in force today or later. */
export const activeLinkWhere = (): Prisma.RosterLinkWhereInput => ({ OR: [{ endsOn: null }, { endsOn: { gte: today() } }] })

/**
 * A roster link (alias `l`) in force on `day`, started and not ended: the hand-written statements' reading of a
 * representation in force (a copy that left out its first day named an agency whose representation had not begun).
 */
export const linkInForceSql = (day: string | Date) =>
  Prisma.sql`l.starts_on <= ${day}::date AND (l.ends_on IS NULL OR l.ends_on >= ${day}::date)`

/** The status of the claim that bridges an org to its agency: one rule for the Prisma and the SQL reading. */
const BRIDGING: ClaimStatus = 'approved'

/** The agency an Auth org is bridged to, or null while it has no approved claim. */
export async function bridgedAgencyId(db: Tx, orgId: string): Promise<string | null> {
  const claim = await db.companyClaim.findFirst({
    where: { orgId, status: BRIDGING },
    select: { companyId: true },
  })
  return claim?.companyId ?? null
}

/**
 * `bridgedAgencyId` for the request's context, which reads it once for every agency request (the access
 * check's gate, the actor of every agency write): one statement straight on the pool (src/db/sql.ts), where
 * Prisma's runtime cost more than the lookup. Same rule: the approved claim of the org.
 */
export async function requestAgencyId(db: Db, orgId: string): Promise<string | null> {
  const [claim] = await sqlOf(db).$queryRaw<{ companyId: string }[]>`
    SELECT company_id AS "companyId" FROM artists_company_claims WHERE org_id = ${orgId}::uuid AND status = ${BRIDGING}::"ClaimStatus" LIMIT 1`
  return claim?.companyId ?? null
}

/** The approved claim bridging an Auth org to its agency (which one, since when), or null. */
export async function bridgeOf(db: Tx, orgId: string): Promise<CompanyClaim | null> {
  return db.companyClaim.findFirst({ where: { orgId, status: 'approved' } })
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

/** Who owns each of the given market companies, and since when (absent: sleeping), in one query. */
export async function ownershipsOf(db: Tx, companyIds: readonly string[]) {
  const claims = await db.companyClaim.findMany({
    where: { companyId: { in: [...companyIds] }, status: 'approved' },
    select: { companyId: true, orgId: true, decidedAt: true },
  })
  return new Map(claims.map((c) => [c.companyId, { orgId: c.orgId, since: c.decidedAt }]))
}

/** The tenant company owning each of the given market companies (absent: sleeping), in one query. */
export async function ownersOf(db: Tx, companyIds: readonly string[]) {
  const owners = await ownershipsOf(db, companyIds)
  return new Map([...owners].map(([companyId, owner]) => [companyId, owner.orgId]))
}
