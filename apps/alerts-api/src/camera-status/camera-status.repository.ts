import { Inject, Injectable } from '@nestjs/common';
import { type ExpressionBuilder, type Insertable, type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { KYSELY } from '../core/tokens';
import type { CameraStatusTable, Database } from '../db/schema';
import type { Drop } from './unstable-link';

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
  /**
   * While `recoveredFrom` is set: how long the camera must stay up for that outage to end
   * (CAMERA_STABLE_SECONDS, or as long as its last drop lasted, up to CAMERA_OFFLINE_ALERT_SECONDS).
   * Null otherwise, and in rows written before it was kept (read as CAMERA_STABLE_SECONDS).
   */
  stableMs: number | null;
  /** Times the camera went dark in its current (or just ended) outage; 1 for a plain outage. */
  outageDrops: number;
  /**
   * The camera's drops that ended within CAMERA_UNSTABLE_WINDOW_SECONDS of its latest return, oldest
   * first, the newest MAX_RECENT_DROPS at most (unstable-link.ts); empty with the window at 0. Always
   * read; absent from a record written without it (none).
   */
  recentDrops?: readonly Drop[];
  /**
   * When the current outage was found unstable (its dark share of the window reached
   * CAMERA_UNSTABLE_PERCENT): it ends only once the camera has stayed up the whole window. Null
   * otherwise; absent (null) as recentDrops.
   */
  unstableAt?: number | null;
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
    stable_ms: record.stableMs,
    outage_drops: record.outageDrops,
    recent_drops: record.recentDrops?.length ? JSON.stringify(record.recentDrops) : null,
    unstable_at: record.unstableAt ?? null,
  };
}

/** recent_drops as stored; a value that is not a list of [start, end] pairs reads as none. */
function parseDrops(text: string | null): Drop[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    const isDrop = (d: unknown): d is Drop => Array.isArray(d) && d.length === 2 && d.every((n) => typeof n === 'number' && Number.isFinite(n));
    return Array.isArray(value) && value.every(isDrop) ? value : [];
  } catch {
    return [];
  }
}

/**
 * Where a sweep stopped: the last row it read, by its sweep order (the time it orders by, then the
 * camera id). The next read starts after it, so rows the sweep cannot act on never hold it up.
 */
export interface SweepCursor {
  at: number;
  cameraId: string;
}

/** A camera back from an outage whose recovery is not confirmed, and when its confirmation was due. */
export type UnconfirmedRecovery = CameraStatusRecord & { dueAt: number };

/** The camera_offline alert id of an outage, in SQL: `camera_offline:<camera>:<offline_since>`, as the service builds it. */
const OFFLINE_ALERT_ID = sql<string>`'camera_offline:' || camera_status.camera_id || ':' || camera_status.offline_since`;

/** The rule id of a camera_offline alert raised for an unstable link (CameraStatusService). */
export const UNSTABLE_RULE_ID = 'health.unstable';

/** The camera_offline alert id of the outage an online camera came back from: `camera_offline:<camera>:<recovered_from>`. */
const RECOVERED_ALERT_ID = sql<string>`'camera_offline:' || camera_status.camera_id || ':' || camera_status.recovered_from`;

/** Rows after `cursor` in the order (`at`, camera_id): `at` a column or an expression of the row. */
function after(eb: ExpressionBuilder<Database, 'camera_status'>, at: 'camera_status.offline_since' | 'camera_status.recovered_from' | 'camera_status.since' | RawBuilder<number>, cursor: SweepCursor) {
  return eb.or([eb(at, '>', cursor.at), eb.and([eb(at, '=', cursor.at), eb('camera_status.camera_id', '>', cursor.cameraId)])]);
}

/**
 * When a recovery's stability period ends, in SQL: `since + stable_ms` (`defaultStableMs` where
 * unset). One expression for the recovery sweep's filter, order and cursor alike.
 */
function stableDueAt(defaultStableMs: number): RawBuilder<number> {
  return sql<number>`(camera_status.since + coalesce(camera_status.stable_ms, ${defaultStableMs}))`;
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
    stableMs: row.stable_ms === null || row.stable_ms === undefined ? null : Number(row.stable_ms),
    outageDrops: Number(row.outage_drops ?? 0),
    recentDrops: parseDrops(row.recent_drops ?? null),
    unstableAt: currentUnstableAt(row),
  };
}

