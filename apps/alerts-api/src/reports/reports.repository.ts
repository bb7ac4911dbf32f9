import { Inject, Injectable } from '@nestjs/common';
import { type Kysely, sql } from 'kysely';
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

/**
 * When a camera_offline alert's outage ended, from its recovery's transition detail (JSON): `backAt` of
 * a camera_recovered; `darkSince` of a superseded_by_offline — the blind outage split off from it is
 * counted from there on by its own alert, so the two do not count that time twice.
 */
function backAtOf(detail: string | null): number | null {
  if (!detail) return null;
  try {
    const parsed = JSON.parse(detail) as { kind?: unknown; backAt?: unknown; darkSince?: unknown };
    if (parsed.kind === 'superseded_by_offline') return typeof parsed.darkSince === 'number' ? parsed.darkSince : null;
    return parsed.kind === 'camera_recovered' && typeof parsed.backAt === 'number' ? parsed.backAt : null;
  } catch {
    return null;
  }
}

/** A row of reportRows as the database returns it. */
type RawReportRow = Awaited<ReturnType<NonNullable<ReturnType<ReportsRepository['reportRows']>>['execute']>>[number];

/** Camera ids per query when reading their zones: well under SQLite's and PostgreSQL's bound on parameters. */
const CAMERAS_PER_QUERY = 500;

/** The alerts a report reads, in the caller's scope: those that started in a period, and the outages still going at its start. */
@Injectable()
export class ReportsRepository {
  constructor(@Inject(KYSELY) private readonly db: Kysely<Database>) {}

  /** The alerts that started in the period, oldest first: the report's and the CSV's input. */
  async alertsStarted(scope: ScopeFilter, q: ReportQuery): Promise<ReportRow[]> {
    const query = this.reportRows(scope, q.regionRoot);
    if (!query) return [];
    const rows = await query.where('alerts.started_at', '>=', q.from).where('alerts.started_at', '<', q.to).orderBy('alerts.started_at').orderBy('alerts.id').limit(q.limit).execute();
    return this.withZoneNames(rows);
  }

  /**
   * camera_offline alerts that began before `at` and whose outage had not ended by then: unresolved,
   * resolved at or after `at` (a recovery is resolved after the camera came back), or resolved by an
   * operator while the camera stays dark to this day (camera_status still dates its outage from the
   * alert's start), or resolved by an operator with the outage's end (the camera's return, a blind
   * split) noted at or after `at` (an end before `at` that was noted later gives a row cameraDowntime
   * counts as nothing). Oldest
   * first; at most one per camera, as a camera's outages do not overlap.
   */
  async outagesOngoingAt(scope: ScopeFilter, q: { at: number; regionRoot?: string }): Promise<ReportRow[]> {
    const query = this.reportRows(scope, q.regionRoot);
    if (!query) return [];
    const rows = await query
      // A literal, not a parameter: so both databases can use the partial index of migration 0023.
      .where('alerts.rule', '=', sql.lit('camera_offline'))
      .where('alerts.started_at', '<', q.at)
      .where((eb) =>
        eb.or([
          eb('alerts.resolved_at', 'is', null),
          eb('alerts.resolved_at', '>=', q.at),
          eb.exists(
            eb
              .selectFrom('camera_status')
              .select('camera_status.camera_id')
              .whereRef('camera_status.camera_id', '=', 'alerts.camera_id')
              .where('camera_status.status', '=', 'offline')
              .whereRef('camera_status.offline_since', '=', 'alerts.started_at'),
          ),
          // Resolved by an operator before `at`, the outage over since: camera-status noted the camera's
          // return, or the blind outage its unstable link became.
          eb.exists(
            eb
              .selectFrom('alert_transitions')
              .select('alert_transitions.id')
              .whereRef('alert_transitions.alert_id', '=', 'alerts.id')
              .where('alert_transitions.at', '>=', q.at)
              .where((w) => w.or([w('alert_transitions.detail', 'like', '%"kind":"camera_recovered"%'), w('alert_transitions.detail', 'like', '%"kind":"superseded_by_offline"%')])),
          ),
        ]),
      )
      .orderBy('alerts.started_at')
      .orderBy('alerts.id')
      .execute();
    return this.withZoneNames(rows);
  }

  /** The report's columns of the alerts in scope (null: the scope is empty); the caller adds the period. */
  private reportRows(scope: ScopeFilter, regionRoot: string | undefined) {
    // Not cameras.zones: it is the camera's whole configuration of polygons (kilobytes), and a join
    // would copy it into every alert row; zone names are read once per camera instead (withZoneNames).
    let query = this.db
      .selectFrom('alerts')
      .leftJoin('cameras', 'cameras.id', 'alerts.camera_id')
      .select([
        'alerts.id',
        'alerts.camera_id',
        'cameras.name as camera_name',
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
        // When a camera_offline alert's camera came back: its recovery's resolution (after a stability
        // wait), or the note camera-status adds to one an operator resolved while the camera was dark;
        // or when its unstable link went blind, a new outage (superseded_by_offline).
        (eb) =>
          eb
            .selectFrom('alert_transitions')
            .select('alert_transitions.detail')
            .whereRef('alert_transitions.alert_id', '=', 'alerts.id')
            .where((w) => w.or([w('alert_transitions.detail', 'like', '%"kind":"camera_recovered"%'), w('alert_transitions.detail', 'like', '%"kind":"superseded_by_offline"%')]))
            .orderBy('alert_transitions.id', 'desc')
            .limit(1)
            .as('recovery_detail'),
      ]);
    if (!scope.all) {
      if (!scope.regionRoots.length && !scope.cameraIds.length) return null;
      query = query.where((eb) => inScope(eb, scope, { region: 'alerts.region_id', camera: 'alerts.camera_id', alert: { zone: 'alerts.zone_id', rule: 'alerts.rule' } }));
    }
    if (regionRoot) query = query.where('alerts.region_id', 'in', inSubtrees([regionRoot]));
    return query;
  }

  private async withZoneNames(rows: ReadonlyArray<RawReportRow>): Promise<ReportRow[]> {
    const zoneNameOf = await this.zoneNames(rows);
    return rows.map((r) => ({
      id: r.id,
      cameraId: r.camera_id,
      cameraName: r.camera_name ?? null,
      regionId: r.region_id,
      zoneId: r.zone_id,
      zoneName: zoneNameOf(r.camera_id, r.zone_id),
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

  /** Display names of the rows' zones, by camera and zone id, from one read of each camera's zones. */
  private async zoneNames(rows: ReadonlyArray<{ camera_id: string; zone_id: string | null }>): Promise<(cameraId: string, zoneId: string | null) => string | null> {
    const names = new Map<string, Map<string, string | null>>();
    for (const r of rows) {
      if (r.zone_id === null) continue;
      let zones = names.get(r.camera_id);
      if (!zones) names.set(r.camera_id, (zones = new Map()));
      zones.set(r.zone_id, null);
    }
    const cameraIds = [...names.keys()];
    for (let i = 0; i < cameraIds.length; i += CAMERAS_PER_QUERY) {
      const cameras = await this.db
        .selectFrom('cameras')
        .select(['id', 'zones'])
        .where('id', 'in', cameraIds.slice(i, i + CAMERAS_PER_QUERY))
        .execute();
      for (const camera of cameras) {
        const zones = names.get(camera.id);
        if (!zones) continue;
        for (const zoneId of zones.keys()) zones.set(zoneId, zoneNameIn(camera.zones, zoneId));
      }
    }
    return (cameraId, zoneId) => (zoneId === null ? null : (names.get(cameraId)?.get(zoneId) ?? null));
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
