// A fresh database for one test file, cloned from the migrated template.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'

export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = inject('pgServerUrl')
  const template = inject('templateDatabase')
  // artists_test_template_<pid> → artists_test_<pid>_<random>: the global teardown drops leftovers by prefix.
  const name = `artists_test_${template.split('_').pop()}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  // CREATE DATABASE ... TEMPLATE needs the template free of other sessions; retry briefly if a parallel clone holds it.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)
      break
    } catch (e) {
      if (attempt > 50 || !String((e as Error).message).includes('being accessed by other users')) throw e
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100))
    }
  }
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await c.end()
    },
  }
}
