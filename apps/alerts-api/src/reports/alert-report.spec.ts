import { buildAlertReport, percentile, type ReportContext, type ReportRow } from './alert-report';

const T0 = Date.UTC(2026, 6, 1, 6, 0, 0); // 14:00 in Asia/Shanghai
const S = 1000;

let serial = 0;
function row(overrides: Partial<ReportRow> = {}): ReportRow {
  serial++;
  const merged: Omit<ReportRow, 'firstAcknowledgedAt' | 'alarmedAt'> & Partial<ReportRow> = {
    id: `a${serial}`,
    cameraId: 'cam-a',
    cameraName: 'North pond',
    regionId: 'vil-a',
    zoneId: 'pond',
    zoneName: null,
    rule: 'zone_enter',
    severity: 'major',
    state: 'open',
    outcome: null,
    escalationLevel: 0,
    startedAt: T0,
    createdAt: T0 + S,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    ...overrides,
  };
  // Acknowledged once unless a test says otherwise.
  return { ...merged, firstAcknowledgedAt: overrides.firstAcknowledgedAt ?? merged.acknowledgedAt, alarmedAt: overrides.alarmedAt ?? null };
}

const ctx = (overrides: Partial<ReportContext> = {}): ReportContext => ({
  from: T0 - 3600 * S,
  to: T0 + 3600 * S,
  regionId: null,
  timezone: 'Asia/Shanghai',
  now: T0 + 600 * S,
  regionNames: new Map([['vil-a', 'Village A'], ['vil-b', 'Village B']]),
  topCameras: 20,
  ...overrides,
});

describe('percentile (nearest rank)', () => {
  it('takes the value at rank ceil(p·n)', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
  });
});

