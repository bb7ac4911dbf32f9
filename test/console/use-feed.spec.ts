// The feed hook itself (use-feed.ts), run in node through hook-harness with a fake WebSocket, a fake
// Api and jest's fake clock: what a replayed escalation rings, what a resync reload does with alerts
// its pages do not bring back, and which socket's 4401 signs out.
import { unacknowledgedCount } from '../../apps/console/src/feed-state';
import type { Alert, PushMessage } from '../../apps/console/src/types';
import { flushEffects, installBrowserGlobals, render, unmount } from './hook-harness';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/alarm', () => ({ playAlarm: jest.fn(), notify: jest.fn() }));

// use-feed.ts and api.ts use the DOM's types, which the root typecheck (node) lacks: loaded untyped.
interface FeedView {
  alerts: Map<string, Alert>;
}
interface ApiErrorClass {
  new (status: number, message: string): Error;
}
const { useFeed } = jest.requireActual('../../apps/console/src/use-feed') as {
  useFeed(api: FakeApi, onUnauthorized: () => void, describe: (a: Alert) => { title: string; text: string }, regionIds?: readonly string[]): FeedView;
};
const { ApiError } = jest.requireActual('../../apps/console/src/api') as { ApiError: ApiErrorClass };
const { playAlarm, notify } = jest.requireMock('../../apps/console/src/alarm') as { playAlarm: jest.Mock; notify: jest.Mock };

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
  constructor(readonly bearer: string) {}

  async alerts(q: { limit?: number; state?: string }): Promise<{ items: Alert[]; nextCursor: string | null }> {
    const items = [...this.server.values()]
      .filter((a) => !q.state || q.state.split(',').includes(a.state))
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, q.limit ?? 50);
    return { items, nextCursor: null };
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
  return { ws, alerts: () => render(view).alerts };
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
