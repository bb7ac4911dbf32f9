// The feed hook itself (use-feed.ts), run in node through hook-harness with a fake WebSocket, a fake
// Api and jest's fake clock: what a replayed escalation rings, what a resync reload does with alerts
// its pages do not bring back, which socket's 4401 signs out, what a REST merge (load, filter page,
// transition's answer) rings, dropping an alert answered 404, and closing a resolved one's notification.
import { unacknowledgedCount } from '../../apps/console/src/feed-state';
import type { Alert, PushMessage } from '../../apps/console/src/types';
import { alertPage } from './browser-fakes';
import { flushEffects, installBrowserGlobals, render, unmount } from './hook-harness';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/alarm', () => ({ playAlarm: jest.fn(), notify: jest.fn(), notifyBurst: jest.fn(), closeNotification: jest.fn() }));

// use-feed.ts and api.ts use the DOM's types, which the root typecheck (node) lacks: loaded untyped.
interface FeedView {
  alerts: Map<string, Alert>;
  connected: boolean;
  load(query?: { rule?: string }): Promise<void>;
  upsert(alert: Alert): void;
  drop(gone: Alert[]): void;
}
interface ApiErrorClass {
  new (status: number, message: string): Error;
}
const { useFeed, UNRESOLVED_LOAD_MAX, RING_BURST_MS } = jest.requireActual('../../apps/console/src/use-feed') as {
  useFeed(api: FakeApi, onUnauthorized: () => void, describe: (a: Alert) => { title: string; text: string }, regionIds?: readonly string[]): FeedView;
  UNRESOLVED_LOAD_MAX: number;
  RING_BURST_MS: number;
};
const { ApiError } = jest.requireActual('../../apps/console/src/api') as { ApiError: ApiErrorClass };
const { playAlarm, notify, notifyBurst, closeNotification } = jest.requireMock('../../apps/console/src/alarm') as {
  playAlarm: jest.Mock;
  notify: jest.Mock;
  notifyBurst: jest.Mock;
  closeNotification: jest.Mock;
};

/** A browser WebSocket the test drives: open, messages and closes happen when the test says. */
class FakeWebSocket {
  static readonly OPEN = 1;
  static all: FakeWebSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string[] = [],
  ) {
    FakeWebSocket.all.push(this);
  }
  /** The token it offered (the `xl.bearer.` subprotocol; FeedSocket never puts it in the URL). */
  get token(): string | null {
    return this.protocols.find((p) => p.startsWith('xl.bearer.'))?.slice('xl.bearer.'.length) ?? null;
  }
  send(): void {}
  close(): void {}
  open(): void {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.();
  }
  receive(msg: PushMessage): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

const now = 1_800_000_000_000;
const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({
    id,
    cameraId: 'cam',
    rule: 'zone_enter',
    severity: 'major',
    state: 'open',
    startedAt: now - 60_000,
    updatedAt: now - 60_000,
    escalationLevel: 0,
    responsibleRegionId: 'village',
    message: 'm',
    boxes: [],
    ...over,
  }) as Alert;

/** The alerts-api as the feed sees it: `server` holds every alert; the list pages are its newest 200. */
class FakeApi {
  readonly server = new Map<string, Alert>();
  /** Ids whose GET /alerts/:id fails once with this status, then works. */
  readonly failOnce = new Map<string, number>();
  readonly asked: string[] = [];
  /** The list pages' states asked for, in order (`state` of each GET /alerts). */
  readonly listed: (string | undefined)[] = [];
  /** While set, every list page fails with this status (the database failing over). */
  listFails: number | null = null;
  /** How far the browser's clock runs ahead of the server's: Api measures it from the answers' Date header. */
  browserAheadMs = 0;
  constructor(readonly bearer: string) {}

