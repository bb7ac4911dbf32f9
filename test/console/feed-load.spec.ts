// How the console's REST loads stitch with the push (when to load, retried until they work), and how
// the alert map stays bounded on a screen left open for days.
import { RetryingLoad } from '../../apps/console/src/feed-socket';
import {
  applyMessage,
  backoffMs,
  emptyFeed,
  KEEP_RESOLVED,
  KEEP_RESOLVED_MS,
  mergeAlerts,
  trimFeed,
} from '../../apps/console/src/feed-state';
import type { Alert } from '../../apps/console/src/types';

const now = 1_800_000_000_000;
const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({
    id,
    cameraId: 'cam',
    state: 'open',
    severity: 'major',
    rule: 'zone_enter',
    startedAt: now,
    updatedAt: now,
    ...over,
  }) as Alert;

describe('when the feed loads by REST', () => {
  it('loads again after the first hello of a connection without lastSeq, not after a resumed one', () => {
    const first = applyMessage(emptyFeed(), { type: 'hello', seq: 40 });
    expect([first.reload, first.state.lastSeq]).toEqual([true, 40]);
    const resumed = applyMessage(first.state, { type: 'hello', seq: 55 });
    expect(resumed.reload).toBeUndefined();
    expect(resumed.state).toBe(first.state);
  });

  it('reports no change for a pong or an error, so nothing is redrawn', () => {
    const s = emptyFeed(3);
    expect(applyMessage(s, { type: 'pong' }).state).toBe(s);
    expect(applyMessage(s, { type: 'error', message: 'x' }).state).toBe(s);
  });

  it('waits 1 s after a failure, doubling to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('RetryingLoad', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('tries again with back-off until the load succeeds', async () => {
    let calls = 0;
    const fetch = jest.fn(async () => {
      if (++calls < 4) throw new Error('503');
      return calls;
    });
    const apply = jest.fn();
    new RetryingLoad(fetch, apply).request();
    await jest.advanceTimersByTimeAsync(0);
    expect([fetch.mock.calls.length, apply.mock.calls.length]).toEqual([1, 0]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(fetch).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1999);
    expect(fetch).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1 + 4000);
    expect(fetch).toHaveBeenCalledTimes(4);
    expect(apply).toHaveBeenCalledWith(4);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('stops retrying, and applies nothing, once stopped (unmount, a renewed token)', async () => {
    let fail = true;
    const fetch = jest.fn(async () => {
      if (fail) throw new Error('503');
    });
    const apply = jest.fn();
    const load = new RetryingLoad(fetch, apply);
    load.request();
    await jest.advanceTimersByTimeAsync(0);
    load.stop();
    fail = false;
    await jest.advanceTimersByTimeAsync(60_000);
    expect([fetch.mock.calls.length, apply.mock.calls.length]).toEqual([1, 0]);
  });

  it('loads once more when asked while a load is under way (its read may predate the hello)', async () => {
    const answers: ((n: number) => void)[] = [];
    const fetch = jest.fn(() => new Promise<number>((done) => answers.push(done)));
    const apply = jest.fn();
    const load = new RetryingLoad(fetch, apply);
    load.request();
    load.request(); // the first hello, while the initial load runs
    load.request();
    answers[0](1);
    await jest.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(2);
    answers[1](2);
    await jest.advanceTimersByTimeAsync(0);
    expect(apply.mock.calls).toEqual([[1], [2]]);
  });
});

describe('trimFeed', () => {
  const old = now - KEEP_RESOLVED_MS - 1;

  it('keeps every unresolved alert and the resolved ones of the last day, and drops the oldest others beyond the cap', () => {
    const stale = Array.from({ length: KEEP_RESOLVED + 50 }, (_, i) =>
      alert(`r${i}`, { state: 'resolved', updatedAt: old - i }),
    );
    const open = Array.from({ length: 30 }, (_, i) =>
      alert(`o${i}`, { state: i % 2 ? 'acknowledged' : 'open', updatedAt: old - 1e6 }),
    );
    const today = Array.from({ length: 20 }, (_, i) => alert(`t${i}`, { state: 'resolved', updatedAt: now - 1000 }));
    const s = trimFeed(mergeAlerts(emptyFeed(), [...today, ...open, ...stale]), now);
    const kept = [...s.alerts.keys()];
    expect(open.every((a) => s.alerts.has(a.id))).toBe(true);
    expect(today.every((a) => s.alerts.has(a.id))).toBe(true);
    // The last KEEP_RESOLVED to arrive are the newest r's; the first 50 to arrive are dropped.
    expect(kept.filter((id) => id.startsWith('r'))).toEqual(stale.slice(50).map((a) => a.id));
  });

  it("keeps what arrived last, so a filter's REST page of last week survives", () => {
    const stale = Array.from({ length: KEEP_RESOLVED + 10 }, (_, i) =>
      alert(`r${i}`, { state: 'resolved', updatedAt: old }),
    );
    let s = mergeAlerts(emptyFeed(), stale);
    s = mergeAlerts(s, [alert('r0', { state: 'resolved', updatedAt: old })]); // loaded again by a filter
    s = trimFeed(s, now);
    expect(s.alerts.size).toBe(KEEP_RESOLVED);
    expect(s.alerts.has('r0')).toBe(true);
    expect(s.alerts.has('r1')).toBe(false);
  });

  it('returns the same state when nothing is dropped', () => {
    const s = mergeAlerts(emptyFeed(), [alert('a', { state: 'resolved', updatedAt: old })]);
    expect(trimFeed(s, now)).toBe(s);
  });
});
