// Hostile free text on the hand-written search statements (marketplace tiers, directory lists): regex and LIKE
// characters, backslashes and quotes never give a 500, and the marketplace matches them literally.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let promoter: Session

beforeAll(async () => {
  promoter = await h.auth.session(PROMOTER_ACCESS)
  await h.app.db.$executeRawUnsafe(
    `INSERT INTO artists (id, name, slug, updated_at)
     SELECT gen_random_uuid(), name, 'probe-' || i, now() - i * interval '1 day'
     FROM unnest(ARRAY['Foo(bar* [x] {2} \\d+ ^$ |.? AC\\DC', 'Xfoo(bar', 'Ab\\', 'Ana_Solo', '50% Off', 'Probe ΣΑΣ', 'Probe 1²']) WITH ORDINALITY t(name, i)`,
  )
})

describe('hostile free text', () => {
  const qs = [
    '(bar',
    'foo(bar*',
    '[x]',
    '{2}',
    '\\d+',
    '^$',
    '|.?',
    'c\\dc',
    '\\',
    'b\\',
    '%',
    '_',
    'a_s',
    '0%',
    '²',
    'σας',
    "'",
    '"',
    '`',
    '\\\\',
    '.*',
    '(?i)',
    '***:',
    'x]',
  ]
  it('never answers 500 on the marketplace, whatever the sort', async () => {
    for (const q of qs)
      for (const sort of ['relevance', 'activity']) {
        const r = await h.app.rest('GET', `/api/v1/marketplace/artists?${new URLSearchParams({ q, sort })}`, { as: promoter })
        expect(r.status, `${q} ${sort} ${JSON.stringify(r.body)}`).toBe(200)
      }
  })
  it('matches literally on the marketplace', async () => {
    const slugs = async (q: string) =>
      (await h.app.rest('GET', `/api/v1/marketplace/artists?${new URLSearchParams({ q })}`, { as: promoter })).body.data.items.map(
        (i: { slug: string }) => i.slug,
      )
    // Both have it inside a word (after 'o'): the shorter name first.
    expect(await slugs('(bar')).toEqual(['probe-2', 'probe-1'])
    expect(await slugs('a_s')).toEqual(['probe-4'])
  })
  it('never answers 500 on the directory lists', async () => {
    for (const q of qs)
      for (const path of ['/api/v1/artists', '/api/v1/artists-companies', '/api/v1/people']) {
        const r = await h.app.rest('GET', `${path}?${new URLSearchParams({ q })}`, { as: promoter })
        expect(r.status, `${path} ${q} ${JSON.stringify(r.body)}`).toBe(200)
      }
  })
})
