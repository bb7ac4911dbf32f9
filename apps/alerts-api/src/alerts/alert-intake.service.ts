import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Transaction } from 'kysely';
import { type AlertEvent, SEVERITY_RANK } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { CamerasRepository } from '../cameras/cameras.repository';
import { HeldHealthAlertsRepository } from '../cameras/held-health-alerts.repository';
import { MaintenanceRepository } from '../cameras/maintenance.repository';
import { Clock } from '../common/clock';
import { ApiMetrics } from '../core/api-metrics';
import { LOGGER } from '../core/tokens';
import type { Database } from '../db/schema';
import { EvidenceService } from '../evidence/evidence.service';
import { SETTINGS, type Settings } from '../settings';
import { type Alert, laterUpdate, SYSTEM } from './alert';
import { AlertNotifier } from './alert-notifier';
import { AlertSnapshotsRepository } from './alert-snapshots.repository';
import { AlertsRepository } from './alerts.repository';
import { EscalationService } from './escalation.service';
import { existingSnapshot, resolveInside } from './snapshots';
import { CAMERA_HEALTH_RULES } from '../shared/camera-health-rules';
import { eventFacts, type TransitionDetail, transitionNote } from './transition-detail';

/**
 * `suppressed`: a new camera health alert while the camera is in maintenance (not stored as an
 * alert; a picture problem is held until the window ends).
 * `closed`: news of an alert already resolved (recorded as consumed; the alert is left as it was).
 * `ended`: a condition is over (a held alert is dropped; a stored alert is left as it was).
 */
export type IntakeOutcome = 'created' | 'updated' | 'duplicate' | 'suppressed' | 'closed' | 'ended';

/** Held cameras' alerts raised per sweep at most; the rest at the next one. */
const RELEASE_SWEEP_CAMERAS = 100;

/**
 * Health alerts held through a maintenance window until it ends, unless their `ended` comes first:
 * the analyzer's picture checks, which say a condition only once. camera_offline is alerts-api's own,
 * and the window's end checks the camera's status afresh instead (CameraStatusService.maintenanceEnded).
 */
const heldThroughWindow = (rule: string): boolean => CAMERA_HEALTH_RULES.has(rule) && rule !== 'camera_offline';

interface Effect {
  outcome: IntakeOutcome;
  alert: Alert;
  before?: Alert;
  /** The alarmedAt of the alarm this update raised (its push carries `alarm: true`). */
  raisedAlarmAt?: number;
}

/**
 * Turns alert events into stored alerts, idempotently: every consumed event is recorded by
 * (event id, kind, capture time) in the same transaction as its effect, so a redelivered job
 * changes nothing. A `created` event opens an alert; an `updated` event, or any event naming a
 * still-unresolved `relatedAlertId`, updates the existing alert (severity only ever goes up, e.g.
 * vanish_in_water after zone_enter on the same track makes it critical). An update for an alert we
 * never saw opens it: an event is never dropped for arriving out of order.
 */
