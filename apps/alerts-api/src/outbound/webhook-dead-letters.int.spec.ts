import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database';
import type { LogEvent } from '../realtime/event-log';
import { deleteKeys, pushEvent } from '../realtime/testing/push-harness';
import { scopes } from '../realtime/testing/test-auth';
import { resolveOutboundOptions, type OutboundOptionsInput } from './outbound.options';
import { TestReceiver } from './testing/http-receiver';
import { WebhookDeliveries } from './webhook-delivery';
import { WebhooksRepository } from './webhooks.repository';

const logger = createLogger('test.webhooks', process.env.LOG_LEVEL ?? 'silent');

// Review 2026-12-03 growth-retention, finding 1: a receiver that is gone left ~7 KB in the main Redis
// per event (a dead letter for 30 days, a failed job for 7), with no count limit, and deleting its
// subscription freed at most DEAD_LETTER_SCAN_LIMIT dead letters. At maxmemory (noeviction) every
// app's writes are refused: no frame published, no alert queued.
describe('what a receiver that is gone leaves in Redis (real Redis/BullMQ, SQLite log)', () => {
  let prefix: string;
  let redis: Redis;
  let handle: DatabaseHandle;
  let repo: WebhooksRepository;
  let receiver: TestReceiver;
  let deliveries: WebhookDeliveries | undefined;
  let registry: Registry;

  beforeEach(async () => {
    prefix = uniquePrefix('webhooks-dead');
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle.db);
    repo = new WebhooksRepository(handle.db);
    receiver = new TestReceiver();
    receiver.fallback = 503;
    const url = await receiver.start();
    registry = new Registry();
    const now = Date.now();
    await repo.insert({
      id: 'wh_gis',
      name: 'county GIS',
      url,
      secret: 'receiver-shared-secret-1234',
      filters: { eventTypes: ['alert.created', 'alert.updated', 'camera.status'], minSeverity: null, regionIds: [], cameraIds: [], waters: [], alarmsOnly: false },
      enabled: true,
      createdBy: 'admin',
      createdAt: now,
      updatedAt: now,
    });
  });
  afterEach(async () => {
    await deliveries?.close();
    deliveries = undefined;
    await receiver.close();
    await handle.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const start = (options: OutboundOptionsInput = {}) => {
    deliveries = new WebhookDeliveries({
      connection: redis,
      repository: repo,
      options: resolveOutboundOptions({ queuePrefix: prefix, webhookMaxAttempts: 1, webhookBackoffMs: 50, webhookTimeoutMs: 2000, webhookConcurrency: 32, ...options }),
      registry,
      logger,
    });
    deliveries.startWorker();
    return deliveries;
  };

  const undeliverable = (n: number) => Array.from({ length: n }, (_, i) => ({ seq: 5000 + i, at: Date.now(), ...pushEvent(scopes.riverA, { id: `alert-${i}`, severity: 'major' }) }) as LogEvent);

  /** Waits until each of `n` deliveries failed its one try: its job fails only once it was dead-lettered (or dropped over the cap). */
  const waitForFailedJobs = async (webhooks: WebhookDeliveries, n: number) => {
    const deadline = Date.now() + 60_000;
    while ((await webhooks.queue.getFailedCount()) < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} failed deliveries`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('keeps each undeliverable event once (the dead letter), not a second copy in the failed set for 7 days', async () => {
    const webhooks = start();
    const N = 200;
    await webhooks.dispatch(undeliverable(N));
    const deadline = Date.now() + 60_000;
    while ((await webhooks.deadLetters.getWaitingCount()) < N) {
      if (Date.now() > deadline) throw new Error('dead letters did not arrive');
      await new Promise((r) => setTimeout(r, 100));
    }
    const failed = await webhooks.queue.getFailed(0, 0);
    expect(failed[0]?.opts.removeOnFail).toEqual({ age: 86_400, count: 10_000 }); // before: { age: 604800 }, no count limit
  }, 90_000);

  it("drops all of a deleted subscription's dead letters, however many there are", async () => {
    const webhooks = start();
    const N = 20_500; // past DEAD_LETTER_SCAN_LIMIT (20,000)
    for (let i = 0; i < N; i += 500) {
      await webhooks.deadLetters.addBulk(
        Array.from({ length: Math.min(500, N - i) }, (_, k) => {
          const seq = i + k + 1;
          return { name: 'alert.updated', data: { subscriptionId: 'wh_gis', deliveryId: `wh_gis_${seq}`, seq, type: 'alert.updated' as const, data: { id: `a-${seq}` }, lastError: 'HTTP 503' }, opts: { jobId: `wh_gis_${seq}` } };
        }),
      );
    }
    // Another subscription's letter, whose id starts alike, stays.
    await webhooks.deadLetters.add('alert.updated', { subscriptionId: 'wh_gis_east', deliveryId: 'wh_gis_east_1', seq: 1, type: 'alert.updated' as const, data: { id: 'a-1' }, lastError: 'HTTP 503' }, { jobId: 'wh_gis_east_1' });
    expect(await webhooks.dropDeadLetters('wh_gis')).toBe(N);
    expect(await webhooks.deadLetters.getWaitingCount()).toBe(1); // before: 500 of wh_gis's stayed (dropped 20000)
    expect((await webhooks.deadLetters.getRanges(['waiting'], 0, -1))).toEqual(['wh_gis_east_1']);
  }, 120_000);

  it('keeps at most webhookDeadLettersMax dead letters per subscription, the newest', async () => {
    const webhooks = start({ webhookDeadLettersMax: 100 });
    await webhooks.dispatch(undeliverable(150));
    await waitForFailedJobs(webhooks, 150);
    const { items, complete } = await webhooks.deadLettersOf('wh_gis', 1000);
    expect(complete).toBe(true);
    expect(items.map((letter) => letter.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 5050 + i)); // before: all 150
    expect(await registry.getSingleMetricAsString('xl_webhook_dead_letters_dropped_total')).toMatch(/xl_webhook_dead_letters_dropped_total\{webhook="wh_gis"\} 50\b/);
    // Deleting the subscription leaves neither its letters nor their index.
    await webhooks.dropDeadLetters('wh_gis');
    expect(await webhooks.deadLetters.getWaitingCount()).toBe(0);
    expect(await redis.keys(`${prefix}:webhook-dead-letters:*`)).toEqual([]);
  }, 90_000);

  it('dead-letters at once, with the reason, a delivery to a URL stored before bad ports were refused', async () => {
    const now = Date.now();
    await repo.insert({ id: 'wh_old', name: 'old siren gateway', url: 'http://127.0.0.1:6000/alarm', secret: 'receiver-shared-secret-1234', filters: { eventTypes: ['alert.created'], minSeverity: null, regionIds: [], cameraIds: [], waters: [], alarmsOnly: false }, enabled: true, createdBy: 'admin', createdAt: now, updatedAt: now });
    const webhooks = start({ webhookMaxAttempts: 8, webhookBackoffMs: 60_000 });
    await webhooks.dispatch([{ seq: 9001, at: now, ...pushEvent(scopes.riverA, { id: 'alert-old', severity: 'critical' }) } as LogEvent]);
    const deadline = Date.now() + 10_000;
    let letters = await webhooks.deadLettersOf('wh_old', 10);
    while (letters.items.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      letters = await webhooks.deadLettersOf('wh_old', 10);
    }
    // Before: retried with back-off and through the circuit for ~334 s, then dead-lettered.
    expect(letters.items).toEqual([expect.objectContaining({ seq: 9001, lastError: expect.stringMatching(/port 6000 is one fetch refuses/) })]);
  }, 30_000);
});
