import type { Kysely } from 'kysely';

// Evidence of alerts (clips and high-resolution snapshots cut by ingest) and the cameras' recording
// settings. Same conventions as 0001: text ids, bigint epoch-ms times, JSON as text.

export async function up(db: Kysely<unknown>): Promise<void> {
  // null: the recording defaults (cameras stored before this migration)
  await db.schema.alterTable('cameras').addColumn('recording', 'text').execute();

  await db.schema
    .createTable('alert_evidence')
    .addColumn('alert_id', 'text', (c) => c.primaryKey())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    /** pending | complete | truncated | unavailable | deleted */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('clip_path', 'text')
    .addColumn('snapshot_path', 'text')
    .addColumn('requested_from', 'bigint')
    .addColumn('requested_to', 'bigint')
    .addColumn('clip_from', 'bigint')
    .addColumn('clip_to', 'bigint')
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('ingest_id', 'text')
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    /** `at` of the result applied last: an older result arriving late never replaces a newer clip. */
    .addColumn('result_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_evidence_camera').on('alert_evidence').column('camera_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('alert_evidence').execute();
  await db.schema.alterTable('cameras').dropColumn('recording').execute();
}
