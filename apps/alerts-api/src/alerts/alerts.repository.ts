import { Inject, Injectable } from '@nestjs/common';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { AlertBox, RuleType, Severity } from '@xl/contracts';
import type { ScopeFilter } from '../auth/scope.service';
import { parseJsonColumn } from '../common/json';
import { zoneNameIn } from '../cameras/zone-name';
import { KYSELY } from '../core/tokens';
import { isPostgres } from '../db/dialect';
import { inScope, inSubtrees } from '../db/scope-condition';
import type { AlertsTable, AlertTransitionsTable, Database } from '../db/schema';
import type { Actor, Alert, AlertTransition } from './alert';
import type { TransitionDetail } from './transition-detail';

type Db = Kysely<Database> | Transaction<Database>;
type AlertRow = AlertsTable & { camera_name?: string | null; camera_zones?: string | null };

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    cameraId: row.camera_id,
    cameraName: row.camera_name ?? null,
    regionId: row.region_id,
    ruleId: row.rule_id,
    rule: row.rule as RuleType,
    severity: row.severity as Severity,
    zoneId: row.zone_id,
    zoneName: zoneNameIn(row.camera_zones, row.zone_id),
    trackId: row.track_id,
    state: row.state,
    startedAt: row.started_at,
    capturedAt: row.captured_at,
    score: row.score,
    boxes: parseJsonColumn<AlertBox[]>(row.boxes, 'alerts.boxes'),
    message: row.message,
    snapshotPath: row.snapshot_path,
    escalationLevel: row.escalation_level,
    responsibleRegionId: row.responsible_region_id,
    escalationDueAt: row.escalation_due_at,
    relatedAlertId: row.related_alert_id,
    assignee: row.assignee,
    outcome: row.outcome,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
    resolvedAt: row.resolved_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    pushedAt: row.pushed_at,
    alarmedAt: row.alarmed_at,
    streamDelaySeconds: row.stream_delay_seconds === null || row.stream_delay_seconds === undefined ? null : Number(row.stream_delay_seconds),
  };
}

function toRow(a: Alert, severityRank: number): AlertsTable {
  return {
    id: a.id,
    camera_id: a.cameraId,
    region_id: a.regionId,
    rule_id: a.ruleId,
    rule: a.rule,
    severity: a.severity,
    severity_rank: severityRank,
    zone_id: a.zoneId,
    track_id: a.trackId,
    state: a.state,
    started_at: a.startedAt,
    captured_at: a.capturedAt,
    score: a.score,
    boxes: JSON.stringify(a.boxes),
    message: a.message,
    snapshot_path: a.snapshotPath,
    escalation_level: a.escalationLevel,
    responsible_region_id: a.responsibleRegionId,
    escalation_due_at: a.escalationDueAt,
    related_alert_id: a.relatedAlertId,
    assignee: a.assignee,
    outcome: a.outcome,
    acknowledged_by: a.acknowledgedBy,
    acknowledged_at: a.acknowledgedAt,
    resolved_at: a.resolvedAt,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    pushed_at: a.pushedAt,
    alarmed_at: a.alarmedAt,
    stream_delay_seconds: a.streamDelaySeconds,
  };
}

function toTransition(row: Selectable<AlertTransitionsTable>): AlertTransition {
  return {
    id: Number(row.id),
    alertId: row.alert_id,
    action: row.action,
    from: row.from_state,
    to: row.to_state,
    actor: { kind: row.actor_kind, id: row.actor_id, name: row.actor_name },
    at: row.at,
    note: row.note,
    assignee: row.assignee,
    outcome: row.outcome,
    escalationLevel: row.escalation_level,
    regionId: row.region_id,
    detail: row.detail === null ? null : parseJsonColumn<TransitionDetail>(row.detail, 'alert_transitions.detail'),
  };
}

export interface AlertListFilter {
  from?: number;
  to?: number;
  regionRoot?: string;
  cameraId?: string;
  rules?: string[];
  ruleId?: string;
  severities?: string[];
  states?: string[];
  limit: number;
  /** Continue after this (startedAt, id) in the newest-first order. */
  after?: { startedAt: number; id: string };
}

