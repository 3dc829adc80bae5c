// A federation in process, the way it runs in production: the supergraph composed from this subgraph's SDL
// and the committed peer SDLs (test/peers), stand-ins serving the peers, and @apollo/gateway over HTTP in
// front of them all. Like Apollo Router and Hive Gateway, the gateway forwards no client header unless told
// to: the list below is the configuration an operator gives it (docs/gateway.md).
import { readFileSync } from 'node:fs'
import { composeServices } from '@apollo/composition'
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway'
import { ApolloServer } from '@apollo/server'
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled'
import { startStandaloneServer } from '@apollo/server/standalone'
import { buildSubgraphSchema } from '@apollo/subgraph'
import { parse, type DocumentNode } from 'graphql'
import { printSchema } from '../../src/schema.ts'

/** The client headers the gateway forwards to subgraphs. */
export const PROPAGATED_HEADERS = ['authorization', 'x-org', 'idempotency-key'] as const
/** The subgraph response header the gateway hands back to the client (a replayed idempotent mutation). */
export const RETURNED_HEADERS = ['idempotent-replayed'] as const

export interface Company {
  id: string
  name: string
}
export interface Venue {
  id: string
  name: string
  city?: string
}

interface Peer {
  url: string
  typeDefs: DocumentNode
  stop(): Promise<void>
}

async function startPeer<T extends { id: string }>(
  sdlFile: string,
  typeName: string,
  rootOne: string,
  rootAll: string,
  rows: Map<string, T>,
) {
  const typeDefs = parse(readFileSync(sdlFile, 'utf8'))
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs,
      resolvers: {
        Query: {
          [rootOne]: (_: unknown, { id }: { id: string }) => rows.get(id) ?? null,
          [rootAll]: () => [...rows.values()],
        },
        [typeName]: { __resolveReference: (ref: { id: string }) => rows.get(ref.id) ?? null },
      },
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  })
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } })
  return { url, typeDefs, stop: () => server.stop() } satisfies Peer
}

interface GatewayContext {
  incoming: Record<string, string | string[] | undefined>
  returned: Map<string, string>
}

export interface Gateway {
  url: string
  /** Runs an operation through the gateway over HTTP, as a frontend does. */
  query(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{
    status: number
    headers: Headers
    data: any
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[]
  }>
  /** The headers each subgraph request carried, by subgraph name. */
  sent: { subgraph: string; headers: Record<string, string> }[]
  stop(): Promise<void>
}

export async function startGateway(options: { subgraphUrl: string; companies: Company[]; venues?: Venue[] }): Promise<Gateway> {
  const auth = await startPeer(
    'test/peers/auth.graphql',
    'Company',
    'company',
    'companies',
    new Map(options.companies.map((c) => [c.id, c])),
  )
  const venue = await startPeer(
    'test/peers/venue.graphql',
    'Venue',
    'venue',
    'venues',
    new Map((options.venues ?? []).map((v) => [v.id, v])),
  )
  const composed = composeServices([
    { name: 'auth', typeDefs: auth.typeDefs, url: auth.url },
    { name: 'venue', typeDefs: venue.typeDefs, url: venue.url },
    { name: 'artists', typeDefs: parse(printSchema()), url: options.subgraphUrl },
  ])
  if (composed.errors?.length) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`)

  const sent: Gateway['sent'] = []
  const server = new ApolloServer<GatewayContext>({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ name, url }) =>
        new RemoteGraphQLDataSource<GatewayContext>({
          url,
          willSendRequest({ request, context }) {
            for (const header of PROPAGATED_HEADERS) {
              const value = context.incoming?.[header]
              if (typeof value === 'string') request.http?.headers.set(header, value)
            }
            sent.push({ subgraph: name, headers: Object.fromEntries(request.http?.headers ?? []) })
          },
          didReceiveResponse({ response, context }) {
            for (const header of RETURNED_HEADERS) {
              const value = response.http?.headers.get(header)
              if (value) context.returned?.set(header, value)
            }
            return response
          },
        }),
    }),
    plugins: [
      {
        async requestDidStart() {
          return {
            async willSendResponse({ contextValue, response }) {
              for (const [k, v] of contextValue.returned) response.http.headers.set(k, v)
            },
          }
        },
      },
    ],
  })
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ incoming: req.headers, returned: new Map() }),
  })

  return {
    url,
    sent,
    async query(query, variables, headers = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      })
      const body = (await res.json()) as { data?: unknown; errors?: [] }
      return { status: res.status, headers: res.headers, data: body.data, errors: body.errors }
    },
    async stop() {
      await server.stop()
      await auth.stop()
      await venue.stop()
    },
  }
}
