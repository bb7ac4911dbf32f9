import type { CameraConfig } from '@xl/config';
import { CameraReader, fluentFfmpegLauncher, type FfmpegLauncher, type StartGate } from '@xl/media';
import type { Logger } from '@xl/observability';
import type { FrameSourceFactory } from '../ports';

export interface ReaderSettings {
  width: number;
  height: number;
  stopGraceMs: number;
  ffmpegPath?: string;
  /** Default: fluent-ffmpeg. */
  launcher?: FfmpegLauncher;
  /** Shared by all the worker's readers: how many may be starting at once. Default: no bound. */
  startGate?: StartGate;
  /** Epoch ms of frames and status events (the Redis server's time). Default Date.now. */
  now?: () => number;
}

/**
 * One supervised ffmpeg per camera, reading the sub stream when the camera has one (analysis needs
 * little resolution; the main stream is for clips and snapshots), else the main stream.
 */
export function cameraReaderFactory(settings: ReaderSettings, log: Logger): FrameSourceFactory {
  const launcher = settings.launcher ?? fluentFfmpegLauncher({ ffmpegPath: settings.ffmpegPath });
  return (camera: CameraConfig, handlers) => {
    const reader = new CameraReader({
      cameraId: camera.id,
      source: { kind: 'rtsp', url: camera.subUrl ?? camera.url },
      fps: camera.fps,
      width: settings.width,
      height: settings.height,
      watchdog: camera.watchdog,
      stopGraceMs: settings.stopGraceMs,
      launcher,
      startGate: settings.startGate,
      now: settings.now,
      logger: log.child({ camera: camera.id }),
    });
    reader.on('frame', handlers.frame);
    reader.on('online', handlers.online);
    reader.on('offline', handlers.offline);
    reader.on('recovered', handlers.recovered);
    reader.on('restart', handlers.restart);
    if (handlers.delay) reader.on('delay', handlers.delay);
    return reader;
  };
}
