// A database of the test file's own, migrated up to the migration just before a named one: a test writes the
// rows that existed before it, applies it, and reads what it did to them (backfills).
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { afterAll, beforeAll, inject } from 'vitest'

export function databaseBefore(migration: string) {
  const migrations = readdirSync('prisma/migrations', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
  const at = migrations.findIndex((m) => m.endsWith(`_${migration}`))
  if (at < 1) throw new Error(`no migration named ${migration} after the first`)
  const serverUrl = inject('pgServerUrl')
  const name = `artists_test_before_${migration}_${randomBytes(4).toString('hex')}`
  const client = new pg.Client({ connectionString: Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString() })
  const apply = (dir: string) => client.query(readFileSync(`prisma/migrations/${dir}/migration.sql`, 'utf8'))

  async function admin(sql: string) {
    const c = new pg.Client({ connectionString: serverUrl })
    await c.connect()
    await c.query(sql)
    await c.end()
  }
  beforeAll(async () => {
    await admin(`CREATE DATABASE "${name}"`)
    await client.connect()
    for (const m of migrations.slice(0, at)) await apply(m)
  })
  afterAll(async () => {
    await client.end()
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  })

  return {
    client,
    /** Applies the named migration to the rows written so far. */
    migrate: async () => void (await apply(migrations[at]!)),
  }
}
