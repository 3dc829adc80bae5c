// Name searches ignore accents and case ("sate" finds "Los Satélites", "cafe" finds "Café"). The stored
// side is each table's generated `name_search` column, PostgreSQL's search_fold(name): unaccent() then
// lower(), under a trigram index (migration accent_insensitive_search). The query side is folded here the
// same way, so a plain LIKE on the folded column can use that index.
import { Prisma } from './generated/prisma/client.ts'

// Letters unaccent's rules rewrite that Unicode does not decompose into a base letter and a mark.
const LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' }

/** The query text as search_fold folds stored names: no accents, lower case. */
export const searchFold = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => LETTERS[c] ?? c)

/**
 * nameContains on the row `x` of a hand-written statement (false: no filter). Like Prisma's `contains`, the
 * folded query's `%` and `_` are not escaped.
 */
export const nameContainsSql = (q: string | undefined) => q !== undefined && Prisma.sql`x.name_search LIKE ${`%${searchFold(q)}%`}`

/** A Prisma filter on a folded name column: contains the folded query (undefined: no filter). */
export const nameContains = (q: string | undefined) => (q ? { contains: searchFold(q) } : undefined)
