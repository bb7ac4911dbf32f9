// The alerts of a report as a spreadsheet: one row per alert, local times in the report's time zone
// (named in the header), reaction times in seconds so that a spreadsheet can sum and sort them.
import type { ReportRow } from './alert-report';
import { csvDocument, type CsvValue } from './csv';
import { LocalTime } from './local-time';

const seconds = (from: number, to: number | null): number | null => (to === null ? null : Math.max(0, Math.round((to - from) / 1000)));

export function alertsCsv(rows: readonly ReportRow[], timezone: string, regionNames: ReadonlyMap<string, string>): string {
  const local = new LocalTime(timezone);
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
    // Last, so that spreadsheets built on the earlier columns keep working.
    'zone_id',
    'zone_name',
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
    seconds(r.createdAt, r.firstAcknowledgedAt),
    at(r.resolvedAt),
    seconds(r.createdAt, r.resolvedAt),
    r.zoneId,
    r.zoneName,
  ]);
  return csvDocument(header, lines);
}
