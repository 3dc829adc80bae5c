// Once per test run: a PostgreSQL server (DATABASE_URL's, or an embedded one when it is unset) and a
// template database with every migration applied. Each test file clones the template (fast) into a
// database of its own.
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import pg from 'pg'
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/db/embedded.ts'
import { applyMigrations } from '../../src/db/migrations.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string
    templateDatabase: string
  }
}

export default async function setup(project: TestProject) {
  let cluster: EmbeddedCluster | undefined
  let serverUrl = process.env.DATABASE_URL
  if (!serverUrl) {
    cluster = await startEmbeddedPostgres({ dir: path.resolve('.data/test-postgres'), port: Number(process.env.TEST_PG_PORT ?? 54330) })
    serverUrl = cluster.url('postgres')
  }
  const template = `artists_test_template_${process.pid}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`)
  await admin.query(`CREATE DATABASE "${template}"`)
  const templateUrl = new URL(serverUrl)
  templateUrl.pathname = `/${template}`
  await applyMigrations(templateUrl.toString())

  project.provide('pgServerUrl', serverUrl)
  project.provide('templateDatabase', template)

  return async () => {
    // Leftover per-file databases of this run (a crashed file), then the template itself.
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'artists_test_${process.pid}_%'`,
    )
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`)
    await admin.end()
    await cluster?.stop()
  }
}
