import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import { KYSELY } from '../core/tokens';
import type { Database, RegionLevel, RegionsTable } from '../db/schema';

export interface Region {
  id: string;
  name: string;
  level: RegionLevel;
  parentId: string | null;
  createdAt: number;
  updatedAt: number;
}

type Db = Kysely<Database> | Transaction<Database>;

function toRegion(row: RegionsTable): Region {
  return { id: row.id, name: row.name, level: row.level, parentId: row.parent_id, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Regions and their closure table (every ancestor/descendant pair), so subtree filters are one join. */
@Injectable()
export class RegionsRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async list(): Promise<Region[]> {
    const rows = await this.db.selectFrom('regions').selectAll().orderBy('id').execute();
    return rows.map(toRegion);
  }

  /** Regions inside the subtrees of `rootIds` (roots included). */
  async listWithin(rootIds: string[]): Promise<Region[]> {
    if (!rootIds.length) return [];
    const rows = await this.db
      .selectFrom('regions')
      .selectAll()
      .where('id', 'in', (eb) => eb.selectFrom('region_closure').select('descendant_id').where('ancestor_id', 'in', rootIds))
      .orderBy('id')
      .execute();
    return rows.map(toRegion);
  }

  async get(id: string, db: Db = this.db): Promise<Region | undefined> {
    const row = await db.selectFrom('regions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRegion(row);
  }

  /** Region ids from the root down to `id` (inclusive); empty when the region does not exist. */
  async path(id: string, db: Db = this.db): Promise<string[]> {
    const rows = await db
      .selectFrom('region_closure')
      .select(['ancestor_id', 'depth'])
      .where('descendant_id', '=', id)
      .orderBy('depth', 'desc')
      .execute();
    return rows.map((r) => r.ancestor_id);
  }

  /** Ids of every region in the subtrees of `rootIds`. */
  async subtreeIds(rootIds: string[], db: Db = this.db): Promise<string[]> {
    if (!rootIds.length) return [];
    const rows = await db.selectFrom('region_closure').select('descendant_id').distinct().where('ancestor_id', 'in', rootIds).execute();
    return rows.map((r) => r.descendant_id);
  }

  async existing(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.db.selectFrom('regions').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  async insert(region: Region): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('regions')
        .values({
          id: region.id,
          name: region.name,
          level: region.level,
          parent_id: region.parentId,
          created_at: region.createdAt,
          updated_at: region.updatedAt,
        })
        .execute();
      const ancestors = region.parentId
        ? await trx.selectFrom('region_closure').select(['ancestor_id', 'depth']).where('descendant_id', '=', region.parentId).execute()
        : [];
      await trx
        .insertInto('region_closure')
        .values([
          { ancestor_id: region.id, descendant_id: region.id, depth: 0 },
          ...ancestors.map((a) => ({ ancestor_id: a.ancestor_id, descendant_id: region.id, depth: a.depth + 1 })),
        ])
        .execute();
    });
  }

  /** Updates a region; a new parent rebuilds the closure (regions change rarely, the table is small). */
  async update(id: string, patch: { name: string; level: RegionLevel; parentId: string | null }, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const before = await this.get(id, trx);
      await trx
        .updateTable('regions')
        .set({ name: patch.name, level: patch.level, parent_id: patch.parentId, updated_at: now })
        .where('id', '=', id)
        .execute();
      if (before && before.parentId !== patch.parentId) await this.rebuildClosure(trx);
    });
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('region_closure').where((eb) => eb.or([eb('ancestor_id', '=', id), eb('descendant_id', '=', id)])).execute();
      await trx.deleteFrom('regions').where('id', '=', id).execute();
    });
  }

  /** Whether any alert lies in the region or is its responsibility (alerts keep both ids for ever). */
  async hasAlerts(id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('alerts')
      .select('id')
      .where((eb) => eb.or([eb('region_id', '=', id), eb('responsible_region_id', '=', id)]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async childCount(id: string): Promise<number> {
    const row = await this.db.selectFrom('regions').select((eb) => eb.fn.countAll<number>().as('n')).where('parent_id', '=', id).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private async rebuildClosure(trx: Transaction<Database>): Promise<void> {
    const rows = await trx.selectFrom('regions').select(['id', 'parent_id']).execute();
    const parent = new Map(rows.map((r) => [r.id, r.parent_id]));
    const closure: { ancestor_id: string; descendant_id: string; depth: number }[] = [];
    for (const { id } of rows) {
      let cursor: string | null | undefined = id;
      for (let depth = 0; cursor && depth <= rows.length; depth++) {
        closure.push({ ancestor_id: cursor, descendant_id: id, depth });
        cursor = parent.get(cursor);
      }
    }
    await trx.deleteFrom('region_closure').execute();
    for (let i = 0; i < closure.length; i += 500) await trx.insertInto('region_closure').values(closure.slice(i, i + 500)).execute();
  }
}