  serverNow(): number {
    return Date.now() - this.browserAheadMs;
  }
  /** The list pages' severities asked for, in order (`severity` of each GET /alerts). */
  readonly listedSeverities: (string | undefined)[] = [];
  async alerts(q: { limit?: number; state?: string; severity?: string; cursor?: string }): Promise<{ items: Alert[]; nextCursor: string | null }> {
    this.listed.push(q.state);
    this.listedSeverities.push(q.severity);
    if (this.listFails !== null) throw new ApiError(this.listFails, `HTTP ${this.listFails}`);
    // The cursor here is the offset of the next page (the API's names the last alert of the page).
    return alertPage(this.server.values(), q);
  }
  async alert(id: string): Promise<Alert> {
    this.asked.push(id);
    const failure = this.failOnce.get(id);
    if (failure !== undefined) {
      this.failOnce.delete(id);
      throw new ApiError(failure, `HTTP ${failure}`);
    }
    const found = this.server.get(id);
    if (!found) throw new ApiError(404, `alert ${id} not found`);
    return { ...found, transitions: [] } as Alert;
  }
  async request(): Promise<unknown> {
    return {};
  }
}

const describeAlert = (a: Alert) => ({ title: a.rule, text: a.message });
let restoreGlobals: () => void;
const savedWebSocket = (globalThis as Record<string, unknown>).WebSocket;

beforeEach(() => {
  jest.useFakeTimers({ now });
  FakeWebSocket.all = [];
  (globalThis as Record<string, unknown>).WebSocket = FakeWebSocket;
  restoreGlobals = installBrowserGlobals();
  playAlarm.mockClear();
  notify.mockClear();
  notifyBurst.mockClear();
  closeNotification.mockClear();
});
afterEach(() => {
  unmount();
  restoreGlobals();
  (globalThis as Record<string, unknown>).WebSocket = savedWebSocket;
  jest.useRealTimers();
});

/** Mounts the feed on `api`, lets its first load finish, and opens its socket at `seq`. */
async function mount(api: FakeApi, options: { onUnauthorized?: () => void; regionIds?: string[] } = {}) {
  const view = () => useFeed(api, options.onUnauthorized ?? (() => undefined), describeAlert, options.regionIds ?? []);
  render(view);
  flushEffects();
  await jest.advanceTimersByTimeAsync(0);
  const ws = FakeWebSocket.all.at(-1)!;
  ws.open();
  ws.receive({ type: 'hello', seq: 10 });
  await jest.advanceTimersByTimeAsync(0);
  return { ws, alerts: () => render(view).alerts, feed: () => render(view) };
}

describe('useFeed: a replayed escalation', () => {
  const escalated = alert('x', { escalationLevel: 1, responsibleRegionId: 'township', updatedAt: now - 2000 });

  it('does not ring when the replay brings its acknowledgement right after it', async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x'));
    const { ws } = await mount(api, { regionIds: ['township'] });
    ws.receive({ type: 'alert.updated', seq: 11, data: escalated });
    ws.receive({ type: 'alert.updated', seq: 12, data: { ...escalated, state: 'acknowledged', updatedAt: now - 1000 } });
    await jest.advanceTimersByTimeAsync(5000);
    expect(playAlarm).not.toHaveBeenCalled();
    expect(notify).not.toHaveBeenCalled();
  });

  it('rings once, a moment later, for an escalation still open at its level', async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x'));
    const { ws } = await mount(api, { regionIds: ['township'] });
    ws.receive({ type: 'alert.updated', seq: 11, data: escalated });
    ws.receive({ type: 'alert.updated', seq: 12, data: { ...escalated, message: 'a note', updatedAt: now - 1000 } });
    await jest.advanceTimersByTimeAsync(5000);
    expect(playAlarm).toHaveBeenCalledTimes(1);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('does not ring for a level the alert has already left (escalated again: that push rings)', async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x'));
    const { ws } = await mount(api, { regionIds: ['township', 'county'] });
    ws.receive({ type: 'alert.updated', seq: 11, data: escalated });
    const higher = { ...escalated, escalationLevel: 2, responsibleRegionId: 'county', updatedAt: now - 1000 };
    ws.receive({ type: 'alert.updated', seq: 12, data: higher });
    await jest.advanceTimersByTimeAsync(5000);
    expect(playAlarm).toHaveBeenCalledTimes(1); // the level-2 escalation only
    expect(notify.mock.calls.map(([, , a]: [string, string, Alert]) => a.escalationLevel)).toEqual([2]);
  });
});

