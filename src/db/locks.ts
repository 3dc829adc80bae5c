// Transaction-scoped advisory locks: serialize the writers of one logical resource (a slug, an artist's
// representation) without locking rows that may not exist yet. Released at commit or rollback.
import type { Tx } from './client.ts'

export async function advisoryLock(tx: Tx, key: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${key}, 0))`
}
