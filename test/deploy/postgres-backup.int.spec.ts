import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { migrateToLatest, openDatabase } from '../../apps/alerts-api/src/db/database';
import { createTestDatabase, type TestDatabase } from '../../apps/alerts-api/src/testing/test-databases';
import { repoRoot } from '@xl/testing';

// docker/postgres-backup.sh, which compose's postgres-backup service runs, against the real
// PostgreSQL here: a dump that pg_restore reads, the BACKUP_KEEP newest kept, nothing half-written
// on failure, and a restore that brings the data back.

const run = promisify(execFile);
const SCRIPT = path.join(repoRoot, 'docker/postgres-backup.sh');

function pgEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return { PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: u.pathname.slice(1) };
}

describe('docker/postgres-backup.sh', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xl-pgbackup-'));
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dumps the database, keeps the newest BACKUP_KEEP, and the dump restores into an empty database', async () => {
    const source = await createTestDatabase('postgres');
    databases.push(source);
    const db = openDatabase(source.url);
    await migrateToLatest(db.db);
    await db.db.insertInto('regions').values({ id: 'vil-1', name: '青山村', level: 'village', parent_id: null, created_at: 1, updated_at: 1 }).execute();
    await db.close();

    const env = { ...process.env, ...pgEnv(source.url), BACKUP_DIR: dir, BACKUP_KEEP: '2' };
    for (let i = 0; i < 3; i++) {
      const { stdout } = await run('sh', [SCRIPT, 'once'], { env });
      expect(stdout).toMatch(/^postgres-backup: xueliang-\d{8}T\d{9}Z\.dump \(\d+ bytes\)/);
      await new Promise((r) => setTimeout(r, 5)); // distinct names (ms)
    }
    const dumps = readdirSync(dir).sort();
    expect(dumps).toHaveLength(2);
    expect(dumps.every((n) => /^xueliang-\d{8}T\d{9}Z\.dump$/.test(n))).toBe(true);

    const target = await createTestDatabase('postgres');
    databases.push(target);
    await run('pg_restore', ['--no-owner', `--dbname=${pgEnv(target.url).PGDATABASE}`, path.join(dir, dumps[1])], { env: { ...process.env, ...pgEnv(target.url) } });
    const restored = openDatabase(target.url);
    try {
      expect(await restored.db.selectFrom('regions').select(['id', 'name']).execute()).toEqual([{ id: 'vil-1', name: '青山村' }]);
    } finally {
      await restored.close();
    }
  });

  it('runs as a service: a dump at start, then stops at once on SIGTERM (docker stop) without a partial', async () => {
    const source = databases[0];
    const loopDir = mkdtempSync(path.join(tmpdir(), 'xl-pgbackup-loop-'));
    try {
      const child = spawn('sh', [SCRIPT], { env: { ...process.env, ...pgEnv(source.url), BACKUP_DIR: loopDir, BACKUP_EVERY_HOURS: '24', BACKUP_KEEP: '2' }, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      for (let i = 0; i < 100 && !readdirSync(loopDir).some((n) => n.endsWith('.dump')); i++) await new Promise((r) => setTimeout(r, 100));
      expect(readdirSync(loopDir).filter((n) => n.endsWith('.dump'))).toHaveLength(1);
      const stoppedAt = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(2000); // not after the 24 h sleep, nor docker's 10 s SIGKILL
      expect(readdirSync(loopDir).filter((n) => n.includes('.partial'))).toEqual([]);
    } finally {
      rmSync(loopDir, { recursive: true, force: true });
    }
  });

  it('refuses a fractional or empty interval instead of looping on an arithmetic error', async () => {
    const failed = await run('sh', [SCRIPT, 'once'], { env: { ...process.env, BACKUP_DIR: dir, BACKUP_EVERY_HOURS: '1.5' } }).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('BACKUP_EVERY_HOURS=1.5 must be a whole number of at least 1') });
  });

  it('refuses a dump without the alerts table (PGDATABASE naming the wrong database) and keeps the good ones', async () => {
    const before = readdirSync(dir).sort();
    expect(before.length).toBeGreaterThan(0);
    const empty = await createTestDatabase('postgres'); // exists and dumps fine, but is not alerts-api's
    databases.push(empty);
    const env = { ...process.env, ...pgEnv(empty.url), BACKUP_DIR: dir, BACKUP_KEEP: '1' };
    const failed = await run('sh', [SCRIPT, 'once'], { env }).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(1); // before: counted, and with BACKUP_KEEP=1 the good dump rotated out
    expect(failed?.stderr).toContain('holds no alerts table');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('leaves nothing half-written and says so when the database cannot be dumped', async () => {
    const before = readdirSync(dir).sort();
    const env = { ...process.env, PGHOST: '127.0.0.1', PGPORT: '5432', PGUSER: 'postgres', PGDATABASE: 'xl_no_such_database', BACKUP_DIR: dir, BACKUP_KEEP: '2' };
    const failed = await run('sh', [SCRIPT, 'once'], { env }).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('postgres-backup: backup of xl_no_such_database failed');
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
