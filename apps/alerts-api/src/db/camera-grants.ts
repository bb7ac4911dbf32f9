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
    const next = jsonListWithout(row.camera_ids, cameraId, `${table}.camera_ids`);
    if (next === null) continue;
    await db.updateTable(table).set({ camera_ids: next }).where('id', '=', row.id).execute();
    changed++;
  }
  return changed;
}
