import { createDb } from './src/db/client.ts'
import { tourData } from './src/modules/touring/stops.ts'
const db = createDb({ url: 'postgresql://postgres@127.0.0.1:5432/artists_bench_touring', poolMax: 2 })
const tour = await db.tour.findFirstOrThrow()
const ms: number[] = []
for (let i = 0; i < 60; i++) { const t = performance.now(); await tourData(db, [tour.id], new Date()); ms.push(performance.now() - t) }
ms.sort((a, b) => a - b); console.log('tourData p50', ms[30].toFixed(1), 'p95', ms[57].toFixed(1))
process.exit(0)
