// Databases of a test file's own for tests of the migrations themselves: an empty one, or one migrated up to the
// migration just before a named one, where a test writes the rows that existed before it, applies it, and reads
// what it did to them (backfills).
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { afterAll, beforeAll, inject } from 'vitest'

/** The migration folders in the order they apply. */
export const migrationNames = readdirSync('prisma/migrations', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()

/** An empty database, created before the file's tests and dropped after them; its URL. */
export function emptyDatabase(label: string): string {
  const serverUrl = inject('pgServerUrl')
  const name = `artists_test_${label}_${randomBytes(4).toString('hex')}`
  async function admin(sql: string) {
    const c = new pg.Client({ connectionString: serverUrl })
    await c.connect()
    await c.query(sql)
    await c.end()
  }
  beforeAll(() => admin(`CREATE DATABASE "${name}"`))
  afterAll(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
  return Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString()
}

export function databaseBefore(migration: string) {
  const at = migrationNames.findIndex((m) => m.endsWith(`_${migration}`))
  if (at < 1) throw new Error(`no migration named ${migration} after the first`)
  const client = new pg.Client({ connectionString: emptyDatabase(`before_${migration}`) })
  const apply = (dir: string) => client.query(readFileSync(`prisma/migrations/${dir}/migration.sql`, 'utf8'))
  beforeAll(async () => {
    await client.connect()
    for (const m of migrationNames.slice(0, at)) await apply(m)
  })
  afterAll(() => client.end())

  return {
    client,
    /** Applies the named migration to the rows written so far. */
    migrate: async () => void (await apply(migrationNames[at]!)),
  }
}
