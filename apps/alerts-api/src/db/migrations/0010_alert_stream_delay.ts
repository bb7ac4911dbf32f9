import type { Kysely } from 'kysely';

// alerts.stream_delay_seconds: how far behind real time the camera's stream arrived with the alert's
// newest evidence (ingest measures it, the analyzer passes it on with the event). Frames are stamped
// on arrival, so on a congested uplink the scene is that much older than captured_at: "last seen
// 3 s ago" may mean 15. Alerts stored before it, and streams near live: null.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('stream_delay_seconds', 'real').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').dropColumn('stream_delay_seconds').execute();
}
