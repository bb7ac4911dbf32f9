import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { parseJsonColumn } from '../common/json';
import { KYSELY } from '../core/tokens';
import { forgetCameraGrants } from '../db/camera-grants';
import type { ApiKeysTable, Database } from '../db/schema';
import type { Role } from '../shared/principal';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  regionIds: string[];
  cameraIds: string[];
  /** School keys: their water zones, 'camera/zone' (see Principal.waters). */
  waters: string[];
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ApiKeyWithHash extends ApiKey {
  keyHash: string;
}

function toApiKey(row: ApiKeysTable): ApiKeyWithHash {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    regionIds: parseJsonColumn<string[]>(row.region_ids, 'api_keys.region_ids'),
    cameraIds: parseJsonColumn<string[]>(row.camera_ids, 'api_keys.camera_ids'),
    waters: parseJsonColumn<string[]>(row.waters, 'api_keys.waters'),
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    keyHash: row.key_hash,
  };
}

export function publicApiKey(key: ApiKeyWithHash | ApiKey): ApiKey {
  const { keyHash: _hash, ...rest } = key as ApiKeyWithHash;
  return rest;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async list(): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => publicApiKey(toApiKey(r)));
  }

  async get(id: string): Promise<ApiKeyWithHash | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApiKey(row);
  }

  async insert(key: ApiKeyWithHash): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        name: key.name,
        key_hash: key.keyHash,
        role: key.role,
        region_ids: JSON.stringify(key.regionIds),
        camera_ids: JSON.stringify(key.cameraIds),
        waters: JSON.stringify(key.waters),
        created_by: key.createdBy,
        created_at: key.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  /** Takes a deleted camera out of every key's cameras (forgetCameraGrants); how many changed. */
  forgetCamera(cameraId: string): Promise<number> {
    return forgetCameraGrants(this.db, 'api_keys', cameraId);
  }

  /** Every unrevoked school key (the only role with waters), oldest first. */
  async schools(): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().where('role', '=', 'school').where('revoked_at', 'is', null).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => publicApiKey(toApiKey(r)));
  }

  /** Name and scope of an unrevoked key (the hash, role and times stay); false when it was revoked meanwhile. */
  async update(key: ApiKey): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ name: key.name, region_ids: JSON.stringify(key.regionIds), camera_ids: JSON.stringify(key.cameraIds), waters: JSON.stringify(key.waters) })
      .where('id', '=', key.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revoke(id: string, at: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
