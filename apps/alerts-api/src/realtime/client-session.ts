import type { LogEvent, LogPage } from './event-log';

// The feed hands the same LogEvent object to every session: serialise it once, not once per client.
const wireCache = new WeakMap<LogEvent, string>();

/**
 * Server → client text of an event: `{seq, type, at, data}`. `at` (publication time, epoch ms) names
 * the event under its seq: a client resumes with it (`lastAt`), and a seq Redis handed out again after
 * losing its last writes carries another `at`.
 */
export function wireFormat(event: LogEvent): string {
  let text = wireCache.get(event);
  if (text === undefined) {
    text = JSON.stringify({ seq: event.seq, type: event.type, at: event.at, data: event.data });
    wireCache.set(event, text);
  }
  return text;
}

/** The part of a `ws` WebSocket a session uses (a fake in unit tests). */
export interface PushSocket {
  readonly bufferedAmount: number;
  send(data: string, cb: (err?: Error) => void): void;
}

/** Server → client messages besides events (`{seq, type, data}`). */
export type ControlMessage =
  | { type: 'hello'; seq: number }
  | { type: 'resync_required'; seq: number }
  | { type: 'pong' }
  | { type: 'error'; message: string };

/**
 * Resume requests a connection may have waiting or running at once. A client needs one (its replay
 * covers everything after its lastSeq); a flood of them would each cost a backlog read.
 */
export const MAX_PENDING_RESUMES = 4;

export interface SessionLimits {
  /** Socket bytes unsent above which messages wait in the per-client queue. */
  maxBufferedBytes: number;
  /** Queue length above which the client is a slow consumer. */
  maxQueuedMessages: number;
  replayPageSize: number;
}

export interface SessionDeps {
  socket: PushSocket;
  limits: SessionLimits;
  canSee(event: LogEvent): boolean;
  /** RedisEventLog.readAfter: `withEntry` also reads the entry under afterSeq (a resume's lastAt check). */
  readAfter(afterSeq: number, count: number, withEntry?: boolean): Promise<LogPage>;
  /**
   * An event was handed to the socket (for the metrics); `live` false for a replay's, whose age is
   * the client's absence, not the pipeline's latency.
   */
  onEventSent(event: LogEvent, live: boolean): void;
  /** The per-client queue overflowed: the owner closes the connection. */
  onOverflow(): void;
}

/**
 * One client's delivery state. Invariant: every event in scope with seq > `coveredFrom` is sent
 * exactly once, in seq order (live events arrive ordered and gap-free from the EventFeed). A resume
 * lowers `coveredFrom` by replaying from the backlog while live events wait in `pendingLive`; after
 * the replay they are sent unless their seq was already sent.
 */
export class ClientSession {
  private coveredFrom = Number.POSITIVE_INFINITY;
  private lastSent = 0;
  private replays = 0;
  private pendingResumes = 0;
  private pendingLive: LogEvent[] = [];
  private readonly queue: string[] = [];
  private drainWaiters: (() => void)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Pings not answered yet. */
  missedPongs = 0;

