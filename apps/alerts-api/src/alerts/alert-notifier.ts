import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@xl/observability';
import { ScopeService } from '../auth/scope.service';
import { CamerasRepository } from '../cameras/cameras.repository';
import { Clock } from '../common/clock';
import { LOGGER } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { EventPublisher, type PublishOutcome } from '../shared/push-events';
import { type Alert, alertView } from './alert';
import { AlertsRepository } from './alerts.repository';

const SWEEP_MS = 10_000;

/**
 * Hands alerts to the EventPublisher with their scope. alert.created is at-least-once: the alert
 * row remembers when it was pushed, and a sweeper re-pushes any alert stored but never handed over
 * (a crash or a publisher outage between commit and push). Clients may see a created event twice;
 * they must never miss one. So is the update that raised an alarm (alarm_push_due): that is how a
 * drowning usually arrives. Every other change is too (update_push_due): an acknowledgement or a
 * resolution lost between commit and push would leave other screens, webhooks and MQTT with the
 * alert as it was, and no later event may come to correct them.
 */
@Injectable()
export class AlertNotifier implements OnApplicationBootstrap, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly alerts: AlertsRepository,
    private readonly cameras: CamerasRepository,
    private readonly scope: ScopeService,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.runWorkers) return;
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  /**
   * What a push, a webhook and an MQTT message carry: the alert and where it is on the ground
   * (`place`: the site's address and coordinates, never its people's numbers), so an SMS gateway
   * or a GIS platform can say where without a table of cameras of its own.
   */
  private async dataOf(alert: Alert, alarm: boolean) {
    const site = await this.cameras.site(alert.cameraId);
    const place = site && (site.address || site.location) ? { address: site.address ?? null, location: site.location ?? null } : null;
    return { ...alertView(alert), place, alarm };
  }

  /**
   * `alarm` (the push's `data.alarm`): this push is the alert calling for attention — it was opened
   * critical. The intake says so from its own transaction; a sweeper's late re-push while the alert
   * it opened critical is not resolved (the rule the alarm re-push follows too).
   */
  async created(alert: Alert, alarm = alert.alarmedAt !== null && alert.alarmedAt === alert.createdAt && alert.state !== 'resolved'): Promise<void> {
    await this.publisher.publish({
      type: 'alert.created',
      scope: await this.scope.resourceOf(alert.cameraId, alert.regionId, alert),
      data: await this.dataOf(alert, alarm),
      capturedAt: alert.capturedAt,
    });
    await this.alerts.markPushed(alert.id, this.clock.now());
  }

  /**
   * `raisedAlarmAt`: the alarmedAt of the alarm this update raised (a drowning raising the entry's
   * alert to critical): the push carries `alarm: true`, and once it went out the alarm is no longer
   * due — if it fails, the sweeper pushes it again. Every other update: none.
   */
  async updated(alert: Alert, raisedAlarmAt: number | null = null): Promise<void> {
    const outcome = await this.publishUpdate(alert, raisedAlarmAt);
    // The log keeps one push per alarm, so a re-push of one already logged (the sweeper after an
    // intake that did push) is not logged — and with it would go this copy's news (an acknowledgement
    // since): logged as a plain update instead.
    if (outcome?.duplicate && raisedAlarmAt !== null) await this.publishUpdate(alert, null);
    if (raisedAlarmAt !== null) await this.alerts.clearAlarmDue(alert.id, raisedAlarmAt);
    await this.alerts.clearUpdateDue(alert.id, alert.updatedAt);
    // Nothing orders this push after a concurrent writer's: a newer change committed while this copy
    // was on its way may have been pushed before it. Push the alert as it is now, so the last word
    // receivers that order by seq hold is the current one.
    const after = await this.alerts.get(alert.id);
    if (after && after.updatedAt > alert.updatedAt) {
      await this.publishUpdate(after, null);
      await this.alerts.clearUpdateDue(after.id, after.updatedAt);
    }
  }

  private async publishUpdate(alert: Alert, raisedAlarmAt: number | null): Promise<PublishOutcome> {
    return this.publisher.publish({
      type: 'alert.updated',
      scope: await this.scope.resourceOf(alert.cameraId, alert.regionId, alert),
      data: await this.dataOf(alert, raisedAlarmAt !== null),
      capturedAt: alert.capturedAt,
      ...(raisedAlarmAt !== null ? { alarmAt: raisedAlarmAt } : {}),
    });
  }

  /** Pushes after commit without failing the caller: the sweeper pushes what did not go out. */
  async updatedQuietly(alert: Alert, raisedAlarmAt: number | null = null): Promise<void> {
    try {
      await this.updated(alert, raisedAlarmAt);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, alertId: alert.id, alarm: raisedAlarmAt !== null }, 'pushing alert.updated failed');
    }
  }

  async sweep(): Promise<void> {
    try {
      for (const alert of await this.alerts.unpushed(this.clock.now() - SWEEP_MS)) {
        this.logger.warn({ alertId: alert.id }, 're-pushing alert.created that was stored but never pushed');
        await this.created(alert);
      }
      for (const { alert: listed, due } of await this.alerts.alarmsDue(this.clock.now() - SWEEP_MS)) {
        // Read again just before: a resolution committed since the list must not be overtaken by an
        // older copy that still calls for help. Closed: nobody is to be called any more.
        const alert = await this.alerts.get(listed.id);
        if (!alert || alert.state === 'resolved') {
          await this.alerts.clearAlarmDue(listed.id, due);
          continue;
        }
        // Another instance's sweep or a slow intake push may get there too: the event log keeps one
        // push per (alert, alarmedAt), so receivers hear it once.
        this.logger.warn({ alertId: alert.id, alarmedAt: due }, 're-pushing an alarm that was raised but never pushed');
        await this.updated(alert, due);
      }
      for (const id of await this.alerts.updatesDue(this.clock.now() - SWEEP_MS)) {
        const alert = await this.alerts.get(id);
        if (!alert) continue;
        this.logger.warn({ alertId: id, updatedAt: alert.updatedAt }, 're-pushing an alert change that was stored but never pushed');
        await this.updated(alert);
      }
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'alert push sweep failed');
    }
  }
}
