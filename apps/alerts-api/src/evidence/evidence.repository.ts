import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { RECORDING_DEFAULTS, type RecordingConfig, recordingSchema } from '@xl/config';
import type { ClipResult } from '@xl/contracts';
import { KYSELY } from '../core/tokens';
import type { AlertEvidenceTable, Database } from '../db/schema';
import type { EvidenceHolding } from './retention';

export type EvidenceRecord = AlertEvidenceTable;

/** A clip request that never reached the request stream, with what is needed to send it again. */
export interface UnsentRequest {
  alertId: string;
  cameraId: string;
  /** The alert as stored now (its latest update): the request is rebuilt from it. */
  startedAt: number;
  capturedAt: number;
  streamDelaySeconds: number | null;
  requestedAt: number;
  /** The camera's recording settings (defaults when unknown): how long what it asks for stays recorded. */
  recording: Pick<RecordingConfig, 'windowSeconds' | 'postSeconds'>;
}

/** The camera's stored recording settings, or the defaults (camera gone, stored before migration 0003, unreadable). */
function recordingOf(text: string | null): UnsentRequest['recording'] {
  if (text === null) return RECORDING_DEFAULTS;
  try {
    const parsed = recordingSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : RECORDING_DEFAULTS;
  } catch {
    return RECORDING_DEFAULTS;
  }
}

/** The alert_evidence table: one row per alert that asked for a clip. */
@Injectable()
export class EvidenceRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  get(alertId: string): Promise<EvidenceRecord | undefined> {
    return this.db.selectFrom('alert_evidence').selectAll().where('alert_id', '=', alertId).executeTakeFirst();
  }

  /**
   * A clip was asked for (again): 'pending' unless a clip is already there (an update re-cuts it in
   * place). The request is due on the stream until `published` says it got there.
   */
  async requested(alertId: string, cameraId: string, at: number): Promise<void> {
    await this.db
      .insertInto('alert_evidence')
      .values({ alert_id: alertId, camera_id: cameraId, status: 'pending', bytes: 0, requested_at: at, updated_at: at, request_due: at })
      .onConflict((oc) => oc.column('alert_id').doUpdateSet({ requested_at: at, updated_at: at, request_due: at }))
      .execute();
  }

  /**
   * The request made at `at` is on the stream (or will not be sent again). A later request of the
   * same alert, not yet there, stays due.
   */
  async published(alertId: string, at: number): Promise<void> {
    await this.db.updateTable('alert_evidence').set({ request_due: null }).where('alert_id', '=', alertId).where('request_due', '=', at).execute();
  }

  /**
   * Requests asked for at or before `requestedBy` that never reached the stream, newest first (at most
   * `limit`): the alert as stored now and its camera's recording settings. Deleted evidence is left out.
   */
  async unsent(requestedBy: number, limit: number): Promise<UnsentRequest[]> {
    const rows = await this.db
      .selectFrom('alert_evidence')
      .innerJoin('alerts', 'alerts.id', 'alert_evidence.alert_id')
      .leftJoin('cameras', 'cameras.id', 'alerts.camera_id')
      .select([
        'alert_evidence.alert_id as alertId',
        'alerts.camera_id as cameraId',
        'alerts.started_at as startedAt',
        'alerts.captured_at as capturedAt',
        'alerts.stream_delay_seconds as streamDelaySeconds',
        'alert_evidence.request_due as requestDue',
        'cameras.recording as recording',
      ])
      .where('alert_evidence.request_due', 'is not', null)
      .where('alert_evidence.request_due', '<=', requestedBy)
      .where('alert_evidence.status', '!=', 'deleted')
      .orderBy('alert_evidence.request_due', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      alertId: r.alertId,
      cameraId: r.cameraId,
      startedAt: Number(r.startedAt),
      capturedAt: Number(r.capturedAt),
      streamDelaySeconds: r.streamDelaySeconds === null ? null : Number(r.streamDelaySeconds),
      requestedAt: Number(r.requestDue),
      recording: recordingOf(r.recording),
    }));
  }

  /** The camera of the stored alert, undefined when there is no such alert. */
  async alertCamera(alertId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('alerts').select('camera_id').where('id', '=', alertId).executeTakeFirst();
    return row?.camera_id;
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
      duration_ms: result.durationMs ?? null,
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

  /**
   * Evidence still on disk, with what retention needs to know of its alert. Its conditions are those
   * of the partial index alert_evidence_held, written the same way, so the read stays on that index.
   */
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
