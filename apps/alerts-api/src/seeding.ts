import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundException } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, idSchema, parseCamera, parseCameraFile } from '@xl/config';
import { CamerasService } from './cameras/cameras.service';
import { cameraIdsSchema, regionIdsSchema, roleSchema, watersSchema } from './common/scope-input';
import { ConfigPublisher } from './config-publish/config-publisher';
import { REGION_LEVELS, RegionsService } from './regions/regions.service';
import type { Principal } from './shared/principal';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

// The seed file: a region tree, cameras (inline, or a camera file as libs/config reads it) and
// users. Applying it is idempotent — regions, cameras and users that exist are updated to match —
// so the same file serves a first start, the demo, and GitOps-style re-syncs.

export const seedFileSchema = z.strictObject({
  regions: z
    .array(
      z.strictObject({
        id: idSchema,
        name: z.string().min(1).max(128),
        level: z.enum(REGION_LEVELS),
        parent: idSchema.optional().describe('parent region id (omit for a root)'),
      }),
    )
    .default([]),
  cameras: z.array(z.unknown()).default([]).describe('camera entries (libs/config camera schema)'),
  cameraFile: z.string().optional().describe('a camera file (YAML/JSON, `cameras:` list) relative to the seed file'),
  users: z
    .array(
      z.strictObject({
        username: z.string().min(1).max(64),
        displayName: z.string().min(1).max(128).optional(),
        password: z.string().min(8).max(256),
        role: roleSchema,
        regionIds: regionIdsSchema.default([]),
        cameraIds: cameraIdsSchema.default([]),
        waters: watersSchema.default([]),
      }),
    )
    .default([]),
});
export type SeedFile = z.output<typeof seedFileSchema>;

export interface SeedSummary {
  regions: { created: number; updated: number };
  cameras: { created: number; updated: number };
  users: { created: number; updated: number };
}

const SEEDER: Principal = { kind: 'user', id: 'seed', name: 'seed', role: 'admin', regionIds: [], cameraIds: [], waters: [] };

export async function readSeedFile(file: string): Promise<{ seed: SeedFile; cameras: unknown[] }> {
  const text = await readFile(file, 'utf8');
  const parsed = seedFileSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const cameras: unknown[] = [...parsed.data.cameras];
  if (parsed.data.cameraFile) {
    const cameraPath = path.resolve(path.dirname(file), parsed.data.cameraFile);
    cameras.push(...parseCameraFile(await readFile(cameraPath, 'utf8'), cameraPath));
  }
  // Validate every inline camera up front so that all problems are reported together.
  const problems: string[] = [];
  cameras.forEach((raw, i) => {
    try {
      parseCamera(raw, i);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.issues);
      else throw err;
    }
  });
  if (problems.length) throw new ConfigError(`${file}: ${problems.join('; ')}`, problems);
  return { seed: parsed.data, cameras };
}

/** Parents before children, whatever the order in the file. */
function treeOrder(regions: SeedFile['regions']): SeedFile['regions'] {
  const byId = new Map(regions.map((r) => [r.id, r]));
  const done = new Set<string>();
  const out: SeedFile['regions'] = [];
  const visit = (r: SeedFile['regions'][number], depth: number) => {
    if (done.has(r.id) || depth > regions.length) return;
    const parent = r.parent ? byId.get(r.parent) : undefined;
    if (parent) visit(parent, depth + 1);
    done.add(r.id);
    out.push(r);
  };
  regions.forEach((r) => visit(r, 0));
  return out;
}

export async function applySeed(app: INestApplication, seed: SeedFile, cameras: unknown[]): Promise<SeedSummary> {
  const summary: SeedSummary = { regions: { created: 0, updated: 0 }, cameras: { created: 0, updated: 0 }, users: { created: 0, updated: 0 } };
  const regions = app.get(RegionsService);
  for (const r of treeOrder(seed.regions)) {
    const exists = await regions.get(SEEDER, r.id).then(
      () => true,
      (err) => (err instanceof NotFoundException ? false : Promise.reject(err)),
    );
    if (exists) {
      await regions.update(r.id, { name: r.name, level: r.level, parentId: r.parent ?? null });
      summary.regions.updated++;
    } else {
      await regions.create({ id: r.id, name: r.name, level: r.level, parentId: r.parent ?? null });
      summary.regions.created++;
    }
  }
  const users = app.get(UsersService);
  const userRepo = app.get(UsersRepository);
  // A water the seed moves (zone 'water' redrawn as 'lake') leaves the school before its zone leaves
  // the camera: the camera's update would otherwise be refused for the school's sake (SchoolWatch).
  for (const u of seed.users) {
    const existing = await userRepo.byUsername(u.username);
    const kept = existing?.waters.filter((w) => u.waters.includes(w));
    if (existing && kept && kept.length < existing.waters.length) await users.update(SEEDER, existing.id, { waters: kept });
  }
  const cameraService = app.get(CamerasService);
  for (const raw of cameras) {
    summary.cameras[await cameraService.upsert(SEEDER, raw as Record<string, unknown> & { id: string })]++;
  }
  for (const u of seed.users) {
    const existing = await userRepo.byUsername(u.username);
    if (existing) {
      await users.update(SEEDER, existing.id, { displayName: u.displayName, password: u.password, role: u.role, regionIds: u.regionIds, cameraIds: u.cameraIds, waters: u.waters });
      summary.users.updated++;
    } else {
      await users.create({ ...u, disabled: false });
      summary.users.created++;
    }
  }
  await app.get(ConfigPublisher).publishAll();
  return summary;
}
