import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { idSchema, isValidTimeZone } from '@xl/config';
import { CurrentPrincipal } from '../auth/decorators';
import { ZodQuery } from '../common/openapi';
import { localTimeQuery } from '../common/time-query';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { LocalTime } from './local-time';
import { ReportsService } from './reports.service';

export const reportQuerySchema = z.strictObject({
  from: localTimeQuery.optional().describe('alerts that started at or after this time (one without a zone, e.g. 2026-07-01, is read in `timezone`); default 24 h before `to`'),
  to: localTimeQuery.optional().describe('alerts that started before this time (one without a zone is read in `timezone`); default now'),
  region: idSchema.optional().describe('only alerts of cameras in this region subtree'),
  timezone: z
    .string()
    .max(64)
    .default('Asia/Shanghai')
    .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
    .describe('time zone of the hour-of-day figures and of the times in the CSV'),
});

interface HttpResponse {
  setHeader(name: string, value: string): void;
}


/** Every role may read reports; each sees only the alerts it may see anyway (scope). */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** Figures of the alerts that started in the period: counts, reaction times, by rule, region, camera and hour. */
  @Get('alerts')
  @ZodQuery(reportQuerySchema)
  alerts(@CurrentPrincipal() principal: Principal, @Query(new ZodPipe(reportQuerySchema, 'query')) q: z.output<typeof reportQuerySchema>) {
    return this.reports.alertReport(principal, q);
  }

  /** The same alerts, one CSV row each (UTF-8 with BOM, for spreadsheets). */
  @Get('alerts.csv')
  @ZodQuery(reportQuerySchema)
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async alertsCsv(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(reportQuerySchema, 'query')) q: z.output<typeof reportQuerySchema>,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<string> {
    const { csv, from, to } = await this.reports.alertCsv(principal, q);
    // The dates of the report's time zone: "today" in Asia/Shanghai starts at 16:00Z the day before.
    const local = new LocalTime(q.timezone);
    const day = (ms: number) => local.format(ms).slice(0, 10);
    // Named by the days it covers: `to` is exclusive, so a day's report is that one day, not two.
    const [first, last] = [day(from), day(Math.max(from, to - 1))];
    res.setHeader('Content-Disposition', `attachment; filename="alerts-${first === last ? first : `${first}-${last}`}.csv"`);
    return csv;
  }
}
