import { statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { registerDiskSpace } from './disk-space';

// The real statfs unless a test makes it hang, as it does on a hard-mounted share that stopped answering.
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
  return { ...actual, statfs: jest.fn(actual.statfs) };
});
const statfsMock = statfs as unknown as jest.Mock;

type StatfsResult = Awaited<ReturnType<typeof statfs>>;

/** A statfs answer for a filesystem of `blocks` 4 KiB blocks, `bavail` of them free. */
function fsOf(blocks: number, bavail: number): StatfsResult {
  return { type: 0, bsize: 4096, blocks, bfree: bavail, bavail, files: 0, ffree: 0 } as StatfsResult;
}

/** The value of `name{dir="…"}` in one text exposition, or undefined. */
function sample(text: string, name: string, dir: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{dir="${dir}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('registerDiskSpace', () => {
  it("reports free and total bytes of each directory's filesystem at scrape time, a missing one where it would be created", async () => {
    const registry = new Registry();
    const tmp = os.tmpdir();
    registerDiskSpace(registry, { recording: tmp, evidence: path.join(tmp, 'not', 'created', 'yet'), snapshots: undefined });
    const fs = await statfs(tmp);
    const text = await registry.metrics(); // the first scrape has both
    const free = sample(text, 'xl_disk_free_bytes', 'recording');
    expect(free).toBeGreaterThan(0);
    // the same filesystem, read a moment apart: within what a busy machine writes meanwhile
    expect(Math.abs(free! - fs.bavail * fs.bsize)).toBeLessThan(256 * 2 ** 20);
    expect(sample(text, 'xl_disk_size_bytes', 'recording')).toBe(fs.blocks * fs.bsize);
    expect(sample(text, 'xl_disk_size_bytes', 'evidence')).toBe(fs.blocks * fs.bsize);
    expect(sample(text, 'xl_disk_free_bytes', 'snapshots')).toBeUndefined();
  });

  describe('when statfs hangs (a hard-mounted share that stopped answering)', () => {
    beforeEach(() => {
      jest.useFakeTimers();
      statfsMock.mockClear();
    });
    afterEach(() => {
      jest.useRealTimers();
      statfsMock.mockReset();
      statfsMock.mockImplementation(jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises').statfs);
    });

    /** Scrapes once, advancing the fake clock by `ms` meanwhile; fails if the scrape is still pending then. */
    async function scrapeWithin(registry: Registry, ms: number): Promise<string> {
      let text: string | undefined;
      const scrape = registry.metrics().then((t) => (text = t));
      await jest.advanceTimersByTimeAsync(ms);
      if (text === undefined) throw new Error(`metrics() still pending ${ms} ms after the scrape began`);
      return scrape;
    }

    it('keeps one statfs in flight per directory across scrapes 2 s apart, and every scrape answers', async () => {
      statfsMock.mockImplementation(() => new Promise(() => undefined));
      const registry = new Registry();
      registerDiskSpace(registry, { recording: '/srv/recording', evidence: '/mnt/share/evidence' });
      const scrapes: Array<string | undefined> = [];
      for (let scrape = 0; scrape < 5; scrape++) {
        void registry.metrics().then((text) => (scrapes[scrape] = text));
        await jest.advanceTimersByTimeAsync(2000);
      }
      // Each statfs left hanging holds one of libuv's 4 threads for good.
      expect(statfsMock.mock.calls.map(([dir]) => dir).sort()).toEqual(['/mnt/share/evidence', '/srv/recording']);
      expect(scrapes.map((text) => text !== undefined)).toEqual([true, true, true, true, true]);
      for (const text of scrapes) {
        expect(sample(text!, 'xl_disk_stalled', 'recording')).toBe(1);
        expect(sample(text!, 'xl_disk_stalled', 'evidence')).toBe(1);
        expect(sample(text!, 'xl_disk_free_bytes', 'evidence')).toBeUndefined(); // never read: no value rather than a made-up one
      }
    });

    it('reports the last reading while statfs hangs, and the new one once it answers', async () => {
      const registry = new Registry();
      registerDiskSpace(registry, { evidence: '/mnt/share/evidence' });
      statfsMock.mockResolvedValueOnce(fsOf(1000, 600));
      let answer: (fs: StatfsResult) => void = () => undefined;
      statfsMock.mockImplementationOnce(() => new Promise<StatfsResult>((resolve) => (answer = resolve)));
      statfsMock.mockResolvedValue(fsOf(1000, 300));

      let text = await scrapeWithin(registry, 2000);
      expect(sample(text, 'xl_disk_free_bytes', 'evidence')).toBe(600 * 4096);

      text = await scrapeWithin(registry, 2000); // the share stops answering
      expect(sample(text, 'xl_disk_free_bytes', 'evidence')).toBe(600 * 4096);
      expect(sample(text, 'xl_disk_size_bytes', 'evidence')).toBe(1000 * 4096);
      expect(sample(text, 'xl_disk_stalled', 'evidence')).toBe(1);
      text = await scrapeWithin(registry, 2000);
      expect(sample(text, 'xl_disk_stalled', 'evidence')).toBe(1);
      expect(statfsMock).toHaveBeenCalledTimes(2);

      answer(fsOf(1000, 400)); // the share is back: the hung statfs answers
      text = await scrapeWithin(registry, 0);
      expect(sample(text, 'xl_disk_free_bytes', 'evidence')).toBe(400 * 4096);
      expect(sample(text, 'xl_disk_stalled', 'evidence')).toBe(0);
      text = await scrapeWithin(registry, 2000); // and each scrape reads afresh again
      expect(statfsMock).toHaveBeenCalledTimes(3);
      expect(sample(text, 'xl_disk_free_bytes', 'evidence')).toBe(300 * 4096);
      expect(sample(text, 'xl_disk_stalled', 'evidence')).toBe(0);
    });
  });
});
