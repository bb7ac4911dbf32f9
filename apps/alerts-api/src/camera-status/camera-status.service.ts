import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { duplicateClient, type RedisClient } from '@xl/queue';
import { type AlertEvent, CAMERA_STATUS_STREAM, type CameraStatusEvent } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { type Alert, SYSTEM } from '../alerts/alert';
import type { TransitionDetail } from '../alerts/transition-detail';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { AlertsRepository } from '../alerts/alerts.repository';
import { AlertsService } from '../alerts/alerts.service';
import { EscalationService } from '../alerts/escalation.service';
import { ScopeService } from '../auth/scope.service';
import { CamerasRepository } from '../cameras/cameras.repository';
import { MaintenanceRepository } from '../cameras/maintenance.repository';
import { Clock } from '../common/clock';
import { ApiMetrics } from '../core/api-metrics';
import { LOGGER, REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { EventPublisher } from '../shared/push-events';
import { ApiTimers, timerJobId } from '../timers/api-timers';
import { type CameraStatusRecord, CameraStatusRepository, type UnconfirmedRecovery, UNSTABLE_RULE_ID } from './camera-status.repository';
import { PagedSweep, type SweepList } from './paged-sweep';
import { parseStatusEntry } from './status-event';
import { type DarkShare, type Drop, darkShare, isUnstable, type UnstableBound, withDrop } from './unstable-link';

const TIMER = 'camera-offline';
const STABLE_TIMER = 'camera-stable';
const BLOCK_MS = 2000;
/** Rows a sweep reads per query, and queries per sweep at most; a longer list goes on at the next sweep. */
const SWEEP_BATCH = 200;
const SWEEP_PAGES = 5;
/**
 * Times one status entry is applied before handle gives up (the stream loop retries it a second
 * later): each lost try means another instance stored a status of this camera meanwhile.
 */
const HANDLE_TRIES = 5;
/** Unhandled status entries read at most before a recovery is confirmed, and per read. */
const PENDING_SCAN_MAX = 2000;
const PENDING_SCAN_PAGE = 500;

/**
 * Follows CAMERA_STATUS_STREAM from the last entry id it handled (persisted in the database, so a
 * restart neither skips nor replays much), stores each camera's status and pushes camera.status on
 * a change. A camera offline for CAMERA_OFFLINE_ALERT_SECONDS raises a camera_offline alert
 * (through the normal intake: deduplicated, escalated like any other); when the camera comes back
 * and stays up its stability period (CAMERA_STABLE_SECONDS, or as long as its last drop lasted, up to
 * the offline threshold) the system resolves that alert with outcome "recovered" — nobody
 * has to close an outage that ended by itself, and the audit trail still shows how long it lasted.
 * A camera that drops again sooner continues the same outage: a flapping link (up for a few seconds
 * every minute) is as blind as a dark camera and must raise, and keep, one alert. A link whose drops
 * are all shorter than the threshold and its returns long enough (dark 40 s, up 45 s) is found
 * unstable when it has been dark CAMERA_UNSTABLE_PERCENT of the last CAMERA_UNSTABLE_WINDOW_SECONDS:
 * its outage is raised at that return and ends only once the camera has stayed up the whole window.
 */
@Injectable()
export class CameraStatusService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly streamKey: string;
  private reader?: RedisClient;
  private running = false;
  private loop?: Promise<void>;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;
  /**
   * Cameras whose camera.status push failed (Redis away a moment): the next sweep pushes what they
   * are now. Without it a blip at a camera's drop left MQTT's retained status `online` until its
   * next change, maybe days: alerts are pushed at least once, statuses were not.
   */
  private readonly pushDue = new Set<string>();
  /** The sweeps' lists, each remembering where its last round stopped (sweepOfflineThresholds, sweepRecoveries). */
  private readonly offlineSweep: PagedSweep<CameraStatusRecord>;
  private readonly unstableSweep: PagedSweep<CameraStatusRecord>;
  private readonly goneDarkSweep: PagedSweep<CameraStatusRecord>;
  private readonly recoverySweep: PagedSweep<UnconfirmedRecovery>;

  constructor(
    private readonly statuses: CameraStatusRepository,
    private readonly cameras: CamerasRepository,
    private readonly alerts: AlertsRepository,
    private readonly alertsService: AlertsService,
    private readonly escalation: EscalationService,
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
    timers.register(TIMER, (data) => this.raiseOutage(String(data.cameraId), Number(data.offlineSince)));
    timers.register(STABLE_TIMER, async (data) => void (await this.stableReached(String(data.cameraId), Number(data.since))));
    this.offlineSweep = new PagedSweep(this.offlineWithoutAlert(), SWEEP_BATCH, SWEEP_PAGES);
    this.unstableSweep = new PagedSweep(this.unstableWithoutAlert(), SWEEP_BATCH, SWEEP_PAGES);
    this.goneDarkSweep = new PagedSweep(this.unstableGoneDark(), SWEEP_BATCH, SWEEP_PAGES);
    this.recoverySweep = new PagedSweep(this.unconfirmedRecoveries(), SWEEP_BATCH, SWEEP_PAGES);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.runWorkers) return;
    this.metrics.camerasOffline.set(await this.statuses.countOffline());
    this.reader = duplicateClient(this.redis);
    this.reader.on('error', (err) => this.logger.warn({ err: err.message }, 'status stream reader error'));
    this.running = true;
    this.loop = this.follow();
    this.sweepTimer = setInterval(() => void this.sweep().catch((err: Error) => this.logger.error({ err: err.message }, 'camera status sweep failed')), this.settings.timerSweepSeconds * 1000);
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

  /**
   * Applies one status event; idempotent (an event older than the last applied one is ignored). One
   * of a disabled or deleted camera (sent before ingest stopped reading it) is dropped: stored, it
   * would stand for ever, as nothing follows it.
   *
   * Every API instance handles every entry, and two may apply different entries of one camera at
   * once (a burst sent after a Redis outage). The status is stored only over the row as read; when
   * another write came first, the event is applied again on the row as it is now — an older event is
   * then ignored — and only the write that won pushes the status and arms or ends timers.
   */
  async handle(event: CameraStatusEvent): Promise<void> {
    for (let tries = 1; !(await this.apply(event)); tries++) {
      this.logger.debug({ cameraId: event.cameraId, status: event.status, at: event.at, tries }, 'camera status changed while this entry was applied; applying it again on the new row');
      if (tries >= HANDLE_TRIES) throw new Error(`camera ${event.cameraId}: status entry at ${event.at} not stored after ${HANDLE_TRIES} tries, its row kept changing`);
    }
  }

  /** One try of handle: false when the row changed between its read and its write (nothing done). */
  private async apply(event: CameraStatusEvent): Promise<boolean> {
    if (!(await this.cameras.isEnabled(event.cameraId))) {
      this.logger.debug({ cameraId: event.cameraId, status: event.status }, 'ignoring the status of a camera that is disabled or deleted');
      return true;
    }
    const current = await this.statuses.get(event.cameraId);
    if (current && event.at < current.updatedAt) return true;
    const status = event.status === 'offline' ? 'offline' : 'online';
    const changed = !current || current.status !== status;
    let next: CameraStatusRecord;
    let resumed: number | null = null;
    let blindDrop = false;
    let unraised = false;
    if (status === 'offline') {
      resumed = changed && current ? await this.resumableOutage(current, event.at) : null;
      next = {
        cameraId: event.cameraId,
        status,
        reason: event.reason ?? null,
        detail: event.detail ?? null,
        since: changed ? event.at : current!.since,
        offlineSince: resumed ?? (changed ? event.at : (current!.offlineSince ?? event.at)),
        ingestId: event.ingestId,
        updatedAt: event.at,
        recoveredFrom: null,
        stableMs: null,
        outageDrops: resumed !== null ? current!.outageDrops + 1 : changed ? 1 : Math.max(1, current!.outageDrops),
        recentDrops: current?.recentDrops ?? [],
        // An unstable outage stays one through its drops (resumableOutage); a new one starts afresh.
        unstableAt: resumed !== null || !changed ? (current!.unstableAt ?? null) : null,
      };
    } else {
      // Back from a drop: the drop joins the camera's recent ones, which may show its link unstable.
      const drop: Drop | null = changed && current?.status === 'offline' ? [current.since, event.at] : null;
      const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
      // A drop of an unstable outage that lasted the threshold, not yet split off (blind) because its
      // timer was lost or late and no sweep came round before the camera was back: it was blind, not
      // flickering. That drop is an outage of its own, raised as offline below, as its timer would have
      // — unless the outage's alert already says offline (saysOffline: no split, as at its timer), or
      // a maintenance window held it back when it reached the threshold (as an unraised drop below).
      blindDrop =
        drop !== null &&
        current!.unstableAt != null &&
        threshold > 0 &&
        drop[1] - drop[0] >= threshold &&
        !(await this.saysOffline(event.cameraId, current!.offlineSince!)) &&
        !(await this.inMaintenanceAt(event.cameraId, drop[0] + threshold));
      // A plain outage of that one drop, past the threshold with no alert for the same reasons: raised
      // at its return too.
      unraised = drop !== null && !blindDrop && (await this.unraisedDrop(event.cameraId, current!.offlineSince, current!.outageDrops, current!.unstableAt != null, event.at));
      const outage = blindDrop ? blindOutage(current!) : current;
      const bound = this.unstableBound();
      // A drop that ended in a maintenance window is the technician's (a reboot, a cable swapped): it
      // counts toward no dark share, and the share, unchanged by it, is not judged again.
      const counted = drop !== null && !(bound.windowMs > 0 && (await this.inMaintenanceAt(event.cameraId, event.at)));
      const recentDrops = drop && counted ? withDrop(current!.recentDrops ?? [], drop, bound.windowMs) : (current?.recentDrops ?? []);
      // Judged only at the end of a drop shorter than the offline threshold: a longer one raised its
      // own alert (health.offline), and a blip before it does not make a dark camera an unstable link.
      const judged = drop !== null && counted && drop[1] - drop[0] < threshold;
      const unstableAt = drop ? (outage!.unstableAt ?? (judged && isUnstable(darkShare(recentDrops, event.at, bound.windowMs), bound) ? event.at : null)) : null;
      // A blind or unraised drop's outage waits to be confirmed also without a stability period: its return raises it.
      const cameBack = drop !== null && (this.settings.cameraStableSeconds > 0 || unstableAt !== null || blindDrop || unraised);
      next = {
        cameraId: event.cameraId,
        status,
        reason: null,
        detail: event.detail ?? null,
        since: changed ? event.at : current!.since,
        offlineSince: null,
        ingestId: event.ingestId,
        updatedAt: event.at,
        recoveredFrom: cameBack ? outage!.offlineSince : changed ? null : current!.recoveredFrom,
        stableMs: cameBack ? this.stabilityAfter(event.at - current!.since, unstableAt !== null) : changed ? null : current!.stableMs,
        outageDrops: cameBack ? outage!.outageDrops : changed ? 0 : current!.outageDrops,
        recentDrops,
        unstableAt: cameBack ? unstableAt : changed ? null : (current!.unstableAt ?? null),
      };
    }
    const visibleChange = changed || current?.reason !== next.reason || current?.detail !== next.detail;
    if (!visibleChange && current?.updatedAt === event.at) {
      // The same entry again. An earlier try may have stored it and failed after (the database away a
      // moment): a drop past the threshold that its return was to raise has no sweep of its own.
      if (current.status === 'online' && current.since === event.at && (await this.unraisedDrop(current.cameraId, current.recoveredFrom, current.outageDrops, current.unstableAt != null, current.since))) {
        await this.raiseOutage(event.cameraId, current.recoveredFrom!, true);
      }
      return true;
    }
    // Only over the row as read: another instance may have stored this entry or a newer one (then the
    // next try ignores it), or the stability timer ended the outage a drop would continue (then the
    // next try starts a new one).
    if (!(await this.statuses.saveOver(next, current))) return false;
    if (await this.forgottenMeanwhile(event.cameraId)) return true;
    this.metrics.camerasOffline.set(await this.statuses.countOffline());
    if (visibleChange) {
      await this.push(next);
      if (await this.outOfServiceAfterPush(event.cameraId)) return true;
    }
    if (!changed) return true;
    if (status === 'offline') {
      if (current?.status === 'online' && current.recoveredFrom !== null && resumed === null) await this.endedAtReturn(current);
      await this.armOfflineTimer(next);
    } else if (current?.status === 'offline') {
      await this.recovered(current, next);
      if ((blindDrop || unraised) && next.recoveredFrom !== null) {
        this.logger.warn({ cameraId: event.cameraId, outageStart: current.offlineSince, darkSince: current.since, backAt: event.at, unstableLink: blindDrop }, 'camera was dark past CAMERA_OFFLINE_ALERT_SECONDS with no alert (its timer lost or late); raising that drop as camera offline');
        await this.raiseOutage(event.cameraId, current.since, true);
        if (blindDrop) await this.noteSplitOff(event.cameraId, current.offlineSince, current.since);
      }
      if (next.unstableAt != null && current.unstableAt == null && next.recoveredFrom !== null) await this.linkUnstable(next, next.recoveredFrom);
    }
    return true;
  }

  /**
   * Whether an outage of one drop from `outageStart`, not an unstable link's, that ended at `backAt`
   * lasted the offline threshold and has no alert: its timer was lost or late and no sweep came round
   * before the camera was back, or the raise at an earlier try of its return failed. Its return
   * raises it, as the timer would have, so every outage past the threshold is on record (reports,
   * the audit trail) — not one that reached the threshold inside a maintenance window.
   */
  private async unraisedDrop(cameraId: string, outageStart: number | null, drops: number, unstable: boolean, backAt: number): Promise<boolean> {
    const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
    if (outageStart === null || drops !== 1 || unstable || threshold <= 0 || backAt - outageStart < threshold) return false;
    if (await this.inMaintenanceAt(cameraId, outageStart + threshold)) return false;
    return (await this.alerts.get(offlineAlertId(cameraId, outageStart))) === undefined;
  }

  /** CAMERA_UNSTABLE_WINDOW_SECONDS and _PERCENT; off (window 0) with camera_offline itself (CAMERA_OFFLINE_ALERT_SECONDS=0). */
  private unstableBound(): UnstableBound {
    const windowMs = this.settings.cameraOfflineAlertSeconds > 0 ? this.settings.cameraUnstableWindowSeconds * 1000 : 0;
    return { windowMs, percent: this.settings.cameraUnstablePercent };
  }

  /**
   * Whether the camera was in a maintenance window at `at`: one set at or before `at` that had not
   * ended (one query by the camera's key, made at a return from a drop only). A window set later, or
   * one that ended and was removed, does not cover it.
   */
  private async inMaintenanceAt(cameraId: string, at: number): Promise<boolean> {
    const window = await this.maintenance.activeAt(cameraId, at);
    return window !== undefined && window.setAt <= at;
  }

  /** How dark the camera of `record` was in the window up to its return, or up to now while it is dark. */
  private darkShareOf(record: CameraStatusRecord): DarkShare {
    const { windowMs } = this.unstableBound();
    const dark = record.status === 'offline';
    return darkShare(record.recentDrops ?? [], dark ? this.clock.now() : record.since, windowMs, dark ? record.since : null);
  }

  /**
   * The camera just came back, and its dark share of the window reached the bound: its outage (from
   * `outageStart`) is raised now, although no drop reached the offline threshold, and stays open
   * until the camera has stayed up the whole window (stabilityAfter).
   */
  private async linkUnstable(record: CameraStatusRecord, outageStart: number): Promise<void> {
    const share = this.darkShareOf(record);
    this.logger.warn({ cameraId: record.cameraId, outageStart, darkMs: share.darkMs, drops: share.drops, windowMs: share.windowMs }, 'camera link unstable: dark past CAMERA_UNSTABLE_PERCENT of the window; raising camera_offline');
    await this.raiseOutage(record.cameraId, outageStart);
  }

  /**
   * How long a camera back after a drop `darkMs` long must stay up for its outage to end: at least
   * CAMERA_STABLE_SECONDS, and at least as long as it was just dark, up to CAMERA_OFFLINE_ALERT_SECONDS.
   * A link dark 50 s and up 35 s, again and again, is blind most of the time yet never dark for 60 s
   * at a stretch: with the fixed 30 s each return ended the outage and nothing was ever raised. Now a
   * link dark at least as long as it is up continues one outage, which reaches the threshold.
   * An unstable link (`unstable`, linkUnstable) must stay up the whole CAMERA_UNSTABLE_WINDOW_SECONDS.
   */
  private stabilityAfter(darkMs: number, unstable: boolean): number {
    const stableMs = Math.max(this.settings.cameraStableSeconds * 1000, Math.min(darkMs, this.settings.cameraOfflineAlertSeconds * 1000));
    return unstable ? Math.max(stableMs, this.unstableBound().windowMs) : stableMs;
  }

  /** The stability period of a recovery; one stored before `stableMs` was kept has the setting's. */
  private stableMsOf(record: CameraStatusRecord): number {
    return record.stableMs ?? this.settings.cameraStableSeconds * 1000;
  }

  /**
   * The start of the outage a camera that drops now continues: the one it came back from less than
   * its stability period ago (stabilityAfter) — unless that outage's alert was already resolved (by an
   * operator, or by a stale timer): a resolved alert cannot stand for a camera dark again, so a new
   * outage starts.
   */
  private async resumableOutage(current: CameraStatusRecord, at: number): Promise<number | null> {
    const stabilityOff = !this.settings.cameraStableSeconds && current.unstableAt == null;
    if (current.status !== 'online' || current.recoveredFrom === null || stabilityOff || at - current.since >= this.stableMsOf(current)) return null;
    const alert = await this.alerts.get(offlineAlertId(current.cameraId, current.recoveredFrom));
    return alert?.state === 'resolved' ? null : current.recoveredFrom;
  }

  /**
   * Due when the outage reaches the threshold; for an outage found unstable (raised already, as
   * health.unstable) when this drop does: dark that long, the camera is offline, not flickering.
   */
  private async armOfflineTimer(record: CameraStatusRecord): Promise<void> {
    const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
    if (!threshold || record.offlineSince === null) return;
    const from = record.unstableAt != null ? Math.max(record.offlineSince, record.since) : record.offlineSince;
    const delay = from + threshold - this.clock.now();
    await this.timers.schedule(TIMER, offlineTimerId(record), { cameraId: record.cameraId, offlineSince: record.offlineSince }, delay);
  }

  /**
   * What the timers missed: thresholds reached without their alert, unstable links whose raise
   * failed or that went dark past the threshold with their alert still unstable, recoveries never
   * confirmed, and health alerts held through a maintenance window whose end did not raise them.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) return; // the last one still runs (a long list, a slow database)
    this.sweeping = true;
    try {
      await this.pushAgain();
      await this.sweepOfflineThresholds();
      await this.sweepRecoveries();
      await this.intake.releaseAfterWindows();
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Raises the camera_offline alerts whose timer did not fire (Redis lost the job, a stalled worker):
   * cameras offline past the threshold plus one sweep interval with no alert for this outage, outside
   * a maintenance window (whose end raises it); then the unstable links whose raise failed
   * (unstableWithoutAlert) and those gone dark with their alert still unstable (unstableGoneDark).
   * Returns how many it raised. The queries return only those; a camera that fails is logged and left
   * for a later round (PagedSweep), so it holds up neither the others nor the recovery sweep.
   */
  async sweepOfflineThresholds(): Promise<number> {
    if (!this.settings.cameraOfflineAlertSeconds) return 0;
    return (await this.offlineSweep.run()) + (await this.unstableSweep.run()) + (await this.goneDarkSweep.run());
  }

  /**
   * Cameras offline past the threshold plus one sweep interval with no alert for this outage, outside
   * a maintenance window (whose end raises it): their alert's timer did not fire.
   */
  private offlineWithoutAlert(): SweepList<CameraStatusRecord> {
    return {
      read: (cursor, limit) => {
        const now = this.clock.now();
        return this.statuses.offlineWithoutAlert(now - this.settings.cameraOfflineAlertSeconds * 1000 - this.settings.timerSweepSeconds * 1000, now, cursor, limit);
      },
      cursorOf: (record) => (record.offlineSince === null ? null : { at: record.offlineSince, cameraId: record.cameraId }),
      handle: async (record) => {
        this.logger.warn({ cameraId: record.cameraId, offlineSince: record.offlineSince, overdueMs: this.clock.now() - (record.offlineSince ?? 0) - this.settings.cameraOfflineAlertSeconds * 1000 }, 'camera offline past the threshold without its alert (timer lost?); raising it from the sweep');
        await this.raiseOutage(record.cameraId, record.offlineSince as number);
        return true;
      },
      failed: (record, err) => this.logger.error({ cameraId: record.cameraId, offlineSince: record.offlineSince, err: err.message }, 'raising camera_offline from the sweep failed; the sweep goes on with the other cameras'),
    };
  }

  /**
   * The outages found unstable whose raise at the camera's return failed (the intake's database away a
   * moment): handling that entry again finds it stored, and nothing else would raise them while the
   * link holds. Cameras back between their drops, found unstable one sweep interval ago or earlier
   * (their own raise had its chance), with no alert for that outage, outside a maintenance window.
   */
  private unstableWithoutAlert(): SweepList<CameraStatusRecord> {
    return {
      read: (cursor, limit) => {
        const now = this.clock.now();
        return this.statuses.unstableWithoutAlert(now - this.settings.timerSweepSeconds * 1000, now, cursor, limit);
      },
      cursorOf: (record) => (record.recoveredFrom === null ? null : { at: record.recoveredFrom, cameraId: record.cameraId }),
      handle: async (record) => {
        this.logger.warn({ cameraId: record.cameraId, outageStart: record.recoveredFrom, unstableAt: record.unstableAt }, 'camera link found unstable without its alert (its raise failed?); raising it from the sweep');
        await this.raiseOutage(record.cameraId, record.recoveredFrom as number);
        return true;
      },
      failed: (record, err) => this.logger.error({ cameraId: record.cameraId, outageStart: record.recoveredFrom, err: err.message }, 'raising an unstable link from the sweep failed; the sweep goes on with the other cameras'),
    };
  }

  /**
   * Unstable links dark past the threshold in their current drop plus one sweep interval, whatever
   * their alert's state: the timer that splits the blind drop off as its own offline outage
   * (armOfflineTimer, blind) did not fire, and nothing would say the camera shows nothing. Paged by
   * the drop's start, which they qualify on: a row that becomes due later comes after the cursor.
   */
  private unstableGoneDark(): SweepList<CameraStatusRecord> {
    return {
      read: (cursor, limit) => {
        const now = this.clock.now();
        return this.statuses.unstableGoneDark(now - this.settings.cameraOfflineAlertSeconds * 1000 - this.settings.timerSweepSeconds * 1000, now, cursor, limit);
      },
      cursorOf: (record) => ({ at: record.since, cameraId: record.cameraId }),
      handle: async (record) => {
        this.logger.warn({ cameraId: record.cameraId, outageStart: record.offlineSince, darkSince: record.since }, 'camera of an unstable link dark past the threshold without its offline outage (timer lost?); raising it from the sweep');
        await this.raiseOutage(record.cameraId, record.offlineSince as number);
        return true;
      },
      failed: (record, err) => this.logger.error({ cameraId: record.cameraId, outageStart: record.offlineSince, darkSince: record.since, err: err.message }, 'raising the blind drop of an unstable link from the sweep failed; the sweep goes on with the other cameras'),
    };
  }

  /**
   * Confirms the recoveries whose stability timer did not fire (Redis lost the job): cameras back for
   * their stability period plus one sweep interval with their outage still open, earliest due first.
   * Returns how many. A recovery not confirmed (a later entry waits in the stream, or it failed) stays
   * in the list: the cursor moves past it so it holds up none of the others, and one that becomes due
   * later comes after the cursor, not before it.
   */
  async sweepRecoveries(): Promise<number> {
    return this.recoverySweep.run();
  }

  private unconfirmedRecoveries(): SweepList<UnconfirmedRecovery> {
    return {
      read: (cursor, limit) => this.statuses.unconfirmedRecoveries(this.clock.now() - this.settings.timerSweepSeconds * 1000, this.settings.cameraStableSeconds * 1000, cursor, limit),
      cursorOf: (record) => ({ at: record.dueAt, cameraId: record.cameraId }),
      handle: (record) => this.stableReached(record.cameraId, record.since),
      failed: (record, err) => this.logger.error({ cameraId: record.cameraId, since: record.since, recoveredFrom: record.recoveredFrom, err: err.message }, 'confirming a recovery from the sweep failed; the sweep goes on with the other cameras'),
    };
  }

  /**
   * Raises the camera_offline of the outage that began at `offlineSince`: one past the offline
   * threshold (its timer, the sweep, a maintenance window's end), or one found unstable (linkUnstable),
   * also while the camera is back between its drops, or (`blindDropEnded`) the outage of a drop that
   * lasted the threshold and may have just ended (an unstable link's, blind; or one whose timer was
   * lost or late: the return that found it). Nothing when the camera's current outage is another one,
   * or it is back and its outage only waits to be confirmed.
   *
   * An unstable link whose current drop has lasted the threshold shows nothing at all: it is split
   * off as a new outage (blind), raised as health.offline, and the unstable alert is closed as
   * superseded by it.
   */
  private async raiseOutage(cameraId: string, offlineSince: number, blindDropEnded = false): Promise<void> {
    const current = await this.statuses.get(cameraId);
    if (!current) return;
    const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
    const outageStart = current.status === 'offline' ? current.offlineSince : current.unstableAt != null || blindDropEnded ? current.recoveredFrom : null;
    if (outageStart !== offlineSince) return;
    if (!(await this.cameras.isEnabled(cameraId))) return; // taken out of service: no outage (forget)
    if (current.status === 'offline' && current.unstableAt != null && threshold > 0 && this.clock.now() >= current.since + threshold && !(await this.saysOffline(cameraId, offlineSince))) return this.blind(current);
    const unstable = current.unstableAt != null;
    const event: Omit<AlertEvent, 'kind' | 'capturedAt'> = {
      alertId: offlineAlertId(cameraId, offlineSince),
      cameraId,
      ruleId: unstable ? UNSTABLE_RULE_ID : 'health.offline',
      rule: 'camera_offline',
      severity: 'major',
      startedAt: offlineSince,
      score: 1,
      boxes: [],
      message: unstable ? this.unstableMessage(current) : this.offlineMessage(current),
    };
    const outcome = await this.intake.consume({ ...event, kind: 'created', capturedAt: offlineSince });
    // Raised (now or before, by this instance or another): an unstable alert of an earlier outage it
    // was split from (blind) is superseded. Again at every raise, so one whose closing failed is
    // closed by the next (the sweep, a window's end); held back by a window, it says on till then.
    const supersededLevel = !unstable && outcome !== 'suppressed' ? await this.supersedeUnstable(cameraId, offlineSince) : 0;
    // The camera may have been disabled or deleted while the alert was being stored: its forgetting
    // then found no alert to resolve, and this one would stay open (and escalate) for ever.
    if (!(await this.cameras.isEnabled(cameraId))) {
      await this.alertsService.resolveBySystem(offlineAlertId(cameraId, offlineSince), SYSTEM.cameraStatus, outOfServiceDetail((await this.cameras.placement(cameraId)) ? 'disabled' : 'deleted', offlineSince, this.clock.now(), current.outageDrops));
      return;
    }
    // The camera may have come back for good while the alert was being stored: its recovery then
    // found no alert to resolve, and this one would stay open (and escalate) for a camera that is
    // online. Back but not yet stable: the stability timer or the sweep resolves it.
    const after = await this.statuses.get(cameraId);
    if (after && after.status === 'offline' && after.offlineSince === offlineSince) {
      // Those the unstable alert had reached hear of the blind camera at once, not after the SLA again
      // (not of one already back: raised at its return, it only waits to be confirmed).
      if (supersededLevel > 0) await this.escalation.catchUp(event.alertId, supersededLevel);
      return;
    }
    if (after && after.status === 'online' && after.recoveredFrom === offlineSince) return;
    const backAt = after?.status === 'online' ? after.since : this.clock.now();
    await this.alertsService.resolveBySystem(offlineAlertId(cameraId, offlineSince), SYSTEM.cameraStatus, recoveredDetail(offlineSince, backAt, current.outageDrops));
  }

  /**
   * The camera of an unstable link has been dark its whole current drop for the offline threshold:
   * blind, a condition of its own. Its status row starts a new outage at that drop (blindOutage),
   * saved over the row as read, so a newer status entry (the camera back: its return raises the
   * drop) or another instance's split wins; a split whose raise failed, or a row changed otherwise
   * meanwhile, is the threshold sweeps' (offlineWithoutAlert, unstableGoneDark). That outage is
   * raised as camera offline, a new alert that opens, escalates and is pushed as any other. The
   * unstable alert, whatever its state, no longer stands for the camera (review F1/F2 of 2026-12-04:
   * an operator's "known flaky link" closed it for good).
   */
  private async blind(current: CameraStatusRecord): Promise<void> {
    const { cameraId } = current;
    const split = blindOutage(current);
    if (!(await this.statuses.saveOver(split, current))) return;
    if (await this.forgottenMeanwhile(cameraId)) return;
    this.logger.warn({ cameraId, unstableOutageStart: current.offlineSince, darkSince: current.since }, 'camera of an unstable link dark past CAMERA_OFFLINE_ALERT_SECONDS; a new outage from this drop, raised as camera offline');
    // Its offlineSince changed. The split runs beside the stream loop: a return stored meanwhile may
    // have pushed before this push, and must stay the last word (the retained MQTT status is the last
    // push), so the row is read again after it and pushed again if it changed.
    await this.push(split);
    const latest = await this.statuses.get(cameraId);
    if (latest && (latest.status !== split.status || latest.updatedAt !== split.updatedAt)) await this.push(latest);
    if (await this.outOfServiceAfterPush(cameraId)) return;
    // Also when the camera is back already (its return stored after the split, which it then ended).
    await this.raiseOutage(cameraId, current.since, true);
    await this.noteSplitOff(cameraId, current.offlineSince, current.since);
  }

  /**
   * The outage from `offlineSince` has an alert that already says the camera is offline (raised past
   * the threshold before the link was found unstable, or renamed by a release before the blind split):
   * open, it stands for the blind camera, and splitting would open a second one beside it; resolved by
   * hand, it is not raised again, as any offline alert (offlineWithoutAlert).
   */
  private async saysOffline(cameraId: string, offlineSince: number): Promise<boolean> {
    const alert = await this.alerts.get(offlineAlertId(cameraId, offlineSince));
    return alert !== undefined && alert.ruleId !== UNSTABLE_RULE_ID;
  }

  /**
   * Disabled or deleted while its status was stored (its forget ran between the enabled check and the
   * save): the row would stand for ever, and its push come after the out_of_service. Forgets it again;
   * true when it did.
   */
  private async forgottenMeanwhile(cameraId: string): Promise<boolean> {
    if (await this.cameras.isEnabled(cameraId)) return false;
    await this.statuses.delete(cameraId);
    this.metrics.camerasOffline.set(await this.statuses.countOffline());
    return true;
  }

  /**
   * Taken out of service while its status was pushed: its out_of_service may have gone before that
   * push, and a retained MQTT status would show the camera online or dark for ever. Says it again,
   * after; true when it did.
   */
  private async outOfServiceAfterPush(cameraId: string): Promise<boolean> {
    if (await this.cameras.isEnabled(cameraId)) return false;
    const placement = await this.cameras.placement(cameraId);
    await this.tryPush(cameraId, () => this.announceOutOfService(cameraId, placement ? 'disabled' : 'deleted', placement));
    return true;
  }

  /**
   * Closes the camera's unresolved health.unstable alerts of outages before the one (from
   * `offlineSince`) just raised as camera offline: its link went blind (blind). Returns
   * the highest escalation level of those it closed (0 when none).
   */
  private async supersedeUnstable(cameraId: string, offlineSince: number): Promise<number> {
    let level = 0;
    for (const alert of await this.alerts.unresolvedOf(cameraId, 'camera_offline')) {
      if (alert.ruleId !== UNSTABLE_RULE_ID || alert.startedAt >= offlineSince) continue;
      if (await this.alertsService.resolveBySystem(alert.id, SYSTEM.cameraStatus, this.supersededDetail(cameraId, offlineSince))) level = Math.max(level, alert.escalationLevel);
    }
    return level;
  }

  private offlineMessage(record: CameraStatusRecord): string {
    const why = [record.reason, record.detail].filter(Boolean).join(': ');
    const times = `${record.outageDrops - 1} time${record.outageDrops > 2 ? 's' : ''}`;
    // An outage found unstable (dark too often) ends only after the camera stays up the whole window.
    const upFor = record.unstableAt != null ? `the ${Math.round(this.unstableBound().windowMs / 1000)} s an unstable link must stay up` : `${this.settings.cameraStableSeconds} s or than it had been dark`;
    const flapping = record.outageDrops > 1 ? `; it came back ${times} meanwhile, each time for less than ${upFor} (an unstable link)` : '';
    return `camera offline for more than ${this.settings.cameraOfflineAlertSeconds} s${why ? ` (${why})` : ''}${flapping}`;
  }

  /** "camera link unstable: dark 200 s of the last 600 s (33 %, bound 30 %) in 5 drops; …". */
  private unstableMessage(record: CameraStatusRecord): string {
    const share = this.darkShareOf(record);
    const windowS = Math.round(share.windowMs / 1000);
    const percent = share.windowMs > 0 ? Math.round((share.darkMs * 100) / share.windowMs) : 0;
    return (
      `camera link unstable: dark ${Math.round(share.darkMs / 1000)} s of the last ${windowS} s (${percent} %, bound ${this.settings.cameraUnstablePercent} %) in ${share.drops} drops; ` +
      `one outage until the camera stays up ${windowS} s`
    );
  }

  /**
   * A maintenance window ended: a camera still offline past the threshold gets its camera_offline
   * now (the one held back during the window, or one that would have come); a shorter outage keeps
   * its pending timer. So does a camera back between the drops of an outage found unstable: its
   * link's alert was held back too.
   */
  async maintenanceEnded(cameraId: string): Promise<void> {
    const current = await this.statuses.get(cameraId);
    const threshold = this.settings.cameraOfflineAlertSeconds * 1000;
    if (!current || !threshold) return;
    if (current.status === 'online' && current.unstableAt != null && current.recoveredFrom !== null) return this.raiseOutage(cameraId, current.recoveredFrom);
    if (current.status !== 'offline' || current.offlineSince === null) return;
    if (this.clock.now() >= current.offlineSince + threshold) await this.raiseOutage(cameraId, current.offlineSince);
  }

  /**
   * The camera delivers pictures again. Without a stability period the outage ends now; with one, it
   * ends when the camera has stayed up that long (stableReached), and a drop before continues it.
   */
  private async recovered(previous: CameraStatusRecord, now: CameraStatusRecord): Promise<void> {
    if (previous.offlineSince !== null) await this.timers.cancel(offlineTimerId(previous));
    if (now.recoveredFrom !== null) {
      const due = now.since + this.stableMsOf(now) - this.clock.now();
      await this.timers.schedule(STABLE_TIMER, timerJobId('stable', now.cameraId, now.since), { cameraId: now.cameraId, since: now.since }, due);
      return;
    }
    await this.resolveOutage(previous.cameraId, previous.offlineSince, now.since, previous.outageDrops);
  }

  /**
   * The outage the camera came back from (`previous`, waiting to be confirmed) is not continued by the
   * drop just stored — no stability period (a drop raised at its return waits anyway), its alert was
   * resolved, or its stability period had passed before its timer ran (a burst of kept entries): it
   * ended at that return. Without this its alert stayed open beside the new outage's, and escalated.
   */
  private async endedAtReturn(previous: CameraStatusRecord): Promise<void> {
    await this.timers.cancel(timerJobId('stable', previous.cameraId, previous.since));
    await this.resolveOutage(previous.cameraId, previous.recoveredFrom, previous.since, previous.outageDrops);
  }

  /**
   * The camera has been up since `since` for the stability period: its outage is over — once every
   * status entry written before the period ended has been handled. After a Redis outage ingest sends
   * what it kept with the original times, and the timer of a recovery in that burst is already due:
   * confirmed before the burst's next entry (the same link dropping 5 s later) was read, it would end
   * the outage that drop continues. Not caught up: left to the sweep. The alert is resolved before
   * the recovery is confirmed, so a failure in between is found again by the sweep.
   */
  private async stableReached(cameraId: string, since: number): Promise<boolean> {
    const current = await this.statuses.get(cameraId);
    if (!current || current.status !== 'online' || current.since !== since || current.recoveredFrom === null) return false;
    if (await this.pendingBefore(cameraId, since + this.stableMsOf(current))) return false;
    await this.resolveOutage(cameraId, current.recoveredFrom, since, current.outageDrops);
    return this.statuses.confirmRecovery(cameraId, since);
  }

  /**
   * Whether the stream still holds an entry of the camera from before `at` that nobody handled yet
   * (by the event's own time: a burst after an outage is added long after it happened). A backlog
   * too long to read here counts as one: the sweep tries again.
   */
  private async pendingBefore(cameraId: string, at: number): Promise<boolean> {
    const offset = await this.statuses.streamOffset(this.streamKey);
    let from = offset ? `(${offset}` : '-';
    for (let read = 0; read < PENDING_SCAN_MAX; ) {
      const page = (await this.redis.xrange(this.streamKey, from, '+', 'COUNT', PENDING_SCAN_PAGE)) as [string, string[]][];
      for (const [, fields] of page) {
        const event = parseStatusEntry(fields);
        if (event && event.cameraId === cameraId && event.at < at) return true;
      }
      if (page.length < PENDING_SCAN_PAGE) return false;
      read += page.length;
      from = `(${page[page.length - 1][0]}`;
    }
    return true;
  }

  /**
   * The camera was disabled or deleted: ingest stops reading it and reports nothing more, so its
   * last status would stand for ever — an offline camera counted in xl_cameras_offline and shown
   * dark, its camera_offline alert open and escalating with no recovery ever to end it. Forgets the
   * status and its timers and resolves those alerts; enabled again, the camera starts afresh, like a
   * new one. Idempotent.
   *
   * A disabled camera with a status to take back is pushed `out_of_service` (outOfService), before
   * the status goes: a failed push fails the save, and saving it again pushes again. Not one enabled
   * again (it starts afresh), nor one deleted meanwhile (its delete says so, after the row is gone).
   */
  async forget(cameraId: string, why: 'disabled' | 'deleted'): Promise<void> {
    const current = await this.statuses.get(cameraId);
    if (why === 'disabled' && current && !(await this.cameras.isEnabled(cameraId))) {
      const placement = await this.cameras.placement(cameraId);
      if (placement) await this.announceOutOfService(cameraId, 'disabled', placement);
    }
    await this.statuses.delete(cameraId);
    this.metrics.camerasOffline.set(await this.statuses.countOffline());
    if (current && current.status === 'offline' && current.offlineSince !== null) await this.timers.cancel(offlineTimerId(current));
    if (current && current.status === 'online' && current.recoveredFrom !== null) await this.timers.cancel(timerJobId('stable', cameraId, current.since));
    const outageStart = current?.offlineSince ?? current?.recoveredFrom ?? null;
    const now = this.clock.now();
    for (const alert of await this.alerts.unresolvedOf(cameraId, 'camera_offline')) {
      // An alert's start is its outage's (offlineAlertId); the drops are known for the current one.
      const drops = current && alert.startedAt === outageStart ? current.outageDrops : 1;
      await this.alertsService.resolveBySystem(alert.id, SYSTEM.cameraStatus, outOfServiceDetail(why, alert.startedAt, now, drops));
    }
    if (current) this.logger.info({ cameraId, status: current.status, offlineSince: current.offlineSince }, `camera ${why}: its status forgotten, its camera_offline alerts resolved`);
  }

  private async resolveOutage(cameraId: string, offlineSince: number | null, backAt: number, drops: number): Promise<void> {
    const unresolved = await this.alerts.unresolvedOf(cameraId, 'camera_offline');
    // An unstable link's alert of an earlier outage: the blind outage ending now was split off from
    // it, raised, and closing it failed. Its outage ended where this one began, not at this return
    // (reports would count the blind time twice). Held back by a window, the blind outage has no
    // alert to point to: recovered at the return, as before the split.
    const splitOff = (alert: Alert) => offlineSince !== null && alert.ruleId === UNSTABLE_RULE_ID && alert.startedAt < offlineSince;
    const blindRaised = unresolved.some(splitOff) && (await this.alerts.get(offlineAlertId(cameraId, offlineSince!))) !== undefined;
    for (const alert of unresolved) {
      // One of another outage (held back by a window, its closing failed) tells its own length; its
      // drops are not known here.
      const detail = blindRaised && splitOff(alert) ? this.supersededDetail(cameraId, offlineSince!) : alert.startedAt === offlineSince ? recoveredDetail(offlineSince, backAt, drops) : recoveredDetail(alert.startedAt, backAt, null);
      await this.alertsService.resolveBySystem(alert.id, SYSTEM.cameraStatus, detail);
    }
    // The outage's own alert, if an operator resolved it while the camera was dark: it learns when the
    // camera came back, so reports keep the outage's length (before: cut to the operator's click).
    if (offlineSince !== null) await this.alertsService.recordOutageEndBySystem(offlineAlertId(cameraId, offlineSince), SYSTEM.cameraStatus, recoveredDetail(offlineSince, backAt, drops));
  }

  /** An unstable link's alert closed because the camera went blind from `darkSince`, a new outage with its own alert. */
  private supersededDetail(cameraId: string, darkSince: number): TransitionDetail & { kind: 'superseded_by_offline' } {
    return { kind: 'superseded_by_offline', offlineAlertId: offlineAlertId(cameraId, darkSince), darkSince, thresholdSeconds: this.settings.cameraOfflineAlertSeconds };
  }

  /**
   * The unstable outage from `unstableStart` was split at `darkSince` (blind). Its alert, if an
   * operator resolved it before (the flicker known), was not closed as superseded (supersedeUnstable
   * closes unresolved ones): it is told by a note, so reports end that outage where the blind one
   * begins instead of at the operator's click (review F4 of 2026-12-04, latest).
   */
  private async noteSplitOff(cameraId: string, unstableStart: number | null, darkSince: number): Promise<void> {
    // Held back by a maintenance window, the blind outage has no alert the note could point to.
    if (unstableStart === null || !(await this.alerts.get(offlineAlertId(cameraId, darkSince)))) return;
    await this.alertsService.recordOutageEndBySystem(offlineAlertId(cameraId, unstableStart), SYSTEM.cameraStatus, this.supersededDetail(cameraId, darkSince));
  }

  /**
   * A camera taken out of service, pushed as `camera.status` `out_of_service` (reason `disabled` /
   * `deleted`): it reports nothing more, and MQTT replaces its retained status — which would otherwise
   * show it online or dark for ever on every wall display — or, for a deleted camera, clears it.
   * `placement`: the camera's region and name (a deleted camera's, read before its row went;
   * undefined when it is gone and unknown).
   * Throws when the push failed.
   */
  async announceOutOfService(cameraId: string, why: 'disabled' | 'deleted', placement: CameraPlacement | undefined): Promise<void> {
    await this.publishStatus(cameraId, { status: 'out_of_service', reason: why, detail: null, since: this.clock.now(), offlineSince: null }, placement);
  }

  private push(record: CameraStatusRecord): Promise<void> {
    return this.tryPush(record.cameraId, () => this.publishRecord(record));
  }

  /** `record` as its camera.status push; throws when the push failed. */
  private async publishRecord(record: CameraStatusRecord): Promise<void> {
    const { cameraId, status, reason, detail, since, offlineSince } = record;
    await this.publishStatus(cameraId, { status, reason, detail, since, offlineSince }, await this.cameras.placement(cameraId));
  }

  /** Runs a push; a failure is logged and the camera's status pushed again at the next sweep (pushAgain). */
  private async tryPush(cameraId: string, push: () => Promise<void>): Promise<void> {
    try {
      await push();
    } catch (err) {
      this.pushDue.add(cameraId);
      this.logger.error({ err: (err as Error).message, cameraId }, 'pushing camera.status failed; pushed again at the next sweep');
    }
  }

  /**
   * Pushes again, as they are now, the statuses of cameras whose push failed: the current row, or
   * out_of_service for a camera disabled or deleted meanwhile (one enabled again without a status
   * yet has nothing to say). Returns how many were pushed.
   */
  async pushAgain(): Promise<number> {
    let pushed = 0;
    for (const cameraId of [...this.pushDue]) {
      this.pushDue.delete(cameraId);
      try {
        if (!(await this.cameras.isEnabled(cameraId))) {
          const placement = await this.cameras.placement(cameraId);
          await this.announceOutOfService(cameraId, placement ? 'disabled' : 'deleted', placement);
        } else {
          const record = await this.statuses.get(cameraId);
          if (!record) continue;
          await this.publishRecord(record);
        }
        pushed++;
      } catch (err) {
        this.pushDue.add(cameraId);
        this.logger.warn({ cameraId, err: (err as Error).message }, 'pushing camera.status again failed; trying at the next sweep');
      }
    }
    return pushed;
  }

  private async publishStatus(cameraId: string, status: PushedCameraStatus, placement: CameraPlacement | undefined): Promise<void> {
    await this.publisher.publish({
      type: 'camera.status',
      scope: await this.scope.resourceOf(cameraId, placement?.regionId ?? null),
      data: { cameraId, cameraName: placement?.name ?? null, ...status },
    });
  }
}

