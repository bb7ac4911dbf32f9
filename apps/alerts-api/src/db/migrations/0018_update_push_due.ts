import { type Kysely, sql } from 'kysely';

// alerts.update_push_due: the updated_at of a change (an acknowledgement, a resolution, an
// escalation, a note) whose alert.updated has not been pushed yet; null when none is pending. Set in
// the changing transaction, cleared once a copy at least that new went out, re-pushed by the
// notifier's sweeper otherwise — a Redis blip or a crash between commit and push no longer leaves
// other consoles, webhooks and MQTT with the alert as it was. A partial index: almost always empty.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('update_push_due', 'bigint').execute();
  await db.schema.createIndex('alerts_update_push_due').on('alerts').column('update_push_due').where(sql.ref('update_push_due'), 'is not', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_update_push_due').execute();
  await db.schema.alterTable('alerts').dropColumn('update_push_due').execute();
}
