import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { queuePriority, SEVERITY_RANK, type Severity } from '@xl/contracts';
import type { RedisClient } from '@xl/queue';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@xl/observability';
import type { LogEvent } from '../realtime/event-log';
import { metric } from '../realtime/realtime.metrics';
import type { PushEventType } from '../shared/push-events';
import type { ScopedResource } from '../shared/principal';
import type { OutboundOptions } from './outbound.options';
import { matchesFilters } from './webhook-filter';
import { CIRCUIT_FAILURES, WebhookGate } from './webhook-gate';
import { postSigned, type PostResult, type SignedPost, unsendableUrlReason } from './webhook-sender';
import type { DeliveryAttempt, DeliveryOutcome, WebhookSubscription, WebhooksRepository } from './webhooks.repository';

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
  /**
   * The event's scope, so that each try checks the subscription's filters as they are then (an admin
   * who moved a siren to another pond must not have it sound for the old one's retries). Absent in
   * jobs queued by an older version: those are delivered as queued.
   */
  scope?: ScopedResource;
  /**
   * When it was queued, epoch ms on the shared clock (WebhookDeliveriesDeps.now): how long it may
   * wait for an open circuit is measured from it. Absent in jobs queued by an older version: the
   * BullMQ job's timestamp (the queuing host's clock).
   */
  queuedAt?: number;
}

/** A delivery that failed its last try, as the dead-letter queue keeps it until it is redelivered. */
export interface DeadLetter {
  deliveryId: string;
  seq: number;
  type: PushEventType;
  lastError: string;
  /** When it was dead-lettered, epoch ms. */
  deadAt: number;
}

/** Dead letters read per Redis call while looking for one subscription's. */
const DEAD_LETTER_PAGE = 500;
/** Dead-letter ids read at a time when a subscription's letters are dropped (ids only: a few bytes each). */
const DEAD_LETTER_ID_PAGE = 5000;
/** Dead letters looked at in all: a list beyond this says so rather than scanning Redis for seconds. */
export const DEAD_LETTER_SCAN_LIMIT = 20_000;
/**
 * KEYS: the subscription's dead-letter index (zset: delivery id → event seq). ARGV: seq, delivery id,
 * cap, TTL ms. Adds the letter and pops the oldest beyond the cap; returns their delivery ids. An
 * entry whose letter was pruned by age meanwhile is popped first (it is older): never more kept than
 * the cap, and the index expires with the subscription's last letter.
 */
