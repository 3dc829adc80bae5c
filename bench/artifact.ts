// The production artifact against the tsx run, as an operator measures them: each variant starts as its own
// process group in production mode (migrations already applied, Auth stand-in for tokens and access), and
// the figures are the time from spawn to the first 200 on /ready, then the resident memory of the service
// process (and of its whole process tree) after a read load of 16 clients on 20k artists.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { startAuthStandIn, type AuthStandIn } from '../test/support/auth-stand-in.ts'
import { benchDatabase, measure, seedDirectory, type Timing, send } from './support.ts'

const ARTISTS = Number(process.env.BENCH_ARTISTS ?? 20_000)
const CLIENTS = 16
const REQUESTS = Number(process.env.BENCH_RUNS ?? 1_600)
const STARTS = Number(process.env.BENCH_STARTS ?? 3)

interface Variant {
  label: string
  command: string
  args: string[]
}

const VARIANTS: Variant[] = [
  { label: 'compiled: node dist/src/main.js', command: 'node', args: ['--enable-source-maps', 'dist/src/main.js'] },
  { label: 'tsx: tsx src/main.ts', command: 'node_modules/.bin/tsx', args: ['src/main.ts'] },
  { label: 'npm start (npm → tsx → node)', command: 'npm', args: ['start', '--silent'] },
]

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Number(line?.split(/\s+/)[1] ?? 0)
}

function descendants(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  return children.flatMap((c) => [c, ...descendants(c)])
}

/** The process that runs the service: the deepest node process of the tree (npm and tsx are wrappers). */
function serviceProcess(root: number): number {
  const tree = [root, ...descendants(root)]
  const nodes = tree.filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('node'))
  return nodes[nodes.length - 1] ?? root
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`

async function start(variant: Variant, env: Record<string, string>) {
  const port = await freePort()
  const started = performance.now()
  const child: ChildProcess = spawn(variant.command, variant.args, {
    env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  const base = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${variant.label} exited with ${child.exitCode}`)
    const ok = await send(`${base}/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (performance.now() - started > 60_000) throw new Error(`${variant.label} not ready after 60 s`)
    await new Promise((r) => setTimeout(r, 10))
  }
  const readyMs = performance.now() - started
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r))
    process.kill(-child.pid!, 'SIGTERM')
    await exited
  }
  return { child, base, readyMs, stop }
}

async function readLoad(base: string, headers: Record<string, string>): Promise<Timing> {
  const terms = ['a1b', 'b2c', 'c3d', 'd4e', 'e5f', 'f6a', '7ab', '8bc']
  const query =
    'query($q: String) { artists(first: 20, filter: { q: $q }) { totalCount edges { node { name profile { biography } genres { name } country { code } } } } }'
  return measure(`${CLIENTS} clients, REST + GraphQL artist search`, REQUESTS, CLIENTS, async (i) => {
    const q = terms[i % terms.length]
    const res =
      i % 2
        ? await send(`${base}/api/v1/artists?q=${q}&limit=20`, { headers })
        : await send(`${base}/graphql`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables: { q } }),
          })
    if (!res.ok) throw new Error(`${res.status} ${res.text()}`)
  })
}

export async function artifactBenchmark() {
  console.log('building dist/ (npm run build)…')
  await promisify(execFile)('npm', ['run', 'build'], { timeout: 600_000 })
  const database = await benchDatabase('artists_bench_artifact')
  let auth: AuthStandIn | undefined
  try {
    console.log(`seeding ${ARTISTS} artists…`)
    await seedDirectory(database.sql, ARTISTS)
    auth = await startAuthStandIn()
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'warn',
      ...auth.env(),
    }
    const session = await auth.session({ modules: ['artist'], permissions: ['artist.directory.read'] })

    console.log(`\nProduction mode, ${ARTISTS} artists; ready = spawn → first 200 on /ready (best / median of ${STARTS})`)
    for (const variant of VARIANTS) {
      const readies: number[] = []
      for (let i = 0; i < STARTS - 1; i++) {
        const s = await start(variant, env)
        readies.push(s.readyMs)
        await s.stop()
      }
      const s = await start(variant, env)
      readies.push(s.readyMs)
      try {
        const idle = rssKb(serviceProcess(s.child.pid!))
        const load = await readLoad(s.base, session.headers)
        const service = serviceProcess(s.child.pid!)
        const tree = [s.child.pid!, ...descendants(s.child.pid!)].reduce((sum, pid) => sum + rssKb(pid), 0)
        readies.sort((a, b) => a - b)
        console.log(
          `  ${variant.label.padEnd(34)} ready ${readies[0]!.toFixed(0).padStart(5)} / ${readies[Math.floor(readies.length / 2)]!.toFixed(0).padStart(5)} ms` +
            `   RSS idle ${mb(idle).padStart(6)}   after load: service ${mb(rssKb(service)).padStart(6)}, tree ${mb(tree).padStart(6)}` +
            `   load p50 ${load.p50.toFixed(1)} ms p95 ${load.p95.toFixed(1)} ms ${load.perSecond.toFixed(0)}/s`,
        )
      } finally {
        await s.stop()
      }
    }
    console.log('  goal for the compiled run: ready ≤ 2000 ms, service RSS after load ≤ 200 MB')
  } finally {
    await auth?.close()
    await database.close()
  }
}
