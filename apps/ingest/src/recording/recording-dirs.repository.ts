// Recording directories of cameras this process no longer records: what their recorder would have
// trimmed, deleted on the janitor's behalf.
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseSegmentFileName } from '@xl/media';
import type { RecordingDirs } from './ports';

export class FileRecordingDirs implements RecordingDirs {
  constructor(private readonly recordingDir: string) {}

  async cameras(): Promise<string[]> {
    const entries = await readdir(this.recordingDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  async prune(cameraId: string, beforeMs: number, stillUnused: () => boolean): Promise<{ deleted: number; removed: boolean }> {
    const dir = path.join(this.recordingDir, cameraId);
    const names = await readdir(dir);
    let deleted = 0;
    for (const name of names) {
      const file = path.join(dir, name);
      const segment = parseSegmentFileName(name);
      // A segment is placed by its name (the Redis server's time); a killed run's part file by its mtime.
      const endedAt = segment ? segment.startMs + segment.durationMs : name.startsWith('part-') ? (await stat(file)).mtimeMs : null;
      if (endedAt === null || endedAt >= beforeMs) continue;
      await rm(file, { force: true });
      deleted++;
    }
    if (deleted < names.length || !stillUnused()) return { deleted, removed: false };
    // rmdir, not rm -r: a file a new recorder wrote meanwhile keeps the directory.
    const removed = await rmdir(dir).then(
      () => true,
      () => false,
    );
    return { deleted, removed };
  }
}
