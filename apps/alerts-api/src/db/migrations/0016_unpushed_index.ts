import { type Kysely, sql } from 'kysely';

// The notifier's sweeper asks every 10 s, on every instance, for alerts stored but never pushed
// (`pushed_at IS NULL AND created_at < ?`, oldest first). Without an index that was a scan and sort
// of the whole, never pruned, alert history each time (on SQLite blocking the one connection). A
// partial index holds only the rows the query wants: almost always none.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('alerts_unpushed').on('alerts').column('created_at').where(sql.ref('pushed_at'), 'is', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_unpushed').execute();
}
