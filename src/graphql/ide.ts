// The GraphQL IDE a browser gets at GET /graphql: GraphiQL from its npm package (with React's UMD builds),
// served by this service, so the page works with no network beyond it. In dev identity mode the headers come
// pre-filled with a fresh token of the demo agency (what `npm run token -- --as agency` prints).
import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { mintDevToken, writeGrant } from '../auth/dev-identity.ts'
import type { Config } from '../config.ts'
import { DEMO_USERS } from '../demo.ts'

const require = createRequire(import.meta.url)
// React's UMD builds are not in its package exports: found beside its package.json.
const umd = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'umd', file)

/** The only files the IDE serves, by the name the page asks for. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'graphiql.min.css': { file: require.resolve('graphiql/graphiql.min.css'), type: 'text/css; charset=utf-8' },
  'graphiql.min.js': { file: require.resolve('graphiql/graphiql.min.js'), type: 'text/javascript; charset=utf-8' },
  'react.production.min.js': { file: umd('react', 'react.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'react-dom.production.min.js': { file: umd('react-dom', 'react-dom.production.min.js'), type: 'text/javascript; charset=utf-8' },
}

const ROSTER = `# The demo agency's roster: the artists Sonar Booking represents, with their genres.
query DemoAgencyRoster {
  myRoster(first: 20) {
    totalCount
    edges {
      node {
        role
        territory
        startsOn
        artist {
          name
          genres { name }
          country { code }
        }
      }
    }
  }
}
`

const BOOKING_WITH_CONTRACT = `# Confirmed bookings with their contract: who still has to sign, and the version they sign.
query BookingsWithContracts {
  bookings(first: 10) {
    totalCount
    edges {
      node {
        status
        startsAt
        venueName
        fee
        currency
        artist { name }
        contract {
          title
          status
          currentVersion
          blockingSigner { name side role }
          signers { name side role }
        }
      }
    }
  }
}
`

/** True for a browser navigating to the endpoint (it asks for HTML); API clients ask for JSON. */
export function wantsIde(req: { method: string; headers: { accept?: string } }): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')
}

async function defaultHeaders(config: Config): Promise<Record<string, string>> {
  if (config.auth.mode !== 'dev') return { Authorization: 'Bearer <JWT from Auth>', 'x-org': '<company uuid>' }
  const agency = DEMO_USERS.agency
  writeGrant(config.auth.identityDir, { ...agency, tenantRole: 'ADMIN' })
  const token = await mintDevToken({
    dir: config.auth.identityDir,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    userId: agency.userId,
  })
  return { Authorization: `Bearer ${token}`, 'x-org': agency.orgId }
}

// JSON inside a <script> element: "<" escaped so that no value can close the element.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')

export async function idePage(config: Config): Promise<string> {
  const headers = JSON.stringify(await defaultHeaders(config), null, 2)
  // One document with both examples: the run button asks which one (GraphiQL 3 keeps the previous tab's
  // operation name in a preset tab that was never edited, so one tab per example fails on the second run).
  const settings = { headers, tabs: [{ query: `${ROSTER}\n${BOOKING_WITH_CONTRACT}`, headers }] }
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Kisum Artists — GraphQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/graphql/ide/graphiql.min.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading the GraphQL IDE…</div>
  <script type="application/json" id="ide-settings">${scriptJson(settings)}</script>
  <script src="/graphql/ide/react.production.min.js"></script>
  <script src="/graphql/ide/react-dom.production.min.js"></script>
  <script src="/graphql/ide/graphiql.min.js"></script>
  <script>
    const settings = JSON.parse(document.getElementById('ide-settings').textContent)
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher: GraphiQL.createFetcher({ url: '/graphql' }),
        headers: settings.headers,
        defaultTabs: settings.tabs,
        defaultEditorToolsVisibility: 'headers',
        shouldPersistHeaders: false,
      }),
    )
  </script>
</body>
</html>
`
}

export function registerIdeAssets(app: FastifyInstance) {
  app.get<{ Params: { file: string } }>('/graphql/ide/:file', { schema: { hide: true } }, async (req, reply) => {
    const asset = ASSETS[req.params.file]
    if (!asset) return reply.callNotFound()
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(createReadStream(asset.file))
  })
}
