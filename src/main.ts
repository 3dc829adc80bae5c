// Process entry: config → database (embedded when DATABASE_URL is unset) → migrations → server →
// graceful shutdown (stop accepting, finish in-flight requests, close the pool, stop the cluster).
import './v8-heap.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { createDb } from './db/client.ts'
import { loadDemoData } from './db/demo-data.ts'
import { playDemoDeals } from './demo.ts'
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedCluster } from './db/embedded.ts'
import { applyMigrations } from './db/migrations.ts'
import { identityFromConfig } from './auth/identity.ts'
import { systemClock } from './clock.ts'
import { createLogger } from './logger.ts'
import { Metrics } from './metrics.ts'
import { HANDOFF_PUBLISH_HOOKS } from './modules/finance/handoff-links.ts'
import { OutboxRelay } from './modules/outbox/relay.ts'
import { buildServer } from './server.ts'

async function main() {
  let config: Config
  try {
    config = loadConfig()
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message)
      process.exit(1)
    }
    throw e
  }
  const log = createLogger(config.logLevel)

  let cluster: EmbeddedCluster | undefined
  let url = config.database.url
  if (!url) {
    log.info(
      { dir: config.database.embeddedDir, port: config.database.embeddedPort },
      'DATABASE_URL is not set: starting the embedded PostgreSQL',
    )
    cluster = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort })
    url = cluster.url('kisum_artists')
    await ensureDatabase(url)
  }
  // Production deploys apply migrations as a release step (npm run db:migrate); everywhere else the
  // service brings its database up to date itself.
  if (config.nodeEnv !== 'production') {
    const applied = await applyMigrations(url)
    if (applied.length) log.info({ applied }, 'migrations applied')
  }

  const db = createDb({
    url,
    poolMax: config.database.poolMax,
    statementTimeoutMs: config.database.statementTimeoutMs,
    poolTimeoutMs: config.database.poolTimeoutMs,
  })
  const demoLoaded = (config.database.demoData ?? Boolean(cluster)) && (await loadDemoData(db))
  if (demoLoaded) log.info('demo data loaded')

  const metrics = new Metrics()
  const identity = await identityFromConfig(config, systemClock, metrics.auth)
  const app = await buildServer({ config, db, identity, log, metrics })
  if (demoLoaded && config.auth.mode === 'dev') {
    await playDemoDeals(app, config)
    log.info('demo deals played: availability, three booking pipelines, a contract awaiting countersignature')
  }
  await app.listen({ host: config.host, port: config.port })
  const relay = config.outbox
    ? new OutboxRelay({ ...config.outbox, databaseUrl: url, log, afterPublish: HANDOFF_PUBLISH_HOOKS }).start()
    : null
  if (!relay) log.info('NATS_URL is not set: the outbox relay is off (events stay in outbox_events)')

  const base = `http://localhost:${config.port}`
  log.info(
    {
      graphql: `${base}/graphql`,
      graphqlIde: config.graphql.ide ? `${base}/graphql` : undefined,
      rest: `${base}/api/v1`,
      restDocs: `${base}/api/v1/docs`,
      openapi: `${base}/api/v1/openapi.json`,
      authMode: config.auth.mode,
    },
    'ready',
  )
  if (config.auth.mode === 'dev') {
    console.log(
      [
        '',
        `  GraphQL  ${base}/graphql   (open it in a browser: GraphiQL, signed in as the demo agency)`,
        `  REST     ${base}/api/v1   (browse and try it: ${base}/api/v1/docs; OpenAPI: ${base}/api/v1/openapi.json)`,
        `  JWKS     ${base}/.well-known/jwks.json   (dev identity mode)`,
        '',
        '  Get a token for the demo agency:   npm run token -- --as agency',
        '  ...or for the demo promoter:       npm run token -- --as promoter',
        '',
      ].join('\n'),
    )
  }

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests')
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting')
      process.exit(1)
    }, config.shutdownTimeoutMs)
    force.unref()
    try {
      await app.close()
      await relay?.stop()
      await db.$disconnect()
      await cluster?.stop()
      log.info('stopped')
      process.exit(0)
    } catch (e) {
      log.error({ err: e }, 'error during shutdown')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

await main()
