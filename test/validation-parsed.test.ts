// A REST route's query, parsed before its handler runs, is taken as it is when the service parses it again with
// the same schema (src/validation.ts markParsed); any other schema, or an unmarked input, is parsed in full.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { markParsed, parseInput } from '../src/validation.ts'

const Filter = z.object({ q: z.string().max(3) })

describe('parseInput after markParsed', () => {
  it('answers the marked input itself for the schema that parsed it', () => {
    const parsed = markParsed(parseInput(Filter, { q: 'abc' }), Filter)
    expect(parseInput(Filter, parsed)).toBe(parsed)
  })

  it('parses in full with another schema, and an unmarked input, refusing what they refuse', () => {
    const parsed = markParsed(parseInput(Filter, { q: 'abc' }), Filter)
    expect(() => parseInput(z.object({ q: z.string().max(2) }), parsed)).toThrow(/validation|too big|at most/i)
    expect(() => parseInput(Filter, { q: 'abcd' })).toThrow()
    expect(parseInput(Filter, { q: 'abc', extra: 1 })).toEqual({ q: 'abc' })
  })
})
