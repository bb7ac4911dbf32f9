import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database';
import type { LogEvent } from '../realtime/event-log';
import { deleteKeys, pushEvent } from '../realtime/testing/push-harness';
import { scopes } from '../realtime/testing/test-auth';
import { resolveOutboundOptions } from './outbound.options';
import { TestReceiver } from './testing/http-receiver';
import { deliveryPriority, WebhookDeliveries } from './webhook-delivery';
import type { WebhookFilters } from './webhook-filter';
import { WebhooksRepository } from './webhooks.repository';

const logger = createLogger('test.webhooks', process.env.LOG_LEVEL ?? 'silent');

// Review 2026-12-03 alert-storms: deliveries went out in arrival order, so a school siren's drowning
// alarm waited behind a power cut's camera_offline alerts and statuses to every subscription.
describe('webhook deliveries under a storm (real Redis/BullMQ, SQLite log)', () => {
  let prefix: string;
  let redis: Redis;
  let handle: DatabaseHandle;
  let receiver: TestReceiver;
  let deliveries: WebhookDeliveries | undefined;

  beforeEach(async () => {
    prefix = uniquePrefix('webhooks-priority');
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle.db);
    receiver = new TestReceiver();
  });
  afterEach(async () => {
    await deliveries?.close();
    await receiver.close();
    await handle.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('posts a critical alert before the minor events queued ahead of it, each kind in its order', async () => {
    const repo = new WebhooksRepository(handle.db);
    const now = Date.now();
    const filters: WebhookFilters = { eventTypes: ['alert.created', 'camera.status'], minSeverity: null, regionIds: [], cameraIds: [], waters: [], alarmsOnly: false };
    await repo.insert({ id: 'wh_siren', name: 'pond siren', url: await receiver.start(), secret: 'receiver-shared-secret-1234', filters, enabled: true, createdBy: 'admin', createdAt: now, updatedAt: now });
    deliveries = new WebhookDeliveries({ connection: redis, repository: repo, options: resolveOutboundOptions({ queuePrefix: prefix, webhookConcurrency: 1 }), registry: new Registry(), logger });
    const event = (seq: number, type: 'alert.created' | 'camera.status', data: Record<string, unknown>) => ({ seq, at: now, ...pushEvent(scopes.riverA, data, type) }) as LogEvent;
    await deliveries.dispatch([
      ...Array.from({ length: 6 }, (_, i) => event(i + 1, 'alert.created', { id: `offline-${i}`, severity: 'major' })),
      event(7, 'camera.status', { cameraId: 'cam-a', status: 'offline' }),
      event(8, 'alert.created', { id: 'drowning', severity: 'critical' }),
    ]);
    deliveries.startWorker();
    await receiver.waitForRequests(8);
    const posted = receiver.requests.map((r) => JSON.parse(r.rawBody) as { seq: number });
    expect(posted.map((p) => p.seq)).toEqual([8, 1, 2, 3, 4, 5, 6, 7]); // before: 1 … 8
  }, 30_000);

  it('ranks critical alerts first, then major, warning, and info with everything that is not an alert', () => {
    expect(deliveryPriority('alert.created', { severity: 'critical' })).toBe(0);
    expect(deliveryPriority('alert.updated', { severity: 'major' })).toBe(1);
    expect(deliveryPriority('alert.escalated', { severity: 'warning' })).toBe(2);
    expect(deliveryPriority('alert.created', { severity: 'info' })).toBe(3);
    expect(deliveryPriority('camera.status', { status: 'offline' })).toBe(3);
  });
});
