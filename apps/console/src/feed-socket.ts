// The feed's two links to alerts-api: the /ws push (FeedSocket) and the REST loads that fill the
// alert map (RetryingLoad).
import { backoffMs } from './feed-state';
import { socketProtocols } from './socket-protocols';
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

/** The client pings this often; the server answers each ping with a pong. */
export const PING_MS = 25_000;
/**
 * Nothing heard for this long (pongs missed, and slack): the connection is dead though the browser
 * may not notice for many minutes (half-open: a NAT or firewall dropped it, a VPN re-keyed). Well over
 * a minute: browsers run a long-hidden tab's timers once a minute, so a background console measures
 * about 60 s since the last pong even on a live link — at 60 s it dropped and reconnected each minute.
 */
export const SILENCE_MS = 90_000;
/**
 * A handshake neither opened nor failed within this long is given up and tried again like a failed
 * one: a stuck instance that accepted the TCP connection, or a dead path, would otherwise hold the
 * socket until the OS's connect timeout (minutes) with no retry and no silence watch.
 */
export const HANDSHAKE_MS = 15_000;
/** How often the silence is measured. */
const CHECK_MS = 5_000;

/**
 * The /ws push with resume (docs/realtime.md): reconnects after a drop with ?lastSeq= so the server
 * replays what this client missed, each event once and in order. `lastSeq()` is read at every
 * (re)connect so the caller's state decides where to resume.
 */
export class FeedSocket {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private handshake: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private failures = 0;
  private lastHeard = 0;

  constructor(
    /** The push's address, `ws(s)://host/ws`. */
    private readonly url: string,
    private readonly token: string,
    private readonly lastSeq: () => number | null,
    private readonly handlers: FeedSocketHandlers,
    /**
     * The `at` of the event held under lastSeq (null when lastSeq came from a hello or a resync): sent
     * as ?lastAt= so that a server whose Redis handed that seq out again says resync_required.
     */
    private readonly lastAt: () => number | null = () => null,
  ) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.handshake);
    clearInterval(this.ping);
    this.ws?.close(1000);
    this.ws = null;
  }

  /** Drops the connection as a network failure would (used by tests of the resume). */
  drop(): void {
    this.ws?.close(4000, 'dropped by the client');
  }

  private connect(): void {
    const q = new URLSearchParams();
    const seq = this.lastSeq();
    if (seq !== null) q.set('lastSeq', String(seq));
    const at = seq !== null ? this.lastAt() : null;
    if (at !== null) q.set('lastAt', String(at));
    const query = q.toString();
    const ws = new WebSocket(query ? `${this.url}?${query}` : this.url, socketProtocols(this.token));
    this.ws = ws;
    let opened = false;
    clearTimeout(this.handshake);
    this.handshake = setTimeout(() => {
      if (this.ws !== ws) return;
      // Its close, whenever the browser gets to it, is ignored: the next try starts now.
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close();
      this.failed(false, 1006);
    }, HANDSHAKE_MS);
    ws.onopen = () => {
      clearTimeout(this.handshake);
      opened = true;
      this.failures = 0;
      this.handlers.connected(true);
      this.watch(ws);
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      this.handlers.message(JSON.parse(String(e.data)) as PushMessage);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return; // a replaced socket's late close must not stop the new one's pings
      clearTimeout(this.handshake);
      this.failed(opened, e.code);
    };
  }

  /** The current connection ended (`opened`: after its handshake), or its handshake failed: retries with back-off. */
  private failed(opened: boolean, code: number): void {
    clearInterval(this.ping);
    this.handlers.connected(false);
    if (this.closed) return;
    if (code === 4401) return this.handlers.unauthorized();
    this.failures++;
    // A refused handshake never opens; after a few in a row the caller checks the credential via REST.
    if (!opened && this.failures >= 3) this.handlers.handshakeFailing();
    const delay = Math.min(10_000, 500 * 2 ** Math.min(this.failures, 5)) * (0.5 + Math.random() / 2);
    this.timer = setTimeout(() => this.connect(), code === 4000 ? 0 : delay);
  }

  /** Pings every PING_MS and gives the connection up after SILENCE_MS without a message. */
  private watch(ws: WebSocket): void {
    clearInterval(this.ping);
    let pinged = (this.lastHeard = Date.now());
    this.ping = setInterval(() => {
      const now = Date.now();
      if (now - this.lastHeard > SILENCE_MS) return this.abandon(ws);
      if (now - pinged < PING_MS) return;
      pinged = now;
      if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
    }, CHECK_MS);
  }

  /** Drops a silent connection: its late close and messages are ignored; the new one resumes (lastSeq). */
  private abandon(ws: WebSocket): void {
    clearInterval(this.ping);
    this.ws = null;
    ws.onclose = null;
    ws.onmessage = null;
    ws.close();
    this.handlers.connected(false);
    this.timer = setTimeout(() => this.connect(), 0);
  }
}

/**
 * A REST load that is tried until it succeeds: again 1 s after a failure, doubling to 30 s (the API
 * is up but its database fails over). `apply` gets the answer unless stopped meanwhile. A request
 * while a try is under way runs one more try after it (that read may predate what the request is
 * about); one while waiting to retry is covered by the coming try.
 */
export class RetryingLoad<T> {
  private inFlight = false;
  private again = false;
  private stopped = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly apply: (answer: T) => void,
  ) {}

  request(): void {
    if (this.stopped) return;
    if (this.inFlight) this.again = true;
    else if (this.timer === undefined) void this.attempt();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    this.timer = undefined;
    this.inFlight = true;
    this.again = false;
    let answer: T;
    try {
      answer = await this.fetch();
    } catch {
      this.inFlight = false;
      if (!this.stopped) this.timer = setTimeout(() => void this.attempt(), backoffMs(this.failures++));
      return;
    }
    this.inFlight = false;
    this.failures = 0;
    if (this.stopped) return;
    this.apply(answer);
    if (this.again) void this.attempt();
  }
}
