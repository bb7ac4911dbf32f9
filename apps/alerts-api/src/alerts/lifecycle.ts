import type { AlertState } from '../db/schema';
import type { Role } from '../shared/principal';

// The alert lifecycle: open → acknowledged (claimed) → dispatched (to a grid worker) → resolved.
// Resolving needs a claim first (acknowledged or dispatched) so that every closed alert names who
// handled it. Escalation and updates keep the state; only the system resolves camera_offline alerts
// by itself (outcome "recovered") when the camera comes back.

export type TransitionAction = 'acknowledge' | 'dispatch' | 'resolve';

const FROM: Record<TransitionAction, readonly AlertState[]> = {
  acknowledge: ['open'],
  dispatch: ['acknowledged'],
  resolve: ['acknowledged', 'dispatched'],
};
const TO: Record<TransitionAction, AlertState> = { acknowledge: 'acknowledged', dispatch: 'dispatched', resolve: 'resolved' };

/** Roles that may perform each action (scope is checked besides: out of scope is a 404). */
export const TRANSITION_ROLES: Record<TransitionAction, Role[]> = {
  acknowledge: ['admin', 'operator', 'school'],
  dispatch: ['admin', 'operator'],
  resolve: ['admin', 'operator'],
};

/**
 * "Seen": a school confirms that someone read a warning on its screen (the console shows a critical
 * drowning warning full screen until then). It is recorded in the audit trail like a transition but
 * leaves the state, the claim and the escalation as they are: seeing is not handling.
 */
export const SEEN_ACTION = 'seen';
export const SEEN_ROLES: Role[] = ['school'];

/**
 * "Note": something done about the alert that changes no state — a call to the grid worker, "no
 * answer, calling the village head" — in the audit trail with who and when. A school may note too
 * (it called 120).
 */
export const NOTE_ACTION = 'note';
export const NOTE_ROLES: Role[] = ['admin', 'operator', 'school'];

export class IllegalTransitionError extends Error {
  constructor(
    readonly action: TransitionAction,
    readonly state: AlertState,
  ) {
    super(`cannot ${action} an alert that is ${state}; allowed from ${FROM[action].join(' or ')}`);
  }
}

/** The state `action` leads to from `state`; throws IllegalTransitionError when not allowed. */
export function nextState(action: TransitionAction, state: AlertState): AlertState {
  if (!FROM[action].includes(state)) throw new IllegalTransitionError(action, state);
  return TO[action];
}
