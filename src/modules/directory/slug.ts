// URL-safe, unique slugs for directory records ("Rosalía" → "rosalia", then "rosalia-2"...).
import type { Tx } from '../../db/client.ts'
import { advisoryLock } from '../../db/locks.ts'

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return slug || 'untitled'
}

type SluggedTable = 'artists' | 'artists_companies' | 'genres'

/**
 * The first free slug for `name` in `table` (base, base-2, base-3...). Call it inside the transaction
 * that inserts the row: concurrent creators of the same name wait for each other's commit.
 */
export async function freeSlug(tx: Tx, table: SluggedTable, name: string): Promise<string> {
  const base = slugify(name)
  await advisoryLock(tx, `slug:${table}:${base}`)
  const rows = await tx.$queryRawUnsafe<{ slug: string }[]>(
    `SELECT slug FROM "${table}" WHERE slug = $1 OR slug LIKE $2`,
    base,
    `${base}-%`,
  )
  const taken = new Set(rows.map((r) => r.slug))
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`
}
