// Regenerates the committed artifacts derived from the code:
//   schema.graphql        the subgraph SDL (CI compares it with the code: npm run schema:check)
//   docs/permissions.md   the permission catalog and where each rule is enforced (a test compares it)
//   docs/events.md        the event catalog of the outbox (subjects, payload fields, versions)
//
//   npm run generate      (npm run schema:print is the same)
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { permissionsDoc } from '../src/access/catalog-doc.ts'
import { eventsDoc } from '../src/modules/outbox/catalog-doc.ts'
import { routes } from '../src/routes.ts'
import { printSchema } from '../src/schema.ts'

// Resolved from this file so the script works from any working directory.
const at = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url))
const sdl = printSchema()
writeFileSync(at('schema.graphql'), sdl)
mkdirSync(at('docs'), { recursive: true })
writeFileSync(at('docs/permissions.md'), permissionsDoc(sdl, routes))
writeFileSync(at('docs/events.md'), eventsDoc())
console.log('wrote schema.graphql, docs/permissions.md and docs/events.md')
