// Keeps the frames queue free of jobs nobody took in time. With no analyzer running (crash loop,
// scaled to zero, a failed node), each camera's in-flight gate expires by its TTL and ingest adds
// another job; the wait list would grow for as long as the outage lasts, Redis would fill (the alert
// queue lives there too), and analyzers coming back would work through every worthless frame before
// a fresh one. A job whose frame bytes have expired can only be counted as missing, so it goes.
import type { Logger } from '@xl/observability';
import type { FrameBacklog } from '../ports';
import { PeriodicPass } from './periodic-pass';

export interface FrameBacklogSweeperDeps {
  backlog: FrameBacklog;
  expired: { inc(value: number): void };
  log: Logger;
}

export interface FrameBacklogSweeperOptions {
  /** Age (capture time) past which a waiting job is removed: the frame bytes' TTL, or the in-flight gate's when longer. */
  maxAgeMs: number;
  /** How often the wait list is swept. */
  intervalMs: number;
  /**
   * Removals are logged at most this often (summed): an analyzer outage would otherwise log every sweep.
   * @defaultValue 60 000
   */
  logEveryMs?: number;
}

export class FrameBacklogSweeper {
  private readonly periodic: PeriodicPass;
  private failing = false;
  private unlogged = 0;
  private loggedAt = -Infinity;

  constructor(
    private readonly deps: FrameBacklogSweeperDeps,
    private readonly options: FrameBacklogSweeperOptions,
  ) {
    this.periodic = new PeriodicPass(() => this.removeExpired(), options.intervalMs);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One sweep; a sweep still running when the next is due is not started twice. */
  sweep(): Promise<void> {
    return this.periodic.run();
  }

  private async removeExpired(): Promise<void> {
    const { backlog, expired, log } = this.deps;
    try {
      const removed = await backlog.removeWaitingOlderThan(this.options.maxAgeMs);
      if (this.failing) log.info('frames queue sweep works again');
      this.failing = false;
      if (removed === 0) return;
      expired.inc(removed);
      this.unlogged += removed;
      const now = Date.now();
      if (now - this.loggedAt < (this.options.logEveryMs ?? 60_000)) return;
      log.warn(
        { removed: this.unlogged, maxAgeMs: this.options.maxAgeMs },
        'frame jobs waited longer than their frame bytes live (FRAME_TTL_MS) and were removed: is any analyzer running and keeping up?',
      );
      this.unlogged = 0;
      this.loggedAt = now;
    } catch (err) {
      // Redis trouble: publishing fails too and says so; one line per outage is enough here.
      if (!this.failing) log.warn({ err: (err as Error).message }, 'frames queue sweep failed');
      this.failing = true;
    }
  }
}
