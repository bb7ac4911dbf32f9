import '../testing/nest-esm';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../db/database';
import { startTestApp, type TestApp } from '../testing/test-app';
import { CAMERAS, createWorld } from '../testing/world';
import { BackupService } from './backup.service';

// The embedded database is copied while the API serves, each copy checked before it counts, the
// oldest beyond BACKUP_KEEP deleted; a copy is a working database: an API started on it has
// everything the original had at that moment.

describe('SQLite database backups', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xl-backup-'));
  const backups = path.join(dir, 'backups');
  let t: TestApp;
  let restored: TestApp | undefined;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { DATABASE_URL: `sqlite:${path.join(dir, 'api.db')}` }, { backup: { BACKUP_DIR: backups, BACKUP_EVERY_HOURS: 24, BACKUP_KEEP: 2 } });
    await createWorld(t);
  });
  afterAll(async () => {
    await restored?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = async (app: TestApp) => ({ Authorization: `Bearer ${await app.token('admin')}` });

  it('took one at start (none existed), and takes consistent copies while requests keep writing', async () => {
    const service = t.app.get(BackupService);
    expect(service.enabled).toBe(true);
    // The first backup is due at once when the directory has none.
    const finished = () => readdirSync(backups).filter((n) => n.endsWith('.db'));
    for (let i = 0; i < 50 && !finished().length; i++) await new Promise((r) => setTimeout(r, 100));
    const atStart = finished();
    expect(atStart).toHaveLength(1);
    // Writes go on during the next copies; each copy is whole (quick_check passes) or not published.
    const writes = (async () => {
      for (let i = 0; i < 20; i++) await t.http.post('/regions').set(await admin(t)).send({ id: `busy-${i}`, name: `Busy ${i}`, level: 'village', parentId: 'town-a1' }).expect(201);
    })();
    const first = await service.backUp();
    await writes;
    await new Promise((r) => setTimeout(r, 5)); // distinct names (ms resolution)
    await t.http.post('/cameras').set(await admin(t)).send({ id: 'cam-late', url: 'rtsp://10.0.0.9/main', regionId: 'vil-a1a' }).expect(201);
    const second = await service.backUp();
    const names = readdirSync(backups).sort();
    // BACKUP_KEEP 2: the one from the start is gone; nothing .partial, no -wal beside a copy (one file each).
    expect(names).toEqual([first.name, second.name]);
    expect(names).not.toContain(atStart[0]);
    expect(second.bytes).toBeGreaterThan(0);

    const copy = openDatabase(`sqlite:${path.join(backups, second.name)}`);
    try {
      const cameras = await copy.db.selectFrom('cameras').select('id').orderBy('id').execute();
      expect(cameras.map((c) => c.id)).toEqual([...CAMERAS.map((c) => c.id), 'cam-late'].sort());
      expect((await copy.db.selectFrom('regions').select('id').where('id', 'like', 'busy-%').execute()).length).toBe(20);
    } finally {
      await copy.close();
    }
  });

  it('restores: an API started on a copy has the cameras, users and regions of that moment', async () => {
    const newest = readdirSync(backups).sort().at(-1) as string;
    const restoredFile = path.join(dir, 'restored.db');
    copyFileSync(path.join(backups, newest), restoredFile);
    restored = await startTestApp('sqlite', { DATABASE_URL: `sqlite:${restoredFile}` });
    const res = await restored.http.get('/cameras').set(await admin(restored)).expect(200);
    expect(res.body.items.map((c: { id: string }) => c.id)).toContain('cam-late');
    expect(await restored.token('op-a')).toBeTruthy(); // users and their passwords came back too
  });

  it('keeps nothing half-written when a copy fails, and says why', async () => {
    const service = t.app.get(BackupService);
    const before = readdirSync(backups).sort();
    const handle = (service as unknown as { database: { backup(file: string): Promise<void> } }).database;
    const real = handle.backup;
    // The disk fills half way through the copy: a partial file is there when it fails.
    handle.backup = async (file: string) => {
      writeFileSync(file, 'half a database');
      throw new Error('disk full');
    };
    try {
      await expect(service.backUp()).rejects.toThrow('disk full');
    } finally {
      handle.backup = real;
    }
    expect(readdirSync(backups).sort()).toEqual(before);
    // What a process killed mid-copy leaves is cleared by the next run.
    writeFileSync(path.join(backups, 'xueliang-20260101T000000000Z.db.partial'), 'killed mid-copy');
    const next = await service.backUp();
    expect(readdirSync(backups).sort()).toEqual([before[1], next.name]);
  });
});

describe('database backups on PostgreSQL', () => {
  it('are left to PostgreSQL’s own tools: the service is off and says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xl-backup-pg-'));
    const t = await startTestApp('postgres', {}, { backup: { BACKUP_DIR: dir, BACKUP_EVERY_HOURS: 24, BACKUP_KEEP: 2 } });
    try {
      const service = t.app.get(BackupService);
      expect(service.enabled).toBe(false);
      await expect(service.backUp()).rejects.toThrow(/SQLite/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
