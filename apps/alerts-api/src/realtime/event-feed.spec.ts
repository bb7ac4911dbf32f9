import { EventEmitter } from 'node:events';
import type { RedisClient } from '@xl/queue';
import { createLogger } from '@xl/observability';
import { EventFeed } from './event-feed';
import type { LogEvent, LogPage, RedisEventLog } from './event-log';

const CHANNEL = 'test:push:events';

const event = (seq: number): LogEvent => ({ seq, at: 0, type: 'alert.created', scope: { cameraId: 'cam-a', regionPath: ['r'] }, data: {} });

/** A backlog whose next readAfter can be held open, to interleave a reconnect with a gap fill. */
class FakeLog {
  readonly channel = CHANNEL;
  readonly events: LogEvent[] = [];
  private hold: Promise<void> | null = null;
  private release: () => void = () => undefined;

  holdNextRead(): void {
    this.hold = new Promise((resolve) => (this.release = resolve));
  }

  releaseRead(): void {
    this.release();
  }

  observe(): void {}

  async head(): Promise<number> {
    return this.events.at(-1)?.seq ?? 0;
  }

  currentHead(): Promise<number> {
    return this.head();
  }

  async readAfter(afterSeq: number, count: number): Promise<LogPage> {
    const held = this.hold;
    this.hold = null;
    if (held) await held;
    return { head: await this.head(), oldest: this.events[0]?.seq ?? null, events: this.events.filter((e) => e.seq > afterSeq).slice(0, count) };
  }
}

class FakeSubscriber extends EventEmitter {
  status = 'ready';
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  publish(e: LogEvent): void {
    this.emit('message', CHANNEL, JSON.stringify(e));
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition not met');
}

describe('EventFeed', () => {
  it('catches up to the head after a reconnect that happened while a gap was being filled', async () => {
    const log = new FakeLog();
    const subscriber = new FakeSubscriber();
    log.events.push(event(10));
    const feed = new EventFeed(subscriber as unknown as RedisClient, log as unknown as RedisEventLog, createLogger('test', 'silent'));
    const got: number[] = [];
    feed.add({ onEvent: (e) => got.push(e.seq), onLost: () => undefined });
    await feed.start();

    // 11 missed by pub/sub, 12 reveals the gap: the fill of (10, 11] is held open...
    log.events.push(event(11), event(12));
    log.holdNextRead();
    subscriber.publish(event(12));
    // ...while the subscriber drops and comes back; 13 and 14 were published while it was away.
    log.events.push(event(13), event(14));
    subscriber.emit('ready');
    log.releaseRead();

    await until(() => got.length >= 4);
    expect(got).toEqual([11, 12, 13, 14]);
    await feed.stop();
  });

  it("hands on an event pub/sub dropped without any 'ready' (a Cluster resubscribes silently) within the head check", async () => {
    const log = new FakeLog();
    const subscriber = new FakeSubscriber();
    log.events.push(event(10));
    const feed = new EventFeed(subscriber as unknown as RedisClient, log as unknown as RedisEventLog, createLogger('test', 'silent'), { headCheckMs: 20 });
    const got: number[] = [];
    feed.add({ onEvent: (e) => got.push(e.seq), onLost: () => got.push(-1) });
    await feed.start();
    try {
      // 11 (the drowning alarm) is logged while the subscriber's node is replaced: no message, no 'ready', no later event.
      log.events.push(event(11));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(got).toEqual([11]);
    } finally {
      await feed.stop();
    }
  });
});
