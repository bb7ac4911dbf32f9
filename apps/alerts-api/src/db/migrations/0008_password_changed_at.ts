import type { Kysely } from 'kysely';

// users.password_changed_at: when the password was last set after the account was created (by the
// user or an admin). Sign-ins from before it stop working — a password changed because it leaked
// must also end the sessions opened with it. Users stored before it: null, nothing ends.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('password_changed_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('password_changed_at').execute();
}