describe('useFeed: the reload after resync_required', () => {
  /** 200 alerts newer than `x`, so that the reload's pages do not reach it. */
  const newer = Array.from({ length: 200 }, (_, i) => alert(`n${i}`, { state: 'acknowledged', startedAt: now - 1000 + i, updatedAt: now - 1000 + i }));

  async function resync(api: FakeApi, ws: FakeWebSocket) {
    for (const a of newer) api.server.set(a.id, a);
    ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(0);
  }

  it('takes the current state of an open alert resolved during the gap that the pages no longer bring', async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x', { startedAt: now - 3_600_000, updatedAt: now - 3_600_000 }));
    const { ws, alerts } = await mount(api);
    expect(alerts().get('x')?.state).toBe('open');
    expect(api.asked).toEqual([]); // the sign-in's and the first hello's loads ask nobody by id

    api.server.set('x', { ...api.server.get('x')!, state: 'resolved', resolvedAt: now - 500_000, updatedAt: now - 500_000 });
    await resync(api, ws);
    expect(api.asked).toEqual(['x']);
    expect(alerts().get('x')?.state).toBe('resolved');
    expect(unacknowledgedCount(alerts().values())).toBe(0);
  });

  it("drops an alert the API answers 404 for (deleted, out of the user's scope now)", async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x', { startedAt: now - 3_600_000 }));
    const { ws, alerts } = await mount(api);
    api.server.delete('x');
    await resync(api, ws);
    expect(alerts().has('x')).toBe(false);
    expect(unacknowledgedCount(alerts().values())).toBe(0);
  });

  it('tries the whole reload again when asking by id fails, and reconciles then', async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x', { startedAt: now - 3_600_000 }));
    const { ws, alerts } = await mount(api);
    api.server.set('x', { ...api.server.get('x')!, state: 'acknowledged', updatedAt: now - 30_000 });
    api.failOnce.set('x', 503);
    // x is still unresolved: only past the unresolved pages' bound is it asked for by id.
    for (let i = 0; i < UNRESOLVED_LOAD_MAX; i++) api.server.set(`u${i}`, alert(`u${i}`, { state: 'acknowledged', startedAt: now - 2000 + i * 0.5, updatedAt: now - 2000 }));
    await resync(api, ws);
    expect(alerts().get('x')?.state).toBe('open'); // not applied yet: retried in 1 s
    await jest.advanceTimersByTimeAsync(1000);
    expect(api.asked).toEqual(['x', 'x']);
    expect(alerts().get('x')?.state).toBe('acknowledged');
  });
});

