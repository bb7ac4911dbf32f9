import type { Kysely } from 'kysely';

// camera_status.stable_ms: while a camera is back but not yet stable (recovered_from set), how long it
// must stay up for its outage to end — CAMERA_STABLE_SECONDS, or as long as its last drop lasted, up
// to CAMERA_OFFLINE_ALERT_SECONDS. A link dark 50 s and up 35 s, again and again, is blind most of
// the time and never dark for 60 s at a stretch: with a fixed 30 s every return ended the outage and
// nothing was ever raised. Null otherwise; a row written before this column reads as
// CAMERA_STABLE_SECONDS.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('camera_status').addColumn('stable_ms', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('camera_status').dropColumn('stable_ms').execute();
}
