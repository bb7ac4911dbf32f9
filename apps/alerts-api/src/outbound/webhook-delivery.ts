import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@xl/observability';
import type { LogEvent } from '../realtime/event-log';
import { metric } from '../realtime/realtime.metrics';
import type { PushEventType } from '../shared/push-events';
import type { OutboundOptions } from './outbound.options';
import { matchesFilters } from './webhook-filter';
import { signWebhookBody, WebhookHeaders } from './webhook-signature';
import type { DeliveryOutcome, WebhooksRepository } from './webhooks.repository';

export const WEBHOOK_QUEUE = 'webhooks';
/** Deliveries that failed their last try, kept for inspection and manual replay. */
export const WEBHOOK_DEAD_LETTER_QUEUE = 'webhooks-dead';

export interface WebhookJob {
  subscriptionId: string;
  /** `<subscriptionId>_<seq>`: the BullMQ job id, so one event is queued once per subscription. */
  deliveryId: string;
  seq: number;
  type: PushEventType;
  data: Record<string, unknown>;
}

export interface WebhookDeliveriesDeps {
  /** ioredis connection for BullMQ (maxRetriesPerRequest: null); not closed here. */
  connection: Redis;
  repository: WebhooksRepository;
  options: OutboundOptions;
  registry: Registry;
  logger: Logger;
}

/**
 * Webhook deliveries through BullMQ: one job per (event, matching subscription), POSTed with an
 * HMAC-SHA256 signature, retried with exponential back-off, dead-lettered after the last try.
 * Every try is written to the delivery log.
 */
export class WebhookDeliveries {
  readonly queue: Queue<WebhookJob>;
  readonly deadLetters: Queue<WebhookJob & { lastError: string }>;
  private worker: Worker<WebhookJob> | undefined;
  private readonly outcomes: Counter<'outcome'>;

  constructor(private readonly deps: WebhookDeliveriesDeps) {
    const { connection, options, registry } = deps;
    this.queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: options.queuePrefix });
    this.deadLetters = new Queue(WEBHOOK_DEAD_LETTER_QUEUE, { connection, prefix: options.queuePrefix });
    this.outcomes = metric(
      registry,
      'xl_webhook_deliveries_total',
      () =>
        new Counter({
          name: 'xl_webhook_deliveries_total',
          help: 'Webhook delivery tries by outcome (delivered, retry, dead)',
          labelNames: ['outcome'],
          registers: [registry],
        }),
    );
  }

  /** Queues each event for each enabled subscription whose filters match. Idempotent (job ids). */
  async dispatch(events: LogEvent[]): Promise<number> {
    const subscriptions = await this.deps.repository.enabled();
    const { webhookMaxAttempts, webhookBackoffMs } = this.deps.options;
    const jobs = events.flatMap((event) =>
      subscriptions
        .filter((sub) => matchesFilters(sub.filters, event))
        .map((sub) => {
          const deliveryId = `${sub.id}_${event.seq}`;
          return {
            name: event.type,
            data: { subscriptionId: sub.id, deliveryId, seq: event.seq, type: event.type, data: event.data },
            opts: {
              jobId: deliveryId,
              attempts: webhookMaxAttempts,
              backoff: { type: 'exponential', delay: webhookBackoffMs },
              removeOnComplete: { age: 86_400, count: 10_000 },
              removeOnFail: { age: 7 * 86_400 },
            },
          };
        }),
    );
    if (jobs.length > 0) await this.queue.addBulk(jobs);
    return jobs.length;
  }

  startWorker(): void {
    this.worker = new Worker<WebhookJob>(WEBHOOK_QUEUE, (job) => this.deliver(job), {
      connection: this.deps.connection,
      prefix: this.deps.options.queuePrefix,
      concurrency: this.deps.options.webhookConcurrency,
    });
    this.worker.on('error', (err) => this.deps.logger.error({ err }, 'webhook worker error'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await this.deadLetters.close();
  }

  private async deliver(job: Job<WebhookJob>): Promise<void> {
    const { repository, logger } = this.deps;
    const sub = await repository.get(job.data.subscriptionId);
    if (!sub || !sub.enabled) {
      logger.info({ deliveryId: job.data.deliveryId }, 'webhook subscription gone or disabled; delivery dropped');
      return;
    }
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const timestamp = Date.now();
    // The timestamp is inside the signed body too, so a receiver can refuse replays of old deliveries.
    const body = JSON.stringify({
      id: job.data.deliveryId,
      seq: job.data.seq,
      type: job.data.type,
      timestamp,
      data: job.data.data,
    });
    const started = performance.now();
    const { statusCode, error } = await this.post(sub.url, body, {
      'content-type': 'application/json',
      'user-agent': 'xueliang-alerts-api',
      [WebhookHeaders.signature]: signWebhookBody(sub.secret, body),
      [WebhookHeaders.timestamp]: String(timestamp),
      [WebhookHeaders.event]: job.data.type,
      [WebhookHeaders.delivery]: job.data.deliveryId,
    });
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const outcome: DeliveryOutcome = ok ? 'delivered' : attempt >= maxAttempts ? 'dead' : 'retry';
    const failure = ok ? null : (error ?? `HTTP ${statusCode}`);
    await repository.recordAttempt({
      subscriptionId: sub.id,
      deliveryId: job.data.deliveryId,
      eventSeq: job.data.seq,
      eventType: job.data.type,
      attempt,
      outcome,
      statusCode,
      error: failure,
      durationMs: Math.round(performance.now() - started),
      at: timestamp,
    });
    this.outcomes.inc({ outcome });
    if (ok) return;
    if (outcome === 'dead') {
      logger.error({ deliveryId: job.data.deliveryId, attempt, error: failure }, 'webhook delivery dead-lettered');
      await this.deadLetters.add(
        job.data.type,
        { ...job.data, lastError: failure as string },
        { jobId: job.data.deliveryId },
      );
    }
    throw new Error(`webhook delivery ${job.data.deliveryId} try ${attempt}/${maxAttempts} failed: ${failure}`);
  }

  /** POSTs without following redirects (a 3xx is a failure, not a hop to wherever it points). */
  private async post(
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ statusCode: number | null; error: string | null }> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.options.webhookTimeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      return { statusCode: response.status, error: null };
    } catch (err) {
      // Never the URL: it may carry a token. The cause code (ECONNREFUSED, …) or the error name.
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { statusCode: null, error: cause ?? (err as Error).name ?? 'request failed' };
    }
  }
}
