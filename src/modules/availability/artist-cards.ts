// Rendered artist cards (migration artist_cards): the search's hits serve an artist's REST JSON from its card while the
// card's version is the artist's current one, and build it (and write it back) otherwise. The rendering is the view's
// own SQL (src/db/record-json.ts): a card is keyed by the hash of that SQL, so a view that changes (a column added to
// the schema, another reader's view) never serves a card another rendering built.
import { createHash } from 'node:crypto'
import type { RequestContext } from '../../context.ts'
import type { JoinedJson } from '../../db/record-json.ts'
import { sqlOf } from '../../db/sql.ts'
import { Prisma } from '../../generated/prisma/client.ts'

/** The key of the cards `joined` renders: the hash of all of its SQL (a UUID's 128 bits of an MD5). */
export function cardShape(joined: JoinedJson): string {
  const hex = createHash('md5').update(JSON.stringify(joined)).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The hits statement's CTEs before the artists' relations: each hit's card of `shape` at its artist's current
 * version (`card`: its text, null when there is none), and the hits left to render (`todo`), over which the
 * relations' CTEs read. Both read in the statement's snapshot, so the version a card is written back with is the
 * one of the data it was built from.
 */
export const cardCtes = (shape: string) => `card AS MATERIALIZED (
      SELECT hit.id, coalesce(v.version, 0) AS version, c.text FROM hit
      LEFT JOIN artist_card_versions v ON v.artist_id = hit.id
      LEFT JOIN artist_cards c ON c.artist_id = hit.id AND c.shape = '${shape}'::uuid AND c.version = coalesce(v.version, 0)),
    todo AS (SELECT card.id FROM card WHERE card.text IS NULL)`

/** A card the hits statement rendered: its artist, the version it read, and the text. */
export interface BuiltCard {
  id: string
  version: bigint
  artist: string
}

/**
 * Writes back the cards a search rendered. A card never replaces one of a later version (a concurrent read that saw
 * the change); one whose artist was deleted meanwhile is refused by its foreign key. The search answers either way:
 * a card not written is rendered again by the next read, so a failure here is logged, never thrown.
 */
export async function keepCards(ctx: RequestContext, shape: string, cards: BuiltCard[]): Promise<void> {
  if (!cards.length) return
  const rows = JSON.stringify(cards.map((c) => ({ id: c.id, version: c.version.toString(), text: c.artist })))
  try {
    await sqlOf(ctx.db).$queryRaw(Prisma.sql`
      INSERT INTO artist_cards AS c (artist_id, shape, version, text)
      SELECT r.id, ${shape}::uuid, r.version, r.text FROM jsonb_to_recordset(${rows}::jsonb) AS r(id uuid, version bigint, text text)
      ORDER BY r.id
      ON CONFLICT (artist_id, shape) DO UPDATE SET version = excluded.version, text = excluded.text WHERE c.version < excluded.version`)
  } catch (e) {
    ctx.log.warn({ ...ctx.logFields(), err: e, cards: cards.length }, 'artist cards not written back')
  }
}
