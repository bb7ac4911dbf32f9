// A camera pipeline that also records: the frame pipeline as before, plus the camera's segment
// recorder, attached to the clip service while this process owns the camera.
import path from 'node:path';
import type { CameraConfig } from '@xl/config';
import { SegmentRecorder } from '@xl/media';
import type { Logger } from '@xl/observability';
import type { Pipeline } from '../services/ingest.service';
import type { ClipService } from './clip-service';
import type { Recorder } from './ports';

export type RecorderFactory = (camera: CameraConfig) => Recorder;

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
export function segmentRecorderFactory(settings: RecorderSettings, log: Logger): RecorderFactory {
  return (camera) =>
    new SegmentRecorder({
      cameraId: camera.id,
      url: camera.url,
      dir: path.join(settings.recordingDir, camera.id),
      segmentSeconds: camera.recording.segmentSeconds,
      windowSeconds: camera.recording.windowSeconds,
      ioTimeoutSeconds: camera.watchdog.ioTimeoutSeconds,
      stallSeconds: camera.watchdog.stallSeconds,
      backoffInitialSeconds: camera.watchdog.backoffInitialSeconds,
      backoffMaxSeconds: camera.watchdog.backoffMaxSeconds,
      stopGraceMs: settings.stopGraceMs,
      ffmpegPath: settings.ffmpegPath,
      ffprobePath: settings.ffprobePath,
      now: settings.now,
      logger: log.child({ camera: camera.id, part: 'recorder' }),
    });
}

export function recordedPipeline(camera: CameraConfig, frames: Pipeline, clips: ClipService, recorders: RecorderFactory, log: Logger): Pipeline {
  let starting: Promise<void> | null = null;
  return {
    start() {
      frames.start();
      const recorder = camera.recording.enabled ? recorders(camera) : null;
      starting = (async () => {
        await recorder?.start();
        await clips.attach(camera, recorder);
      })().catch((err: Error) => log.error({ camera: camera.id, err: err.message }, 'recording not started'));
    },
    async stop() {
      await starting;
      await Promise.all([frames.stop(), clips.detach(camera.id)]);
    },
  };
}
