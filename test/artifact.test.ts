// The production artifact: `npm run build` compiles to dist/, the release step migrates from the compiled
// output, and the compiled service runs in production mode under plain `node` (no tsx), answers /health,
// REST and GraphQL, and shuts down gracefully on SIGTERM, whether started directly or by `npm run start:prod`.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startAuthStandIn, type AuthStandIn } from './support/auth-stand-in.ts'
import { freshDatabase } from './support/db.ts'
import { AGENCY_ACCESS } from './support/fixtures.ts'

const run = promisify(execFile)

let auth: AuthStandIn
let database: { url: string; drop: () => Promise<void> }

beforeAll(async () => {
  // Incremental: a no-op when dist/ is already up to date with the sources (CI builds first).
  await run('npm', ['run', 'build'], { timeout: 300_000 })
  auth = await startAuthStandIn()
  database = await freshDatabase()
}, 320_000)

afterAll(async () => {
  await auth?.close()
  await database?.drop()
})

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

interface Service {
  child: ChildProcess
  base: string
  output: () => string
  exited: Promise<number | null>
}

/** The compiled service in production mode, started by `command` and ready to serve. */
async function startCompiled(command: string, args: string[]): Promise<Service> {
  const port = await freePort()
  const child = spawn(command, args, {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      AUTH_TIMEOUT_MS: '5000',
      ...auth.env(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  for (let i = 0; i < 300 && !output.includes('"msg":"ready"') && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100))
  }
  if (!output.includes('"msg":"ready"')) {
    child.kill('SIGKILL')
    throw new Error(`the compiled service did not become ready:\n${output}`)
  }
  return { child, base: `http://127.0.0.1:${port}`, output: () => output, exited }
}

/** Parent pid and command line of a process, from /proc. */
function processInfo(pid: number): { ppid: number; cmdline: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  return { ppid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) }
}

function childrenOf(pid: number): number[] {
  const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
  return tasks.split(' ').filter(Boolean).map(Number)
}

describe('the release step', () => {
  it('migrates an empty database from the compiled output, then finds nothing to apply', async () => {
    const server = new URL(inject('pgServerUrl'))
    const name = `artists_test_${process.pid}_artifact_migrate`
    const admin = new pg.Client({ connectionString: server.toString() })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await admin.query(`CREATE DATABASE "${name}"`)
    const url = new URL(server)
    url.pathname = `/${name}`
    try {
      const env = { PATH: process.env.PATH, DATABASE_URL: url.toString() }
      const first = await run('node', ['dist/scripts/migrate.js'], { env, timeout: 120_000 })
      expect(first.stdout).toMatch(/^applied: \d{14}_/)
      const second = await run('node', ['dist/scripts/migrate.js'], { env, timeout: 120_000 })
      expect(second.stdout.trim()).toBe('database is up to date')
      const migrated = new pg.Client({ connectionString: url.toString() })
      await migrated.connect()
      const { rows } = await migrated.query<{ n: string }>('SELECT count(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL')
      await migrated.end()
      expect(Number(rows[0]?.n)).toBeGreaterThan(0)
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.end()
    }
  }, 240_000)
})

describe('the compiled service in production mode', () => {
  it('runs under plain node, answers /health, REST and GraphQL, and exits 0 on SIGTERM after finishing the request in flight', async () => {
    const service = await startCompiled('node', ['--enable-source-maps', 'dist/src/main.js'])
    try {
      // The process we signal is the service itself: node running the compiled entry, no tsx loader.
      expect(processInfo(service.child.pid!).cmdline).toEqual(['node', '--enable-source-maps', 'dist/src/main.js'])
      expect(service.output()).not.toContain('dev identity')

      const health = await fetch(`${service.base}/health`)
      expect(await health.json()).toEqual({ success: true, data: { status: 'ok' } })
      const ready = await fetch(`${service.base}/ready`)
      expect(ready.status).toBe(200)
      // Production mode serves no dev key set.
      expect((await fetch(`${service.base}/.well-known/jwks.json`)).status).toBe(404)

      const agency = await auth.session(AGENCY_ACCESS)
      const rest = await fetch(`${service.base}/api/v1/artists?limit=5`, { headers: agency.headers })
      expect(rest.status).toBe(200)
      expect(await rest.json()).toMatchObject({ success: true, data: { items: [], total: 0, page: 1, limit: 5 } })

      const gql = await fetch(`${service.base}/graphql`, {
        method: 'POST',
        headers: { ...agency.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ artists(first: 5) { totalCount edges { node { id } } } }' }),
      })
      expect(await gql.json()).toEqual({ data: { artists: { totalCount: 0, edges: [] } } })

      auth.setMode('slow', 1000)
      const inFlight = fetch(`${service.base}/api/v1/artists`, { headers: agency.headers })
      await new Promise((r) => setTimeout(r, 300))
      service.child.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 200))
      await expect(fetch(`${service.base}/health`)).rejects.toThrow()
      expect((await inFlight).status).toBe(200)
      expect(await service.exited).toBe(0)
      expect(service.output()).toContain('"msg":"stopped"')
    } finally {
      auth.setMode('up')
      service.child.kill('SIGKILL')
    }
  }, 60_000)

  it('npm run start:prod execs node (no shell in between) and a SIGTERM to npm reaches it for a graceful stop', async () => {
    const service = await startCompiled('npm', ['run', '--silent', 'start:prod'])
    try {
      const [node, ...others] = childrenOf(service.child.pid!)
      expect(others).toEqual([])
      expect(processInfo(node!).cmdline).toEqual(['node', '--enable-source-maps', 'dist/src/main.js'])
      service.child.kill('SIGTERM')
      expect(await service.exited).toBe(0)
      expect(service.output()).toContain('"msg":"stopped"')
    } finally {
      service.child.kill('SIGKILL')
    }
  }, 60_000)

  it('ships source maps that point back at the TypeScript sources', () => {
    const map = JSON.parse(readFileSync('dist/src/server.js.map', 'utf8')) as { sources: string[] }
    expect(map.sources).toEqual(['../../src/server.ts'])
    expect(readFileSync('dist/src/server.js', 'utf8')).toContain('//# sourceMappingURL=server.js.map')
  })
})
