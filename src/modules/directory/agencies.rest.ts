import { CACHE } from '../../cache/get-cache.ts'
import { IdParams, route } from '../../rest/route.ts'
import { viewSchema } from '../../rest/schemas.ts'
import { agencies, AgencyFilter, AgencyInput, AgencyView, UpdateAgencyInput } from './agencies.service.ts'

const agency = viewSchema('Agency', AgencyView)
const tag = 'Agencies (artists companies)'

export const agencyRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/artists-companies',
    tag,
    summary: 'Search and filter market companies (agencies)',
    access: 'directory.read',
    cache: CACHE.directory,
    list: true,
    query: AgencyFilter,
    response: agency,
    handler: ({ ctx, query, page }) => agencies.list(ctx, query, page, { include: AgencyView }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/artists-companies/:id',
    tag,
    summary: 'Get a market company',
    access: 'directory.read',
    cache: CACHE.directory,
    params: IdParams,
    response: agency,
    handler: ({ ctx, params }) => agencies.get(ctx, params.id, { include: AgencyView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists-companies',
    tag,
    summary: 'Create a market company (platform admins; tenants use agency provisioning)',
    access: 'directory.curate',
    body: AgencyInput,
    status: 201,
    response: agency,
    handler: ({ ctx, body }) => agencies.create(ctx, body, { include: AgencyView }),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/artists-companies/:id',
    tag,
    summary: "Update a market company's profile (its owning company, or platform admins)",
    access: 'directory.manage',
    params: IdParams,
    body: UpdateAgencyInput,
    response: agency,
    handler: ({ ctx, params, body }) => agencies.update(ctx, params.id, body, { include: AgencyView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists-companies/:id/archive',
    tag,
    summary: 'Archive a market company',
    access: 'directory.curate',
    params: IdParams,
    response: agency,
    handler: ({ ctx, params }) => agencies.setArchived(ctx, params.id, true, { include: AgencyView }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/artists-companies/:id/restore',
    tag,
    summary: 'Restore an archived market company',
    access: 'directory.curate',
    params: IdParams,
    response: agency,
    handler: ({ ctx, params }) => agencies.setArchived(ctx, params.id, false, { include: AgencyView }),
  }),
]
