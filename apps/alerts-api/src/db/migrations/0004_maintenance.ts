import type { Kysely } from 'kysely';

// Maintenance windows of cameras: while one lasts, the camera's health alerts (offline, frozen,
// covered, blurred) are not raised. Same conventions as 0001: text ids, bigint epoch-ms times.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('camera_maintenance')
    .addColumn('camera_id', 'text', (c) => c.primaryKey())
    .addColumn('until', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('set_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('camera_maintenance').execute();
}
