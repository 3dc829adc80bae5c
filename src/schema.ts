// Assembles the subgraph schema from every capability area's GraphQL face.
import { printSubgraphSchema } from '@apollo/subgraph'
import { builder } from './graphql/builder.ts'
import './modules/directory/geo.graphql.ts'
import './modules/directory/genres.graphql.ts'
import './modules/directory/agencies.graphql.ts'
import './modules/directory/people.graphql.ts'
import './modules/directory/artists.graphql.ts'
import './modules/directory/tenant-company.graphql.ts'

export const schema = builder.toSubGraphSchema({})

/** The SDL committed as schema.graphql (federation directives included). */
export const printSchema = () => `${printSubgraphSchema(schema).trim()}\n`
