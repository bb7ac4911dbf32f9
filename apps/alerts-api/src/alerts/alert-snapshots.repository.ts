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

  /** The alert's snapshots, oldest first. */
  async list(alertId: string): Promise<{ path: string; capturedAt: number }[]> {
    const rows = await this.db.selectFrom('alert_snapshots').select(['path', 'captured_at']).where('alert_id', '=', alertId).orderBy('captured_at').orderBy('path').execute();
    return rows.map((r) => ({ path: r.path, capturedAt: Number(r.captured_at) }));
  }

  /** Alerts resolved at or before `resolvedBefore` that still hold snapshots. */
  async resolvedHolders(resolvedBefore: number): Promise<SnapshotHolder[]> {
    const rows = await this.db
      .selectFrom('alerts')
      .select(['id', 'state', 'outcome', 'severity', 'started_at', 'resolved_at'])
      .where('state', '=', 'resolved')
      .where('resolved_at', '<=', resolvedBefore)
      .where((eb) => eb.exists(eb.selectFrom('alert_snapshots').select('alert_snapshots.alert_id').whereRef('alert_snapshots.alert_id', '=', 'alerts.id')))
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
