// Idempotency-Key for GraphQL mutations: the same guarantee, storage and rules as REST (src/idempotency.ts).
// The key is an HTTP header, so a gateway propagates it like `authorization` (docs/gateway.md), and it
// covers an operation with exactly one mutation field, which is what a gateway's query plan sends a
// subgraph for each mutation field of a client operation. The operation is fingerprinted as sent (document,
// operation name, variables); a retry gets the first answer back, marked with `idempotent-replayed: true`.
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server'
import { GraphQLError, isNonNullType, Kind, print, type DocumentNode, type FormattedExecutionResult, type SelectionSetNode } from 'graphql'
import type { RequestContext } from '../context.ts'
import { graphqlExtensions, toAppError } from '../errors.ts'
import { claimKey, fingerprintOf, IDEMPOTENCY_HEADER, REPLAYED_HEADER, type ClaimedKey } from '../idempotency.ts'

/** The operation's root fields (fragments included, __typename left out): response key → field name. */
function rootFields(selectionSet: SelectionSetNode, document: DocumentNode, into = new Map<string, string>()): Map<string, string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') into.set(selection.alias?.value ?? selection.name.value, selection.name.value)
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      rootFields(selection.selectionSet, document, into)
    } else {
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value)
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) rootFields(fragment.selectionSet, document, into)
    }
  }
  return into
}

const singleResult = (result: FormattedExecutionResult, headers = new HeaderMap()) => ({
  http: { status: undefined, headers },
  body: { kind: 'single' as const, singleResult: result },
})

export const idempotentMutations: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    let claim: ClaimedKey | undefined
    let responseKey = ''
    return {
      async didResolveOperation(rc) {
        const key = rc.request.http?.headers.get(IDEMPOTENCY_HEADER)
        if (key === undefined || rc.operation?.operation !== 'mutation') return
        if (rootFields(rc.operation.selectionSet, rc.document).size !== 1)
          throw new GraphQLError('an Idempotency-Key covers an operation with exactly one mutation field', {
            extensions: { code: 'BAD_USER_INPUT', reason: 'idempotency_key_scope', http: { status: 400 } },
          })
      },

      async responseForOperation(rc) {
        const key = rc.request.http?.headers.get(IDEMPOTENCY_HEADER)
        if (key === undefined || rc.operation.operation !== 'mutation') return null
        const [[alias, fieldName] = ['', '']] = rootFields(rc.operation.selectionSet, rc.document)
        responseKey = alias
        const fingerprint = fingerprintOf(
          `GRAPHQL ${rc.operationName ?? ''}\n${print(rc.document)}\n${JSON.stringify(rc.request.variables ?? {})}`,
        )
        try {
          const outcome = await claimKey(rc.contextValue, key, fingerprint)
          if (outcome.kind === 'claimed') {
            claim = outcome
            return null
          }
          return singleResult(outcome.answer.body as FormattedExecutionResult, new HeaderMap([[REPLAYED_HEADER, 'true']]))
        } catch (e) {
          // Refused before running: the field is null with its error, as any refusal of a mutation field is.
          const app = toAppError(e)
          const fields = { ...rc.contextValue.logFields(), path: responseKey, code: app.code }
          if (app.kind === 'internal') rc.contextValue.log.error({ ...fields, err: app.cause ?? app }, 'graphql error')
          else rc.contextValue.log.warn(fields, app.message)
          const field = rc.schema.getMutationType()?.getFields()[fieldName]
          return singleResult({
            data: field && isNonNullType(field.type) ? null : { [responseKey]: null },
            errors: [{ message: app.message, path: [responseKey], extensions: graphqlExtensions(app) }],
          })
        }
      },

      async willSendResponse(rc) {
        if (!claim) return
        const body = rc.response.body
        const result = body.kind === 'single' ? body.singleResult : body.initialResult
        try {
          // A mutation field that came back null failed, and its service rolled back: the key is free again.
          if (result.data?.[responseKey] == null) await claim.release()
          else await claim.settle({ status: 200, body: { data: result.data, ...(result.errors ? { errors: result.errors } : {}) } })
        } catch (e) {
          // The mutation's answer still goes out; its key stays in flight until the lease ends.
          rc.contextValue.log.error({ ...rc.contextValue.logFields(), err: e }, 'idempotency record not stored')
        }
      },
    }
  },
}