describe('buildAlertReport', () => {
  it('is all zeros for a quiet period, with nulls where nothing was measured', () => {
    const r = buildAlertReport([], ctx());
    expect(r.totals).toMatchObject({ alerts: 0, critical: 0, falseAlarmRate: null, escalated: 0 });
    expect(r.totals.byState).toEqual({ open: 0, acknowledged: 0, dispatched: 0, resolved: 0 });
    expect(r.acknowledge).toEqual({ count: 0, p50Ms: null, p90Ms: null, maxMs: null, waiting: 0, oldestWaitingMs: null });
    expect(r.byHour).toHaveLength(24);
    expect(r.byHour.every((n) => n === 0)).toBe(true);
    expect(r).toMatchObject({ byRule: [], byRegion: [], byCamera: [] });
  });

  it('counts states, severities, outcomes and the false-alarm rate among judged alerts', () => {
    const rows = [
      row({ state: 'resolved', outcome: 'true_alarm', severity: 'critical', rule: 'vanish_in_water' }),
      row({ state: 'resolved', outcome: 'false_alarm' }),
      row({ state: 'resolved', outcome: 'false_alarm' }),
      row({ state: 'resolved', outcome: 'duplicate' }),
      row({ state: 'resolved', outcome: 'recovered', rule: 'camera_offline', severity: 'warning' }),
      row({ state: 'dispatched' }),
      row({ state: 'acknowledged', escalationLevel: 1 }),
      row({ state: 'open', escalationLevel: 2 }),
    ];
    const r = buildAlertReport(rows, ctx());
    expect(r.totals).toMatchObject({ alerts: 8, critical: 1, trueAlarms: 1, falseAlarms: 2, escalated: 2 });
    expect(r.totals.byState).toEqual({ open: 1, acknowledged: 1, dispatched: 1, resolved: 5 });
    expect(r.totals.bySeverity).toEqual({ info: 0, warning: 1, major: 6, critical: 1 });
    expect(r.totals.byOutcome).toEqual({ true_alarm: 1, false_alarm: 2, duplicate: 1, recovered: 1, unresolved: 3 });
    // duplicates and recoveries are not judgements of the detector
    expect(r.totals.falseAlarmRate).toBeCloseTo(2 / 3, 10);
  });

  it('measures reaction from creation (when operators could first see it), not from the capture', () => {
    const rows = [10, 30, 60, 20, 240].map((s, i) =>
      row({ startedAt: T0 - 5 * S, createdAt: T0 + i * S, acknowledgedAt: T0 + i * S + s * S, state: 'acknowledged' }),
    );
    rows.push(row({ state: 'resolved', createdAt: T0, acknowledgedAt: null, resolvedAt: T0 + 90 * S, outcome: 'recovered' }));
    const r = buildAlertReport(rows, ctx());
    expect(r.acknowledge).toMatchObject({ count: 5, p50Ms: 30 * S, p90Ms: 240 * S, maxMs: 240 * S, waiting: 0, oldestWaitingMs: null });
    expect(r.resolve).toEqual({ count: 1, p50Ms: 90 * S, p90Ms: 90 * S, maxMs: 90 * S });
  });

  it('says how many alerts still wait for someone and for how long the oldest has', () => {
    const rows = [row({ createdAt: T0 + 100 * S }), row({ createdAt: T0 + 400 * S }), row({ state: 'acknowledged', acknowledgedAt: T0 + 5 * S })];
    const r = buildAlertReport(rows, ctx({ now: T0 + 600 * S }));
    expect(r.acknowledge).toMatchObject({ waiting: 2, oldestWaitingMs: 500 * S, count: 1 });
  });

  it('takes an alert reopened by a drowning as waiting since that alarm, and its reaction as the first acknowledgement', () => {
    // zone_enter at 14:00, acknowledged after 60 s; raised to critical (reopened) 30 min later.
    const alarm = T0 + 1800 * S;
    const waiting = row({ createdAt: T0, acknowledgedAt: T0 + 60 * S, alarmedAt: alarm, severity: 'critical' });
    const r = buildAlertReport([waiting], ctx({ now: alarm + 20 * S }));
    expect(r.acknowledge).toMatchObject({ waiting: 1, oldestWaitingMs: 20 * S, count: 1, maxMs: 60 * S });
    // Acknowledged again 20 s after the alarm: still one reaction of 60 s, not one of 30 minutes.
    const again = row({ state: 'acknowledged', createdAt: T0, firstAcknowledgedAt: T0 + 60 * S, acknowledgedAt: alarm + 20 * S, alarmedAt: alarm, severity: 'critical' });
    expect(buildAlertReport([again], ctx({ now: alarm + 30 * S })).acknowledge).toMatchObject({ waiting: 0, count: 1, maxMs: 60 * S });
  });

  it('ranks rules, regions and cameras by alerts, with names, and keeps only the top cameras', () => {
    const rows = [
      row({ cameraId: 'cam-b', cameraName: 'River bend', regionId: 'vil-b', rule: 'crowd' }),
      row({ cameraId: 'cam-c', cameraName: null, regionId: 'gone' }),
      row({ outcome: 'false_alarm', state: 'resolved' }),
      row({ outcome: 'false_alarm', state: 'resolved' }),
      row({ cameraId: 'cam-d', regionId: null }),
    ];
    const r = buildAlertReport(rows, ctx({ topCameras: 2 }));
    expect(r.byRule).toEqual([
      { rule: 'zone_enter', alerts: 4, critical: 0, trueAlarms: 0, falseAlarms: 2 },
      { rule: 'crowd', alerts: 1, critical: 0, trueAlarms: 0, falseAlarms: 0 },
    ]);
    expect(r.byRegion.map((x) => [x.regionId, x.regionName, x.alerts])).toEqual([
      ['vil-a', 'Village A', 2],
      [null, null, 1],
      ['gone', null, 1],
      ['vil-b', 'Village B', 1],
    ]);
    expect(r.byCamera).toEqual([
      { cameraId: 'cam-a', cameraName: 'North pond', alerts: 2, critical: 0, trueAlarms: 0, falseAlarms: 2 },
      { cameraId: 'cam-b', cameraName: 'River bend', alerts: 1, critical: 0, trueAlarms: 0, falseAlarms: 0 },
    ]);
  });

  it('buckets alerts by the local hour of their start in the report time zone', () => {
    const rows = [row({ startedAt: T0 }), row({ startedAt: T0 + 59 * 60 * S }), row({ startedAt: T0 + 10 * 3600 * S })];
    const shanghai = buildAlertReport(rows, ctx()).byHour;
    expect(shanghai[14]).toBe(2);
    expect(shanghai[0]).toBe(1); // 14:00 + 10 h = 00:00 the next day
    const utc = buildAlertReport(rows, ctx({ timezone: 'UTC' })).byHour;
    expect(utc[6]).toBe(2);
    expect(utc[16]).toBe(1);
    expect(utc.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('adds the period\'s part of outages that began before it to the downtime, not to the alerts of the period', () => {
    // Dark since 30 min before the period, still dark now; a zone alert in the period.
    const darkBefore = row({ cameraId: 'cam-b', cameraName: 'River bend', rule: 'camera_offline', zoneId: null, startedAt: T0 - 3600 * S - 1800 * S });
    const r = buildAlertReport([row()], ctx({ outagesBefore: [darkBefore] }));
    expect(r.totals.alerts).toBe(1);
    expect(r.byRule).toEqual([{ rule: 'zone_enter', alerts: 1, critical: 0, trueAlarms: 0, falseAlarms: 0 }]);
    expect(r.acknowledge.waiting).toBe(1);
    expect(r.downtime).toEqual({
      outages: 1,
      offlineMs: 4200 * S, // from the period's start to now
      cameras: [{ cameraId: 'cam-b', cameraName: 'River bend', outages: 1, offlineMs: 4200 * S, stillOffline: true }],
    });
  });
});
