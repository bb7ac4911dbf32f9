import { alertsCsv } from './alert-csv';
import type { ReportRow } from './alert-report';
import { csvDocument, csvField, csvLine } from './csv';

describe('csv', () => {
  it('quotes what needs quoting and doubles quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    for (const bad of ['=HYPERLINK("http://x","y")', '+1+1', '-2', '@SUM(A1)', '\tx', '\rx']) {
      const out = csvField(bad);
      expect(out.replace(/^"/, '').startsWith("'")).toBe(true);
    }
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
    expect(csvField('北塘 -1')).toBe('北塘 -1'); // only the first character matters
  });

  it('starts the document with a byte-order mark so that spreadsheets read UTF-8', () => {
    expect(csvDocument(['a', 'b'], [['北塘', 2]])).toBe('\uFEFFa,b\r\n北塘,2\r\n');
  });
});

describe('alertsCsv', () => {
  const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
  const row: ReportRow = {
    id: 'cam-a:pond:1',
    cameraId: 'cam-a',
    cameraName: '=cmd',
    regionId: 'vil-a',
    zoneId: 'pond',
    zoneName: '北塘',
    rule: 'vanish_in_water',
    severity: 'critical',
    state: 'resolved',
    outcome: 'true_alarm',
    escalationLevel: 1,
    startedAt: T0,
    createdAt: T0 + 1500,
    acknowledgedAt: T0 + 1500 + 42_400,
    firstAcknowledgedAt: T0 + 1500 + 42_400,
    acknowledgedBy: 'op-a',
    resolvedAt: T0 + 1500 + 600_000,
    alarmedAt: T0 + 1500,
  };

  it('writes one row per alert with local times in the report time zone and reaction times in seconds', () => {
    const lines = alertsCsv([row, { ...row, id: 'x', acknowledgedAt: null, firstAcknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, state: 'open', outcome: null, regionId: null, zoneId: null, zoneName: null }], 'Asia/Shanghai', new Map([['vil-a', 'Village A']]))
      .replace('\uFEFF', '')
      .split('\r\n');
    expect(lines[0]).toBe(
      'alert_id,started (Asia/Shanghai),camera_id,camera_name,region_id,region_name,rule,severity,state,outcome,escalation_level,acknowledged (Asia/Shanghai),acknowledged_by,seconds_to_acknowledge,resolved (Asia/Shanghai),seconds_to_resolve,zone_id,zone_name',
    );
    expect(lines[1]).toBe("cam-a:pond:1,2026-07-01 14:00:00,cam-a,'=cmd,vil-a,Village A,vanish_in_water,critical,resolved,true_alarm,1,2026-07-01 14:00:43,op-a,42,2026-07-01 14:10:01,600,pond,北塘");
    expect(lines[2]).toBe("x,2026-07-01 14:00:00,cam-a,'=cmd,,,vanish_in_water,critical,open,,1,,,,,,,");
    expect(lines[3]).toBe('');
  });
});
