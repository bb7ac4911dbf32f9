import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { duplicateClient, type RedisClient } from '@xl/queue';
import { evidenceClipPath, evidenceSnapshotPath, type ClipRequest, type ClipResult } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { EvidenceRequestStream, EvidenceResultStream } from '@xl/queue';
import type { Alert } from '../alerts/alert';
import { CameraStatusRepository } from '../camera-status/camera-status.repository';
import { Clock } from '../common/clock';
import { LOGGER, REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { foreignResult } from './evidence-paths';
import { EvidenceMetrics } from './evidence.metrics';
import { EvidenceRepository } from './evidence.repository';
import { EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence.options';

const BLOCK_MS = 2000;
/** How often clips nobody answered are looked for. */
const UNANSWERED_CHECK_MS = 30_000;
/** How often requests that never reached the stream are looked for: a few tries while the camera still records what they ask for. */
const UNSENT_CHECK_MS = 10_000;
/**
 * A request is sent again once it is this old and still not on the stream: its first XADD may still
 * be waiting for Redis until then (the client retries a command a few times), and a second copy is
 * harmless anyway (ingest merges an alert's requests).
 */
export const RESEND_AFTER_MS = 15_000;
/** Requests sent again per check, newest first: after a long outage the rest follow at the next checks. */
const RESEND_BATCH = 200;

/**
 * The alert's times on the recording's clock. Frames are stamped when they reach ingest, so a stream
 * arriving late stamps every frame that much after the scene, while the recorder places segments at
 * scene time (docs/clips.md, "Wall-clock placement"): unshifted, a 12 s delay would start the clip
 * 12 s late and put the high-resolution snapshot 12 s after the flagged frame.
 */
export function sceneTimes(alert: Pick<Alert, 'startedAt' | 'capturedAt' | 'streamDelaySeconds'>): Pick<ClipRequest, 'startedAt' | 'lastAt' | 'snapshotAt'> {
  const seconds = alert.streamDelaySeconds;
  const delayMs = seconds !== null && seconds > 0 ? Math.round(seconds * 1000) : 0; // null: near live
  return { startedAt: alert.startedAt - delayMs, lastAt: alert.capturedAt - delayMs, snapshotAt: alert.capturedAt - delayMs };
}

/**
 * Asks the camera's ingest process for an alert's clip (on the request stream, when the alert opens
 * and each time it is updated, so the clip grows with it) and records what comes back on the result
 * stream, from the last entry handled (offset in the database, like the camera status stream).
 */
@Injectable()
export class EvidenceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly requests: EvidenceRequestStream;
  private reader?: RedisClient;
  private running = false;
  private loop?: Promise<void>;
  private unansweredTimer?: NodeJS.Timeout;
  private unsentTimer?: NodeJS.Timeout;
  /** A resend still under way (Redis slow or down): checks meanwhile are skipped rather than sending the same again. */
  private resending?: Promise<unknown>;

  constructor(
    private readonly evidence: EvidenceRepository,
    private readonly offsets: CameraStatusRepository,
    private readonly metrics: EvidenceMetrics,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(EVIDENCE_OPTIONS) private readonly options: EvidenceOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.requests = new EvidenceRequestStream(redis, { keyPrefix: settings.redisKeyPrefix });
  }

  /**
   * Called by the intake after an alert was created or updated. Never throws: the alert matters more.
   * The row says the request is due until it is on the stream: one that Redis refused is sent again
   * by `resendUnsent` (the event's retry is a duplicate and would ask for nothing).
   */
  async requestClip(alert: Alert): Promise<void> {
    const now = this.clock.now();
    try {
      await this.evidence.requested(alert.id, alert.cameraId, now);
    } catch (err) {
      this.logger.error({ alertId: alert.id, cameraId: alert.cameraId, err: (err as Error).message }, 'evidence clip not requested');
      return;
    }
    try {
      await this.requests.publish({ alertId: alert.id, cameraId: alert.cameraId, ...sceneTimes(alert), requestedAt: now });
    } catch (err) {
      this.logger.warn({ alertId: alert.id, cameraId: alert.cameraId, err: (err as Error).message, resendAfterMs: RESEND_AFTER_MS }, 'evidence clip request not sent; sending it again later');
      return;
    }
    await this.evidence.published(alert.id, now).catch((err: Error) => this.logger.warn({ alertId: alert.id, err: err.message }, 'evidence clip request sent but not marked sent; it may be sent twice'));
  }

  /**
   * Sends again the requests that never reached the stream (Redis refused the XADD), asked for at
   * least RESEND_AFTER_MS before `now`, while the camera may still hold what they ask for: its ring
   * keeps a segment `recording.windowSeconds` after it ended, and the request's window ends
   * `postSeconds` after the alert's latest event, which is at or before the request. Past that, no
   * ingest could cut anything (no_answer follows after the answer timeout). Returns how many were sent.
   */
  async resendUnsent(now = this.clock.now()): Promise<number> {
    let sent = 0;
    for (const r of await this.evidence.unsent(now - RESEND_AFTER_MS, RESEND_BATCH)) {
      const boundMs = (r.recording.windowSeconds + r.recording.postSeconds) * 1000;
      const ageMs = now - r.requestedAt;
      if (ageMs > boundMs) {
        this.logger.warn(
          { alertId: r.alertId, cameraId: r.cameraId, requestedAt: r.requestedAt, ageSeconds: Math.round(ageMs / 1000), boundSeconds: boundMs / 1000 },
          'evidence clip request never sent, and its recording is gone by now: not sent again',
        );
        await this.evidence.published(r.alertId, r.requestedAt);
        continue;
      }
      // Rebuilt from the alert as stored now: the same request, or a later update's if that was lost too.
      await this.requests.publish({ alertId: r.alertId, cameraId: r.cameraId, ...sceneTimes(r), requestedAt: r.requestedAt });
      await this.evidence.published(r.alertId, r.requestedAt);
      sent += 1;
      this.logger.info({ alertId: r.alertId, cameraId: r.cameraId, requestedAt: r.requestedAt, ageSeconds: Math.round(ageMs / 1000), boundSeconds: boundMs / 1000 }, 'evidence clip request sent again');
    }
    return sent;
  }

  onApplicationBootstrap(): void {
    if (!this.settings.runWorkers) return;
    this.reader = duplicateClient(this.redis);
    this.reader.on('error', (err) => this.logger.warn({ err: err.message }, 'evidence result reader error'));
    this.running = true;
    this.loop = this.follow(new EvidenceResultStream(this.reader, { keyPrefix: this.settings.redisKeyPrefix }));
    this.unansweredTimer = setInterval(() => void this.expireUnanswered().catch((err: Error) => this.logger.error({ err: err.message }, 'expiring unanswered clip requests failed')), UNANSWERED_CHECK_MS);
    this.unansweredTimer.unref();
    this.unsentTimer = setInterval(() => {
      if (this.resending) return;
      this.resending = this.resendUnsent()
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'sending unsent clip requests again failed; trying at the next check'))
        .finally(() => (this.resending = undefined));
    }, UNSENT_CHECK_MS);
    this.unsentTimer.unref();
  }

  /**
   * A clip nobody answered (no ingest owns the camera, all are down, the request was lost) would say
   * "being cut" forever; past EVIDENCE_ANSWER_TIMEOUT_SECONDS since its latest request it says
   * unavailable, no_answer. Returns how many it marked.
   */
  async expireUnanswered(now = this.clock.now()): Promise<number> {
    const expired = await this.evidence.expirePending(now - this.options.EVIDENCE_ANSWER_TIMEOUT_SECONDS * 1000, now);
    if (expired) {
      this.metrics.results.inc({ status: 'unavailable' }, expired);
      this.logger.warn({ clips: expired, timeoutSeconds: this.options.EVIDENCE_ANSWER_TIMEOUT_SECONDS }, 'clip requests nobody answered: marked unavailable (no ingest owns the camera?)');
    }
    return expired;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.unansweredTimer);
    clearInterval(this.unsentTimer);
    this.running = false;
    this.reader?.disconnect();
    await this.loop;
    await this.resending; // not past the database's close
  }

  /**
   * Applies one result (idempotent: an older result never replaces a newer one). A result that is not
   * the alert's own — another camera, or files other than the alert's clips/<camera>/<alert> ones —
   * is refused: it could point the alert at another alert's clip.
   */
  async apply(result: ClipResult): Promise<void> {
    const alertCameraId = await this.evidence.alertCamera(result.alertId);
    const foreign = foreignResult(result, alertCameraId);
    if (foreign) {
      this.metrics.refused.inc({ why: foreign });
      this.logger.warn(
        {
          alertId: result.alertId, cameraId: result.cameraId, alertCameraId: alertCameraId ?? null, why: foreign, ingestId: result.ingestId,
          clipPath: result.clipPath ?? null, snapshotPath: result.snapshotPath ?? null,
          expectedClipPath: alertCameraId === undefined ? null : evidenceClipPath(alertCameraId, result.alertId),
          expectedSnapshotPath: alertCameraId === undefined ? null : evidenceSnapshotPath(alertCameraId, result.alertId),
        },
        "evidence result refused: not the alert's own camera and files",
      );
      return;
    }
    if (await this.evidence.applyResult(result, this.clock.now())) {
      this.metrics.results.inc({ status: result.status });
      this.logger.info({ alertId: result.alertId, cameraId: result.cameraId, status: result.status, reason: result.reason }, 'evidence stored');
    }
  }

  private async follow(stream: EvidenceResultStream): Promise<void> {
    const key = stream.key;
    while (this.running) {
      try {
        const from = (await this.offsets.streamOffset(key)) ?? '0';
        const page = await stream.read(from, { blockMs: BLOCK_MS });
        let offset = from;
        const advance = (to: string) => this.offsets.advanceStreamOffset(key, offset === '0' ? undefined : offset, to);
        let overtaken = false;
        for (const item of page.items) {
          await this.apply(item.value);
          // handled, then the offset moves; another instance that moved it first handled the same entries
          if (!(await advance(item.id))) {
            overtaken = true;
            break;
          }
          offset = item.id;
        }
        if (page.skipped.length) this.logger.warn({ ids: page.skipped, stream: key }, 'skipping evidence result entries that are not clip results');
        // Past entries that are not results too (the last one read may be one): else they are read again at once, for ever.
        if (!overtaken && page.lastId && page.lastId !== offset) await advance(page.lastId);
      } catch (err) {
        if (!this.running) return;
        this.logger.error({ err: (err as Error).message }, 'evidence result stream read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}
