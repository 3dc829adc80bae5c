// Who am I: what the app shell needs to decide what to show, for any tenant user of the module (agency or
// promoter side, bridged or not). It reads the caller's effective access as Auth gave it and never computes it.
import { grantedModules } from '../../access/authorize.ts'
import { moduleOf, PERMISSIONS, RULES, type AccessRule, type Permission } from '../../access/catalog.ts'
import { bridgeOf } from '../../access/ownership.ts'
import type { RequestContext } from '../../context.ts'
import type { BookingSide } from '../../generated/prisma/client.ts'
import { sideFor } from '../booking/parties.ts'

export const viewer = {
  async get(ctx: RequestContext) {
    const { userId, orgId } = await ctx.tenant()
    const caller = await ctx.caller()
    const access = caller.kind === 'user' ? caller.access : { modules: [], permissions: [] }
    const modules = grantedModules(access.modules)
    const claim = await bridgeOf(ctx.db, orgId)
    const agency = claim ? await ctx.db.agency.findUnique({ where: { id: claim.companyId } }) : null
    const sides: BookingSide[] = [
      ...(modules.has('artist') ? ['agency' as const] : []),
      ...(modules.has('promoter') ? ['promoter' as const] : []),
    ]
    const permissions = access.permissions.filter((p): p is Permission => p in PERMISSIONS && modules.has(moduleOf(p as Permission)))
    const rules: AccessRule[] = []
    for (const rule of Object.keys(RULES) as AccessRule[]) if (await ctx.may(rule)) rules.push(rule)
    return {
      userId,
      companyId: orgId,
      modules: [...modules],
      sides,
      bookingSide: sideFor(modules, agency !== null),
      bridged: agency !== null,
      agencyId: agency?.id ?? null,
      agency,
      bridgedSince: claim?.decidedAt ?? null,
      permissions,
      rules,
    }
  },
}
