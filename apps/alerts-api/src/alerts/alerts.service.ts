import { ConflictException, ForbiddenException, type HttpException, Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import type { SiteConfig } from '@xl/config';
import { SEVERITY_RANK } from '@xl/contracts';
import type { Transaction } from 'kysely';
import { CamerasRepository } from '../cameras/cameras.repository';
import { ScopeService } from '../auth/scope.service';
import { Clock } from '../common/clock';
import { conflictWithReason } from '../common/reasoned-errors';
import { ApiMetrics } from '../core/api-metrics';
import type { AlertOutcome, Database } from '../db/schema';
import { EvidenceRepository } from '../evidence/evidence.repository';
import { evidenceView, type EvidenceView } from '../evidence/evidence-view';
import { SETTINGS, type Settings } from '../settings';
import type { Principal } from '../shared/principal';
import { type Actor, type Alert, type AlertTransition, type AlertView, alertView, laterUpdate } from './alert';
import { AlertNotifier } from './alert-notifier';
import { AlertSnapshotsRepository } from './alert-snapshots.repository';
import { type AlertListFilter, AlertsRepository } from './alerts.repository';
import { EscalationService } from './escalation.service';
import { IllegalTransitionError, nextState, NOTE_ACTION, NOTE_ROLES, SEEN_ACTION, SEEN_ROLES, TRANSITION_ROLES, type TransitionAction } from './lifecycle';
import { existingSnapshot } from './snapshots';
import { OUTAGE_END_KINDS, type OutageEndKind, type TransitionDetail, transitionNote } from './transition-detail';

export interface TransitionInput {
  note?: string;
  assignee?: string;
  outcome?: AlertOutcome;
}

/**
 * With the camera's site as it is now (where to send people, whom to call: an address corrected
 * after the alert still counts) and the clip and high-resolution snapshot when evidence is wired
 * (EvidenceModule).
 */
export type AlertDetail = AlertView & { transitions: AlertTransition[]; site: SiteConfig | null; snapshots: SnapshotTrailEntry[]; evidence?: EvidenceView };

/** One of the annotated snapshots the alert received (its trail: entering the water, last seen, gone under). */
export interface SnapshotTrailEntry {
  capturedAt: number;
  url: string;
}

/**
 * The reason code of the 409 refusing an acknowledgement or a "seen" of a copy the alert was raised
 * again after: clients tell it from the other 409s (taken by someone else) and say it in their language.
 */
export const RAISED_AGAIN_REASON = 'raised_again';

/**
 * Notes and calls one alert takes at most, then 409 `too_many_notes`. The whole trail goes out with
 * every read of the alert and each note pushes an update to every screen and receiver in scope: a
 * looping script or a stuck kiosk grew one alert to megabytes and flooded the receivers.
 */
export const MAX_NOTES_PER_ALERT = 500;
export const TOO_MANY_NOTES_REASON = 'too_many_notes';

function raisedAgain(message: string): ConflictException {
  return conflictWithReason(message, RAISED_AGAIN_REASON);
}

export function actorOf(principal: Principal): Actor {
  return { kind: principal.kind, id: principal.id, name: principal.name };
}

@Injectable()
export class AlertsService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly cameras: CamerasRepository,
    private readonly snapshots: AlertSnapshotsRepository,
    private readonly scope: ScopeService,
    private readonly notifier: AlertNotifier,
    private readonly escalation: EscalationService,
    private readonly metrics: ApiMetrics,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() private readonly evidence?: EvidenceRepository,
  ) {}

  async list(principal: Principal, filter: AlertListFilter): Promise<{ items: AlertView[]; nextCursor: string | null }> {
    const rows = await this.alerts.list(this.scope.filterFor(principal), { ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return { items: page.map(alertView), nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : null };
  }

  async detail(principal: Principal, id: string): Promise<AlertDetail> {
    const alert = await this.visible(principal, id);
    const evidence = this.evidence ? { evidence: evidenceView(id, await this.evidence.get(id)) } : {};
    return { ...(await this.detailOf(alert)), ...evidence };
  }

  /** Absolute path of the alert's snapshot file; 404 when it has none or the file is gone. */
  async snapshotFile(principal: Principal, id: string): Promise<string> {
    const alert = await this.visible(principal, id);
    const file = alert.snapshotPath ? await existingSnapshot(this.settings.snapshotDir, alert.snapshotPath) : null;
    if (!file) throw new NotFoundException(`alert '${id}' has no snapshot`);
    return file;
  }

  /**
   * Absolute path of the alert's snapshot captured at `capturedAt` (its key in the trail: a late,
   * older picture joining the trail does not change what a key shows); 404 when there is none or
   * its file is gone.
   */
  async trailSnapshotFile(principal: Principal, id: string, capturedAt: number): Promise<string> {
    await this.visible(principal, id);
    const entry = (await this.snapshots.list(id)).find((s) => s.capturedAt === capturedAt);
    const file = entry ? await existingSnapshot(this.settings.snapshotDir, entry.path) : null;
    if (!file) throw new NotFoundException(`alert '${id}' has no snapshot captured at ${capturedAt}`);
    return file;
  }

  /**
   * One lifecycle step. The alert is read again under its row lock and the step is built on that
   * copy: built on the copy read before the lock, it wrote back what the intake or an escalation had
   * just committed (a drowning's critical raise undone by the acknowledgement of its zone_enter).
   * `refuse` may turn the step down on that copy (bulk handling refuses critical alerts).
   */
  async transition(
    principal: Principal,
    id: string,
    action: TransitionAction,
    input: TransitionInput,
    refuse?: (current: Alert) => HttpException | null,
  ): Promise<AlertDetail> {
    if (!TRANSITION_ROLES[action].includes(principal.role)) throw new ForbiddenException(`role '${principal.role}' may not ${action} alerts`);
    await this.visible(principal, id);
    const { before, next } = await this.alerts.transaction(async (trx) => {
      const current = await this.alerts.getForUpdate(trx, id);
      if (!current) throw new NotFoundException(`alert '${id}' not found`);
      const refusal = refuse?.(current);
      if (refusal) throw refusal;
      let to: Alert['state'];
      try {
        to = nextState(action, current.state);
      } catch (err) {
        if (err instanceof IllegalTransitionError) throw new ConflictException(err.message);
        throw err;
      }
      const now = this.clock.now();
      const next: Alert = {
        ...current,
        state: to,
        updatedAt: laterUpdate(now, current),
        escalationDueAt: null,
        ...(action === 'acknowledge' ? { acknowledgedBy: principal.name, acknowledgedAt: now } : {}),
        ...(action === 'dispatch' ? { assignee: input.assignee ?? null } : {}),
        ...(action === 'resolve' ? { outcome: input.outcome ?? null, resolvedAt: now } : {}),
      };
      // Still conditional on the state (SQLite has no row lock; its transactions run one at a time).
      if (!(await this.alerts.update(trx, next, SEVERITY_RANK[next.severity], { state: current.state }))) {
        throw new ConflictException(`alert '${id}' changed meanwhile; reload it and try again`);
      }
      await this.alerts.addTransition(trx, id, {
        action,
        from: current.state,
        to,
        actor: actorOf(principal),
        at: now,
        note: input.note ?? null,
        assignee: input.assignee ?? null,
        outcome: input.outcome ?? null,
        escalationLevel: current.escalationLevel,
        regionId: current.responsibleRegionId,
      });
      return { before: current, next };
    });
    this.metrics.transitions.inc({ action });
    // Not awaited: the answer must not wait on Redis (while it was down, an acknowledgement waited
    // ~20 s for its timer's removal). A timer left behind finds its deadline gone and does nothing.
    void this.escalation.armQuietly(next, before);
    const fresh = (await this.alerts.get(id)) as Alert;
    await this.notifier.updatedQuietly(fresh);
    return this.detailOf(fresh);
  }

  /**
   * Acknowledges, refusing (409) when the alert was raised again after the copy the person saw
   * (`seenAlarmedAt`): an acknowledgement clicked on an entry into the water must not count as having
   * seen the drowning that reopened it meanwhile — nor stop that drowning's escalation.
   */
  acknowledge(principal: Principal, id: string, input: { note?: string; seenAlarmedAt?: number | null }): Promise<AlertDetail> {
    const { seenAlarmedAt, ...rest } = input;
    return this.transition(principal, id, 'acknowledge', rest, (current) =>
      seenAlarmedAt !== undefined && (current.alarmedAt ?? 0) > (seenAlarmedAt ?? 0)
        ? raisedAgain(`alert '${id}' was raised again (${current.rule}, ${current.severity}) after the copy you acknowledged; look at it again before acknowledging`)
        : null,
    );
  }

  /**
   * Records that `principal` has seen the alert (school screens); the state does not change. Refused
   * (409) when it was raised again after the copy they saw (`seenAlarmedAt`): a school pressing "seen"
   * on the entry into the water must not close the drowning that reopened it meanwhile, on this
   * screen or the school's others (a `seen` after the alarm counts as having seen it).
   */
  async confirmSeen(principal: Principal, id: string, input: { note?: string; seenAlarmedAt?: number | null }): Promise<AlertDetail> {
    if (!SEEN_ROLES.includes(principal.role)) throw new ForbiddenException(`role '${principal.role}' does not confirm alerts as seen`);
    const { seenAlarmedAt } = input;
    // Seen by this caller since the alarm now on the alert: answered as it is, not recorded again. A
    // kiosk or script pressing "seen" in a loop grew the trail (sent with every read, each entry pushed)
    // past the notes' cap without bound (review 2026-12-03 session31-backend, finding 2).
    const alert = await this.visible(principal, id);
    if (seenAlarmedAt === undefined || (alert.alarmedAt ?? 0) <= (seenAlarmedAt ?? 0)) {
      const seenAlready = (await this.alerts.transitions(id)).some((t) => t.action === SEEN_ACTION && t.actor.kind === principal.kind && t.actor.id === principal.id && t.at >= (alert.alarmedAt ?? 0));
      if (seenAlready) return this.detailOf(alert);
    }
    return this.record(principal, id, SEEN_ACTION, input.note ?? null, null, (current) =>
      seenAlarmedAt !== undefined && (current.alarmedAt ?? 0) > (seenAlarmedAt ?? 0)
        ? raisedAgain(`alert '${id}' was raised again (${current.rule}, ${current.severity}) after the copy you confirmed; look at it again`)
        : null,
    );
  }

  /** Adds a note or a call to the alert's audit trail (NOTE_ACTION); the state does not change. */
  async addNote(principal: Principal, id: string, input: { note?: string; called?: { name: string; role?: string; phone: string } }): Promise<AlertDetail> {
    if (!NOTE_ROLES.includes(principal.role)) throw new ForbiddenException(`role '${principal.role}' may not add notes to alerts`);
    const detail: TransitionDetail | null = input.called ? { kind: 'called', contact: { name: input.called.name, role: input.called.role ?? null, phone: input.called.phone } } : null;
    return this.record(principal, id, NOTE_ACTION, detail ? transitionNote(detail) : (input.note ?? null), detail, async (_current, trx) =>
      (await this.alerts.countTransitions(trx, id, NOTE_ACTION)) >= MAX_NOTES_PER_ALERT ? conflictWithReason(`alert ${id} has ${MAX_NOTES_PER_ALERT} notes, the most one alert takes`, TOO_MANY_NOTES_REASON) : null,
    );
  }

  /**
   * An audit-trail entry that leaves state, claim and escalation as they are. The alert's `updatedAt`
   * moves, so other screens showing it reload its timeline (and a school's close the warning).
   */
  private async record(principal: Principal, id: string, action: string, note: string | null, detail: TransitionDetail | null, refuse?: (current: Alert, trx: Transaction<Database>) => Error | null | Promise<Error | null>): Promise<AlertDetail> {
    await this.visible(principal, id);
    await this.alerts.transaction(async (trx) => {
      // Read in the transaction: the entry states the state it was written in, not one read before.
      const current = (await this.alerts.getForUpdate(trx, id)) as Alert;
      const refusal = await refuse?.(current, trx);
      if (refusal) throw refusal;
      // Dated under the row lock, after every change before it: a "seen" counts for the alarm stored
      // before it, never for one stored after it (seenSinceAlarm compares the two times).
      const at = laterUpdate(this.clock.now(), current);
      await this.alerts.addTransition(trx, id, { action, from: current.state, to: current.state, actor: actorOf(principal), at, note, detail: detail ?? undefined, escalationLevel: current.escalationLevel, regionId: current.responsibleRegionId });
      await this.alerts.touch(trx, id, at);
    });
    this.metrics.transitions.inc({ action });
    const fresh = (await this.alerts.get(id)) as Alert; // with the camera's and zone's names
    await this.notifier.updatedQuietly(fresh);
    return this.detailOf(fresh);
  }

  private async detailOf(alert: Alert): Promise<AlertDetail> {
    const [transitions, site, snapshots] = await Promise.all([this.alerts.transitions(alert.id), this.cameras.site(alert.cameraId), this.snapshots.list(alert.id)]);
    const base = `/alerts/${encodeURIComponent(alert.id)}/snapshots`;
    // One per capture time: two files of the same moment (a redelivered event under another id) are one picture.
    const moments = [...new Map(snapshots.map((s) => [s.capturedAt, s])).values()];
    return { ...alertView(alert), transitions, site: site ?? null, snapshots: moments.map((s) => ({ capturedAt: s.capturedAt, url: `${base}/${s.capturedAt}` })) };
  }

  /**
   * Resolves an alert on the system's behalf (camera_offline when the camera is back). Whatever
   * state it is in, short of resolved; recorded with the system actor and outcome "recovered".
   */
  async resolveBySystem(id: string, actor: Actor, detail: TransitionDetail): Promise<boolean> {
    const done = await this.alerts.transaction(async (trx) => {
      // Read under the row lock, as transition() does: the step is built on what is stored now.
      const before = await this.alerts.getForUpdate(trx, id);
      if (!before || before.state === 'resolved') return null;
      const now = this.clock.now();
      const next: Alert = { ...before, state: 'resolved', outcome: 'recovered', resolvedAt: now, escalationDueAt: null, updatedAt: laterUpdate(now, before) };
      if (!(await this.alerts.update(trx, next, SEVERITY_RANK[next.severity], { state: before.state }))) return null;
      await this.alerts.addTransition(trx, id, { action: 'resolve', from: before.state, to: 'resolved', actor, at: now, note: transitionNote(detail), detail, outcome: 'recovered' });
      return { before, next };
    });
    if (!done) return false;
    this.metrics.transitions.inc({ action: 'auto_resolve' });
    void this.escalation.armQuietly(done.next, done.before); // not awaited, as in transition()
    await this.notifier.updatedQuietly((await this.alerts.get(id)) as Alert);
    return true;
  }

  /**
   * Records on a resolved alert when its camera's outage ended, as a note by `actor`: the camera came
   * back (`camera_recovered`), or its unstable link went blind, a new outage with its own alert
   * (`superseded_by_offline`). An operator may resolve a camera_offline alert while the camera is
   * still dark (a repair ticket filed, a flaky link known), and without this the outage's length was
   * lost — reports then ended it at the operator's click. State and outcome stay. False when the alert
   * is absent, not resolved, or already holds either record (the system's own resolution wrote it).
   */
  async recordOutageEndBySystem(id: string, actor: Actor, detail: TransitionDetail & { kind: OutageEndKind }): Promise<boolean> {
    const done = await this.alerts.transaction(async (trx) => {
      const before = await this.alerts.getForUpdate(trx, id);
      if (!before || before.state !== 'resolved') return false;
      for (const kind of OUTAGE_END_KINDS) if (await this.alerts.hasTransitionDetail(trx, id, kind)) return false;
      const at = laterUpdate(this.clock.now(), before);
      await this.alerts.addTransition(trx, id, { action: NOTE_ACTION, from: before.state, to: before.state, actor, at, note: transitionNote(detail), detail });
      await this.alerts.touch(trx, id, at);
      return true;
    });
    if (!done) return false;
    this.metrics.transitions.inc({ action: NOTE_ACTION });
    await this.notifier.updatedQuietly((await this.alerts.get(id)) as Alert);
    return true;
  }

  /** The alert if it exists and lies in the principal's scope; 404 otherwise (either way, the same answer). */
  async visible(principal: Principal, id: string): Promise<Alert> {
    const alert = await this.alerts.get(id);
    if (!alert) throw new NotFoundException(`alert '${id}' not found`);
    await this.scope.assertAlert(principal, alert);
    return alert;
  }
}

export function encodeCursor(alert: Pick<Alert, 'startedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([alert.startedAt, alert.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { startedAt: number; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { startedAt: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through
  }
  return null;
}
