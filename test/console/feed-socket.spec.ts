// FeedSocket's liveness check, with a fake WebSocket and jest's fake clock: a half-open connection
// (nothing comes back, no close either) must not keep showing "live", nor a handshake that hangs
// hold the feed up.
import { FeedSocket, HANDSHAKE_MS, PING_MS, SILENCE_MS, type FeedSocketHandlers } from '../../apps/console/src/feed-socket';
import type { PushMessage } from '../../apps/console/src/types';

/** A browser WebSocket that only does what the test makes it do: close() fires no close event. */
class FakeWebSocket {
  static readonly OPEN = 1;
  static all: FakeWebSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols?: string[],
  ) {
    FakeWebSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1005): void {
    this.closedWith = code;
  }
  open(): void {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.();
  }
  receive(msg: PushMessage): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

const globals = globalThis as unknown as Record<string, unknown>;
const saved = globals.WebSocket;

function start(lastSeq: () => number | null, lastAt?: () => number | null) {
  const messages: PushMessage[] = [];
  const handlers: FeedSocketHandlers = {
    message: (m) => messages.push(m),
    connected: jest.fn(),
    unauthorized: jest.fn(),
    handshakeFailing: jest.fn(),
  };
  const socket = new FeedSocket('ws://console.test/ws', 'tok', lastSeq, handlers, lastAt);
  socket.start();
  return { socket, handlers, messages };
}

/** Each test on jest's clock with FakeWebSocket as the browser's WebSocket. */
function fakeSocketsAndTimers(): void {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.all = [];
    globals.WebSocket = FakeWebSocket;
  });
  afterEach(() => {
    jest.useRealTimers();
    globals.WebSocket = saved;
  });
}

describe('FeedSocket liveness', () => {
  fakeSocketsAndTimers();

  it('gives up a connection that went silent, says so, and reconnects with resume; the old one is ignored', () => {
    let seq: number | null = null;
    const { socket, handlers, messages } = start(() => seq);
    const first = FakeWebSocket.all[0];
    // The token goes among the offered subprotocols, never into the URL (access logs keep URLs).
    expect([first.url, first.protocols]).toEqual(['ws://console.test/ws', ['xl.v1', 'xl.bearer.tok']]);
    first.open();
    first.receive({ type: 'hello', seq: 7 });
    seq = 7;
    expect(handlers.connected).toHaveBeenLastCalledWith(true);

    jest.advanceTimersByTime(SILENCE_MS - 1000); // pings go out, no pong comes back
    expect(first.sent.filter((s) => s === '{"type":"ping"}')).toHaveLength(Math.floor((SILENCE_MS - 1000) / PING_MS));
    expect(handlers.connected).not.toHaveBeenCalledWith(false);

    jest.advanceTimersByTime(6000); // silence past SILENCE_MS: the next check notices
    expect(handlers.connected).toHaveBeenLastCalledWith(false);
    expect(first.closedWith).toBeDefined();
    jest.advanceTimersByTime(1); // a 0-ms timeout runs after 1 ms, as in Node
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(FakeWebSocket.all[1].url).toBe('ws://console.test/ws?lastSeq=7');

    // The dead connection's late close and messages change nothing.
    first.onclose?.({ code: 1006 });
    first.onmessage?.({ data: JSON.stringify({ type: 'alert.created', seq: 8, data: {} }) });
    expect(messages).toHaveLength(1);
    FakeWebSocket.all[1].open();
    jest.advanceTimersByTime(SILENCE_MS - 10_000);
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(handlers.connected).toHaveBeenLastCalledWith(true);
    socket.stop();
  });

  it('keeps a connection whose pings are answered', () => {
    const { socket, handlers } = start(() => null);
    const ws = FakeWebSocket.all[0];
    ws.open();
    for (let t = 0; t < 10 * PING_MS; t += 5000) {
      jest.advanceTimersByTime(5000);
      if (ws.sent.length) ws.receive({ type: 'pong' });
      ws.sent = [];
    }
    expect(handlers.connected).not.toHaveBeenCalledWith(false);
    expect(FakeWebSocket.all).toHaveLength(1);
    socket.stop();
  });

  it("keeps a live connection of a long-hidden tab, whose timers run only once a minute", () => {
    const { socket, handlers } = start(() => null);
    const ws = FakeWebSocket.all[0];
    ws.open();
    // Each minute the tab wakes: the ping goes out, its pong comes back at once, and the silence
    // measured at the next wake-up is a little over a minute (timers fire late).
    for (let minute = 0; minute < 5; minute++) {
      ws.receive({ type: 'pong' });
      jest.advanceTimersByTime(65_000);
    }
    expect(handlers.connected).not.toHaveBeenCalledWith(false); // with SILENCE_MS at 60 s: dropped every minute
    expect(FakeWebSocket.all).toHaveLength(1);
    socket.stop();
  });
});

