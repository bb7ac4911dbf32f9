import { Inject, Injectable } from '@nestjs/common';
import type { Insertable, Kysely, Selectable } from 'kysely';
import { KYSELY } from '../core/tokens';
import type { CameraStatusTable, Database } from '../db/schema';

export interface CameraStatusRecord {
  cameraId: string;
  status: 'online' | 'offline';
  reason: string | null;
  detail: string | null;
  /** Epoch ms of the last change of `status`. */
  since: number;
  /** Start of the current outage (null while online). */
  offlineSince: number | null;
  ingestId: string | null;
  updatedAt: number;
  /**
   * While online but not yet stable (CAMERA_STABLE_SECONDS): the start of the outage the camera came
   * back from, which a drop now would continue. Null otherwise.
   */
  recoveredFrom: number | null;
  /** Times the camera went dark in its current (or just ended) outage; 1 for a plain outage. */
  outageDrops: number;
}

function toRow(record: CameraStatusRecord): Insertable<CameraStatusTable> {
  return {
    camera_id: record.cameraId,
    status: record.status,
    reason: record.reason,
    detail: record.detail,
    since: record.since,
    offline_since: record.offlineSince,
    ingest_id: record.ingestId,
    updated_at: record.updatedAt,
    recovered_from: record.recoveredFrom,
    outage_drops: record.outageDrops,
  };
}

function toRecord(row: Selectable<CameraStatusTable>): CameraStatusRecord {
  return {
    cameraId: row.camera_id,
    status: row.status,
    reason: row.reason,
    detail: row.detail,
    since: row.since,
    offlineSince: row.offline_since,
    ingestId: row.ingest_id,
    updatedAt: row.updated_at,
    recoveredFrom: row.recovered_from === null ? null : Number(row.recovered_from),
    outageDrops: Number(row.outage_drops ?? 0),
  };
}

@Injectable()
export class CameraStatusRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async get(cameraId: string): Promise<CameraStatusRecord | undefined> {
    const row = await this.db.selectFrom('camera_status').selectAll().where('camera_id', '=', cameraId).executeTakeFirst();
    return row && toRecord(row);
  }

  async many(cameraIds: string[]): Promise<Map<string, CameraStatusRecord>> {
    if (!cameraIds.length) return new Map();
    const rows = await this.db.selectFrom('camera_status').selectAll().where('camera_id', 'in', cameraIds).execute();
    return new Map(rows.map((r) => [r.camera_id, toRecord(r)]));
  }

  async save(record: CameraStatusRecord): Promise<void> {
    const row = toRow(record);
    const { camera_id: _id, ...rest } = row;
    await this.db
      .insertInto('camera_status')
      .values(row)
      .onConflict((oc) => oc.column('camera_id').doUpdateSet(rest))
      .execute();
  }

  async delete(cameraId: string): Promise<void> {
    await this.db.deleteFrom('camera_status').where('camera_id', '=', cameraId).execute();
  }

  /**
   * Enabled cameras offline since `before` or earlier (the offline-threshold sweep). A disabled or
   * deleted camera is no outage to raise, and a row of one left behind must not fill the batch.
   */
  async offlineSince(before: number, limit: number): Promise<CameraStatusRecord[]> {
    const rows = await this.db
      .selectFrom('camera_status')
      .innerJoin('cameras', 'cameras.id', 'camera_status.camera_id')
      .selectAll('camera_status')
      .where('cameras.enabled', '=', 1)
      .where('camera_status.status', '=', 'offline')
      .where('camera_status.offline_since', '<=', before)
      .orderBy('camera_status.offline_since')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Stores `record` (a drop) over the row of a camera back since `since` from the outage that started
   * at `recoveredFrom`, if the row is still that; false when that outage ended meanwhile (confirmRecovery).
   */
  async continueOutage(record: CameraStatusRecord, since: number, recoveredFrom: number): Promise<boolean> {
    const { camera_id: _id, ...rest } = toRow(record);
    const updated = await this.db
      .updateTable('camera_status')
      .set(rest)
      .where('camera_id', '=', record.cameraId)
      .where('status', '=', 'online')
      .where('since', '=', since)
      .where('recovered_from', '=', recoveredFrom)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Cameras back since `before` or earlier whose recovery was never confirmed (the stability sweep). */
  async unconfirmedRecoveries(before: number, limit: number): Promise<CameraStatusRecord[]> {
    const rows = await this.db.selectFrom('camera_status').selectAll().where('status', '=', 'online').where('recovered_from', 'is not', null).where('since', '<=', before).orderBy('since').limit(limit).execute();
    return rows.map(toRecord);
  }

  /**
   * Ends the outage the camera came back from at `since`, if it is still online since then; false
   * when it dropped again (or another instance confirmed it first).
   */
  async confirmRecovery(cameraId: string, since: number): Promise<boolean> {
    const updated = await this.db
      .updateTable('camera_status')
      .set({ recovered_from: null, outage_drops: 0 })
      .where('camera_id', '=', cameraId)
      .where('status', '=', 'online')
      .where('since', '=', since)
      .where('recovered_from', 'is not', null)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Enabled cameras offline (`xl_cameras_offline`): a disabled or deleted one is not dark, it is not watched. */
  async countOffline(): Promise<number> {
    const row = await this.db
      .selectFrom('camera_status')
      .innerJoin('cameras', 'cameras.id', 'camera_status.camera_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('cameras.enabled', '=', 1)
      .where('camera_status.status', '=', 'offline')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Last stream entry id consumed (persisted so a restart resumes where it stopped). */
  async streamOffset(stream: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('stream_offsets').select('last_id').where('stream', '=', stream).executeTakeFirst();
    return row?.last_id;
  }

  /**
   * Moves the offset from `expected` to `next`; false when another instance moved it first (then
   * that instance handled the entry). Several API instances read the stream; one handles each entry.
   */
  async advanceStreamOffset(stream: string, expected: string | undefined, next: string): Promise<boolean> {
    if (expected === undefined) {
      const inserted = await this.db
        .insertInto('stream_offsets')
        .values({ stream, last_id: next })
        .onConflict((oc) => oc.column('stream').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const updated = await this.db
      .updateTable('stream_offsets')
      .set({ last_id: next })
      .where('stream', '=', stream)
      .where('last_id', '=', expected)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }
}
