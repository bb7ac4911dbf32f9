import type { Kysely } from 'kysely';

// users.waters, api_keys.waters: the water zones a school sees, as 'camera/zone' (JSON array).
// A school sees the alerts of its cameras' listed zones and the cameras' own alerts (offline,
// covered, moved …), not those of a square the same camera also watches. Stored before it: '[]',
// every alert of the school's cameras, as before.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('waters', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('api_keys').addColumn('waters', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('waters').execute();
  await db.schema.alterTable('users').dropColumn('waters').execute();
}
