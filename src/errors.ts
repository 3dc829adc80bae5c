// Domain errors and the one table that maps them to both faces: the REST envelope
// ({ success: false, error: { code, message } } + HTTP status) and GraphQL (extensions.code + reason).
// The status classes follow the platform's error contract: 401 is authentication, 403 authorization,
// 503 "could not determine access" or "a dependency cannot answer", never the other way round.
import { databaseFault } from './db/faults.ts'

export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal'

const KINDS: Record<ErrorKind, { status: number; code: string; graphql: string }> = {
  validation: { status: 400, code: 'validation_error', graphql: 'BAD_USER_INPUT' },
  unauthorized: { status: 401, code: 'unauthorized', graphql: 'UNAUTHENTICATED' },
  forbidden: { status: 403, code: 'forbidden', graphql: 'FORBIDDEN' },
  not_found: { status: 404, code: 'not_found', graphql: 'NOT_FOUND' },
  conflict: { status: 409, code: 'conflict', graphql: 'CONFLICT' },
  too_large: { status: 413, code: 'payload_too_large', graphql: 'PAYLOAD_TOO_LARGE' },
  unsupported_media_type: { status: 415, code: 'unsupported_media_type', graphql: 'UNSUPPORTED_MEDIA_TYPE' },
  too_many_requests: { status: 429, code: 'rate_limited', graphql: 'RATE_LIMITED' },
  unavailable: { status: 503, code: 'service_unavailable', graphql: 'SERVICE_UNAVAILABLE' },
  internal: { status: 500, code: 'internal_error', graphql: 'INTERNAL_SERVER_ERROR' },
}

export interface FieldIssue {
  /** Dotted path of the offending input field, e.g. "name" or "genreIds.2". */
  field: string
  message: string
}

export class AppError extends Error {
  readonly kind: ErrorKind
  /** Stable, machine-readable code (snake_case): the envelope's error.code, GraphQL's extensions.reason. */
  readonly code: string
  readonly fields?: FieldIssue[]
  /** For a 503: the dependency that could not answer (logged as a dependency fault, not as a bug). */
  readonly dependency?: { name: 'database' | 'auth' | 'redis'; reason: string }

  constructor(
    kind: ErrorKind,
    message: string,
    options: { code?: string; fields?: FieldIssue[]; cause?: unknown; dependency?: AppError['dependency'] } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'AppError'
    this.kind = kind
    this.code = options.code ?? KINDS[kind].code
    this.fields = options.fields
    this.dependency = options.dependency
  }

  get status(): number {
    return KINDS[this.kind].status
  }

  get graphqlCode(): string {
    return KINDS[this.kind].graphql
  }
}

/** How an AppError reads in a GraphQL answer: `code` (the class), `reason` (the envelope's code), `fields`. */
export const graphqlExtensions = (e: AppError) => ({ code: e.graphqlCode, reason: e.code, ...(e.fields ? { fields: e.fields } : {}) })

export const validationError = (fields: FieldIssue[]) =>
  new AppError('validation', fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join('; '), { fields })

export const invalidInput = (field: string, message: string) => validationError([{ field, message }])

