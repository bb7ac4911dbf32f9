import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@xl/observability';
import { Clock } from '../common/clock';
import { LOGGER } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { EvidenceFiles } from './evidence-files';
import { EvidenceMetrics } from './evidence.metrics';
import { EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence.options';
import { EvidenceRepository } from './evidence.repository';
import { evidenceToDelete, type RetentionDecision, type RetentionPolicy } from './retention';
import { SnapshotRetentionService } from './snapshot-retention.service';

export function retentionPolicy(o: EvidenceOptions): RetentionPolicy {
  return {
    days: {
      false_alarm: o.EVIDENCE_KEEP_FALSE_ALARM_DAYS,
      true_alarm: o.EVIDENCE_KEEP_TRUE_ALARM_DAYS,
      duplicate: o.EVIDENCE_KEEP_DUPLICATE_DAYS,
      recovered: o.EVIDENCE_KEEP_RECOVERED_DAYS,
    },
    criticalMinDays: o.EVIDENCE_KEEP_CRITICAL_MIN_DAYS,
    maxBytes: o.EVIDENCE_MAX_BYTES,
  };
}

/** A cut's aside file this old was left by an ingest killed mid-cut (a cut takes 300 s at most). */
export const STALE_ASIDE_AGE_MS = 3600_000;
/** Looking for them walks every clip directory: hourly is enough for files this rare. */
const STALE_ASIDE_SWEEP_EVERY_MS = 3600_000;

/**
 * Deletes evidence by the retention policy (retention.ts) every EVIDENCE_SWEEP_SECONDS, the annotated
 * snapshots with it, and hourly the partial files of cuts that never finished.
 */
@Injectable()
export class EvidenceRetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<unknown> = Promise.resolve();
  private asidesSweptAt = -Infinity;

  constructor(
    private readonly evidence: EvidenceRepository,
    private readonly files: EvidenceFiles,
    private readonly snapshots: SnapshotRetentionService,
    private readonly metrics: EvidenceMetrics,
    private readonly clock: Clock,
    @Inject(EVIDENCE_OPTIONS) private readonly options: EvidenceOptions,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.runWorkers) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return; // a long run (an orphan walk on a network volume) is not overlapped by the next
      busy = true;
      this.sweeping = Promise.all([
        this.sweep().catch((err: Error) => this.logger.error({ err: err.message }, 'evidence retention failed')),
        this.snapshots.sweep().catch((err: Error) => this.logger.error({ err: err.message }, 'snapshot retention failed')),
        this.sweepStaleAsides().catch((err: Error) => this.logger.error({ err: err.message }, 'removing partial evidence files failed')),
      ]).finally(() => (busy = false));
    }, this.options.EVIDENCE_SWEEP_SECONDS * 1000);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /**
   * Deletes the `.part`/`.ffconcat` files of cuts killed mid-way (SIGKILL at the end of a grace, an
   * eviction) once STALE_ASIDE_AGE_MS old; at most hourly unless `force`. Returns how many went.
   */
  async sweepStaleAsides(options: { force?: boolean } = {}): Promise<number> {
    // File times are this host's (or the file server's) clock, not Redis's.
    const now = Date.now();
    if (!options.force && now - this.asidesSweptAt < STALE_ASIDE_SWEEP_EVERY_MS) return 0;
    this.asidesSweptAt = now;
    const removed = await this.files.removeStaleAsides(now - STALE_ASIDE_AGE_MS);
    if (removed) this.logger.info({ removed }, 'partial evidence files of interrupted cuts deleted');
    return removed;
  }

  /** One retention run; returns what it deleted. */
  async sweep(): Promise<RetentionDecision[]> {
    const holdings = await this.evidence.holdings();
    const decisions = evidenceToDelete(holdings, retentionPolicy(this.options), this.clock.now());
    const byId = new Map(holdings.map((h) => [h.alertId, h]));
    for (const decision of decisions) {
      const h = byId.get(decision.alertId)!;
      for (const file of [h.clipPath, h.snapshotPath]) if (file) await this.files.remove(file);
      await this.evidence.markDeleted(decision.alertId, this.clock.now());
      this.metrics.deleted.inc({ why: decision.why });
    }
    const deleted = new Set(decisions.map((d) => d.alertId));
    this.metrics.bytes.set(holdings.filter((h) => !deleted.has(h.alertId)).reduce((sum, h) => sum + h.bytes, 0));
    if (decisions.length) this.logger.info({ deleted: decisions.length, expired: decisions.filter((d) => d.why === 'expired').length }, 'evidence retention');
    return decisions;
  }
}
