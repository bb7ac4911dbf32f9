import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundException } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type CameraConfig, ConfigError, effectiveRules, idSchema, parseCamera, parseCameraFile, ruleLabelIssues } from '@xl/config';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { CamerasRepository } from './cameras/cameras.repository';
import { CamerasService } from './cameras/cameras.service';
import { ModelLabelsRepository } from './cameras/model-labels.repository';
import { restoreRedacted } from './common/redact';
import { cameraIdsSchema, regionIdsSchema, roleSchema, watersSchema } from './common/scope-input';
import { ConfigPublisher } from './config-publish/config-publisher';
import { WebhooksRepository } from './outbound/webhooks.repository';
import { RegionsRepository } from './regions/regions.repository';
import { REGION_LEVELS, RegionsService } from './regions/regions.service';
import type { Principal } from './shared/principal';
import { parseWaterRef, waterRef } from './shared/waters';
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

/**
 * Everything applying the seed would be refused for — every region, camera and user at once —
 * found before anything is written: a seed stopped halfway would leave regions, cameras and
 * schools' waters half-changed. Checked against the database as the seed will leave it (its own
 * regions and cameras count as existing).
 */
export async function seedProblems(app: INestApplication, seed: SeedFile, rawCameras: unknown[]): Promise<string[]> {
  const problems: string[] = [];
  const cameraRepo = app.get(CamerasRepository);

  const tree = new Map((await app.get(RegionsRepository).list()).map((r) => [r.id, { level: r.level, parent: r.parentId }]));
  for (const r of seed.regions) tree.set(r.id, { level: r.level, parent: r.parent ?? null });
  const noRegion = (id: string) => `region '${id}' does not exist (neither in the database nor among the seed's regions)`;
  // The seed's regions, and the regions under them: a parent the seed lowers must stay above its children.
  const seededRegions = new Set(seed.regions.map((r) => r.id));
  for (const [id, r] of tree) {
    if (!r.parent || !(seededRegions.has(id) || seededRegions.has(r.parent))) continue;
    const parent = tree.get(r.parent);
    if (!parent) {
      problems.push(`region '${id}', parent: ${noRegion(r.parent)}`);
      continue;
    }
    if (REGION_LEVELS.indexOf(r.level) <= REGION_LEVELS.indexOf(parent.level)) problems.push(`region '${id}', level: a ${r.level} cannot sit under the ${parent.level} '${r.parent}'`);
    let ancestor: string | null | undefined = r.parent;
    for (let depth = 0; ancestor && depth <= tree.size; depth++, ancestor = tree.get(ancestor)?.parent) {
      if (ancestor === id) {
        problems.push(`region '${id}', parent: region '${r.parent}' lies inside '${id}'; a region cannot sit under itself`);
        break;
      }
    }
  }

  const models = app.get(ModelLabelsRepository);
  const seeded = new Map<string, CameraConfig>();
  const changes: { before: CameraConfig; next: CameraConfig }[] = [];
  for (const [i, raw] of rawCameras.entries()) {
    let camera: CameraConfig;
    try {
      camera = parseCamera(raw, i);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.issues);
      continue;
    }
    const label = `camera '${camera.id}'`;
    seeded.set(camera.id, camera);
    const model = await models.labelsOf(camera.model).catch((err: Error) => {
      problems.push(`${label}, model: ${err.message}`);
      return undefined;
    });
    if (model === null) problems.push(`${label}, model: model '${camera.model}' has no manifest in MODELS_DIR`);
    if (model) problems.push(...ruleLabelIssues(camera, model).map((issue) => `${label}, ${issue.field}: ${issue.message}`));
    if (camera.regionId !== undefined && !tree.has(camera.regionId)) problems.push(`${label}, regionId: ${noRegion(camera.regionId)}`);
    const before = (await cameraRepo.get(camera.id))?.config;
    if (!before) continue;
    changes.push({ before, next: camera });
    for (const key of ['url', 'subUrl'] as const) {
      const url = camera[key];
      if (url !== undefined && restoreRedacted(url, before[key]) === null) {
        problems.push(`${label}, ${key}: names another scheme, host, port or user than the stored URL: give its password instead of ***`);
      }
    }
  }
  problems.push(...(await watchedTakings(app, seed, changes)));

  const cameraExists = async (id: string) => seeded.has(id) || (await cameraRepo.existing([id])).has(id);
  for (const u of seed.users) {
    const label = `user '${u.username}'`;
    if (u.role === 'school' && u.regionIds.length) problems.push(`${label}, regionIds: schools are scoped by cameraIds (and waters) only`);
    if (u.role === 'school' && !u.cameraIds.length) problems.push(`${label}, cameraIds: a school needs at least one camera`);
    u.regionIds.forEach((id, i) => {
      if (!tree.has(id)) problems.push(`${label}, regionIds[${i}]: ${noRegion(id)}`);
    });
    for (const [i, id] of u.cameraIds.entries()) {
      if (!(await cameraExists(id))) problems.push(`${label}, cameraIds[${i}]: camera '${id}' does not exist (neither in the database nor among the seed's cameras)`);
    }
    if (u.waters.length && u.role !== 'school') problems.push(`${label}, waters: only schools have waters; a ${u.role} sees whole cameras and regions`);
    for (const [i, ref] of u.waters.entries()) {
      const [cameraId, zoneId] = parseWaterRef(ref) ?? ['', ''];
      const field = `${label}, waters[${i}]: water '${ref}'`;
      if (!u.cameraIds.includes(cameraId)) {
        problems.push(`${field}: camera '${cameraId}' is not one of cameraIds`);
        continue;
      }
      const camera = seeded.get(cameraId) ?? (await cameraRepo.get(cameraId))?.config;
      const zone = camera?.zones.find((z) => z.id === zoneId);
      if (camera && !zone) problems.push(`${field}: camera '${cameraId}' has no zone '${zoneId}'`);
      if (zone?.type === 'ignore') problems.push(`${field}: zone '${zoneId}' is an ignore zone and raises no alerts`);
    }
  }
  return problems;
}

