import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { z } from 'zod';
import { hashPassword } from '../auth/passwords';
import { Clock } from '../common/clock';
import { cameraIdsSchema, regionIdsSchema, roleSchema, ScopeInputValidator, watersSchema } from '../common/scope-input';
import { SETTINGS, type Settings } from '../settings';
import type { Principal } from '../shared/principal';
import { PrincipalChanges } from '../shared/principal-changes';
import { publicUser, type User, UsersRepository, type UserWithHash } from './users.repository';

const password = z.string().min(8, 'must be at least 8 characters').max(256).describe('stored as a scrypt hash, never returned');

export const userCreateSchema = z.strictObject({
  username: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/, 'must be 1–64 letters, digits, _ . @ - starting with a letter or digit')
    .describe('login name, unique'),
  displayName: z.string().min(1).max(128).optional().describe('shown in the console and the audit trail'),
  password,
  role: roleSchema,
  regionIds: regionIdsSchema.default([]),
  cameraIds: cameraIdsSchema.default([]),
  waters: watersSchema.default([]),
  disabled: z.boolean().default(false).describe('a disabled user cannot log in; their tokens stop working at once, and for good (re-enabled, they sign in again)'),
});
export const userUpdateSchema = z.strictObject({
  displayName: z.string().min(1).max(128).optional(),
  password: password.optional(),
  role: roleSchema.optional(),
  regionIds: regionIdsSchema.optional(),
  cameraIds: cameraIdsSchema.optional(),
  waters: watersSchema.optional(),
  disabled: z.boolean().optional(),
});

/** Tries of an update whose row keeps changing between its read and its write before it gives up (409). */
const UPDATE_ATTEMPTS = 3;

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly scopes: ScopeInputValidator,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    /** Absent without WebSocket push. */
    @Optional() private readonly changes?: PrincipalChanges,
  ) {}

  list(): Promise<User[]> {
    return this.users.list();
  }

  async get(id: string): Promise<User> {
    const user = await this.users.get(id);
    if (!user) throw new NotFoundException(`user '${id}' not found`);
    return publicUser(user);
  }

  async create(input: z.output<typeof userCreateSchema>): Promise<User> {
    if (await this.users.byUsername(input.username)) throw new ConflictException(`user name '${input.username}' is taken`);
    await this.scopes.check(input.role, input.regionIds, input.cameraIds, input.waters);
    const now = this.clock.now();
    const user: UserWithHash = {
      id: randomUUID(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await hashPassword(input.password, this.settings.passwordScryptLog2N),
      role: input.role,
      regionIds: input.regionIds,
      cameraIds: input.cameraIds,
      waters: input.waters,
      disabled: input.disabled,
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: null,
    };
    await this.users.insert(user);
    return publicUser(user);
  }

  async update(caller: Principal, id: string, patch: z.output<typeof userUpdateSchema>): Promise<User> {
    // Hashed before the row is read: the slow step stays out of the read-to-write window.
    const passwordHash = patch.password ? await hashPassword(patch.password, this.settings.passwordScryptLog2N) : undefined;
    for (let attempt = 1; ; attempt++) {
      const current = await this.users.get(id);
      if (!current) throw new NotFoundException(`user '${id}' not found`);
      const now = this.clock.now();
      const disabling = patch.disabled === true && !current.disabled;
      const next: UserWithHash = {
        ...current,
        displayName: patch.displayName ?? current.displayName,
        role: patch.role ?? current.role,
        regionIds: patch.regionIds ?? current.regionIds,
        cameraIds: patch.cameraIds ?? current.cameraIds,
        waters: patch.waters ?? current.waters,
        disabled: patch.disabled ?? current.disabled,
        passwordHash: passwordHash ?? current.passwordHash,
        // A new password ends the sign-ins made with the old one (it may have leaked). Disabling ends
        // them for good as well: re-enabling must not bring back a token taken meanwhile, nor let
        // /auth/refresh renew it for the rest of its session.
        passwordChangedAt: passwordHash || disabling ? now : current.passwordChangedAt,
        updatedAt: now,
      };
      if (next.role !== 'school' && patch.role && current.role === 'school') {
        if (!patch.cameraIds) next.cameraIds = [];
        if (!patch.waters) next.waters = [];
      }
      await this.scopes.check(next.role, next.regionIds, next.cameraIds, next.waters);
      // Written only over the row as read: a password the user changed meanwhile (or another admin's
      // edit) is not overwritten with what was read; re-read and redo the patch on the row as it is now.
      if (current.role === 'admin' && (next.role !== 'admin' || next.disabled)) {
        this.refuseSelf(caller, id);
        const outcome = await this.users.updateKeepingAnAdmin(next, current);
        if (outcome === 'last_admin') throw lastAdmin();
        if (outcome === 'written') return this.changed(next);
      } else if (await this.users.update(next, current)) return this.changed(next);
      if (attempt === UPDATE_ATTEMPTS) throw new ConflictException(`user '${id}' changed during each of ${UPDATE_ATTEMPTS} tries to update it; try again`);
    }
  }

  async delete(caller: Principal, id: string): Promise<void> {
    const current = await this.users.get(id);
    if (!current) throw new NotFoundException(`user '${id}' not found`);
    if (current.role !== 'admin') await this.users.delete(id);
    else {
      this.refuseSelf(caller, id);
      if ((await this.users.deleteKeepingAnAdmin(id)) === 'last_admin') throw lastAdmin();
    }
    await this.changes?.announce({ kind: 'user', id });
  }

  /** The user as written; its open WebSockets apply the change at once (scope, role, password, disabled). */
  private async changed(user: UserWithHash): Promise<User> {
    await this.changes?.announce({ kind: 'user', id: user.id });
    return publicUser(user);
  }

  /** An admin does not demote, disable or delete themselves: another admin does (nobody may lock everyone out). */
  private refuseSelf(caller: Principal, id: string): void {
    if (caller.kind === 'user' && caller.id === id) throw new ConflictException('you cannot demote, disable or delete yourself');
  }
}

const lastAdmin = () => new ConflictException('this is the last active admin');
