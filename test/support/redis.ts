// A Redis server the test owns (redis-server on a free port, no persistence), to stop, pause and start again.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

export interface OwnedRedis {
  url: string
  /** A client of the test's own (to read what the service stored). */
  client(): Redis
  stop(): Promise<void>
  start(): Promise<void>
}

export async function startRedis(): Promise<OwnedRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const url = `redis://127.0.0.1:${port}`

  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    child = proc
    await new Promise<void>((resolve, reject) => {
      proc.once('error', reject)
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
      proc.stdout?.on('data', (chunk: Buffer) => {
        if (String(chunk).includes('Ready to accept connections')) resolve()
      })
    })
    proc.removeAllListeners('exit')
  }
  const stop = async () => {
    const proc = child
    if (!proc || proc.exitCode !== null) return
    await new Promise((resolve) => {
      proc.once('exit', resolve)
      proc.kill('SIGKILL')
    })
  }
  await start()
  return { url, client: () => new Redis(url), stop, start }
}
