import type { Kysely } from 'kysely';

// camera_status.recovered_from: while a camera is back but not yet stable (online for less than
// CAMERA_STABLE_SECONDS), the start of the outage it came back from — a drop within that time
// continues that outage instead of starting a new one, so a flapping link reaches the offline
// threshold like a dark camera does. Null once the camera has stayed up (or while it is offline).
// camera_status.outage_drops: how many times the camera went dark in that outage.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('camera_status').addColumn('recovered_from', 'bigint').execute();
  await db.schema.alterTable('camera_status').addColumn('outage_drops', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('camera_status').dropColumn('outage_drops').execute();
  await db.schema.alterTable('camera_status').dropColumn('recovered_from').execute();
}
