import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '@xl/observability';
import { Clock } from '../common/clock';
import { DATABASE, LOGGER, METRICS_REGISTRY } from '../core/tokens';
import type { DatabaseHandle } from '../db/database';
import { SETTINGS, type Settings } from '../settings';
import { type BackupFile, BackupFiles, backupName } from './backup-files';
import { BACKUP_OPTIONS, type BackupOptions } from './backup.options';

const HOUR_MS = 3_600_000;

/**
 * Backs the embedded SQLite database up into BACKUP_DIR every BACKUP_EVERY_HOURS: SQLite's online
 * backup (the API keeps serving), checked with `quick_check` before it counts, written aside and
 * renamed (a half-written copy never looks like a backup), the oldest beyond BACKUP_KEEP deleted.
 * A single-box installation otherwise has its whole alert history, audit trail and camera sites
 * on one disk. PostgreSQL is backed up with its own tools; this service then does nothing.
 */
@Injectable()
export class BackupService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly files: BackupFiles | undefined;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private readonly lastSuccess: Gauge;
  private readonly interval: Gauge;
  private readonly bytes: Gauge;
  private readonly runs: Counter<'result'>;

  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(BACKUP_OPTIONS) private readonly options: BackupOptions,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly clock: Clock,
  ) {
    this.files = options.BACKUP_DIR ? new BackupFiles(options.BACKUP_DIR) : undefined;
    const registers = [registry];
    this.lastSuccess = new Gauge({ name: 'xl_api_backup_last_success_timestamp_seconds', help: 'When the newest good database backup was taken (0: none yet)', registers });
    this.interval = new Gauge({ name: 'xl_api_backup_interval_seconds', help: 'BACKUP_EVERY_HOURS in seconds; 0 when this instance takes no backups', registers });
    this.bytes = new Gauge({ name: 'xl_api_backup_bytes', help: 'Size of the newest good database backup', registers });
    this.runs = new Counter({ name: 'xl_api_backups_total', help: 'Database backups by result: ok or failed', labelNames: ['result'], registers });
  }

  /** Whether this instance backs its database up (SQLite with BACKUP_DIR, running workers). */
  get enabled(): boolean {
    return this.files !== undefined && this.database.backup !== undefined && this.settings.runWorkers;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.files && !this.database.backup) {
      this.logger.warn({ dir: this.options.BACKUP_DIR }, 'BACKUP_DIR is for the embedded SQLite database; back PostgreSQL up with pg_dump or its own tooling (docs/deployment.md)');
    }
    if (!this.enabled || !this.files) return this.interval.set(0);
    const everyMs = this.options.BACKUP_EVERY_HOURS * HOUR_MS;
    this.interval.set(everyMs / 1000);
    const newest = (await this.files.list()).at(-1);
    if (newest) this.report(newest);
    // A restart does not reset the schedule: the next one is due an interval after the newest.
    const firstInMs = newest ? Math.max(0, newest.takenAt + everyMs - this.clock.now()) : 0;
    this.schedule(Math.min(firstInMs, everyMs));
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Takes one backup now; resolves with it, rejects with why it failed (nothing half-written is left). */
  async backUp(): Promise<BackupFile> {
    const { files, database } = this;
    if (!files || !database.backup) throw new Error('backups are off: they need the SQLite database and BACKUP_DIR');
    const name = backupName(this.clock.now());
    const partial = await files.partialPath(name);
    try {
      await database.backup(partial);
      await files.seal(partial);
      const done = await files.publish(partial, name);
      const all = await files.list();
      for (const old of all.slice(0, Math.max(0, all.length - this.options.BACKUP_KEEP))) await files.remove(old.name);
      this.runs.inc({ result: 'ok' });
      this.report(done);
      this.logger.info({ file: done.name, bytes: done.bytes, kept: Math.min(all.length, this.options.BACKUP_KEEP) }, 'database backed up');
      return done;
    } catch (err) {
      await files.discard(partial);
      this.runs.inc({ result: 'failed' });
      throw err;
    }
  }

  private report(file: BackupFile): void {
    this.lastSuccess.set(file.takenAt / 1000);
    this.bytes.set(file.bytes);
  }

  private schedule(inMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.backUp()
        .catch((err: Error) => this.logger.error({ err: err.message, dir: this.options.BACKUP_DIR }, 'database backup failed; trying again at the next interval'))
        .finally(() => {
          if (this.timer) this.schedule(this.options.BACKUP_EVERY_HOURS * HOUR_MS);
        });
    }, inMs);
    this.timer.unref();
  }
}
