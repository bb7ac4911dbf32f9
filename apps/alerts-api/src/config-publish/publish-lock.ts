import { randomUUID } from 'node:crypto';
import { COMPARE_AND_DELETE, COMPARE_AND_PEXPIRE, type RedisClient } from '@xl/queue';
import type { Logger } from '@xl/observability';

/** Life of the publish lock without a renewal: a replica that dies holding it delays the others' publishes this long at most. */
export const PUBLISH_LOCK_TTL_MS = 5000;
/** How long a publish waits for the lock: longer than a dead holder's lock lives. */
export const PUBLISH_LOCK_WAIT_MS = PUBLISH_LOCK_TTL_MS + 1000;
/** A held lock is renewed this often: a slow database read must not outlive it, and one failed renewal (a Redis hiccup) is not fatal. */
export const PUBLISH_LOCK_RENEW_MS = Math.floor(PUBLISH_LOCK_TTL_MS / 3);
/**
 * Renewals stop after this: a publish stuck on a read that never returns (a connection that went
 * silent, noticed only by TCP keepalive after minutes) must not block every other replica's publish
 * for ever. Its write is then refused, and its retry reads again.
 */
export const PUBLISH_LOCK_MAX_HOLD_MS = 60_000;
const PUBLISH_LOCK_POLL_MS = 20;

/** DEL the lock only when it still holds ARGV[1]: never another publisher's. */
export const RELEASE_LOCK = COMPARE_AND_DELETE;

/** PEXPIRE the lock by ARGV[2] ms only when it still holds ARGV[1]: 0 when it expired or another publisher holds it. */
export const EXTEND_LOCK = COMPARE_AND_PEXPIRE;

/** The lock as its holder sees it: `token` proves it to a write script. */
export interface HeldLock {
  readonly token: string;
  /** A renewal found the lock expired or taken: nothing may be written under it. */
  lost(): boolean;
}

/**
 * The cluster-wide publish lock (`SET NX PX` on one key). Held from the database read to the write,
 * renewed meanwhile (compare-and-extend on the token), so that a slow read does not make every
 * publish fail: only one publisher holds it at a time, and one that lost it knows (and the write
 * script checks the token again).
 */
export class PublishLock {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    private readonly logger: Logger,
  ) {}

  /** Runs `work` holding the lock; waits up to PUBLISH_LOCK_WAIT_MS for it. */
  async hold<T>(work: (lock: HeldLock) => Promise<T>): Promise<T> {
    const token = randomUUID();
    const deadline = performance.now() + PUBLISH_LOCK_WAIT_MS; // monotonic: a wall clock step is no wait
    while (!(await this.redis.set(this.key, token, 'PX', PUBLISH_LOCK_TTL_MS, 'NX'))) {
      if (performance.now() >= deadline) throw new Error(`camera configuration publish lock '${this.key}' still held by another publisher after ${PUBLISH_LOCK_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_LOCK_POLL_MS));
    }
    const renewal = this.renew(token);
    try {
      return await work({ token, lost: () => renewal.lost });
    } finally {
      renewal.stop();
      // Left behind (Redis gone meanwhile), it expires by itself.
      await this.redis.eval(RELEASE_LOCK, 1, this.key, token).catch(() => undefined);
    }
  }

  /** Extends the lock every PUBLISH_LOCK_RENEW_MS until stopped, lost, or held PUBLISH_LOCK_MAX_HOLD_MS. */
  private renew(token: string): { lost: boolean; stop(): void } {
    const since = performance.now();
    let stopped = false;
    const timer = setInterval(() => {
      if (performance.now() - since >= PUBLISH_LOCK_MAX_HOLD_MS) {
        clearInterval(timer);
        this.logger.error({ key: this.key, heldMs: Math.round(performance.now() - since) }, `camera configuration publish still running after ${PUBLISH_LOCK_MAX_HOLD_MS} ms; its lock is renewed no more and expires, so that other publishes proceed (this one's write will be refused)`);
        return;
      }
      this.redis.eval(EXTEND_LOCK, 1, this.key, token, PUBLISH_LOCK_TTL_MS).then(
        (extended) => {
          // Answered after the release (stopped): 0 then means only that the lock is gone as it should be.
          if (Number(extended) === 1 || stopped || renewal.lost) return;
          renewal.lost = true;
          clearInterval(timer);
          this.logger.warn({ key: this.key }, 'camera configuration publish lock found expired or taken at its renewal (this process paused past its TTL?); this publish will not write');
        },
        // The next renewal tries again; if the lock expires meanwhile, the write is refused.
        (err: Error) => stopped || this.logger.warn({ key: this.key, err: err.message }, 'renewing the camera configuration publish lock failed'),
      );
    }, PUBLISH_LOCK_RENEW_MS);
    timer.unref();
    const renewal = {
      lost: false,
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
    };
    return renewal;
  }
}
