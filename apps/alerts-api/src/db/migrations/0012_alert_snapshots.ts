import { type Kysely, sql } from 'kysely';

// alert_snapshots: every annotated snapshot an alert received (one per analyzer alert that joined
// it: the person entering the water, then going under), not only the one the alert shows. Retention
// deletes them with the alert's other evidence; before, a joining alert's picture left its
// predecessor's file on the snapshot volume for ever. Backfilled with the snapshot each alert shows;
// the earlier files of those alerts are adopted by the orphan pass (their events are in alert_events).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alert_snapshots')
    .addColumn('alert_id', 'text', (c) => c.notNull())
    /** Relative to SNAPSHOT_DIR, as the analyzer wrote it. */
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_snapshots_pk', ['alert_id', 'path'])
    .execute();
  // The orphan sweep asks "does anyone hold this file?" by path.
  await db.schema.createIndex('alert_snapshots_path').on('alert_snapshots').column('path').execute();
  await sql`insert into alert_snapshots (alert_id, path, captured_at)
    select id, snapshot_path, captured_at from alerts where snapshot_path is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('alert_snapshots').execute();
}
