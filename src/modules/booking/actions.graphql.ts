// The GraphQL face of "what can I do next" (actions.ts): per object type an action enum, its actions now,
// and why each other action is not open, with a stable reason code.
import type { RequestContext } from '../../context.ts'
import { builder } from '../../graphql/builder.ts'
import { graphqlEnum } from '../../graphql/inputs.ts'
import { BLOCK_REASONS, type ActionsView } from './actions.ts'

const ReasonEnum = builder.enumType('ActionBlockReason', {
  description: 'Why an action is not open to the signed-in company now',
  values: Object.fromEntries(Object.entries(BLOCK_REASONS).map(([v, description]) => [v.toUpperCase(), { value: v, description }])),
})

/**
 * The `actions` and `blockedActions` fields of an object type, computed once per object (both fields of
 * one object share the answer).
 */
export function actionFields<P extends object, A extends string>(
  name: string,
  values: readonly A[],
  compute: (ctx: RequestContext, parent: P) => Promise<ActionsView<A>>,
) {
  const ActionEnum = graphqlEnum(`${name}Action`, Object.fromEntries(values.map((v) => [v, v])) as Record<A, A>)
  const Blocked = builder.objectRef<{ action: A; reason: string; message: string }>(`${name}BlockedAction`).implement({
    description: 'An action the signed-in company cannot take now, and why',
    fields: (t) => ({
      action: t.field({ type: ActionEnum, resolve: (b) => b.action as never }),
      reason: t.field({ type: ReasonEnum, resolve: (b) => b.reason as never }),
      message: t.exposeString('message'),
    }),
  })
  const memo = new WeakMap<P, Promise<ActionsView<A>>>()
  const viewOf = (ctx: RequestContext, parent: P) => {
    let view = memo.get(parent)
    if (!view) memo.set(parent, (view = compute(ctx, parent)))
    return view
  }
  return { ActionEnum, Blocked, viewOf }
}
