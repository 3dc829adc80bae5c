// The Auth subgraph owns tenant companies. This subgraph contributes Company.agency: the market company
// the tenant is bridged to (approved claim), so a gateway can go from the signed-in company to its agency.
import { agenciesBridgedTo } from '../../access/ownership.ts'
import type { Agency } from '../../generated/prisma/client.ts'
import { builder, requires } from '../../graphql/builder.ts'
import { isUuid } from '../../validation.ts'
import { AgencyRef } from './agencies.graphql.ts'

export const CompanyRef = builder.objectRef<{ id: string }>('Company').implement({
  description: 'A tenant company of the platform (owned by the Auth subgraph).',
  fields: (t) => ({
    id: t.exposeID('id'),
    agency: t.field({
      ...requires('directory.read'),
      type: AgencyRef,
      description: 'The agency this company is bridged to; null until an agency claim is approved.',
      resolve: (company, _args, ctx) =>
        isUuid(company.id)
          ? ctx
              .loader<string, Agency | null>('agencyByOrg', async (orgIds) => {
                const bridged = await agenciesBridgedTo(ctx.db, orgIds)
                return orgIds.map((orgId) => bridged.get(orgId) ?? null)
              })
              .load(company.id)
          : null,
    }),
  }),
})

builder.asEntity(CompanyRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref) => ({ id: ref.id }),
})
