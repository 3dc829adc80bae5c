// npm run db:migrate            apply pending migrations (idempotent)
// npm run db:migrate -- status  show the migration history diagnosis
// npm run db:migrate -- create <name>   write a migration for the changes in prisma/schema.prisma
import { applyMigrations, createMigration, migrationStatus } from '../src/db/migrations.ts'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is not set (npm start runs migrations itself on the embedded database).')
  process.exit(2)
}
// DEBUG_SCHEMA_ENGINE=1 prints the schema engine's own log lines.
const options = process.env.DEBUG_SCHEMA_ENGINE ? { engineLog: (line: string) => console.error(line) } : {}
const [command = 'deploy', name] = process.argv.slice(2)
if (command === 'deploy') {
  const applied = await applyMigrations(url, options)
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
} else if (command === 'status') {
  console.log(JSON.stringify(await migrationStatus(url, options), null, 2))
} else if (command === 'create' && name && /^[a-z0-9_]+$/.test(name)) {
  const created = await createMigration(url, name, options)
  console.log(created ? `wrote ${created.dir}\n\n${created.sql}` : 'schema.prisma and the migrations agree: nothing to write')
} else {
  console.error('usage: migrate [deploy | status | create <snake_case_name>]')
  process.exit(2)
}
process.exit(0)