/**
 * The row's unstable_at if it belongs to its current outage: set at a return after that outage began
 * (offline_since while dark, recovered_from while back). Otherwise null: an instance of a release
 * before 0026 (a rolling upgrade) confirms a recovery and stores a new drop without knowing the
 * column, so the last unstable outage's value stays behind — read as set, the next outage would pass
 * for unstable already and its return would never judge the link (nor raise it).
 */
function currentUnstableAt(row: Selectable<CameraStatusTable>): number | null {
  if (row.unstable_at === null || row.unstable_at === undefined) return null;
  const unstableAt = Number(row.unstable_at);
  const outageStart = row.status === 'offline' ? row.offline_since : row.recovered_from;
  return outageStart !== null && unstableAt >= Number(outageStart) ? unstableAt : null;
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

  /**
   * Stores `record` over the row exactly as `read` (undefined: there was none); false when the row
   * changed since — another instance stored another entry of this camera, a recovery was confirmed —
   * and nothing was written. Every API instance handles every status entry: an unconditional write
   * of an older entry could land after a newer one, and store a camera dark again as online.
   */
  async saveOver(record: CameraStatusRecord, read: CameraStatusRecord | undefined): Promise<boolean> {
    const row = toRow(record);
    if (!read) {
      const inserted = await this.db
        .insertInto('camera_status')
        .values(row)
        .onConflict((oc) => oc.column('camera_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const { camera_id: _id, ...rest } = row;
    const same = (eb: ExpressionBuilder<Database, 'camera_status'>, column: 'reason' | 'detail' | 'offline_since' | 'ingest_id' | 'recovered_from', value: string | number | null) =>
      value === null ? eb(column, 'is', null) : eb(column, '=', value as never);
    const updated = await this.db
      .updateTable('camera_status')
      .set(rest)
      .where('camera_id', '=', record.cameraId)
      .where('status', '=', read.status)
      .where('since', '=', read.since)
      .where('updated_at', '=', read.updatedAt)
      .where('outage_drops', '=', read.outageDrops)
      .where((eb) =>
        eb.and([
          same(eb, 'reason', read.reason),
          same(eb, 'detail', read.detail),
          same(eb, 'offline_since', read.offlineSince),
          same(eb, 'ingest_id', read.ingestId),
          same(eb, 'recovered_from', read.recoveredFrom),
        ]),
      )
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async delete(cameraId: string): Promise<void> {
    await this.db.deleteFrom('camera_status').where('camera_id', '=', cameraId).execute();
  }

  /** Status rows of enabled cameras outside a maintenance window open at `now`: what the sweeps may act on. */
  private sweepable(now: number) {
    return this.db
      .selectFrom('camera_status')
      .innerJoin('cameras', 'cameras.id', 'camera_status.camera_id')
      .where('cameras.enabled', '=', 1)
      .where(({ exists, not, selectFrom }) =>
        not(exists(selectFrom('camera_maintenance').select('camera_maintenance.camera_id').whereRef('camera_maintenance.camera_id', '=', 'camera_status.camera_id').where('camera_maintenance.until', '>', now))),
      );
  }

  /**
   * Sweepable cameras offline now, `limit` at most after `cursor`, oldest first by `by`: their
   * outage's start, or their current drop's (`since`).
   */
  private outages(now: number, cursor: SweepCursor | undefined, limit: number, by: 'camera_status.offline_since' | 'camera_status.since' = 'camera_status.offline_since') {
    return this.sweepable(now)
      .selectAll('camera_status')
      .where('camera_status.status', '=', 'offline')
      .$if(cursor !== undefined, (q) => q.where((eb) => after(eb, by, cursor!)))
      .orderBy(by)
      .orderBy('camera_status.camera_id')
      .limit(limit);
  }

  /**
   * Enabled cameras offline since `before` or earlier with no camera_offline alert for their current
   * outage (in any state: one resolved by hand is not raised again), outside a maintenance window open
   * at `now` (the offline-threshold sweep), `limit` at most, after `cursor`, oldest outage first. The
   * query leaves out what the sweep has nothing to do for: read first and skipped, 200 long-dead
   * cameras filled every batch and hid a newer outage behind them for ever. A disabled or deleted
   * camera is no outage to raise.
   */
  async offlineWithoutAlert(before: number, now: number, cursor: SweepCursor | undefined, limit: number): Promise<CameraStatusRecord[]> {
    const rows = await this.outages(now, cursor, limit)
      .leftJoin('alerts', (join) => join.on('alerts.id', '=', OFFLINE_ALERT_ID))
      .where('camera_status.offline_since', '<=', before)
      .where('alerts.id', 'is', null)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Enabled cameras of an outage found unstable dark again since `before` or earlier in the current
   * drop, outside a maintenance window open at `now`: the timer that splits such a drop off as its own
   * offline outage did not fire (its unstable alert's state does not matter: an operator may have
   * closed the flicker, not a blind camera) — unless the outage's alert already says offline, in any
   * state (camera-status.service saysOffline: no split, and the sweep would find the row each round).
   * `limit` at most, after `cursor`, by the drop's start, which they qualify on — ordered by the
   * outage's, a row due later could sort before the cursor and wait for the list's wrap-around (as
   * unconfirmedRecoveries).
   */
  async unstableGoneDark(before: number, now: number, cursor: SweepCursor | undefined, limit: number): Promise<CameraStatusRecord[]> {
    const rows = await this.outages(now, cursor, limit, 'camera_status.since')
      .leftJoin('alerts', (join) => join.on('alerts.id', '=', OFFLINE_ALERT_ID))
      .where((eb) => eb.or([eb('alerts.id', 'is', null), eb('alerts.rule_id', '=', UNSTABLE_RULE_ID)]))
      .where('camera_status.since', '<=', before)
      .whereRef('camera_status.unstable_at', '>=', 'camera_status.offline_since') // not a stale value (currentUnstableAt)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Enabled cameras back between the drops of an outage found unstable at `before` or earlier (online,
   * `unstable_at` and `recovered_from` set) with no camera_offline alert for that outage (in any state),
   * outside a maintenance window open at `now` (whose end raises it): the raise at their return failed.
   * `limit` at most, after `cursor`, oldest outage first.
   */
  async unstableWithoutAlert(before: number, now: number, cursor: SweepCursor | undefined, limit: number): Promise<CameraStatusRecord[]> {
    const rows = await this.sweepable(now)
      .leftJoin('alerts', (join) => join.on('alerts.id', '=', RECOVERED_ALERT_ID))
      .selectAll('camera_status')
      .where('camera_status.status', '=', 'online')
      .where('camera_status.recovered_from', 'is not', null)
      .where('camera_status.unstable_at', '<=', before)
      .whereRef('camera_status.unstable_at', '>=', 'camera_status.recovered_from') // not a stale value (currentUnstableAt)
      .where('alerts.id', 'is', null)
      .$if(cursor !== undefined, (q) => q.where((eb) => after(eb, 'camera_status.recovered_from', cursor!)))
      .orderBy('camera_status.recovered_from')
      .orderBy('camera_status.camera_id')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Cameras whose stability period (`stable_ms`, `defaultStableMs` where unset) ended at `before` or
   * earlier and whose recovery was never confirmed (the stability sweep), `limit` at most, after
   * `cursor`, earliest due first (`dueAt` of each is its place in that order). Ordered by due time, a
   * recovery that becomes due later comes after where the last sweep stopped; ordered by return (a
   * camera back from a long drop waits longer than one back later from a short one), it could sort
   * before that place and wait for the sweep to read the whole list to its end first.
   */
  async unconfirmedRecoveries(before: number, defaultStableMs: number, cursor: SweepCursor | undefined, limit: number): Promise<UnconfirmedRecovery[]> {
    const dueAt = stableDueAt(defaultStableMs);
    const rows = await this.db
      .selectFrom('camera_status')
      .selectAll()
      .select(dueAt.as('due_at'))
      .where('status', '=', 'online')
      .where('recovered_from', 'is not', null)
      .where(dueAt, '<=', before)
      .$if(cursor !== undefined, (q) => q.where((eb) => after(eb, dueAt, cursor!)))
      .orderBy(dueAt)
      .orderBy('camera_id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...toRecord(row), dueAt: Number(row.due_at) }));
  }

  /**
   * Ends the outage the camera came back from at `since`, if it is still online since then; false
   * when it dropped again (or another instance confirmed it first).
   */
  async confirmRecovery(cameraId: string, since: number): Promise<boolean> {
    const updated = await this.db
      .updateTable('camera_status')
      .set({ recovered_from: null, stable_ms: null, outage_drops: 0, unstable_at: null })
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
   * that instance handled the entry). Several API instances read the stream, and may handle the same
   * entries side by side: handling is idempotent, and stores a status only over the row as read.
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
