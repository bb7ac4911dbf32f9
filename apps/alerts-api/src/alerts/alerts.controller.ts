import { createReadStream } from 'node:fs';
import { Body, Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { idSchema, siteContactSchema } from '@xl/config';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { ZodBody, ZodQuery } from '../common/openapi';
import { timeQuery } from '../common/time-query';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { AlertBulkService, BULK_MAX_ALERTS } from './alert-bulk.service';
import { AlertsService, decodeCursor } from './alerts.service';
import { snapshotContentType } from './snapshots';

const RULES = ['zone_enter', 'dwell', 'vanish_in_water', 'crowd', 'line_cross', 'camera_covered', 'camera_blurred', 'camera_frozen', 'camera_moved', 'camera_offline'] as const;
const SEVERITIES = ['info', 'warning', 'major', 'critical'] as const;
const STATES = ['open', 'acknowledged', 'dispatched', 'resolved'] as const;

const csv = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1))
    .describe(`${what}, comma-separated: ${values.join(', ')}`);

export const alertListQuerySchema = z.strictObject({
  from: timeQuery.optional().describe('alerts that started at or after this time'),
  to: timeQuery.optional().describe('alerts that started before this time'),
  region: idSchema.optional().describe('only alerts of cameras in this region subtree'),
  camera: idSchema.optional().describe('only alerts of this camera'),
  rule: csv(RULES, 'rule types').optional(),
  ruleId: z.string().min(1).max(128).optional().describe('only alerts of this rule id'),
  severity: csv(SEVERITIES, 'severities').optional(),
  state: csv(STATES, 'states').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('page size'),
  cursor: z
    .string()
    .max(1024)
    .transform((value, ctx) => {
      const cursor = decodeCursor(value);
      if (!cursor) {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
        return z.NEVER;
      }
      return cursor;
    })
    .optional()
    .describe('nextCursor of the previous page'),
});

const note = z.string().max(2000).optional().describe('free text kept in the audit trail');
export const acknowledgeSchema = z.strictObject({
  note,
  seenAlarmedAt: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .optional()
    .describe("the alert's alarmedAt on the copy the acknowledging (or, for /seen, confirming) person saw (null: it had none); when the alert has been raised again since (a drowning after the entry they saw), it is refused with 409 — they must look at it first"),
});
/** A note, or a call to one of the site's people (the console records it when their number is clicked); not both. */
export const alertNoteSchema = z
  .strictObject({
    note: z.string().trim().min(1).max(2000).optional().describe('free text kept in the audit trail'),
    called: siteContactSchema.optional().describe('the person called (as in the camera\'s site, or anyone else)'),
  })
  // One entry says one thing: a call is written from its facts, in each reader's language.
  .refine((b) => (b.note !== undefined) !== (b.called !== undefined), { message: 'give either a note or a called person', path: ['note'] });
/** A snapshot of the alert's trail by its capture time (epoch ms), as `snapshots[].url` names it. */
export const snapshotCapturedAtSchema = z.coerce.number().int().min(0).max(8_640_000_000_000_000).describe('capturedAt of one of `snapshots`');
export const dispatchSchema = z.strictObject({
  assignee: z.string().min(1).max(128).describe('grid worker / team sent to the site'),
  note,
});
export const resolveSchema = z.strictObject({
  outcome: z.enum(['true_alarm', 'false_alarm', 'duplicate']).describe('what it turned out to be'),
  note,
});

const bulkIds = z
  .array(z.string().min(1).max(128))
  .min(1)
  .max(BULK_MAX_ALERTS)
  .refine((ids) => new Set(ids).size === ids.length, 'lists an alert twice')
  .describe(`the alerts, 1 to ${BULK_MAX_ALERTS}, each at most once`);