/**
 * The cameras the seed would take a watched zone from (remove it, make it an ignore zone, leave it
 * without a rule) or disable while someone still watches them: CamerasService refuses that
 * (SchoolWatch). The seed takes a moved water from its own users first (`upsertCamera`); schools
 * outside the seed, school API keys and webhooks keep theirs.
 */
async function watchedTakings(app: INestApplication, seed: SeedFile, changes: { before: CameraConfig; next: CameraConfig }[]): Promise<string[]> {
  if (!changes.length) return [];
  const wanted = new Map(seed.users.map((u) => [u.username, u.waters]));
  const [users, keys, hooks] = await Promise.all([app.get(UsersRepository).schools(), app.get(ApiKeysRepository).schools(), app.get(WebhooksRepository).list()]);
  const watchers = [
    ...users.map((u) => ({ name: `user '${u.username}'`, cameraIds: u.cameraIds, waters: u.waters.filter((w) => wanted.get(u.username)?.includes(w) ?? true) })),
    ...keys.map((k) => ({ name: `API key '${k.name}'`, cameraIds: k.cameraIds, waters: k.waters })),
    // A webhook holds a camera from being disabled through its waters only.
    ...hooks.map((h) => ({ name: `webhook '${h.name}'`, cameraIds: [] as string[], waters: h.filters.waters })),
  ];
  const problems: string[] = [];
  for (const { before, next } of changes) {
    const label = `camera '${before.id}'`;
    const alerting = new Set(next.zones.filter((z) => z.type !== 'ignore').map((z) => z.id));
    const ruled = zonesWithRules(next);
    const ruledBefore = zonesWithRules(before);
    for (const zone of before.zones) {
      const change = !next.zones.some((z) => z.id === zone.id) ? 'removes' : !alerting.has(zone.id) ? 'makes an ignore zone of' : ruledBefore.has(zone.id) && !ruled.has(zone.id) ? 'leaves without a rule' : null;
      if (!change) continue;
      const ref = waterRef(before.id, zone.id);
      const holders = watchers.filter((w) => w.waters.includes(ref)).map((w) => w.name);
      if (holders.length) problems.push(`${label}, zones: the seed ${change} zone '${zone.id}', a water of ${holders.join(', ')}: take it out of their waters first`);
    }
    if (before.enabled && !next.enabled) {
      const prefix = `${before.id}/`;
      const holders = watchers.filter((w) => w.cameraIds.includes(before.id) || w.waters.some((r) => r.startsWith(prefix))).map((w) => w.name);
      if (holders.length) problems.push(`${label}, enabled: the camera is watched by ${holders.join(', ')} and cannot be disabled; take it out of their cameras and waters first`);
    }
  }
  return problems;
}

