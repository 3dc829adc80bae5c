// JSON request bodies, for both faces: bounded in size (Fastify's bodyLimit, a 413) and in nesting depth (a
// 400), checked on the raw text before it is parsed. Everything downstream walks a body recursively
// (JSON.stringify for the Idempotency-Key fingerprint, zod, GraphQL's variable coercion), so a body 20,000
// levels deep must never get that far.
import type { FastifyInstance } from 'fastify'
import { AppError } from './errors.ts'

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Whether JSON text nests objects/arrays deeper than `max` (one linear pass; brackets in strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--
  }
  return false
}

/** Replaces Fastify's JSON parser with the same parser behind a nesting-depth check. */
export function boundJsonBodies(app: FastifyInstance, maxDepth: number) {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string
    if (nestsDeeperThan(text, maxDepth)) {
      done(
        new AppError('validation', `the JSON body nests deeper than ${maxDepth} levels`, {
          fields: [{ field: 'body', message: `nested deeper than ${maxDepth} levels` }],
        }),
        undefined,
      )
      return
    }
    // Fastify's default parser answers through `done`; its return value carries nothing.
    void parse(req, text, done)
  })
}