describe("useFeed: the socket's 4401", () => {
  it('does not sign out for a replaced token whose socket is not stopped yet; does for the current one', async () => {
    const onUnauthorized = jest.fn();
    const apiA = new FakeApi('A');
    const apiB = new FakeApi('B');
    const { ws: socketA } = await mount(apiA, { onUnauthorized });
    expect(socketA.token).toBe('A');

    // The session moved on to B (a password change): rendered, its effects (which stop A's socket) not run yet.
    render(() => useFeed(apiB, onUnauthorized, describeAlert));
    socketA.onclose?.({ code: 4401 });
    expect(onUnauthorized).not.toHaveBeenCalled();

    flushEffects();
    await jest.advanceTimersByTimeAsync(0);
    const socketB = FakeWebSocket.all.at(-1)!;
    expect(socketB.token).toBe('B');
    socketB.open();
    socketB.onclose?.({ code: 4401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});

describe('useFeed: the ring after a REST load, on a PC whose clock is off the server', () => {
  const raised = (id: string, alarmedAt: number, over: Partial<Alert> = {}) =>
    alert(id, { rule: 'vanish_in_water', severity: 'critical', alarmedAt, updatedAt: alarmedAt, startedAt: alarmedAt - 10_000, ...over });

  it('rings for a drowning raised 10 s ago (server clock) that a resync reload brought, the PC clock 3 min fast', async () => {
    jest.setSystemTime(now + 3 * 60_000); // the operator's PC runs 3 min ahead of the server (no NTP)
    const api = Object.assign(new FakeApi('A'), { browserAheadMs: 3 * 60_000 });
    const { ws } = await mount(api);
    // During the gap the resync covers, a vanish raised an entry's alert to critical, 10 s ago.
    api.server.set('d', raised('d', now - 10_000));
    ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).toHaveBeenCalledTimes(1); // before 2026-12-03: 0 — 190 s ago by the PC's clock
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('does not ring for an alarm of 50 minutes ago, already acknowledged, the PC clock 1 h slow', async () => {
    jest.setSystemTime(now - 3_600_000);
    const api = Object.assign(new FakeApi('A'), { browserAheadMs: -3_600_000 });
    const { ws } = await mount(api);
    api.server.set('old', raised('old', now - 50 * 60_000, { state: 'acknowledged', updatedAt: now - 49 * 60_000 }));
    ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).not.toHaveBeenCalled(); // before: rang — "raised 10 min in the future" by the PC's clock
  });

  it('does not ring for a replayed alarm whose acknowledgement follows it, the PC clock 1 h slow', async () => {
    jest.setSystemTime(now - 3_600_000);
    const api = Object.assign(new FakeApi('A'), { browserAheadMs: -3_600_000 });
    const { ws } = await mount(api);
    const pushed = raised('r', now - 50 * 60_000, { alarm: true } as Partial<Alert>);
    ws.receive({ type: 'alert.created', seq: 11, data: pushed });
    ws.receive({ type: 'alert.updated', seq: 12, data: { ...pushed, alarm: false, state: 'acknowledged', updatedAt: now - 49 * 60_000 } as Alert });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).not.toHaveBeenCalled(); // before: rang (stillRings judged it recent on the PC's clock)
  });
});

describe('useFeed: a token renewal during the reload after resync_required', () => {
  const newer = Array.from({ length: 200 }, (_, i) => alert(`n${i}`, { state: 'acknowledged', startedAt: now - 1000 + i, updatedAt: now - 1000 + i }));

  it('still asks by id for the unresolved alerts the pages do not bring', async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x', { startedAt: now - 3_600_000, updatedAt: now - 3_600_000 }));
    const { ws, alerts } = await mount(api);
    expect(alerts().get('x')?.state).toBe('open');

    // Events were lost (resync_required); meanwhile x was resolved, and the reload's first try fails.
    api.server.set('x', { ...api.server.get('x')!, state: 'resolved', resolvedAt: now - 500_000, updatedAt: now - 500_000 });
    for (const a of newer) api.server.set(a.id, a);
    api.listFails = 503;
    ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(0);

    // The token is renewed before the retry.
    const renewedApi = Object.assign(new FakeApi('B'), { server: api.server, asked: api.asked });
    render(() => useFeed(renewedApi, () => undefined, describeAlert));
    flushEffects();
    await jest.advanceTimersByTimeAsync(5000);
    FakeWebSocket.all.at(-1)!.open();
    await jest.advanceTimersByTimeAsync(5000);

    const view = render(() => useFeed(renewedApi, () => undefined, describeAlert));
    expect(api.asked).toContain('x'); // before 2026-12-03: never asked
    expect(view.alerts.get('x')?.state).toBe('resolved'); // before: still 'open'
    expect(unacknowledgedCount(view.alerts.values())).toBe(0); // before: 1, in the tab title for good
  });
});

describe('useFeed: the live indicator across a token renewal', () => {
  it('says the feed is down while the new socket has not opened (the offline banner counts from it)', async () => {
    const api = new FakeApi('A');
    const view = (a: FakeApi) => useFeed(a, () => undefined, describeAlert);
    render(() => view(api));
    flushEffects();
    await jest.advanceTimersByTimeAsync(0);
    FakeWebSocket.all.at(-1)!.open();
    expect(render(() => view(api)).connected).toBe(true);

    // The token is renewed while the push cannot be reached: the old socket is stopped, the new one's
    // handshake neither opens nor closes.
    const renewed = Object.assign(new FakeApi('B'), { server: api.server });
    render(() => view(renewed));
    flushEffects();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(FakeWebSocket.all.at(-1)!.readyState).toBe(0); // still connecting
    expect(render(() => view(renewed)).connected).toBe(false); // before 2026-12-03: true — "live", and no offline banner
  });
});

describe("useFeed: the loads' second page", () => {
  it('brings every unresolved alert, not only the open ones (an acknowledged drowning older than the newest 200)', async () => {
    const api = new FakeApi('A');
    // Operators acknowledged a drowning while this (school) PC was off; 200 resolved alerts came after it.
    api.server.set('d', alert('d', { rule: 'vanish_in_water', severity: 'critical', state: 'acknowledged', startedAt: now - 7_200_000, updatedAt: now - 7_000_000 }));
    for (let i = 0; i < 200; i++) api.server.set(`r${i}`, alert(`r${i}`, { state: 'resolved', startedAt: now - 100_000 + i, updatedAt: now - 100_000 + i }));
    const { alerts } = await mount(api);
    expect(api.listed).toContain('open,acknowledged,dispatched');
    expect(alerts().get('d')?.state).toBe('acknowledged'); // before 2026-12-03: not loaded — never shown at the school
  });
});

describe('useFeed: the ring after a REST load (sign-in, reload, resync)', () => {
  const drowning = (id: string, over: Partial<Alert> = {}) =>
    alert(id, { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 600_000, startedAt: now - 610_000, updatedAt: now - 600_000, ...over });

  it('rings once for an unanswered drowning raised 10 min ago, as a push of it would; not for a claimed one', async () => {
    const api = new FakeApi('A');
    api.server.set('d', drowning('d'));
    api.server.set('claimed', drowning('claimed', { state: 'acknowledged', updatedAt: now - 500_000 }));
    const { ws } = await mount(api); // the sign-in's load and the first hello's: one ring
    expect(playAlarm).toHaveBeenCalledTimes(1); // before 2026-12-03: 0 — not "raised in the last 2 min"
    expect(notify.mock.calls.map(([, , a]: [string, string, Alert]) => a.id)).toEqual(['d']);

    ws.receive({ type: 'resync_required', seq: 500 }); // a load does not ring again for what this screen rang
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).toHaveBeenCalledTimes(1);
  });

  it("rings once for an escalation to the user's region still open at its level; not again, not once claimed", async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x', { escalationLevel: 1, responsibleRegionId: 'township', updatedAt: now - 2000 }));
    api.server.set('claimed', alert('claimed', { state: 'acknowledged', escalationLevel: 1, responsibleRegionId: 'township' }));
    api.server.set('elsewhere', alert('elsewhere', { escalationLevel: 1, responsibleRegionId: 'county' }));
    const { ws } = await mount(api, { regionIds: ['township'] });
    expect(playAlarm).toHaveBeenCalledTimes(1); // before 2026-12-03: 0 — an escalation made before a reload never rang
    expect(notify.mock.calls.map(([, , a]: [string, string, Alert]) => a.id)).toEqual(['x']);

    ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).toHaveBeenCalledTimes(1);

    // Escalated once more during a gap: a level not rung for yet.
    api.server.set('x', { ...api.server.get('x')!, escalationLevel: 2, updatedAt: now - 1000 });
    ws.receive({ type: 'resync_required', seq: 600 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).toHaveBeenCalledTimes(2);
  });
});

