import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Annotated snapshots on a directory shared with alerts-api; paths are stored relative to it. */
export class SnapshotRepository {
  constructor(private readonly root: string) {}

  /** Writes atomically (tmp + rename) so the API never serves half a JPEG. Returns the relative path. */
  async save(cameraId: string, name: string, jpeg: Buffer, at = new Date()): Promise<string> {
    const day = at.toISOString().slice(0, 10);
    const rel = path.posix.join(cameraId, day, `${name}.jpg`);
    const full = path.join(this.root, rel);
    await mkdir(path.dirname(full), { recursive: true });
    const tmp = `${full}.${process.pid}.tmp`;
    await writeFile(tmp, jpeg);
    await rename(tmp, full);
    return rel;
  }
}
