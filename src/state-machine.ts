// Explicit state machines: a table of (state, action) → next state per object. Every status change in the
// domain asks `transition()`; an illegal move is a 409 invalid_transition naming the current state.
import { conflict } from './errors.ts'

/** `name` reads after a verb: "a booking request", "an offer". */
export type Machine<S extends string, A extends string> = { name: string; moves: Partial<Record<S, Partial<Record<A, S>>>> }

/** The state `action` moves `current` to, or 409 invalid_transition. */
export function transition<S extends string, A extends string>(machine: Machine<S, A>, current: S, action: A): S {
  const next = machine.moves[current]?.[action]
  if (!next) throw conflict('invalid_transition', `cannot ${action} ${machine.name} that is ${current}`)
  return next
}

/** Whether an object is in a state from which `action` is possible (for the "actions" a caller may take). */
export const can = <S extends string, A extends string>(machine: Machine<S, A>, current: S, action: A) =>
  Boolean(machine.moves[current]?.[action])