describe('useFeed: every merge of REST data judges the alarms it brings', () => {
  const raised = alert('d', { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 2000, startedAt: now - 12_000, updatedAt: now - 2000 });

  it("rings when a filter's page overtakes the alarm's push (the push is then an older copy)", async () => {
    const api = new FakeApi('A');
    const { ws, feed } = await mount(api);
    // The alarm was raised, then someone added a note; the filter's page brings the noted copy first.
    api.server.set('d', { ...raised, message: 'a note', updatedAt: now - 1000 });
    await feed().load({ rule: 'vanish_in_water' });
    ws.receive({ type: 'alert.created', seq: 11, data: { ...raised, alarm: true } as Alert });
    ws.receive({ type: 'alert.updated', seq: 12, data: { ...api.server.get('d')!, alarm: false } as Alert });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).toHaveBeenCalledTimes(1); // before 2026-12-03: 0 — neither push was news any more
  });

  it("rings for an alarm a transition's answer or a read by id brings first, once", async () => {
    const api = new FakeApi('A');
    const { ws, feed } = await mount(api);
    feed().upsert(raised);
    expect(playAlarm).toHaveBeenCalledTimes(1); // before 2026-12-03: 0
    ws.receive({ type: 'alert.created', seq: 11, data: { ...raised, alarm: true } as Alert });
    feed().upsert({ ...raised, state: 'acknowledged', updatedAt: now - 500 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(playAlarm).toHaveBeenCalledTimes(1);
  });
});

describe("useFeed: dropping an alert the API answers 404 for", () => {
  it('drops the copy that was asked about, not a newer one a push brought since', async () => {
    const api = new FakeApi('A');
    api.server.set('x', alert('x'));
    api.server.set('y', alert('y'));
    const { ws, feed, alerts } = await mount(api);
    const askedX = alerts().get('x')!;
    const askedY = alerts().get('y')!;
    ws.receive({ type: 'alert.updated', seq: 11, data: { ...askedY, message: 'back in scope', updatedAt: now - 1000 } as Alert });
    feed().drop([askedX, askedY]);
    expect(alerts().has('x')).toBe(false);
    expect(alerts().get('y')?.message).toBe('back in scope');
    expect(closeNotification).toHaveBeenCalledWith('x');
    expect(closeNotification).not.toHaveBeenCalledWith('y');
  });
});

describe('useFeed: notifications of resolved alerts', () => {
  it('closes the notification of an alert a push or a load brings resolved', async () => {
    const api = new FakeApi('A');
    api.server.set('d', alert('d', { severity: 'critical', alarmedAt: now - 2000, updatedAt: now - 2000 }));
    const { ws } = await mount(api);
    ws.receive({ type: 'alert.updated', seq: 11, data: { ...api.server.get('d')!, message: 'a note', updatedAt: now - 1000 } as Alert });
    expect(closeNotification).not.toHaveBeenCalled();
    ws.receive({ type: 'alert.updated', seq: 12, data: { ...api.server.get('d')!, state: 'resolved', updatedAt: now - 500 } as Alert });
    expect(closeNotification).toHaveBeenCalledWith('d'); // before 2026-12-03: it stayed until clicked away

    api.server.set('e', alert('e', { state: 'resolved', updatedAt: now - 100 })); // resolved during a gap
    ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(closeNotification).toHaveBeenCalledWith('e');
  });
});


describe('useFeed: the resume point across a reload', () => {
  const pushed = (seq: number, at: number, a: Alert) => ({ type: 'alert.created', seq, at, data: a }) as PushMessage;

  it("keeps the last event's at next to lastSeq and resumes with both; after a resync lastSeq alone", async () => {
    const api = new FakeApi('A');
    const first = await mount(api);
    first.ws.receive(pushed(11, 1_796_000_000_011, alert('a')));
    first.ws.receive(pushed(11, 1_796_000_000_999, alert('a'))); // a replayed seq changes nothing
    await jest.advanceTimersByTimeAsync(0);
    unmount(); // the tab reloads: sessionStorage stays
    const second = await mount(api);
    expect(second.ws.url).toBe('ws://console.test/ws?lastSeq=11&lastAt=1796000000011');

    second.ws.receive({ type: 'resync_required', seq: 500 });
    await jest.advanceTimersByTimeAsync(0);
    second.ws.onclose?.({ code: 1006 });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(FakeWebSocket.all.at(-1)!.url).toBe('ws://console.test/ws?lastSeq=500'); // it holds no event under 500
    FakeWebSocket.all.at(-1)!.open();
    FakeWebSocket.all.at(-1)!.receive(pushed(501, 1_796_000_000_501, alert('b')));
    await jest.advanceTimersByTimeAsync(0);
    unmount();
    expect((await mount(api)).ws.url).toBe('ws://console.test/ws?lastSeq=501&lastAt=1796000000501');
  });
});

describe('useFeed: sign-in during a storm', () => {
  /** 14:00 a child goes under; nobody has answered (open, critical, 5 min ago). */
  const drowning = alert('drown', { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 300_000, startedAt: now - 310_000, updatedAt: now - 300_000 });
  /** 14:02 a power cut: `count` camera_offline alerts (major, open), all newer than the drowning. */
  const powerCut = (api: FakeApi, count: number) => {
    for (let i = 0; i < count; i++) api.server.set(`off${i}`, alert(`off${i}`, { rule: 'camera_offline', cameraId: `c${i}`, startedAt: now - 180_000 + i, updatedAt: now - 180_000 + i }));
  };

  it('loads and rings an unanswered drowning older than 300 unresolved camera_offline alerts', async () => {
    const api = new FakeApi('A');
    api.server.set('drown', drowning);
    powerCut(api, 300);
    const { alerts } = await mount(api); // 14:05 the restarted PC signs in
    expect(alerts().has('drown')).toBe(true); // before 2026-12-03: false — in neither page
    expect(playAlarm).toHaveBeenCalledTimes(1); // before: 0
    expect(playAlarm).toHaveBeenCalledWith('critical');
    expect(notify.mock.calls.map(([, , a]: [string, string, Alert]) => a.id)).toEqual(['drown']);
    expect(api.listedSeverities).toContain('critical'); // its own query: the ring comes with the first answer
  });

  it('pages through the unresolved alerts beyond the first 200', async () => {
    const api = new FakeApi('A');
    api.server.set('drown', { ...drowning, severity: 'major', rule: 'zone_enter' }); // not critical: only the paging brings it
    powerCut(api, 700);
    const { alerts } = await mount(api);
    expect(alerts().has('drown')).toBe(true);
    expect(alerts().size).toBe(701);
  });

  it('stops paging at UNRESOLVED_LOAD_MAX unresolved alerts, the newest', async () => {
    const api = new FakeApi('A');
    powerCut(api, UNRESOLVED_LOAD_MAX + 500);
    const { alerts } = await mount(api);
    expect(alerts().size).toBe(UNRESOLVED_LOAD_MAX);
    expect(alerts().has(`off${UNRESOLVED_LOAD_MAX + 499}`)).toBe(true);
  });
});

describe('useFeed: an escalation burst', () => {
  const offline = (i: number) => alert(`off${i}`, { rule: 'camera_offline', cameraId: `c${i}`, escalationLevel: 1, responsibleRegionId: 'township', updatedAt: now - 1000 });
  const drowning = { ...alert('drown', { rule: 'vanish_in_water', severity: 'critical', alarmedAt: now - 500, startedAt: now - 600, updatedAt: now - 500 }), alarm: true } as Alert;
  const notified = () => notify.mock.calls.map(([, , a]: [string, string, Alert]) => a.id);

  it('does not stack a notification per escalated camera_offline, and still notifies the drowning in it', async () => {
    const api = new FakeApi('A');
    const { ws } = await mount(api, { regionIds: ['township'] });
    let seq = 11;
    for (let i = 0; i < 150; i++) ws.receive({ type: 'alert.updated', seq: seq++, data: offline(i) });
    ws.receive({ type: 'alert.created', seq: seq++, data: drowning });
    for (let i = 150; i < 300; i++) ws.receive({ type: 'alert.updated', seq: seq++, data: offline(i) });
    await jest.advanceTimersByTimeAsync(2000);
    expect(notified()).toContain('drown');
    expect(notified().length).toBeLessThan(5); // before 2026-12-03: 301, the drowning's #151
    expect(playAlarm.mock.calls.length).toBeLessThan(5); // before: 301 overlapping alarms
    expect(playAlarm).toHaveBeenCalledWith('critical'); // the drowning's own sound, not the escalations' chime

    // The burst ends in one notification that says how many, naming the most severe; it replaces the first one's.
    await jest.advanceTimersByTimeAsync(RING_BURST_MS);
    expect(notifyBurst).toHaveBeenCalledTimes(1);
    const [, , worst, count] = notifyBurst.mock.calls[0] as [string, string, Alert, number];
    expect(count).toBe(300);
    expect(worst.rule).toBe('camera_offline');
    expect(closeNotification).toHaveBeenCalledWith(notified()[0]);
    expect(notified()).toEqual(['off0', 'drown']);
    expect(playAlarm.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('names the most severe escalated alert of the burst', async () => {
    const api = new FakeApi('A');
    const { ws } = await mount(api, { regionIds: ['township'] });
    ws.receive({ type: 'alert.updated', seq: 11, data: offline(0) });
    ws.receive({ type: 'alert.updated', seq: 12, data: { ...offline(1), severity: 'warning' } });
    ws.receive({ type: 'alert.updated', seq: 13, data: { ...alert('crowd', { rule: 'crowd', severity: 'major', escalationLevel: 2, responsibleRegionId: 'township', updatedAt: now - 1000 }) } });
    await jest.advanceTimersByTimeAsync(RING_BURST_MS + 1000);
    expect(notifyBurst.mock.calls.map(([, , worst, count]: [string, string, Alert, number]) => [worst.id, count])).toEqual([['crowd', 3]]);
    expect(playAlarm.mock.calls).toEqual([['escalation'], ['escalation']]); // the first at once, then once for the burst
  });

  it('rings once, with one notification, for the escalations a sign-in brings', async () => {
    const api = new FakeApi('A');
    for (let i = 0; i < 300; i++) api.server.set(`off${i}`, offline(i));
    await mount(api, { regionIds: ['township'] });
    await jest.advanceTimersByTimeAsync(RING_BURST_MS);
    expect(notify).not.toHaveBeenCalled();
    // The first answer's 200, then all 300 once paged through: the second notification replaces the first (one tag).
    expect(notifyBurst.mock.calls.map(([, , , count]: [string, string, Alert, number]) => count)).toEqual([200, 300]);
    expect(playAlarm.mock.calls).toEqual([['escalation'], ['escalation']]);
  });

  it('gives every critical alert its own ring and notification, also within a burst', async () => {
    const api = new FakeApi('A');
    const { ws } = await mount(api, { regionIds: ['township'] });
    ws.receive({ type: 'alert.updated', seq: 11, data: offline(0) });
    await jest.advanceTimersByTimeAsync(500);
    ws.receive({ type: 'alert.updated', seq: 12, data: offline(1) });
    ws.receive({ type: 'alert.created', seq: 13, data: drowning });
    await jest.advanceTimersByTimeAsync(500);
    expect(notified()).toEqual(['off0', 'drown']);
    expect(playAlarm.mock.calls).toEqual([['escalation'], ['critical']]);
    await jest.advanceTimersByTimeAsync(5000); // a second drowning after the first one's sound
    ws.receive({ type: 'alert.created', seq: 14, data: { ...drowning, id: 'drown2' } as Alert });
    await jest.advanceTimersByTimeAsync(500);
    expect(notified()).toEqual(['off0', 'drown', 'drown2']);
    expect(playAlarm.mock.calls.filter(([kind]) => kind === 'critical')).toHaveLength(2);
  });

  it('sounds the critical alarm once for drownings pushed together, with a notification each', async () => {
    const api = new FakeApi('A');
    const { ws } = await mount(api);
    ws.receive({ type: 'alert.created', seq: 11, data: drowning });
    ws.receive({ type: 'alert.created', seq: 12, data: { ...drowning, id: 'drown2' } as Alert });
    await jest.advanceTimersByTimeAsync(500);
    expect(notified()).toEqual(['drown', 'drown2']);
    expect(playAlarm.mock.calls).toEqual([['critical']]); // one sound, not two copies on top of each other
  });

  it("keeps the drowning's own notification when the burst's first alert goes under", async () => {
    const api = new FakeApi('A');
    const { ws } = await mount(api, { regionIds: ['township'] });
    // A child in the pond for 5 min, unanswered: its zone_enter (major) escalates to the township, the first of a storm's burst.
    const x = alert('x', { escalationLevel: 1, responsibleRegionId: 'township', updatedAt: now - 1000 });
    let seq = 11;
    ws.receive({ type: 'alert.updated', seq: seq++, data: x });
    for (let i = 0; i < 300; i++) {
      await jest.advanceTimersByTimeAsync(100); // the power cut's camera_offline escalations keep coming
      ws.receive({ type: 'alert.updated', seq: seq++, data: offline(i) });
      // 15 s in, the child goes under: vanish_in_water supersedes the same alert, critical, with an alarm.
      if (i === 150) ws.receive({ type: 'alert.updated', seq: seq++, data: { ...x, rule: 'vanish_in_water', severity: 'critical', alarmedAt: Date.now(), updatedAt: Date.now(), alarm: true } as Alert });
    }
    await jest.advanceTimersByTimeAsync(5000);
    const criticalAt = notify.mock.invocationCallOrder[notify.mock.calls.findIndex(([, , a]: [string, string, Alert]) => a.severity === 'critical')];
    const closedAfter = closeNotification.mock.calls.filter(([id]: [string], k: number) => id === 'x' && closeNotification.mock.invocationCallOrder[k] > criticalAt);
    expect(closedAfter).toEqual([]); // before: closed again at each of the burst's next rings
    const [, , worst] = notifyBurst.mock.calls.at(-1)! as [string, string, Alert, number];
    expect(worst.id).not.toBe('x'); // before: 'x' as its stale zone_enter copy, "Most urgent: zone_enter"
  });
});
