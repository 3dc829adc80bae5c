// Idempotency-Key on mutating REST calls: the first successful answer is stored and replayed to any retry
// with the same key (from the same user of the same company), so a retried request does nothing twice. A key reused for a
// different request is refused; a retry arriving while the first call runs is told to wait (409).
// Failed calls change nothing (services roll back), so their key is freed for the next attempt. A call whose
// answer could not be stored (or whose process died) keeps its key in flight until a lease ends, so a
// quick retry is told to wait rather than acting twice.
import { createHash } from 'node:crypto'
import type { RequestContext } from '../context.ts'
import { AppError, conflict, isUniqueViolation } from '../errors.ts'
import type { Prisma } from '../generated/prisma/client.ts'

const KEY = /^[\x21-\x7e]{1,255}$/
const TTL_MS = 24 * 3600_000
/** How long a call may stay in flight before its key counts as abandoned. */
const LEASE_MS = 60_000

export interface Answer {
  status: number
  body: unknown
}

export async function idempotent(
  ctx: RequestContext,
  key: string,
  request: { method: string; url: string; body: unknown },
  run: () => Promise<Answer>,
): Promise<Answer & { replayed: boolean }> {
  if (!KEY.test(key))
    throw new AppError('validation', 'Idempotency-Key must be 1 to 255 printable characters', {
      fields: [{ field: 'Idempotency-Key', message: 'invalid' }],
    })
  const caller = await ctx.caller()
  // A key is the caller's own: another user of the same company retrying with the same key is another request.
  const scope = caller.kind === 'user' ? `org:${caller.orgId}:user:${caller.userId}` : 'machine'
  const fingerprint = createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex')
  const db = ctx.db

  // Claim the key. Records older than a day no longer protect anything (anyone's: the table stays small),
  // nor does this key's record when its call has been in flight past the lease.
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
    return { status: first.statusCode, body: first.body, replayed: true }
  }

  let answer: Answer
  try {
    answer = await run()
  } catch (e) {
    await db.idempotencyRecord.delete({ where: { scope_key: { scope, key } } })
    throw e
  }
  await db.idempotencyRecord.update({
    where: { scope_key: { scope, key } },
    data: { statusCode: answer.status, body: JSON.parse(JSON.stringify(answer.body)) as Prisma.InputJsonValue },
  })
  return { ...answer, replayed: false }
}
