import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ScopeService } from '../auth/scope.service';
import { Clock } from '../common/clock';
import { epochOf, type WallClockTime } from '../common/time-query';
import { LocalTime } from './local-time';
import type { Principal } from '../shared/principal';
import { alertsCsv } from './alert-csv';
import { type AlertReport, buildAlertReport, type ReportRow } from './alert-report';
import { ReportsRepository } from './reports.repository';

/** Longest period one report covers: a year and a bit, for an annual review. */
export const MAX_REPORT_DAYS = 400;
/** Alerts one report reads at most; a period holding more must be split (it is computed in memory). */
export const MAX_REPORT_ALERTS = 100_000;
/** Rows of the per-camera table. */
export const TOP_CAMERAS = 20;
const DAY_MS = 86_400_000;

export interface ReportParams {
  /** Alerts that started at or after this time (epoch ms, or wall-clock time in `timezone`); default: 24 h before `to`. */
  from?: number | WallClockTime;
  /** …and before this time; default now. */
  to?: number | WallClockTime;
  region?: string;
  timezone: string;
}

/** Duty reports over the alerts a caller may see: figures as JSON, the alerts themselves as CSV. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly scope: ScopeService,
    private readonly clock: Clock,
  ) {}

  async alertReport(principal: Principal, params: ReportParams): Promise<AlertReport> {
    const { rows, from, to, regionNames } = await this.read(principal, params);
    // Downtime is offline time inside the period: a camera dark since before it counts too.
    const outagesBefore = await this.reports.outagesOngoingAt(this.scope.filterFor(principal), { at: from, regionRoot: params.region });
    const offline = [...new Set([...outagesBefore, ...rows].filter((r) => r.rule === 'camera_offline').map((r) => r.cameraId))];
    const offlineSince = await this.reports.offlineSince(offline);
    return buildAlertReport(rows, { from, to, regionId: params.region ?? null, timezone: params.timezone, now: this.clock.now(), regionNames, topCameras: TOP_CAMERAS, offlineSince, outagesBefore });
  }

  async alertCsv(principal: Principal, params: ReportParams): Promise<{ csv: string; from: number; to: number }> {
    const { rows, from, to, regionNames } = await this.read(principal, params);
    return { csv: alertsCsv(rows, params.timezone, regionNames), from, to };
  }

  private async read(principal: Principal, params: ReportParams): Promise<{ rows: ReportRow[]; from: number; to: number; regionNames: Map<string, string> }> {
    const local = new LocalTime(params.timezone);
    const utcOf = (wallMs: number) => local.utcOf(wallMs);
    const to = params.to === undefined ? this.clock.now() : epochOf(params.to, utcOf);
    const from = params.from === undefined ? to - DAY_MS : epochOf(params.from, utcOf);
    if (!(from < to)) throw new BadRequestException(`query.from: ${new Date(from).toISOString()} must be before query.to ${new Date(to).toISOString()}`);
    if (to - from > MAX_REPORT_DAYS * DAY_MS) {
      throw new BadRequestException(`query: the period of ${Math.ceil((to - from) / DAY_MS)} days is longer than ${MAX_REPORT_DAYS} days; ask for a shorter one`);
    }
    if (params.region) {
      // 404 for a region outside the caller's scope as for one that does not exist: no probing.
      const exists = (await this.reports.regionNames([params.region])).size === 1;
      if (!exists || !(await this.scope.canSeeRegion(principal, params.region))) throw new NotFoundException(`region '${params.region}' not found`);
    }
    const rows = await this.reports.alertsStarted(this.scope.filterFor(principal), { from, to, regionRoot: params.region, limit: MAX_REPORT_ALERTS + 1 });
    if (rows.length > MAX_REPORT_ALERTS) {
      throw new BadRequestException(`query: more than ${MAX_REPORT_ALERTS} alerts started in this period; ask for a shorter period or a smaller region`);
    }
    const regionIds = [...new Set(rows.map((r) => r.regionId).filter((id): id is string => id !== null))];
    return { rows, from, to, regionNames: await this.reports.regionNames(regionIds) };
  }
}
