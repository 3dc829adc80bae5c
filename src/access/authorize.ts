// Enforcement of one access rule for one caller: the only place that reads a caller's modules and
// permissions. The messages name what is missing, as the platform's error contract asks.
import type { Caller } from '../auth/identity.ts'
import { forbidden, type AppError } from '../errors.ts'
import { MODULES, moduleOf, RULES, type AccessRule, type Module, type Permission, type RuleDefinition } from './catalog.ts'

export function grantedModules(modules: string[]): Set<Module> {
  const granted = new Set<Module>()
  for (const [module, def] of Object.entries(MODULES) as [Module, (typeof MODULES)[Module]][]) {
    if (modules.some((m) => (def.aliases as readonly string[]).includes(m.toLowerCase()))) granted.add(module)
  }
  return granted
}

/**
 * The decision on `rule` for a caller, as far as the caller alone decides it: null (allowed), the refusal, or
 * 'agency' when it rests on the company being bridged to an agency (a lookup).
 */
export function decide(caller: Caller, rule: AccessRule): AppError | null | 'agency' {
  const def: RuleDefinition = RULES[rule]
  if (caller.kind === 'machine') return def.internal ? null : forbidden('this operation is not available to machine callers')
  if (def.anyOf.length === 0) return forbidden('this operation is restricted to internal (platform) callers')

  const modules = grantedModules(caller.access.modules)
  const reachable = def.anyOf.filter((p) => modules.has(moduleOf(p)))
  if (reachable.length === 0) {
    const needed = [...new Set(def.anyOf.map(moduleOf))]
    return forbidden(`module not granted: ${needed.join(' or ')}`)
  }
  const permissions = new Set(caller.access.permissions)
  const held: Permission[] = reachable.filter((p) => permissions.has(p))
  if (held.length === 0) return forbidden(`missing permission: ${reachable.join(' or ')}`)

  // The gate stands before agency-side work only: a permission of another module passes on its own.
  return def.agencyGate && held.every((p) => moduleOf(p) === 'artist') ? 'agency' : null
}

/**
 * Resolves when the caller may perform an operation guarded by `rule`; throws 403 otherwise.
 * `bridgedAgency` is asked only when the rule gates agency-side work.
 */
export async function authorize(caller: Caller, rule: AccessRule, bridgedAgency: () => Promise<string | null>): Promise<void> {
  const decision = decide(caller, rule)
  if (decision === 'agency') {
    if (!(await bridgedAgency())) throw agencyNotBridged()
    return
  }
  if (decision) throw decision
}

export const agencyNotBridged = () =>
  forbidden('the company is not bridged to an agency yet: claim a sleeping agency or request a new one first', 'agency_not_bridged')
