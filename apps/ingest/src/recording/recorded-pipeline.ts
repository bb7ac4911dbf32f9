// A camera pipeline that also records: the frame pipeline as before, plus the camera's segment
// recorder, attached to the clip service while this process owns the camera.
import path from 'node:path';
import type { CameraConfig } from '@xl/config';
import { SegmentRecorder } from '@xl/media';
import type { Logger } from '@xl/observability';
import type { IngestMetrics } from '../metrics';
import type { Pipeline } from '../services/ingest.service';
import type { ClipService } from './clip-service';
import type { PausableRecorder } from './ports';

export type RecorderFactory = (camera: CameraConfig) => PausableRecorder;

export interface RecorderSettings {
  /** Parent of the per-camera segment directories (local disk of this ingest host). */
  recordingDir: string;
  stopGraceMs: number;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Epoch ms segments are placed at (the Redis server's time, that of frames and alerts). Default Date.now. */
  now?: () => number;
}

/**
 * Records the main stream (`url`; a camera without a separate main stream has only that one, so
 * it records the stream it has), copied without decoding.
 */
export function segmentRecorderFactory(settings: RecorderSettings, log: Logger, metrics: IngestMetrics): RecorderFactory {
  return (camera) => {
    const recorder = new SegmentRecorder({
      cameraId: camera.id,
      url: camera.url,
      dir: path.join(settings.recordingDir, camera.id),
      segmentSeconds: camera.recording.segmentSeconds,
      windowSeconds: camera.recording.windowSeconds,
      ioTimeoutSeconds: camera.watchdog.ioTimeoutSeconds,
      stallSeconds: camera.watchdog.stallSeconds,
      backoffInitialSeconds: camera.watchdog.backoffInitialSeconds,
      backoffMaxSeconds: camera.watchdog.backoffMaxSeconds,
      maxDelaySeconds: camera.watchdog.maxDelaySeconds,
      stopGraceMs: settings.stopGraceMs,
      ffmpegPath: settings.ffmpegPath,
      ffprobePath: settings.ffprobePath,
      now: settings.now,
      logger: log.child({ camera: camera.id, part: 'recorder' }),
    });
    recorder.on('interrupted', ({ reason }) => metrics.recordingInterruptions.inc({ camera: camera.id, reason }));
    return recorder;
  };
}

export interface RecordedPipelineDeps {
  clips: ClipService;
  recorders: RecorderFactory;
  metrics: IngestMetrics;
  log: Logger;
}

/** The frame pipeline, built with the hooks that tell it when the camera refuses or serves its reader. */
export type FramePipelineFactory = (readerStream: { refusedBusy(): void; flowing(): void }) => Pipeline;

/**
 * Analysis goes first. A camera serves a few streams at most; when it refuses the analysis reader
 * ('busy': RTSP 503/453) while this camera's recorder holds one of them, the recorder is paused —
 * ffmpeg closes its session — so that the reader's next try gets the slot, and it resumes once the
 * reader has its stream (where the camera is still full, the recorder's own tries are refused and
 * back off; the reader keeps its stream). Evidence of that time is lost; a drowning warning is not.
 */
export function recordedPipeline(camera: CameraConfig, framesFor: FramePipelineFactory, deps: RecordedPipelineDeps): Pipeline {
  const { clips, metrics, log } = deps;
  const recorder = camera.recording.enabled ? deps.recorders(camera) : null;
  let starting: Promise<void> | null = null;
  let stopped = false;
  const frames = framesFor({
    refusedBusy() {
      if (!recorder || recorder.isPaused) return;
      const detail = 'the camera refused the analysis stream (busy): recording paused so that analysis gets the stream';
      void recorder.pause({ reason: 'busy', detail });
      if (!recorder.isPaused) return; // not started yet: it will be paused on the reader's next refusal
      log.warn({ camera: camera.id }, detail);
      metrics.recordingPaused.set({ camera: camera.id }, 1);
    },
    flowing() {
      if (!recorder?.isPaused) return;
      log.info({ camera: camera.id }, 'analysis has its stream: recording resumed');
      metrics.recordingPaused.set({ camera: camera.id }, 0);
      recorder.resume();
    },
  });
  return {
    start() {
      frames.start();
      starting = (async () => {
        // Before its first trim: the camera's previous recorder here may still have clips to cut, and
        // the requests attach() takes over (a restart on this host) may start before its window.
        if (recorder) clips.keepHandoverSegments(camera.id, recorder);
        const release = recorder ? await clips.keepRequestedSegments(camera, recorder) : null;
        try {
          if (stopped) return; // the recorder is stopped already: never started
          // A recorder that did not start is still attached: this process owns the camera, so its clip
          // requests get an answer from here (what is recorded, else none) instead of going unanswered.
          await recorder?.start().catch((err: Error) => log.error({ camera: camera.id, err: err.message }, 'recording not started'));
          // Stopped while the recorder started: attached now, it would outlive its detach (a restarted
          // camera's new attachment overwritten, its clip requests then ignored).
          if (stopped) return;
          await clips.attach(camera, recorder);
        } finally {
          release?.(); // attach() pinned what it took over
        }
      })().catch((err: Error) => log.error({ camera: camera.id, err: err.message }, 'clips of the camera not served'));
    },
    async stop() {
      stopped = true;
      // The reader and the recorder let go of the camera first (each within 2 × STOP_GRACE_MS): its
      // lease can go then. Its pending clips are cut afterwards, in the clip service's own time — one
      // may be re-encoding for minutes, which must hold up neither the lease nor the next owner.
      await Promise.all([frames.stop(), recorder?.stop()]);
      // An attach under way ends first, so that the detach finds it, and the hand-over is registered
      // before this resolves (the camera's next recorder pins its segments, ClipService.stop() waits for it).
      await starting;
      void clips.detach(camera);
    },
  };
}
