import '../testing/nest-esm';
import { sql } from 'kysely';
import { cameraSchema } from '@xl/config';
import { CamerasRepository } from '../cameras/cameras.repository';
import { RegionsRepository } from '../regions/regions.repository';
import { eventually } from '../testing/test-app';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../testing/test-databases';
import { type DatabaseHandle, migrateToLatest, openDatabase, parseDatabaseUrl } from './database';
import { MIGRATIONS } from './migrations';

describe('DATABASE_URL', () => {
  it('understands SQLite paths and PostgreSQL URLs', () => {
    expect(parseDatabaseUrl('sqlite:var/x.db')).toEqual({ kind: 'sqlite', location: 'var/x.db' });
    expect(parseDatabaseUrl('sqlite:///srv/x.db')).toEqual({ kind: 'sqlite', location: '/srv/x.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', location: ':memory:' });
    expect(parseDatabaseUrl('postgres://u@h/db').kind).toBe('postgres');
    expect(() => parseDatabaseUrl('mysql://h/db')).toThrow(/unsupported scheme/);
  });
});

describe.each(DATABASE_KINDS)('schema on %s', (kind) => {
  let target: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    target = await createTestDatabase(kind);
    handle = openDatabase(target.url);
  });
  afterAll(async () => {
    await handle?.close();
    await target?.drop();
  });

  it('applies every migration once, in order', async () => {
    const first = await migrateToLatest(handle.db);
    expect(first.map((m) => m.migrationName)).toEqual(MIGRATIONS.map(([name]) => name));
    expect(await migrateToLatest(handle.db)).toEqual([]);
  });

  it('fills the search text of camera sites saved before migration 0013', async () => {
    const cameras = new CamerasRepository(handle.db);
    await cameras.insert(cameraSchema.parse({ id: 'pond-0013', url: 'rtsp://h/x', site: { address: 'East Pond', contacts: [{ name: '王', phone: '138 0013 8000' }] } }), 1);
    const site0013 = await import('./migrations/0013_camera_site_text');
    await site0013.down(handle.db as never);
    await site0013.up(handle.db as never); // as a database that got the site between 0011 and 0013 has it
    const row = await handle.db.selectFrom('cameras').select('site_text').where('id', '=', 'pond-0013').executeTakeFirstOrThrow();
    expect(row.site_text).toBe('east pond\n王\n138 0013 8000\n13800138000');
    await cameras.delete('pond-0013');
  });

  /** The query plan of `query` with its parameters inlined (EXPLAIN cannot take them on SQLite). */
  async function planOf(query: { sql: string; parameters: readonly unknown[] }): Promise<string> {
    let i = 0;
    const text = query.sql.replace(kind === 'sqlite' ? /\?/g : /\$\d+/g, () => {
      const value = query.parameters[i++];
      return typeof value === 'string' ? `'${value}'` : String(value);
    });
    const rows = await handle.db.transaction().execute(async (trx) => {
      // An empty table would be scanned whatever its indexes: ask PostgreSQL what it can use.
      if (kind === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      return (await sql.raw(`${kind === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${text}`).execute(trx)).rows;
    });
    return JSON.stringify(rows);
  }

  it("answers the push sweeper's query from the partial index, not a scan of the alert history", async () => {
    const query = handle.db.selectFrom('alerts').select('id').where('pushed_at', 'is', null).where('created_at', '<', 1).orderBy('created_at').limit(100).compile();
    expect(await planOf(query)).toContain('alerts_unpushed');
  });

  it("answers the push sweeper's question for changes never pushed from the partial index", async () => {
    const query = handle.db.selectFrom('alerts').select('id').where('update_push_due', 'is not', null).where('update_push_due', '<', 1).orderBy('update_push_due').limit(100).compile();
    expect(await planOf(query)).toContain('alerts_update_push_due');
  });

  it("answers the intake's question for a late entry's alert from an index", async () => {
    const query = handle.db.selectFrom('alerts').select('id').where('related_alert_id', '=', 'cam-a:pond.enter:1').where('state', '!=', 'resolved').orderBy('created_at').limit(1).compile();
    expect(await planOf(query)).toContain('alerts_related_alert_id');
  });

  // PostgreSQL only: SQLite has no server to kill connections. Registered only there, not skipped.
  const postgresOnly = kind === 'postgres' ? it : () => undefined;
  postgresOnly('survives the server killing an idle pooled connection (PostgreSQL)', async () => {
    const errors: Error[] = [];
    const other = openDatabase(target.url, (err) => errors.push(err));
    try {
      await sql`select 1`.execute(other.db);
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(handle.db);
      // The pool hears of the kill when the idle connection's socket reports it: poll, not a fixed sleep.
      await eventually(async () => errors.length > 0, "the pool's error callback", 10_000);
      expect(errors.length).toBeGreaterThan(0);
      expect((await sql<{ one: number }>`select 1 as one`.execute(other.db)).rows[0].one).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('returns epoch milliseconds as numbers and JSON text unchanged', async () => {
    const at = 1_795_000_000_123;
    await handle.db.insertInto('stream_offsets').values({ stream: 's', last_id: '1-0' }).execute();
    await handle.db
      .insertInto('camera_status')
      .values({ camera_id: 'c', status: 'offline', reason: 'refused', detail: null, since: at, offline_since: at, ingest_id: 'i', updated_at: at })
      .execute();
    const row = await handle.db.selectFrom('camera_status').selectAll().executeTakeFirstOrThrow();
    expect(row.since).toBe(at);
    expect(typeof row.updated_at).toBe('number');
  });

  it('keeps the region closure right through inserts and moves', async () => {
    const regions = new RegionsRepository(handle.db);
    const r = (id: string, parentId: string | null, level: 'city' | 'county' | 'township' | 'village') => ({ id, name: id, level, parentId, createdAt: 1, updatedAt: 1 });
    await regions.insert(r('city', null, 'city'));
    await regions.insert(r('c1', 'city', 'county'));
    await regions.insert(r('c2', 'city', 'county'));
    await regions.insert(r('t1', 'c1', 'township'));
    await regions.insert(r('v1', 't1', 'village'));
    expect(await regions.path('v1')).toEqual(['city', 'c1', 't1', 'v1']);
    expect((await regions.subtreeIds(['c1'])).sort()).toEqual(['c1', 't1', 'v1']);

    await regions.update('t1', { name: 't1', level: 'township', parentId: 'c2' }, 2);
    expect(await regions.path('v1')).toEqual(['city', 'c2', 't1', 'v1']);
    expect(await regions.subtreeIds(['c1'])).toEqual(['c1']);
    expect((await regions.listWithin(['c2'])).map((x) => x.id).sort()).toEqual(['c2', 't1', 'v1']);
  });
});
