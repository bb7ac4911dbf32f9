import type { Kysely } from 'kysely';

// alert_evidence.duration_ms: the recorded time the clip shows, as ingest planned it (the MP4's
// length). Served as the evidence's durationMs, which was clipTo − clipFrom: for a clip with holes
// (camera offline; the concatenation closes them) longer than the MP4. Results of ingests before
// it, and rows stored before it: null, and clipTo − clipFrom is served as before.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_evidence').addColumn('duration_ms', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_evidence').dropColumn('duration_ms').execute();
}
