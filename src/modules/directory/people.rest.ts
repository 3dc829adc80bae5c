import { CACHE } from '../../cache/get-cache.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { people, PersonFilter, PersonInput, PersonView, UpdatePersonInput } from './people.service.ts'

const person = viewSchema('Person', PersonView)
const tag = 'People'

export const personRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/people',
    tag,
    summary: 'Search and filter people / contacts',
    access: 'directory.read',
    cache: CACHE.directory,
    list: true,
    query: PersonFilter,
    response: person,
    handler: ({ ctx, query, page }) => people.list(ctx, query, page, { include: PersonView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/people/:id',
    tag,
    summary: 'Get a person',
    access: 'directory.read',
    cache: CACHE.directory,
    params: IdParams,
    response: person,
    handler: ({ ctx, params }) => people.get(ctx, params.id, { include: PersonView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/people',
    tag,
    summary: "Add a person (to the caller's agency unless a platform admin says otherwise)",
    access: 'directory.manage',
    body: PersonInput,
    status: 201,
    response: person,
    handler: ({ ctx, body }) => people.create(ctx, body, { include: PersonView }),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/people/:id',
    tag,
    summary: 'Update a person (absent fields are kept, null clears)',
    access: 'directory.manage',
    params: IdParams,
    body: UpdatePersonInput,
    response: person,
    handler: ({ ctx, params, body }) => people.update(ctx, params.id, body, { include: PersonView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/people/:id/archive',
    tag,
    summary: 'Archive a person',
    access: 'directory.manage',
    params: IdParams,
    response: person,
    handler: ({ ctx, params }) => people.setArchived(ctx, params.id, true, { include: PersonView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/people/:id/restore',
    tag,
    summary: 'Restore an archived person',
    access: 'directory.manage',
    params: IdParams,
    response: person,
    handler: ({ ctx, params }) => people.setArchived(ctx, params.id, false, { include: PersonView }),
  }),
]
