// Prisma 7 migrations without the native schema engine (which cannot be downloaded on our machines):
// the npm-shipped wasm schema engine driven through @prisma/adapter-pg. It reads and writes the same
// prisma/migrations folder and `_prisma_migrations` table as `prisma migrate deploy`, so either can
// apply these files. See docs/migrations.md.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import pg from 'pg'

// The project folder holding prisma/: two levels up from src/db when run from the sources, three from
// dist/src/db when run from the compiled output.
function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'prisma/schema.prisma'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`no prisma/schema.prisma above ${from}`)
  }
}
const root = projectRoot(import.meta.dirname)
const schemaPath = path.join(root, 'prisma/schema.prisma')
const migrationsDir = path.join(root, 'prisma/migrations')
const rawObjectsPath = path.join(root, 'prisma/raw-objects.txt')

// adapter-pg has no column type for PostgreSQL's "char" (OID 18), which the engine's catalog queries
// return (pg_constraint.contype...) and read as a character. Tag those columns on the way through.
const CHAR_OID = 18
const TEXT_OID = 25
const CHARACTER_COLUMN = 6 // ColumnTypeEnum.Character in @prisma/driver-adapter-utils
type RawResult = { fields: { dataTypeID: number }[]; rows: unknown[][] & { charColumns?: number[] } }
function withCharColumns<T extends Adapter>(adapter: T): T {
  const a = adapter as unknown as {
    performIO(q: unknown): Promise<RawResult>
    queryRaw(q: unknown): Promise<{ columnTypes: number[]; rows: RawResult['rows'] }>
  }
  const performIO = a.performIO.bind(a)
  a.performIO = async (query) => {
    const result = await performIO(query)
    const charColumns: number[] = []
    result.fields.forEach((f, i) => {
      if (f.dataTypeID === CHAR_OID) {
        f.dataTypeID = TEXT_OID
        charColumns.push(i)
      }
    })
    if (result.rows) result.rows.charColumns = charColumns
    return result
  }
  const queryRaw = a.queryRaw.bind(a)
  a.queryRaw = async (query) => {
    const result = await queryRaw(query)
    for (const i of result.rows.charColumns ?? []) result.columnTypes[i] = CHARACTER_COLUMN
    return result
  }
  return adapter
}

type Glue = { SchemaEngine: { new: (...args: unknown[]) => Promise<SchemaEngine> }; __wbg_set_wasm(x: unknown): void }
type SchemaEngine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>
  diagnoseMigrationHistory(input: unknown): Promise<unknown>
  diff(input: unknown): Promise<{ stdout?: string; exitCode: number }>
  free?: () => void
}

type WasmApi = {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: Record<string, unknown>) => { exports: Record<string, unknown> }
}

let gluePromise: Promise<Glue> | undefined
function loadEngineModule(): Promise<Glue> {
  gluePromise ??= (async () => {
    // The engine reports Rust panics through this global; without it a panic surfaces as a TypeError.
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } }
    g.PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (m) => console.error(`schema engine panic: ${m}`) }
    const require = createRequire(import.meta.url)
    const pkgDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'))
    const glue = (await import(path.join(pkgDir, 'schema_engine_bg.js'))) as Glue
    // Node's WebAssembly global (its types live in lib.dom, which this project does not load).
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
    const mod = new wasm.Module(readFileSync(path.join(pkgDir, 'schema_engine_bg.wasm')))
    const inst = new wasm.Instance(mod, { './schema_engine_bg.js': glue })
    glue.__wbg_set_wasm(inst.exports)
    ;(inst.exports as { __wbindgen_start(): void }).__wbindgen_start()
    return glue
  })()
  return gluePromise
}

function pgConfigFromUrl(url: string) {
  // Discrete fields, not connectionString: pg lets connectionString override `database`, which would
  // point the adapter's "shadow" database at the real one.
  const u = new URL(url)
  return {
    host: decodeURIComponent(u.hostname),
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
  }
}

type Adapter = { executeScript(sql: string): Promise<void>; underlyingDriver(): pg.Pool; dispose(): Promise<void> }

// adapter-pg's executeScript splits on `;`, which breaks dollar-quoted bodies: run the script whole.
function runScriptsWhole<T extends Adapter>(adapter: T): T {
  withCharColumns(adapter)
  adapter.executeScript = async (sql: string) => {
    await adapter.underlyingDriver().query(sql)
  }
  return adapter
}

/** Where the schema engine's own log lines go (nowhere unless a caller is debugging the engine). */
export interface EngineOptions {
  engineLog?: (line: string) => void
}

