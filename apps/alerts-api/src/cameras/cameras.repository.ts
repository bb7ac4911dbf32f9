import { Inject, Injectable } from '@nestjs/common';
import { type Kysely, sql } from 'kysely';
import { type CameraConfig, ConfigError, parseStoredCamera, type SiteConfig, siteSchema, siteSearchText } from '@xl/config';
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

/** A stored camera this release does not read; `problems` name the field, as `path: message`. */
export interface UnreadableCamera {
  id: string;
  problems: string[];
}

/** What a read of many cameras found: those it read, and those it left out as unreadable. */
export interface CameraReadout {
  records: CameraRecord[];
  unreadable: UnreadableCamera[];
}

/**
 * A stored row this release's checks refuse: typically a field saved by a newer release, kept after a
 * rollback (storedCameraSchema is strict). Readers of many cameras leave it out rather than fail.
 */
export class UnreadableCameraError extends Error {
  constructor(
    readonly cameraId: string,
    readonly problems: string[],
  ) {
    super(`camera '${cameraId}' is stored in a form this release cannot read (${problems.join('; ')})`);
    this.name = 'UnreadableCameraError';
  }
}

/** Row → the camera's effective configuration, re-validated so that what we publish is always valid. */
function toRecord(row: CamerasTable): CameraRecord {
  let raw: Record<string, unknown>;
  try {
    raw = rawCamera(row);
  } catch (err) {
    throw new UnreadableCameraError(row.id, [(err as Error).message]); // corrupt JSON in a column
  }
  try {
    // As stored: a camera saved under an older release's checks stays readable (storedCameraSchema).
    return { config: parseStoredCamera(raw), createdAt: row.created_at, updatedAt: row.updated_at };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Each issue reads "camera 'x', motion: …"; the error names the camera once.
    const label = `camera '${row.id}'`;
    throw new UnreadableCameraError(row.id, err.issues.map((issue) => issue.replace(`${label}, `, '').replace(`${label}: `, '')));
  }
}

/** Readable rows as records, the others listed apart (a reader of many cameras must not fail on one). */
function readRows(rows: CamerasTable[]): CameraReadout {
  const readout: CameraReadout = { records: [], unreadable: [] };
  for (const row of rows) {
    try {
      readout.records.push(toRecord(row));
    } catch (err) {
      if (!(err instanceof UnreadableCameraError)) throw err;
      readout.unreadable.push({ id: err.cameraId, problems: err.problems });
    }
  }
  return readout;
}

