import type { Kysely } from 'kysely';

// camera_status.recent_drops: the camera's last drops (JSON `[[start, end], …]`, epoch ms) that ended
// within CAMERA_UNSTABLE_WINDOW_SECONDS of its latest return, the newest 64 at most. From them a
// return works out how much of the window the camera was dark: a link dark 40 s and up 45 s, again
// and again, is blind ~47 % of the time with every drop under the offline threshold, and raised nothing.
// camera_status.unstable_at: when the camera's current outage was found unstable (its dark share of
// the window reached CAMERA_UNSTABLE_PERCENT): it raises camera_offline at once and ends only once the
// camera has stayed up the whole window. Null otherwise.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('camera_status').addColumn('recent_drops', 'text').execute();
  await db.schema.alterTable('camera_status').addColumn('unstable_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('camera_status').dropColumn('unstable_at').execute();
  await db.schema.alterTable('camera_status').dropColumn('recent_drops').execute();
}
