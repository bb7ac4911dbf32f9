import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { idSchema } from '@xl/config';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { ScopeService } from '../auth/scope.service';
import { CamerasRepository } from '../cameras/cameras.repository';
import { Clock } from '../common/clock';
import { validationError } from '../common/zod-pipe';
import type { RegionLevel } from '../db/schema';
import { WebhooksRepository } from '../outbound/webhooks.repository';
import type { Principal } from '../shared/principal';
import { UsersRepository } from '../users/users.repository';
import { type Region, RegionsRepository } from './regions.repository';

export const REGION_LEVELS = ['city', 'county', 'township', 'village'] as const;
const LEVEL_RANK: Record<RegionLevel, number> = { city: 0, county: 1, township: 2, village: 3 };

export const regionCreateSchema = z.strictObject({
  id: idSchema.describe('region id, unique; used in user scopes and camera.regionId'),
  name: z.string().min(1).max(128).describe('display name'),
  level: z.enum(REGION_LEVELS).describe('city > county > township > village; a child is always below its parent'),
  parentId: idSchema.nullable().default(null).describe('parent region; null for a root (usually the city)'),
});
export const regionUpdateSchema = z.strictObject({
  name: z.string().min(1).max(128).optional(),
  level: z.enum(REGION_LEVELS).optional(),
  parentId: idSchema.nullable().optional().describe('moving a region moves its whole subtree'),
});
export type RegionCreate = z.output<typeof regionCreateSchema>;
export type RegionUpdate = z.output<typeof regionUpdateSchema>;

@Injectable()
export class RegionsService {
  constructor(
    private readonly regions: RegionsRepository,
    private readonly cameras: CamerasRepository,
    private readonly users: UsersRepository,
    private readonly keys: ApiKeysRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly scope: ScopeService,
    private readonly clock: Clock,
  ) {}

  async list(principal: Principal): Promise<Region[]> {
    if (principal.role === 'admin') return this.regions.list();
    if (principal.role === 'school') return [];
    return this.regions.listWithin(principal.regionIds);
  }

  async get(principal: Principal, id: string): Promise<Region & { path: string[] }> {
    const region = await this.regions.get(id);
    if (!region || !(await this.scope.canSeeRegion(principal, id))) throw new NotFoundException(`region '${id}' not found`);
    return { ...region, path: await this.regions.path(id) };
  }

  async create(input: RegionCreate): Promise<Region> {
    if (await this.regions.get(input.id)) throw new ConflictException(`region '${input.id}' already exists`);
    await this.checkParent(input.id, input.level, input.parentId);
    const now = this.clock.now();
    const region: Region = { id: input.id, name: input.name, level: input.level, parentId: input.parentId, createdAt: now, updatedAt: now };
    await this.regions.insert(region);
    return region;
  }

  async update(id: string, patch: RegionUpdate): Promise<Region> {
    const current = await this.regions.get(id);
    if (!current) throw new NotFoundException(`region '${id}' not found`);
    const next = {
      name: patch.name ?? current.name,
      level: patch.level ?? current.level,
      parentId: patch.parentId === undefined ? current.parentId : patch.parentId,
    };
    await this.checkParent(id, next.level, next.parentId);
    await this.checkChildren(id, next.level);
    await this.regions.update(id, next, this.clock.now());
    return (await this.regions.get(id)) as Region;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.regions.get(id))) throw new NotFoundException(`region '${id}' not found`);
    if (await this.regions.childCount(id)) throw new ConflictException(`region '${id}' has child regions; delete or move them first`);
    if (await this.cameras.countInRegion(id)) throw new ConflictException(`region '${id}' has cameras; move or delete them first`);
    // Grants are by id: left behind, they would come back with a region created later under this id
    // (anywhere in the tree), and every later edit of their holder would fail on the missing region.
    const holders = await this.holdersOf(id);
    if (holders.length) throw new ConflictException(`region '${id}' is in the regions of ${holders.join(', ')}; take it out of them first`);
    // Alerts are found through the region tree (lists, reports, pushes, escalation): deleted, the
    // region's alerts — open ones too — would reach no operator and stop escalating.
    if (await this.regions.hasAlerts(id)) throw new ConflictException(`region '${id}' has alerts, found through the region tree: it stays while they are kept (rename it, or move it, instead)`);
    await this.regions.delete(id);
  }

  /** Users, unrevoked API keys and webhooks whose regionIds name the region. */
  private async holdersOf(id: string): Promise<string[]> {
    const [users, keys, hooks] = await Promise.all([this.users.list(), this.keys.list(), this.webhooks.list()]);
    return [
      ...users.filter((u) => u.regionIds.includes(id)).map((u) => `user '${u.username}'`),
      ...keys.filter((k) => k.revokedAt === null && k.regionIds.includes(id)).map((k) => `API key '${k.name}'`),
      ...hooks.filter((h) => h.filters.regionIds.includes(id)).map((h) => `webhook '${h.name}'`),
    ];
  }

  private async checkParent(id: string, level: RegionLevel, parentId: string | null): Promise<void> {
    if (parentId === null) return;
    const parent = await this.regions.get(parentId);
    if (!parent) throw validationError('body', [{ field: 'parentId', rule: 'exists', message: `region '${parentId}' does not exist` }]);
    if ((await this.regions.path(parentId)).includes(id)) {
      throw validationError('body', [{ field: 'parentId', rule: 'acyclic', message: `region '${parentId}' is inside '${id}'; a region cannot move under itself` }]);
    }
    if (LEVEL_RANK[level] <= LEVEL_RANK[parent.level]) {
      throw validationError('body', [{ field: 'level', rule: 'below_parent', message: `a ${level} cannot sit under the ${parent.level} '${parentId}'` }]);
    }
  }

  private async checkChildren(id: string, level: RegionLevel): Promise<void> {
    const children = (await this.regions.list()).filter((r) => r.parentId === id);
    const clash = children.find((c) => LEVEL_RANK[c.level] <= LEVEL_RANK[level]);
    if (clash) throw validationError('body', [{ field: 'level', rule: 'above_children', message: `child '${clash.id}' is a ${clash.level}; '${id}' cannot become a ${level}` }]);
  }
}