/** Zones at least one enabled rule of the camera watches (as CamerasService judges "left without a rule"). */
function zonesWithRules(camera: CameraConfig): Set<string> {
  return new Set(effectiveRules(camera).flatMap((r) => (r.enabled && 'zone' in r && r.zone ? [r.zone] : [])));
}

/**
 * Upserts one camera of the seed. A water the seed moves on it (zone 'water' redrawn as 'lake')
 * leaves the seed's school just before — the camera's update would be refused for the school's sake
 * (SchoolWatch) — and the seed's waters on it join right after. Should the camera fail, the school
 * gets back whichever of its waters the camera has (unchanged, or saved and then not published): a
 * school left without a water on a camera would see every alert of it (the square too), not the pond.
 */
async function upsertCamera(app: INestApplication, seed: SeedFile, raw: Record<string, unknown> & { id: string }): Promise<'created' | 'updated'> {
  const users = app.get(UsersService);
  const here = (ref: string) => ref.startsWith(`${raw.id}/`);
  const wanted = new Map(seed.users.map((u) => [u.username, u.waters]));
  const moves = (await app.get(UsersRepository).schools()).flatMap((u) => {
    const wants = wanted.get(u.username);
    if (!wants || !u.waters.some((w) => here(w) && !wants.includes(w))) return [];
    return [{ id: u.id, before: u.waters, kept: u.waters.filter((w) => !here(w) || wants.includes(w)), wanted: wants.filter(here) }];
  });
  for (const m of moves) await users.update(SEEDER, m.id, { waters: m.kept });
  let outcome: 'created' | 'updated';
  try {
    outcome = await app.get(CamerasService).upsert(SEEDER, raw);
  } catch (err) {
    try {
      const stored = await app.get(CamerasRepository).get(raw.id);
      const alerting = new Set(stored?.config.zones.filter((z) => z.type !== 'ignore').map((z) => waterRef(raw.id, z.id)));
      for (const m of moves) {
        const waters = [...new Set([...m.before, ...m.wanted])].filter((w) => !here(w) || alerting.has(w));
        await users.update(SEEDER, m.id, { waters });
      }
    } catch (restoreErr) {
      throw new Error(`${(err as Error).message}; giving the schools back their waters on camera '${raw.id}' failed too (${(restoreErr as Error).message}): run the seed again`);
    }
    throw err;
  }
  for (const m of moves) await users.update(SEEDER, m.id, { waters: [...new Set([...m.kept, ...m.wanted])] });
  return outcome;
}

/** Applies the seed; refuses it whole, with every problem found (`seedProblems`), before writing anything. */
export async function applySeed(app: INestApplication, seed: SeedFile, cameras: unknown[]): Promise<SeedSummary> {
  const problems = await seedProblems(app, seed, cameras);
  if (problems.length) throw new ConfigError(`the seed was not applied (nothing written): ${problems.join('; ')}`, problems);
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
  for (const raw of cameras) {
    summary.cameras[await upsertCamera(app, seed, raw as Record<string, unknown> & { id: string })]++;
  }
  const users = app.get(UsersService);
  const userRepo = app.get(UsersRepository);
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
