// Reading a record as part of another read. Directory records (artists, agencies, roster links) are read
// under `directory.read`; but a read that is *about* one of them shows it too: a deal shows its artist
// and agency (`bookings.read`), an availability window and a search hit their artist (`availability.read`),
// the agency's roster and its representation claims their artists and agencies (`roster.read`). Such a
// record is a card: its own fields, shown under the rule of the read that reached it; its relations keep
// their own rules. Both faces ask `rulesToRead` (GraphQL type scopes) or `readsAs` (REST views).
import type { AccessRule } from './catalog.ts'

const READ_AS = Symbol('readAs')

type Readable = { [READ_AS]?: AccessRule }

/** Marks a record as reached through a read guarded by `rule` (not serialized: a symbol key). */
export function readAs<T extends object | null | undefined>(rule: AccessRule, record: T): T {
  if (record) Object.defineProperty(record, READ_AS, { value: rule, enumerable: false, configurable: true })
  return record
}

/** Marks each record of a list (see readAs). */
export const readAllAs = <T extends object>(rule: AccessRule, records: T[]): T[] => records.map((r) => readAs(rule, r))

/** The rules any one of which lets the caller read the record: the one that reached it, then its type's own. */
export function rulesToRead(record: object, typeRule: AccessRule): AccessRule[] {
  const via = (record as Readable)[READ_AS]
  return via && via !== typeRule ? [via, typeRule] : [typeRule]
}
