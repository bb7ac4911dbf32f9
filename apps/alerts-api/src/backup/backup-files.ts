import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

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

  /** Where a backup is written before it is checked: never mistaken for a finished one. */
  async partialPath(name: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const partial = path.join(this.dir, `${name}.partial`);
    await this.discard(partial);
    return partial;
  }

  /**
   * Makes the copy one self-contained file and checks it with SQLite's own `quick_check` (every page
   * and index readable); throws with its first complaint. The copy inherits the live database's WAL
   * mode, in which part of it would sit in a `-wal` file beside it: back to a rollback journal, the
   * WAL is folded in and removed. (An API opening a restored copy sets WAL again.)
   */
  seal(file: string): void {
    const db = new BetterSqlite3(file, { fileMustExist: true });
    try {
      db.pragma('journal_mode = DELETE');
      const result = db.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new Error(`quick_check of ${path.basename(file)}: ${String(result)}`);
    } finally {
      db.close();
    }
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
