// Keeps this worker's camera leases alive on a path of its own: heartbeat and renewal never wait for a
// reload, a hand-over or a camera that is slow to stop. Also fences: a lease not renewed for nearly
// its TTL may be someone else's by now, so its camera must stop even while Redis cannot say so.
import type { Logger } from '@xl/observability';
import type { IngestMetrics } from '../metrics';
import type { Leases } from '../ports';

export interface LeaseKeeperDeps {
  leases: Leases;
  metrics: IngestMetrics;
  log: Logger;
  /** Redis says another worker holds these now. */
  onLost(cameraIds: string[]): void;
  /** Not renewed within the fence time: stop reading them (Redis could not be asked). */
  onFenced(cameraIds: string[]): void;
}

export interface LeaseKeeperOptions {
  ttlMs: number;
  /** STOP_GRACE_MS: a camera's ffmpegs get 'q', SIGTERM after this, SIGKILL after twice this. */
  stopGraceMs: number;
  /** How often leases are renewed (the lease round). */
  renewEveryMs: number;
  /** Monotonic milliseconds (wall-clock jumps must not fence or keep a camera). Default performance.now. */
  now?: () => number;
}

/**
 * What stopping a fenced camera takes beyond its ffmpegs' 2 × STOP_GRACE_MS: the recorder's last
 * segment closed (one ffprobe), the pipeline's teardown, the fence timer firing a little late.
 */
export const STOP_ALLOWANCE_MS = 250;
/** A renewal's round trip that must not fence by itself: the fence waits at least a lease round plus this. */
export const RENEWAL_ROUND_TRIP_MS = 250;

/** The lease round's period: CLAIM_INTERVAL_MS, and renewal at least three times per TTL (room for a slow round trip). */
export function leaseRoundMs(ttlMs: number, claimIntervalMs: number): number {
  return Math.min(claimIntervalMs, Math.floor(ttlMs / 3));
}

/** Longest a camera takes to stop once fenced: its lease must not expire in Redis before. */
export function stopBoundMs(stopGraceMs: number): number {
  return 2 * stopGraceMs + STOP_ALLOWANCE_MS;
}

/**
 * A lease is fenced once it went this long without a renewal: what is left of the TTL is the time its
 * camera needs to stop. Never before one lease round and a round trip, or every lease would be fenced
 * between two renewals; settings refuse a TTL too short for both (leaseTimingProblem).
 */
export function fenceAfterMs(ttlMs: number, stopGraceMs: number, renewEveryMs: number): number {
  return Math.max(ttlMs - stopBoundMs(stopGraceMs), renewEveryMs + RENEWAL_ROUND_TRIP_MS);
}

/**
 * Why LEASE_TTL_MS, CLAIM_INTERVAL_MS and STOP_GRACE_MS do not fit together, or null: a fenced camera
 * must be able to stop before its lease expires, and the fence must leave a renewal time to answer.
 */
export function leaseTimingProblem(ttlMs: number, claimIntervalMs: number, stopGraceMs: number): string | null {
  const fits = (ttl: number) => ttl - stopBoundMs(stopGraceMs) >= leaseRoundMs(ttl, claimIntervalMs) + RENEWAL_ROUND_TRIP_MS;
  if (fits(ttlMs)) return null;
  const renewEveryMs = leaseRoundMs(ttlMs, claimIntervalMs);
  const fenceAt = ttlMs - stopBoundMs(stopGraceMs);
  const earliest = renewEveryMs + RENEWAL_ROUND_TRIP_MS;
  // The least TTL that fits: with the round at CLAIM_INTERVAL_MS, or at TTL / 3 when that is shorter
  // (then 1.5 × the rest, less what rounding TTL / 3 down gives).
  const rest = stopBoundMs(stopGraceMs) + RENEWAL_ROUND_TRIP_MS;
  let leastTtlMs = Math.min(Math.max(3 * claimIntervalMs, rest + claimIntervalMs), Math.ceil((3 * rest) / 2));
  while (fits(leastTtlMs - 1)) leastTtlMs--;
  return (
    `LEASE_TTL_MS ${ttlMs} is too short for STOP_GRACE_MS ${stopGraceMs} and CLAIM_INTERVAL_MS ${claimIntervalMs}: ` +
    `a camera whose lease Redis cannot renew is stopped ${fenceAt} ms after its last renewal (LEASE_TTL_MS − (2 × STOP_GRACE_MS + ${STOP_ALLOWANCE_MS})), ` +
    `which must be at least one lease round (${renewEveryMs} ms) + ${RENEWAL_ROUND_TRIP_MS} ms = ${earliest} ms; ` +
    `raise LEASE_TTL_MS to at least ${leastTtlMs}, or lower STOP_GRACE_MS or CLAIM_INTERVAL_MS`
  );
}

