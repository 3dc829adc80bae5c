// The OpenAPI document is generated from the same route declarations the server registers: every route
// is in it, with its access rule, request schemas, and response schemas whose references resolve.
import { beforeAll, describe, expect, it } from 'vitest'
import { routes } from '../src/routes.ts'
import { useHarness } from './support/app.ts'

const h = useHarness()
let doc: any

beforeAll(async () => {
  const r = await h.app.rest('GET', '/api/v1/openapi.json')
  expect(r.status).toBe(200)
  doc = r.body
})

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}')

describe('OpenAPI document', () => {
  it('is OpenAPI 3 and lists every REST route the server registers, and only those', () => {
    expect(doc.openapi).toMatch(/^3\./)
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    )
    const registered = [...routes.map((r) => `${r.method} ${openApiPath(r.url)}`), 'GET /health', 'GET /ready']
    expect(documented.sort()).toEqual(registered.sort())
    expect(routes.length).toBeGreaterThan(40)
  })

  it('documents the access rule and security of each protected route', () => {
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.url)][r.method.toLowerCase()]
      expect(op.summary, `${r.method} ${r.url}`).toBeTruthy()
      if (r.access === 'public') continue
      expect(op['x-access'].rule).toBe(r.access)
      expect(op.security.length).toBeGreaterThan(0)
      expect(op.description).toContain(`Access rule \`${r.access}\``)
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '503']))
    }
    const create = doc.paths['/api/v1/artists'].post
    expect(create.security).toEqual([{ bearerAuth: [], orgHeader: [] }, { internalApiKey: [] }])
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['name'])
    const list = doc.paths['/api/v1/artists'].get
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['page', 'limit', 'q', 'genreId', 'countryCode']),
    )
  })

  it('only references component schemas that exist, and describes the list envelope', () => {
    const refs = new Set<string>()
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk)
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.add(v)
          else walk(v)
        }
      }
    }
    walk(doc.paths)
    expect(refs.size).toBeGreaterThan(5)
    for (const ref of refs) {
      const name = ref.replace('#/components/schemas/', '')
      expect(doc.components.schemas[name], ref).toBeDefined()
    }
    const listData = doc.paths['/api/v1/artists'].get.responses['200'].content['application/json'].schema.properties.data
    expect(listData.required).toEqual(['items', 'total', 'totalCapped', 'page', 'limit'])
    expect(doc.components.schemas.Artist.properties.kind.enum).toEqual(['solo', 'band', 'dj', 'ensemble', 'other'])
  })
})
