import type { Kysely } from 'kysely';

// The sweeps that back up Redis-held timers read, every few seconds, the open alerts past their
// escalation deadline and the clips still pending past their answer timeout. Without these indexes
// both scan every alert or evidence row ever stored; with them each reads only what it acts on.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('alerts_escalation_due').on('alerts').columns(['state', 'escalation_due_at']).execute();
  await db.schema.createIndex('alert_evidence_pending').on('alert_evidence').columns(['status', 'requested_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alert_evidence_pending').execute();
  await db.schema.dropIndex('alerts_escalation_due').execute();
}
