// Clip results whose publish failed (Redis away for longer than the client's retries), published again
// on later ticks. Lost, such a result leaves alerts-api saying `no_answer` while the clip lies on the
// evidence volume, never served and never deleted. One outbox per process: it outlives a camera's
// detach, since a fence during a Redis outage cuts every pending clip as a hand-over at once.
import type { ClipResult } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { ClipResultSink } from './ports';

/** A result still unpublished this long after its cut is given up (Redis broken for a day). */
export const RESULT_OUTBOX_MAX_AGE_MS = 24 * 3600_000;
/** At most this many results are kept (the oldest go first): the process's memory stays bounded. */
export const RESULT_OUTBOX_MAX_ENTRIES = 1000;
/** Back-off between rounds that failed: not one XADD per result and tick against a Redis in trouble. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

interface Kept {
  result: ClipResult;
  /** Id of the clip file the result describes (null: a result without a file). */
  placedId: string | null;
  /** When its first publish failed. */
  keptAt: number;
  attempts: number;
}

export interface ClipResultOutboxDeps {
  sink: ClipResultSink;
  log: Logger;
  now: () => number;
  /** Whether the alert's clip path still holds the file a result describes (no file for `null`). */
  describesFileOnDisk: (result: ClipResult, placedId: string | null) => Promise<boolean>;
}

export class ClipResultOutbox {
  /** By alert: a newer result of an alert replaces its kept one. Insertion order is age order. */
  private readonly kept = new Map<string, Kept>();
  private retryAt = 0;
  private backoffMs = 0;

  constructor(private readonly deps: ClipResultOutboxDeps) {}

  /**
   * Publishes a result; when that fails, keeps it for flush(). Any kept result of the alert is older:
   * dropped. While a publish failed lately (the back-off), kept at once: with Redis away each XADD waits
   * out the client's retries (~18 s), and a fence's hand-over cuts, one after the other, would add those up.
   */
  async publish(result: ClipResult, placedId: string | null): Promise<void> {
    this.kept.delete(result.alertId);
    let err = 'not tried: an earlier publish failed lately';
    const tried = this.deps.now() >= this.retryAt;
    if (tried) {
      try {
        await this.deps.sink.publish(result);
        this.backoffMs = 0;
        return;
      } catch (e) {
        err = (e as Error).message;
        this.backOff();
      }
    }
    this.kept.set(result.alertId, { result, placedId, keptAt: this.deps.now(), attempts: tried ? 1 : 0 });
    this.deps.log.error(
      { camera: result.cameraId, alertId: result.alertId, status: result.status, err, kept: this.kept.size, maxKept: RESULT_OUTBOX_MAX_ENTRIES },
      'evidence result not published: kept, published again on a later tick',
    );
    this.bound();
  }

  /**
   * Publishes the kept results again, each stamped anew after checking that its clip is still the file
   * at its path: like a first publish, the result alerts-api keeps (the latest `at`) is then that of the
   * file it serves, and it replaces a `no_answer` stamped meanwhile. `force` ignores the back-off (stop()).
   * Callers serialize it with the cuts (a cut of the same alert meanwhile would race the re-stamp).
   */
  async flush(force = false): Promise<void> {
    const now = this.deps.now();
    if (!this.kept.size || (!force && now < this.retryAt)) return;
    for (const [alertId, entry] of this.kept) {
      if (now - entry.keptAt <= RESULT_OUTBOX_MAX_AGE_MS) continue;
      this.kept.delete(alertId);
      this.dropped(entry, `unpublished for longer than ${RESULT_OUTBOX_MAX_AGE_MS / 1000} s`);
    }
    const failed: string[] = [];
    await Promise.all(
      [...this.kept.values()].map(async (entry) => {
        const { result, placedId } = entry;
        if (!(await this.deps.describesFileOnDisk(result, placedId))) {
          this.forget(entry);
          this.deps.log.info(
            { camera: result.cameraId, alertId: result.alertId },
            'unpublished evidence result left out: its clip is no longer the one at its path (another cut of it stands)',
          );
          return;
        }
        const again = { ...result, at: this.deps.now() };
        entry.attempts++;
        try {
          await this.deps.sink.publish(again);
          this.forget(entry);
          this.deps.log.info({ camera: result.cameraId, alertId: result.alertId, status: result.status, attempts: entry.attempts }, 'evidence result published on retry');
        } catch (err) {
          failed.push((err as Error).message);
        }
      }),
    );
    if (!failed.length) {
      this.backoffMs = 0;
      return;
    }
    this.backOff();
    this.deps.log.warn({ kept: this.kept.size, failed: failed.length, err: failed[0], retryInMs: this.backoffMs }, 'evidence results still not published');
  }

  /** Once stopping: what is still kept is lost (one error each, naming it). */
  abandon(): void {
    for (const entry of this.kept.values()) this.dropped(entry, 'still unpublished at stop');
    this.kept.clear();
  }

  private backOff(): void {
    this.backoffMs = Math.min(RETRY_MAX_MS, this.backoffMs ? 2 * this.backoffMs : RETRY_FIRST_MS);
    this.retryAt = this.deps.now() + this.backoffMs;
  }

  /** Removes the entry unless a newer result of its alert replaced it meanwhile. */
  private forget(entry: Kept): void {
    if (this.kept.get(entry.result.alertId) === entry) this.kept.delete(entry.result.alertId);
  }

  private bound(): void {
    for (const [alertId, entry] of this.kept) {
      if (this.kept.size <= RESULT_OUTBOX_MAX_ENTRIES) return;
      this.kept.delete(alertId);
      this.dropped(entry, `more than ${RESULT_OUTBOX_MAX_ENTRIES} results unpublished`);
    }
  }

  private dropped({ result, keptAt, attempts }: Kept, why: string): void {
    this.deps.log.error(
      { camera: result.cameraId, alertId: result.alertId, status: result.status, clipPath: result.clipPath, keptSinceMs: keptAt, attempts },
      `evidence result dropped, ${why}: alerts-api will say no_answer for a clip that may be on disk`,
    );
  }
}
