import { randomBytes } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '../common/clock';
import { conflictWithReason } from '../common/reasoned-errors';
import { ScopeInputValidator } from '../common/scope-input';
import type { Principal } from '../shared/principal';
import { OutboundService } from './outbound.service';
import type { DeadLetter } from './webhook-delivery';
import { unsendableUrlReason } from './webhook-sender';
import { givenWebhookUrl, redactWebhookUrl, restoredWebhookUrl } from './webhook-url';
import type { WebhookCreate, WebhookPatch } from './webhooks.schema';
import { WebhooksRepository, type DeliveryAttempt, type WebhookSubscription } from './webhooks.repository';

/**
 * The reason code of a 409 for a subscription changed since the copy a PATCH was built on (its
 * If-Match): clients reload for it, and for no other 409 (redelivering a disabled one).
 */
export const WEBHOOK_CHANGED_REASON = 'webhook_changed';

/**
 * A subscription as the API shows it: never the secret, the URL with secrets redacted (a chat bot's
 * path token too). `updatedAt` is its version (If-Match of PATCH). `unsendable`: why no POST can go
 * to its URL (stored before such URLs were refused; every delivery is dead-lettered at once), or null.
 */
export function webhookView(sub: WebhookSubscription) {
  const unsendable = unsendableUrlReason(sub.url);
  return {
    id: sub.id,
    name: sub.name,
    url: redactWebhookUrl(sub.url),
    ...sub.filters,
    enabled: sub.enabled,
    unsendable: unsendable === null ? null : { reason: `URL ${unsendable}` },
    createdBy: sub.createdBy,
    createdAt: sub.createdAt,
    updatedAt: sub.updatedAt,
  };
}

export type WebhookView = ReturnType<typeof webhookView>;

@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly scopes: ScopeInputValidator,
    private readonly clock: Clock,
    private readonly outbound: OutboundService,
  ) {}

  async list(): Promise<WebhookView[]> {
    return (await this.repository.list()).map(webhookView);
  }

  async get(id: string): Promise<WebhookView> {
    return webhookView(await this.find(id));
  }

  /** The only time the secret is shown (it was given, or generated here). */
  async create(caller: Principal, input: WebhookCreate): Promise<WebhookView & { secret: string }> {
    await this.scopes.check('subscription', input.regionIds, input.cameraIds, input.waters);
    const now = this.clock.now();
    const sub: WebhookSubscription = {
      id: `wh_${randomBytes(8).toString('hex')}`,
      name: input.name,
      // A *** (a URL copied from another subscription's view) would be sent as the token: refused.
      url: givenWebhookUrl(input.url),
      secret: input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
      filters: {
        eventTypes: input.eventTypes,
        minSeverity: input.minSeverity,
        regionIds: input.regionIds,
        cameraIds: input.cameraIds,
        waters: input.waters,
        alarmsOnly: input.alarmsOnly,
      },
      enabled: input.enabled,
      createdBy: caller.id,
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.insert(sub);
    return { ...webhookView(sub), secret: sub.secret };
  }

  /**
   * `builtOn`: the version (updatedAt, If-Match) the patch was made on; 409 when the subscription
   * changed since. Without it the patch applies to the subscription as stored (as for cameras).
   */
  async update(id: string, patch: WebhookPatch, builtOn?: number): Promise<WebhookView> {
    const current = await this.find(id);
    // An older copy's change merged onto the stored one would silently undo the save in between
    // (another admin's new siren URL, the waters moved to another pond).
    if (builtOn !== undefined && builtOn !== current.updatedAt) {
      const savedAt = new Date(current.updatedAt).toISOString();
      throw conflictWithReason(`webhook '${id}' changed meanwhile (saved again at ${savedAt}, after the copy this save was built on); reload and try again`, WEBHOOK_CHANGED_REASON);
    }
    const { name, url, secret, enabled, ...filters } = patch;
    const next: WebhookSubscription = {
      ...current,
      name: name ?? current.name,
      // GET shows the URL with its token as ***: sent back as shown, the stored token stays.
      url: url === undefined ? current.url : restoredWebhookUrl(url, current.url),
      secret: secret ?? current.secret,
      enabled: enabled ?? current.enabled,
      filters: { ...current.filters, ...filters },
      // Always later than the version read, even within its millisecond: a new version for every save.
      updatedAt: Math.max(this.clock.now(), current.updatedAt + 1),
    };
    await this.scopes.check('subscription', next.filters.regionIds, next.filters.cameraIds, next.filters.waters);
    // Written only over the row as read: of two saves racing on one version, the second gets 409.
    if (!(await this.repository.update(next, current.updatedAt))) {
      if (!(await this.repository.get(id))) throw new NotFoundException(`webhook '${id}' not found`);
      throw conflictWithReason(`webhook '${id}' changed meanwhile; reload and try again`, WEBHOOK_CHANGED_REASON);
    }
    return webhookView(next);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repository.delete(id))) throw new NotFoundException(`webhook '${id}' not found`);
    await this.outbound.deliveries.dropDeadLetters(id);
  }

  async deliveries(id: string, limit: number): Promise<DeliveryAttempt[]> {
    await this.find(id);
    return this.repository.attempts(id, limit);
  }

  /** Deliveries that failed every try, newest first; `complete` false when not all were looked at. */
  async deadLetters(id: string, limit: number): Promise<{ items: DeadLetter[]; complete: boolean }> {
    await this.find(id);
    return this.outbound.deliveries.deadLettersOf(id, limit);
  }

  /** Queues dead letters again with a full set of tries (the given ones, or all); 409 while disabled. */
  async redeliver(id: string, deliveryIds?: string[]): Promise<{ redelivered: string[] }> {
    const sub = await this.find(id);
    // A disabled subscription's deliveries are dropped: queuing them would only lose them for good.
    if (!sub.enabled) throw new ConflictException(`webhook '${id}' is disabled: enable it before redelivering`);
    return { redelivered: await this.outbound.deliveries.redeliver(id, deliveryIds) };
  }

  /** One signed test POST now, whatever the subscription's filters; the try as the delivery log has it. */
  async test(caller: Principal, id: string): Promise<DeliveryAttempt> {
    return this.outbound.deliveries.test(await this.find(id), caller.name);
  }

  private async find(id: string): Promise<WebhookSubscription> {
    const sub = await this.repository.get(id);
    if (!sub) throw new NotFoundException(`webhook '${id}' not found`);
    return sub;
  }
}
