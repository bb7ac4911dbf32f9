// Review 2026-12-03-ingest-scaling, finding 1 (before the fix: 4050–4950 ms against 4025): a dead worker's cameras must be running on the
// survivor within LEASE_TTL_MS + CLAIM_INTERVAL_MS of its last renewal (docs/ingest.md, settings.ts),
// on the path production runs: the service's own timer rounds (start()), not hand-driven tick()s.
import { parseCamera, type CameraConfig } from '@xl/config';
import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import type { CameraSource, LeaseFailure, Leases } from '../ports';
import { IngestService, type Pipeline } from './ingest.service';

const log = createLogger('test', 'silent');
const TTL = 3000;
const CLAIM_INTERVAL = 1000; // leaseRoundMs(3000, 1000) = 1000
const RTT = 5; // every lease command answers after a Redis round trip

/** CameraLeases' semantics (NX claim keeping its own, owner-only renew/release, heartbeats within the TTL) on the fake clock. */
class Table {
  readonly leases = new Map<string, { owner: string; until: number }>();
  readonly beats = new Map<string, number>();
  readonly lastRenewal = new Map<string, number>();
  holder(id: string): string | null {
    const l = this.leases.get(id);
    return l && l.until > Date.now() ? l.owner : null;
  }
  port(owner: string): Leases {
    const later = <T>(fn: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(fn()), RTT));
    return {
      heartbeat: () =>
        later(() => {
          const now = Date.now();
          this.beats.set(owner, now);
          return [...this.beats.values()].filter((t) => t > now - TTL).length;
        }),
      claim: (candidates, max) =>
        later(() => {
          const claimed: string[] = [];
          for (const id of candidates) {
            if (claimed.length >= max) break;
            const h = this.holder(id);
            if (h === null || h === owner) {
              this.leases.set(id, { owner, until: Date.now() + TTL });
              claimed.push(id);
            }
          }
          return { claimed, failed: [] as LeaseFailure[] };
        }),
      renew: (ids) =>
        later(() => {
          const r = { renewed: [] as string[], lost: [] as string[], failed: [] as LeaseFailure[] };
          for (const id of ids) {
            if (this.holder(id) !== owner) r.lost.push(id);
            else {
              this.leases.get(id)!.until = Date.now() + TTL;
              r.renewed.push(id);
            }
          }
          if (r.renewed.length) this.lastRenewal.set(owner, Date.now());
          return r;
        }),
      release: (ids) =>
        later(() => {
          for (const id of ids) if (this.holder(id) === owner) this.leases.delete(id);
          return { failed: [] as LeaseFailure[] };
        }),
      leave: () => later(() => void this.beats.delete(owner)),
    };
  }
}

const cameras: CameraConfig[] = Array.from({ length: 6 }, (_, i) => parseCamera({ id: `cam-${i + 1}`, url: `rtsp://h/${i + 1}` }));
const source: CameraSource = { load: async () => ({ cameras, rejected: [] }), watch: async () => async () => undefined };

function worker(table: Table, owner: string) {
  const running = new Set<string>();
  const pipelines = (camera: CameraConfig): Pipeline => ({
    start: () => void running.add(camera.id),
    stop: async () => void running.delete(camera.id),
  });
  const service = new IngestService(
    { cameras: source, leases: table.port(owner), pipelines, metrics: new IngestMetrics(), log },
    { capacity: 10, tickMs: CLAIM_INTERVAL, leaseTtlMs: TTL, stopGraceMs: 375, random: () => 0, monotonicNow: () => Date.now() },
  );
  return { service, running };
}

/** kill -9: no more rounds, no release, no leave. */
function crash(service: IngestService): void {
  const s = service as unknown as { timers: NodeJS.Timeout[]; keeper: { unwatchFence(): void } };
  for (const t of s.timers) clearInterval(t);
  s.keeper.unwatchFence();
}

describe('a dead worker: takeover bound on the timer path', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it.each([0, 100, 200, 300, 400, 500, 600, 700, 800, 900])(
    'survivor started %i ms into the dead worker’s round: all six run within LEASE_TTL_MS + CLAIM_INTERVAL_MS of its last renewal',
    async (offset) => {
      const table = new Table();
      const a = worker(table, 'a');
      const b = worker(table, 'b');
      const aStarted = a.service.start();
      await jest.advanceTimersByTimeAsync(50);
      await aStarted;
      await jest.advanceTimersByTimeAsync(offset);
      const bStarted = b.service.start();
      await jest.advanceTimersByTimeAsync(50);
      await bStarted;
      await jest.advanceTimersByTimeAsync(5 * CLAIM_INTERVAL); // settle: 3 and 3
      expect(a.running.size).toBe(3);
      expect(b.running.size).toBe(3);

      // Crash a right after one of its renewals landed: its leases live exactly TTL from then.
      const before = table.lastRenewal.get('a');
      while (table.lastRenewal.get('a') === before) await jest.advanceTimersByTimeAsync(1);
      crash(a.service);
      const lastRenewal = table.lastRenewal.get('a')!;

      while (b.running.size < 6 && Date.now() - lastRenewal < 4 * TTL) await jest.advanceTimersByTimeAsync(10);
      const takeoverMs = Date.now() - lastRenewal;
      // Bound of docs/ingest.md; 3 round trips of slack for the claim itself.
      expect({ offset, takeoverMs, withinBound: takeoverMs <= TTL + CLAIM_INTERVAL + 3 * RTT + 10 }).toEqual({ offset, takeoverMs, withinBound: true });
      const stopping = b.service.stop().catch(() => undefined);
      await jest.advanceTimersByTimeAsync(5000);
      await stopping;
    },
  );
});
