import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { segmentFileName } from '@xl/media';
import { FileRecordingDirs } from './recording-dirs.repository';

const T = 1_800_000_000_000;

describe('FileRecordingDirs', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'xl-recdirs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const camera = (id: string, files: string[]) => {
    mkdirSync(path.join(root, id));
    for (const f of files) writeFileSync(path.join(root, id, f), 'x');
  };

  it('deletes segments that ended before the cutoff and old part files, keeps the rest and other files', async () => {
    camera('moved', [segmentFileName(T - 70_000, 2000), segmentFileName(T - 10_000, 2000), 'part-1-2-3-000001.ts', 'notes.txt']);
    const old = (T - 120_000) / 1000;
    utimesSync(path.join(root, 'moved', 'part-1-2-3-000001.ts'), old, old);
    const dirs = new FileRecordingDirs(root);
    expect(await dirs.cameras()).toEqual(['moved']);
    expect(await dirs.prune('moved', T - 60_000, () => true)).toEqual({ deleted: 2, removed: false });
    expect(readdirSync(path.join(root, 'moved')).sort()).toEqual([segmentFileName(T - 10_000, 2000), 'notes.txt']);
  });

  it('removes an emptied directory unless the camera was taken meanwhile', async () => {
    camera('gone', [segmentFileName(T - 700_000, 2000)]);
    camera('back', [segmentFileName(T - 700_000, 2000)]);
    const dirs = new FileRecordingDirs(root);
    expect(await dirs.prune('gone', T - 600_000, () => true)).toEqual({ deleted: 1, removed: true });
    expect(await dirs.prune('back', T - 600_000, () => false)).toEqual({ deleted: 1, removed: false });
    expect(existsSync(path.join(root, 'gone'))).toBe(false);
    expect(existsSync(path.join(root, 'back'))).toBe(true);
  });

  it('finds no cameras where nothing was recorded yet', async () => {
    expect(await new FileRecordingDirs(path.join(root, 'none')).cameras()).toEqual([]);
  });
});
