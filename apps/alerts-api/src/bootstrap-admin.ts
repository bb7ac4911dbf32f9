import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashPassword } from './auth/passwords';
import type { Database } from './db/schema';

/**
 * Creates the admin named in the settings when no user of that name exists. An existing user is
 * left alone (its password may have been changed through the API since).
 */
export async function ensureAdmin(db: Kysely<Database>, admin: { username: string; password: string }, now = Date.now()): Promise<boolean> {
  const existing = await db.selectFrom('users').select('id').where('username', '=', admin.username).executeTakeFirst();
  if (existing) return false;
  await db
    .insertInto('users')
    .values({
      id: randomUUID(),
      username: admin.username,
      display_name: admin.username,
      password_hash: await hashPassword(admin.password),
      role: 'admin',
      region_ids: '[]',
      camera_ids: '[]',
      waters: '[]',
      disabled: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('username').doNothing())
    .execute();
  return true;
}
