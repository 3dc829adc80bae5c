// Migrations apply to an empty database with one call and are idempotent; the constraints Prisma cannot
// express (raw SQL in the migrations) are really there and really enforced.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { applyMigrations, pendingSchemaChanges, rawObjects } from '../src/db/migrations.ts'
import { emptyDatabase, migrationNames } from './support/migration-db.ts'

const url = emptyDatabase('migrations')
const diffUrl = emptyDatabase('schema_diff')
let client: pg.Client
afterAll(() => client?.end())

describe('migrations', () => {
  it('apply every migration to an empty database, then nothing on a second run', async () => {
    expect(await applyMigrations(url)).toEqual(migrationNames)
    expect(await applyMigrations(url)).toEqual([])
    client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
    )
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames)
  })

  it('allow one approved claim per company and per org, any number of pending ones', async () => {
    const company = async () =>
      (await client.query(`INSERT INTO artists_companies (id, name, slug) VALUES ($1, 'C', $2) RETURNING id`, [randomUUID(), randomUUID()]))
        .rows[0].id
    const claim = (companyId: string, orgId: string, status: string) =>
      client.query(`INSERT INTO artists_company_claims (id, company_id, org_id, status) VALUES ($1, $2, $3, $4)`, [
        randomUUID(),
        companyId,
        orgId,
        status,
      ])
    const a = await company()
    const b = await company()
    const org1 = randomUUID()
    const org2 = randomUUID()
    await claim(a, org1, 'pending')
    await claim(a, org2, 'pending')
    await claim(a, org1, 'approved')
    await expect(claim(a, org2, 'approved')).rejects.toThrow(/artists_company_claims_approved_uniq/)
    await expect(claim(b, org1, 'approved')).rejects.toThrow(/artists_company_claims_org_approved_uniq/)
    await claim(a, org2, 'rejected')
  })

  it('enforce the CHECK constraints', async () => {
    await expect(client.query(`INSERT INTO geo_countries (id, code, name) VALUES ($1, 'es', 'lower')`, [randomUUID()])).rejects.toThrow(
      /geo_countries_code_chk/,
    )
    const id = randomUUID()
    await expect(client.query(`INSERT INTO genres (id, name, slug, parent_id) VALUES ($1, 'Loop', 'loop', $1)`, [id])).rejects.toThrow(
      /genres_parent_not_self_chk|foreign key/,
    )
  })

  it('create every raw-SQL object listed in prisma/raw-objects.txt', async () => {
    const listed = rawObjects()
    const { rows } = await client.query(`
      SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'
      UNION SELECT conname FROM pg_constraint
      UNION SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
      UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal`)
    const present = new Set(rows.map((r) => r.name))
    expect(listed.filter((name) => !present.has(name))).toEqual([])
    expect(listed.length).toBeGreaterThan(10)
  })

  it('are what schema.prisma describes: the schema engine proposes no change (a generated migration would be empty)', async () => {
    // Drops of the raw objects schema.prisma cannot express (the covering btree indexes) are left out; anything else
    // (a column added in raw SQL and not modelled, a generated column's expression) is a change it would propose.
    expect(await pendingSchemaChanges(diffUrl)).toBe('')
  }, 120_000)

  it('create the trigram indexes used by name search', async () => {
    const { rows } = await client.query(`SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%gin_trgm_ops%' ORDER BY indexname`)
    expect(rows.map((r) => r.indexname)).toEqual([
      'artists_companies_name_search_trgm_idx',
      'artists_name_search_trgm_idx',
      'availability_names_name_search_trgm_idx',
      'genres_name_search_trgm_idx',
      'geo_cities_name_search_trgm_idx',
      'geo_countries_name_search_trgm_idx',
      'geo_regions_name_search_trgm_idx',
      'marketplace_artists_name_search_trgm_idx',
      'people_name_search_trgm_idx',
    ])
  })
})
