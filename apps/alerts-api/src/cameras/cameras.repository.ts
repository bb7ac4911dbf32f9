import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { type CameraConfig, cameraSchema } from '@xl/config';
import type { ScopeFilter } from '../auth/scope.service';
import { parseJsonColumn } from '../common/json';
import { KYSELY } from '../core/tokens';
import type { CamerasTable, Database } from '../db/schema';
import { inScope, inSubtrees } from '../db/scope-condition';

export interface CameraRecord {
  config: CameraConfig;
  createdAt: number;
  updatedAt: number;
}

/** Row → the camera's effective configuration, re-validated so that what we publish is always valid. */
function toRecord(row: CamerasTable): CameraRecord {
  const raw: Record<string, unknown> = {
    id: row.id,
    enabled: row.enabled === 1,
    url: row.url,
    fps: row.fps,
    model: row.model,
    timezone: row.timezone,
    masks: parseJsonColumn(row.masks, 'cameras.masks'),
    zones: parseJsonColumn(row.zones, 'cameras.zones'),
    lines: parseJsonColumn(row.lines, 'cameras.lines'),
    motion: parseJsonColumn(row.motion, 'cameras.motion'),
    watchdog: parseJsonColumn(row.watchdog, 'cameras.watchdog'),
  };
  if (row.name !== null) raw.name = row.name;
  if (row.sub_url !== null) raw.subUrl = row.sub_url;
  if (row.region_id !== null) raw.regionId = row.region_id;
  if (row.rules !== null) raw.rules = parseJsonColumn(row.rules, 'cameras.rules');
  if (row.recording !== null) raw.recording = parseJsonColumn(row.recording, 'cameras.recording');
  return { config: cameraSchema.parse(raw), createdAt: row.created_at, updatedAt: row.updated_at };
}

function toRow(config: CameraConfig, createdAt: number, updatedAt: number): CamerasTable {
  return {
    id: config.id,
    name: config.name ?? null,
    enabled: config.enabled ? 1 : 0,
    region_id: config.regionId ?? null,
    url: config.url,
    sub_url: config.subUrl ?? null,
    fps: config.fps,
    model: config.model,
    timezone: config.timezone,
    masks: JSON.stringify(config.masks),
    zones: JSON.stringify(config.zones),
    lines: JSON.stringify(config.lines),
    rules: config.rules ? JSON.stringify(config.rules) : null,
    motion: JSON.stringify(config.motion),
    watchdog: JSON.stringify(config.watchdog),
    recording: JSON.stringify(config.recording),
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

@Injectable()
export class CamerasRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async list(scope: ScopeFilter, regionRoot?: string): Promise<CameraRecord[]> {
    let query = this.db.selectFrom('cameras').selectAll();
    if (!scope.all) {
      if (!scope.regionRoots.length && !scope.cameraIds.length) return [];
      query = query.where((eb) => inScope(eb, scope, { region: 'cameras.region_id', camera: 'cameras.id' }));
    }
    if (regionRoot) query = query.where('region_id', 'in', inSubtrees([regionRoot]));
    const rows = await query.orderBy('id').execute();
    return rows.map(toRecord);
  }

  async all(): Promise<CameraRecord[]> {
    return this.list({ all: true });
  }

  async get(id: string): Promise<CameraRecord | undefined> {
    const row = await this.db.selectFrom('cameras').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** Only the scope-relevant columns, for checks that must not parse the whole configuration. */
  async placement(id: string): Promise<{ id: string; regionId: string | null; name: string | null } | undefined> {
    const row = await this.db.selectFrom('cameras').select(['id', 'region_id', 'name']).where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, regionId: row.region_id, name: row.name };
  }

  async existing(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.db.selectFrom('cameras').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  async insert(config: CameraConfig, now: number): Promise<void> {
    await this.db.insertInto('cameras').values(toRow(config, now, now)).execute();
  }

  async update(config: CameraConfig, now: number): Promise<void> {
    const { id: _id, created_at: _created, ...row } = toRow(config, now, now);
    await this.db.updateTable('cameras').set(row).where('id', '=', config.id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('cameras').where('id', '=', id).execute();
  }

  async countInRegion(regionId: string): Promise<number> {
    const row = await this.db.selectFrom('cameras').select((eb) => eb.fn.countAll<number>().as('n')).where('region_id', '=', regionId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
