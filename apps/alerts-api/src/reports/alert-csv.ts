// The alerts of a report as a spreadsheet: one row per alert, local times in the report's time zone
// (named in the header), reaction times in seconds so that a spreadsheet can sum and sort them.
import type { ReportRow } from './alert-report';
import { csvDocument, type CsvValue } from './csv';

const seconds = (from: number, to: number | null): number | null => (to === null ? null : Math.max(0, Math.round((to - from) / 1000)));

export function alertsCsv(rows: readonly ReportRow[], timezone: string, regionNames: ReadonlyMap<string, string>): string {
  // sv-SE prints "2026-11-30 14:05:09", which spreadsheets read as a date-time.
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const at = (ms: number | null): string | null => (ms === null ? null : local.format(ms));
  const header = [
    'alert_id',
    `started (${timezone})`,
    'camera_id',
    'camera_name',
    'region_id',
    'region_name',
    'rule',
    'severity',
    'state',
    'outcome',
    'escalation_level',
    `acknowledged (${timezone})`,
    'acknowledged_by',
    'seconds_to_acknowledge',
    `resolved (${timezone})`,
    'seconds_to_resolve',
  ];
  const lines = rows.map((r): CsvValue[] => [
    r.id,
    at(r.startedAt),
    r.cameraId,
    r.cameraName,
    r.regionId,
    r.regionId ? (regionNames.get(r.regionId) ?? null) : null,
    r.rule,
    r.severity,
    r.state,
    r.outcome,
    r.escalationLevel,
    at(r.acknowledgedAt),
    r.acknowledgedBy,
    seconds(r.createdAt, r.acknowledgedAt),
    at(r.resolvedAt),
    seconds(r.createdAt, r.resolvedAt),
  ]);
  return csvDocument(header, lines);
}
