import type { Kysely } from 'kysely';

// alerts.alarm_push_due: the alarmed_at of an alarm raised by an update (a drowning raising the
// entry's alert to critical) that has not been pushed yet; null when none is pending. Set in the
// intake's transaction, cleared once the push went out, re-pushed by the sweeper otherwise — the
// alarm a siren waits for is at-least-once like alert.created, not best-effort like other updates.
// Existing alerts have nothing pending.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('alarm_push_due', 'bigint').execute();
  await db.schema.createIndex('alerts_alarm_push_due').on('alerts').column('alarm_push_due').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_alarm_push_due').execute();
  await db.schema.alterTable('alerts').dropColumn('alarm_push_due').execute();
}
