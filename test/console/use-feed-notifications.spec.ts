// The feed hook's notifications over a long storm (use-feed.ts, through hook-harness as in
// use-feed.spec.ts): a burst's notification follows what it counts as others answer it, a late burst
// timer (a hidden tab) neither loses a ring nor rings twice, and the set of rings made is trimmed to the
// alerts the feed still holds without ringing again for one on screen.
import type { Alert, PushMessage } from '../../apps/console/src/types';
import { alertPage } from './browser-fakes';
import { flushEffects, installBrowserGlobals, render, unmount } from './hook-harness';

/** Every Set a useRef was made with: the feed's set of rings made (alarmKeys, escalationKeys) is one. */
const refSets: Set<string>[] = [];
jest.mock('preact/hooks', () => {
  const { hooks } = jest.requireActual('./hook-harness');
  return {
    ...hooks,
    useRef: (initial: unknown) => {
      const ref = hooks.useRef(initial);
      if (ref.current instanceof Set && !refSets.includes(ref.current)) refSets.push(ref.current);
      return ref;
    },
  };
});
jest.mock('../../apps/console/src/alarm', () => ({ BURST_TAG: 'xl.escalation-burst', playAlarm: jest.fn(), notify: jest.fn(), notifyBurst: jest.fn(), closeNotification: jest.fn() }));

// use-feed.ts uses the DOM's types, which the root typecheck (node) lacks: loaded untyped.
interface FeedView {
  alerts: Map<string, Alert>;
  upsert(alert: Alert): void;
}
const { useFeed, RING_BURST_MS } = jest.requireActual('../../apps/console/src/use-feed') as {
  useFeed(api: FakeApi, onUnauthorized: () => void, describe: (a: Alert) => { title: string; text: string }, regionIds?: readonly string[], keepNoticesUntilResolved?: boolean): FeedView;
  RING_BURST_MS: number;
};
const { RING_SETTLE_MS, KEEP_RESOLVED } = jest.requireActual('../../apps/console/src/feed-state') as { RING_SETTLE_MS: number; KEEP_RESOLVED: number };
const { playAlarm, notify, notifyBurst, closeNotification } = jest.requireMock('../../apps/console/src/alarm') as Record<'playAlarm' | 'notify' | 'notifyBurst' | 'closeNotification', jest.Mock>;
const BURST_TAG = 'xl.escalation-burst';
const { ApiError } = jest.requireActual('../../apps/console/src/api') as { ApiError: new (status: number, message: string) => Error };

