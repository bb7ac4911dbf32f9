import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** A finished backup in the directory. */
export interface BackupFile {
  name: string;
  /** Epoch ms it was taken, from its name. */
  takenAt: number;
  bytes: number;
}

const PREFIX = 'xueliang-';
const SUFFIX = '.db';
/** `xueliang-20261201T192450123Z.db`: sorts by time, no ':' (Windows shares, scp). */
const NAME = /^xueliang-(\d{8}T\d{9}Z)\.db$/;

export function backupName(at: number): string {
  return `${PREFIX}${new Date(at).toISOString().replace(/[-:.]/g, '')}${SUFFIX}`;
}

function takenAtOf(name: string): number | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const s = m[1];
  return Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`);
}

// Code of the worker that seals a copy; better-sqlite3 by the path this module resolves (an eval'd
// worker would resolve from the working directory).
const SEAL_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.file, { fileMustExist: true });
try {
  db.pragma('journal_mode = DELETE');
  parentPort.postMessage(String(db.pragma('quick_check', { simple: true })));
} finally {
  db.close();
}`;

/** The backup directory: finished files by name, the one being written under `.partial`. */
export class BackupFiles {
  constructor(readonly dir: string) {}

  /** Finished backups, oldest first; nothing when the directory does not exist yet. */
  async list(): Promise<BackupFile[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const files: BackupFile[] = [];
    for (const name of names) {
      const takenAt = takenAtOf(name);
      if (takenAt === null) continue;
      files.push({ name, takenAt, bytes: (await stat(path.join(this.dir, name))).size });
    }
    return files.sort((a, b) => a.takenAt - b.takenAt);
  }

  /**
   * Where a backup is written before it is checked: never mistaken for a finished one. What a run
   * killed mid-copy left (a file the size of the database) is deleted first.
   */
  async partialPath(name: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    for (const stale of await readdir(this.dir)) if (stale.startsWith(PREFIX) && stale.includes('.partial')) await rm(path.join(this.dir, stale), { force: true });
    return path.join(this.dir, `${name}.partial`);
  }

  /**
   * Makes the copy one self-contained file and checks it with SQLite's own `quick_check` (every page
   * and index readable); rejects with its first complaint. The copy inherits the live database's WAL
   * mode, in which part of it would sit in a `-wal` file beside it: back to a rollback journal, the
   * WAL is folded in and removed. (An API opening a restored copy sets WAL again.) In a worker
   * thread: on a large database both take seconds, which the API's event loop must not wait for.
   */
  seal(file: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(SEAL_WORKER, { eval: true, workerData: { file, sqliteModule: require.resolve('better-sqlite3') } });
      worker.once('message', (result: string) => (result === 'ok' ? resolve() : reject(new Error(`quick_check of ${path.basename(file)}: ${result}`))));
      worker.once('error', reject);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`checking ${path.basename(file)}: worker exited with ${code}`)));
    });
  }

  async publish(partial: string, name: string): Promise<BackupFile> {
    const target = path.join(this.dir, name);
    await rename(partial, target);
    return { name, takenAt: takenAtOf(name) as number, bytes: (await stat(target)).size };
  }

  async discard(partial: string): Promise<void> {
    for (const file of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) await rm(file, { force: true });
  }

  async remove(name: string): Promise<void> {
    await rm(path.join(this.dir, name), { force: true });
  }
}
