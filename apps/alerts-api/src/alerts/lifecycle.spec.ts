import type { AlertState } from '../db/schema';
import { IllegalTransitionError, nextState, type TransitionAction } from './lifecycle';

const states: AlertState[] = ['open', 'acknowledged', 'dispatched', 'resolved'];
const legal: Record<TransitionAction, Partial<Record<AlertState, AlertState>>> = {
  acknowledge: { open: 'acknowledged' },
  dispatch: { acknowledged: 'dispatched' },
  resolve: { acknowledged: 'resolved', dispatched: 'resolved' },
};

describe('alert lifecycle', () => {
  for (const action of Object.keys(legal) as TransitionAction[]) {
    for (const state of states) {
      const to = legal[action][state];
      it(`${action} from ${state} → ${to ?? 'illegal'}`, () => {
        if (to) expect(nextState(action, state)).toBe(to);
        else expect(() => nextState(action, state)).toThrow(IllegalTransitionError);
      });
    }
  }

  it('explains what is allowed', () => {
    expect(() => nextState('dispatch', 'open')).toThrow('cannot dispatch an alert that is open; allowed from acknowledged');
  });
});
