import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { duplicateClient, type RedisClient } from '@xl/queue';
import { CAMERA_STATUS_STREAM, type CameraStatusEvent } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { SYSTEM } from '../alerts/alert';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { AlertsRepository } from '../alerts/alerts.repository';
import { AlertsService } from '../alerts/alerts.service';
import { ScopeService } from '../auth/scope.service';
import { CamerasRepository } from '../cameras/cameras.repository';
import { MaintenanceRepository } from '../cameras/maintenance.repository';
import { Clock } from '../common/clock';
import { ApiMetrics } from '../core/api-metrics';
import { LOGGER, REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { EventPublisher } from '../shared/push-events';
import { ApiTimers, timerJobId } from '../timers/api-timers';
import { type CameraStatusRecord, CameraStatusRepository } from './camera-status.repository';
import { parseStatusEntry } from './status-event';

const TIMER = 'camera-offline';
const BLOCK_MS = 2000;
const SWEEP_BATCH = 200;

/**
 * Follows CAMERA_STATUS_STREAM from the last entry id it handled (persisted in the database, so a
 * restart neither skips nor replays much), stores each camera's status and pushes camera.status on
 * a change. A camera offline for CAMERA_OFFLINE_ALERT_SECONDS raises a camera_offline alert
 * (through the normal intake: deduplicated, escalated like any other); when the camera comes back
 * the system resolves that alert with outcome "recovered" — nobody has to close an outage that
 * ended by itself, and the audit trail still shows how long it lasted.
 */
@Injectable()
export class CameraStatusService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly streamKey: string;
  private reader?: RedisClient;
  private running = false;
  private loop?: Promise<void>;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly statuses: CameraStatusRepository,
    private readonly cameras: CamerasRepository,
    private readonly alerts: AlertsRepository,
    private readonly alertsService: AlertsService,
    private readonly intake: AlertIntakeService,
    private readonly timers: ApiTimers,
    private readonly maintenance: MaintenanceRepository,
    private readonly scope: ScopeService,
    private readonly publisher: EventPublisher,
    private readonly metrics: ApiMetrics,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.streamKey = `${settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`;
    timers.register(TIMER, (data) => this.offlineThresholdReached(String(data.cameraId), Number(data.offlineSince)));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.runWorkers) return;
    this.metrics.camerasOffline.set(await this.statuses.countOffline());
    this.reader = duplicateClient(this.redis);
    this.reader.on('error', (err) => this.logger.warn({ err: err.message }, 'status stream reader error'));
    this.running = true;
    this.loop = this.follow();
    this.sweepTimer = setInterval(() => void this.sweepOfflineThresholds().catch((err: Error) => this.logger.error({ err: err.message }, 'camera offline sweep failed')), this.settings.timerSweepSeconds * 1000);
    this.sweepTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.running = false;
    this.reader?.disconnect();
    await this.loop;
  }

  private async follow(): Promise<void> {
    while (this.running) {
      try {
        const from = (await this.statuses.streamOffset(this.streamKey)) ?? '0';
        const result = (await this.reader!.xread('COUNT', 100, 'BLOCK', BLOCK_MS, 'STREAMS', this.streamKey, from)) as
          | [string, [string, string[]][]][]
          | null;
        let offset = from;
        for (const [id, fields] of result?.[0]?.[1] ?? []) {
          const event = parseStatusEntry(fields);
          if (event) await this.handle(event);
          else this.logger.warn({ id, stream: this.streamKey }, 'skipping a status stream entry that is not a CameraStatusEvent');
          // At-least-once: handled, then the offset moves. If another instance moved it first it
          // handled the same entries; handling is idempotent, so we just re-read the offset.
          if (!(await this.statuses.advanceStreamOffset(this.streamKey, offset === '0' ? undefined : offset, id))) break;
          offset = id;
        }
      } catch (err) {
        if (!this.running) return;
        this.logger.error({ err: (err as Error).message }, 'camera status stream read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Applies one status event; idempotent (an event older than the last applied one is ignored). */
  async handle(event: CameraStatusEvent): Promise<void> {
    const current = await this.statuses.get(event.cameraId);
    if (current && event.at < current.updatedAt) return;
    const status = event.status === 'offline' ? 'offline' : 'online';
    const changed = !current || current.status !== status;
    const next: CameraStatusRecord =
      status === 'offline'
        ? {
            cameraId: event.cameraId,
            status,
            reason: event.reason ?? null,
            detail: event.detail ?? null,
            since: changed ? event.at : current!.since,
            offlineSince: changed ? event.at : (current!.offlineSince ?? event.at),
            ingestId: event.ingestId,
            updatedAt: event.at,
          }
        : {
            cameraId: event.cameraId,
            status,
            reason: null,
            detail: event.detail ?? null,
            since: changed ? event.at : current!.since,
            offlineSince: null,
            ingestId: event.ingestId,
            updatedAt: event.at,
          };
    const visibleChange = changed || current?.reason !== next.reason || current?.detail !== next.detail;
    if (!visibleChange && current?.updatedAt === event.at) return; // the same entry again
    await this.statuses.save(next);
    this.metrics.camerasOffline.set(await this.statuses.countOffline());
    if (visibleChange) await this.push(next);
    if (!changed) return;
    if (status === 'offline') await this.armOfflineTimer(next);
    else if (current?.status === 'offline') await this.recovered(current, event.at);
  }

  private async armOfflineTimer(record: CameraStatusRecord): Promise<void> {
    const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
    if (!threshold || record.offlineSince === null) return;
    const delay = record.offlineSince + threshold - this.clock.now();
    await this.timers.schedule(TIMER, timerJobId('offline', record.cameraId, record.offlineSince), { cameraId: record.cameraId, offlineSince: record.offlineSince }, delay);
  }

  /**
   * Raises the camera_offline alerts whose timer did not fire (Redis lost the job, a stalled worker):
   * cameras offline past the threshold plus one sweep interval with no alert for this outage, outside
   * a maintenance window (whose end raises it). Returns how many it raised.
   */
  async sweepOfflineThresholds(): Promise<number> {
    const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
    if (!threshold) return 0;
    const now = this.clock.now();
    let raised = 0;
    for (const record of await this.statuses.offlineSince(now - threshold - this.settings.timerSweepSeconds * 1000, SWEEP_BATCH)) {
      if (record.offlineSince === null) continue;
      if (await this.alerts.get(offlineAlertId(record.cameraId, record.offlineSince))) continue;
      if (await this.maintenance.activeAt(record.cameraId, now)) continue;
      this.logger.warn({ cameraId: record.cameraId, offlineSince: record.offlineSince }, 'camera offline past the threshold without its alert (timer lost?); raising it from the sweep');
      await this.offlineThresholdReached(record.cameraId, record.offlineSince);
      raised++;
    }
    return raised;
  }

  private async offlineThresholdReached(cameraId: string, offlineSince: number): Promise<void> {
    const current = await this.statuses.get(cameraId);
    if (!current || current.status !== 'offline' || current.offlineSince !== offlineSince) return;
    const why = [current.reason, current.detail].filter(Boolean).join(': ');
    await this.intake.consume({
      alertId: offlineAlertId(cameraId, offlineSince),
      kind: 'created',
      cameraId,
      ruleId: 'health.offline',
      rule: 'camera_offline',
      severity: 'major',
      startedAt: offlineSince,
      capturedAt: offlineSince,
      score: 1,
      boxes: [],
      message: `camera offline for more than ${this.settings.cameraOfflineAlertSeconds} s${why ? ` (${why})` : ''}`,
    });
    // The camera may have come back while the alert was being stored: its recovery then found no
    // alert to resolve, and this one would stay open (and escalate) for a camera that is online.
    const after = await this.statuses.get(cameraId);
    if (after && after.status === 'offline' && after.offlineSince === offlineSince) return;
    const backAt = after?.status === 'online' ? after.since : this.clock.now();
    await this.alertsService.resolveBySystem(offlineAlertId(cameraId, offlineSince), SYSTEM.cameraStatus, {
      kind: 'camera_recovered',
      offlineSeconds: Math.round((backAt - offlineSince) / 1000),
    });
  }

  /**
   * A maintenance window ended: a camera still offline past the threshold gets its camera_offline
   * now (the one held back during the window, or one that would have come); a shorter outage keeps
   * its pending timer.
   */
  async maintenanceEnded(cameraId: string): Promise<void> {
    const current = await this.statuses.get(cameraId);
    const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
    if (!current || current.status !== 'offline' || current.offlineSince === null || !threshold) return;
    if (this.clock.now() >= current.offlineSince + threshold) await this.offlineThresholdReached(cameraId, current.offlineSince);
  }

  private async recovered(previous: CameraStatusRecord, at: number): Promise<void> {
    if (previous.offlineSince !== null) await this.timers.cancel(timerJobId('offline', previous.cameraId, previous.offlineSince));
    const seconds = previous.offlineSince !== null ? Math.round((at - previous.offlineSince) / 1000) : null;
    for (const alert of await this.alerts.unresolvedOf(previous.cameraId, 'camera_offline')) {
      await this.alertsService.resolveBySystem(alert.id, SYSTEM.cameraStatus, { kind: 'camera_recovered', offlineSeconds: seconds });
    }
  }

  private async push(record: CameraStatusRecord): Promise<void> {
    const placement = await this.cameras.placement(record.cameraId);
    try {
      await this.publisher.publish({
        type: 'camera.status',
        scope: await this.scope.resourceOf(record.cameraId, placement?.regionId ?? null),
        data: {
          cameraId: record.cameraId,
          cameraName: placement?.name ?? null,
          status: record.status,
          reason: record.reason,
          detail: record.detail,
          since: record.since,
          offlineSince: record.offlineSince,
        },
      });
    } catch (err) {
      this.logger.error({ err: (err as Error).message, cameraId: record.cameraId }, 'pushing camera.status failed');
    }
  }
}

/** One camera_offline alert per outage: deduplicated by intake, found again by the sweep. */
function offlineAlertId(cameraId: string, offlineSince: number): string {
  return `camera_offline:${cameraId}:${offlineSince}`;
}
