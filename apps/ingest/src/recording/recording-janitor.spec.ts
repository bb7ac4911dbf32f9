import { createLogger } from '@xl/observability';
import type { RecordingDirs } from './ports';
import { RecordingJanitor } from './recording-janitor';

const log = createLogger('test', 'silent');
const NOW = 1_800_000_000_000;

function setup(dirs: string[], inUse: string[], windows: Record<string, number> = {}, takenWhilePruning = false) {
  const pruned: Array<[string, number, boolean]> = [];
  const used = new Set(inUse);
  const repo: RecordingDirs = {
    cameras: async () => dirs,
    prune: async (cameraId, beforeMs, stillUnused) => {
      if (takenWhilePruning) used.add(cameraId); // claimed while its old segments were being deleted
      pruned.push([cameraId, NOW - beforeMs, stillUnused()]);
      return { deleted: 1, removed: false };
    },
  };
  const janitor = new RecordingJanitor(
    { dirs: repo, inUse: () => used, windowSecondsOf: (id) => windows[id], log, now: () => NOW },
    { intervalMs: 60_000, defaultWindowSeconds: 600 },
  );
  return { janitor, pruned, used };
}

describe('RecordingJanitor', () => {
  it("prunes the directories of cameras not recorded here after their own window, or the longest one when their configuration is unknown", async () => {
    const { janitor, pruned } = setup(['ours', 'moved', 'removed'], ['ours'], { moved: 60 });
    await janitor.sweep();
    expect(pruned).toEqual([
      ['moved', 60_000, true],
      ['removed', 600_000, true],
    ]);
  });

  it('leaves a camera taken back meanwhile its directory, and one in use alone', async () => {
    const { janitor, pruned } = setup(['moved'], [], {}, true);
    await janitor.sweep();
    await janitor.sweep();
    expect(pruned).toEqual([['moved', 600_000, false]]);
  });

  it('stops a pass in progress after the camera it is on (shutdown does not wait for every directory)', async () => {
    let release!: () => void;
    const pruned: string[] = [];
    const repo: RecordingDirs = {
      cameras: async () => ['a', 'b', 'c'],
      prune: async (cameraId) => {
        pruned.push(cameraId);
        if (cameraId === 'a') await new Promise<void>((resolve) => (release = resolve));
        return { deleted: 1, removed: false };
      },
    };
    const janitor = new RecordingJanitor({ dirs: repo, inUse: () => new Set(), windowSecondsOf: () => undefined, log, now: () => NOW }, { intervalMs: 60_000, defaultWindowSeconds: 600 });
    const pass = janitor.sweep();
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = janitor.stop();
    release();
    await Promise.all([pass, stopped]);
    expect(pruned).toEqual(['a']);
  });

  it('sweeps at start and then periodically', async () => {
    jest.useFakeTimers();
    try {
      const { janitor, pruned } = setup(['moved'], []);
      janitor.start();
      await jest.advanceTimersByTimeAsync(0);
      expect(pruned).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(pruned).toHaveLength(2);
      await janitor.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
