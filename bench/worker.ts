// The entry of a bench worker thread: it calls `start` of `module` with `args`, which listens on a port of its
// own, tells the main thread the port, and closes (then lets the thread end) when the main thread asks.
import { parentPort, workerData } from 'node:worker_threads'
import type { Listening, WorkerStart } from './support.ts'

const { module, start, args } = workerData as WorkerStart
const port = parentPort
if (!port) throw new Error('bench/worker.ts runs as a worker thread only')
const run = ((await import(module)) as Record<string, ((...a: unknown[]) => Promise<Listening>) | undefined>)[start]
if (!run) throw new Error(`${module} has no export ${start}`)
const served = await run(...args)
port.postMessage({ port: served.port })
port.once('message', () => {
  void served.close().then(() => port.postMessage('closed'))
})
