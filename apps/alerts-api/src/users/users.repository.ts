import { Inject, Injectable } from '@nestjs/common';
import { type Kysely, sql, type Transaction } from 'kysely';
import { parseJsonColumn } from '../common/json';
import { KYSELY } from '../core/tokens';
import { forgetCameraGrants } from '../db/camera-grants';
import type { Database, UsersTable } from '../db/schema';
import { isPostgres } from '../db/dialect';
import type { Role } from '../shared/principal';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  regionIds: string[];
  cameraIds: string[];
  /** Schools: their water zones, 'camera/zone' (see Principal.waters). */
  waters: string[];
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface UserWithHash extends User {
  passwordHash: string;
  /**
   * When the password was last changed or the user disabled (epoch ms), null if neither since the
   * account was created: sign-ins from before it have ended (signedInBeforePasswordChange).
   */
  passwordChangedAt: number | null;
}

function toUser(row: UsersTable): UserWithHash {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role as Role,
    regionIds: parseJsonColumn<string[]>(row.region_ids, 'users.region_ids'),
    cameraIds: parseJsonColumn<string[]>(row.camera_ids, 'users.camera_ids'),
    waters: parseJsonColumn<string[]>(row.waters, 'users.waters'),
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    passwordHash: row.password_hash,
    passwordChangedAt: row.password_changed_at === null || row.password_changed_at === undefined ? null : Number(row.password_changed_at),
  };
}

function toRow(user: UserWithHash): UsersTable {
  return {
    id: user.id,
    username: user.username,
    display_name: user.displayName,
    password_hash: user.passwordHash,
    role: user.role,
    region_ids: JSON.stringify(user.regionIds),
    camera_ids: JSON.stringify(user.cameraIds),
    waters: JSON.stringify(user.waters),
    disabled: user.disabled ? 1 : 0,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    password_changed_at: user.passwordChangedAt,
  };
}

/** Strips the password hash: what leaves the repository for anything but login. */
export function publicUser(user: UserWithHash | User): User {
  const { passwordHash: _hash, passwordChangedAt: _changed, ...rest } = user as UserWithHash;
  return rest;
}

@Injectable()
export class UsersRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map((r) => publicUser(toUser(r)));
  }

  async get(id: string): Promise<UserWithHash | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async byUsername(username: string): Promise<UserWithHash | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toUser(row);
  }

  async insert(user: UserWithHash): Promise<void> {
    await this.db.insertInto('users').values(toRow(user)).execute();
  }

  /**
   * Writes `user` over the row only if the row still holds `asRead` (every column it writes, compared):
   * false when someone changed it in between (a password change, another admin, a camera's deletion),
   * so that the caller re-reads and redoes instead of restoring what that change replaced.
   */
  async update(user: UserWithHash, asRead: UserWithHash, db: Kysely<Database> = this.db): Promise<boolean> {
    const { id, username: _username, created_at: _created, ...row } = toRow(user);
    const { id: _id, username: _u, created_at: _c, password_changed_at: readChangedAt, ...read } = toRow(asRead);
    let query = db.updateTable('users').set(row).where('id', '=', id).where('password_changed_at', readChangedAt === null ? 'is' : '=', readChangedAt);
    for (const [column, value] of Object.entries(read) as [keyof typeof read, string | number][]) query = query.where(column, '=', value);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Sets the user's own new password, written only while the account is enabled and still holds the
   * password that was checked (`asRead`): false when it was disabled or its password set meanwhile.
   * Only the password columns are written, so an admin's change of role or scope in between stays.
   */
  async changePassword(asRead: UserWithHash, passwordHash: string, changedAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: changedAt, updated_at: changedAt })
      .where('id', '=', asRead.id)
      .where('disabled', '=', 0)
      .where('password_hash', '=', asRead.passwordHash)
      .where('password_changed_at', asRead.passwordChangedAt === null ? 'is' : '=', asRead.passwordChangedAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Replaces the user's hash with `passwordHash`, the same password at a higher cost (upgraded at a
   * sign-in), only while the row still holds the hash and change time that sign-in checked (`asRead`):
   * false when the password was set meanwhile, which stays. Nothing else changes, updated_at neither:
   * the account is as it was.
   */
  async upgradePasswordHash(asRead: UserWithHash, passwordHash: string): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', asRead.id)
      .where('password_hash', '=', asRead.passwordHash)
      .where('password_changed_at', asRead.passwordChangedAt === null ? 'is' : '=', asRead.passwordChangedAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  /**
   * `update`, refused ('last_admin') when it would leave no other active admin than the one it demotes
   * or disables. The count and the write run under one lock (PostgreSQL advisory lock; SQLite runs one
   * transaction at a time): two admins disabling each other at the same moment each counted the other
   * and locked everyone out.
   */
  updateKeepingAnAdmin(user: UserWithHash, asRead: UserWithHash): Promise<'written' | 'changed' | 'last_admin'> {
    return this.withAdminsLocked(async (trx) => {
      if ((await this.countActiveAdmins(trx, user.id)) === 0) return 'last_admin';
      return (await this.update(user, asRead, trx)) ? 'written' : 'changed';
    });
  }

  /** `delete`, refused ('last_admin') like `updateKeepingAnAdmin` when no other active admin would be left. */
  deleteKeepingAnAdmin(id: string): Promise<'deleted' | 'last_admin'> {
    return this.withAdminsLocked(async (trx) => {
      if ((await this.countActiveAdmins(trx, id)) === 0) return 'last_admin';
      await trx.deleteFrom('users').where('id', '=', id).execute();
      return 'deleted';
    });
  }

  private withAdminsLocked<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(hashtext('xl-admins'))`.execute(trx);
      return fn(trx);
    });
  }

  /** Takes a deleted camera out of every user's cameras (forgetCameraGrants); how many changed. */
  forgetCamera(cameraId: string): Promise<number> {
    return forgetCameraGrants(this.db, 'users', cameraId);
  }

  /** Every school user (the only role with waters), by user name. */
  async schools(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().where('role', '=', 'school').orderBy('username').execute();
    return rows.map((r) => publicUser(toUser(r)));
  }

  /** Active admins other than `except`. */
  private async countActiveAdmins(db: Kysely<Database>, except: string): Promise<number> {
    const row = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .where('id', '!=', except)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
