import type { Kysely } from 'kysely';

// webhook_subscriptions.waters: water zones 'camera/zone' (JSON array) narrowing a subscription's
// cameras the way a school's waters narrow what it sees — a school's siren or PA system hooked to
// its pond, not to the square the same camera watches. Stored before it: '[]', whole cameras.
// webhook_subscriptions.alarms_only: only the events that call for attention (a siren), 0/1.
// webhook_deliveries_at: the delivery log is pruned by age (XL_WEBHOOK_LOG_DAYS); before, it grew
// for ever, one row per try.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_subscriptions').addColumn('waters', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('webhook_subscriptions').addColumn('alarms_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('webhook_deliveries_at').on('webhook_deliveries').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_at').execute();
  await db.schema.alterTable('webhook_subscriptions').dropColumn('alarms_only').execute();
  await db.schema.alterTable('webhook_subscriptions').dropColumn('waters').execute();
}
