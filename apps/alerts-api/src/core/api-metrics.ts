import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { IntakeOutcome } from '../alerts/alert-intake.service';
import type { RegionLevel } from '../db/schema';
import { METRICS_REGISTRY } from './tokens';

// A labelled series that first appears at 1 has no earlier sample for increase() to compare with, so
// the rules on these counters (XlAlertsEscalating, XlInvalidAlertEvents, XlAlertIntakeFailing) would
// miss the first event of each process: every series they read starts at 0. A Record, so that a new
// outcome or region level cannot be forgotten here.
const INTAKE_OUTCOMES: Record<IntakeOutcome | 'invalid' | 'retried' | 'failed', true> = {
  created: true,
  updated: true,
  duplicate: true,
  suppressed: true,
  closed: true,
  ended: true,
  invalid: true,
  retried: true,
  failed: true,
};
/** An alert escalates one region level at a time, from a village at most up to its city: levels 1..3. */
const REGION_DEPTH: Record<RegionLevel, number> = { village: 0, township: 1, county: 2, city: 3 };
export const ESCALATION_LEVELS = Array.from({ length: Math.max(...Object.values(REGION_DEPTH)) }, (_, i) => String(i + 1));

/** The metrics alerts-api's core owns, on the shared registry (the realtime module adds its own). */
@Injectable()
export class ApiMetrics {
  readonly alerts: Counter<'rule' | 'severity'>;
  readonly alertUpdates: Counter<'rule' | 'severity'>;
  readonly intake: Counter<'outcome'>;
  readonly transitions: Counter<'action'>;
  readonly escalations: Counter<'level'>;
  readonly snapshotsMissing: Counter;
  readonly camerasOffline: Gauge;
  readonly configPublishes: Counter<'result'>;
  readonly unreadableCameras: Gauge;
  readonly loginFailures: Counter<'reason'>;
  readonly clockOffset: Gauge;
  readonly redisUp: Gauge;
  readonly redisUsedMemory: Gauge;
  readonly redisMaxMemory: Gauge;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.alerts = new Counter({ name: 'xl_alerts_total', help: 'Alerts created, by rule type and severity', labelNames: ['rule', 'severity'], registers });
    this.alertUpdates = new Counter({
      name: 'xl_alert_updates_total',
      help: 'Alert events that updated an existing alert (updated / superseding events)',
      labelNames: ['rule', 'severity'],
      registers,
    });
    this.intake = new Counter({
      name: 'xl_alert_intake_events_total',
      help: 'Alert events consumed from the alerts queue, by outcome (created, updated, duplicate, invalid; suppressed: a camera health alert during its maintenance window, held until it ends; closed: news of a resolved alert, left as it was; ended: a condition over (a held alert dropped, a stored one left as it was); retried: not stored, tried again; failed: not stored after a day of tries)',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of Object.keys(INTAKE_OUTCOMES)) this.intake.inc({ outcome }, 0);
    this.transitions = new Counter({ name: 'xl_alert_transitions_total', help: 'Alert lifecycle transitions, by action', labelNames: ['action'], registers });
    this.escalations = new Counter({ name: 'xl_alert_escalations_total', help: 'Alerts escalated for missing their SLA, by new level', labelNames: ['level'], registers });
    for (const level of ESCALATION_LEVELS) this.escalations.inc({ level }, 0);
    this.snapshotsMissing = new Counter({ name: 'xl_alert_snapshots_missing_total', help: 'Alert events whose snapshot file was absent or outside SNAPSHOT_DIR', registers });
    this.camerasOffline = new Gauge({ name: 'xl_cameras_offline', help: 'Cameras whose last status is offline', registers });
    this.configPublishes = new Counter({
      name: 'xl_config_publishes_total',
      help: 'Camera configuration publications to Redis, by result',
      labelNames: ['result'],
      registers,
    });
    this.unreadableCameras = new Gauge({
      name: 'xl_config_unreadable_cameras',
      help: "Stored cameras this release cannot read (typically a field saved by a newer release, kept after a rollback), as of the last full configuration publish: left out of it and of camera lists, their last published configuration kept; the log names each camera and field",
      registers,
    });
    this.loginFailures = new Counter({ name: 'xl_login_failures_total', help: 'Rejected logins, by reason', labelNames: ['reason'], registers });
    this.clockOffset = new Gauge({
      name: 'xl_clock_offset_seconds',
      help: "The Redis server's clock minus this host's, as last measured: the API reads time on Redis's clock, that of capture times; large values mean this host needs NTP",
      registers,
    });
    this.redisUp = new Gauge({
      name: 'xl_api_redis_up',
      help: "1 while this instance's Redis connection answers PING (as last probed: at each scrape and /readyz), 0 while it does not; the API keeps serving and acknowledging alerts from the database without it, but pushes, escalation timers and logins wait",
      registers,
    });
    this.redisUsedMemory = new Gauge({
      name: 'xl_redis_used_memory_bytes',
      help: "The main Redis's used_memory (INFO memory) at the last scrape; a single Redis only. With maxmemory-policy noeviction a full Redis refuses writes: frames, alert events and pushes stop everywhere",
      registers,
    });
    this.redisMaxMemory = new Gauge({
      name: 'xl_redis_maxmemory_bytes',
      help: "The main Redis's maxmemory (INFO memory) at the last scrape, 0 when unlimited; a single Redis only",
      registers,
    });
  }
}