/** The browser's WebSocket, driven by the test. */
class FakeWebSocket {
  static readonly OPEN = 1;
  static last: FakeWebSocket | null = null;
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor() {
    FakeWebSocket.last = this;
  }
  send(): void {}
  close(): void {}
  receive(msg: PushMessage): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

const now = 1_800_000_000_000;
const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({ id, cameraId: `cam-${id}`, rule: 'camera_offline', severity: 'major', state: 'open', startedAt: now - 600_000, updatedAt: now - 1000, escalationLevel: 0, responsibleRegionId: 'village', message: 'm', boxes: [], ...over }) as Alert;
/** A power cut's camera_offline alert, escalated to the township (the user's region). */
const offline = (i: number, over: Partial<Alert> = {}) => alert(`off${i}`, { escalationLevel: 1, responsibleRegionId: 'township', ...over });

/** alerts-api as the feed reads it: every list page is the newest of `server` matching its state and severity. */
class FakeApi {
  readonly bearer = 'A';
  readonly server = new Map<string, Alert>();
  serverNow(): number {
    return Date.now();
  }
  async alerts(q: { limit?: number; state?: string; severity?: string; cursor?: string }): Promise<{ items: Alert[]; nextCursor: string | null }> {
    return alertPage(this.server.values(), q);
  }
  async alert(id: string): Promise<Alert> {
    const found = this.server.get(id);
    if (!found) throw new ApiError(404, `alert ${id} not found`);
    return found;
  }
  async request(): Promise<unknown> {
    return {};
  }
}

let restoreGlobals: () => void;
const savedWebSocket = (globalThis as Record<string, unknown>).WebSocket;
beforeEach(() => {
  jest.useFakeTimers({ now });
  (globalThis as Record<string, unknown>).WebSocket = FakeWebSocket;
  restoreGlobals = installBrowserGlobals();
  refSets.length = 0;
  for (const mock of [playAlarm, notify, notifyBurst, closeNotification]) mock.mockClear();
});
afterEach(() => {
  unmount();
  restoreGlobals();
  (globalThis as Record<string, unknown>).WebSocket = savedWebSocket;
  jest.useRealTimers();
});

/** The feed of a township operator on `api`, its first load done and its socket open at seq 10. */
async function mount(api = new FakeApi(), school = false, regionIds = ['township']) {
  const view = () => useFeed(api, () => undefined, (a: Alert) => ({ title: a.rule, text: a.message }), regionIds, school);
  render(view);
  flushEffects();
  await jest.advanceTimersByTimeAsync(0);
  const ws = FakeWebSocket.last!;
  ws.readyState = FakeWebSocket.OPEN;
  ws.onopen?.();
  ws.receive({ type: 'hello', seq: 10 });
  await jest.advanceTimersByTimeAsync(0);
  let seq = 11;
  return { ws, feed: () => render(view), push: (a: Alert) => ws.receive({ type: 'alert.updated', seq: seq++, data: a }) };
}

const notifiedIds = () => notify.mock.calls.map(([, , a]: [string, string, Alert]) => a.id);
/** [count, update?] of each burst notification shown. */
const bursts = () => notifyBurst.mock.calls.map(([, , , count, options]: [string, string, Alert, number, { update?: boolean }?]) => [count, options?.update === true]);
const escalationChimes = () => playAlarm.mock.calls.filter(([sound]) => sound === 'escalation').length;

describe("useFeed: a burst's notification follows what it counts", () => {
  /** Five escalations in one burst, rung: the first's own notification, then the burst's "5". */
  async function burstOfFive(regionIds?: string[]) {
    const feed = await mount(undefined, false, regionIds);
    for (let i = 0; i < 5; i++) feed.push(offline(i));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS + RING_BURST_MS);
    expect(notifiedIds()).toEqual(['off0']);
    expect(bursts()).toEqual([[5, false]]);
    return feed;
  }

  it('says fewer, quietly, as others acknowledge or resolve them, and closes once none waits', async () => {
    const { push } = await burstOfFive();
    push(offline(0, { state: 'acknowledged', updatedAt: now }));
    push(offline(1, { state: 'resolved', updatedAt: now }));
    expect(bursts()).toEqual([[5, false], [4, true], [3, true]]); // before: it said 5 until clicked away
    push(offline(2, { message: 'a note', updatedAt: now })); // news of one still waiting: nothing to change
    expect(bursts()).toHaveLength(3);
    push(offline(2, { state: 'dispatched', updatedAt: now + 1 }));
    push(offline(3, { state: 'acknowledged', updatedAt: now }));
    expect(closeNotification).not.toHaveBeenCalledWith(BURST_TAG);
    push(offline(4, { state: 'acknowledged', updatedAt: now }));
    expect(closeNotification).toHaveBeenCalledWith(BURST_TAG); // before: never
    expect(bursts()).toHaveLength(5);
    expect(escalationChimes()).toBe(2); // the first's and the burst's: an answer makes no sound
  });

  it('counts one that went critical no more (its own notification says it), nor one a load brings answered', async () => {
    const { push, feed } = await burstOfFive();
    push({ ...offline(0, { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now, updatedAt: now }), alarm: true } as Alert);
    expect(bursts().at(-1)).toEqual([4, true]);
    feed().upsert(offline(1, { state: 'acknowledged', updatedAt: now })); // a transition's answer, or a load's page
    expect(bursts().at(-1)).toEqual([3, true]);
    const [, , worst] = notifyBurst.mock.calls.at(-1) as [string, string, Alert];
    expect(['off2', 'off3', 'off4']).toContain(worst.id);
  });

  it("counts at the burst's next ring only those still waiting", async () => {
    const { push } = await burstOfFive();
    push(offline(5));
    push(offline(0, { state: 'acknowledged', updatedAt: now }));
    push(offline(1, { state: 'acknowledged', updatedAt: now }));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS + RING_BURST_MS);
    expect(bursts()).toEqual([[5, false], [4, true], [3, true], [4, false]]); // off2-5; before: 6, answered ones too
  });

