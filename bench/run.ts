// npm run bench [-- <name>]: runs the benchmarks and prints their figures (nothing here asserts timings).
// The script sets NODE_ENV=production before any module loads, so that graphql-js and Pothos take the paths a
// deployed service takes (graphql-js skips its development-mode checks); each bench app's own config is built
// by bench/support.ts.
import { artifactBenchmark } from './artifact.ts'
import { availabilityBenchmark } from './availability.ts'
import { bookingBenchmark } from './booking.ts'
import { burstBenchmark } from './burst.ts'
import { cacheBenchmark } from './cache.ts'
import { dashboardsBenchmark } from './dashboards.ts'
import { directoryBenchmark } from './directory.ts'
import { logisticsBenchmark } from './logistics.ts'
import { marketplaceBenchmark } from './marketplace.ts'
import { operationsBenchmark } from './operations.ts'
import { outboxBenchmark } from './outbox.ts'
import { touringBenchmark } from './touring.ts'

const benchmarks: Record<string, () => Promise<void>> = {
  directory: directoryBenchmark,
  availability: availabilityBenchmark,
  booking: bookingBenchmark,
  burst: burstBenchmark,
  artifact: artifactBenchmark,
  operations: operationsBenchmark,
  outbox: outboxBenchmark,
  logistics: logisticsBenchmark,
  touring: touringBenchmark,
  dashboards: dashboardsBenchmark,
  marketplace: marketplaceBenchmark,
  cache: cacheBenchmark,
}

const only = process.argv[2]
if (only && !benchmarks[only]) {
  console.error(`unknown benchmark ${only}; available: ${Object.keys(benchmarks).join(', ')}`)
  process.exit(2)
}
for (const [name, run] of Object.entries(benchmarks)) {
  if (only && name !== only) continue
  console.log(`\n=== ${name} ===`)
  console.log(
    'the services under load run in worker threads of their own (own event loop and heap, same cores), the load generator and the SQL baselines in the main thread; each app below says where it runs',
  )
  await run()
}
process.exit(0)
