import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../testing/test-databases';
import { WebhooksRepository, type WebhookSubscription } from './webhooks.repository';

const subscription = (id: string, enabled = true): WebhookSubscription => ({
  id,
  name: `receiver ${id}`,
  url: 'https://receiver.example/hook',
  secret: 'a-long-enough-secret',
  filters: { eventTypes: ['alert.created'], minSeverity: 'major', regionIds: ['county-a'], cameraIds: ['cam-pond'], waters: ['cam-pond/pond'], alarmsOnly: true },
  enabled,
  createdBy: 'admin',
  createdAt: 1_764_000_000_000,
  updatedAt: 1_764_000_000_000,
});

describe.each(DATABASE_KINDS)('WebhooksRepository on %s (migration 0002_webhooks)', (kind) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let repo: WebhooksRepository;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    handle = openDatabase(database.url);
    await migrateToLatest(handle.db);
    repo = new WebhooksRepository(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('stores, lists, updates and deletes subscriptions with their filters', async () => {
    await repo.insert(subscription('wh_a'));
    await repo.insert(subscription('wh_b', false));
    expect(await repo.get('wh_a')).toEqual(subscription('wh_a'));
    expect((await repo.list()).map((s) => s.id)).toEqual(['wh_a', 'wh_b']);
    expect((await repo.enabled()).map((s) => s.id)).toEqual(['wh_a']);

    const changed = {
      ...subscription('wh_b'),
      url: 'http://other.example/x',
      filters: { ...subscription('wh_b').filters, cameraIds: ['cam-1'] },
      updatedAt: 1_764_000_000_500,
    };
    expect(await repo.update(changed)).toBe(true);
    expect(await repo.get('wh_b')).toEqual(changed);
    expect(await repo.update(subscription('wh_missing'))).toBe(false);

    expect(await repo.delete('wh_b')).toBe(true);
    expect(await repo.delete('wh_b')).toBe(false);
    expect(await repo.get('wh_b')).toBeUndefined();
  });

  it('logs delivery attempts (seq beyond 32 bits), newest first, and drops them with their subscription', async () => {
    await repo.insert(subscription('wh_log'));
    const seq = 1_795_000_000_123;
    for (const [attempt, outcome, statusCode] of [
      [1, 'retry', 500],
      [2, 'delivered', 204],
    ] as const) {
      await repo.recordAttempt({
        subscriptionId: 'wh_log',
        deliveryId: `wh_log_${seq}`,
        eventSeq: seq,
        eventType: 'alert.created',
        attempt,
        outcome,
        statusCode,
        error: outcome === 'retry' ? 'HTTP 500' : null,
        durationMs: 12,
        at: 1_764_000_000_000 + attempt,
      });
    }
    const attempts = await repo.attempts('wh_log', 10);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.statusCode, a.eventSeq])).toEqual([
      [2, 'delivered', 204, seq],
      [1, 'retry', 500, seq],
    ]);
    expect(attempts[1].error).toBe('HTTP 500');
    expect(await repo.attempts('wh_log', 1)).toHaveLength(1);
    await repo.delete('wh_log');
    expect(await repo.attempts('wh_log', 10)).toEqual([]);
  });

  it('prunes log rows older than a time, in batches, keeping the newer ones', async () => {
    await repo.insert(subscription('wh_prune'));
    const day = 86_400_000;
    const t0 = 1_764_000_000_000;
    for (let i = 0; i < 7; i++) {
      await repo.recordAttempt({
        subscriptionId: 'wh_prune',
        deliveryId: `wh_prune_${i}`,
        eventSeq: i,
        eventType: 'alert.created',
        attempt: 1,
        outcome: 'delivered',
        statusCode: 200,
        error: null,
        durationMs: 5,
        at: t0 + i * day,
      });
    }
    expect(await repo.pruneAttempts(t0 + 5 * day, 2)).toBe(5); // three batches: 2, 2, 1
    expect((await repo.attempts('wh_prune', 10)).map((a) => a.eventSeq)).toEqual([6, 5]);
    expect(await repo.pruneAttempts(t0 + 5 * day)).toBe(0);
    await repo.delete('wh_prune');
  });
});
