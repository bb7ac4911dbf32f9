import { sql, type Kysely } from 'kysely';

// alerts.alarmed_at: when the alert last called for attention as critical — opened critical, raised
// to critical, or its critical condition raised again (a swimmer who bobbed up and went under once
// more). Screens sound the alarm, and schools are warned again, for each new value. Alerts stored
// before it: critical ones alarmed when they were created.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('alarmed_at', 'bigint').execute();
  await sql`update alerts set alarmed_at = created_at where severity = 'critical'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').dropColumn('alarmed_at').execute();
}
