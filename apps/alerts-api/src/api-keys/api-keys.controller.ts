import { Body, ConflictException, Controller, Delete, Get, HttpCode, Injectable, NotFoundException, Optional, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { newApiKey } from '../auth/api-key-secret';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { Clock } from '../common/clock';
import { ZodBody } from '../common/openapi';
import { cameraIdsSchema, regionIdsSchema, roleSchema, ScopeInputValidator, watersSchema } from '../common/scope-input';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { PrincipalChanges } from '../shared/principal-changes';
import { type ApiKey, ApiKeysRepository, publicApiKey } from './api-keys.repository';

export const apiKeyCreateSchema = z.strictObject({
  name: z.string().min(1).max(128).describe('what the key is for, e.g. "county dashboard"'),
  role: roleSchema,
  regionIds: regionIdsSchema.default([]),
  cameraIds: cameraIdsSchema.default([]),
  waters: watersSchema.default([]),
});

/**
 * What may change on a key without re-issuing it: its name and scope. The role stays (a key that
 * should act as another role is another key); the secret stays, so a school's alarm box keeps
 * working when its waters change.
 */
export const apiKeyPatchSchema = z
  .strictObject({
    name: apiKeyCreateSchema.shape.name,
    regionIds: regionIdsSchema,
    cameraIds: cameraIdsSchema,
    waters: watersSchema,
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'a patch needs at least one field');

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly scopes: ScopeInputValidator,
    private readonly clock: Clock,
    /** Absent without WebSocket push. */
    @Optional() private readonly changes?: PrincipalChanges,
  ) {}

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  /** The only time the key itself is shown: it is stored hashed. */
  async create(caller: Principal, input: z.output<typeof apiKeyCreateSchema>): Promise<ApiKey & { key: string }> {
    await this.scopes.check(input.role, input.regionIds, input.cameraIds, input.waters);
    const { id, key, hash } = newApiKey();
    const record = { id, name: input.name, keyHash: hash, role: input.role, regionIds: input.regionIds, cameraIds: input.cameraIds, waters: input.waters, createdBy: caller.id, createdAt: this.clock.now(), lastUsedAt: null, revokedAt: null };
    await this.keys.insert(record);
    return { ...publicApiKey(record), key };
  }

  /**
   * A key's scope is read on every request, so REST calls see the change at once; an open WebSocket
   * re-checks its credential every reverifyMs (60 s). A revoked key stays as it was (409).
   */
  async update(id: string, patch: z.output<typeof apiKeyPatchSchema>): Promise<ApiKey> {
    const current = await this.keys.get(id);
    if (!current) throw new NotFoundException(`API key '${id}' not found`);
    const revoked = () => new ConflictException(`API key '${current.name}' is revoked and cannot be changed; issue a new one`);
    if (current.revokedAt !== null) throw revoked();
    const next = { ...current, ...patch };
    await this.scopes.check(next.role, next.regionIds, next.cameraIds, next.waters);
    if (!(await this.keys.update(next))) throw revoked();
    // An alarm box's open WebSocket sees its new waters at once.
    await this.changes?.announce({ kind: 'api_key', id });
    return publicApiKey(next);
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.keys.get(id))) throw new NotFoundException(`API key '${id}' not found`);
    await this.keys.revoke(id, this.clock.now());
    await this.changes?.announce({ kind: 'api_key', id });
  }
}

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  async list() {
    return { items: await this.keys.list() };
  }

  @Post()
  @ZodBody(apiKeyCreateSchema)
  create(@CurrentPrincipal() caller: Principal, @Body(new ZodPipe(apiKeyCreateSchema)) body: z.output<typeof apiKeyCreateSchema>) {
    return this.keys.create(caller, body);
  }

  @Patch(':id')
  @ZodBody(apiKeyPatchSchema)
  update(@Param('id') id: string, @Body(new ZodPipe(apiKeyPatchSchema)) body: z.output<typeof apiKeyPatchSchema>) {
    return this.keys.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
