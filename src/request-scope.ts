// The request a write belongs to, for code deep below the faces that has only the client it writes through
// in hand (the outbox writer stamps every event with it). The request context's client knows its request,
// and so does every transaction it opens: a writer finds its request from the client or transaction alone.
// (An AsyncLocalStorage did this before; on Node 20 it turns on promise hooks for every promise of the
// process, so every read paid for an id only writes use.)
import type { Db, Tx } from './db/client.ts'

export interface RequestScope {
  readonly requestId: string
  /** The outbox event types the request wrote (in transactions that may still roll back). */
  readonly eventTypes: Set<string>
}

const scopes = new WeakMap<object, RequestScope>()

/** `db` for one request: the same client, whose transactions (and itself) carry the request's scope. */
export function requestDb(db: Db, scope: RequestScope): Db {
  const scoped: Db = Object.create(db)
  const transaction = (work: unknown, options?: unknown) =>
    typeof work === 'function'
      ? db.$transaction((tx) => {
          scopes.set(tx, scope)
          return (work as (tx: Tx) => Promise<unknown>)(tx)
        }, options as never)
      : db.$transaction(work as never, options as never)
  Object.defineProperty(scoped, '$transaction', { value: transaction })
  scopes.set(scoped, scope)
  return scoped
}

/** The x-request-id of the HTTP request `db` writes for; null for work outside one (sweeps, the relay). */
export const requestIdOf = (db: object): string | null => scopes.get(db)?.requestId ?? null

/** Notes that `db`'s request wrote an outbox event of this type (the GET cache invalidates by it before answering). */
export const noteEventWritten = (db: object, type: string): void => void scopes.get(db)?.eventTypes.add(type)

/** `to` (a statement runner of src/db/sql.ts) writes for the request `from` writes for, if any. */
export function scopeAlong<T extends object>(from: object, to: T): T {
  const scope = scopes.get(from)
  if (scope) scopes.set(to, scope)
  return to
}
