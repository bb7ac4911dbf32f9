import { type Kysely, sql } from 'kysely';

// A duty report's downtime counts the camera outages still going at the period's start
// (`rule = 'camera_offline' AND started_at < ?`, then whether they had ended by then). Without an
// index that read every alert ever stored, ~1 s on PostgreSQL at 1.1 million alerts, for every
// report. A partial index holds the outages only: a few per camera and month.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('alerts_camera_offline_started').on('alerts').column('started_at').where(sql.ref('rule'), '=', 'camera_offline').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_camera_offline_started').execute();
}
