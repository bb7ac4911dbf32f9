import { type CameraConfig, effectiveRules } from '@xl/config';
import type { CameraStatusRecord } from '../camera-status/camera-status.repository';
import { hasCredentials, redactUrl } from '../common/redact';
import type { CameraRecord } from './cameras.repository';
import type { MaintenanceWindow } from './maintenance.repository';

export interface CameraAnalysis {
  /** Capture time (epoch ms) of its last analysed frame; null when none is known. */
  analysedAt: number | null;
  /** Set while its pictures go unanalysed: online but not analysed, or read by no ingest (analysis-health.ts). */
  unanalysedSince: number | null;
}

const NO_ANALYSIS: CameraAnalysis = { analysedAt: null, unanalysedSince: null };

/** How late the camera's stream arrived in the last minute, as ingest measured it. */
export interface StreamDelay {
  seconds: number;
  /** Epoch ms of the measurement. */
  at: number;
}

/** A camera as the API returns it: URLs redacted, credentials reduced to a flag. */
export function cameraView(record: CameraRecord, status: CameraStatusRecord | undefined, maintenance?: MaintenanceWindow, analysis: CameraAnalysis = NO_ANALYSIS, streamDelay?: StreamDelay) {
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
    /** Address, directions, coordinates, people to call and rescue equipment; null when not filled in. */
    site: c.site ?? null,
    status: status
      ? { status: status.status, reason: status.reason, detail: status.detail, since: status.since, offlineSince: status.offlineSince }
      : null,
    /** When its frames were last analysed, and since when an online camera has gone unanalysed (its rules cannot fire). */
    analysis,
    /**
     * Set while the stream arrives late (≥ 10 s behind real time, or the camera's lower
     * watchdog.maxDelaySeconds; measured within the last minute):
     * every alert of the camera comes that much later. Null when it is near live or not known.
     */
    streamDelay: streamDelay ?? null,
    /** The maintenance window in force: health alerts held back until `until`. */
    maintenance: maintenance ? { until: maintenance.until, note: maintenance.note, setBy: maintenance.setBy } : null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export type CameraView = ReturnType<typeof cameraView>;
