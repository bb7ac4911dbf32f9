import type { ReportRow } from './alert-report';
import { cameraDowntime } from './camera-downtime';

const M = 60_000;
const T0 = Date.UTC(2026, 6, 1);
const period = { from: T0, to: T0 + 24 * 60 * M, now: T0 + 10 * M };

let serial = 0;
const outage = (cameraId: string, startedAt: number, resolvedAt: number | null, over: Partial<ReportRow> = {}): ReportRow => ({
  id: `o${++serial}`,
  cameraId,
  cameraName: `Camera ${cameraId}`,
  zoneId: null,
  zoneName: null,
  regionId: null,
  rule: 'camera_offline',
  severity: 'warning',
  state: resolvedAt === null ? 'open' : 'resolved',
  outcome: resolvedAt === null ? null : 'recovered',
  escalationLevel: 0,
  startedAt,
  createdAt: startedAt + M,
  acknowledgedAt: null,
  firstAcknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt,
  alarmedAt: null,
  ...over,
});

describe('cameraDowntime', () => {
  it('ends a recovered outage when the camera came back, not when the stability wait resolved its alert', () => {
    const d = cameraDowntime([outage('a', T0 + 1 * M, T0 + 4 * M, { cameraBackAt: T0 + 3 * M }), outage('b', T0 + 1 * M, T0 + 4 * M, { cameraBackAt: null })], period, 20);
    expect(d.cameras).toEqual([
      expect.objectContaining({ cameraId: 'b', offlineMs: 3 * M }), // an older resolution without the time: its resolution
      expect.objectContaining({ cameraId: 'a', offlineMs: 2 * M }),
    ]);
  });

  it('adds each camera outage from its start to its recovery, counting one still going up to now', () => {
    const rows = [
      outage('a', T0 + 1 * M, T0 + 3 * M),
      outage('b', T0 + 2 * M, T0 + 4 * M),
      outage('a', T0 + 5 * M, null), // still dark: 5 min until now
      { ...outage('c', T0, T0 + 9 * M), rule: 'zone_enter' as const }, // not an outage
    ];
    const d = cameraDowntime(rows, period, 20);
    expect(d).toEqual({
      outages: 3,
      offlineMs: 9 * M,
      cameras: [
        { cameraId: 'a', cameraName: 'Camera a', outages: 2, offlineMs: 7 * M, stillOffline: true },
        { cameraId: 'b', cameraName: 'Camera b', outages: 1, offlineMs: 2 * M, stillOffline: false },
      ],
    });
  });

  it('keeps counting an outage whose alert an operator resolved while the camera stayed dark', () => {
    // Dark at 09:01, resolved (bulk, false_alarm) at 09:03, still dark now (09:10): 9 min, still offline.
    const rows = [outage('a', T0 + 1 * M, T0 + 3 * M, { outcome: 'false_alarm' }), outage('b', T0 + 2 * M, T0 + 4 * M, { outcome: 'false_alarm' })];
    const d = cameraDowntime(rows, { ...period, offlineSince: new Map([['a', T0 + 1 * M]]) }, 20);
    expect(d.cameras).toEqual([
      { cameraId: 'a', cameraName: 'Camera a', outages: 1, offlineMs: 9 * M, stillOffline: true },
      // b is back (its status says so): its resolution is the best end known
      { cameraId: 'b', cameraName: 'Camera b', outages: 1, offlineMs: 2 * M, stillOffline: false },
    ]);
    // The camera's recovery resolves its alert itself: that is its end, whatever the status says now.
    const recovered = cameraDowntime([outage('a', T0 + 1 * M, T0 + 3 * M)], { ...period, offlineSince: new Map([['a', T0 + 1 * M]]) }, 20);
    expect(recovered.cameras[0]).toMatchObject({ offlineMs: 2 * M, stillOffline: false });
  });

  it('counts only the part inside the period and keeps the longest cameras', () => {
    const past = { ...period, to: T0 + 4 * M, now: T0 + 60 * M };
    const rows = [outage('a', T0 + 3 * M, T0 + 30 * M), outage('b', T0 + 1 * M, T0 + 2 * M), outage('c', T0 + 2 * M, null)];
    const d = cameraDowntime(rows, past, 2);
    expect(d.offlineMs).toBe(1 * M + 1 * M + 2 * M);
    expect(d.cameras.map((c) => [c.cameraId, c.offlineMs])).toEqual([
      ['c', 2 * M],
      ['a', 1 * M],
    ]);
  });

  it('counts the part inside the period of an outage that began before it, and none that had ended by its start', () => {
    const rows = [
      outage('dark', T0 - 120 * M, null), // dark since two hours before the period, still dark now (09:10)
      outage('ended', T0 - 120 * M, T0 - 30 * M), // back before the period: not in it at all
      outage('back', T0 - 60 * M, T0 + 4 * M, { cameraBackAt: T0 + 2 * M }), // back in the period
      outage('ticket', T0 - 90 * M, T0 - 80 * M, { outcome: 'true_alarm' }), // resolved by an operator, the camera still dark
    ];
    const d = cameraDowntime(rows, { ...period, offlineSince: new Map([['ticket', T0 - 90 * M]]) }, 20);
    expect(d).toEqual({
      outages: 3,
      offlineMs: 10 * M + 2 * M + 10 * M,
      cameras: [
        { cameraId: 'dark', cameraName: 'Camera dark', outages: 1, offlineMs: 10 * M, stillOffline: true },
        { cameraId: 'ticket', cameraName: 'Camera ticket', outages: 1, offlineMs: 10 * M, stillOffline: true },
        { cameraId: 'back', cameraName: 'Camera back', outages: 1, offlineMs: 2 * M, stillOffline: false },
      ],
    });
  });

  it('is empty without outages', () => {
    expect(cameraDowntime([], period, 20)).toEqual({ outages: 0, offlineMs: 0, cameras: [] });
  });
});
