import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Transaction } from 'kysely';
import { SEVERITY_RANK, type Severity } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { Clock } from '../common/clock';
import { ApiMetrics } from '../core/api-metrics';
import { LOGGER } from '../core/tokens';
import type { Database } from '../db/schema';
import { RegionsRepository } from '../regions/regions.repository';
import { SETTINGS, type Settings } from '../settings';
import { ApiTimers, timerJobId } from '../timers/api-timers';
import { type Alert, laterUpdate, SYSTEM } from './alert';
import { AlertNotifier } from './alert-notifier';
import { AlertsRepository } from './alerts.repository';
import { type TransitionDetail, transitionNote } from './transition-detail';

const TIMER = 'escalate';
/** Overdue alerts escalated per sweep at most; the rest go in the next one, earliest first. */
const SWEEP_BATCH = 200;

/**
 * Acknowledgement SLAs. An open alert gets a deadline (its severity's SLA); when it passes without
 * acknowledgement the alert escalates one level: the responsible region moves to the parent
 * region (township → county → city), the level goes up, the step is an audit transition and an
 * alert.updated push, and the next deadline starts. Acknowledging clears the deadline. Each
 * deadline is a delayed BullMQ job whose id carries the alert, level and due time; the handler acts
 * only if the alert still has exactly that deadline, so stale or duplicate timers do nothing.
 * The timers live in Redis; a sweep of the database escalates what they missed (Redis lost its data,
 * a worker stalled), so an unacknowledged drowning alert climbs the tree whatever became of its job.
 */