function rawCamera(row: CamerasTable): Record<string, unknown> {
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
  if (row.site !== null) raw.site = parseJsonColumn(row.site, 'cameras.site');
  return raw;
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
    site: config.site ? JSON.stringify(config.site) : null,
    site_text: config.site ? siteSearchText(config.site) : null,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

/** A stored site as the schema reads it now; undefined when it no longer passes (a reader must not fail on it). */
function storedSite(text: string): SiteConfig | undefined {
  const parsed = siteSchema.safeParse(parseJsonColumn(text, 'cameras.site'));
  return parsed.success ? parsed.data : undefined;
}

export type CameraStatusFilter = 'online' | 'offline' | 'unknown';

export interface CameraFilter {
  /** Only cameras in this region subtree. */
  regionRoot?: string;
  /**
   * Substring of the id, the name or the site (address, directions, people, equipment), any case;
   * `%` and `_` match themselves. A caller reporting "someone fell in the pond east of 青山村" is
   * found a camera by the place's name.
   */
  search?: string;
  /** The status ingest last reported (any of them, when a list); `unknown`: none yet. */
  status?: CameraStatusFilter | CameraStatusFilter[];
  /** Page size; all matches when absent. */
  limit?: number;
  offset?: number;
}

/** `text` for a LIKE pattern with `\` as the escape character: wildcards match themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

@Injectable()
export class CamerasRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async list(scope: ScopeFilter, regionRoot?: string): Promise<CameraReadout> {
    const { records, unreadable } = await this.page(scope, { regionRoot });
    return { records, unreadable };
  }

  /**
   * Cameras in scope matching `filter`, by id; `total` counts every match, not only the page, and
   * unreadable ones too (they are in `unreadable`, not in `records`).
   */
  async page(scope: ScopeFilter, filter: CameraFilter): Promise<CameraReadout & { total: number }> {
    if (!scope.all && !scope.regionRoots.length && !scope.cameraIds.length) return { records: [], unreadable: [], total: 0 };
    let query = this.db.selectFrom('cameras').leftJoin('camera_status', 'camera_status.camera_id', 'cameras.id');
    if (!scope.all) query = query.where((eb) => inScope(eb, scope, { region: 'cameras.region_id', camera: 'cameras.id' }));
    if (filter.regionRoot) query = query.where('cameras.region_id', 'in', inSubtrees([filter.regionRoot]));
    if (filter.search) {
      const pattern = `%${escapeLike(filter.search.toLowerCase())}%`;
      query = query.where((eb) =>
        eb.or([
          sql<boolean>`lower(${sql.ref('cameras.id')}) like ${pattern} escape '\\'`,
          sql<boolean>`lower(coalesce(${sql.ref('cameras.name')}, '')) like ${pattern} escape '\\'`,
          sql<boolean>`coalesce(${sql.ref('cameras.site_text')}, '') like ${pattern} escape '\\'`,
        ]),
      );
    }
    if (filter.status !== undefined) {
      const wanted = Array.isArray(filter.status) ? filter.status : [filter.status];
      const reported = wanted.filter((w) => w !== 'unknown');
      query = query.where((eb) =>
        eb.or([
          ...(wanted.includes('unknown') ? [eb('camera_status.camera_id', 'is', null)] : []),
          ...(reported.length ? [eb('camera_status.status', 'in', reported)] : []),
        ]),
      );
    }
    let rowsQuery = query.selectAll('cameras').orderBy('cameras.id');
    if (filter.limit !== undefined) rowsQuery = rowsQuery.limit(filter.limit).offset(filter.offset ?? 0);
    const rows = await rowsQuery.execute();
    const total =
      filter.limit === undefined
        ? rows.length
        : Number((await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    return { ...readRows(rows), total };
  }

  async all(): Promise<CameraReadout> {
    return this.list({ all: true });
  }

  /** Whether alerts of a camera with this id are stored (a deleted camera's are kept). */
  async hasAlertHistory(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('alerts').select('id').where('camera_id', '=', id).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** UnreadableCameraError when the row does not pass this release's checks. */
  async get(id: string): Promise<CameraRecord | undefined> {
    const row = await this.db.selectFrom('cameras').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * The camera's scene on the ground, without parsing the rest of its configuration; undefined when
   * it has none, or when what is stored no longer passes the schema: the alert it is read for (a
   * school's drowning warning) must show without it rather than fail.
   */
  async site(id: string): Promise<SiteConfig | undefined> {
    const row = await this.db.selectFrom('cameras').select('site').where('id', '=', id).executeTakeFirst();
    return row?.site ? storedSite(row.site) : undefined;
  }

  /** Cameras in scope whose site has coordinates, with just what a distance needs. */
  async located(scope: ScopeFilter): Promise<{ id: string; name: string | null; location: { lat: number; lon: number } }[]> {
    if (!scope.all && !scope.regionRoots.length && !scope.cameraIds.length) return [];
    let query = this.db.selectFrom('cameras').select(['id', 'name', 'site']).where('site', 'is not', null);
    if (!scope.all) query = query.where((eb) => inScope(eb, scope, { region: 'cameras.region_id', camera: 'cameras.id' }));
    const located = [];
    for (const row of await query.execute()) {
      const location = storedSite(row.site as string)?.location;
      if (location) located.push({ id: row.id, name: row.name, location });
    }
    return located;
  }

  /** Only the scope-relevant columns, for checks that must not parse the whole configuration. */
  async placement(id: string): Promise<{ id: string; regionId: string | null; name: string | null } | undefined> {
    const row = await this.db.selectFrom('cameras').select(['id', 'region_id', 'name']).where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, regionId: row.region_id, name: row.name };
  }

  /** Whether the camera exists and is enabled (ingest reads it), without parsing its configuration. */
  async isEnabled(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('cameras').select('enabled').where('id', '=', id).executeTakeFirst();
    return row?.enabled === 1;
  }

  async existing(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.db.selectFrom('cameras').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  async insert(config: CameraConfig, now: number): Promise<void> {
    await this.db.insertInto('cameras').values(toRow(config, now, now)).execute();
  }

  /**
   * Writes `config` over the row if it is still the one read (`readUpdatedAt`, its version); false
   * when another save moved it meanwhile (or the camera is gone): writing the whole row would undo
   * that save. The new version is always later than the one read, even within the same millisecond.
   */
  async update(config: CameraConfig, now: number, readUpdatedAt: number): Promise<boolean> {
    const updatedAt = Math.max(now, readUpdatedAt + 1);
    const { id: _id, created_at: _created, ...row } = toRow(config, updatedAt, updatedAt);
    const result = await this.db.updateTable('cameras').set(row).where('id', '=', config.id).where('updated_at', '=', readUpdatedAt).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('cameras').where('id', '=', id).execute();
  }

  async countInRegion(regionId: string): Promise<number> {
    const row = await this.db.selectFrom('cameras').select((eb) => eb.fn.countAll<number>().as('n')).where('region_id', '=', regionId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
