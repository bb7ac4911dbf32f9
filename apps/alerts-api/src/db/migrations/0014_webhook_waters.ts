import type { Kysely } from 'kysely';

// webhook_subscriptions.waters: water zones 'camera/zone' (JSON array) narrowing a subscription's
// cameras the way a school's waters narrow what it sees — a school's siren or PA system hooked to
// its pond, not to the square the same camera watches. Stored before it: '[]', whole cameras.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_subscriptions').addColumn('waters', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_subscriptions').dropColumn('waters').execute();
}
