import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { RuleType, Severity } from '@xl/contracts';
import type { ScopeFilter } from '../auth/scope.service';
import { KYSELY } from '../core/tokens';
import type { Database } from '../db/schema';
import { inScope, inSubtrees } from '../db/scope-condition';
import type { ReportRow } from './alert-report';
import { zoneNameIn } from '../cameras/zone-name';

export interface ReportQuery {
  from: number;
  to: number;
  /** Only alerts of cameras in this region subtree. */
  regionRoot?: string;
  /** Rows read at most; the caller learns that there were more by getting `limit` rows. */
  limit: number;
}

/** `backAt` of a camera_recovered transition detail (JSON), if it has one. */
function backAtOf(detail: string | null): number | null {
  if (!detail) return null;
  try {
    const parsed = JSON.parse(detail) as { kind?: unknown; backAt?: unknown };
    return parsed.kind === 'camera_recovered' && typeof parsed.backAt === 'number' ? parsed.backAt : null;
  } catch {
    return null;
  }
}

/** The alerts that started in a period, in the caller's scope, oldest first: the report's input. */
@Injectable()
export class ReportsRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  async alertsStarted(scope: ScopeFilter, q: ReportQuery): Promise<ReportRow[]> {
    let query = this.db
      .selectFrom('alerts')
      .leftJoin('cameras', 'cameras.id', 'alerts.camera_id')
      .select([
        'alerts.id',
        'alerts.camera_id',
        'cameras.name as camera_name',
        'cameras.zones as camera_zones',
        'alerts.region_id',
        'alerts.zone_id',
        'alerts.rule',
        'alerts.severity',
        'alerts.state',
        'alerts.outcome',
        'alerts.escalation_level',
        'alerts.started_at',
        'alerts.created_at',
        'alerts.acknowledged_at',
        'alerts.acknowledged_by',
        'alerts.resolved_at',
        'alerts.alarmed_at',
        // An alert reopened by a drowning is acknowledged again, which moves acknowledged_at: its
        // first reaction is in the audit trail.
        (eb) =>
          eb
            .selectFrom('alert_transitions')
            .select((t) => t.fn.min<number>('alert_transitions.at').as('at'))
            .whereRef('alert_transitions.alert_id', '=', 'alerts.id')
            .where('alert_transitions.action', '=', 'acknowledge')
            .as('first_acknowledged_at'),
        // When a camera_offline alert's camera came back (its resolution follows a stability wait).
        (eb) =>
          eb
            .selectFrom('alert_transitions')
            .select('alert_transitions.detail')
            .whereRef('alert_transitions.alert_id', '=', 'alerts.id')
            .where('alert_transitions.action', '=', 'resolve')
            .where('alert_transitions.outcome', '=', 'recovered')
            .orderBy('alert_transitions.id', 'desc')
            .limit(1)
            .as('recovery_detail'),
      ])
      .where('alerts.started_at', '>=', q.from)
      .where('alerts.started_at', '<', q.to);
    if (!scope.all) {
      if (!scope.regionRoots.length && !scope.cameraIds.length) return [];
      query = query.where((eb) => inScope(eb, scope, { region: 'alerts.region_id', camera: 'alerts.camera_id', alert: { zone: 'alerts.zone_id', rule: 'alerts.rule' } }));
    }
    if (q.regionRoot) query = query.where('alerts.region_id', 'in', inSubtrees([q.regionRoot]));
    const rows = await query.orderBy('alerts.started_at').orderBy('alerts.id').limit(q.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      cameraId: r.camera_id,
      cameraName: r.camera_name ?? null,
      regionId: r.region_id,
      zoneId: r.zone_id,
      zoneName: zoneNameIn(r.camera_zones, r.zone_id),
      rule: r.rule as RuleType,
      severity: r.severity as Severity,
      state: r.state,
      outcome: r.outcome,
      escalationLevel: r.escalation_level,
      startedAt: r.started_at,
      createdAt: r.created_at,
      acknowledgedAt: r.acknowledged_at,
      firstAcknowledgedAt: r.first_acknowledged_at === null ? r.acknowledged_at : Number(r.first_acknowledged_at),
      acknowledgedBy: r.acknowledged_by,
      resolvedAt: r.resolved_at,
      alarmedAt: r.alarmed_at,
      cameraBackAt: r.rule === 'camera_offline' ? backAtOf(r.recovery_detail) : undefined,
    }));
  }

  /** When each of the given cameras that is offline now went dark (its current outage's start). */
  async offlineSince(cameraIds: string[]): Promise<Map<string, number>> {
    if (!cameraIds.length) return new Map();
    const rows = await this.db.selectFrom('camera_status').select(['camera_id', 'offline_since']).where('camera_id', 'in', cameraIds).where('status', '=', 'offline').execute();
    return new Map(rows.flatMap((r) => (r.offline_since === null ? [] : [[r.camera_id, Number(r.offline_since)] as const])));
  }

  /** Names of the given regions (those that still exist). */
  async regionNames(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.db.selectFrom('regions').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
