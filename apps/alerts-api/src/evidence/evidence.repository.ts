import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { ClipResult } from '@xl/contracts';
import { KYSELY } from '../core/tokens';
import type { AlertEvidenceTable, Database } from '../db/schema';
import type { EvidenceHolding } from './retention';

export type EvidenceRecord = AlertEvidenceTable;

/** The alert_evidence table: one row per alert that asked for a clip. */
@Injectable()
export class EvidenceRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  get(alertId: string): Promise<EvidenceRecord | undefined> {
    return this.db.selectFrom('alert_evidence').selectAll().where('alert_id', '=', alertId).executeTakeFirst();
  }

  /** A clip was asked for (again): 'pending' unless a clip is already there (an update re-cuts it in place). */
  async requested(alertId: string, cameraId: string, at: number): Promise<void> {
    await this.db
      .insertInto('alert_evidence')
      .values({ alert_id: alertId, camera_id: cameraId, status: 'pending', bytes: 0, requested_at: at, updated_at: at })
      .onConflict((oc) => oc.column('alert_id').doUpdateSet({ requested_at: at, updated_at: at }))
      .execute();
  }

  /**
   * Marks the clips still pending whose latest request is older than `requestedBefore` as
   * unavailable, reason no_answer (result_at = now: a real answer, always later, still replaces it).
   * Returns how many.
   */
  async expirePending(requestedBefore: number, now: number): Promise<number> {
    const res = await this.db
      .updateTable('alert_evidence')
      .set({ status: 'unavailable', reason: 'no_answer', result_at: now, updated_at: now })
      .where('status', '=', 'pending')
      .where('requested_at', '<', requestedBefore)
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0);
  }

  /** Applies a result unless a newer one was applied already (one without a snapshot keeps the recorded one); false when ignored. */
  async applyResult(result: ClipResult, now: number): Promise<boolean> {
    const values = {
      camera_id: result.cameraId,
      status: result.status,
      reason: result.reason ?? null,
      clip_path: result.clipPath ?? null,
      snapshot_path: result.snapshotPath ?? null,
      requested_from: result.requestedFrom,
      requested_to: result.requestedTo,
      clip_from: result.clipFrom ?? null,
      clip_to: result.clipTo ?? null,
      bytes: result.bytes,
      ingest_id: result.ingestId,
      result_at: result.at,
      deleted_at: null,
      updated_at: now,
    };
    // A re-cut whose snapshot failed leaves the earlier keyframe on disk (ingest replaces it only by a
    // new one): the row keeps its path, or it would be served no more and retention never delete it.
    const { snapshot_path: _snapshot, ...keepingSnapshot } = values;
    const inserted = await this.db
      .insertInto('alert_evidence')
      .values({ alert_id: result.alertId, requested_at: result.at, ...values })
      .onConflict((oc) =>
        oc
          .column('alert_id')
          .doUpdateSet(result.snapshotPath ? values : keepingSnapshot)
          .where((eb) => eb.or([eb('alert_evidence.result_at', 'is', null), eb('alert_evidence.result_at', '<=', result.at)])),
      )
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Evidence still on disk, with what retention needs to know of its alert. */
  async holdings(): Promise<Array<EvidenceHolding & { clipPath: string | null; snapshotPath: string | null }>> {
    const rows = await this.db
      .selectFrom('alert_evidence')
      .innerJoin('alerts', 'alerts.id', 'alert_evidence.alert_id')
      .select([
        'alert_evidence.alert_id as alertId',
        'alert_evidence.bytes as bytes',
        'alert_evidence.clip_path as clipPath',
        'alert_evidence.snapshot_path as snapshotPath',
        'alerts.state as state',
        'alerts.outcome as outcome',
        'alerts.severity as severity',
        'alerts.started_at as startedAt',
        'alerts.resolved_at as resolvedAt',
      ])
      .where('alert_evidence.deleted_at', 'is', null)
      .where((eb) => eb.or([eb('alert_evidence.clip_path', 'is not', null), eb('alert_evidence.snapshot_path', 'is not', null)]))
      .execute();
    return rows.map((r) => ({
      ...r,
      bytes: Number(r.bytes),
      startedAt: Number(r.startedAt),
      resolvedAt: r.resolvedAt === null ? null : Number(r.resolvedAt),
      severity: r.severity as EvidenceHolding['severity'],
    }));
  }

  async markDeleted(alertId: string, now: number): Promise<void> {
    await this.db
      .updateTable('alert_evidence')
      .set({ status: 'deleted', clip_path: null, snapshot_path: null, bytes: 0, deleted_at: now, updated_at: now })
      .where('alert_id', '=', alertId)
      .execute();
  }
}
