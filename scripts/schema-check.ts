// CI schema checks; exits non-zero if any fails (all checks run, so one CI run reports everything).
//
//   npm run schema:check
//   SCHEMA_BASE_REF=origin/main npm run schema:check
//
// 1. schema.graphql, docs/permissions.md and docs/events.md are up to date with the code (npm run generate).
// 2. The subgraph composes with each peer subgraph stand-in in test/peers/*.graphql.
// 3. No breaking change against schema.graphql at the base commit (SCHEMA_BASE_REF, default HEAD~1),
//    unless a commit in base..HEAD carries the trailer `Schema-Change: breaking-approved`.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { composeServices } from '@apollo/composition'
import { CriticalityLevel, diff } from '@graphql-inspector/core'
import { buildSubgraphSchema } from '@apollo/subgraph'
import { parse } from 'graphql'
import { permissionsDoc } from '../src/access/catalog-doc.ts'
import { eventsDoc } from '../src/modules/outbox/catalog-doc.ts'
import { routes } from '../src/routes.ts'
import { printSchema } from '../src/schema.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const schemaFile = join(root, 'schema.graphql')
const peersDir = join(root, 'test', 'peers')
const APPROVAL = /^\s*Schema-Change:\s*breaking-approved\s*$/im

let failed = false
const ok = (msg: string) => console.log(`ok    ${msg}`)
const skip = (msg: string) => console.log(`skip  ${msg}`)
const fail = (msg: string) => {
  failed = true
  console.error(`FAIL  ${msg}`)
}
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })

/** The first differing hunk, unified-diff style: enough to see what drifted without flooding the CI log. */
function firstHunk(before: string, after: string, file: string, max = 10): string {
  const a = before.split('\n')
  const b = after.split('\n')
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  // Both sides are back in step once 3 lines agree again (or both ended); the smallest skip wins.
  const inStep = (x: number, y: number) => [0, 1, 2].every((k) => (x + k >= a.length && y + k >= b.length) || a[x + k] === b[y + k])
  let endA = a.length
  let endB = b.length
  search: for (let skip = 1; skip <= 400; skip++) {
    for (let i = 0; i <= skip; i++) {
      if (inStep(start + i, start + skip - i)) {
        ;[endA, endB] = [start + i, start + skip - i]
        break search
      }
    }
  }
  const side = (lines: string[], sign: string) =>
    lines
      .slice(0, max)
      .map((l) => `${sign}${l}`)
      .concat(lines.length > max ? [`${sign}... (${lines.length - max} more lines)`] : [])
  return [
    `@@ ${file} line ${start + 1} (first difference) @@`,
    ...a.slice(Math.max(0, start - 2), start).map((l) => ` ${l}`),
    ...side(a.slice(start, endA), '-'),
    ...side(b.slice(start, endB), '+'),
    ...a.slice(endA, endA + 2).map((l) => ` ${l}`),
  ].join('\n')
}

function checkUpToDate(file: string, generated: string) {
  const path = join(root, file)
  if (!existsSync(path)) return fail(`${file} is missing: run \`npm run generate\` and commit it`)
  const committed = readFileSync(path, 'utf8')
  if (committed === generated) return ok(`${file} matches the code`)
  fail(
    `${file} is out of date with the code: run \`npm run generate\` and commit it\n` +
      `      (- ${file}, + generated)\n` +
      firstHunk(committed, generated, file),
  )
}

function checkComposition(generated: string) {
  const peers = existsSync(peersDir)
    ? readdirSync(peersDir)
        .filter((f) => f.endsWith('.graphql'))
        .sort()
    : []
  if (peers.length === 0) return fail(`no peer subgraphs found in ${peersDir}`)
  const artists = { name: 'artists', typeDefs: parse(generated), url: 'http://artists.invalid/graphql' }
  for (const file of peers) {
    const name = basename(file, '.graphql')
    let typeDefs
    try {
      typeDefs = parse(readFileSync(join(peersDir, file), 'utf8'))
    } catch (e) {
      fail(`test/peers/${file} does not parse: ${(e as Error).message}`)
      continue
    }
    const result = composeServices([artists, { name, typeDefs, url: `http://${name}.invalid/graphql` }])
    if (result.errors?.length) {
      fail(`does not compose with ${name} (test/peers/${file}):\n${result.errors.map((e) => `      - ${e.message}`).join('\n')}`)
    } else {
      ok(`composes with ${name} (${result.hints?.length ?? 0} hints)`)
    }
  }
}

/** Why the breaking-change check cannot run, or the base schema SDL and the ref it came from. */
function baseSchema(ref: string): { skip: string } | { sdl: string; commit: string } {
  let commit: string
  try {
    commit = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).trim()
  } catch {
    // First commit, shallow clone, unfetched branch or not a git checkout at all.
    return {
      skip: `base ref ${ref} does not resolve to a commit (first commit or shallow clone? fetch more history or set SCHEMA_BASE_REF)`,
    }
  }
  try {
    return { sdl: git('show', `${commit}:schema.graphql`), commit }
  } catch {
    return { skip: `base ref ${ref} (${commit.slice(0, 12)}) has no schema.graphql` }
  }
}

/**
 * Definitions of the federation and link specs' own directives: which of them a subgraph imports (and so
 * whether one is named `@extends` or `@federation__extends`) changes with the features it uses, and no
 * client ever sees them. Usages of directives on types and fields are still compared.
 */
const isFederationMachinery = (path: string | undefined) =>
  /^@(federation__\w+|link__\w+|link|key|extends|external|requires|provides|shareable|inaccessible|override|tag|composeDirective|interfaceObject)(\.|$)/.test(
    path ?? '',
  )

async function checkBreaking(current: string) {
  const ref = process.env.SCHEMA_BASE_REF || 'HEAD~1'
  const base = baseSchema(ref)
  if ('skip' in base) return skip(`breaking-change check: ${base.skip}`)
  // buildSubgraphSchema understands @link/@key/@policy (a plain buildSchema would need assumeValidSDL
  // and would then accept broken SDL); both sides gain the same _service/_entities, so those cancel out.
  let changes
  try {
    changes = await diff(buildSubgraphSchema(parse(base.sdl)), buildSubgraphSchema(parse(current)))
  } catch (e) {
    return fail(`breaking-change check: could not build the schemas to compare: ${(e as Error).message}`)
  }
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking && !isFederationMachinery(c.path))
  const against = `${ref} (${base.commit.slice(0, 12)})`
  if (breaking.length === 0) return ok(`no breaking changes against ${against} (${changes.length} other changes)`)
  const list = breaking.map((c) => `      - ${c.message}${c.path ? ` [${c.path}]` : ''}`).join('\n')
  if (APPROVAL.test(git('log', '--format=%B', `${base.commit}..HEAD`))) {
    return ok(`${breaking.length} breaking changes against ${against}, approved by a Schema-Change: breaking-approved trailer:\n${list}`)
  }
  fail(
    `${breaking.length} breaking changes against ${against}:\n${list}\n` +
      '      If intended (and the clients are ready), add the trailer line `Schema-Change: breaking-approved` to a commit message in the range.',
  )
}

const generated = printSchema()
checkUpToDate('schema.graphql', generated)
checkUpToDate('docs/permissions.md', permissionsDoc(generated, routes))
checkUpToDate('docs/events.md', eventsDoc())
checkComposition(generated)
// Compares the committed file (what the base commit also has), whether or not it is up to date.
await checkBreaking(existsSync(schemaFile) ? readFileSync(schemaFile, 'utf8') : generated)
if (failed) {
  console.error('\nschema check failed')
  process.exit(1)
}
