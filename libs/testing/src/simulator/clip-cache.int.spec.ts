import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeWithShared, sharedPath } from '../shared-data';
import { loopCount, loopedClip, probeDurationSeconds } from './clip-cache';

describe('loopCount', () => {
  it('appends just enough copies to reach the wanted length', () => {
    expect(loopCount(30, 600)).toBe(19);
    expect(loopCount(36, 600)).toBe(16); // 17 × 36 s = 612 s
    expect(loopCount(30, 30)).toBe(0);
    expect(loopCount(30, 10)).toBe(0);
    expect(() => loopCount(0, 600)).toThrow(/duration must be > 0/);
  });
});

const CLIP = 'media/clips/drowning_sub.mp4';

describeWithShared([CLIP])('loopedClip (real ffmpeg)', () => {
  const clip = sharedPath(CLIP)!;
  let cacheDir: string;

  beforeEach(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'xl-sim-cache-test-'));
  });
  afterEach(() => rm(cacheDir, { recursive: true, force: true }));

  it('loops the clip once for concurrent callers, atomically, and reuses the cached file', async () => {
    const paths = await Promise.all([loopedClip(clip, 100, cacheDir), loopedClip(clip, 100, cacheDir), loopedClip(clip, 100, cacheDir)]);
    expect(new Set(paths).size).toBe(1);
    expect(path.dirname(paths[0])).toBe(cacheDir);
    expect(await readdir(cacheDir)).toEqual([path.basename(paths[0])]); // no tmp file left behind
    expect(await probeDurationSeconds(paths[0])).toBeCloseTo(120, 0); // 4 × 30 s

    const before = (await stat(paths[0])).mtimeMs;
    expect(await loopedClip(clip, 100, cacheDir)).toBe(paths[0]);
    expect((await stat(paths[0])).mtimeMs).toBe(before);

    // Another length is another cache entry.
    const longer = await loopedClip(clip, 200, cacheDir);
    expect(longer).not.toBe(paths[0]);
    expect(await probeDurationSeconds(longer)).toBeCloseTo(210, 0);
  });

  it('serves a clip that is already long enough as it is', async () => {
    expect(await loopedClip(clip, 30, cacheDir)).toBe(clip);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('fails with the clip path when the clip is missing or not a video', async () => {
    await expect(loopedClip(path.join(cacheDir, 'missing.mp4'), 60, cacheDir)).rejects.toThrow(/ENOENT.*missing\.mp4/);
    const notVideo = sharedPath('media/clips/README.md')!;
    await expect(loopedClip(notVideo, 60, cacheDir)).rejects.toThrow(/README\.md/);
  });
});
