import type { Kysely } from 'kysely';

// alert_transitions.detail: the facts behind a transition the API made itself (opened, merged,
// severity raised, escalated, camera back) as JSON, so a console can say them in its reader's
// language; `note` keeps the English sentence. Older rows have none and show their note.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_transitions').addColumn('detail', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_transitions').dropColumn('detail').execute();
}
