// What the database holds, as one comparable value: a refused request must leave it exactly as it was
// (no row added, changed or removed in any table).
import type { Db } from '../../src/db/client.ts'

let tables: string[] | undefined

/** Per table: its row count and a hash of every row's content. */
export async function databaseState(db: Db): Promise<Record<string, string>> {
  tables ??= (
    await db.$queryRaw<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\_prisma%'
      ORDER BY table_name`
  ).map((t) => t.name)
  const union = tables
    .map(
      (t) =>
        `SELECT '${t}' AS name, count(*)::text || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS state FROM "${t}" x`,
    )
    .join(' UNION ALL ')
  const rows = await db.$queryRawUnsafe<{ name: string; state: string }[]>(union)
  return Object.fromEntries(rows.map((r) => [r.name, r.state]))
}
