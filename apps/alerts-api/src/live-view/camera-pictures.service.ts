import { createHash } from 'node:crypto';
import { Inject, Injectable, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { notFoundWithReason } from '../common/reasoned-errors';
import type { OfflineReason } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { ScopeService } from '../auth/scope.service';
import { CamerasRepository, UnreadableCameraError } from '../cameras/cameras.repository';
import { LOGGER } from '../core/tokens';
import type { Principal } from '../shared/principal';
import { AnalysisStreams } from './analysis-streams';
import { FrameGrabber, FrameGrabError } from './frame-grabber';
import { LatestFrameStore, type StoredPicture } from './latest-frame.store';
import type { LiveCameraLookup } from './live-view-server';
import { LiveViewMetrics } from './live-view.metrics';
import { LIVE_VIEW_OPTIONS, type LiveViewOptions } from './live-view.options';

/** Where a picture comes from: the analyzer's latest analysed frame, or the camera itself (a grab). */
export type PictureSource = 'analysed' | 'camera';

/**
 * Pictures of a camera for the console: its latest frame — the analyzer's picture while one is
 * fresh, else one grabbed from the camera (shared through Redis for `frameTtlMs`) — and the stream
 * URL the live view transcodes. Both answer only for cameras in the caller's scope (404 otherwise,
 * like every other endpoint).
 */
@Injectable()
export class CameraPicturesService implements LiveCameraLookup {
  /** One grab per camera and URL at a time (grabKey): concurrent requests wait for the same picture. */
  private readonly inFlight = new Map<string, Promise<StoredPicture>>();
  /**
   * Cameras that gave no picture recently, with the grabKey of the URL that failed: asked again only
   * after frameTtlMs (a wall polls offline cameras too), or at once from a URL an admin has fixed since.
   */
  private readonly failures = new Map<string, { key: string; at: number; message: string; reason: OfflineReason }>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly cameras: CamerasRepository,
    private readonly scope: ScopeService,
    private readonly store: LatestFrameStore,
    private readonly grabber: FrameGrabber,
    private readonly metrics: LiveViewMetrics,
    private readonly analysis: AnalysisStreams,
    @Inject(LIVE_VIEW_OPTIONS) private readonly options: LiveViewOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async stream(principal: Principal, cameraId: string): Promise<{ url: string; analysed: boolean } | null> {
    const config = await this.visibleCamera(principal, cameraId);
    return config ? { url: config.subUrl ?? config.url, analysed: config.enabled } : null;
  }

  /**
   * The camera's latest JPEG: with `from: 'analysed'` the analyzer's picture when one is fresh (the
   * camera wall: no RTSP session per tile), else, and always with `from: 'camera'` (the zone editor:
   * the stream at up to frameWidth, sharper than the analyzer's 416 px), a grab. 404 out of scope, and
   * 404 naming the camera and the reason when it gives no picture (like an alert without a snapshot).
   */
  async latestFrame(principal: Principal, cameraId: string, from: PictureSource = 'analysed'): Promise<StoredPicture & { source: PictureSource }> {
    const config = await this.visibleCamera(principal, cameraId);
    if (!config) throw new NotFoundException(`camera '${cameraId}' not found`);
    const analysed = from === 'analysed' ? await this.store.analysed(cameraId).catch(() => null) : null; // Redis down: grab directly
    if (analysed) {
      this.metrics.frameGrabs.inc({ result: 'analysed' });
      return { ...analysed, source: 'analysed' };
    }
    const url = config.subUrl ?? config.url;
    const key = grabKey(cameraId, url);
    const cached = await this.store.grabbed(key).catch(() => null);
    if (cached) {
      this.metrics.frameGrabs.inc({ result: 'cached' });
      return { ...cached, source: 'camera' };
    }
    // Analysis goes first: a grab would take one of the streams the camera refuses its analysis. A
    // disabled camera has none to step aside for (ingest stopped reading it; its last word was the refusal).
    if (config.enabled && this.analysis.isWaiting(cameraId)) {
      this.metrics.frameGrabs.inc({ result: 'skipped_for_analysis' });
      throw noPicture({ message: `camera '${cameraId}' has no stream left for analysis: no picture grabbed, so that analysis gets one`, reason: 'busy' });
    }
    const failed = this.failures.get(cameraId);
    if (failed?.key === key && Date.now() - failed.at < this.options.frameTtlMs) throw noPicture(failed);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.grab(cameraId, url, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return { ...(await pending), source: 'camera' };
  }

  private async grab(cameraId: string, url: string, key: string): Promise<StoredPicture> {
    await this.slot();
    try {
      const jpeg = await this.grabber.grab(url, { width: this.options.frameWidth, ioTimeoutSeconds: Math.min(5, this.options.frameTimeoutMs / 1000), timeoutMs: this.options.frameTimeoutMs });
      this.metrics.frameGrabs.inc({ result: 'grabbed' });
      if (this.failures.get(cameraId)?.key === key) this.failures.delete(cameraId);
      const takenAt = Date.now(); // the grab reads the stream's first picture: now, give or take the connect
      await this.store.putGrabbed(key, jpeg, this.options.frameTtlMs, takenAt).catch((err: Error) => this.logger.warn({ cameraId, err: err.message }, 'latest frame not cached in Redis'));
      return { jpeg, takenAt };
    } catch (err) {
      this.metrics.frameGrabs.inc({ result: 'failed' });
      const failure = {
        key,
        at: Date.now(),
        message: `camera '${cameraId}' gave no picture: ${(err as Error).message}`,
        reason: err instanceof FrameGrabError ? err.reason : ('exited' as const),
      };
      this.failures.set(cameraId, failure);
      throw noPicture(failure);
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.running--;
    }
  }

  /** Waits for one of the `maxFrameGrabs` slots (ffmpeg processes are the expensive part). */
  private async slot(): Promise<void> {
    if (this.running < this.options.maxFrameGrabs) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private async visibleCamera(principal: Principal, cameraId: string) {
    const record = await this.cameras.get(cameraId).catch(async (err: unknown) => {
      if (!(err instanceof UnreadableCameraError)) throw err;
      // Named only to who may see the camera (GET /cameras/:id answers the same).
      const placement = await this.cameras.placement(cameraId);
      if (!placement || !(await this.scope.canSeeCamera(principal, cameraId, placement.regionId))) return undefined;
      throw new InternalServerErrorException(`${err.message}: no picture until it is fixed`);
    });
    if (!record) return null;
    const visible = await this.scope.canSeeCamera(principal, cameraId, record.config.regionId ?? null);
    return visible ? record.config : null;
  }
}

/**
 * What a grab is cached and deduplicated under: the camera and the URL grabbed, so that a camera
 * whose URL was changed is grabbed afresh at once. A digest: the URL may carry a password, and this
 * names a Redis key.
 */
function grabKey(cameraId: string, url: string): string {
  return `${cameraId}#${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/** 404 with the reason as ingest names a camera going offline, so a client can say it in its language. */
function noPicture(failure: { message: string; reason: OfflineReason }): NotFoundException {
  return notFoundWithReason(failure.message, failure.reason);
}
