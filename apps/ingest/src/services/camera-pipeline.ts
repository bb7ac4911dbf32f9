// One owned camera: frames from its reader → motion gate → in-flight gate → Redis + frames queue,
// and its status events. Orchestration only: every side effect goes through a port.
import type { CameraConfig } from '@xl/config';
import type { CameraStatusEvent, DifferenceSample, FramePublishReason } from '@xl/contracts';
import { type RawFrame, STREAM_DELAY_WARN_SECONDS } from '@xl/media';
import type { Logger } from '@xl/observability';
import { computeLetterbox, MotionDetector, pictureRows } from '@xl/vision';
import type { FrameOutcome, IngestMetrics } from '../metrics';
import type { FramePublisher, FrameSource, FrameSourceFactory, StatusReporter, StreamDelayReporter } from '../ports';

export interface PipelineDeps {
  sources: FrameSourceFactory;
  publisher: FramePublisher;
  status: StatusReporter;
  metrics: IngestMetrics;
  log: Logger;
  ingestId: string;
  /** Told when the camera refused the reader because it serves no more streams (each try), and when the reader has its stream. */
  readerStream?: { refusedBusy(): void; flowing(): void };
  /** Told, every DELAY_MARK_INTERVAL_MS at most, while the stream arrives late (absent: nobody is). */
  delayMarks?: StreamDelayReporter;
}

/** How often a late stream's delay is reported; readers treat a mark a minute old as over. */
export const DELAY_MARK_INTERVAL_MS = 5000;

/** Bound of FrameJob.earlierDifferences: ~13 s at 5 fps, more than a heartbeat interval. */
export const MAX_EARLIER_DIFFERENCES = 64;

export class CameraPipeline {
  private source: FrameSource | null = null;
  private motion: MotionDetector | null = null;
  private motionFor = '';
  private lastPublishedAt = -Infinity;
  /** Differences of the frames not published since the last published one (FrameJob.earlierDifferences). */
  private unpublished: DifferenceSample[] = [];
  private busy = false;
  private delayMarkedAt = -Infinity;
  /** The stream's delay at the last reading of the current connection (0 before one). */
  private streamDelaySeconds = 0;
  private readonly heartbeatMs: number;
  private readonly cameraId: string;

  constructor(
    readonly camera: CameraConfig,
    private readonly deps: PipelineDeps,
  ) {
    this.cameraId = camera.id;
    this.heartbeatMs = camera.motion.heartbeatSeconds * 1000;
  }

  start(): void {
    if (this.source) return;
    const { metrics } = this.deps;
    const id = this.cameraId;
    this.source = this.deps.sources(this.camera, {
      frame: (frame) => void this.onFrame(frame),
      online: ({ at }) => {
        metrics.cameraUp.set({ camera: id }, 1);
        this.deps.readerStream?.flowing();
        this.status({ status: 'online', at });
      },
      offline: ({ at, reason, detail }) => {
        metrics.cameraUp.set({ camera: id }, 0);
        metrics.streamDelay.remove({ camera: id }); // no stream, no delay: the next connection measures afresh
        this.streamDelaySeconds = 0;
        this.motion?.reset(); // the next picture is not comparable with the last one before the outage
        this.unpublished = [];
        this.status({ status: 'offline', at, reason, detail });
      },
      recovered: ({ at }) => {
        metrics.cameraUp.set({ camera: id }, 1);
        this.deps.readerStream?.flowing();
        this.status({ status: 'recovered', at });
      },
      restart: ({ reason }) => {
        metrics.restart(id, reason);
        if (reason === 'busy') this.deps.readerStream?.refusedBusy();
        if (reason === 'behind_live') metrics.streamDelay.remove({ camera: id }); // the new connection measures afresh
        this.streamDelaySeconds = 0; // whatever the reason, frames of the next connection are not the old one's late
      },
      delay: ({ at, seconds }) => {
        metrics.streamDelay.set({ camera: id }, Math.round(seconds * 100) / 100);
        this.streamDelaySeconds = seconds;
        this.reportDelay(at, seconds);
      },
    });
    this.source.start();
  }

  /**
   * A late stream makes every alert of the camera late: the console says so on the camera's tile.
   * Late means the warning threshold, or the camera's reconnect bound when that is lower (a stream
   * reconnected at 5 s never reaches 10, yet keeps falling behind).
   */
  private reportDelay(at: number, seconds: number): void {
    const marks = this.deps.delayMarks;
    const max = this.camera.watchdog.maxDelaySeconds;
    const late = max > 0 ? Math.min(STREAM_DELAY_WARN_SECONDS, max) : STREAM_DELAY_WARN_SECONDS;
    if (!marks || seconds < late || at - this.delayMarkedAt < DELAY_MARK_INTERVAL_MS) return;
    this.delayMarkedAt = at;
    marks.mark(this.cameraId, { seconds, at }).catch((err: Error) => this.deps.log.warn({ camera: this.cameraId, err: err.message }, 'stream delay not reported'));
  }

