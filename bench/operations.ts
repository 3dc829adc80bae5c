// What operating the service costs per request: the rate limiter (in memory, and in Redis on a
// redis-server this benchmark starts), and tracing with every span exported over OTLP (to a receiver that
// accepts and drops them), each against the same read with all of it off.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { benchApp, benchDatabase, MACHINE_KEY, measure, report, send } from './support.ts'

const N = 2000
const CONCURRENCY = 8

async function startRedis(port: number) {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  await new Promise<void>((resolve, reject) => {
    proc.once('error', reject)
    proc.stdout.on('data', (chunk: Buffer) => String(chunk).includes('Ready to accept connections') && resolve())
  })
  return () => proc.kill('SIGKILL')
}

export async function operationsBenchmark() {
  const database = await benchDatabase('artists_bench_operations')
  await database.sql.query(
    `INSERT INTO genres (id, name, slug) SELECT gen_random_uuid(), 'Genre ' || g, 'genre-' || g FROM generate_series(1, 40) g`,
  )
  const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{}')))
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const otlp = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`
  const redisPort = 46000 + Math.floor(Math.random() * 1000)
  const stopRedis = await startRedis(redisPort)

  const run = async (label: string, env: Record<string, string>) => {
    const app = await benchApp(database.url, { env: { RATE_LIMIT_MACHINE_MAX: String(N * 10), ...env } })
    try {
      return await measure(label, N, CONCURRENCY, async () => {
        const res = await send(`${app.base}/api/v1/genres?limit=20`, { headers: { 'x-internal-api-key': MACHINE_KEY } })
        if (res.status !== 200) throw new Error(`status ${res.status}`)
      })
    } finally {
      await app.close()
    }
  }
  try {
    // The first server of the process pays for JIT warm-up and the first connections: not a figure.
    await run('warm-up', {})
    const baseline = await run('baseline: GET /api/v1/genres, limits and tracing off', {})
    const subjects = [
      await run('rate limit in memory', { RATE_LIMIT_ENABLED: 'true' }),
      await run('rate limit in Redis', { RATE_LIMIT_ENABLED: 'true', REDIS_URL: `redis://127.0.0.1:${redisPort}` }),
      await run('tracing exported over OTLP', { OTEL_EXPORTER_OTLP_ENDPOINT: otlp }),
    ]
    report(`Operating costs (${N} requests, ${CONCURRENCY} in flight)`, baseline, subjects)
  } finally {
    stopRedis()
    receiver.close()
    await database.close()
  }
}
