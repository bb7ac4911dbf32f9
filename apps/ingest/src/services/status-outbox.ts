// Camera status events on their way to the status stream. A Redis outage outlasts ioredis's retries
// of one command (~20 s), and an event dropped then would leave alerts-api showing a recovered camera
// offline, or never showing an outage. So each camera's unpublished state is kept and published, with
// its original time, once Redis answers again.
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

/**
 * What of a camera's unpublished events is worth publishing: its latest state, and before it the
 * first offline event when that is not the latest — the start of an outage that ended while Redis was
 * away (alerts-api ignores events older than the last one it applied, so these stay in order).
 */
export function keepForLater(events: CameraStatusEvent[]): CameraStatusEvent[] {
  const latest = events[events.length - 1];
  const outage = events.find((e) => e.status === 'offline');
  return outage && outage !== latest ? [outage, latest] : [latest];
}

export class StatusOutbox implements StatusReporter {
  private readonly pending = new Map<string, CameraStatusEvent[]>();
  private flushing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  /** Since the first failure of the current outage (for the log), null while publishing works. */
  private failingSince: number | null = null;

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

  /** Queues a camera's event; published after the camera's earlier ones, or instead of them. */
  report(event: CameraStatusEvent): void {
    this.pending.set(event.cameraId, keepForLater([...(this.pending.get(event.cameraId) ?? []), event]));
    this.deps.metrics.statusUnpublished.set(this.pending.size);
    if (!this.retryTimer) this.kick();
  }

  /** Publishes what is left, for at most `timeoutMs`; what is still unpublished then is logged. */
  async close(timeoutMs: number): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.pending.size) this.kick();
    if (this.flushing) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.flushing, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.pending.size) this.deps.log.warn({ cameras: [...this.pending.keys()] }, 'camera status events not published before shutdown');
  }

  private kick(): void {
    this.flushing ??= this.flush().finally(() => (this.flushing = null));
  }

  private async flush(): Promise<void> {
    while (this.pending.size) {
      const [cameraId, events] = this.pending.entries().next().value!;
      this.pending.delete(cameraId);
      for (let i = 0; i < events.length; i++) {
        try {
          await this.deps.status.publish(events[i]);
        } catch (err) {
          // Back in front of anything reported meanwhile; the whole outbox waits and tries again.
          this.pending.set(cameraId, keepForLater([...events.slice(i), ...(this.pending.get(cameraId) ?? [])]));
          this.failed(err as Error);
          return;
        }
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
      this.deps.log.error({ cameras: this.pending.size, err: err.message }, 'camera status events not published: each camera\'s latest is kept and published when Redis answers');
    }
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, wait);
  }
}
