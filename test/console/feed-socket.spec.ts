// FeedSocket's liveness check, with a fake WebSocket and jest's fake clock: a half-open connection
// (nothing comes back, no close either) must not keep showing "live".
import { FeedSocket, PING_MS, SILENCE_MS, type FeedSocketHandlers } from '../../apps/console/src/feed-socket';
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

function start(lastSeq: () => number | null) {
  const messages: PushMessage[] = [];
  const handlers: FeedSocketHandlers = {
    message: (m) => messages.push(m),
    connected: jest.fn(),
    unauthorized: jest.fn(),
    handshakeFailing: jest.fn(),
  };
  const socket = new FeedSocket('ws://console.test/ws', 'tok', lastSeq, handlers);
  socket.start();
  return { socket, handlers, messages };
}

describe('FeedSocket liveness', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.all = [];
    globals.WebSocket = FakeWebSocket;
  });
  afterEach(() => {
    jest.useRealTimers();
    globals.WebSocket = saved;
  });

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
    expect(first.sent.filter((s) => s === '{"type":"ping"}')).toHaveLength(2);
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
});
