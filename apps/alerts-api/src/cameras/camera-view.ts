import { type CameraConfig, effectiveRules } from '@xl/config';
import type { CameraStatusRecord } from '../camera-status/camera-status.repository';
import { hasCredentials, redactUrl } from '../common/redact';
import type { CameraRecord } from './cameras.repository';
import type { MaintenanceWindow } from './maintenance.repository';

/** A camera as the API returns it: URLs redacted, credentials reduced to a flag. */
export function cameraView(record: CameraRecord, status: CameraStatusRecord | undefined, maintenance?: MaintenanceWindow) {
  const c: CameraConfig = record.config;
  return {
    id: c.id,
    name: c.name ?? null,
    enabled: c.enabled,
    regionId: c.regionId ?? null,
    url: redactUrl(c.url),
    subUrl: c.subUrl ? redactUrl(c.subUrl) : null,
    hasCredentials: hasCredentials(c.url) || (c.subUrl ? hasCredentials(c.subUrl) : false),
    fps: c.fps,
    model: c.model,
    timezone: c.timezone,
    masks: c.masks,
    zones: c.zones,
    lines: c.lines,
    /** Explicit rules, or null when the zone types' defaults apply (see effectiveRules). */
    rules: c.rules ?? null,
    effectiveRules: effectiveRules(c),
    motion: c.motion,
    watchdog: c.watchdog,
    recording: c.recording,
    status: status
      ? { status: status.status, reason: status.reason, detail: status.detail, since: status.since, offlineSince: status.offlineSince }
      : null,
    /** The maintenance window in force: health alerts held back until `until`. */
    maintenance: maintenance ? { until: maintenance.until, note: maintenance.note, setBy: maintenance.setBy } : null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export type CameraView = ReturnType<typeof cameraView>;
