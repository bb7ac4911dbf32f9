import type { Kysely } from 'kysely';
import { siteSchema, siteSearchText } from '@xl/config';

// cameras.site_text: the values of the camera's site (address, directions, people, numbers,
// equipment), lower-cased, for the camera search (`q`). Searching the site's JSON instead would match
// its keys: "name" or "phone" would find every camera that has a site. Filled for the cameras that
// got a site since 0011; one that no longer parses stays unsearchable by its site until it is saved.

interface CameraSiteRow {
  id: string;
  site: string | null;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cameras').addColumn('site_text', 'text').execute();
  const typed = db as unknown as Kysely<{ cameras: CameraSiteRow & { site_text: string | null } }>;
  const rows = await typed.selectFrom('cameras').select(['id', 'site']).where('site', 'is not', null).execute();
  for (const row of rows) {
    let parsed;
    try {
      parsed = siteSchema.safeParse(JSON.parse(row.site as string));
    } catch {
      continue;
    }
    if (parsed.success) await typed.updateTable('cameras').set({ site_text: siteSearchText(parsed.data) }).where('id', '=', row.id).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cameras').dropColumn('site_text').execute();
}
