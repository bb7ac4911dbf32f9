import { type Kysely, sql } from 'kysely';

// The retention sweeps (every EVIDENCE_SWEEP_SECONDS, on every instance) read the evidence still on
// disk: without an index that read all of alert_evidence, one row per alert ever raised (~0.1 s at a
// million alerts, on SQLite blocking the one connection and the event loop). A partial index holds
// the rows whose files are not deleted yet: a few thousand.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('alert_evidence_held')
    .on('alert_evidence')
    .column('alert_id')
    .where(sql<boolean>`deleted_at is null and (clip_path is not null or snapshot_path is not null)`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alert_evidence_held').execute();
}
