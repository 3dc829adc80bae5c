// Directory writes with their outbox event: the change and its `directory.<record>.<change>` event commit
// together, so other services (and the GET cache's invalidation) learn of every change the directory makes.
import type { RequestContext } from '../../context.ts'
import type { Tx } from '../../db/client.ts'
import { recordEvent } from '../outbox/record.ts'

export type DirectoryRecord = 'artist' | 'agency' | 'person' | 'genre' | 'geo'

/** Records `directory.<record>.<change>` for a record written in `tx`. */
export const recordDirectoryChange = (tx: Tx, record: DirectoryRecord, change: string, id: string) =>
  recordEvent(tx, { type: `directory.${record}.${change}`, aggregateId: id, orgIds: [], payload: { id } })

/** A row selection that reads the id too (a GraphQL selection may not ask for it; the event needs it). */
export const withId = <Q extends { select?: object }>(query: Q): Q =>
  query.select ? { ...query, select: { ...query.select, id: true } } : query

/**
 * Runs one directory write in a transaction with its event: about the written row, or about `recordId` when
 * the row belongs to it (an artist's platform account changes the artist).
 */
export function directoryChange<T extends { id: string }>(
  ctx: RequestContext,
  record: DirectoryRecord,
  change: string,
  write: (tx: Tx) => Promise<T>,
  recordId?: string,
): Promise<T> {
  return ctx.db.$transaction(async (tx) => {
    const row = await write(tx)
    await recordDirectoryChange(tx, record, change, recordId ?? row.id)
    return row
  })
}
