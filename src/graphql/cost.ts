// The query cost limit (GRAPHQL_MAX_COST). It is computed once the operation and its variables are known,
// so `first: $n` with n = 100 costs what `first: 100` costs (a validation rule sees only literals), and
// `@include(if: $x)` / `@skip` drop what they drop. graphql-query-complexity walks the operation (fragments
// flattened, abstract types at their costliest member); the estimator below is the cost model.
import type { ApolloServerPlugin } from '@apollo/server'
import {
  getNamedType,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  Kind,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql'
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity'
import type { RequestContext } from '../context.ts'
import { DEFAULT_PAGE_SIZE } from '../pagination.ts'

const SCALAR_COST = 1
const OBJECT_COST = 2
/** Each level of nesting weighs more than the one above it: deep selections multiply database work. */
const DEPTH_FACTOR = 1.5

/** How many times a field's selection is resolved: the page it asks for, or the entities it names. */
function multiplier(args: Record<string, unknown>, hasPaging: boolean): number {
  for (const name of ['first', 'last']) {
    const n = args[name]
    if (typeof n === 'number' && n > 0) return n
  }
  if (Array.isArray(args.representations)) return Math.max(args.representations.length, 1)
  // A connection asked without a size still serves its default page.
  return hasPaging ? DEFAULT_PAGE_SIZE : 1
}

const estimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  // Introspection is served from the schema, not the database (GraphiQL and codegen send large ones).
  if (field.name === '__schema' || field.name === '__type') return 0
  if (!isCompositeType(getNamedType(field.type))) return SCALAR_COST
  const hasPaging = field.args.some((a) => a.name === 'first')
  return (OBJECT_COST + DEPTH_FACTOR * childComplexity) * multiplier(args, hasPaging)
}

/** The cost of one operation of `document` with its variables (the figure GRAPHQL_MAX_COST bounds). */
function queryCost(
  schema: GraphQLSchema,
  document: Parameters<typeof getComplexity>[0]['query'],
  variables: Record<string, unknown>,
  operationName?: string,
) {
  return getComplexity({ schema, query: document, variables, operationName, estimators: [estimator] })
}

/** The arguments the cost model reads (multiplier below); any other argument leaves the cost unchanged. */
const COSTED_ARGUMENTS = new Set(['first', 'last', 'representations'])

function variablesIn(value: ValueNode, into: Set<string>) {
  if (value.kind === Kind.VARIABLE) into.add(value.name.value)
  else if (value.kind === Kind.LIST) for (const item of value.values) variablesIn(item, into)
  else if (value.kind === Kind.OBJECT) for (const field of value.fields) variablesIn(field.value, into)
}

/**
 * The variables a document's cost depends on: those of a costed argument and of any directive (`@include`,
 * `@skip`), wherever they appear. The cursor, a filter, an id do not change what a page costs.
 */
function costedVariables(document: DocumentNode): { direct: Set<string>; nested: Set<string> } {
  const direct = new Set<string>()
  const nested = new Set<string>()
  visit(document, {
    Field(node) {
      for (const argument of node.arguments ?? []) {
        if (!COSTED_ARGUMENTS.has(argument.name.value)) continue
        if (argument.name.value === 'representations' && argument.value.kind === Kind.VARIABLE) direct.add(argument.value.name.value)
        else variablesIn(argument.value, nested)
      }
    },
    Directive(node) {
      for (const argument of node.arguments ?? []) variablesIn(argument.value, nested)
    },
  })
  return { direct, nested }
}

/**
 * The key of a cost among the operation's: the values of the variables it depends on. `representations` by
 * their number only (the model charges per entity), so a batch of 100 ids costs one computation per size.
 */
function costKey(plan: ReturnType<typeof costedVariables>, operationName: string | undefined, variables: Record<string, unknown>) {
  const values: unknown[] = [operationName ?? '']
  for (const name of plan.direct) {
    const value = variables[name]
    values.push(Array.isArray(value) ? value.length : value === undefined ? null : { value })
  }
  for (const name of plan.nested) values.push(variables[name] === undefined ? null : { value: variables[name] })
  return JSON.stringify(values)
}

/** At most this many allowed costs are kept per document (distinct page sizes, batch sizes, directive switches). */
const COSTS_PER_DOCUMENT = 64

/** Refuses, before execution, an operation whose cost is over `maxCost`: 400 GRAPHQL_VALIDATION_FAILED. */
export function costLimit(maxCost: number): ApolloServerPlugin<RequestContext> {
  // Apollo hands the same parsed document to every request of the same query text (its document store), so a
  // cost within the limit is computed once per document and the values it depends on, not once per request:
  // walking the operation and coercing its variables twice was a few percent of a small page's CPU.
  const plans = new WeakMap<DocumentNode, { plan: ReturnType<typeof costedVariables>; allowed: Set<string> }>()
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          const variables = request.variables ?? {}
          let known = plans.get(document)
          if (!known) plans.set(document, (known = { plan: costedVariables(document), allowed: new Set() }))
          const key = costKey(known.plan, operation?.name?.value, variables)
          // Only costs within the limit are kept: a request over it takes the full path below, as it always did.
          if (known.allowed.has(key)) return
          // Variables that do not fit their types are execution's to refuse, with its own message.
          if (operation && getVariableValues(schema, operation.variableDefinitions ?? [], variables).errors) return
          const cost = queryCost(schema, document, variables, operation?.name?.value)
          if (cost > maxCost) {
            throw new GraphQLError(
              `Query cost ${Math.ceil(cost)} is over the limit of ${maxCost}: ask for smaller pages or fewer fields.`,
              {
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
              },
            )
          }
          if (known.allowed.size >= COSTS_PER_DOCUMENT) known.allowed.clear()
          known.allowed.add(key)
        },
      }
    },
  }
}
