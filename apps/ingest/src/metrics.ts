import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RestartReason } from '@xl/media';

/** What happened to a frame that ffmpeg delivered. */
export type FrameOutcome = 'published' | 'dropped_inflight' | 'skipped_no_motion' | 'error';

/** Ingest's Prometheus metrics on a registry of its own. Labels carry camera ids, never URLs. */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly frames = new Counter({
    name: 'xl_ingest_frames_total',
    help: 'Frames received from ffmpeg, by outcome: published (to the frames queue), dropped_inflight (the camera already had a frame in flight), skipped_no_motion (motion gate), error (Redis failure)',
    labelNames: ['camera', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly published = new Counter({
    name: 'xl_ingest_published_total',
    help: 'Frames published, by why: motion, hot (the analyzer has live tracks), heartbeat',
    labelNames: ['camera', 'reason'] as const,
    registers: [this.registry],
  });
  readonly cameraUp = new Gauge({
    name: 'xl_camera_up',
    help: '1 while the camera delivers frames to this worker, 0 while it is offline',
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });
  readonly restarts = new Counter({
    name: 'xl_ffmpeg_restarts_total',
    help: 'ffmpeg respawns, by offline reason, source_changed (the camera changed its picture size mid-stream) or behind_live (the stream fell watchdog.maxDelaySeconds behind real time)',
    labelNames: ['camera', 'reason'] as const,
    registers: [this.registry],
  });
  readonly streamDelay = new Gauge({
    name: 'xl_camera_stream_delay_seconds',
    help: "How far behind real time the camera's analysis stream arrives (ffmpeg's stream time against the wall clock, above the lowest seen since it connected): a congested uplink or an overloaded ingest host; the camera's alerts come that much later",
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });
  readonly recordingPaused = new Gauge({
    name: 'xl_recording_paused',
    help: "1 while the camera's recording is paused so that its analysis reader gets the stream the camera refused it (busy: the camera serves no more streams); its alerts get no clip meanwhile",
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });
  readonly recordingInterruptions = new Counter({
    name: 'xl_recording_interruptions_total',
    help: "Runs of a camera's recorder that ended, by reason: the camera's outage reasons, busy (paused for analysis) or behind_live (more than watchdog.maxDelaySeconds behind real time, reconnected); each leaves a gap of a few seconds in its clips; storage: its directory could not be made or read (a full or failing disk), tried again with the back-off",
    labelNames: ['camera', 'reason'] as const,
    registers: [this.registry],
  });
  readonly owned = new Gauge({
    name: 'xl_ingest_cameras_owned',
    help: 'Cameras whose lease this worker holds',
    registers: [this.registry],
  });
  readonly clockOffset = new Gauge({
    name: 'xl_clock_offset_seconds',
    help: "The Redis server's clock minus this host's, as last measured: frames are stamped by Redis's time; large values mean this host needs NTP",
    registers: [this.registry],
  });
  readonly expiredJobs = new Counter({
    name: 'xl_ingest_frame_jobs_expired_total',
    help: 'Frame jobs removed from the frames queue because no analyzer took them before their frame bytes expired (FRAME_TTL_MS): analyzers down, or far behind',
    registers: [this.registry],
  });
  readonly leaseErrors = new Counter({
    name: 'xl_ingest_lease_errors_total',
    help: 'Lease rounds (renew/claim) that failed, e.g. Redis unreachable',
    registers: [this.registry],
  });
  readonly fenced = new Counter({
    name: 'xl_ingest_leases_fenced_total',
    help: 'Cameras this worker stopped because their lease went unrenewed for most of LEASE_TTL_MS (Redis unreachable): another worker may own them by now',
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });
  readonly configRejected = new Counter({
    name: 'xl_ingest_config_rejected_total',
    help: 'Published camera configurations that failed validation (each counted once); a running camera keeps its last valid configuration',
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });
  readonly statusUnpublished = new Gauge({
    name: 'xl_ingest_status_unpublished',
    help: 'Cameras whose latest status event is not on the status stream yet (Redis unreachable): published when it answers again',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'xl_ingest_' });
  }

  frame(camera: string, outcome: FrameOutcome): void {
    this.frames.inc({ camera, outcome });
  }

  restart(camera: string, reason: RestartReason): void {
    this.restarts.inc({ camera, reason });
  }

  /** Forgets a camera's series once this worker no longer owns it. */
  forget(camera: string): void {
    this.cameraUp.remove({ camera });
    this.streamDelay.remove({ camera });
    this.recordingPaused.remove({ camera });
  }
}
