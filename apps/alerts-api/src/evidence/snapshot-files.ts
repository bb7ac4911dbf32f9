import { readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { removablePathInside } from '../alerts/snapshots';
import { SETTINGS, type Settings } from '../settings';

/** A directory of one camera's snapshots of one day (UTC), as the analyzer lays them out. */
export interface SnapshotDay {
  /** `<camera>/<YYYY-MM-DD>`, relative to SNAPSHOT_DIR. */
  dir: string;
  /** Epoch ms of the day's start (UTC). */
  day: number;
}

const DAY_NAME = /^\d{4}-\d{2}-\d{2}$/;

/** Annotated snapshots on SNAPSHOT_DIR (written by the analyzer as `<camera>/<day>/<name>.jpg`). */
@Injectable()
export class SnapshotFiles {
  private readonly root: string;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.root = path.resolve(settings.snapshotDir);
  }

  /** Deletes the file if it is inside the directory by its real path; a missing file is not an error. */
  async remove(relativePath: string): Promise<void> {
    const target = await removablePathInside(this.root, relativePath);
    if (target) await rm(target, { force: true });
  }

  /** Every camera's day directories; none when SNAPSHOT_DIR does not exist yet. */
  async days(): Promise<SnapshotDay[]> {
    const days: SnapshotDay[] = [];
    for (const camera of await this.subdirectories(this.root)) {
      for (const name of await this.subdirectories(path.join(this.root, camera))) {
        const day = Date.parse(`${name}T00:00:00Z`);
        if (DAY_NAME.test(name) && Number.isFinite(day)) days.push({ dir: path.posix.join(camera, name), day });
      }
    }
    return days;
  }

  /** The files of a day directory, relative to SNAPSHOT_DIR (as alerts store them). */
  async files(dir: string): Promise<string[]> {
    const entries = await readdir(path.join(this.root, dir), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => path.posix.join(dir, e.name));
  }

  /** Removes a day directory once nothing is left in it. */
  async removeIfEmpty(dir: string): Promise<void> {
    await rmdir(path.join(this.root, dir)).catch(() => undefined); // ENOTEMPTY, ENOENT: leave it
  }

  private async subdirectories(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }
}
