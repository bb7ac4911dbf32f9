import { type Kysely, sql } from 'kysely';

// alert_evidence.request_due: the requested_at of a clip request not yet on the request stream;
// null once it is there. Set with the request, cleared when its XADD succeeded. alerts-api's Redis
// client gives up on a command after a few retries, so a blip of a second lost the request for good:
// the intake's commit stands and the event's retry is a duplicate that asks for nothing. The
// evidence service now sends such requests again while the camera still records what they ask for
// (docs/clips.md). A partial index: almost always empty.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_evidence').addColumn('request_due', 'bigint').execute();
  await db.schema.createIndex('alert_evidence_request_due').on('alert_evidence').column('request_due').where(sql.ref('request_due'), 'is not', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alert_evidence_request_due').execute();
  await db.schema.alterTable('alert_evidence').dropColumn('request_due').execute();
}