@Injectable()
export class EscalationService implements OnApplicationBootstrap, OnModuleDestroy {
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly timers: ApiTimers,
    private readonly alerts: AlertsRepository,
    private readonly regions: RegionsRepository,
    private readonly notifier: AlertNotifier,
    private readonly metrics: ApiMetrics,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    timers.register(TIMER, async (data) => void (await this.escalate(String(data.alertId), Number(data.level), Number(data.due))));
  }

  /** Re-arms the deadlines of open alerts (jobs lost with a flushed Redis, or never added). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.runWorkers) return;
    try {
      for (const alert of await this.alerts.pendingEscalations()) await this.arm(alert);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 're-arming escalation deadlines failed');
    }
    this.sweepTimer = setInterval(() => void this.sweepOverdue().catch((err: Error) => this.logger.error({ err: err.message }, 'escalation sweep failed')), this.settings.timerSweepSeconds * 1000);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /**
   * Escalates open alerts whose deadline passed more than one sweep interval ago — their timer did
   * not fire. The grace leaves the timer its turn; `escalate` acts only on the exact deadline, so a
   * timer and a sweep (or two instances) racing escalate once. Returns how many it escalated.
   */
  async sweepOverdue(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      let escalated = 0;
      const overdue = await this.alerts.overdueEscalations(this.clock.now() - this.settings.timerSweepSeconds * 1000, SWEEP_BATCH);
      for (const alert of overdue) {
        if (alert.escalationDueAt === null) continue;
        this.logger.warn({ alertId: alert.id, level: alert.escalationLevel, overdueMs: this.clock.now() - alert.escalationDueAt }, 'escalation deadline passed without its timer (Redis lost it?); escalating from the sweep');
        // One alert that fails (a row the code cannot handle, a deadlock) must not hold up the
        // escalation of every other overdue warning behind it in the batch.
        try {
          if (await this.escalate(alert.id, alert.escalationLevel, alert.escalationDueAt)) escalated++;
        } catch (err) {
          this.logger.error({ alertId: alert.id, level: alert.escalationLevel, err: (err as Error).message }, 'escalating an overdue alert failed; the sweep goes on with the others');
        }
      }
      return escalated;
    } finally {
      this.sweeping = false;
    }
  }

  slaMs(severity: Severity): number {
    return (this.settings.slaSeconds[severity] ?? 0) * 1000;
  }

  /** When an open alert of this severity, now the responsibility of `regionId`, must escalate; null: never. */
  async dueAt(severity: Severity, regionId: string | null, from: number, db?: Transaction<Database>): Promise<number | null> {
    const sla = this.slaMs(severity);
    if (!sla || !regionId) return null;
    const region = await this.regions.get(regionId, db);
    return region?.parentId ? from + sla : null;
  }

  /**
   * The deadline after a severity change: a tighter SLA counts from the same start; never later. A
   * severity whose SLA is 0 never escalates: the deadline of the severity before goes.
   */
  async dueAfterSeverityChange(before: Alert, severity: Severity, now: number, db?: Transaction<Database>): Promise<number | null> {
    const sla = this.slaMs(severity);
    if (before.state !== 'open' || !sla) return null;
    if (before.escalationDueAt === null) return this.dueAt(severity, before.responsibleRegionId, now, db);
    const start = before.escalationDueAt - this.slaMs(before.severity);
    return Math.min(before.escalationDueAt, start + sla);
  }

  async arm(alert: Alert): Promise<void> {
    if (alert.state !== 'open' || alert.escalationDueAt === null) return;
    const due = alert.escalationDueAt;
    await this.timers.schedule(TIMER, this.jobId(alert.id, alert.escalationLevel, due), { alertId: alert.id, level: alert.escalationLevel, due }, due - this.clock.now());
  }

  async disarm(alert: Alert): Promise<void> {
    if (alert.escalationDueAt !== null) await this.timers.cancel(this.jobId(alert.id, alert.escalationLevel, alert.escalationDueAt));
  }

  /** Arms/disarms without failing the caller: the database already holds the deadline. */
  async armQuietly(alert: Alert, previous?: Alert): Promise<void> {
    try {
      if (previous) await this.disarm(previous);
      await this.arm(alert);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, alertId: alert.id }, 'arming the escalation deadline failed');
    }
  }

  private jobId(alertId: string, level: number, due: number): string {
    return timerJobId('esc', alertId, level, due);
  }

  /**
   * Escalates the open alert `alertId` step by step, each an ordinary escalation (its audit entry,
   * push and ring), until it rests at `level` or its SLA or the region tree stops it: an alert that
   * takes over from one escalation had carried up (an unstable link gone blind) starts where that one
   * was, not at the bottom of the ladder. Returns the level it rests at.
   */
  async catchUp(alertId: string, level: number): Promise<number> {
    for (;;) {
      const alert = await this.alerts.get(alertId);
      if (!alert) return 0;
      if (alert.state !== 'open' || alert.escalationLevel >= level || alert.escalationDueAt === null) return alert.escalationLevel;
      if (!(await this.escalate(alertId, alert.escalationLevel, alert.escalationDueAt))) return alert.escalationLevel;
    }
  }

  /** True when it escalated the alert (it still had exactly this deadline). */
  async escalate(alertId: string, level: number, due: number): Promise<boolean> {
    const now = this.clock.now();
    const escalated = await this.alerts.transaction(async (trx) => {
      const alert = await this.alerts.getForUpdate(trx, alertId);
      if (!alert || alert.state !== 'open' || alert.escalationLevel !== level || alert.escalationDueAt !== due) return null;
      // An SLA of 0 means never escalate. A deadline set under an SLA changed to 0 since (a restart
      // with new settings re-arms it) is dropped, not acted on: escalating on it would set the next
      // deadline to now and cascade the alert to the root in milliseconds.
      const sla = this.slaMs(alert.severity);
      const from = sla && alert.responsibleRegionId ? await this.regions.get(alert.responsibleRegionId, trx) : undefined;
      const parent = from?.parentId ? await this.regions.get(from.parentId, trx) : undefined;
      if (!from || !parent) {
        await this.alerts.update(trx, { ...alert, escalationDueAt: null, updatedAt: laterUpdate(now, alert) }, SEVERITY_RANK[alert.severity]);
        return null;
      }
      const next: Alert = {
        ...alert,
        escalationLevel: level + 1,
        responsibleRegionId: parent.id,
        escalationDueAt: parent.parentId ? now + sla : null,
        updatedAt: laterUpdate(now, alert),
      };
      if (!(await this.alerts.update(trx, next, SEVERITY_RANK[next.severity], { state: 'open', escalationLevel: level }))) return null;
      const detail: TransitionDetail = {
        kind: 'escalated',
        slaSeconds: sla / 1000,
        fromRegion: { id: from.id, name: from.name, level: from.level },
        toRegion: { id: parent.id, name: parent.name, level: parent.level },
      };
      await this.alerts.addTransition(trx, alertId, {
        action: 'escalate',
        from: 'open',
        to: 'open',
        actor: SYSTEM.escalation,
        at: now,
        note: transitionNote(detail),
        detail,
        escalationLevel: level + 1,
        regionId: parent.id,
      });
      return next;
    });
    if (!escalated) return false;
    this.metrics.escalations.inc({ level: String(escalated.escalationLevel) });
    this.logger.warn({ alertId, level: escalated.escalationLevel, region: escalated.responsibleRegionId }, 'alert escalated');
    const fresh = (await this.alerts.get(alertId)) ?? escalated;
    // Neither awaited: the escalation is committed with its push due (update_push_due: the notifier's
    // sweeper pushes it if this push fails), and the sweep re-finds the next deadline in the database.
    // A Redis outage must not hold up the sweep — the only escalation path then — alert by alert
    // (the push waited ~3 s each on the main Redis client), nor fail the timer job for good.
    void this.notifier.updatedQuietly(fresh);
    void this.armQuietly(fresh);
    return true;
  }
}
