import { WebSocket } from 'ws';
import { WS_BEARER_PROTOCOL_PREFIX, WS_PROTOCOL } from '../ws-push-server';

export interface PushMessage {
  type: string;
  seq?: number;
  /** An event's publication time (epoch ms): with its seq, the identity a console resumes from (`lastAt`). */
  at?: number;
  data?: Record<string, unknown>;
}

/** A real `ws` client that records every message and can wait for a condition on them. */
export class TestPushClient {
  readonly messages: PushMessage[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as PushMessage);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static connect(
    baseUrl: string,
    token: string | null,
    /** How the token goes: the Authorization header (default), `?token=`, or the subprotocols a browser offers. */
    opts: { lastSeq?: number; lastAt?: number; autoPong?: boolean; via?: 'header' | 'query' | 'protocol' } = {},
  ): Promise<TestPushClient> {
    const url = new URL(baseUrl);
    if (opts.lastSeq !== undefined) url.searchParams.set('lastSeq', String(opts.lastSeq));
    if (opts.lastAt !== undefined) url.searchParams.set('lastAt', String(opts.lastAt));
    const via = opts.via ?? 'header';
    if (token && via === 'query') url.searchParams.set('token', token);
    const headers = token && via === 'header' ? { authorization: `Bearer ${token}` } : undefined;
    const protocols = token && via === 'protocol' ? [WS_PROTOCOL, `${WS_BEARER_PROTOCOL_PREFIX}${token}`] : [];
    const ws = new WebSocket(url, protocols, { headers, autoPong: opts.autoPong ?? true });
    const client = new TestPushClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode }));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Events (messages with a seq and an event type) received so far. */
  get events(): PushMessage[] {
    return this.messages.filter((m) => m.type.includes('.'));
  }

  get eventSeqs(): number[] {
    return this.events.map((m) => m.seq as number);
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  async waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))} (${this.messages.length} messages, close ${this.closeCode})`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForEvents(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(`${count} events`, () => this.events.length >= count, timeoutMs);
  }

  waitForClose(timeoutMs?: number): Promise<void> {
    return this.waitFor('close', () => this.closeCode !== undefined, timeoutMs);
  }

  close(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
