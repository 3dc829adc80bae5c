// No import cycles, between files and between capability areas: src/modules/<area>/ counts as one node, so
// that areas stay layered (contracts build on booking, booking on representation and the directory...) even
// when no single file closes a loop. Run by `npm run lint`.
import madge from 'madge'

const graph = await madge('src', { fileExtensions: ['ts'], excludeRegExp: [/^generated\//], tsConfig: 'tsconfig.json' })

const fileCycles = graph.circular()
for (const cycle of fileCycles) console.error(`file cycle: ${[...cycle, cycle[0]].join(' → ')}`)

const areaOf = (file: string) => /^modules\/([^/]+)\//.exec(file)?.[1]
const areaDeps = new Map<string, Map<string, string>>()
for (const [file, deps] of Object.entries(graph.obj())) {
  const from = areaOf(file)
  if (!from) continue
  for (const dep of deps) {
    const to = areaOf(dep)
    if (!to || to === from) continue
    const edges = areaDeps.get(from) ?? new Map<string, string>()
    // One witness per edge, so the message names a file to change.
    if (!edges.has(to)) edges.set(to, `${file} → ${dep}`)
    areaDeps.set(from, edges)
  }
}

// Depth-first search; a node met again while still on the path closes a cycle.
const areaCycles: string[][] = []
const done = new Set<string>()
const visit = (area: string, path: string[]) => {
  if (done.has(area)) return
  const at = path.indexOf(area)
  if (at >= 0) {
    areaCycles.push([...path.slice(at), area])
    return
  }
  for (const next of areaDeps.get(area)?.keys() ?? []) visit(next, [...path, area])
  done.add(area)
}
for (const area of areaDeps.keys()) visit(area, [])
for (const cycle of areaCycles) {
  const witnesses = cycle.slice(1).map((to, i) => areaDeps.get(cycle[i] ?? '')?.get(to))
  console.error(`area cycle: ${cycle.join(' → ')}\n  ${witnesses.join('\n  ')}`)
}

if (fileCycles.length || areaCycles.length) process.exit(1)
console.log(`no import cycles (${Object.keys(graph.obj()).length} files, ${areaDeps.size} areas with outside imports)`)