export interface TransitionRecord {
  action: string;
  from: string;
  to: string;
  actor: Actor;
  at: number;
  note?: string | null;
  assignee?: string | null;
  outcome?: string | null;
  escalationLevel?: number | null;
  regionId?: string | null;
  detail?: TransitionDetail | null;
}

@Injectable()
export class AlertsRepository {
  constructor(@Inject(KYSELY) readonly db: Kysely<Database>) {}

  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  private select(db: Db) {
    return db
      .selectFrom('alerts')
      .leftJoin('cameras', 'cameras.id', 'alerts.camera_id')
      .selectAll('alerts')
      .select(['cameras.name as camera_name', 'cameras.zones as camera_zones']);
  }

  async get(id: string, db: Db = this.db): Promise<Alert | undefined> {
    const row = await this.select(db).where('alerts.id', '=', id).executeTakeFirst();
    return row && toAlert(row);
  }

  /** Reads an alert for a read-modify-write inside `trx` (row lock on PostgreSQL). */
  async getForUpdate(trx: Transaction<Database>, id: string): Promise<Alert | undefined> {
    let query = trx.selectFrom('alerts').selectAll().where('id', '=', id);
    if (isPostgres(trx)) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && toAlert(row);
  }

  /**
   * Holds the camera's intake lock until the transaction ends (PostgreSQL; SQLite runs one
   * transaction at a time anyway). A row lock cannot order two events of an alert that does not
   * exist yet: a vanish read before its entry committed would open a second alert beside it.
   */
  async lockCameraIntake(trx: Transaction<Database>, cameraId: string): Promise<void> {
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(hashtext(${`xl-intake:${cameraId}`}))`.execute(trx);
  }

  /**
   * The unresolved alert opened by an event related to `alertId` (a vanish naming its zone_enter),
   * locked for update: where such an event arrived, and was stored, before the one it names.
   */
  async unresolvedSuccessorOf(trx: Transaction<Database>, alertId: string): Promise<Alert | undefined> {
    let query = trx.selectFrom('alerts').selectAll().where('related_alert_id', '=', alertId).where('state', '!=', 'resolved').orderBy('created_at').limit(1);
    if (isPostgres(trx)) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && toAlert(row);
  }

  async list(scope: ScopeFilter, f: AlertListFilter): Promise<Alert[]> {
    let q = this.select(this.db);
    if (!scope.all) {
      if (!scope.regionRoots.length && !scope.cameraIds.length) return [];
      q = q.where((eb) => inScope(eb, scope, { region: 'alerts.region_id', camera: 'alerts.camera_id', alert: { zone: 'alerts.zone_id', rule: 'alerts.rule' } }));
    }
    if (f.regionRoot) {
      const root = f.regionRoot;
      q = q.where('alerts.region_id', 'in', inSubtrees([root]));
    }
    if (f.from !== undefined) q = q.where('alerts.started_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('alerts.started_at', '<', f.to);
    if (f.cameraId) q = q.where('alerts.camera_id', '=', f.cameraId);
    if (f.rules?.length) q = q.where('alerts.rule', 'in', f.rules);
    if (f.ruleId) q = q.where('alerts.rule_id', '=', f.ruleId);
    if (f.severities?.length) q = q.where('alerts.severity', 'in', f.severities);
    if (f.states?.length) q = q.where('alerts.state', 'in', f.states as Alert['state'][]);
    if (f.after) {
      const { startedAt, id } = f.after;
      q = q.where((eb) => eb.or([eb('alerts.started_at', '<', startedAt), eb.and([eb('alerts.started_at', '=', startedAt), eb('alerts.id', '<', id)])]));
    }
    const rows = await q.orderBy('alerts.started_at', 'desc').orderBy('alerts.id', 'desc').limit(f.limit).execute();
    return rows.map(toAlert);
  }

  /** Inserts a new alert; false when one with this id exists already. */
  async insert(trx: Db, alert: Alert, severityRank: number): Promise<boolean> {
    const result = await trx
      .insertInto('alerts')
      .values(toRow(alert, severityRank))
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Writes every field of `alert` where the stored row still matches `expect`; false when it did not. */
  async update(
    trx: Db,
    alert: Alert,
    severityRank: number,
    expect: { state?: Alert['state']; escalationLevel?: number } = {},
  ): Promise<boolean> {
    const { id: _id, created_at: _created, pushed_at: _pushed, ...row } = toRow(alert, severityRank);
    // The change is due to be pushed until a copy at least this new went out (clearUpdateDue).
    let q = trx.updateTable('alerts').set({ ...row, update_push_due: alert.updatedAt }).where('id', '=', alert.id);
    if (expect.state) q = q.where('state', '=', expect.state);
    if (expect.escalationLevel !== undefined) q = q.where('escalation_level', '=', expect.escalationLevel);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** How many entries of `action` the alert's trail holds. */
  async countTransitions(trx: Db, alertId: string, action: string): Promise<number> {
    const row = await trx
      .selectFrom('alert_transitions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('alert_id', '=', alertId)
      .where('action', '=', action)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async addTransition(trx: Db, alertId: string, t: TransitionRecord): Promise<void> {
    await trx
      .insertInto('alert_transitions')
      .values({
        alert_id: alertId,
        action: t.action,
        from_state: t.from,
        to_state: t.to,
        actor_kind: t.actor.kind,
        actor_id: t.actor.id,
        actor_name: t.actor.name,
        at: t.at,
        note: t.note ?? null,
        assignee: t.assignee ?? null,
        outcome: t.outcome ?? null,
        escalation_level: t.escalationLevel ?? null,
        region_id: t.regionId ?? null,
        detail: t.detail ? JSON.stringify(t.detail) : null,
      })
      .execute();
  }

  /** Whether the alert's record holds an entry whose detail is of this kind (TransitionDetail.kind). */
  async hasTransitionDetail(trx: Db, alertId: string, kind: string): Promise<boolean> {
    const row = await trx
      .selectFrom('alert_transitions')
      .select('id')
      .where('alert_id', '=', alertId)
      .where('detail', 'like', `%"kind":${JSON.stringify(kind)}%`)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async transitions(alertId: string): Promise<AlertTransition[]> {
    const rows = await this.db.selectFrom('alert_transitions').selectAll().where('alert_id', '=', alertId).orderBy('id').execute();
    return rows.map(toTransition);
  }

  /** The alert's record changed without its state (a note, a "seen"): screens that show it reload it. */
  async touch(trx: Db, id: string, at: number): Promise<void> {
    await trx.updateTable('alerts').set({ updated_at: at, update_push_due: at }).where('id', '=', id).execute();
  }

  async markPushed(id: string, at: number): Promise<void> {
    await this.db.updateTable('alerts').set({ pushed_at: at }).where('id', '=', id).execute();
  }

  /** Records, in the raising transaction, that the alarm at `alarmedAt` still has to be pushed. */
  async setAlarmDue(trx: Db, id: string, alarmedAt: number): Promise<void> {
    await trx.updateTable('alerts').set({ alarm_push_due: alarmedAt }).where('id', '=', id).execute();
  }

  /** The alarm at `alarmedAt` was pushed; a newer one raised meanwhile stays due. */
  async clearAlarmDue(id: string, alarmedAt: number): Promise<void> {
    await this.db.updateTable('alerts').set({ alarm_push_due: null }).where('id', '=', id).where('alarm_push_due', '=', alarmedAt).execute();
  }

  /** A copy updated at `pushedUpTo` went out: changes up to it are pushed; a newer one stays due. */
  async clearUpdateDue(id: string, pushedUpTo: number): Promise<void> {
    await this.db.updateTable('alerts').set({ update_push_due: null }).where('id', '=', id).where('update_push_due', '<=', pushedUpTo).execute();
  }

  /** Ids of alerts with a change not pushed within `olderThan` (epoch ms), oldest first. */
  async updatesDue(olderThan: number, limit = 100): Promise<string[]> {
    const rows = await this.db
      .selectFrom('alerts')
      .select('id')
      .where('update_push_due', 'is not', null)
      .where('update_push_due', '<', olderThan)
      .orderBy('update_push_due')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  /** Alerts whose raised alarm was not pushed within `olderThan` (epoch ms), oldest first. */
  async alarmsDue(olderThan: number, limit = 100): Promise<{ alert: Alert; due: number }[]> {
    const rows = await this.select(this.db)
      .select('alerts.alarm_push_due as due')
      .where('alerts.alarm_push_due', 'is not', null)
      .where('alerts.alarm_push_due', '<', olderThan)
      .orderBy('alerts.severity_rank', 'desc')
      .orderBy('alerts.alarm_push_due')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ alert: toAlert(row), due: Number(row.due) }));
  }

  /**
   * Alerts stored but never handed to the publisher (a crash or a publisher outage in between), the
   * most severe first: after an outage of the event log a drowning waited behind up to 100 minor
   * alerts per sweep (review 2026-12-03 alert-storms). As alarmsDue.
   */
  async unpushed(olderThan: number, limit = 100): Promise<Alert[]> {
    const rows = await this.select(this.db).where('alerts.pushed_at', 'is', null).where('alerts.created_at', '<', olderThan).orderBy('alerts.severity_rank', 'desc').orderBy('alerts.created_at').limit(limit).execute();
    return rows.map(toAlert);
  }

  /** Open alerts with an escalation due, to re-arm their timers at start. */
  async pendingEscalations(): Promise<Alert[]> {
    const rows = await this.select(this.db).where('alerts.state', '=', 'open').where('alerts.escalation_due_at', 'is not', null).execute();
    return rows.map(toAlert);
  }

  /** Open alerts whose escalation deadline is at or before `before`, earliest first (the sweep's backstop). */
  async overdueEscalations(before: number, limit: number): Promise<Alert[]> {
    const rows = await this.select(this.db)
      .where('alerts.state', '=', 'open')
      .where('alerts.escalation_due_at', '<=', before)
      .orderBy('alerts.escalation_due_at')
      .limit(limit)
      .execute();
    return rows.map(toAlert);
  }

  /** Unresolved alerts of one rule type on one camera (camera_offline recovery). */
  async unresolvedOf(cameraId: string, rule: RuleType): Promise<Alert[]> {
    const rows = await this.select(this.db)
      .where('alerts.camera_id', '=', cameraId)
      .where('alerts.rule', '=', rule)
      .where('alerts.state', '!=', 'resolved')
      .execute();
    return rows.map(toAlert);
  }

  // --- consumed events (idempotency and aliases) ---

  /**
   * The alert an event id was applied to before, if any (a superseding event's id maps to the alert
   * it updated). Where it was applied to several (earlier versions let a vanish re-sent as `created`
   * open its own alert beside the resolved one it had joined), the unresolved one, else the newest:
   * its news goes to the alert still being handled, whichever order the database returns rows in.
   */
  async aliasOf(trx: Db, eventId: string): Promise<string | undefined> {
    const row = await trx
      .selectFrom('alert_events')
      .leftJoin('alerts', 'alerts.id', 'alert_events.alert_id')
      .select('alert_events.alert_id')
      .where('alert_events.event_id', '=', eventId)
      .orderBy(sql`case when alerts.state is null then 2 when alerts.state = 'resolved' then 1 else 0 end`)
      .orderBy(sql`coalesce(alerts.created_at, 0)`, 'desc')
      .orderBy('alert_events.received_at', 'desc')
      .orderBy('alert_events.alert_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.alert_id;
  }

  async eventSeen(trx: Db, eventId: string, kind: string, capturedAt: number): Promise<string | undefined> {
    const row = await trx
      .selectFrom('alert_events')
      .select('alert_id')
      .where('event_id', '=', eventId)
      .where('kind', '=', kind)
      .where('captured_at', '=', capturedAt)
      .executeTakeFirst();
    return row?.alert_id;
  }

  /** Whether a `created` of event `eventId` was recorded under a capture time other than `capturedAt` (re-derived by a restarted analyzer). */
  async createdUnderAnotherTime(trx: Db, eventId: string, capturedAt: number): Promise<boolean> {
    const row = await trx
      .selectFrom('alert_events')
      .select('alert_id')
      .where('event_id', '=', eventId)
      .where('kind', '=', 'created')
      .where('captured_at', '<>', capturedAt)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Records a consumed event; false when it was recorded before (a duplicate delivery). */
  async recordEvent(trx: Db, e: { eventId: string; kind: string; capturedAt: number; alertId: string; at: number }): Promise<boolean> {
    const result = await trx
      .insertInto('alert_events')
      .values({ event_id: e.eventId, kind: e.kind, captured_at: e.capturedAt, alert_id: e.alertId, received_at: e.at })
      .onConflict((oc) => oc.columns(['event_id', 'kind', 'captured_at']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }
}
