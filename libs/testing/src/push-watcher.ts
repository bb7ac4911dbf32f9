// An operator console's WebSocket, as docs/realtime.md tells clients to behave: on any close it
// reconnects (to the next API instance of its list) with ?lastSeq= and resumes. It records every
// message so a test can count deliveries per alert and see duplicates or gaps.
import WebSocket from 'ws';

export interface WatchedMessage {
  type: string;
  seq?: number;
  data?: Record<string, unknown>;
  receivedAt: number;
  /** Which URL of the list delivered it. */
  via: string;
}

export class PushWatcher {
  readonly messages: WatchedMessage[] = [];
  /** Close codes seen, in order. */
  readonly closes: number[] = [];
  /** Successful connections (the first one included). */
  connections = 0;
  private lastSeq: number | null = null;
  private socket: WebSocket | null = null;
  private current = 0;
  private closed = false;

  /** `urls`: http(s) base URLs of API instances; the first is tried first. */
  constructor(
    private readonly urls: string[],
    private readonly token: string,
    private readonly reconnectDelayMs = 200,
  ) {}

  /** Resolves once the first connection is open. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => this.connect(resolve, reject));
  }

  /** Events (alert.created, alert.updated, camera.status) received. */
  get events(): WatchedMessage[] {
    return this.messages.filter((m) => m.type.includes('.'));
  }

  /** alert.created per alert id → how many times it arrived. */
  createdCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of this.events) if (e.type === 'alert.created') counts.set(String(e.data?.id), (counts.get(String(e.data?.id)) ?? 0) + 1);
    return counts;
  }

  /** Seqs delivered more than once (should be none). */
  duplicateSeqs(): number[] {
    const seen = new Set<number>();
    const twice: number[] = [];
    for (const e of this.events) {
      if (e.seq === undefined) continue;
      if (seen.has(e.seq)) twice.push(e.seq);
      seen.add(e.seq);
    }
    return twice;
  }

  async waitFor<T>(what: string, find: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found) return found;
      if (Date.now() > end) {
        const seen = this.events.map((e) => [e.type, e.data?.cameraId, e.data?.rule ?? e.data?.status, e.data?.severity]);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; closes ${JSON.stringify(this.closes)}, events ${JSON.stringify(seen)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.terminate();
  }

  private connect(opened?: () => void, failed?: (err: Error) => void): void {
    const base = this.urls[this.current % this.urls.length];
    const url = new URL(`${base.replace(/^http/, 'ws')}/ws`);
    if (this.lastSeq !== null) url.searchParams.set('lastSeq', String(this.lastSeq));
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.token}` } });
    this.socket = socket;
    let open = false;
    socket.on('open', () => {
      open = true;
      this.connections++;
      opened?.();
    });
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as Omit<WatchedMessage, 'receivedAt' | 'via'>;
      this.messages.push({ ...msg, receivedAt: Date.now(), via: base });
      // A resync tells the client to reload by REST; its seq is the new starting point.
      if (typeof msg.seq === 'number' && msg.type !== 'hello') this.lastSeq = Math.max(this.lastSeq ?? 0, msg.seq);
      else if (msg.type === 'hello' && this.lastSeq === null && typeof msg.seq === 'number') this.lastSeq = msg.seq;
    });
    socket.on('error', (err) => {
      if (!open && failed && this.connections === 0) {
        failed(err);
        failed = undefined;
      }
    });
    socket.on('close', (code) => {
      this.closes.push(code);
      if (this.closed || (this.connections === 0 && !open)) return;
      // Another instance next time: the one we were on may be gone for good.
      this.current++;
      setTimeout(() => !this.closed && this.connect(), this.reconnectDelayMs);
    });
  }
}
