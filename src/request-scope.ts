// The request a piece of work belongs to, for code deep below the faces that has no request context in
// hand (the outbox writer stamps every event with it). Entered once per HTTP request by the server.
import { AsyncLocalStorage } from 'node:async_hooks'

const scope = new AsyncLocalStorage<{ requestId: string; eventTypes: Set<string> }>()

export const runInRequest = <T>(requestId: string, work: () => T): T => scope.run({ requestId, eventTypes: new Set() }, work)

/** The x-request-id of the HTTP request this code runs for; null for work outside one (sweeps, the relay). */
export const currentRequestId = (): string | null => scope.getStore()?.requestId ?? null

/** Notes that the request wrote an outbox event of this type (the GET cache invalidates by it before answering). */
export const noteEventWritten = (type: string): void => void scope.getStore()?.eventTypes.add(type)

/** The outbox event types the current request wrote (written in a transaction that may still roll back). */
export const eventTypesWritten = (): ReadonlySet<string> => scope.getStore()?.eventTypes ?? new Set()