export class LeaseKeeper {
  /** Held leases → monotonic time the last successful claim or renewal was sent (its TTL started later). */
  private readonly renewedAt = new Map<string, number>();
  private renewing: Promise<void> | null = null;
  /** One timer for the earliest lease's fence deadline, moved on by every renewal (no polling). */
  private fenceTimer: NodeJS.Timeout | undefined;
  private watchingFence = false;
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
    this.armFence();
  }

  /** Leases released or lost: renewed no more. */
  forget(cameraIds: string[]): void {
    for (const id of cameraIds) this.renewedAt.delete(id);
    this.armFence();
  }

  /**
   * Fences on time from now on. A timer set for the earliest deadline and moved on by each renewal,
   * not a check every few milliseconds: on these hosts every wake-up of the ingest process costs CPU
   * (docs/ingest.md, cost section), and a healthy worker's timer never fires.
   */
  watchFence(): void {
    this.watchingFence = true;
    this.armFence();
  }

  unwatchFence(): void {
    this.watchingFence = false;
    clearTimeout(this.fenceTimer);
    this.fenceTimer = undefined;
  }

  private armFence(): void {
    clearTimeout(this.fenceTimer);
    this.fenceTimer = undefined;
    if (!this.watchingFence || this.renewedAt.size === 0) return;
    const { ttlMs, stopGraceMs, renewEveryMs } = this.options;
    let earliest = Infinity;
    for (const at of this.renewedAt.values()) if (at < earliest) earliest = at;
    const delay = Math.max(0, earliest + fenceAfterMs(ttlMs, stopGraceMs, renewEveryMs) - this.now());
    this.fenceTimer = setTimeout(() => {
      this.fenceTimer = undefined;
      if (!this.fence().length) this.armFence(); // fired a hair early: set again (fence() re-arms after fencing)
    }, Math.ceil(delay));
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

  /** Fences every lease not renewed within fenceAfterMs(); returns their ids. */
  fence(): string[] {
    const { ttlMs, stopGraceMs, renewEveryMs } = this.options;
    const limit = fenceAfterMs(ttlMs, stopGraceMs, renewEveryMs);
    const now = this.now();
    const fenced = [...this.renewedAt].filter(([, at]) => now - at >= limit).map(([id]) => id);
    if (!fenced.length) return fenced;
    this.forget(fenced);
    for (const camera of fenced) this.deps.metrics.fenced.inc({ camera });
    this.deps.log.error(
      { cameras: fenced, notRenewedForMs: Math.round(limit), leaseTtlMs: this.options.ttlMs },
      `leases not renewed for ${Math.round(limit)} ms of their ${this.options.ttlMs} ms TTL (Redis unreachable?): stopping these cameras (within ${stopBoundMs(stopGraceMs)} ms) before another worker takes them; they are claimed again once Redis answers`,
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
    // Per lease: one whose command failed stays unrenewed (and is fenced in time if it stays so),
    // the others are renewed all the same.
    const { renewed, lost, failed } =
      renewal.status === 'fulfilled'
        ? renewal.value
        : { renewed: [], lost: [], failed: ids.map((cameraId) => ({ cameraId, error: renewal.reason as Error })) };
    if (beat.status === 'rejected' || failed.length) metrics.leaseErrors.inc();
    if (failed.length) {
      log.error(
        { cameras: failed.map((f) => f.cameraId), of: ids.length, err: failed[0].error.message },
        'renewing leases failed; those cameras stop if their leases stay unrenewed until the fence',
      );
    }
    // Released, fenced or claimed again while the renewal was on its way: that answer is stale.
    const current = (id: string) => (this.renewedAt.get(id) ?? Infinity) <= sentAt;
    for (const id of renewed) if (current(id)) this.renewedAt.set(id, sentAt);
    const gone = lost.filter(current);
    if (!gone.length) return this.armFence();
    this.forget(gone);
    log.warn({ cameras: gone }, 'leases lost: another worker owns these cameras now');
    this.deps.onLost(gone);
  }
}
