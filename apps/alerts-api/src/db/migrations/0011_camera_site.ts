import type { Kysely } from 'kysely';

// cameras.site: the scene on the ground (address, directions, coordinates, people to call, rescue
// equipment) as JSON SiteConfig; null for a camera without one. Shown with the camera's alerts;
// never published to Redis (ingest and the analyzer have no use for phone numbers).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cameras').addColumn('site', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cameras').dropColumn('site').execute();
}