  // Console review 2026-12-03, hardening note 1: the next burst's notification replaces this one (one
  // tag), so it must count those of this one that still wait, or they are counted nowhere.
  it("counts, in the next burst's notification, those of the one it replaces that still wait", async () => {
    const { push } = await burstOfFive();
    push(offline(0, { state: 'acknowledged', updatedAt: now }));
    push(offline(1, { state: 'acknowledged', updatedAt: now }));
    await jest.advanceTimersByTimeAsync(10 * RING_BURST_MS); // quiet: the burst is over, off2-4 still wait
    push(offline(5));
    push(offline(6));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS + RING_BURST_MS);
    expect(notifiedIds()).toEqual(['off0', 'off5']); // the new burst's first rings at once, on its own
    expect(bursts()).toEqual([[5, false], [4, true], [3, true], [5, false]]); // off2-6; before: 2
    push(offline(2, { state: 'acknowledged', updatedAt: now }));
    expect(bursts().at(-1)).toEqual([4, true]); // a carried one answered lowers it too
  });

  // Session-33 review F8: an alert the last burst counts escalates again, still to this user (a user of
  // both township and county), and rings alone: its own notification says it, the burst's no more.
  it('counts no more an alert that escalated again and rings with a notification of its own', async () => {
    const { push } = await burstOfFive(['township', 'county']);
    await jest.advanceTimersByTimeAsync(10 * RING_BURST_MS);
    push(offline(2, { escalationLevel: 2, responsibleRegionId: 'county', updatedAt: now + 1 }));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS);
    expect(notifiedIds()).toEqual(['off0', 'off2']);
    expect(bursts()).toEqual([[5, false], [4, true]]); // off0, off1, off3, off4; before: still 5
    push(offline(5));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS + RING_BURST_MS);
    expect(bursts().at(-1)).toEqual([6, false]); // off2 and off5 of this burst, the four carried
  });
});

describe("useFeed: an alert's own notification", () => {
  it('is closed when someone else acknowledges the alert, by a push or in a load', async () => {
    const api = new FakeApi();
    const { push, ws } = await mount(api);
    const drowning = alert('d', { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 500, updatedAt: now - 500 });
    push({ ...drowning, alarm: true } as Alert);
    push(offline(1));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS);
    expect(notifiedIds()).toEqual(['d', 'off1']);
    push({ ...drowning, message: 'a note', updatedAt: now - 400 });
    expect(closeNotification).not.toHaveBeenCalled();
    push({ ...drowning, state: 'acknowledged', updatedAt: now });
    expect(closeNotification).toHaveBeenCalledWith('d'); // before: it stayed until resolved or clicked away
    api.server.set('off1', offline(1, { state: 'dispatched', updatedAt: now })); // answered during a gap in the push
    ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(closeNotification).toHaveBeenCalledWith('off1');
  });

  // Console review 2026-12-03, hardening note 2: the burst stops counting an alert escalated past the
  // user's regions; the alert's own notification ("X escalated to your region") must go too.
  it("is closed when the escalation goes on past the user's regions; an alarm's is not", async () => {
    const { push } = await mount();
    const drowning = alert('d', { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 500, updatedAt: now - 500 });
    push({ ...drowning, alarm: true } as Alert);
    push(offline(1));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS);
    expect(notifiedIds()).toEqual(['d', 'off1']);
    push(offline(1, { message: 'a note', updatedAt: now })); // still the township's: nothing to close
    expect(closeNotification).not.toHaveBeenCalled();
    push(offline(1, { escalationLevel: 2, responsibleRegionId: 'county', updatedAt: now + 1 }));
    expect(closeNotification).toHaveBeenCalledWith('off1'); // before: it stayed, though the county has it now
    push({ ...drowning, escalationLevel: 2, responsibleRegionId: 'county', updatedAt: now });
    expect(closeNotification).not.toHaveBeenCalledWith('d'); // the drowning's alarm still stands, wherever it rests
  });

  it('is not shown for an alarm someone answered right after it was raised: it only sounds', async () => {
    const api = new FakeApi();
    api.server.set('d', alert('d', { rule: 'vanish_in_water', severity: 'critical', state: 'acknowledged', alarmedAt: now - 30_000, updatedAt: now - 20_000 }));
    await mount(api);
    expect(playAlarm).toHaveBeenCalledWith('critical');
    expect(notify).not.toHaveBeenCalled(); // before: a notification that stayed, for an alert in hand
  });

  // A school's screen: the command centre's acknowledgement is not the school's "I have seen this",
  // and in a background tab the notification is its only sign of a drowning (console review 2026-12-03).
  it("stays on a school's screen when the command centre acknowledges, and closes when resolved", async () => {
    const api = new FakeApi();
    const { push } = await mount(api, true);
    const drowning = alert('d', { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 500, updatedAt: now - 500 });
    push({ ...drowning, alarm: true } as Alert);
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS);
    expect(notifiedIds()).toEqual(['d']);
    push({ ...drowning, state: 'acknowledged', updatedAt: now });
    expect(closeNotification).not.toHaveBeenCalledWith('d');
    push({ ...drowning, state: 'resolved', updatedAt: now + 1 });
    expect(closeNotification).toHaveBeenCalledWith('d');
  });

  it("is shown on a school's screen for a drowning the command centre already acknowledged", async () => {
    const api = new FakeApi();
    api.server.set('d', alert('d', { rule: 'vanish_in_water', severity: 'critical', state: 'acknowledged', alarmedAt: now - 30_000, updatedAt: now - 20_000 }));
    await mount(api, true);
    expect(playAlarm).toHaveBeenCalledWith('critical');
    expect(notifiedIds()).toEqual(['d']);
  });
});

