// The feed hook (use-feed.ts, through hook-harness) and the real alarm.ts at sign-out: once app.tsx
// has closed the notifications (closeNotifications) and the screen is gone, nothing rings or shows a
// notification any more — not a burst left waiting, not an alarm still settling, not a late answer —
// while a token renewal still judges the alarms settling at once (console review 2026-12-03, note 5).
import type { Alert, PushMessage } from '../../apps/console/src/types';
import { alertPage, FakeNotification } from './browser-fakes';
import { flushEffects, installBrowserGlobals, render, unmount } from './hook-harness';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);

// use-feed.ts and alarm.ts use the DOM's types, which the root typecheck (node) lacks: loaded untyped.
interface FeedView {
  upsert(alert: Alert): void;
}
type UseFeed = (api: FakeApi, onUnauthorized: () => void, describe: (a: Alert) => { title: string; text: string }, regionIds?: readonly string[]) => FeedView;
const { useFeed, RING_BURST_MS } = jest.requireActual('../../apps/console/src/use-feed') as { useFeed: UseFeed; RING_BURST_MS: number };
const { closeNotifications } = jest.requireActual('../../apps/console/src/alarm') as { closeNotifications(): void };
const { RING_SETTLE_MS } = jest.requireActual('../../apps/console/src/feed-state') as { RING_SETTLE_MS: number };

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

/** Web Audio that plays: alarm.ts counts each sound it starts in window.__xlAlarms. */
class FakeAudioContext {
  state = 'running';
  currentTime = 0;
  destination = {};
  createOscillator() {
    return { frequency: {}, connect: (next: unknown) => next, start() {}, stop() {} };
  }
  createGain() {
    return { gain: {}, connect: (next: unknown) => next };
  }
}
const sounds = () => (globalThis as { __xlAlarms?: number }).__xlAlarms ?? 0;

const now = 1_800_000_000_000;
const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({ id, cameraId: `cam-${id}`, rule: 'camera_offline', severity: 'major', state: 'open', startedAt: now - 600_000, updatedAt: now - 1000, escalationLevel: 0, responsibleRegionId: 'village', message: 'm', boxes: [], ...over }) as Alert;
/** A power cut's camera_offline alert, escalated to the township (the user's region). */
const offline = (i: number, over: Partial<Alert> = {}) => alert(`off${i}`, { escalationLevel: 1, responsibleRegionId: 'township', ...over });
const drowning = (id: string) => ({ ...alert(id, { rule: 'vanish_in_water', severity: 'critical', alarmedAt: Date.now(), updatedAt: Date.now() }), alarm: true }) as Alert;

class FakeApi {
  readonly server = new Map<string, Alert>();
  constructor(readonly bearer = 'A') {}
  serverNow(): number {
    return Date.now();
  }
  async alerts(q: { limit?: number; state?: string; severity?: string; cursor?: string }): Promise<{ items: Alert[]; nextCursor: string | null }> {
    return alertPage(this.server.values(), q);
  }
  async alert(id: string): Promise<Alert> {
    throw new Error(`alert ${id} not asked for in this spec`);
  }
  async request(): Promise<unknown> {
    return {};
  }
}

const g = globalThis as Record<string, unknown>;
const saved = { WebSocket: g.WebSocket, Notification: g.Notification, AudioContext: g.AudioContext, document: g.document };
let restoreGlobals: () => void;
beforeEach(() => {
  jest.useFakeTimers({ now });
  Object.assign(g, { WebSocket: FakeWebSocket, Notification: FakeNotification, AudioContext: FakeAudioContext, document: { documentElement: { lang: 'en' } } });
  restoreGlobals = installBrowserGlobals();
  FakeNotification.all = [];
  delete g.__xlAlarms;
});
afterEach(() => {
  unmount();
  closeNotifications();
  restoreGlobals();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete g[name];
    else g[name] = value;
  }
  jest.useRealTimers();
});

/** A township operator's feed, its first load done and its socket open at seq 10; `renew` renders it on another api. */
async function mount() {
  let api = new FakeApi();
  const view = () => useFeed(api, () => undefined, (a: Alert) => ({ title: a.rule, text: a.message }), ['township']);
  render(view);
  flushEffects();
  await jest.advanceTimersByTimeAsync(0);
  let seq = 11;
  const open = async () => {
    const ws = FakeWebSocket.last!;
    ws.readyState = FakeWebSocket.OPEN;
    ws.onopen?.();
    ws.receive({ type: 'hello', seq: seq++ });
    await jest.advanceTimersByTimeAsync(0);
  };
  await open();
  return {
    feed: () => render(view),
    push: (a: Alert) => FakeWebSocket.last!.receive({ type: 'alert.updated', seq: seq++, data: a }),
    renew: async () => {
      api = new FakeApi('B');
      render(view);
      flushEffects();
    },
  };
}

/** What app.tsx's logout does to the screen: closes the notifications, then the console goes (unmount). */
function signOut(): void {
  closeNotifications();
  unmount();
}

describe('useFeed at sign-out', () => {
  it('rings nothing and shows no notification afterwards, with a burst waiting and alarms settling', async () => {
    const { push, feed } = await mount();
    push(offline(0));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS); // off0 rings at once: the burst runs RING_BURST_MS from here
    const until = Date.now() + RING_BURST_MS;
    push(offline(1));
    await jest.advanceTimersByTimeAsync(RING_SETTLE_MS); // off1 waits for the burst's ring
    // A hidden tab: its clock passes the burst's end, its timers have not run yet.
    jest.setSystemTime(until + 1000);
    push(offline(2)); // would join the waiting burst, which then rings at once (the late-join path)
    push(drowning('d'));
    expect(FakeNotification.all.map((n) => n.options.tag)).toEqual(['off0']);
    const soundsBefore = sounds();
    const stale = feed();

    signOut();
    expect(FakeNotification.all.map((n) => [n.options.tag, n.closed])).toEqual([['off0', true]]);
    stale.upsert(offline(3)); // a transition's answer that comes after the sign-out
    await jest.advanceTimersByTimeAsync(10 * RING_BURST_MS);
    // Before: the burst's "2 alerts escalated" and the drowning's, shown to the next user of the PC.
    expect(FakeNotification.all.map((n) => n.options.tag)).toEqual(['off0']);
    expect(sounds()).toBe(soundsBefore);
  });

  it('while a token renewal still judges the alarms settling at once, and rings them', async () => {
    const { push, renew } = await mount();
    push(drowning('d'));
    push(offline(0));
    await renew();
    expect(FakeNotification.all.map((n) => n.options.tag)).toEqual(['d', 'off0']);
    const soundsAtRenewal = sounds();
    expect(soundsAtRenewal).toBeGreaterThan(0);
    await jest.advanceTimersByTimeAsync(10 * RING_BURST_MS);
    expect(FakeNotification.all).toHaveLength(2); // each once
  });
});