  /** Stops the reader. Its status events are the outbox's to deliver: a Redis outage must not hold up the stop. */
  async stop(): Promise<void> {
    const source = this.source;
    this.source = null;
    if (source) await source.stop();
    this.deps.metrics.forget(this.cameraId);
  }

  /** Decides and publishes one frame; returns what happened to it. The frame's buffer is handed back after. */
  async onFrame(frame: RawFrame): Promise<FrameOutcome> {
    let outcome: FrameOutcome;
    try {
      outcome = await this.handle(frame);
    } catch (err) {
      // e.g. masks that leave nothing to measure: the camera's frames fail, the process carries on
      this.deps.log.error({ camera: this.cameraId, seq: frame.seq, err: (err as Error).message }, 'frame not handled');
      outcome = 'error';
    } finally {
      frame.release();
    }
    this.deps.metrics.frame(this.cameraId, outcome);
    return outcome;
  }

  private async handle(frame: RawFrame): Promise<FrameOutcome> {
    const { width, height, source } = frame;
    const letterbox = computeLetterbox(source.width, source.height, width, height);
    const detector = this.motionDetector(frame, letterbox);
    const motion = detector.update(frame.data);
    const difference = detector.difference;
    const reason = await this.publishReason(motion, frame.capturedAt);
    const own: DifferenceSample[] = difference === null ? [] : [{ at: frame.capturedAt, difference }];
    if (!reason || this.busy) {
      this.keepDifferences(own);
      // One frame of this camera on its way to Redis at a time; a frame arriving meanwhile would only
      // find the in-flight gate held anyway.
      return reason ? 'dropped_inflight' : 'skipped_no_motion';
    }
    this.busy = true;
    const earlierDifferences = this.unpublished;
    this.unpublished = [];
    const rows = pictureRows(letterbox, width, height);
    let result: FrameOutcome = 'error';
    try {
      const job = {
        cameraId: this.cameraId,
        seq: frame.seq,
        capturedAt: frame.capturedAt,
        width,
        height,
        rows,
        pixelFormat: 'bgr24' as const,
        letterbox,
        reason,
        motion,
        difference,
        earlierDifferences,
        ...(this.streamDelaySeconds >= 1 ? { streamDelaySeconds: Math.round(this.streamDelaySeconds * 10) / 10 } : {}),
        ingestId: this.deps.ingestId,
      };
      // Only the picture rows travel; the analyzer restores the constant padding below them.
      result = await this.deps.publisher.publish(job, frame.data.subarray(0, rows * width * 3));
      if (result === 'published') {
        this.lastPublishedAt = frame.capturedAt;
        this.deps.metrics.published.inc({ camera: this.cameraId, reason });
      }
      return result;
    } catch (err) {
      this.deps.log.warn({ camera: this.cameraId, seq: frame.seq, err: (err as Error).message }, 'publishing a frame failed');
      return 'error';
    } finally {
      this.busy = false;
      // Not published (gate held, error): its samples go with the next published frame, in order.
      if (result !== 'published') {
        const later = this.unpublished;
        this.unpublished = [];
        this.keepDifferences([...earlierDifferences, ...own, ...later]);
      }
    }
  }

  private keepDifferences(samples: DifferenceSample[]): void {
    const all = this.unpublished.length ? [...this.unpublished, ...samples] : samples;
    this.unpublished = all.length > MAX_EARLIER_DIFFERENCES ? all.slice(-MAX_EARLIER_DIFFERENCES) : all;
  }

  /** Motion first (free), then the heartbeat (free), then the analyzer's hot mark (one Redis read). */
  private async publishReason(motion: number, capturedAt: number): Promise<FramePublishReason | null> {
    if (motion >= this.camera.motion.minChangedFraction && motion > 0) return 'motion';
    if (capturedAt - this.lastPublishedAt >= this.heartbeatMs) return 'heartbeat';
    try {
      if (await this.deps.publisher.isHot(this.cameraId)) return 'hot';
    } catch (err) {
      // Redis trouble: publishing would fail too; count the frame as skipped rather than guess.
      this.deps.log.debug({ camera: this.cameraId, err: (err as Error).message }, 'hot mark unreadable');
    }
    return null;
  }

  /** Built on the first frame and again when the stream size changes (masks depend on it). */
  private motionDetector(frame: RawFrame, letterbox: ReturnType<typeof computeLetterbox>): MotionDetector {
    const key = `${frame.source.width}x${frame.source.height}>${frame.width}x${frame.height}`;
    if (!this.motion || this.motionFor !== key) {
      this.motion = new MotionDetector({
        width: frame.width,
        height: frame.height,
        letterbox,
        masks: this.camera.masks,
        threshold: this.camera.motion.threshold,
      });
      this.motionFor = key;
    }
    return this.motion;
  }

  /** Status events go out in order (StatusOutbox). */
  private status(event: Omit<CameraStatusEvent, 'cameraId' | 'ingestId'>): void {
    this.deps.log.info({ camera: this.cameraId, status: event.status, reason: event.reason, detail: event.detail }, 'camera status');
    this.deps.status.report({ cameraId: this.cameraId, ingestId: this.deps.ingestId, ...event });
  }
}
