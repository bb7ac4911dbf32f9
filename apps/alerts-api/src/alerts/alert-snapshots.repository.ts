import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import type { Severity } from '@xl/contracts';
import { KYSELY } from '../core/tokens';
import type { Database } from '../db/schema';
import type { EvidenceHolding } from '../evidence/retention';

type Db = Kysely<Database> | Transaction<Database>;

/** A resolved alert that still has annotated snapshots on disk, with what retention decides by. */
export type SnapshotHolder = Omit<EvidenceHolding, 'bytes'>;

/** Largest IN list per query (PostgreSQL and SQLite both take far more; this keeps statements small). */
const BATCH = 500;

/** Every annotated snapshot an alert received (`alert_snapshots`), for its trail and its retention. */
@Injectable()
export class AlertSnapshotsRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  /** Records that `alertId` received the snapshot at `path`; the same file twice (a redelivered event) is one row. */
  async add(trx: Db, alertId: string, path: string, capturedAt: number): Promise<void> {
    await trx
      .insertInto('alert_snapshots')
      .values({ alert_id: alertId, path, captured_at: capturedAt })
      .onConflict((oc) => oc.columns(['alert_id', 'path']).doNothing())
      .execute();
  }

  /** Records a file found on disk as the alert's (outside an intake transaction). */
  async adopt(alertId: string, path: string, capturedAt: number): Promise<void> {
    await this.add(this.db, alertId, path, capturedAt);
  }

  /** The alert's snapshots, oldest first. */
  async list(alertId: string): Promise<{ path: string; capturedAt: number }[]> {
    const rows = await this.db.selectFrom('alert_snapshots').select(['path', 'captured_at']).where('alert_id', '=', alertId).orderBy('captured_at').orderBy('path').execute();
    return rows.map((r) => ({ path: r.path, capturedAt: Number(r.captured_at) }));
  }

  /**
   * Alerts resolved at or before `resolvedBefore` that still hold snapshots. Driven from the snapshots
   * (a few thousand alerts), not from every alert resolved since the start: SQLite walked the whole
   * history that way, ~0.3 s at a million alerts, at every sweep.
   */
  async resolvedHolders(resolvedBefore: number): Promise<SnapshotHolder[]> {
    const rows = await this.db
      .selectFrom('alert_snapshots')
      // CROSS JOIN: SQLite then keeps the written order (snapshots outside, each alert by its key)
      // instead of walking every resolved alert; PostgreSQL plans it as the inner join it is.
      .crossJoin('alerts')
      .whereRef('alerts.id', '=', 'alert_snapshots.alert_id')
      .select(['alerts.id as id', 'alerts.state as state', 'alerts.outcome as outcome', 'alerts.severity as severity', 'alerts.started_at as started_at', 'alerts.resolved_at as resolved_at'])
      .distinct()
      .where('alerts.state', '=', 'resolved')
      .where('alerts.resolved_at', '<=', resolvedBefore)
      .execute();
    return rows.map((r) => ({
      alertId: r.id,
      state: r.state,
      outcome: r.outcome,
      severity: r.severity as Severity,
      startedAt: Number(r.started_at),
      resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    }));
  }

  /** Forgets the alert's snapshots (their files are gone): no rows, and the alert shows none. */
  async forget(alertId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('alert_snapshots').where('alert_id', '=', alertId).execute();
      await trx.updateTable('alerts').set({ snapshot_path: null }).where('id', '=', alertId).execute();
    });
  }

  /**
   * For files named as the analyzer names them (`<event id>-<capture ms>.jpg`), the alert each one's
   * event was recorded for; files of events never received are absent.
   */
  async alertsOfEventFiles(files: readonly { path: string; eventId: string; capturedAt: number }[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (let i = 0; i < files.length; i += BATCH) {
      const batch = files.slice(i, i + BATCH);
      const rows = await this.db
        .selectFrom('alert_events')
        .select(['event_id', 'captured_at', 'alert_id'])
        .where('event_id', 'in', [...new Set(batch.map((f) => f.eventId))])
        .execute();
      for (const f of batch) {
        const row = rows.find((r) => r.event_id === f.eventId && Number(r.captured_at) === f.capturedAt);
        if (row) owners.set(f.path, row.alert_id);
      }
    }
    return owners;
  }

  /** Of `paths`, those some alert holds. */
  async held(paths: readonly string[]): Promise<Set<string>> {
    const held = new Set<string>();
    for (let i = 0; i < paths.length; i += BATCH) {
      const batch = paths.slice(i, i + BATCH);
      const rows = await this.db.selectFrom('alert_snapshots').select('path').where('path', 'in', batch).execute();
      for (const r of rows) held.add(r.path);
    }
    return held;
  }
}
