import type { PushMessage } from './types';

export interface FeedSocketHandlers {
  message(msg: PushMessage): void;
  connected(open: boolean): void;
  /** The server closed the connection because the credential is no longer valid (4401). */
  unauthorized(): void;
  /**
   * Several handshakes in a row failed: a refused credential (the browser does not say which) or a
   * server that is down or restarting. Called after each further failure; the socket keeps trying.
   */
  handshakeFailing(): void;
}

/**
 * The /ws push with resume (docs/realtime.md): reconnects after a drop with ?lastSeq= so the server
 * replays what this client missed, each event once and in order. `lastSeq()` is read at every
 * (re)connect so the caller's state decides where to resume.
 */
export class FeedSocket {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private failures = 0;

  constructor(
    private readonly token: string,
    private readonly lastSeq: () => number | null,
    private readonly handlers: FeedSocketHandlers,
  ) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.ws?.close(1000);
    this.ws = null;
  }

  /** Drops the connection as a network failure would (used by tests of the resume). */
  drop(): void {
    this.ws?.close(4000, 'dropped by the client');
  }

  private connect(): void {
    const q = new URLSearchParams({ token: this.token });
    const seq = this.lastSeq();
    if (seq !== null) q.set('lastSeq', String(seq));
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?${q}`);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.failures = 0;
      this.handlers.connected(true);
      clearInterval(this.ping);
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 25_000);
    };
    ws.onmessage = (e) => this.handlers.message(JSON.parse(String(e.data)) as PushMessage);
    ws.onclose = (e) => {
      clearInterval(this.ping);
      if (this.ws !== ws) return;
      this.handlers.connected(false);
      if (this.closed) return;
      if (e.code === 4401) return this.handlers.unauthorized();
      this.failures++;
      // A refused handshake never opens; after a few in a row the caller checks the credential via REST.
      if (!opened && this.failures >= 3) this.handlers.handshakeFailing();
      const delay = Math.min(10_000, 500 * 2 ** Math.min(this.failures, 5)) * (0.5 + Math.random() / 2);
      this.timer = setTimeout(() => this.connect(), e.code === 4000 ? 0 : delay);
    };
  }
}
