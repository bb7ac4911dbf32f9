import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { ZodBody, ZodQuery } from '../common/openapi';
import { versionOfIfMatch } from '../common/if-match';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import {
  deadLetterListQuerySchema,
  deliveryListQuerySchema,
  redeliverSchema,
  webhookCreateSchema,
  webhookPatchSchema,
  type Redeliver,
  type WebhookCreate,
  type WebhookPatch,
} from './webhooks.schema';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions (admin only). Deliveries are signed; see docs/realtime.md. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  async list() {
    return { items: await this.webhooks.list() };
  }

  @Post()
  @ZodBody(webhookCreateSchema)
  create(@CurrentPrincipal() caller: Principal, @Body(new ZodPipe(webhookCreateSchema)) body: WebhookCreate) {
    return this.webhooks.create(caller, body);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ZodBody(webhookPatchSchema)
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: "the subscription's updatedAt the change was built on, quoted (\"1764755000000\") or bare: 409 (reason webhook_changed) when another save changed it since; absent or *: no check",
  })
  update(@Param('id') id: string, @Body(new ZodPipe(webhookPatchSchema)) body: WebhookPatch, @Headers('if-match') ifMatch?: string) {
    return this.webhooks.update(id, body, versionOfIfMatch(ifMatch, 'webhook'));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.webhooks.delete(id);
  }

  /** The delivery log: one row per try, newest first. */
  @Get(':id/deliveries')
  @ZodQuery(deliveryListQuerySchema)
  async deliveries(
    @Param('id') id: string,
    @Query(new ZodPipe(deliveryListQuerySchema, 'query')) query: z.output<typeof deliveryListQuerySchema>,
  ) {
    return { items: await this.webhooks.deliveries(id, query.limit) };
  }

  /** Deliveries that failed every try (the receiver kept failing), newest first. */
  @Get(':id/dead-letters')
  @ZodQuery(deadLetterListQuerySchema)
  deadLetters(
    @Param('id') id: string,
    @Query(new ZodPipe(deadLetterListQuerySchema, 'query')) query: z.output<typeof deadLetterListQuerySchema>,
  ) {
    return this.webhooks.deadLetters(id, query.limit);
  }

  /**
   * Sends one signed `webhook.test` POST now and answers how it went (200 either way: the receiver
   * failing is the answer, not an error of this request). For checking a siren or gateway.
   */
  @Post(':id/test')
  @HttpCode(200)
  test(@CurrentPrincipal() caller: Principal, @Param('id') id: string) {
    return this.webhooks.test(caller, id);
  }

  /** Queues dead letters again (after the receiver was repaired); 200 with the delivery ids queued. */
  @Post(':id/dead-letters/redeliver')
  @HttpCode(200)
  @ZodBody(redeliverSchema)
  redeliver(@Param('id') id: string, @Body(new ZodPipe(redeliverSchema)) body: Redeliver) {
    return this.webhooks.redeliver(id, body.deliveryIds);
  }
}