export const notFound = (what: string, id?: string) => new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`)

export const conflict = (code: string, message: string) => new AppError('conflict', message, { code })

export const forbidden = (message: string, code?: string) => new AppError('forbidden', message, { code })

export const unauthorized = (message = 'invalid or expired token') => new AppError('unauthorized', message)

export const unavailable = (message: string, cause?: unknown) => new AppError('unavailable', message, { cause })

/** Auth could not answer (access resolution or the signing keys): fail closed, as a dependency fault. */
export const authUnavailable = (reason: 'access' | 'signing_keys', message = 'unable to resolve access', cause?: unknown) =>
  new AppError('unavailable', message, { cause, dependency: { name: 'auth', reason } })

/**
 * PostgreSQL could not answer (unreachable, connection lost, timed out, saturated). Nothing was written: a
 * transaction that lost its connection is rolled back by PostgreSQL, and a failed statement outside one
 * did not run. The one case no database can report is a connection lost while COMMIT is in flight; the
 * client's Idempotency-Key replays that write safely.
 */
export const databaseUnavailable = (reason: string, cause?: unknown) =>
  new AppError('unavailable', `the database is unavailable (${reason.replace(/_/g, ' ')}); nothing was written, retry shortly`, {
    cause,
    dependency: { name: 'database', reason },
  })

/** How long a client is told to wait (Retry-After) before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1

/** A dependency fault's cause in one line for the log: what failed, never a stack. */
export function causeOf(e: AppError): string | undefined {
  const cause = e.cause as { message?: unknown } | undefined
  return typeof cause?.message === 'string' ? cause.message.trim().split('\n').filter(Boolean).pop() : undefined
}

/** Prisma's known request errors, by code, for the cases a rule did not anticipate. */
interface PrismaKnownError {
  code: string
  meta?: { target?: unknown; modelName?: string; field_name?: unknown; constraint?: unknown }
}

function isPrismaKnownError(e: unknown): e is PrismaKnownError {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'PrismaClientKnownRequestError'
}

/** PostgreSQL's own error, as pg raises it (statements on the pool: src/db/sql.ts): its SQLSTATE and constraint. */
interface PgDatabaseError {
  code: string
  constraint?: string
}

function isPgDatabaseError(e: unknown): e is PgDatabaseError {
  return (
    typeof e === 'object' && e !== null && (e as { name?: string }).name === 'error' && typeof (e as { code?: unknown }).code === 'string'
  )
}

/** The SQLSTATE behind a Prisma or a pg error, when there is one. */
function sqlStateOf(e: unknown): string | undefined {
  if (isPgDatabaseError(e)) return e.code
  if (isPrismaKnownError(e)) return /"originalCode":"([0-9A-Z]{5})"/.exec(JSON.stringify(e.meta ?? {}))?.[1]
  return undefined
}

/** Whether a Prisma or a pg error is a unique violation (optionally: of the named index/constraint). */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  if (isPgDatabaseError(e)) return e.code === '23505' && (!constraint || e.constraint === constraint)
  if (!isPrismaKnownError(e) || e.code !== 'P2002') return false
  if (!constraint) return true
  return JSON.stringify(e.meta ?? {}).includes(constraint)
}

/** Whether a Prisma or a pg error is PostgreSQL's exclusion-constraint violation (23P01) of the named constraint. */
export function isExclusionViolation(e: unknown, constraint: string): boolean {
  if (isPgDatabaseError(e)) return e.code === '23P01' && e.constraint === constraint
  if (!isPrismaKnownError(e)) return false
  const meta = JSON.stringify(e.meta ?? {})
  return meta.includes('23P01') && meta.includes(constraint)
}

/** Any thrown value → an AppError; unknown failures become a masked internal error. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e
  const fault = databaseFault(e)
  if (fault) return databaseUnavailable(fault.reason, e)
  if (isUniqueViolation(e)) return conflict('already_exists', 'a record with the same unique values already exists')
  if (isPrismaKnownError(e)) {
    if (e.code === 'P2025') return notFound('record')
    if (e.code === 'P2003') return new AppError('validation', 'a referenced record does not exist', { code: 'validation_error' })
    if (e.code === 'P2034') return conflict('write_conflict', 'the record changed concurrently; retry the request')
  }
  // Safety nets for database guarantees a service did not name more precisely.
  const sqlState = sqlStateOf(e)
  if (sqlState === '23503') return new AppError('validation', 'a referenced record does not exist', { code: 'validation_error' })
  if (sqlState === '23P01') return conflict('overlap', 'this would overlap an existing record of the same kind')
  // A deadlock or a serialization failure on the pool directly (src/db/sql.ts): what Prisma answers as P2034.
  if (sqlState === '40P01' || sqlState === '40001') return conflict('write_conflict', 'the record changed concurrently; retry the request')
  if (sqlState === '22003') return new AppError('validation', 'a number is out of range', { code: 'validation_error' })
  // Caught earlier with the field named (src/validation.ts, src/dates.ts); these answer any path that is not.
  if (sqlState === '22021' || sqlState === '22P05') return new AppError('validation', 'text contains a character that cannot be stored')
  if (sqlState === '22008' || sqlState === '22007') return new AppError('validation', 'a date is outside the supported range')
  return new AppError('internal', 'internal server error', { cause: e })
}

/** The value, or a 404 when a lookup found nothing. */
export function found<T>(value: T | null | undefined, what: string, id?: string): T {
  if (value === null || value === undefined) throw notFound(what, id)
  return value
}
