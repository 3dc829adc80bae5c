// Idempotency keys, for both faces: the first successful answer to a mutating call is stored and replayed to
// any retry with the same key (from the same user of the same company), so a retried call does nothing
// twice. A key reused for a different request is refused; a retry arriving while the first call runs is told
// to wait (409). Failed calls change nothing (services roll back), so their key is freed for the next
// attempt. A call whose answer could not be stored (or whose process died) keeps its key in flight until a
// lease ends, so a quick retry is told to wait rather than acting twice.
// REST reads the `Idempotency-Key` header per route (src/rest/route.ts), GraphQL per mutation operation
// (src/graphql/idempotency.ts); both fingerprint what they were asked and share this one table and its rules.
import { createHash } from 'node:crypto'
import type { RequestContext } from './context.ts'
import { AppError, conflict, isUniqueViolation } from './errors.ts'
import type { Prisma } from './generated/prisma/client.ts'
import { toJson } from './rest/json.ts'

export const IDEMPOTENCY_HEADER = 'idempotency-key'
/** Set on an answer that is the stored answer of an earlier call with the same key. */
export const REPLAYED_HEADER = 'idempotent-replayed'

const KEY = /^[\x21-\x7e]{1,255}$/
const TTL_MS = 24 * 3600_000
/** How long a call may stay in flight before its key counts as abandoned. */
const LEASE_MS = 60_000

export interface Answer {
  status: number
  body: unknown
}

/** A claimed key: the call runs, then its answer is stored (settle) or, when it failed, the key freed (release). */
export interface ClaimedKey {
  kind: 'claimed'
  settle(answer: Answer): Promise<void>
  release(): Promise<void>
}

export type Claim = ClaimedKey | { kind: 'replay'; answer: Answer }

/** What a key is bound to: a digest of everything that makes two calls the same request. */
export const fingerprintOf = (request: string) => createHash('sha256').update(request).digest('hex')

/** Claims `key` for the calling user and company, or answers with what an earlier call with it did. */
export async function claimKey(ctx: RequestContext, key: string, fingerprint: string): Promise<Claim> {
  if (!KEY.test(key))
    throw new AppError('validation', 'Idempotency-Key must be 1 to 255 printable characters', {
      fields: [{ field: 'Idempotency-Key', message: 'invalid' }],
    })
  const caller = await ctx.caller()
  // A key is the caller's own: another user of the same company retrying with the same key is another request.
  const scope = caller.kind === 'user' ? `org:${caller.orgId}:user:${caller.userId}` : 'machine'
  const db = ctx.db

  // Records older than a day no longer protect anything (anyone's: the table stays small), nor does this
  // key's record when its call has been in flight past the lease.
  const now = ctx.clock.now().getTime()
  await db.idempotencyRecord.deleteMany({
    where: {
      OR: [{ createdAt: { lt: new Date(now - TTL_MS) } }, { scope, key, statusCode: null, createdAt: { lt: new Date(now - LEASE_MS) } }],
    },
  })
  try {
    await db.idempotencyRecord.create({ data: { scope, key, fingerprint, createdAt: new Date(now) } })
  } catch (e) {
    if (!isUniqueViolation(e)) throw e
    const first = await db.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } })
    if (!first) throw conflict('idempotency_in_progress', 'a request with this Idempotency-Key just finished failing: retry')
    if (first.fingerprint !== fingerprint) {
      throw new AppError('validation', 'this Idempotency-Key was used for a different request', { code: 'idempotency_key_reused' })
    }
    if (first.statusCode === null)
      throw conflict('idempotency_in_progress', 'a request with this Idempotency-Key is still in progress: retry shortly')
    return { kind: 'replay', answer: { status: first.statusCode, body: first.body } }
  }
  const where = { scope_key: { scope, key } }
  return {
    kind: 'claimed',
    async settle(answer) {
      await db.idempotencyRecord.update({
        where,
        data: { statusCode: answer.status, body: JSON.parse(toJson(answer.body)) as Prisma.InputJsonValue },
      })
    },
    async release() {
      await db.idempotencyRecord.delete({ where })
    },
  }
}

/** Runs a call under an idempotency key: once, whatever the number of retries. */
export async function idempotent(
  ctx: RequestContext,
  key: string,
  fingerprint: string,
  run: () => Promise<Answer>,
): Promise<Answer & { replayed: boolean }> {
  const claim = await claimKey(ctx, key, fingerprint)
  if (claim.kind === 'replay') return { ...claim.answer, replayed: true }
  let answer: Answer
  try {
    answer = await run()
  } catch (e) {
    await claim.release()
    throw e
  }
  await claim.settle(answer)
  return { ...answer, replayed: false }
}