  constructor(private readonly deps: SessionDeps) {
    // Until start() decides where delivery begins, live events wait.
    this.replays = 1;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  /**
   * Begins delivery: from `feedSeq` (the feed's last seq when this session was registered) for a
   * fresh client, or by replaying everything after `lastSeq` for a resuming one. `lastAt`: the `at`
   * of the event the client holds under lastSeq (null from a client that does not send it).
   */
  start(lastSeq: number | null, feedSeq: number, lastAt: number | null = null): Promise<void> {
    if (lastSeq === null) {
      this.coveredFrom = feedSeq;
      this.sendControl({ type: 'hello', seq: feedSeq });
      this.replays--;
      this.flushPendingLive();
      return Promise.resolve();
    }
    this.sendControl({ type: 'hello', seq: lastSeq });
    // The hold taken in the constructor is released when this replay ends.
    return this.enqueueResume(lastSeq, lastAt);
  }

  /** Client → server `{type:'resume', lastSeq, lastAt?}`: replays what this connection has not covered yet. */
  resume(lastSeq: number, lastAt: number | null = null): Promise<void> {
    if (this.pendingResumes >= MAX_PENDING_RESUMES) {
      this.sendControl({ type: 'error', message: `resume refused: ${this.pendingResumes} already in progress (at most ${MAX_PENDING_RESUMES}); wait for their events` });
      return Promise.resolve();
    }
    this.pendingResumes++;
    this.replays++;
    return this.enqueueResume(lastSeq, lastAt).finally(() => this.pendingResumes--);
  }

  /** Live event from the feed. */
  push(event: LogEvent): void {
    if (this.closed || !this.deps.canSee(event)) return;
    if (this.replays === 0) {
      this.sendLive(event);
      return;
    }
    // Held during a replay; a replay that cannot keep up with the live rate is a slow consumer too.
    this.pendingLive.push(event);
    if (this.pendingLive.length > this.deps.limits.maxQueuedMessages) this.overflow();
  }

  /** The feed lost events: the client cannot trust its view any more. */
  lost(toSeq: number): void {
    if (this.closed) return;
    this.sendControl({ type: 'resync_required', seq: toSeq });
  }

  send(message: ControlMessage): void {
    this.sendControl(message);
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.pendingLive = [];
    this.wakeDrainWaiters();
  }

  /** Replays run one after another; a failed one rejects (the owner closes the connection). */
  private enqueueResume(lastSeq: number, lastAt: number | null): Promise<void> {
    const run = async () => {
      try {
        if (!this.closed) await this.replay(lastSeq, lastAt);
      } finally {
        this.replays--;
        if (this.replays === 0) this.flushPendingLive();
      }
    };
    this.chain = this.chain.then(run, run);
    return this.chain;
  }

  private async replay(lastSeq: number, lastAt: number | null): Promise<void> {
    const upper = this.coveredFrom;
    if (lastSeq >= upper) return;
    let after = lastSeq;
    for (let first = true; ; first = false) {
      const page = await this.deps.readAfter(after, this.deps.limits.replayPageSize, first && lastAt !== null);
      if (this.closed) return;
      // An unparsable entry in the page is an event the client would miss: as for a rollover, resync.
      if ((first && this.mustResync(lastSeq, lastAt, page)) || (page.skipped?.length ?? 0) > 0) {
        this.sendControl({ type: 'resync_required', seq: page.head });
        this.coveredFrom = Math.min(this.coveredFrom, page.head);
        return;
      }
      for (const event of page.events) {
        if (event.seq !== after + 1) {
          // The backlog rolled over while we were paging through it.
          this.sendControl({ type: 'resync_required', seq: page.head });
          this.coveredFrom = Math.min(this.coveredFrom, page.head);
          return;
        }
        after = event.seq;
        if (event.seq > upper) break;
        if (this.deps.canSee(event)) this.sendEvent(event, false);
      }
      if (after >= upper || page.events.length < this.deps.limits.replayPageSize) break;
      // Bounded memory: the next page is read only once this one has left the queue.
      await this.drained();
      if (this.closed) return;
    }
    this.coveredFrom = lastSeq;
  }

  /**
   * The backlog no longer holds everything after lastSeq, or lastSeq is from the future (Redis reset),
   * or (with lastAt) the stream's entry under lastSeq is not the event the client holds: Redis lost its
   * last writes and handed the seq out again, so the events now numbered up to lastSeq are new to it.
   */
  private mustResync(lastSeq: number, lastAt: number | null, page: LogPage): boolean {
    if (lastSeq > page.head) return true;
    if (lastAt !== null) {
      if (page.entry) {
        if (page.entry.at !== lastAt) return true;
      } else if (page.oldest !== null && page.oldest <= lastSeq) {
        return true; // missing inside the backlog: deleted, or a seq skipped by a raised counter
      }
    }
    if (lastSeq === page.head) return false;
    return page.oldest === null || page.oldest > lastSeq + 1;
  }

  private flushPendingLive(): void {
    const pending = this.pendingLive;
    this.pendingLive = [];
    for (const event of pending) this.sendLive(event);
  }

  private sendLive(event: LogEvent): void {
    if (event.seq <= this.coveredFrom || event.seq <= this.lastSent) return;
    this.sendEvent(event, true);
  }

  private sendEvent(event: LogEvent, live: boolean): void {
    if (this.closed) return;
    if (event.seq > this.lastSent) this.lastSent = event.seq;
    this.enqueue(wireFormat(event));
    this.deps.onEventSent(event, live);
  }

  private sendControl(message: ControlMessage): void {
    this.enqueue(JSON.stringify(message));
  }

  private enqueue(message: string): void {
    if (this.closed) return;
    if (this.queue.length === 0 && this.deps.socket.bufferedAmount < this.deps.limits.maxBufferedBytes) {
      this.write(message);
      return;
    }
    this.queue.push(message);
    if (this.queue.length > this.deps.limits.maxQueuedMessages) this.overflow();
  }

  private overflow(): void {
    this.close();
    this.deps.onOverflow();
  }

  private write(message: string): void {
    this.deps.socket.send(message, (err) => {
      if (err) this.close();
      else this.flushQueue();
    });
  }

  private flushQueue(): void {
    while (
      !this.closed &&
      this.queue.length > 0 &&
      this.deps.socket.bufferedAmount < this.deps.limits.maxBufferedBytes
    ) {
      this.write(this.queue.shift() as string);
    }
    if (this.queue.length === 0) this.wakeDrainWaiters();
  }

  private drained(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