describe('useFeed: the burst timer of a hidden tab', () => {
  // Two escalations: the first rings at once, the second waits for the burst's ring at `until`. The
  // tab's timers then run `lateMs` late, and a third escalation is rung before the burst's timer runs
  // (setSystemTime moves the clock without running the timers, as a throttled tab's clock does).
  it.each([
    ['as the window closes', 0],
    ['1 s after it closed', 1000],
    ['30 s after it closed', 30_000],
  ])('rings each escalation once when the next comes %s and the timer is late', async (_, lateMs) => {
    const { push } = await mount();
    push(offline(0));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS); // off0 rings at once: the burst runs RING_BURST_MS from here
    const until = Date.now() + RING_BURST_MS;
    await jest.advanceTimersByTimeAsync(500);
    push(offline(1));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS); // off1 waits for the burst's ring
    jest.setSystemTime(until + lateMs - RING_SETTLE_MS);
    push(offline(2));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS); // off2 is rung at `until + lateMs`, the burst's timer not yet run
    await jest.advanceTimersByTimeAsync(10 * RING_BURST_MS);
    expect(notifiedIds()).toEqual(['off0']);
    expect(bursts()).toEqual([[3, false]]); // before: none — off1 never rung, off2 a burst of its own
    expect(escalationChimes()).toBe(2);
  });

  it('rings a burst whose timer is late once, when it runs', async () => {
    const { push } = await mount();
    push(offline(0));
    push(offline(1));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS);
    jest.setSystemTime(Date.now() + 5000);
    await jest.advanceTimersByTimeAsync(10 * RING_BURST_MS);
    expect(notifiedIds()).toEqual(['off0']);
    expect(bursts()).toEqual([[2, false]]);
    expect(escalationChimes()).toBe(2);
  });
});

describe('useFeed: the set of rings made, on a console open for weeks', () => {
  it('forgets the rings of alerts trimmed from the feed, and rings again for none it still holds', async () => {
    const api = new FakeApi();
    const { push, ws, feed } = await mount(api);
    expect(refSets).toHaveLength(1);
    const [notified] = refSets;
    const waiting = alert('waiting', { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 500, updatedAt: now - 500 });
    push({ ...waiting, alarm: true } as Alert);
    push(offline(0));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS);
    // Four days of alarms and escalations, 100 every 3 hours, each rung for, then resolved.
    let rung = 0;
    for (let batch = 0; batch < 30; batch++) {
      const raised = Array.from({ length: 100 }, (_, k) => {
        const i = ++rung;
        return i % 2 === 0 ? alert(`a${i}`, { severity: 'critical', rule: 'vanish_in_water', alarmedAt: Date.now(), updatedAt: Date.now() }) : offline(i, { updatedAt: Date.now() + k });
      });
      for (const a of raised) push(a.severity === 'critical' ? ({ ...a, alarm: true } as Alert) : a);
      await jest.advanceTimersByTimeAsync(RING_SETTLE_MS);
      for (const a of raised) push({ ...a, state: 'resolved', updatedAt: Date.now() });
      // 3 h on by the clock alone: run, the socket's silence check would drop this socket, which answers no ping.
      jest.setSystemTime(Date.now() + 3 * 3_600_000);
    }
    expect(notify.mock.calls.length).toBeGreaterThan(rung / 2); // each alarm's notification: they all rang
    expect(feed().alerts.size).toBeLessThanOrEqual(KEEP_RESOLVED + 2);
    expect(notified.size).toBeLessThanOrEqual(2 * (KEEP_RESOLVED + 2)); // before: one key per ring since the page opened, 3,002
    expect(notified).toContain(`waiting@${now - 500}`);
    expect(notified).toContain('off0^1');

    // A reload brings the two still waiting: no second ring for either.
    api.server.set('waiting', waiting);
    api.server.set('off0', offline(0));
    const rings = playAlarm.mock.calls.length;
    ws.receive({ type: 'resync_required', seq: 1_000_000 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm.mock.calls.length).toBe(rings);
    expect(notifiedIds().filter((id) => id === 'waiting' || id === 'off0')).toEqual(['waiting', 'off0']);
  });
});
