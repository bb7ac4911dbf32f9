import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { Gauge, type Registry } from 'prom-client';

interface Measured {
  free: number;
  size: number;
}

/** A watched directory: its last reading, and the statfs still running for it, if any. */
interface Watched {
  name: string;
  dir: string;
  last?: Measured;
  inFlight?: Promise<void>;
}

/** How long a scrape waits for statfs before reporting the last reading instead. */
const STATFS_TIMEOUT_MS = 1000;

/**
 * `xl_disk_free_bytes{dir}` and `xl_disk_size_bytes{dir}` for the filesystems behind the directories
 * an app writes to (recordings, evidence, snapshots), read at each scrape — no timer. A full disk
 * stops recording and makes clips and snapshots fail; this is what lets ops see it coming
 * (docker/prometheus/alerts.yml, XlDiskAlmostFull). A directory not created yet is measured where it
 * would be (its nearest existing parent); `dirs` entries left undefined are skipped.
 *
 * statfs on a hard-mounted network share that stopped answering blocks a libuv thread until the share
 * comes back, and cannot be cancelled. One per scrape would take all 4 threads of the pool within a
 * minute, and with them file I/O, dns.lookup (Redis reconnects) and log writes. So at most one statfs
 * per directory is in flight; a scrape waits at most 1 s for it, then reports the last reading
 * and `xl_disk_stalled{dir}` 1 until that statfs answers.
 */
export function registerDiskSpace(registry: Registry, dirs: Record<string, string | undefined>): void {
  const watched: Watched[] = Object.entries(dirs).flatMap(([name, dir]) => (dir ? [{ name, dir }] : []));
  // Shared by the gauges, which the registry collects concurrently, and by later scrapes while it hangs.
  const refresh = (w: Watched): Promise<void> =>
    (w.inFlight ??= statfsOfNearest(w.dir)
      .then((fs) => {
        if (fs) w.last = { free: fs.bavail * fs.bsize, size: fs.blocks * fs.bsize };
      })
      .finally(() => {
        w.inFlight = undefined;
      }));
  const refreshAll = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STATFS_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all(watched.map(refresh)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const gauge = (name: string, help: string, pick: (w: Watched) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['dir'] as const,
      registers: [registry],
      async collect() {
        await refreshAll();
        for (const w of watched) {
          const value = pick(w);
          if (value !== undefined) this.set({ dir: w.name }, value);
        }
      },
    });
  gauge('xl_disk_free_bytes', 'Bytes this process may still write on the filesystem holding the directory (dir: recording, evidence, snapshots)', (w) => w.last?.free);
  gauge('xl_disk_size_bytes', 'Size of the filesystem holding the directory (dir: recording, evidence, snapshots)', (w) => w.last?.size);
  gauge(
    'xl_disk_stalled',
    '1 while statfs on the directory has not answered within the scrape timeout (a hung network share); its xl_disk_*_bytes keep their last value',
    (w) => (w.inFlight ? 1 : 0),
  );
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
