import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { AlertEvent } from '@xl/contracts';
import { KYSELY } from '../core/tokens';
import type { Database } from '../db/schema';

/**
 * Camera health alerts held back at intake during their camera's maintenance window (`created`
 * events, as received), until their `ended` drops them or the window's end raises them.
 */
@Injectable()
export class HeldHealthAlertsRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  /** Holds the event; the same alert again (a redelivered event) stays one row, as first held. */
  async hold(event: AlertEvent, at: number): Promise<void> {
    await this.db
      .insertInto('held_health_alerts')
      .values({ alert_id: event.alertId, camera_id: event.cameraId, rule: event.rule, event: JSON.stringify(event), held_at: at })
      .onConflict((oc) => oc.column('alert_id').doNothing())
      .execute();
  }

  /** Forgets the held alert; false when none was held under that id. */
  async drop(alertId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('held_health_alerts').where('alert_id', '=', alertId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The camera's held events, in the order they were held. */
  async ofCamera(cameraId: string): Promise<AlertEvent[]> {
    const rows = await this.db.selectFrom('held_health_alerts').select('event').where('camera_id', '=', cameraId).orderBy('held_at').orderBy('alert_id').execute();
    return rows.map((r) => JSON.parse(r.event) as AlertEvent);
  }

  /** The snapshot files the held events name (held alerts are few: one per health rule and camera in maintenance). */
  async snapshotPaths(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('held_health_alerts').select('event').execute();
    return new Set(rows.flatMap((r) => (JSON.parse(r.event) as AlertEvent).snapshotPath ?? []));
  }

  async deleteOfCamera(cameraId: string): Promise<number> {
    const result = await this.db.deleteFrom('held_health_alerts').where('camera_id', '=', cameraId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Cameras holding alerts with no maintenance window open at `at` (whose end did not raise them yet), `limit` at most. */
  async camerasOutOfMaintenance(at: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('held_health_alerts')
      .select('camera_id')
      .distinct()
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('camera_maintenance').select('camera_maintenance.camera_id').whereRef('camera_maintenance.camera_id', '=', 'held_health_alerts.camera_id').where('camera_maintenance.until', '>', at))),
      )
      .orderBy('camera_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.camera_id);
  }
}
