import { statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { registerDiskSpace } from './disk-space';

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
});
