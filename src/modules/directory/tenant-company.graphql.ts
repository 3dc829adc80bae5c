// The Auth subgraph owns tenant companies. This subgraph contributes Company.agency: the market company
// the tenant is bridged to (approved claim), so a gateway can go from the signed-in company to its agency.
import { agenciesBridgedTo } from '../../access/ownership.ts'
import type { Agency } from '../../generated/prisma/client.ts'
import { builder, requires } from '../../graphql/builder.ts'
import { refOf, UserRef } from '../../graphql/references.ts'
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

/**
 * An audit entry (a pipeline, contract, handoff or representation step): who acted, as references the gateway
 * resolves, beside the bare ids they replace. Its fields resolve here once for every type that implements it.
 */
export const ActedRef = builder.interfaceRef<{ actorUserId: string | null; actorOrgId: string | null }>('Acted').implement({
  description: 'An audit entry: who acted.',
  fields: (t) => ({
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user who acted (none for the system or a machine caller).',
      resolve: (e) => refOf(e.actorUserId),
    }),
    actorCompany: t.field({
      type: CompanyRef,
      nullable: true,
      description: 'The company the user acted for.',
      resolve: (e) => refOf(e.actorOrgId),
    }),
    actorUserId: t.string({
      nullable: true,
      deprecationReason: 'Use actor { id }: a reference the gateway resolves.',
      resolve: (e) => e.actorUserId,
    }),
    actorOrgId: t.id({
      nullable: true,
      deprecationReason: 'Use actorCompany { id }: a reference the gateway resolves.',
      resolve: (e) => e.actorOrgId,
    }),
  }),
})
