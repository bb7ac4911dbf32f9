import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@xl/observability';
import { AlertSnapshotsRepository } from '../alerts/alert-snapshots.repository';
import { Clock } from '../common/clock';
import { LOGGER } from '../core/tokens';
import { EvidenceMetrics } from './evidence.metrics';
import { EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence.options';
import { keepUntil } from './retention';
import { retentionPolicy } from './retention.service';
import { SnapshotFiles } from './snapshot-files';

const DAY_MS = 86_400_000;
/** Orphans appear slowly (an event lost on its way, a crash mid-write): once a day is enough. */
const ORPHAN_SWEEP_EVERY_MS = DAY_MS;

export interface SnapshotSweep {
  /** Alerts whose snapshots were deleted by the keep rules. */
  expiredAlerts: number;
  /** Files no alert holds, deleted. */
  orphans: number;
}

/**
 * Annotated snapshots go with the rest of an alert's evidence (run by EvidenceRetentionService's timer): every snapshot the alert received
 * (alert_snapshots), once its keep date passed (EVIDENCE_KEEP_*: by outcome, critical at least
 * EVIDENCE_KEEP_CRITICAL_MIN_DAYS; never for an alert not resolved). Once a day, files of day
 * directories older than SNAPSHOT_ORPHAN_DAYS that no alert holds (the event never reached the
 * API, a write cut short) are deleted too, and emptied day directories removed.
 */
@Injectable()
export class SnapshotRetentionService {
  private orphansSweptAt = -Infinity;

  constructor(
    private readonly snapshots: AlertSnapshotsRepository,
    private readonly files: SnapshotFiles,
    private readonly metrics: EvidenceMetrics,
    private readonly clock: Clock,
    @Inject(EVIDENCE_OPTIONS) private readonly options: EvidenceOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** One run; the orphan pass only when a day has passed since the last one, or when `orphans` says so. */
  async sweep(options: { orphans?: boolean } = {}): Promise<SnapshotSweep> {
    const now = this.clock.now();
    const expiredAlerts = await this.deleteExpired(now);
    let orphans = 0;
    if (options.orphans ?? now - this.orphansSweptAt >= ORPHAN_SWEEP_EVERY_MS) {
      this.orphansSweptAt = now;
      orphans = await this.deleteOrphans(now);
    }
    if (expiredAlerts || orphans) this.logger.info({ expiredAlerts, orphans }, 'snapshot retention');
    return { expiredAlerts, orphans };
  }

  private async deleteExpired(now: number): Promise<number> {
    const policy = retentionPolicy(this.options);
    const shortest = Math.min(...Object.values(policy.days));
    let deleted = 0;
    for (const holder of await this.snapshots.resolvedHolders(now - shortest * DAY_MS)) {
      const until = keepUntil({ ...holder, bytes: 0 }, policy);
      if (until === null || until > now) continue;
      const held = await this.snapshots.list(holder.alertId);
      for (const s of held) await this.files.remove(s.path);
      await this.snapshots.forget(holder.alertId);
      this.metrics.snapshotsDeleted.inc({ why: 'expired' }, held.length);
      deleted += 1;
    }
    return deleted;
  }

  private async deleteOrphans(now: number): Promise<number> {
    // A day directory is named by the capture date (UTC); the whole day must be older than the grace.
    const before = now - this.options.SNAPSHOT_ORPHAN_DAYS * DAY_MS - DAY_MS;
    let deleted = 0;
    for (const day of await this.files.days()) {
      if (day.day > before) continue;
      const files = await this.files.files(day.dir);
      const held = await this.snapshots.held(files);
      for (const file of files) {
        if (held.has(file)) continue;
        await this.files.remove(file);
        deleted += 1;
      }
      await this.files.removeIfEmpty(day.dir);
    }
    if (deleted) this.metrics.snapshotsDeleted.inc({ why: 'orphan' }, deleted);
    return deleted;
  }
}