@Injectable()
export class AlertIntakeService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly snapshots: AlertSnapshotsRepository,
    private readonly cameras: CamerasRepository,
    private readonly maintenance: MaintenanceRepository,
    private readonly held: HeldHealthAlertsRepository,
    private readonly notifier: AlertNotifier,
    private readonly escalation: EscalationService,
    private readonly metrics: ApiMetrics,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly evidence?: EvidenceService,
  ) {}

  async consume(event: AlertEvent): Promise<IntakeOutcome> {
    if (event.kind === 'ended') return this.ended(event);
    if (event.kind === 'created' && CAMERA_HEALTH_RULES.has(event.rule)) {
      const now = this.clock.now();
      const window = await this.maintenance.activeAt(event.cameraId, now);
      if (window) {
        // Someone is working on the camera and said so: its outage or covered lens is expected. But a
        // lens the repair left covered, or a camera it re-aimed, must be raised once the window ends.
        if (heldThroughWindow(event.rule)) await this.held.hold(event, now);
        this.logger.info({ cameraId: event.cameraId, rule: event.rule, alertId: event.alertId, maintenanceUntil: window.until }, 'camera health alert held back: camera in maintenance');
        this.metrics.intake.inc({ outcome: 'suppressed' });
        return 'suppressed';
      }
    }
    const snapshotPath = await this.checkSnapshot(event);
    const placement = await this.cameras.placement(event.cameraId);
    if (!placement) this.logger.warn({ cameraId: event.cameraId, alertId: event.alertId }, 'alert for a camera not in the database; only admins will see it');
    const now = this.clock.now();
    const effect = await this.alerts.transaction((trx) => this.apply(trx, event, snapshotPath, placement?.regionId ?? null, now));
    this.metrics.intake.inc({ outcome: effect.outcome });
    try {
      await this.after(effect);
    } finally {
      // The clip follows the stored alert: opened, or updated (extended); never for a duplicate or a
      // closed alert. Also when the work after the commit failed: the retry finds the event a
      // duplicate, and the clip would never be asked for (the push and the deadline have sweeps).
      if (effect.outcome === 'created' || effect.outcome === 'updated') await this.evidence?.requestClip(effect.alert);
    }
    return effect.outcome;
  }

  /**
   * Raises the camera's health alerts held back during its maintenance window, now over, through
   * this intake: their start and capture times stay, so each says since when. Returns how many were
   * stored. One that fails is logged and stays held for the next try (releaseAfterWindows); one a new
   * window holds again stays held. A camera disabled or deleted meanwhile raises none: it is out of service.
   */
  async releaseHeld(cameraId: string): Promise<number> {
    if (await this.maintenance.activeAt(cameraId, this.clock.now())) return 0; // a later window holds them on
    const events = await this.held.ofCamera(cameraId);
    if (!events.length) return 0;
    if (!(await this.cameras.isEnabled(cameraId))) {
      const dropped = await this.held.deleteOfCamera(cameraId);
      this.logger.info({ cameraId, dropped }, 'held camera health alerts dropped: the camera was disabled or deleted during its maintenance window');
      return 0;
    }
    let raised = 0;
    for (const event of events) {
      try {
        const outcome = await this.consume(event);
        if (outcome === 'suppressed') continue;
        await this.held.drop(event.alertId);
        raised++;
        this.logger.info({ cameraId, alertId: event.alertId, rule: event.rule, startedAt: event.startedAt, outcome }, 'camera health alert held during maintenance raised: its condition outlasted the window');
      } catch (err) {
        this.logger.error({ cameraId, alertId: event.alertId, rule: event.rule, err: (err as Error).message }, 'raising a held camera health alert failed; it stays held and is tried again at the next sweep');
      }
    }
    return raised;
  }

  /**
   * Raises what windows that ended left held: a window's end that failed or never ran (a crash, a
   * lost timer), or an alert held just as the window ended. Returns how many were stored; a camera
   * that fails is logged and left for the next round.
   */
  async releaseAfterWindows(): Promise<number> {
    let raised = 0;
    for (const cameraId of await this.held.camerasOutOfMaintenance(this.clock.now(), RELEASE_SWEEP_CAMERAS)) {
      try {
        raised += await this.releaseHeld(cameraId);
      } catch (err) {
        this.logger.error({ cameraId, err: (err as Error).message }, 'raising held camera health alerts failed; tried again at the next sweep');
      }
    }
    return raised;
  }

  /** The end of a condition: drops its alert if held back; a stored alert is the operators' to resolve. */
  private async ended(event: AlertEvent): Promise<IntakeOutcome> {
    if (CAMERA_HEALTH_RULES.has(event.rule) && (await this.held.drop(event.alertId))) {
      this.logger.info({ cameraId: event.cameraId, rule: event.rule, alertId: event.alertId }, 'held camera health alert dropped: its condition ended before the maintenance window did');
    }
    this.metrics.intake.inc({ outcome: 'ended' });
    return 'ended';
  }

  private async apply(trx: Transaction<Database>, event: AlertEvent, snapshotPath: string | null, regionId: string | null, now: number): Promise<Effect> {
    // Events of one camera are applied one at a time across instances (INTAKE_CONCURRENCY, replicas).
    await this.alerts.lockCameraIntake(trx, event.cameraId);
    const seen = await this.alerts.eventSeen(trx, event.alertId, event.kind, event.capturedAt);
    if (seen) return { outcome: 'duplicate', alert: (await this.alerts.getForUpdate(trx, seen)) as Alert };

    let target: Alert | undefined;
    let supersedes = false;
    // The alert the related event became part of (a tripwire crossing merged into the first one): a new
    // alert links to that, not to an event id no alert has.
    const relatedId = event.relatedAlertId && ((await this.alerts.aliasOf(trx, event.relatedAlertId)) ?? event.relatedAlertId);
    if (relatedId) {
      const related = await this.alerts.getForUpdate(trx, relatedId);
      if (related && related.state !== 'resolved') {
        target = related;
        supersedes = true;
      }
    }
    if (!target) {
      const ownId = event.kind === 'updated' ? ((await this.alerts.aliasOf(trx, event.alertId)) ?? event.alertId) : event.alertId;
      target = await this.alerts.getForUpdate(trx, ownId);
    }
    // Stored after an event that names it (a retry after an outage can reorder them): the vanish
    // already opened its own alert, so this entry — its `created`, or an `updated` that overtook
    // it — joins that one instead of opening a second alarm.
    let latePredecessor = false;
    if (!target) {
      target = await this.alerts.unresolvedSuccessorOf(trx, event.alertId);
      latePredecessor = target !== undefined;
    }
    // A `created` event applied to another alert before goes to that alert too: a vanish that joined
    // the entry's alert, re-sent (an analyzer restarted before saving its state) after an operator
    // resolved that alert, is news of a closed alert, not a new alarm.
    if (!target && event.kind === 'created') {
      const aliasId = await this.alerts.aliasOf(trx, event.alertId);
      if (aliasId) target = await this.alerts.getForUpdate(trx, aliasId);
    }

    // The same vanish `created` again under another capture time (an analyzer that restarted before
    // saving its state re-derives it): news, not a new alarm — no siren again, no reopening.
    const repeated = supersedes && event.kind === 'created' && (await this.alerts.aliasOf(trx, event.alertId)) !== undefined;
    const targetId = target?.id ?? event.alertId;
    // News of an alert someone has closed (its own updates, or a joined event's) leaves the closed
    // record as it was judged; a new condition arrives as a `created` and opens a new alert.
    const closed = target?.state === 'resolved' && !supersedes;
    if (!(await this.alerts.recordEvent(trx, { eventId: event.alertId, kind: event.kind, capturedAt: event.capturedAt, alertId: targetId, at: now }))) {
      return { outcome: 'duplicate', alert: (await this.alerts.getForUpdate(trx, targetId)) as Alert };
    }

    // Every snapshot the alert receives is kept with it (its trail, and retention deletes them all),
    // not only the one it shows: a joining alert's newer picture does not orphan the earlier one.
    if (closed) return { outcome: 'closed', alert: target as Alert };
    if (snapshotPath) await this.snapshots.add(trx, targetId, snapshotPath, event.capturedAt);
    if (!target) return this.open(trx, relatedId ? { ...event, relatedAlertId: relatedId } : event, snapshotPath, regionId, now);
    // The same entry re-derived (an analyzer restarted before saving its state) is no news. But a
    // `created` that its own `updated` overtook (retries after an outage reordered them) still
    // brings the entry's snapshot — the analyzer takes one for `created` only — and its start.
    if (event.kind === 'created' && !supersedes && !latePredecessor && (target.id !== event.alertId || (await this.alerts.createdUnderAnotherTime(trx, event.alertId, event.capturedAt))))
      return { outcome: 'duplicate', alert: target };
    return this.update(trx, target, event, snapshotPath, supersedes, now, repeated);
  }

  private async open(trx: Transaction<Database>, event: AlertEvent, snapshotPath: string | null, regionId: string | null, now: number): Promise<Effect> {
    const alert: Alert = {
      id: event.alertId,
      cameraId: event.cameraId,
      cameraName: null,
      regionId,
      ruleId: event.ruleId,
      rule: event.rule,
      severity: event.severity,
      zoneId: event.zoneId ?? null,
      zoneName: null,
      trackId: event.trackId ?? null,
      state: 'open',
      startedAt: event.startedAt,
      capturedAt: event.capturedAt,
      score: event.score,
      boxes: event.boxes,
      message: event.message,
      snapshotPath,
      escalationLevel: 0,
      responsibleRegionId: regionId,
      escalationDueAt: await this.escalation.dueAt(event.severity, regionId, now, trx),
      relatedAlertId: event.relatedAlertId ?? null,
      assignee: null,
      outcome: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedAt: null,
      createdAt: now,
      updatedAt: now,
      pushedAt: null,
      alarmedAt: event.severity === 'critical' ? now : null,
      streamDelaySeconds: event.streamDelaySeconds ?? null,
    };
    if (!(await this.alerts.insert(trx, alert, SEVERITY_RANK[alert.severity]))) {
      return { outcome: 'duplicate', alert: (await this.alerts.getForUpdate(trx, alert.id)) as Alert };
    }
    const detail: TransitionDetail = { kind: 'opened', event: eventFacts(event) };
    await this.alerts.addTransition(trx, alert.id, { action: 'open', from: 'none', to: 'open', actor: SYSTEM.intake, at: now, note: transitionNote(detail), detail });
    return { outcome: 'created', alert };
  }

  private async update(
    trx: Transaction<Database>,
    before: Alert,
    event: AlertEvent,
    snapshotPath: string | null,
    supersedes: boolean,
    now: number,
    repeated = false,
  ): Promise<Effect> {
    const raised = SEVERITY_RANK[event.severity] > SEVERITY_RANK[before.severity];
    const severity = raised ? event.severity : before.severity;
    // A related event of a lower severity (a person seen again after a vanish_in_water) adds its news
    // but does not take the alert's rule over.
    const takesOver = supersedes && SEVERITY_RANK[event.severity] >= SEVERITY_RANK[before.severity];
    // Critical news calls for attention again: raised to critical, or a critical condition that starts
    // anew (the analyzer's `created`: the swimmer seen again went under once more).
    const alarms = severity === 'critical' && (raised || (supersedes && event.kind === 'created' && event.severity === 'critical' && !repeated));
    // An alarm on an alert someone has claimed opens it again: the claim answered what was known
    // then (a person at the water), not a person gone under. It must be acknowledged anew, and its
    // escalation runs again, from the current level, if nobody does.
    const reopens = alarms && before.state !== 'open';
    const state = reopens ? 'open' : before.state;
    // An older event arriving late may still raise the severity, but must not replace newer evidence.
    const newer = event.capturedAt >= before.capturedAt;
    // The alarm is dated by the row it is written to, not by `now` (read before the locks were taken,
    // or on a replica whose clock lags): later than every change before it, a school's "seen" among
    // them, so that a "seen" stored first never counts for this alarm (seenSinceAlarm).
    const updatedAt = laterUpdate(now, before);
    const next: Alert = {
      ...before,
      severity,
      rule: takesOver ? event.rule : before.rule,
      ruleId: takesOver ? event.ruleId : before.ruleId,
      zoneId: before.zoneId ?? event.zoneId ?? null,
      trackId: before.trackId ?? event.trackId ?? null,
      message: newer || supersedes ? event.message : before.message,
      score: newer ? event.score : before.score,
      boxes: newer ? event.boxes : before.boxes,
      // The earliest event's start: a late-stored entry into the water dates the alert from it.
      startedAt: Math.min(before.startedAt, event.startedAt),
      capturedAt: Math.max(before.capturedAt, event.capturedAt),
      snapshotPath: (newer || !before.snapshotPath) && snapshotPath ? snapshotPath : before.snapshotPath,
      state,
      escalationDueAt: reopens
        ? await this.escalation.dueAt(severity, before.responsibleRegionId, now, trx)
        : raised
          ? await this.escalation.dueAfterSeverityChange(before, severity, now, trx)
          : before.escalationDueAt,
      updatedAt,
      alarmedAt: alarms ? updatedAt : before.alarmedAt,
      streamDelaySeconds: newer ? (event.streamDelaySeconds ?? null) : before.streamDelaySeconds,
    };
    await this.alerts.update(trx, next, SEVERITY_RANK[next.severity]);
    if (alarms) await this.alerts.setAlarmDue(trx, before.id, updatedAt);
    const detail: TransitionDetail | null = supersedes
      ? { kind: 'superseded', takesOver, previousRule: before.rule, severityFrom: before.severity, severityTo: severity, event: eventFacts(event) }
      : raised
        ? { kind: 'severity_raised', severityFrom: before.severity, severityTo: severity, event: eventFacts(event) }
        : null;
    if (detail) {
      await this.alerts.addTransition(trx, before.id, {
        action: detail.kind === 'superseded' ? 'supersede' : 'severity_raised',
        from: before.state,
        to: state,
        actor: SYSTEM.intake,
        at: now,
        note: transitionNote(detail),
        detail,
      });
    }
    return { outcome: 'updated', alert: next, before, ...(alarms ? { raisedAlarmAt: updatedAt } : {}) };
  }

  private async after(effect: Effect): Promise<void> {
    const alert = (await this.alerts.get(effect.alert.id)) ?? effect.alert;
    if (effect.outcome === 'created') {
      this.metrics.alerts.inc({ rule: alert.rule, severity: alert.severity });
      this.logger.info({ alertId: alert.id, cameraId: alert.cameraId, rule: alert.rule, severity: alert.severity }, 'alert opened');
      await this.pushCreated(alert, effect.alert.alarmedAt !== null);
      await this.escalation.armQuietly(alert);
    } else if (effect.outcome === 'updated') {
      this.metrics.alertUpdates.inc({ rule: alert.rule, severity: alert.severity });
      // Whether this event raised the alarm is this transaction's fact, not the re-read row's: an
      // acknowledgement committed in between must not turn the drowning into a plain update.
      await this.notifier.updatedQuietly(alert, effect.raisedAlarmAt ?? null);
      if (effect.before && effect.before.escalationDueAt !== alert.escalationDueAt) await this.escalation.armQuietly(alert, effect.before);
    } else if (alert.pushedAt === null) {
      // A redelivery after a crash between commit and push: push now rather than wait for the sweeper.
      await this.pushCreated(alert);
    }
  }

  private async pushCreated(alert: Alert, alarm?: boolean): Promise<void> {
    try {
      await this.notifier.created(alert, alarm);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, alertId: alert.id }, 'pushing alert.created failed; the sweeper retries');
    }
  }

  /** The event's snapshot path when the file exists inside SNAPSHOT_DIR; otherwise null (alert kept). */
  private async checkSnapshot(event: AlertEvent): Promise<string | null> {
    if (!event.snapshotPath) return null;
    const inside = resolveInside(this.settings.snapshotDir, event.snapshotPath);
    if (inside && (await existingSnapshot(this.settings.snapshotDir, event.snapshotPath))) return event.snapshotPath;
    this.metrics.snapshotsMissing.inc();
    this.logger.warn(
      { alertId: event.alertId, snapshotPath: event.snapshotPath, reason: inside ? 'missing' : 'outside SNAPSHOT_DIR' },
      'alert snapshot not usable; storing the alert without it',
    );
    return null;
  }
}
