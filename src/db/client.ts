// The Prisma client over node-postgres. One per process (per test database in the tests).
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'

export type Db = PrismaClient
/** A client or an interactive transaction: what domain services write through. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>

export interface DbOptions {
  url: string
  poolMax?: number
  /** Called with every SQL statement Prisma sends (tests count them). */
  onQuery?: (sql: string) => void
}

export function createDb({ url, poolMax = 10, onQuery }: DbOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, max: poolMax })
  const db = new PrismaClient({ adapter, log: onQuery ? [{ emit: 'event', level: 'query' }] : [] })
  if (onQuery) db.$on('query' as never, (e: { query: string }) => onQuery(e.query))
  return db
}
