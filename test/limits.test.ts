// Limits that mean what they say (issue 20): the query cost counts variables like literals, date-times
// need a time zone, one bad row never fails a list, empty connections have no cursors, nested lists page,
// searches ignore accents, money reads as one Money shape on both faces.
import { beforeAll, describe, expect, it } from 'vitest'
import { startApp, useHarness, type TestApp } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
let promoter: Session

beforeAll(async () => {
  promoter = await h.auth.session(PROMOTER_ACCESS)
})

describe('query cost', () => {
  // genres(first: n) { edges { node { id name } } } costs 16.25·n: n = 10 is 162.5, n = 11 is 178.75.
  let capped: TestApp
  beforeAll(async () => {
    capped = await startApp({ auth: h.auth, databaseUrl: h.database.url, env: { GRAPHQL_MAX_COST: '170' } })
    return () => capped.close()
  })
  const literal = (n: number) => `{ genres(first: ${n}) { edges { node { id name } } } }`
  const variable = 'query Page($n: Int) { genres(first: $n) { edges { node { id name } } } }'

  it('costs a variable page size like its literal twin, on both sides of the limit', async () => {
    for (const [n, allowed] of [
      [10, true],
      [11, false],
    ] as const) {
      const a = await capped.graphql(literal(n), {}, { as: promoter })
      const b = await capped.graphql(variable, { n }, { as: promoter })
      for (const r of [a, b]) {
        if (allowed) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined()
        else {
          expect(r.status).toBe(400)
          expect(r.data).toBeUndefined()
          expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED')
          expect(r.errors?.[0]?.message).toMatch(/^Query cost 179 is over the limit of 170/)
          expect(r.errors?.[0]?.message).not.toMatch(/syntax/i)
        }
      }
    }
  })

  it('counts page sizes reached through fragments, aliases and @include, and the default page when none is given', async () => {
    const fragment = 'query F($n: Int) { ...G } fragment G on Query { genres(first: $n) { edges { node { id name } } } }'
    expect((await capped.graphql(fragment, { n: 11 }, { as: promoter })).status).toBe(400)
    expect((await capped.graphql(fragment, { n: 10 }, { as: promoter })).errors).toBeUndefined()
    const included = 'query I($n: Int, $all: Boolean!) { genres(first: $n) { edges { node { id name @include(if: $all) } } } }'
    // Without the name a node costs 3.5 instead of 5: 11 rows fit (144), with it they do not.
    expect((await capped.graphql(included, { n: 11, all: false }, { as: promoter })).errors).toBeUndefined()
    expect((await capped.graphql(included, { n: 11, all: true }, { as: promoter })).status).toBe(400)
    // No `first`: the default page of 20 is what is served, and costed.
    expect((await capped.graphql('{ genres { edges { node { id name } } } }', {}, { as: promoter })).status).toBe(400)
  })

  it('leaves a bad variable to execution, which names it', async () => {
    const r = await capped.graphql('query P($n: Int) { genres(first: $n) { totalCount } }', { n: 'many' }, { as: promoter })
    expect(r.status).toBe(400)
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(r.errors?.[0]?.message).toMatch(/\$n/)
  })

  it('does not charge introspection', async () => {
    const r = await capped.graphql('{ __schema { types { name fields { name type { name ofType { name } } } } } }', {}, { as: promoter })
    expect(r.errors).toBeUndefined()
  })
})
