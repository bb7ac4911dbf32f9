import type { Kysely } from 'kysely';

// held_health_alerts: a camera health alert's `created` event held back at intake while its camera
// is in a maintenance window, as the event's JSON. Its `ended` deletes it; the window's end raises
// what is left through the normal intake. Before, such an event was dropped: a lens left covered or a
// camera re-aimed by the repair itself was never raised, as the analyzer says a condition only once.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('held_health_alerts')
    .addColumn('alert_id', 'text', (c) => c.primaryKey())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('held_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('held_health_alerts_camera').on('held_health_alerts').column('camera_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('held_health_alerts').execute();
}
