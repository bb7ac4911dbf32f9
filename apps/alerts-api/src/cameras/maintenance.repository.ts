import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { KYSELY } from '../core/tokens';
import type { Database } from '../db/schema';

export interface MaintenanceWindow {
  cameraId: string;
  until: number;
  note: string | null;
  setBy: string;
  setAt: number;
}

type Row = Database['camera_maintenance'];
const toWindow = (r: Row): MaintenanceWindow => ({ cameraId: r.camera_id, until: Number(r.until), note: r.note, setBy: r.set_by, setAt: Number(r.set_at) });

/** Cameras' maintenance windows (one per camera; setting another replaces it). */
@Injectable()
export class MaintenanceRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async save(w: MaintenanceWindow): Promise<void> {
    const row: Row = { camera_id: w.cameraId, until: w.until, note: w.note, set_by: w.setBy, set_at: w.setAt };
    await this.db
      .insertInto('camera_maintenance')
      .values(row)
      .onConflict((oc) => oc.column('camera_id').doUpdateSet({ until: w.until, note: w.note, set_by: w.setBy, set_at: w.setAt }))
      .execute();
  }

  async delete(cameraId: string): Promise<void> {
    await this.db.deleteFrom('camera_maintenance').where('camera_id', '=', cameraId).execute();
  }

  /** The window covering `at`, if any. */
  async activeAt(cameraId: string, at: number): Promise<MaintenanceWindow | undefined> {
    const row = await this.db.selectFrom('camera_maintenance').selectAll().where('camera_id', '=', cameraId).where('until', '>', at).executeTakeFirst();
    return row && toWindow(row);
  }

  /** Windows still open at `at`, by camera. */
  async activeOf(cameraIds: string[], at: number): Promise<Map<string, MaintenanceWindow>> {
    if (!cameraIds.length) return new Map();
    const rows = await this.db.selectFrom('camera_maintenance').selectAll().where('camera_id', 'in', cameraIds).where('until', '>', at).execute();
    return new Map(rows.map((r) => [r.camera_id, toWindow(r)]));
  }
}
