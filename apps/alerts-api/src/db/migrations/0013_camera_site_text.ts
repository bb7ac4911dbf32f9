import type { Kysely } from 'kysely';

// cameras.site_text: the values of the camera's site (address, directions, people, equipment),
// lower-cased, for the camera search (`q`). Searching the site's JSON instead would match its keys:
// "name" or "phone" would find every camera that has a site. Cameras had no site before 0011, a few
// hours before this one: none to backfill.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cameras').addColumn('site_text', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cameras').dropColumn('site_text').execute();
}
