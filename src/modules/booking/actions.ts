// "What can I do next": for each pipeline object, the actions the calling company may take now, and for
// each other action of the object why not — a stable reason code (the code the action would be refused
// with, where there is one) and a message. Computed here once; both faces show the same lists.
import type { RequestContext } from '../../context.ts'
import type { AccessRule } from '../../access/catalog.ts'
import type { Machine } from '../../state-machine.ts'
import { can } from '../../state-machine.ts'
import { actsForRequests, partyOf, type Party } from './parties.ts'

export const BLOCK_REASONS = {
  read_only: 'The signed-in user may read this but not act on it (a manage permission is needed)',
  not_representing: 'The company sees this deal but does not act on it (a former agency, or the artist management)',
  wrong_side: 'The other side of the deal takes this action',
  invalid_transition: 'Not in its current state',
  waiting_for_counterparty: 'The other side answers this offer',
  artist_already_booked: 'The artist has a confirmed booking on these dates',
  hold_outranked: 'A hold placed earlier on these dates confirms or releases first',
  nothing_to_challenge: 'No hold ranks above this one',
  challenge_pending: 'Every hold above this one is already under challenge',
  no_signers: 'No required signer yet',
  unresolved_merge_fields: 'The text still has unfilled merge fields',
  waiting_for_counterparty_signature: "The other side's signer signs first",
  not_the_signer: 'No signer of this contract signs for the signed-in user now',
} as const

type BlockReason = keyof typeof BLOCK_REASONS

export interface BlockedAction<A extends string> {
  action: A
  reason: BlockReason
  message: string
}

/** What a read shape carries: the actions open to the caller now, and why each other one is not. */
export interface ActionsView<A extends string> {
  actions: A[]
  blockedActions: BlockedAction<A>[]
}

/** Why an action is blocked, or null when the caller may take it. */
export type Check = { reason: BlockReason; message: string } | null

export const blocked = (reason: BlockReason, message: string): Check => ({ reason, message })

/** The first blocking answer of `checks` per action (an action with none is open). */
export function actionsView<A extends string>(all: readonly A[], checks: (action: A) => (Check | (() => Check))[]): ActionsView<A> {
  const view: ActionsView<A> = { actions: [], blockedActions: [] }
  for (const action of all) {
    let why: Check = null
    for (const check of checks(action)) {
      why = typeof check === 'function' ? check() : check
      if (why) break
    }
    if (why) view.blockedActions.push({ action, ...why })
    else view.actions.push(action)
  }
  return view
}

/** The state check of an action, in the words of the refusal it would get. */
export const stateAllows = <S extends string, A extends string>(machine: Machine<S, A>, status: S, action: A): Check =>
  can(machine, status, action) ? null : blocked('invalid_transition', `cannot ${action} ${machine.name} that is ${status}`)

/** Who is asking, as far as the actions go: the party, whether it may manage, whether it acts on the pipeline. */
export interface Asker {
  party: Party
  manages: boolean
  acting: boolean
}

const actingLoader = (ctx: RequestContext, party: Party) =>
  ctx.loader<string, boolean>('actsForRequest', (ids) => actsForRequests(ctx.db, party, ids))

/** The caller as a party of one pipeline: batched across the objects of one answer. */
export async function askerFor(ctx: RequestContext, requestId: string, manage: AccessRule = 'bookings.manage'): Promise<Asker> {
  const party = await partyOf(ctx)
  const manages = await ctx.may(manage)
  const acting = await actingLoader(ctx, party).load(requestId)
  return { party, manages, acting }
}

/**
 * The party has just acted on the pipeline in this request (assertActsFor passed under the pipeline's
 * lock): the answer's actions take that as known instead of asking the database again.
 */
export function actedOn(ctx: RequestContext, party: Party, requestId: string) {
  actingLoader(ctx, party).prime(requestId, true)
}

/** The checks every action starts with: may the user act, does the company act on this deal, is it its side's. */
export function partyChecks(asker: Asker, side?: Party['side'], doing?: string): Check[] {
  return [
    asker.manages ? null : blocked('read_only', 'your role reads this deal but does not act on it'),
    asker.acting
      ? null
      : blocked(
          'not_representing',
          'your company sees this deal but does not act on it (only the promoter that asked and the agency representing the artist now do)',
        ),
    !side || asker.party.side === side ? null : blocked('wrong_side', `only the ${side} side ${doing ?? 'does this'}`),
  ]
}
