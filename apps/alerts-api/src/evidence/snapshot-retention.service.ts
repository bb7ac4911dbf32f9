import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@xl/observability';
import { HeldHealthAlertsRepository } from '../cameras/held-health-alerts.repository';
import { AlertSnapshotsRepository } from '../alerts/alert-snapshots.repository';
import { Clock } from '../common/clock';
import { LOGGER } from '../core/tokens';
import { EvidenceMetrics } from './evidence.metrics';
import { EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence.options';
import { keepUntil } from './retention';
import { retentionPolicy } from './retention.service';
import { SnapshotFiles } from './snapshot-files';

const DAY_MS = 86_400_000;

interface EventFile {
  path: string;
  eventId: string;
  capturedAt: number;
}

/** `<camera>/<day>/<event id>-<capture ms>.jpg`, as the analyzer names a snapshot; null for anything else. */
export function eventFileOf(file: string): EventFile | null {
  const m = /^(.+)-(\d{1,15})\.jpg$/.exec(file.slice(file.lastIndexOf('/') + 1));
  return m ? { path: file, eventId: m[1], capturedAt: Number(m[2]) } : null;
}
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
    private readonly heldAlerts: HeldHealthAlertsRepository,
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
      try {
        const held = await this.snapshots.list(holder.alertId);
        for (const s of held) await this.files.remove(s.path);
        await this.snapshots.forget(holder.alertId);
        this.metrics.snapshotsDeleted.inc({ why: 'expired' }, held.length);
        deleted += 1;
      } catch (err) {
        // One unremovable file (permissions, a volume gone read-only) must not stop the rest.
        this.logger.warn({ alertId: holder.alertId, err: (err as Error).message }, 'snapshots of an expired alert could not be deleted; trying again next run');
      }
    }
    return deleted;
  }

  private async deleteOrphans(now: number): Promise<number> {
    // A day directory is named by the capture date (UTC); the whole day must be older than the grace.
    const before = now - this.options.SNAPSHOT_ORPHAN_DAYS * DAY_MS - DAY_MS;
    let deleted = 0;
    // A health alert held back through a maintenance window (up to 14 days) is no alert yet, but its
    // picture is raised with it at the window's end.
    const heldThroughWindows = await this.heldAlerts.snapshotPaths();
    for (const day of await this.files.days()) {
      if (day.day > before) continue;
      const files = await this.files.files(day.dir);
      const held = await this.snapshots.held(files);
      const unheld = files.filter((f) => !held.has(f) && !heldThroughWindows.has(f));
      // A file whose event the API did receive belongs to that event's alert (snapshots of alerts
      // stored before migration 0012 recorded only the one shown): adopted, kept with the alert.
      const eventFiles = new Map(unheld.flatMap((f) => eventFileOf(f) ?? []).map((e) => [e.path, e]));
      const owners = await this.snapshots.alertsOfEventFiles([...eventFiles.values()]);
      for (const file of unheld) {
        const owner = owners.get(file);
        if (owner) await this.snapshots.adopt(owner, file, (eventFiles.get(file) as EventFile).capturedAt);
        else {
          await this.files.remove(file);
          deleted += 1;
        }
      }
      await this.files.removeIfEmpty(day.dir);
    }
    if (deleted) this.metrics.snapshotsDeleted.inc({ why: 'orphan' }, deleted);
    return deleted;
  }
}
