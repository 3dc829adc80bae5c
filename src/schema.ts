// Assembles the subgraph schema from every capability area's GraphQL face.
import { printSubgraphSchema } from '@apollo/subgraph'
import { specifiedDirectives } from 'graphql'
import { ACCESS_SPEC_URL, builder, requiresPermissionDirective } from './graphql/builder.ts'
import { guardEntities } from './graphql/entities.ts'
import './modules/directory/geo.graphql.ts'
import './modules/directory/genres.graphql.ts'
import './modules/directory/agencies.graphql.ts'
import './modules/directory/people.graphql.ts'
import './modules/directory/artists.graphql.ts'
import './modules/directory/tenant-company.graphql.ts'
import './modules/representation/company-claims.graphql.ts'
import './modules/representation/representation.graphql.ts'
import './modules/provisioning/provisioning.graphql.ts'
import './modules/availability/availability.graphql.ts'
import './modules/marketplace/marketplace.graphql.ts'
import './modules/booking/booking.graphql.ts'
import './modules/contracts/contracts.graphql.ts'
import './modules/finance/finance.graphql.ts'
import './modules/logistics/logistics.graphql.ts'
import './modules/touring/touring.graphql.ts'
import './modules/inbox/inbox.graphql.ts'
import './modules/dashboards/dashboards.graphql.ts'
import './modules/shortlists/shortlists.graphql.ts'
import './modules/relationships/relationships.graphql.ts'

export const schema = guardEntities(
  builder.toSubGraphSchema({
    composeDirectives: ['@requiresPermission'],
    // A schema's `directives` replace graphql-js's defaults: without the specified ones, every operation using
    // @include/@skip (which gateways forward inside query plans) fails validation as an unknown directive.
    directives: [...specifiedDirectives, requiresPermissionDirective],
    extensions: { directives: [{ name: 'link', args: { url: ACCESS_SPEC_URL, import: ['@requiresPermission'] } }] },
  }),
)

/** The SDL committed as schema.graphql (federation directives included). */
export const printSchema = () => `${printSubgraphSchema(schema).trim()}\n`