async function openEngine(
  url: string,
  { engineLog = () => {} }: EngineOptions,
): Promise<{ engine: SchemaEngine; close: () => Promise<void> }> {
  const glue = await loadEngineModule()
  const config = pgConfigFromUrl(url)
  const inner = new PrismaPg(config)
  // The engine does not close its connections: we do, so that the database is free right after
  // (a template database cannot be cloned while a session is connected to it).
  const opened: Adapter[] = []
  const factory = bindMigrationAwareSqlAdapterFactory({
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => {
      const adapter = runScriptsWhole((await inner.connect()) as unknown as Adapter)
      opened.push(adapter)
      return adapter
    },
    // Our own shadow database: adapter-pg drops its shadow database before closing the pool using it.
    connectToShadowDb: async () => {
      const name = `prisma_shadow_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
      await adminQuery(config, `CREATE DATABASE "${name}"`)
      const adapter = runScriptsWhole((await new PrismaPg({ ...config, database: name }).connect()) as unknown as Adapter)
      const dispose = adapter.dispose.bind(adapter)
      adapter.dispose = async () => {
        await dispose()
        await adminQuery(config, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      }
      return adapter
    },
  } as unknown as Parameters<typeof bindMigrationAwareSqlAdapterFactory>[0])
  const schema = readFileSync(schemaPath, 'utf8')
  const engine = await glue.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, engineLog, factory)
  return {
    engine,
    close: async () => {
      engine.free?.()
      await Promise.all(opened.map((a) => a.dispose()))
    },
  }
}

async function adminQuery(config: ReturnType<typeof pgConfigFromUrl>, sql: string) {
  const client = new pg.Client(config)
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

const filters = { externalTables: [], externalEnums: [] }

function migrationsList() {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml')
  const dirs = existsSync(migrationsDir)
    ? readdirSync(migrationsDir)
        .filter((d) => statSync(path.join(migrationsDir, d)).isDirectory())
        .sort()
    : []
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((d) => ({
      path: d,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(path.join(migrationsDir, d, 'migration.sql'), 'utf8') },
      },
    })),
  }
}

async function withEngine<T>(url: string, options: EngineOptions, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { engine, close } = await openEngine(url, options)
  try {
    return await run(engine)
  } finally {
    await close()
  }
}

/** Applies pending migrations; a second run applies nothing. Returns the names applied now. */
export async function applyMigrations(url: string, options: EngineOptions = {}): Promise<string[]> {
  return withEngine(url, options, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList: migrationsList(), filters })
    return result.appliedMigrationNames
  })
}

export async function migrationStatus(url: string, options: EngineOptions = {}): Promise<unknown> {
  return withEngine(url, options, (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList: migrationsList(), optInToShadowDatabase: false, filters }),
  )
}

/** The names of the objects the migrations create in raw SQL, as prisma/raw-objects.txt lists them. */
export function rawObjects(): string[] {
  return readFileSync(rawObjectsPath, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
}

/**
 * The SQL that would bring the migrations up to schema.prisma, or '' when they agree. Prisma's schema cannot express
 * the objects the migrations create in raw SQL (prisma/raw-objects.txt); its diff ignores most of them, but proposes
 * dropping the covering btree indexes (INCLUDE): those statements are left out.
 */
export async function pendingSchemaChanges(url: string, options: EngineOptions = {}): Promise<string> {
  const raw = new Set(rawObjects())
  const sql = await withEngine(url, options, async (engine) => {
    const schemaFile = { path: schemaPath, content: readFileSync(schemaPath, 'utf8') }
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationsList() },
      to: { tag: 'schemaDatamodel', files: [schemaFile] },
      script: true,
      exitCode: null,
      shadowDatabaseUrl: null,
      filters,
    })
    return (result.stdout ?? '').trim()
  })
  // The engine writes one statement per paragraph, each under its comment ("-- DropIndex").
  const kept = sql
    .split(/\n\s*\n/)
    .filter((part) => !part.startsWith('-- This is an empty migration.'))
    .filter((part) => {
      const dropped = /^DROP INDEX "([^"]+)";$/m.exec(part)
      return !(dropped && raw.has(dropped[1]!))
    })
  return kept.join('\n\n').trim()
}

/** Writes a new migration with the SQL that brings the migrations up to schema.prisma. */
export async function createMigration(
  url: string,
  name: string,
  options: EngineOptions = {},
): Promise<{ dir: string; sql: string } | null> {
  const sql = await pendingSchemaChanges(url, options)
  if (!sql) return null
  mkdirSync(migrationsDir, { recursive: true })
  const lockPath = path.join(migrationsDir, 'migration_lock.toml')
  if (!existsSync(lockPath)) writeFileSync(lockPath, 'provider = "postgresql"\n')
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
  const dir = path.join(migrationsDir, `${stamp}_${name}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'migration.sql'), `${sql}\n`)
  return { dir, sql }
}
