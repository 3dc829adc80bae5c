// The query cost limit (GRAPHQL_MAX_COST). It is computed once the operation and its variables are known,
// so `first: $n` with n = 100 costs what `first: 100` costs (a validation rule sees only literals), and
// `@include(if: $x)` / `@skip` drop what they drop. graphql-query-complexity walks the operation (fragments
// flattened, abstract types at their costliest member); the estimator below is the cost model.
import type { ApolloServerPlugin } from '@apollo/server'
import { getNamedType, getVariableValues, GraphQLError, isCompositeType, type GraphQLSchema } from 'graphql'
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

/** Refuses, before execution, an operation whose cost is over `maxCost`: 400 GRAPHQL_VALIDATION_FAILED. */
export function costLimit(maxCost: number): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Variables that do not fit their types are execution's to refuse, with its own message.
          if (operation && getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}).errors) return
          const cost = queryCost(schema, document, request.variables ?? {}, operation?.name?.value)
          if (cost > maxCost) {
            throw new GraphQLError(
              `Query cost ${Math.ceil(cost)} is over the limit of ${maxCost}: ask for smaller pages or fewer fields.`,
              {
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
              },
            )
          }
        },
      }
    },
  }
}
