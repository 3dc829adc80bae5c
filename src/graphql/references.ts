// References to other subgraphs' entities that screens resolve through the gateway (names, avatars), in
// place of bare ids: Auth's User and Company. The Company type is this subgraph's too (Company.agency,
// src/modules/directory/tenant-company.graphql.ts); User is only referenced.
import { isUuid } from '../validation.ts'
import { builder } from './builder.ts'

/** Auth's user, referenced by id only. */
export const UserRef = builder.externalRef('User', builder.keyDirective(builder.selection<{ id: string }>('id'), false)).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
})

/** A reference the gateway can resolve, or null (no id, or an id that is not a platform user's, e.g. a machine's). */
export const refOf = (id: string | null | undefined) => (id && isUuid(id) ? { id } : null)
