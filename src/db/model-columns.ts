// A model's stored fields with their columns, read from the generated datamodel: the one list that the
// statements written by hand (src/db/record-json.ts, the booking steps' reads) take to read what Prisma reads,
// so a column added to the schema shows in them at once.
import type { Prisma } from '../generated/prisma/client.ts'
import { getDatamodel } from '../generated/pothos-types.ts'

export interface ModelColumn {
  name: string
  /** The schema maps every field to its snake_case column (prisma/schema.prisma's convention). */
  column: string
  type: string
  isEnum: boolean
  isList: boolean
}

/**
 * Fields the database keeps for its own reads, shown by no face (REST answers, their OpenAPI schemas): the folded name
 * every searched model carries for its trigram index (src/search.ts), and whether a window's artist is listed (the
 * availability search's partial indexes).
 */
export const DATABASE_ONLY_FIELDS: ReadonlySet<string> = new Set(['nameSearch', 'artistListed'])

const known = new Map<Prisma.ModelName, ModelColumn[]>()

/** The scalar and enum fields of `model`, in the schema's order (relations and unsupported types left out). */
export function modelColumns(model: Prisma.ModelName): ModelColumn[] {
  let columns = known.get(model)
  if (!columns) {
    columns = (getDatamodel().datamodel.models[model]?.fields ?? [])
      .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
      .map((f) => ({
        name: f.name,
        column: f.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
        type: f.type,
        isEnum: f.kind === 'enum',
        isList: f.isList,
      }))
    known.set(model, columns)
  }
  return columns
}
