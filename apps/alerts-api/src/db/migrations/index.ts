import type { Migration } from 'kysely';

/**
 * Every migration, in order (applied by name, sorted). Adding one is one line: create
 * `NNNN_name.ts` next to this file exporting `up` (and `down`) and append
 * `['NNNN_name', () => import('./NNNN_name')],`. Names are never renamed or reordered once shipped.
 */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, load: () => Promise<Migration>]> = [
  ['0001_initial', () => import('./0001_initial')],
  ['0002_webhooks', () => import('./0002_webhooks')],
  ['0003_evidence', () => import('./0003_evidence')],
  ['0004_maintenance', () => import('./0004_maintenance')],
  ['0005_alarmed_at', () => import('./0005_alarmed_at')],
  ['0006_transition_detail', () => import('./0006_transition_detail')],
  ['0007_sweep_indexes', () => import('./0007_sweep_indexes')],
  ['0008_password_changed_at', () => import('./0008_password_changed_at')],
  ['0009_school_waters', () => import('./0009_school_waters')],
  ['0010_alert_stream_delay', () => import('./0010_alert_stream_delay')],
  ['0011_camera_site', () => import('./0011_camera_site')],
  ['0012_alert_snapshots', () => import('./0012_alert_snapshots')],
  ['0013_camera_site_text', () => import('./0013_camera_site_text')],
  ['0014_webhook_waters', () => import('./0014_webhook_waters')],
  ['0015_alarm_push', () => import('./0015_alarm_push')],
  ['0016_unpushed_index', () => import('./0016_unpushed_index')],
  ['0017_related_alert_index', () => import('./0017_related_alert_index')],
  ['0018_update_push_due', () => import('./0018_update_push_due')],
  ['0019_camera_recovery', () => import('./0019_camera_recovery')],
  ['0020_evidence_request_due', () => import('./0020_evidence_request_due')],
  ['0021_evidence_duration', () => import('./0021_evidence_duration')],
  ['0022_held_health_alerts', () => import('./0022_held_health_alerts')],
  ['0023_outage_index', () => import('./0023_outage_index')],
  ['0024_recovery_stability', () => import('./0024_recovery_stability')],
  ['0025_retention_indexes', () => import('./0025_retention_indexes')],
  ['0026_unstable_links', () => import('./0026_unstable_links')],
];
