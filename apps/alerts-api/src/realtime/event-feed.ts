import type { RedisClient } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { parseLogEvent, type LogEvent, type RedisEventLog } from './event-log';

export interface FeedListener {
  /** The next event, in sequence order, each exactly once. */
  onEvent(event: LogEvent): void;
  /** Events between `fromSeq` and `toSeq` were lost to this instance (pub/sub outage longer than the backlog). */
  onLost(fromSeq: number, toSeq: number): void;
}

/**
 * How often (ms) a feed compares the counter with what it handed on. Pub/sub loses what is published
 * while the subscriber is away, and a Redis Cluster client resubscribes on another node without any
 * 'ready': without the check, such an event (a drowning alarm) waits for the next event, which at
 * night may be hours away. 2 s keeps that wait well under the 5 s alert-latency objective; the cost is
 * one GET per instance and interval. The check also notices a counter rolled back behind this feed.
 */
export const HEAD_CHECK_MS = 2000;

export interface EventFeedOptions {
  /** Backlog entries read per XRANGE while filling a gap (default 500). */
  pageSize?: number;
  /** See HEAD_CHECK_MS. */
  headCheckMs?: number;
}

/**
 * This instance's ordered, gap-free view of the event log. Pub/sub delivers at most once and may
 * drop messages while the subscriber reconnects; because every sequence number is in the backlog,
 * a jump in seq (or a reconnect) is filled from the stream before later events are handed on.
 */
export class EventFeed {
  private last = 0;
  private started = false;
  private catchingUp = false;
  private headPending = false;
  private early: LogEvent[] = [];
  private headTimer: NodeJS.Timeout | undefined;
  private checkingHead = false;
  private readonly pageSize: number;
  private readonly headCheckMs: number;
  private readonly listeners = new Set<FeedListener>();
  private readonly onMessage = (channel: string, message: string) => {
    if (channel !== this.log.channel) return;
    let event: LogEvent;
    try {
      event = parseLogEvent(message);
    } catch (err) {
      this.logger.error({ err }, 'dropping malformed push event');
      return;
    }
    this.receive(event);
  };
  private readonly onReady = () => {
    // Messages published while the subscriber was down are only in the backlog.
    if (this.started) void this.catchUp(null);
  };

  constructor(
    private readonly subscriber: RedisClient,
    private readonly log: RedisEventLog,
    private readonly logger: Logger,
    options: EventFeedOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.headCheckMs = options.headCheckMs ?? HEAD_CHECK_MS;
  }

  /** Sequence number of the last event handed to listeners: everything after it reaches a new listener. */
  get lastSeq(): number {
    return this.last;
  }

