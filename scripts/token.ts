// Mints a dev-mode token and records the matching grant (effective access) in the dev grants file.
//
//   npm run token -- --as agency | promoter | unbridged
//   npm run token -- --user <uuid> --org <uuid> --modules artist --permissions artist.directory.read,artist.directory.manage
//
// Works only for a service in dev identity mode (AUTH_MODE=dev, the default without AUTH_URL).
import { parseArgs } from 'node:util'
import { MODULES, PERMISSIONS } from '../src/access/catalog.ts'
import { mintDevToken, writeGrant } from '../src/auth/dev-identity.ts'
import { loadConfig } from '../src/config.ts'
import { DEMO_USERS as PRESETS } from '../src/demo.ts'

const { values } = parseArgs({
  options: {
    as: { type: 'string' },
    user: { type: 'string' },
    org: { type: 'string' },
    modules: { type: 'string' },
    permissions: { type: 'string' },
    role: { type: 'string', default: 'ADMIN' },
    ttl: { type: 'string', default: '43200' },
    quiet: { type: 'boolean', default: false },
  },
})

const config = loadConfig()
if (config.auth.mode !== 'dev') {
  console.error('The service is configured for a real Auth service (AUTH_URL is set); get tokens from Auth.')
  process.exit(2)
}
const preset = values.as ? PRESETS[values.as as keyof typeof PRESETS] : undefined
if (values.as && !preset) {
  console.error(`unknown preset ${values.as}; presets: ${Object.keys(PRESETS).join(', ')}`)
  process.exit(2)
}
const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
const grant = {
  userId: values.user ?? preset?.userId ?? '',
  orgId: values.org ?? preset?.orgId ?? '',
  tenantRole: values.role!,
  modules: values.modules !== undefined ? list(values.modules) : [...(preset?.modules ?? [])],
  permissions: values.permissions !== undefined ? list(values.permissions) : [...(preset?.permissions ?? [])],
}
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
if (!uuid.test(grant.userId) || !uuid.test(grant.orgId)) {
  console.error('usage: npm run token -- --as agency|promoter|unbridged, or --user <uuid> --org <uuid> [--modules a,b] [--permissions x,y]')
  console.error(`modules: ${Object.keys(MODULES).join(', ')}\npermissions: ${Object.keys(PERMISSIONS).join(', ')}`)
  process.exit(2)
}

writeGrant(config.auth.identityDir, grant)
const token = await mintDevToken({
  dir: config.auth.identityDir,
  issuer: config.auth.issuer,
  audience: config.auth.audience,
  userId: grant.userId,
  ttlSeconds: Number(values.ttl),
})
if (values.quiet) {
  console.log(token)
} else {
  console.log(`user ${grant.userId} in company ${grant.orgId}`)
  console.log(`modules: ${grant.modules.join(', ') || '(none)'}\npermissions: ${grant.permissions.join(', ') || '(none)'}\n`)
  console.log(`export TOKEN=${token}`)
  console.log(`export ORG=${grant.orgId}\n`)
  console.log(`curl -H "Authorization: Bearer $TOKEN" -H "x-org: $ORG" http://localhost:${config.port}/api/v1/artists`)
}
