import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { Gauge, type Registry } from 'prom-client';

interface Measured {
  free: number;
  size: number;
}

/**
 * `xl_disk_free_bytes{dir}` and `xl_disk_size_bytes{dir}` for the filesystems behind the directories
 * an app writes to (recordings, evidence, snapshots), read at each scrape — no timer. A full disk
 * stops recording and makes clips and snapshots fail; this is what lets ops see it coming
 * (docker/prometheus/alerts.yml, XlDiskAlmostFull). A directory not created yet is measured where it
 * would be (its nearest existing parent); `dirs` entries left undefined are skipped.
 */
export function registerDiskSpace(registry: Registry, dirs: Record<string, string | undefined>): void {
  const watched = Object.entries(dirs).filter((entry): entry is [string, string] => Boolean(entry[1]));
  // One statfs per directory per scrape, shared by both gauges (the registry collects them concurrently).
  let last: { at: number; result: Promise<Map<string, Measured>> } | null = null;
  const measure = () => {
    if (!last || Date.now() - last.at > 1000) last = { at: Date.now(), result: measureAll(watched) };
    return last.result;
  };
  const gauge = (name: string, help: string, pick: (m: Measured) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['dir'] as const,
      registers: [registry],
      async collect() {
        for (const [dir, m] of await measure()) this.set({ dir }, pick(m));
      },
    });
  gauge('xl_disk_free_bytes', 'Bytes this process may still write on the filesystem holding the directory (dir: recording, evidence, snapshots)', (m) => m.free);
  gauge('xl_disk_size_bytes', 'Size of the filesystem holding the directory (dir: recording, evidence, snapshots)', (m) => m.size);
}

async function measureAll(watched: Array<[string, string]>): Promise<Map<string, Measured>> {
  const out = new Map<string, Measured>();
  for (const [name, dir] of watched) {
    const fs = await statfsOfNearest(dir);
    if (fs) out.set(name, { free: fs.bavail * fs.bsize, size: fs.blocks * fs.bsize });
  }
  return out;
}

async function statfsOfNearest(dir: string): Promise<{ bavail: number; blocks: number; bsize: number } | null> {
  let at = path.resolve(dir);
  for (;;) {
    try {
      return await statfs(at);
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return null;
      at = parent;
    }
  }
}
