import type { Kysely } from 'kysely';

// The intake asks, for every alert it opens, whether an event that names it as related already
// opened one (`related_alert_id = ? AND state <> 'resolved'`: a vanish stored before its entry into
// the water). Without an index that was a scan of the whole alert history inside the intake's
// transaction, growing with every alert ever raised.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('alerts_related_alert_id').on('alerts').column('related_alert_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_related_alert_id').execute();
}