export const bulkAcknowledgeSchema = z.strictObject({ ids: bulkIds, note });
export const bulkResolveSchema = z.strictObject({ ids: bulkIds, outcome: resolveSchema.shape.outcome, note });

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly bulk: AlertBulkService,
  ) {}

  // The bulk routes come before ':id/…' so that 'bulk' is never taken for an alert id.

  /** Acknowledges several alerts; 200 with a result per alert. Critical alerts are refused (422 each): they are handled one by one. */
  @Post('bulk/acknowledge')
  @HttpCode(200)
  @Roles('admin', 'operator', 'school')
  @ZodBody(bulkAcknowledgeSchema)
  bulkAcknowledge(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(bulkAcknowledgeSchema)) body: z.output<typeof bulkAcknowledgeSchema>) {
    return this.bulk.apply(principal, body.ids, 'acknowledge', { note: body.note });
  }

  /** Resolves several alerts with one outcome (an open one is acknowledged first, by the same caller); 200 with a result per alert. Critical alerts are refused. */
  @Post('bulk/resolve')
  @HttpCode(200)
  @Roles('admin', 'operator')
  @ZodBody(bulkResolveSchema)
  bulkResolve(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(bulkResolveSchema)) body: z.output<typeof bulkResolveSchema>) {
    return this.bulk.apply(principal, body.ids, 'resolve', { outcome: body.outcome, note: body.note });
  }

  /** Newest first (by start time); follow nextCursor for older pages. */
  @Get()
  @ZodQuery(alertListQuerySchema)
  list(@CurrentPrincipal() principal: Principal, @Query(new ZodPipe(alertListQuerySchema, 'query')) q: z.output<typeof alertListQuerySchema>) {
    return this.alerts.list(principal, {
      from: q.from,
      to: q.to,
      regionRoot: q.region,
      cameraId: q.camera,
      rules: q.rule,
      ruleId: q.ruleId,
      severities: q.severity,
      states: q.state,
      limit: q.limit,
      after: q.cursor,
    });
  }

  @Get(':id')
  detail(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.alerts.detail(principal, id);
  }

  @Get(':id/snapshot')
  @ApiProduces('image/jpeg')
  async snapshot(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<StreamableFile> {
    const file = await this.alerts.snapshotFile(principal, id);
    return new StreamableFile(createReadStream(file), { type: snapshotContentType(file), disposition: 'inline' });
  }

  /** One of the alert's annotated snapshots, by capture time (`snapshots` in the detail lists them). */
  @Get(':id/snapshots/:capturedAt')
  @ApiProduces('image/jpeg')
  async trailSnapshot(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('capturedAt', new ZodPipe(snapshotCapturedAtSchema, 'params.capturedAt')) capturedAt: number,
  ): Promise<StreamableFile> {
    const file = await this.alerts.trailSnapshotFile(principal, id, capturedAt);
    return new StreamableFile(createReadStream(file), { type: snapshotContentType(file), disposition: 'inline' });
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles('admin', 'operator', 'school')
  @ZodBody(acknowledgeSchema)
  acknowledge(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(acknowledgeSchema)) body: z.output<typeof acknowledgeSchema>) {
    return this.alerts.acknowledge(principal, id, body);
  }

  /** A note or a call in the audit trail (the state stays): "called the grid worker, no answer". */
  @Post(':id/notes')
  @HttpCode(200)
  @Roles('admin', 'operator', 'school')
  @ZodBody(alertNoteSchema)
  addNote(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(alertNoteSchema)) body: z.output<typeof alertNoteSchema>) {
    return this.alerts.addNote(principal, id, body);
  }

  /** A school confirms it has seen the warning (audit trail only; the state stays). */
  @Post(':id/seen')
  @HttpCode(200)
  @Roles('school')
  @ZodBody(acknowledgeSchema)
  seen(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(acknowledgeSchema)) body: z.output<typeof acknowledgeSchema>) {
    return this.alerts.confirmSeen(principal, id, body);
  }

  @Post(':id/dispatch')
  @HttpCode(200)
  @Roles('admin', 'operator')
  @ZodBody(dispatchSchema)
  dispatch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(dispatchSchema)) body: z.output<typeof dispatchSchema>) {
    return this.alerts.transition(principal, id, 'dispatch', body);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Roles('admin', 'operator')
  @ZodBody(resolveSchema)
  resolve(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(resolveSchema)) body: z.output<typeof resolveSchema>) {
    return this.alerts.transition(principal, id, 'resolve', body);
  }
}