describe('FeedSocket handshake limit', () => {
  fakeSocketsAndTimers();

  it('gives up a handshake that neither opens nor fails, and tries again with back-off and resume', () => {
    const { socket, handlers } = start(() => 7);
    const first = FakeWebSocket.all[0];
    jest.advanceTimersByTime(HANDSHAKE_MS - 1);
    expect(first.closedWith).toBeUndefined();
    jest.advanceTimersByTime(1); // a stuck instance never answers the upgrade
    expect(first.closedWith).toBeDefined(); // before 2026-12-03: left connecting until the OS gave up
    expect(handlers.connected).toHaveBeenLastCalledWith(false);
    jest.advanceTimersByTime(1000); // the first retry waits at most 1 s
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(FakeWebSocket.all[1].url).toBe('ws://console.test/ws?lastSeq=7');
    // The given-up socket's late events change nothing: no second retry.
    first.onclose?.({ code: 1006 });
    first.open();
    jest.advanceTimersByTime(2000);
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(handlers.connected).not.toHaveBeenCalledWith(true);
    FakeWebSocket.all[1].open();
    expect(handlers.connected).toHaveBeenLastCalledWith(true);
    jest.advanceTimersByTime(HANDSHAKE_MS * 2);
    expect(FakeWebSocket.all[1].closedWith).toBeUndefined(); // opened in time: kept
    socket.stop();
  });

  it('counts hung handshakes as failed ones: after three in a row the caller checks the credential', () => {
    const { socket, handlers } = start(() => null);
    for (let i = 0; i < 3; i++) jest.advanceTimersByTime(HANDSHAKE_MS + 10_000);
    expect(FakeWebSocket.all.length).toBeGreaterThanOrEqual(3);
    expect(handlers.handshakeFailing).toHaveBeenCalled();
    socket.stop();
    const made = FakeWebSocket.all.length;
    jest.advanceTimersByTime(10 * HANDSHAKE_MS);
    expect(FakeWebSocket.all).toHaveLength(made); // stopped: no more tries
  });
});

describe('FeedSocket resume point', () => {
  fakeSocketsAndTimers();

  it("resumes with the held event's at (lastAt) next to lastSeq, and with lastSeq alone when it holds none", () => {
    let seq: number | null = null;
    let at: number | null = 1_796_000_000_123;
    const { socket } = start(() => seq, () => at);
    expect(FakeWebSocket.all[0].url).toBe('ws://console.test/ws'); // no lastSeq: no lastAt either
    FakeWebSocket.all[0].open();
    seq = 7;
    FakeWebSocket.all[0].onclose?.({ code: 1006 });
    jest.advanceTimersByTime(1000);
    expect(FakeWebSocket.all[1].url).toBe('ws://console.test/ws?lastSeq=7&lastAt=1796000000123');
    FakeWebSocket.all[1].open();
    at = null; // lastSeq from a hello or a resync: no event held under it
    FakeWebSocket.all[1].onclose?.({ code: 1006 });
    jest.advanceTimersByTime(1000);
    expect(FakeWebSocket.all[2].url).toBe('ws://console.test/ws?lastSeq=7');
    socket.stop();
  });
});
