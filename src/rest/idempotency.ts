// Idempotency-Key on mutating REST calls: the first successful answer is stored and replayed to any retry
// with the same key (from the same company), so a retried request does nothing twice. A key reused for a
// different request is refused; a retry arriving while the first call runs is told to wait (409).
// Failed calls change nothing (services roll back), so their key is freed for the next attempt.
import { createHash } from 'node:crypto'
import type { RequestContext } from '../context.ts'
import { AppError, conflict, isUniqueViolation } from '../errors.ts'
import type { Prisma } from '../generated/prisma/client.ts'

const KEY = /^[\x21-\x7e]{1,255}$/
const TTL_MS = 24 * 3600_000

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
  if (!KEY.test(key)) throw new AppError('validation', 'Idempotency-Key must be 1 to 255 printable characters', { fields: [{ field: 'Idempotency-Key', message: 'invalid' }] })
  const caller = await ctx.caller()
  const scope = caller.kind === 'user' ? `org:${caller.orgId}` : 'machine'
  const fingerprint = createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex')
  const db = ctx.db

  // Claim the key; a stale record (older than a day) no longer protects anything.
  await db.idempotencyRecord.deleteMany({ where: { scope, key, createdAt: { lt: new Date(Date.now() - TTL_MS) } } })
  try {
    await db.idempotencyRecord.create({ data: { scope, key, fingerprint } })
  } catch (e) {
    if (!isUniqueViolation(e)) throw e
    const first = await db.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } })
    if (!first) throw conflict('idempotency_in_progress', 'a request with this Idempotency-Key just finished failing: retry')
    if (first.fingerprint !== fingerprint) {
      throw new AppError('validation', 'this Idempotency-Key was used for a different request', { code: 'idempotency_key_reused' })
    }
    if (first.statusCode === null) throw conflict('idempotency_in_progress', 'a request with this Idempotency-Key is still in progress: retry shortly')
    return { status: first.statusCode, body: first.body, replayed: true }
  }

  try {
    const answer = await run()
    await db.idempotencyRecord.update({
      where: { scope_key: { scope, key } },
      data: { statusCode: answer.status, body: JSON.parse(JSON.stringify(answer.body)) as Prisma.InputJsonValue },
    })
    return { ...answer, replayed: false }
  } catch (e) {
    await db.idempotencyRecord.delete({ where: { scope_key: { scope, key } } })
    throw e
  }
}
