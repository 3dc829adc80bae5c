// Data and identities the suites build on. Writes go straight to the database: fixtures set the scene,
// the service under test is what the assertions exercise.
import { expect } from 'vitest'
import { PERMISSIONS } from '../../src/access/catalog.ts'
import type { Db } from '../../src/db/client.ts'
import type { FieldIssue } from '../../src/errors.ts'
import type { RestResult } from './app.ts'
import type { AuthStandIn, Grant, Session } from './auth-stand-in.ts'

/** An agency-side admin: every artist.* permission of the catalog. */
export const AGENCY_ACCESS: Grant = { modules: ['artist'], permissions: Object.keys(PERMISSIONS).filter((p) => p.startsWith('artist.')) }
/** A promoter-side admin: every promoter.* permission of the catalog. */
export const PROMOTER_ACCESS: Grant = {
  modules: ['promoter'],
  permissions: Object.keys(PERMISSIONS).filter((p) => p.startsWith('promoter.')),
}

let counter = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`

export async function createAgency(db: Db, name = unique('Agency')) {
  return db.agency.create({ data: { name, slug: unique('agency') } })
}

/** Bridges the org to a (new) agency through an approved claim, as provisioning would. */
export async function bridge(db: Db, orgId: string, agencyName?: string) {
  const agency = await createAgency(db, agencyName)
  await db.companyClaim.create({ data: { companyId: agency.id, orgId, status: 'approved', decidedAt: new Date() } })
  return db.agency.update({ where: { id: agency.id }, data: { claimed: true } })
}

/** A signed-in user of a company bridged to an agency of its own. */
export async function agencySession(auth: AuthStandIn, db: Db, grant: Grant = AGENCY_ACCESS): Promise<Session & { agencyId: string }> {
  const session = await auth.session(grant)
  const agency = await bridge(db, session.orgId)
  return { ...session, agencyId: agency.id }
}

export async function seedGeo(db: Db) {
  const es = await db.country.create({ data: { code: 'ES', name: 'Spain' } })
  const fr = await db.country.create({ data: { code: 'FR', name: 'France' } })
  const madrid = await db.city.create({ data: { name: 'Madrid', countryId: es.id, timezone: 'Europe/Madrid' } })
  const paris = await db.city.create({ data: { name: 'Paris', countryId: fr.id, timezone: 'Europe/Paris' } })
  return { es, fr, madrid, paris }
}

export async function seedGenres(db: Db) {
  const electronic = await db.genre.create({ data: { name: 'Electronic', slug: unique('electronic') } })
  const techno = await db.genre.create({ data: { name: 'Techno', slug: unique('techno'), parentId: electronic.id } })
  const jazz = await db.genre.create({ data: { name: 'Jazz', slug: unique('jazz') } })
  return { electronic, techno, jazz }
}

/** The field issues of an answer, after asserting it is a 400 validation_error. */
export function validationFields(r: Pick<RestResult, 'status' | 'body'>): FieldIssue[] {
  expect(r.status, JSON.stringify(r.body)).toBe(400)
  expect(r.body.error.code).toBe('validation_error')
  return r.body.error.fields
}