/** A `camera.status` push's status: the stored one, or a camera taken out of service (no status any more). */
type PushedCameraStatus = Pick<CameraStatusRecord, 'reason' | 'detail' | 'since' | 'offlineSince'> & { status: CameraStatusRecord['status'] | 'out_of_service' };

/** Where a camera is: its region (for the push's scope) and its name. */
export type CameraPlacement = { regionId: string | null; name: string | null };

/** `drops`: null when not known (an alert of an earlier outage). */
function recoveredDetail(offlineSince: number | null, backAt: number, drops: number | null): TransitionDetail & { kind: 'camera_recovered' } {
  const offlineSeconds = offlineSince === null ? null : Math.round((backAt - offlineSince) / 1000);
  return drops === null ? { kind: 'camera_recovered', offlineSeconds, backAt } : { kind: 'camera_recovered', offlineSeconds, backAt, drops: Math.max(1, drops) };
}

/** The outage of a camera taken out of service (disabled, deleted) `at`: it never came back. */
function outOfServiceDetail(reason: 'disabled' | 'deleted', offlineSince: number, at: number, drops: number): TransitionDetail {
  return { kind: 'camera_out_of_service', reason, offlineSeconds: Math.round((at - offlineSince) / 1000), drops: Math.max(1, drops) };
}

/**
 * The offline timer of the drop `record` is in: one per outage, due at its threshold — or, for an
 * outage found unstable, one per drop (due when that drop reaches the threshold: blind), so that a
 * cancel lost at one return leaves no earlier drop's job in the place of the next drop's.
 */
function offlineTimerId(record: CameraStatusRecord): string {
  return record.unstableAt != null ? timerJobId('offline', record.cameraId, record.offlineSince ?? record.since, record.since) : timerJobId('offline', record.cameraId, record.offlineSince ?? record.since);
}

/**
 * The outage of a camera whose unstable link went blind: a new one from the start of the drop that
 * reached the offline threshold, its first drop, not found unstable (its alert is health.offline).
 */
function blindOutage(record: CameraStatusRecord): CameraStatusRecord {
  return { ...record, offlineSince: record.since, outageDrops: 1, unstableAt: null };
}

/** One camera_offline alert per outage: deduplicated by intake, found again by the sweep. */
function offlineAlertId(cameraId: string, offlineSince: number): string {
  return `camera_offline:${cameraId}:${offlineSince}`;
}
