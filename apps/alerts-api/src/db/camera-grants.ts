import { type Kysely, sql } from 'kysely';
import { jsonListMayHold, jsonListWithout } from '../common/json';
import type { Database } from './schema';

/**
 * Takes a deleted camera out of the `camera_ids` of every row of `table` (users, API keys): grants
 * are by id, and a camera created later under the same id, anywhere, must not reach whoever was
 * given this one. Returns how many rows changed.
 */
export async function forgetCameraGrants(db: Kysely<Database>, table: 'users' | 'api_keys', cameraId: string): Promise<number> {
  const rows = await db
    .selectFrom(table)
    .select(['id', 'camera_ids'])
    .where(sql<boolean>`camera_ids like ${jsonListMayHold(cameraId)} escape '\\'`)
    .execute();
  let changed = 0;
  for (const row of rows) {
    // Compare-and-set: an admin's edit of the same row in between is not overwritten; re-read, redo.
    let current: string | undefined = row.camera_ids;
    for (let tries = 0; current !== undefined && tries < 10; tries++) {
      const next = jsonListWithout(current, cameraId, `${table}.camera_ids`);
      if (next === null) break;
      const result = await db.updateTable(table).set({ camera_ids: next }).where('id', '=', row.id).where('camera_ids', '=', current).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) {
        changed++;
        break;
      }
      current = (await db.selectFrom(table).select('camera_ids').where('id', '=', row.id).executeTakeFirst())?.camera_ids;
    }
  }
  return changed;
}
