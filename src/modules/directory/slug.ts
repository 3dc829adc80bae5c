// URL-safe, unique slugs for directory records ("Rosalía" → "rosalia", then "rosalia-2"...).
import { isUniqueViolation } from '../../errors.ts'

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

/**
 * Runs `insert` with the base slug, then with -2, -3... while the slug's unique index rejects it.
 * The index, not a prior read, decides: two concurrent creations of one name both succeed.
 */
export async function withUniqueSlug<T>(name: string, constraint: string, insert: (slug: string) => Promise<T>): Promise<T> {
  const base = slugify(name)
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`
    try {
      return await insert(slug)
    } catch (e) {
      if (!isUniqueViolation(e, constraint) || n >= 50) throw e
    }
  }
}