const INDEX_DEAD_LETTER = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if over <= 0 then return {} end
local popped = redis.call('ZPOPMIN', KEYS[1], over)
local ids = {}
for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
return ids`;
/** How often old dead letters are dropped. */
const DEAD_LETTER_PRUNE_MS = 3_600_000;
/**
 * A delivery whose subscription could not be read (the database away) is tried again after 1 s,
 * doubling, at most this far apart — without using up the receiver's tries: before, a database
 * outage during a last try failed the job with no dead letter, no `dead` count and no log row, a
 * siren's alarm lost without a trace.
 */
export const SUBSCRIPTION_READ_RETRY_MAX_MS = 30_000;
/** …for this long after the delivery was queued; then it is dead-lettered, to be seen and redelivered. */
export const SUBSCRIPTION_READ_RETRY_FOR_MS = 24 * 3600_000;

/** What becomes of a delivery whose subscription could not be read for the `attempt`-th time (1-based), `ageMs` after it was queued. */
export function unreadableSubscriptionStep(ageMs: number, attempt: number): { retryInMs: number } | 'dead' {
  if (ageMs > SUBSCRIPTION_READ_RETRY_FOR_MS) return 'dead';
  return { retryInMs: Math.min(SUBSCRIPTION_READ_RETRY_MAX_MS, 1000 * 2 ** Math.min(Math.max(attempt, 1) - 1, 15)) };
}

export interface WebhookDeliveriesDeps {
  /** ioredis connection for BullMQ (maxRetriesPerRequest: null); not closed here. */
  connection: RedisClient;
  repository: WebhooksRepository;
  options: OutboundOptions;
  registry: Registry;
  logger: Logger;
  /**
   * The time every API instance agrees on (the API's Clock: the Redis server's time as followed),
   * which the webhook gate's circuit is timed by; Date.now when absent (tests on one host).
   */
  now?: () => number;
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
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly outcomes: Counter<'webhook' | 'outcome'>;
  private readonly deadLettersDropped: Counter<'webhook'>;
  private readonly gate: WebhookGate;
  private readonly now: () => number;

  constructor(private readonly deps: WebhookDeliveriesDeps) {
    const { connection, options, registry } = deps;
    this.now = deps.now ?? Date.now;
    this.gate = new WebhookGate(connection, options.queuePrefix, {
      perReceiver: options.webhookPerReceiver,
      openMs: options.webhookCircuitOpenMs,
      holdMs: options.webhookTimeoutMs + 5000,
    });
    this.queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: options.queuePrefix });
    this.deadLetters = new Queue(WEBHOOK_DEAD_LETTER_QUEUE, { connection, prefix: options.queuePrefix });
    this.outcomes = metric(
      registry,
      'xl_webhook_deliveries_total',
      () =>
        new Counter({
          name: 'xl_webhook_deliveries_total',
          // `webhook`: the subscription id (a handful per deployment), so that the alert on dead
          // deliveries names the receiver — the siren that could not be reached.
          help: 'Webhook delivery tries by subscription and outcome (delivered, retry, dead)',
          labelNames: ['webhook', 'outcome'],
          registers: [registry],
        }),
    );
    this.deadLettersDropped = metric(
      registry,
      'xl_webhook_dead_letters_dropped_total',
      () =>
        new Counter({
          name: 'xl_webhook_dead_letters_dropped_total',
          help: 'Dead letters dropped, oldest first, because their subscription held webhookDeadLettersMax (XL_WEBHOOK_DEAD_LETTERS_MAX)',
          labelNames: ['webhook'],
          registers: [registry],
        }),
    );
  }

  /** Queues each event for each enabled subscription whose filters match. Idempotent (job ids). */
  async dispatch(events: LogEvent[]): Promise<number> {
    const subscriptions = await this.deps.repository.enabled();
    const queuedAt = this.now();
    // Each receiver's dead count exists from 0 before its first failure: a series that first appears
    // at 1 has no increase() to alert on, and a siren's single lost alarm would go unnoticed.
    for (const sub of subscriptions) this.outcomes.inc({ webhook: sub.id, outcome: 'dead' }, 0);
    const jobs = events.flatMap((event) =>
      subscriptions
        .filter((sub) => matchesFilters(sub.filters, event))
        .map((sub) => {
          const deliveryId = `${sub.id}_${event.seq}`;
          return {
            name: event.type,
            data: { subscriptionId: sub.id, deliveryId, seq: event.seq, type: event.type, data: event.data, scope: event.scope, queuedAt },
            opts: this.jobOptions(deliveryId, deliveryPriority(event.type, event.data)),
          };
        }),
    );
    if (jobs.length > 0) await this.queue.addBulk(jobs);
    return jobs.length;
  }

  /**
   * Sends the subscription one signed `webhook.test` POST now (enabled or not: a siren is tested
   * before it is switched on) and logs it like any try. Not retried, not dead-lettered, not counted
   * in xl_webhook_deliveries_total: a test is the admin's question, not a delivery that failed.
   */
  async test(sub: WebhookSubscription, by: string): Promise<DeliveryAttempt> {
    const deliveryId = `${sub.id}_test_${Date.now()}`;
    const data = { subscriptionId: sub.id, name: sub.name, requestedBy: by, message: 'test delivery: no alert was raised' };
    const post: SignedPost = { deliveryId, seq: 0, type: 'webhook.test', data };
    const result = await postSigned(sub, post, this.deps.options.webhookTimeoutMs);
    const attempt = attemptOf(sub.id, post, result, 1, result.ok ? 'delivered' : 'failed');
    // The POST went out whatever happens to its log row: a subscription deleted meanwhile takes its
    // log with it (foreign key), which is no reason to answer the admin with an error.
    await this.deps.repository.recordAttempt(attempt).catch((err: Error) => {
      this.deps.logger.warn({ subscriptionId: sub.id, err: err.message }, 'webhook test not logged (subscription deleted meanwhile?)');
    });
    this.deps.logger.info({ subscriptionId: sub.id, by, outcome: attempt.outcome, statusCode: attempt.statusCode, error: attempt.error }, 'webhook test sent');
    return attempt;
  }

  /**
   * The subscription's dead letters, newest first. Looks at no more than DEAD_LETTER_SCAN_LIMIT of
   * them (all subscriptions together); `complete` is false when there were more.
   */
  async deadLettersOf(subscriptionId: string, limit: number): Promise<{ items: DeadLetter[]; complete: boolean }> {
    const { jobs, complete } = await this.deadLetterJobs(subscriptionId);
    const items = jobs
      .map((job) => ({
        deliveryId: job.data.deliveryId,
        seq: job.data.seq,
        type: job.data.type,
        lastError: job.data.lastError,
        deadAt: job.timestamp,
      }))
      .sort((a, b) => b.deadAt - a.deadAt || b.seq - a.seq)
      .slice(0, limit);
    return { items, complete };
  }

  /**
   * Queues dead letters of the subscription again, each with a full set of tries (after the receiver
   * was repaired): the given ones, or all. Returns the delivery ids queued. The delivery id (and so
   * the body's `id` and X-Xueliang-Delivery) stays the same, so a receiver that got one after all can
   * drop the repeat.
   */
  async redeliver(subscriptionId: string, deliveryIds?: string[]): Promise<string[]> {
    const letters = deliveryIds
      ? (await Promise.all([...new Set(deliveryIds)].map((id) => this.deadLetters.getJob(id)))).filter(
          (job): job is NonNullable<typeof job> => job?.data.subscriptionId === subscriptionId,
        )
      : (await this.deadLetterJobs(subscriptionId)).jobs;
    const queued: string[] = [];
    for (const job of letters.sort((a, b) => a.data.seq - b.data.seq)) {
      // Removed first: of two admins redelivering at once, only the one whose removal took queues it.
      if ((await this.deadLetters.remove(job.id as string)) !== 1) continue;
      const { lastError: _lastError, ...data } = job.data;
      // A new job id: the failed job may still sit in the webhooks queue under the delivery id.
      // Queued anew: its wait for an open circuit counts from now, not from the first queuing.
      await this.queue.add(data.type, { ...data, queuedAt: this.now() }, this.jobOptions(`${data.deliveryId}_r${Date.now()}`, deliveryPriority(data.type, data.data)));
      // Off the cap's index once queued again (a stale entry left by a failure here is only popped first).
      await this.deps.connection.zrem(this.deadLetterIndexKey(subscriptionId), job.id as string).catch(() => 0);
      queued.push(data.deliveryId);
    }
    return queued;
  }

  /**
   * Drops dead letters older than webhookDeadLetterDays (a receiver gone for good must not grow Redis
   * for ever). Returns how many went. Runs hourly on every instance while the worker runs.
   */
  async pruneDeadLetters(): Promise<number> {
    const keepMs = this.deps.options.webhookDeadLetterDays * 86_400_000;
    let pruned = 0;
    for (;;) {
      const removed = await this.deadLetters.clean(keepMs, DEAD_LETTER_PAGE, 'wait');
      pruned += removed.length;
      if (removed.length < DEAD_LETTER_PAGE) return pruned;
    }
  }

  /**
   * Drops every dead letter of a subscription (it was deleted: nobody can redeliver them), however
   * many (before, only those among the queue's first DEAD_LETTER_SCAN_LIMIT letters; the rest stayed
   * up to webhookDeadLetterDays). A dead letter's id is its delivery id, `<subscription>_<seq>`: the
   * queue's ids are read, not its jobs — every subscription's letters, at the cap, were hundreds of MB
   * read inside DELETE /webhooks/:id.
   */
  async dropDeadLetters(subscriptionId: string): Promise<number> {
    const isMine = (id: string) => id.startsWith(`${subscriptionId}_`) && /^\d+$/.test(id.slice(subscriptionId.length + 1));
    const mine: string[] = [];
    const waiting = await this.deadLetters.getWaitingCount();
    for (let start = 0; start < waiting; start += DEAD_LETTER_ID_PAGE) {
      mine.push(...(await this.deadLetters.getRanges(['waiting'], start, start + DEAD_LETTER_ID_PAGE - 1, true)).filter(isMine));
    }
    let dropped = 0;
    for (let i = 0; i < mine.length; i += DEAD_LETTER_PAGE) {
      const removed = await Promise.all(mine.slice(i, i + DEAD_LETTER_PAGE).map((id) => this.deadLetters.remove(id)));
      dropped += removed.filter((n) => n === 1).length;
    }
    await this.deps.connection.del(this.deadLetterIndexKey(subscriptionId));
    return dropped;
  }

  private jobOptions(jobId: string, priority: number) {
    const { webhookMaxAttempts, webhookBackoffMs } = this.deps.options;
    return {
      jobId,
      ...(priority ? { priority } : {}),
      attempts: webhookMaxAttempts,
      backoff: { type: 'exponential', delay: webhookBackoffMs },
      removeOnComplete: { age: 86_400, count: 10_000 },
      // Only the job id's deduplication needs the failed job, as the completed one's: the dead letter
      // is the record (before: 7 days and no count limit, ~4.5 KB per event of a receiver gone).
      removeOnFail: { age: 86_400, count: 10_000 },
    };
  }

  /** The subscription's dead letters among the first DEAD_LETTER_SCAN_LIMIT of the queue (all subscriptions'). */
  private async deadLetterJobs(subscriptionId: string) {
    const jobs = [];
    for (let start = 0; start < DEAD_LETTER_SCAN_LIMIT; start += DEAD_LETTER_PAGE) {
      const page = await this.deadLetters.getJobs(['waiting'], start, start + DEAD_LETTER_PAGE - 1);
      jobs.push(...page.filter((job) => job?.data.subscriptionId === subscriptionId));
      if (page.length < DEAD_LETTER_PAGE) return { jobs, complete: true };
    }
    return { jobs, complete: false };
  }

  startWorker(): void {
    this.worker = new Worker<WebhookJob>(WEBHOOK_QUEUE, (job, token) => this.deliver(job, token), {
      connection: this.deps.connection,
      prefix: this.deps.options.queuePrefix,
      concurrency: this.deps.options.webhookConcurrency,
    });
    this.worker.on('error', (err) => this.deps.logger.error({ err }, 'webhook worker error'));
    const { logger, options, repository } = this.deps;
    const prune = () => {
      void this.pruneDeadLetters().then(
        (n) => n > 0 && logger.info({ pruned: n, days: options.webhookDeadLetterDays }, 'old webhook dead letters dropped'),
        (err: Error) => logger.warn({ err: err.message }, 'pruning webhook dead letters failed'),
      );
      // Every instance prunes; the deletes are idempotent and one finds what another left.
      void repository.pruneAttempts(Date.now() - options.webhookLogDays * 86_400_000).then(
        (n) => n > 0 && logger.info({ pruned: n, days: options.webhookLogDays }, 'old webhook delivery log rows deleted'),
        (err: Error) => logger.warn({ err: err.message }, 'pruning the webhook delivery log failed'),
      );
    };
    prune();
    this.pruneTimer = setInterval(prune, DEAD_LETTER_PRUNE_MS);
    this.pruneTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.worker?.close();
    await this.queue.close();
    await this.deadLetters.close();
  }

  private async deliver(job: Job<WebhookJob>, token?: string): Promise<void> {
    const { repository, logger } = this.deps;
    let sub: WebhookSubscription | undefined;
    try {
      sub = await repository.get(job.data.subscriptionId);
    } catch (err) {
      return this.subscriptionUnreadable(job, err as Error, token);
    }
    if (!sub || !sub.enabled) {
      logger.info({ deliveryId: job.data.deliveryId }, 'webhook subscription gone or disabled; delivery dropped');
      return;
    }
    const { deliveryId, seq, type, data, scope } = job.data;
    if (scope && !matchesFilters(sub.filters, { type, scope, data })) {
      logger.info({ deliveryId }, "webhook subscription's filters changed and no longer take this event; delivery dropped");
      return;
    }
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const post: SignedPost = { deliveryId, seq, type, data };
    const { result, final } = await this.postThroughGate(job, token, sub, post);
    const { ok } = result;
    const outcome: DeliveryOutcome = ok ? 'delivered' : final || attempt >= maxAttempts ? 'dead' : 'retry';
    // A last try in flight while the subscription was deleted: no dead letter nobody can reach or
    // redeliver, and no `dead` count paging ops for a receiver that was removed on purpose.
    if (outcome === 'dead' && (await repository.get(sub.id).catch(() => sub)) === undefined) {
      logger.info({ deliveryId }, 'webhook subscription deleted during the last try; no dead letter');
      return;
    }
    const failure = result.error;
    // The POST went out: its outcome stands whatever becomes of its log row. A failed log write
    // that failed the job re-sent a delivered alarm (a siren sounds on any POST) and kept a last
    // try from reaching the dead letters.
    await repository.recordAttempt(attemptOf(sub.id, post, result, attempt, outcome)).catch((err: Error) => {
      logger.error({ deliveryId, attempt, outcome, err: err.message }, 'webhook delivery not logged; its outcome stands');
    });
    this.outcomes.inc({ webhook: sub.id, outcome });
    if (ok) return;
    if (outcome === 'dead') {
      await this.deadLetter(job, failure as string, attempt);
      // Tries may be left (a circuit open past the delivery's retry span): none are to follow.
      throw new UnrecoverableError(`webhook delivery ${job.data.deliveryId} try ${attempt}/${maxAttempts} failed for good: ${failure}`);
    }
    throw new Error(`webhook delivery ${job.data.deliveryId} try ${attempt}/${maxAttempts} failed: ${failure}`);
  }

  /**
   * The POST, through the receiver's gate (WebhookGate): at most webhookPerReceiver in flight per
   * receiver (a try beyond it waits, moved back to delayed without using a try), and none while its
   * circuit is open: the delivery waits for the circuit's probe, again without using a try — an
   * open circuit that failed tries at once used them up, and a receiver back within it lost the
   * deliveries whose last tries fell there (review of 2026-12-03's changes, finding 3). It waits no
   * longer than its tries would have lasted (retrySpanMs from when it was queued): then it is given
   * up (`final`), dead-lettered with the circuit's reason.
   */
  private async postThroughGate(job: Job<WebhookJob>, token: string | undefined, sub: WebhookSubscription, post: SignedPost): Promise<{ result: PostResult; final?: boolean }> {
    // A URL no POST can go to (stored before such URLs were refused: a fetch "bad port") is no silent
    // receiver: dead-lettered at once with the reason, without trying it again for minutes nor
    // opening its circuit (review 2026-12-03 session31-backend, note 1).
    const unsendable = unsendableUrlReason(sub.url);
    if (unsendable) return { result: { ok: false, statusCode: null, error: `URL ${unsendable}`, durationMs: 0, at: this.now() }, final: true };
    const jobId = job.id as string;
    const entry = await this.gate.enter(sub.id, jobId);
    if (entry.kind === 'open') {
      // untilMs is on the Redis server's clock (the gate's) and queuedAt on the shared one: compared
      // on the shared clock, then turned into a wait for BullMQ, whose delays are this host's Date.now.
      const now = this.now();
      const giveUpAt = (job.data.queuedAt ?? job.timestamp) + this.retrySpanMs();
      if (token && now < giveUpAt) {
        // The jitter spreads the waiting deliveries over the probe's first second.
        const waitMs = Math.min(Math.max(entry.untilMs, now) + Math.random() * 1000, giveUpAt) - now;
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
      const reopens = new Date(entry.untilMs).toISOString();
      const error = `circuit_open: ${entry.failures} tries in a row got no answer; next POST after ${reopens}`;
      return { result: { ok: false, statusCode: null, error, durationMs: 0, at: now }, final: true };
    }
    if (entry.kind === 'busy') {
      // BullMQ always gives a worker's processor its token; without one the job cannot wait, and a
      // POST beyond the cap is what the gate is there to prevent: a failed try (retried) instead.
      if (!token) throw new Error(`webhook delivery ${post.deliveryId}: receiver busy and no job token to wait with`);
      // Back soon: a place frees when a POST ends, at the latest after its timeout. The jitter keeps
      // the waiting tries of one receiver from all coming back at the same moment. (Counted by BullMQ
      // as a start without a try, as subscriptionUnreadable's are.)
      const waitMs = Math.min(1000, this.deps.options.webhookTimeoutMs) * (1 + Math.random());
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
    const result = await postSigned(sub, post, this.deps.options.webhookTimeoutMs);
    const failures = await this.gate.leave(sub.id, jobId, result.statusCode !== null).catch((err: Error) => {
      this.deps.logger.warn({ subscriptionId: sub.id, err: err.message }, 'webhook gate not updated after a POST');
      return 0;
    });
    if (failures === CIRCUIT_FAILURES) this.deps.logger.warn({ subscriptionId: sub.id, failures, openMs: this.deps.options.webhookCircuitOpenMs }, 'webhook receiver does not answer: its circuit opens');
    return { result };
  }

  /** How long a delivery's tries last when each fails at its timeout: its back-offs and its POSTs' timeouts (≈ 334 s by default). */
  private retrySpanMs(): number {
    const { webhookMaxAttempts, webhookBackoffMs, webhookTimeoutMs } = this.deps.options;
    return webhookBackoffMs * (2 ** (webhookMaxAttempts - 1) - 1) + webhookMaxAttempts * webhookTimeoutMs;
  }

  private async deadLetter(job: Job<WebhookJob>, lastError: string, attempt: number): Promise<void> {
    const { subscriptionId, deliveryId, seq } = job.data;
    this.deps.logger.error({ deliveryId, attempt, error: lastError }, 'webhook delivery dead-lettered');
    await this.deadLetters.add(job.data.type, { ...job.data, lastError }, { jobId: deliveryId });
    await this.capDeadLetters(subscriptionId, deliveryId, seq).catch((err: Error) => {
      this.deps.logger.warn({ subscriptionId, err: err.message }, 'webhook dead letters not capped; the next dead letter tries again');
    });
  }

  /**
   * Keeps at most webhookDeadLettersMax dead letters per subscription, dropping the oldest events':
   * a receiver gone for good (every event dead-lettered, 30 days) filled the main Redis, whose
   * `noeviction` then refuses every write of every app.
   */
  private async capDeadLetters(subscriptionId: string, deliveryId: string, seq: number): Promise<void> {
    const { webhookDeadLettersMax, webhookDeadLetterDays } = this.deps.options;
    const keyTtlMs = webhookDeadLetterDays * 86_400_000 + DEAD_LETTER_PRUNE_MS;
    const over = (await this.deps.connection.eval(INDEX_DEAD_LETTER, 1, this.deadLetterIndexKey(subscriptionId), seq, deliveryId, webhookDeadLettersMax, Math.round(keyTtlMs))) as string[];
    if (over.length === 0) return;
    const removed = await Promise.all(over.map((id) => this.deadLetters.remove(id)));
    const dropped = removed.filter((n) => n === 1).length;
    if (dropped === 0) return;
    this.deadLettersDropped.inc({ webhook: subscriptionId }, dropped);
    this.deps.logger.warn({ subscriptionId, dropped, max: webhookDeadLettersMax }, 'webhook dead letters over the cap: the oldest dropped');
  }

  /** Delivery ids of the subscription's dead letters by event seq, for the cap (one Cluster slot). */
  private deadLetterIndexKey(subscriptionId: string): string {
    return `${this.deps.options.queuePrefix}:webhook-dead-letters:{${subscriptionId}}`;
  }

  /** Waits for the database (moved back to delayed, no try used up); dead-lettered after SUBSCRIPTION_READ_RETRY_FOR_MS. */
  private async subscriptionUnreadable(job: Job<WebhookJob>, err: Error, token: string | undefined): Promise<never> {
    if (!token) throw err;
    const { deliveryId, subscriptionId } = job.data;
    // Starts that used no try: those that found the subscription unreadable (this one included).
    const step = unreadableSubscriptionStep(this.now() - (job.data.queuedAt ?? job.timestamp), job.attemptsStarted - job.attemptsMade);
    const lastError = `subscription could not be read: ${err.message}`;
    if (step === 'dead') {
      this.outcomes.inc({ webhook: subscriptionId, outcome: 'dead' });
      await this.deadLetter(job, lastError, job.attemptsMade + 1);
      throw new UnrecoverableError(`webhook delivery ${deliveryId}: ${lastError}`);
    }
    this.deps.logger.error({ deliveryId, err: err.message, retryInMs: step.retryInMs }, 'webhook subscription could not be read; trying the delivery again');
    await job.moveToDelayed(Date.now() + step.retryInMs, token);
    throw new DelayedError();
  }
}

/** The delivery log's row of one POST: a delivery's try or a test. */
function attemptOf(subscriptionId: string, post: SignedPost, result: PostResult, attempt: number, outcome: DeliveryOutcome): DeliveryAttempt {
  const { statusCode, error, durationMs, at } = result;
  return { subscriptionId, deliveryId: post.deliveryId, eventSeq: post.seq, eventType: post.type, attempt, outcome, statusCode, error, durationMs, at };
}

/**
 * BullMQ priority of a delivery: none for a critical alert's event (taken before every prioritised
 * job), then 1 major, 2 warning, 3 info and everything else (camera statuses). In arrival order a
 * school siren's drowning alarm waited behind a power cut's 300 camera_offline deliveries to every
 * subscription (review 2026-12-03 alert-storms). One alert's events keep their order (one severity).
 */
export function deliveryPriority(type: string, data: Record<string, unknown>): number {
  const severity = type.startsWith('alert.') ? (data.severity as Severity | undefined) : undefined;
  return queuePriority(severity && severity in SEVERITY_RANK ? severity : 'info');
}