  async start(): Promise<void> {
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.log.channel);
    // Subscribed first, head second: every event after the head arrives on the channel.
    this.last = Math.max(this.last, await this.log.head());
    this.log.observe(this.last);
    this.started = true;
    this.subscriber.on('ready', this.onReady);
    this.headTimer = setInterval(() => void this.checkHead(), this.headCheckMs);
    this.headTimer.unref();
    const early = this.early.splice(0);
    for (const event of early) this.receive(event);
  }

  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.headTimer);
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.onReady);
    this.listeners.clear();
    if (this.subscriber.status === 'ready') await this.subscriber.unsubscribe(this.log.channel).catch(() => undefined);
  }

  add(listener: FeedListener): void {
    this.listeners.add(listener);
  }

  remove(listener: FeedListener): void {
    this.listeners.delete(listener);
  }

  private receive(event: LogEvent): void {
    if (!this.started || this.catchingUp) {
      this.early.push(event);
      return;
    }
    if (event.seq <= this.last) return;
    if (event.seq === this.last + 1) {
      this.dispatch(event);
      return;
    }
    this.early.push(event);
    void this.catchUp(event.seq - 1);
  }

  /**
   * Catches up when the counter is ahead of what was handed on (a message pub/sub lost without a
   * 'ready'), or behind what was handed on before the GET was sent (Redis rolled back).
   */
  private async checkHead(): Promise<void> {
    if (!this.started || this.catchingUp || this.checkingHead) return;
    this.checkingHead = true;
    const before = this.last;
    try {
      const head = await this.log.currentHead();
      // A head above `last` may only be a message still on its way: the fill then reads it once, and
      // the message is dropped as already handed on. A missing counter (0: flushed, not rolled back)
      // restarts above every seq at the next append, which the feed then sees as a gap.
      if (head > this.last || (head > 0 && head < before)) {
        if (head > this.last) this.logger.debug({ head, last: this.last }, 'push feed behind the log head; catching up');
        void this.catchUp(null);
      }
    } catch (err) {
      // Redis is away: its 'ready' (standalone) or the next check catches up.
      this.logger.debug({ err }, 'push feed head check failed');
    } finally {
      this.checkingHead = false;
    }
  }

  /** Reads (last, upTo] (or up to the head) from the backlog and dispatches it, then what arrived meanwhile. */
  private async catchUp(upTo: number | null): Promise<void> {
    if (this.catchingUp) {
      // A reconnect during a gap fill: what was published while away is only in the backlog, and the
      // running fill stops at its own target.
      if (upTo === null) this.headPending = true;
      return;
    }
    this.catchingUp = true;
    try {
      let target = upTo;
      for (;;) {
        if (!(await this.fillRetrying(target))) return;
        if (!this.headPending) break;
        this.headPending = false;
        target = null;
      }
    } finally {
      this.catchingUp = false;
    }
    const early = this.early.splice(0).sort((a, b) => a.seq - b.seq);
    for (const event of early) this.receive(event);
  }

  /** fill(), retried until Redis answers; false when the feed was stopped meanwhile. */
  private async fillRetrying(upTo: number | null): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.fill(upTo);
        return true;
      } catch (err) {
        // Redis is away; pub/sub buffers nothing meanwhile, so keep trying until it is back.
        this.logger.warn({ err, attempt }, 'push feed catch-up failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
        if (!this.started) return false;
      }
    }
  }

  private async fill(upTo: number | null): Promise<void> {
    for (;;) {
      const page = await this.log.readAfter(this.last, this.pageSize);
      for (const seq of page.skipped ?? []) this.logger.error({ seq }, 'push event log entry does not parse; skipped (clients get resync_required)');
      if (page.head < this.last) {
        await this.rolledBack(page.head);
        return;
      }
      const target = upTo ?? page.head;
      if (this.last >= target) return;
      const first = page.events[0];
      if (!first || first.seq !== this.last + 1) {
        // A page of nothing but unparsable entries ends at its last one, not at the target.
        const resumeAt = Math.min(first ? first.seq - 1 : (page.skipped?.at(-1) ?? target), target);
        this.logger.error(
          { from: this.last + 1, to: resumeAt },
          'push events fell out of the backlog before this instance saw them',
        );
        this.lose(this.last + 1, resumeAt);
        this.last = resumeAt;
        continue;
      }
      for (const event of page.events) {
        if (event.seq > target) return;
        // Entries skipped inside the page (unparsable) are lost to clients: they must resync.
        if (event.seq !== this.last + 1) this.lose(this.last + 1, event.seq - 1);
        this.dispatch(event);
      }
    }
  }

  /**
   * Redis came back with an older log than this instance saw (failover to a lagging replica, an AOF
   * that lost its last second). The counter is raised to what we saw, so the next events are numbered
   * above it and not dropped here as already seen; clients are told to resync, since what they hold
   * may include events Redis no longer has.
   */
  private async rolledBack(head: number): Promise<void> {
    this.logger.error({ head, lastSeen: this.last }, 'push event log is behind what this instance saw (Redis rolled back); raising its counter');
    await this.log.raiseTo(this.last);
    for (const listener of this.listeners) listener.onLost(head + 1, this.last);
  }

  private lose(fromSeq: number, toSeq: number): void {
    for (const listener of this.listeners) listener.onLost(fromSeq, toSeq);
  }

  private dispatch(event: LogEvent): void {
    this.last = event.seq;
    this.log.observe(event.seq);
    for (const listener of this.listeners) {
      try {
        listener.onEvent(event);
      } catch (err) {
        this.logger.error({ err, seq: event.seq }, 'push listener failed');
      }
    }
  }
}
