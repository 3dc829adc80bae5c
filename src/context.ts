// The request context: built once per request by the server for both faces, and handed to domain
// services. It resolves who is calling lazily (a public field or route never touches Auth) and
// memoizes it, so one request asks Auth at most once.
import DataLoader from 'dataloader'
import type { FastifyBaseLogger } from 'fastify'
import { agencyNotBridged, authorize, decide } from './access/authorize.ts'
import type { AccessRule } from './access/catalog.ts'
import { requestAgencyId } from './access/ownership.ts'
import type { Caller, CallerHeaders, Identity } from './auth/identity.ts'
import { systemClock, type Clock } from './clock.ts'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import { AppError, forbidden } from './errors.ts'
import type { Metrics } from './metrics.ts'
import { requestDb, type RequestScope } from './request-scope.ts'

export interface AppDeps {
  config: Config
  db: Db
  identity: Identity
  log: FastifyBaseLogger
  /** The server's metrics (one registry per server); made by buildServer when not given. */
  metrics?: Metrics
  /** The system clock unless a test sets the time. */
  clock?: Clock
}

export class RequestContext {
  /** The service's client, whose writes know this request (src/request-scope.ts). */
  readonly db: Db
  readonly scope: RequestScope
  readonly clock: Clock
  private callerPromise?: Promise<Caller>
  private agencyPromise?: Promise<string | null>
  /** The bridged agency once looked up (null: none); undefined while unknown. */
  private resolvedAgency?: string | null
  private readonly authorized = new Map<AccessRule, Promise<void>>()
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>()
  /** Set once the caller is known: what the request log and error log say about who called. */
  resolvedCaller?: Caller

  constructor(
    readonly deps: AppDeps,
    readonly requestId: string,
    private readonly headers: CallerHeaders,
    readonly log: FastifyBaseLogger,
    /** Where the call comes from, as recorded on signatures. */
    readonly client: { ip?: string; userAgent?: string } = {},
  ) {
    this.scope = { requestId, eventTypes: new Set() }
    this.db = requestDb(deps.db, this.scope)
    this.clock = deps.clock ?? systemClock
  }

  caller(): Promise<Caller> {
    this.callerPromise ??= this.deps.identity.resolveCaller(this.headers).then((c) => {
      this.resolvedCaller = c
      return c
    })
    return this.callerPromise
  }

  /** The agency the calling org is bridged to (null for machine callers and unbridged orgs). */
  agencyId(): Promise<string | null> {
    this.agencyPromise ??= this.caller()
      .then((c) => (c.kind === 'user' ? requestAgencyId(this.db, c.orgId) : null))
      .then((agencyId) => (this.resolvedAgency = agencyId))
    return this.agencyPromise
  }

  /** The calling tenant user (operations that act for a company, not for the platform). */
  async tenant(): Promise<{ userId: string; orgId: string }> {
    const c = await this.caller()
    if (c.kind !== 'user')
      throw forbidden('this operation acts for a tenant company; machine callers use the admin routes', 'tenant_required')
    return { userId: c.userId, orgId: c.orgId }
  }

  /** The calling tenant user and the agency its company is bridged to. */
  async agencyActor(): Promise<{ userId: string; orgId: string; agencyId: string }> {
    const tenant = await this.tenant()
    const agencyId = await this.agencyId()
    if (!agencyId) throw agencyNotBridged()
    return { ...tenant, agencyId }
  }

  authorize(rule: AccessRule): Promise<void> {
    let check = this.authorized.get(rule)
    if (!check) {
      check = this.caller().then((c) => authorize(c, rule, () => this.agencyId()))
      this.authorized.set(rule, check)
    }
    return check
  }

  /**
   * The same decision as `authorize`, taken without waiting once what it rests on is known (the caller, and
   * the agency for a gated rule): true, or the refusal thrown. Otherwise the pending check. GraphQL's scope
   * checks use it (once per record for a type's rule, once per field for a field's own), so that they stay
   * synchronous across the records of a request.
   */
  authorizeNow(rule: AccessRule): true | Promise<true> {
    const caller = this.resolvedCaller
    if (caller) {
      const decision = decide(caller, rule)
      if (decision === null) return true
      if (decision !== 'agency') throw decision
      if (this.resolvedAgency !== undefined) {
        if (this.resolvedAgency) return true
        throw agencyNotBridged()
      }
    }
    return this.authorize(rule).then(() => true)
  }

  /** `authorizeAny` without waiting when every rule it must try is decided (see authorizeNow). */
  authorizeAnyNow(rules: readonly AccessRule[]): true | Promise<true> {
    let refusal: unknown
    for (const rule of rules) {
      let outcome: true | Promise<true>
      try {
        outcome = this.authorizeNow(rule)
      } catch (e) {
        if (!(e instanceof AppError) || e.kind !== 'forbidden') throw e
        refusal = e
        continue
      }
      if (outcome === true) return true
      return this.authorizeAny(rules).then(() => true)
    }
    throw refusal
  }

  /** Resolves when any one of the rules lets the caller through; otherwise throws the last rule's refusal. */
  async authorizeAny(rules: readonly AccessRule[]): Promise<void> {
    let refusal: unknown
    for (const rule of rules) {
      try {
        return await this.authorize(rule)
      } catch (e) {
        if (!(e instanceof AppError) || e.kind !== 'forbidden') throw e
        refusal = e
      }
    }
    throw refusal
  }

  /** Whether the caller may read what `rule` guards: for the parts of a view a narrower permission does not show. */
  async may(rule: AccessRule): Promise<boolean> {
    try {
      await this.authorize(rule)
      return true
    } catch (e) {
      if (e instanceof AppError && e.kind === 'forbidden') return false
      throw e
    }
  }

  /** A request-scoped DataLoader, created on first use under `name`. */
  loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>): DataLoader<K, V> {
    let l = this.loaders.get(name)
    if (!l) {
      l = new DataLoader(batch as (keys: readonly unknown[]) => Promise<unknown[]>)
      this.loaders.set(name, l)
    }
    return l as DataLoader<K, V>
  }

  /** Fields for log lines: who called, never how (no tokens, no keys). */
  logFields(): { userId?: string; companyId?: string; caller?: string } {
    const c = this.resolvedCaller
    if (!c) return {}
    return c.kind === 'user' ? { userId: c.userId, companyId: c.orgId, caller: 'user' } : { caller: 'machine' }
  }
}
