// Camera status events on their way to the status stream. A Redis outage outlasts ioredis's retries
// of one command (~20 s), and an event dropped then would leave alerts-api showing a recovered camera
// offline, or never showing an outage. So each camera's unpublished events are kept (compacted) and
// published, with their original times, once Redis answers again.
import type { CameraStatusEvent } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { IngestMetrics } from '../metrics';
import type { StatusPublisher, StatusReporter } from '../ports';

export interface StatusOutboxDeps {
  status: StatusPublisher;
  metrics: IngestMetrics;
  log: Logger;
}

export interface StatusOutboxOptions {
  /** First wait before publishing again after a failure; doubles up to retryMaxMs. */
  retryMs: number;
  retryMaxMs: number;
}

/** Most events kept per camera through an outage (a flapping camera over hours); beyond, its oldest outages go. */
export const MAX_KEPT_EVENTS = 32;

const isDown = (event: CameraStatusEvent) => event.status === 'offline';

/**
 * What of a camera's unpublished events is worth publishing, in order. alerts-api counts an outage
 * from the offline event that follows the camera's last recovery, so every change between offline and
 * online stays — a recovery before a later offline too, or the second outage would be counted from
 * the first. Of a run of offline events the first (when the outage began) and the latest (its current
 * reason) stay; of online events the first. Beyond MAX_KEPT_EVENTS the oldest whole outages (offline
 * then recovered) go: the camera's state and its latest outages are what alerts-api acts on.
 */
export function keepForLater(events: CameraStatusEvent[]): CameraStatusEvent[] {
  const kept: CameraStatusEvent[] = [];
  for (const event of events) {
    const last = kept[kept.length - 1];
    if (!last || isDown(last) !== isDown(event)) kept.push(event);
    else if (!isDown(event)) continue;
    else if (kept.length > 1 && isDown(kept[kept.length - 2])) kept[kept.length - 1] = event;
    else kept.push(event);
  }
  while (kept.length > MAX_KEPT_EVENTS) {
    const down = kept.findIndex(isDown);
    const up = kept.findIndex((e, i) => i > down && !isDown(e));
    if (down < 0 || up < 0) break;
    kept.splice(down, up - down + 1);
  }
  return kept;
}

export class StatusOutbox implements StatusReporter {
  private readonly pending = new Map<string, CameraStatusEvent[]>();
  private flushing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  /** Since the first failure of the current outage (for the log), null while publishing works. */
  private failingSince: number | null = null;
  /** 'closing': close() publishes what is left within its bound; 'closed': nothing is published any more. */
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closed: Promise<void> | null = null;
  /** close() waiting for everything to be published. */
  private drainedWaiters: Array<() => void> = [];

  constructor(
    private readonly deps: StatusOutboxDeps,
    private readonly options: StatusOutboxOptions,
  ) {
    this.retryMs = options.retryMs;
  }

  /** Cameras with an event not yet on the stream. */
  get unpublished(): number {
    return this.pending.size;
  }

  /** Queues a camera's event; published after the camera's earlier ones (compacted with them). */
  report(event: CameraStatusEvent): void {
    if (this.state === 'closed') {
      this.deps.log.warn({ camera: event.cameraId, status: event.status }, 'camera status event after shutdown: not published');
      return;
    }
    this.pending.set(event.cameraId, keepForLater([...(this.pending.get(event.cameraId) ?? []), event]));
    this.deps.metrics.statusUnpublished.set(this.pending.size);
    if (!this.retryTimer) this.kick();
  }

  /**
   * Publishes what is left, trying again (every retryMs) for at most `timeoutMs`; what is still
   * unpublished then is logged, and nothing is published after.
   */
  close(timeoutMs: number): Promise<void> {
    this.closed ??= this.drain(timeoutMs);
    return this.closed;
  }

  private async drain(timeoutMs: number): Promise<void> {
    this.state = 'closing';
    // At once, then at the first retry interval: a long outage's back-off would outlast the bound.
    this.retryMs = this.options.retryMs;
    this.cancelRetry();
    const drained = new Promise<void>((resolve) => this.drainedWaiters.push(resolve));
    this.kick();
    this.notifyIfDrained();
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (bound = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(bound);
    this.state = 'closed';
    this.cancelRetry();
    if (this.pending.size) this.deps.log.warn({ cameras: [...this.pending.keys()] }, 'camera status events not published before shutdown');
  }

  private kick(): void {
    if (this.state === 'closed' || this.flushing || !this.pending.size) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      // Reported while this flush was finishing: it would wait for the next event otherwise.
      if (this.pending.size && !this.retryTimer) this.kick();
      this.notifyIfDrained();
    });
  }

  private notifyIfDrained(): void {
    if (this.pending.size || this.flushing) return;
    for (const resolve of this.drainedWaiters.splice(0)) resolve();
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async flush(): Promise<void> {
    while (this.pending.size && this.state !== 'closed') {
      const [cameraId, events] = this.pending.entries().next().value!;
      this.pending.delete(cameraId);
      try {
        // All or none (one MULTI): an outage that began and ended while Redis was away arrives whole.
        await this.deps.status.publish(events);
      } catch (err) {
        // Back in front of anything reported meanwhile; the whole outbox waits and tries again.
        this.pending.set(cameraId, keepForLater([...events, ...(this.pending.get(cameraId) ?? [])]));
        this.failed(err as Error);
        return;
      }
      this.deps.metrics.statusUnpublished.set(this.pending.size);
    }
    if (this.failingSince !== null) {
      this.deps.log.info({ unpublishedForMs: Date.now() - this.failingSince }, 'camera status events published again');
      this.failingSince = null;
    }
    this.retryMs = this.options.retryMs;
  }

  private failed(err: Error): void {
    this.deps.metrics.statusUnpublished.set(this.pending.size);
    if (this.failingSince === null) {
      this.failingSince = Date.now();
      this.deps.log.error({ cameras: this.pending.size, err: err.message }, "camera status events not published: each camera's are kept and published when Redis answers");
    }
    if (this.state === 'closed') return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, wait);
  }
}
