// Keeps this worker's camera leases alive on a path of its own: heartbeat and renewal never wait for a
// reload, a hand-over or a camera that is slow to stop. Also fences: a lease not renewed for nearly
// its TTL may be someone else's by now, so its camera must stop even while Redis cannot say so.
import type { Logger } from '@xl/observability';
import type { IngestMetrics } from '../metrics';
import type { LeasePort } from '../ports';

export interface LeaseKeeperDeps {
  leases: LeasePort;
  metrics: IngestMetrics;
  log: Logger;
  /** Redis says another worker holds these now. */
  onLost(cameraIds: string[]): void;
  /** Not renewed within the fence time: stop reading them (Redis could not be asked). */
  onFenced(cameraIds: string[]): void;
}

export interface LeaseKeeperOptions {
  ttlMs: number;
  /** Monotonic milliseconds (wall-clock jumps must not fence or keep a camera). Default performance.now. */
  now?: () => number;
}

/**
 * A lease is fenced once it went this long without a renewal: a quarter of the TTL (at least a
 * second, at most half of it) is left to stop the reader before the lease can expire in Redis.
 */
export function fenceAfterMs(ttlMs: number): number {
  return ttlMs - Math.min(ttlMs / 2, Math.max(1000, ttlMs / 4));
}

/** How often leases are checked against the fence: four times within the margin it leaves. */
export function fenceCheckMs(ttlMs: number): number {
  return Math.max(50, Math.floor((ttlMs - fenceAfterMs(ttlMs)) / 4));
}

export class LeaseKeeper {
  /** Held leases → monotonic time the last successful claim or renewal was sent (its TTL started later). */
  private readonly renewedAt = new Map<string, number>();
  private renewing: Promise<void> | null = null;
  /** Shutting down: leases are still renewed until released, but the worker no longer says it is alive. */
  private retired = false;
  private readonly now: () => number;
  /** Live workers at the last heartbeat, this one included. */
  live = 1;

  constructor(
    private readonly deps: LeaseKeeperDeps,
    private readonly options: LeaseKeeperOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** The time a claim is sent: pass it to hold() for the leases it got. */
  stamp(): number {
    return this.now();
  }

  /** Leases just claimed (the claim was sent at `sentAt`). */
  hold(cameraIds: string[], sentAt: number): void {
    for (const id of cameraIds) this.renewedAt.set(id, sentAt);
  }

  /** Leases released or lost: renewed no more. */
  forget(cameraIds: string[]): void {
    for (const id of cameraIds) this.renewedAt.delete(id);
  }

  holds(cameraId: string): boolean {
    return this.renewedAt.has(cameraId);
  }

  /** Heartbeat and renewal; a round still running (Redis slow) is joined, not doubled. */
  renew(): Promise<void> {
    this.renewing ??= this.round().finally(() => (this.renewing = null));
    return this.renewing;
  }

  /** From now on no heartbeat: other workers stop counting this one while it hands its cameras back. */
  retire(): void {
    this.retired = true;
  }

  /** Resolves once no renewal round is in flight (one answering late must not heartbeat after leave()). */
  async idle(): Promise<void> {
    await this.renewing;
  }

  /** Fences every lease not renewed within fenceAfterMs(ttl); returns their ids. */
  fence(): string[] {
    const limit = fenceAfterMs(this.options.ttlMs);
    const now = this.now();
    const fenced = [...this.renewedAt].filter(([, at]) => now - at >= limit).map(([id]) => id);
    if (!fenced.length) return fenced;
    this.forget(fenced);
    for (const camera of fenced) this.deps.metrics.fenced.inc({ camera });
    this.deps.log.error(
      { cameras: fenced, notRenewedForMs: Math.round(limit), leaseTtlMs: this.options.ttlMs },
      `leases not renewed for ${Math.round(limit)} ms of their ${this.options.ttlMs} ms TTL (Redis unreachable?): stopping these cameras before another worker takes them; they are claimed again once Redis answers`,
    );
    this.deps.onFenced(fenced);
    return fenced;
  }

  private async round(): Promise<void> {
    const { leases, log, metrics } = this.deps;
    const ids = [...this.renewedAt.keys()];
    const sentAt = this.now();
    const [beat, renewal] = await Promise.allSettled([this.retired ? this.live : leases.heartbeat(), leases.renew(ids)]);
    if (beat.status === 'fulfilled') this.live = beat.value;
    else log.warn({ err: (beat.reason as Error).message }, 'lease heartbeat failed');
    if (beat.status === 'rejected' || renewal.status === 'rejected') metrics.leaseErrors.inc();
    if (renewal.status === 'rejected') {
      log.error({ cameras: ids.length, err: (renewal.reason as Error).message }, 'renewing leases failed');
      return;
    }
    const lost = new Set(renewal.value);
    const gone: string[] = [];
    for (const id of ids) {
      const at = this.renewedAt.get(id);
      // Released, fenced or claimed again while the renewal was on its way: that answer is stale.
      if (at === undefined || at > sentAt) continue;
      if (!lost.has(id)) this.renewedAt.set(id, sentAt);
      else gone.push(id);
    }
    if (!gone.length) return;
    this.forget(gone);
    log.warn({ cameras: gone }, 'leases lost: another worker owns these cameras now');
    this.deps.onLost(gone);
  }
}
