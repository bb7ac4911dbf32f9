import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database';
import { RedisEventLog, type LogEvent } from '../realtime/event-log';
import { deleteKeys, pushEvent } from '../realtime/testing/push-harness';
import { scopes } from '../realtime/testing/test-auth';
import { resolveOutboundOptions } from './outbound.options';
import { StreamFollower } from './stream-follower';
import { TestReceiver } from './testing/http-receiver';
import { WebhookDeliveries } from './webhook-delivery';
import { verifyWebhookSignature, WebhookHeaders } from './webhook-signature';
import { WebhooksRepository, type WebhookSubscription } from './webhooks.repository';

const logger = createLogger('test.webhooks', process.env.LOG_LEVEL ?? 'silent');
const SECRET = 'receiver-shared-secret-1234';

function subscription(id: string, url: string, regionIds: string[] = []): WebhookSubscription {
  return {
    id,
    name: id,
    url,
    secret: SECRET,
    filters: {
      eventTypes: ['alert.created', 'alert.updated', 'camera.status'],
      minSeverity: null,
      regionIds,
      cameraIds: [],
      waters: [],
      alarmsOnly: false,
    },
    enabled: true,
    createdBy: 'admin',
    createdAt: Date.now(),
    updatedAt: Date.now(),
  };
}

/** How long one POST waits for an answer: a silent receiver holds its slot this long per try. */
const TRY_TIMEOUT_MS = 2000;

/** A receiver whose host is gone behind a firewall, or a 4G gateway that is off: its POSTs are never answered. */
async function silentReceiver(): Promise<{ url: string; posts(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let posts = 0;
  const server = createTcpServer((socket) => {
    // Counted by the request sent, not the connection: fetch may open a spare one.
    socket.once('data', () => posts++);
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gis`,
    posts: () => posts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A receiver that runs `during` (an admin's edit) while it holds the n-th POST, then answers 503. */
async function receiverActingDuring(during: (n: number) => Promise<void>): Promise<{ url: string; received(): number; close(): Promise<void> }> {
  let received = 0;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const n = ++received;
    req.resume();
    void during(n).finally(() => res.writeHead(503).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('webhook deliveries (real Redis/BullMQ, real HTTP receiver, SQLite log)', () => {
  let prefix: string;
  let redis: Redis;
  let handle: DatabaseHandle;
  let repo: WebhooksRepository;
  let receiver: TestReceiver;
  let url: string;
  let deliveries: WebhookDeliveries;
  let registry: Registry;

  beforeEach(async () => {
    prefix = uniquePrefix('webhooks');
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle.db);
    repo = new WebhooksRepository(handle.db);
    receiver = new TestReceiver();
    url = await receiver.start();
    registry = new Registry();
    const options = resolveOutboundOptions({
      queuePrefix: prefix,
      webhookMaxAttempts: 3,
      webhookBackoffMs: 50,
      webhookTimeoutMs: TRY_TIMEOUT_MS,
    });
    deliveries = new WebhookDeliveries({ connection: redis, repository: repo, options, registry, logger });
    deliveries.startWorker();
  });
  afterEach(async () => {
    await deliveries.close();
    await receiver.close();
    await handle.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const waitForAttempts = async (subscriptionId: string, count: number) => {
    const deadline = Date.now() + 10_000;
    while ((await repo.attempts(subscriptionId, 100)).length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} logged attempts`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return (await repo.attempts(subscriptionId, 100)).reverse();
  };

  const waitForDeadLetters = async (subscriptionId: string, count: number) => {
    const deadline = Date.now() + 10_000;
    while ((await deliveries.deadLettersOf(subscriptionId, 100)).items.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} dead letters of ${subscriptionId}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('follows the event log, retries with back-off until the receiver accepts, and signs the raw body', async () => {
    await repo.insert(subscription('wh_ok', url));
    receiver.script = [500, 502];
    const log = new RedisEventLog(redis, prefix, 1000);
    const conn = redis.duplicate();
    const follower = new StreamFollower(
      conn,
      log.keys.stream,
      { group: 'webhooks', consumer: 'c1', blockMs: 100, batch: 10, claimIdleMs: 60_000, livenessTtlMs: 10_000 },
      (events) => deliveries.dispatch(events).then(() => undefined),
      logger,
      redis,
    );
    await follower.start();
    const event = await log.append({ ...pushEvent(scopes.schoolPond, { id: 'alert-1', severity: 'critical' }) });

    await receiver.waitForRequests(3);
    const attempts = await waitForAttempts('wh_ok', 3);
    await follower.stop();
    expect(attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'retry', 500],
      [2, 'retry', 502],
      [3, 'delivered', 200],
    ]);
    const last = receiver.requests[2];
    expect(verifyWebhookSignature(SECRET, last.rawBody, last.headers[WebhookHeaders.signature] as string)).toBe(true);
    expect(
      verifyWebhookSignature(
        'wrong-secret-wrong-secret',
        last.rawBody,
        last.headers[WebhookHeaders.signature] as string,
      ),
    ).toBe(false);
    const body = JSON.parse(last.rawBody) as {
      id: string;
      seq: number;
      type: string;
      timestamp: number;
      data: unknown;
    };
    expect(body).toMatchObject({
      id: `wh_ok_${event.seq}`,
      seq: event.seq,
      type: 'alert.created',
      data: { id: 'alert-1', severity: 'critical' },
    });
    expect(last.headers[WebhookHeaders.timestamp]).toBe(String(body.timestamp));
    expect(last.headers[WebhookHeaders.delivery]).toBe(`wh_ok_${event.seq}`);
    // Back-off: the third try waits at least 50 + 100 ms after the first.
    expect(attempts[2].at - attempts[0].at).toBeGreaterThanOrEqual(150);
    expect(await registry.getSingleMetricAsString('xl_webhook_deliveries_total')).toMatch(
      /outcome="retry"} 2[\s\S]*outcome="delivered"} 1|outcome="delivered"} 1[\s\S]*outcome="retry"} 2/,
    );
  });

  it('dead-letters a delivery after the last try when the receiver keeps failing', async () => {
    await repo.insert(subscription('wh_dead', url));
    receiver.fallback = 503;
    const event = {
      seq: 42,
      at: Date.now(),
      ...pushEvent(scopes.riverA, { id: 'alert-2', severity: 'major' }),
    } as LogEvent;
    await deliveries.dispatch([event]);
    const attempts = await waitForAttempts('wh_dead', 3);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.statusCode, a.error])).toEqual([
      [1, 'retry', 503, 'HTTP 503'],
      [2, 'retry', 503, 'HTTP 503'],
      [3, 'dead', 503, 'HTTP 503'],
    ]);
    const dead = await deliveries.deadLetters.getJob('wh_dead_42');
    expect(dead?.data).toMatchObject({ subscriptionId: 'wh_dead', seq: 42, lastError: 'HTTP 503' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(3);
  });

  it("keeps a try's outcome when its log row cannot be written: a delivered alarm is not sent again, a last try is dead-lettered", async () => {
    await repo.insert(subscription('wh_siren', url));
    const recordAttempt = jest.spyOn(repo, 'recordAttempt').mockRejectedValue(new Error('SQLITE_FULL: database or disk is full'));
    try {
      await deliveries.dispatch([{ seq: 7, at: Date.now(), ...pushEvent(scopes.schoolPond, { id: 'alert-7', severity: 'critical' }) } as LogEvent]);
      await receiver.waitForRequests(1);
      receiver.fallback = 503;
      await deliveries.dispatch([{ seq: 8, at: Date.now(), ...pushEvent(scopes.schoolPond, { id: 'alert-8', severity: 'critical' }) } as LogEvent]);
      await waitForDeadLetters('wh_siren', 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.requests.map((r) => JSON.parse(r.rawBody).seq)).toEqual([7, 8, 8, 8]);
      expect(recordAttempt).toHaveBeenCalledTimes(4);
    } finally {
      recordAttempt.mockRestore();
    }
  });

  it('waits for the database when a try cannot read its subscription, without using up the tries; dead-letters one a day old', async () => {
    await repo.insert(subscription('wh_siren', url));
    receiver.fallback = 503; // the siren's gateway is down …
    const get = repo.get.bind(repo);
    let reads = 0;
    // … and the database is away for the last try's first two reads (before, the job failed: no dead letter, no count).
    const unreadable = jest.spyOn(repo, 'get').mockImplementation(async (id) => {
      reads++;
      if (reads === 3 || reads === 4) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return get(id);
    });
    try {
      await deliveries.dispatch([{ seq: 9, at: Date.now(), ...pushEvent(scopes.schoolPond, { id: 'alert-9', severity: 'critical', alarm: true }) } as LogEvent]);
      await waitForDeadLetters('wh_siren', 1);
      expect(reads).toBe(6); // 3 tries, 2 unreadable reads, and the last try's check that its subscription still exists
      expect(receiver.requests).toHaveLength(3); // all three tries POSTed
      expect((await deliveries.deadLetters.getJob('wh_siren_9'))?.data).toMatchObject({ lastError: 'HTTP 503' });

      // Unreadable for a day: dead-lettered with the reason, counted, to be redelivered by hand.
      unreadable.mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      const job = { subscriptionId: 'wh_siren', deliveryId: 'wh_siren_10', seq: 10, type: 'alert.updated' as const, data: { id: 'alert-10' } };
      await deliveries.queue.add(job.type, job, { jobId: job.deliveryId, attempts: 3, timestamp: Date.now() - 25 * 3600_000 });
      await waitForDeadLetters('wh_siren', 2);
      expect((await deliveries.deadLetters.getJob('wh_siren_10'))?.data).toMatchObject({ lastError: 'subscription could not be read: connect ECONNREFUSED 127.0.0.1:5432' });
      const dead = (await registry.getSingleMetric('xl_webhook_deliveries_total')!.get()).values.find((v) => v.labels.webhook === 'wh_siren' && v.labels.outcome === 'dead');
      expect(dead?.value).toBe(2);
      expect(receiver.requests).toHaveLength(3);
    } finally {
      unreadable.mockRestore();
    }
  });

  it('lists dead letters and redelivers them once the receiver is repaired, each once, only its own', async () => {
    await repo.insert(subscription('wh_down', url));
    await repo.insert(subscription('wh_other', url, ['county-b']));
    receiver.fallback = 503;
    const event = (seq: number, scope = scopes.riverA) =>
      ({ seq, at: 0, ...pushEvent(scope, { id: `alert-${seq}` }) }) as LogEvent;
    await deliveries.dispatch([event(50), event(51), event(52, scopes.riverB)]);
    // wh_down (no filter) gets all three, wh_other (county-b) only 52: 9 and 3 tries, all failing
    await waitForDeadLetters('wh_down', 3);
    await waitForDeadLetters('wh_other', 1);
    const listed = await deliveries.deadLettersOf('wh_down', 10);
    expect(listed.complete).toBe(true);
    expect(listed.items.map((d) => [d.deliveryId, d.lastError])).toEqual(
      expect.arrayContaining([
        ['wh_down_50', 'HTTP 503'],
        ['wh_down_51', 'HTTP 503'],
        ['wh_down_52', 'HTTP 503'],
      ]),
    );
    expect(listed.items).toHaveLength(3);
    expect((await deliveries.deadLettersOf('wh_down', 2)).items).toHaveLength(2);

    receiver.fallback = 200;
    const before = receiver.requests.length;
    // Another subscription's dead letter is not this one's to redeliver.
    expect(await deliveries.redeliver('wh_down', ['wh_down_50', 'wh_other_52', 'wh_down_nope'])).toEqual([
      'wh_down_50',
    ]);
    expect(await deliveries.redeliver('wh_down', ['wh_down_50'])).toEqual([]); // already on its way
    await receiver.waitForRequests(before + 1);
    expect(receiver.requests[before].headers[WebhookHeaders.delivery]).toBe('wh_down_50');
    expect((await deliveries.deadLettersOf('wh_down', 10)).items.map((d) => d.deliveryId).sort()).toEqual([
      'wh_down_51',
      'wh_down_52',
    ]);

    expect(await deliveries.redeliver('wh_down')).toEqual(['wh_down_51', 'wh_down_52']);
    await receiver.waitForRequests(before + 3);
    const attempts = await waitForAttempts('wh_down', 12);
    expect(attempts.slice(9).map((a) => [a.deliveryId, a.attempt, a.outcome])).toEqual(
      expect.arrayContaining([
        ['wh_down_50', 1, 'delivered'],
        ['wh_down_51', 1, 'delivered'],
        ['wh_down_52', 1, 'delivered'],
      ]),
    );
    expect((await deliveries.deadLettersOf('wh_down', 10)).items).toEqual([]);
    expect((await deliveries.deadLettersOf('wh_other', 10)).items.map((d) => d.deliveryId)).toEqual(['wh_other_52']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(before + 3);
  });

  it('drops dead letters older than their days, and all of a deleted subscription', async () => {
    const letter = (subscriptionId: string, seq: number, ageDays: number) =>
      deliveries.deadLetters.add(
        'alert.created',
        { subscriptionId, deliveryId: `${subscriptionId}_${seq}`, seq, type: 'alert.created', data: {}, lastError: 'HTTP 503' },
        { jobId: `${subscriptionId}_${seq}`, timestamp: Date.now() - ageDays * 86_400_000 },
      );
    await letter('wh_gone', 1, 31);
    await letter('wh_gone', 2, 29);
    await letter('wh_keep', 3, 0);
    await deliveries.pruneDeadLetters(); // default 30 days
    expect((await deliveries.deadLettersOf('wh_gone', 10)).items.map((d) => d.deliveryId)).toEqual(['wh_gone_2']);
    await letter('wh_keep', 4, 45);
    expect(await deliveries.pruneDeadLetters()).toBe(1);
    expect(await deliveries.dropDeadLetters('wh_gone')).toBe(1);
    expect((await deliveries.deadLettersOf('wh_gone', 10)).items).toEqual([]);
    expect((await deliveries.deadLettersOf('wh_keep', 10)).items.map((d) => d.deliveryId)).toEqual(['wh_keep_3']);
  });

  it('queues one delivery per event and matching subscription, however often the event is dispatched', async () => {
    await repo.insert(subscription('wh_a', url, ['county-a']));
    await repo.insert(subscription('wh_b', url, ['county-b']));
    await repo.insert({ ...subscription('wh_off', url), enabled: false });
    const inA = { seq: 7, at: 0, ...pushEvent(scopes.schoolPond, { id: 'x' }) } as LogEvent;
    const inB = { seq: 8, at: 0, ...pushEvent(scopes.riverB, { id: 'y' }) } as LogEvent;
    expect(await deliveries.dispatch([inA, inB])).toBe(2);
    await deliveries.dispatch([inA, inB]);
    await receiver.waitForRequests(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.map((r) => r.headers[WebhookHeaders.delivery]).sort()).toEqual(['wh_a_7', 'wh_b_8']);
  });

  it("delivers a school siren's alarm at once while another receiver's POSTs hang until their timeout", async () => {
    const gis = await silentReceiver();
    try {
      await repo.insert(subscription('wh_gis', gis.url)); // a county GIS platform: every event; its host is down
      const siren = subscription('wh_siren', url);
      await repo.insert({ ...siren, filters: { ...siren.filters, cameraIds: ['cam-pond'], alarmsOnly: true } });
      // A power cut takes 16 cameras of another village offline, then a child goes under at the pond.
      const statuses = Array.from(
        { length: 16 },
        (_, i) => ({ seq: 100 + i, at: Date.now(), ...pushEvent({ ...scopes.riverB, cameraId: `cam-b${i}` }, { cameraId: `cam-b${i}`, status: 'offline' }, 'camera.status') }) as LogEvent,
      );
      const alarm = { seq: 200, at: Date.now(), ...pushEvent(scopes.schoolPond, { id: 'pond-alert', severity: 'critical', state: 'open', alarm: true }, 'alert.updated') } as LogEvent;
      const started = Date.now();
      await deliveries.dispatch([...statuses, alarm]);
      await receiver.waitForRequests(1, 20_000);
      // Before: ~4 s here (two timeouts of all 8 slots); 20 s at the default timeout. Waiting behind
      // even one of the silent receiver's tries takes a whole try timeout: the bound, rather than a
      // figure of this machine's speed (1 s flaked on a loaded 2-core host).
      expect(Date.now() - started).toBeLessThan(TRY_TIMEOUT_MS);
      // The silent receiver held no more than its own places (webhookPerReceiver, 2) meanwhile.
      expect(gis.posts()).toBeLessThanOrEqual(2);
    } finally {
      await gis.close();
    }
  });

  it("opens a silent receiver's circuit after 3 tries in a row without an answer: its deliveries then wait, POSTing nothing, and are given up when their tries would have ended", async () => {
    const gis = await silentReceiver();
    try {
      await repo.insert(subscription('wh_gis', gis.url));
      const events = Array.from({ length: 4 }, (_, i) => ({ seq: 300 + i, at: Date.now(), ...pushEvent(scopes.riverA, { id: `gis-${i}`, severity: 'major' }) }) as LogEvent);
      const queuedAt = Date.now();
      await deliveries.dispatch(events);
      // Tries time out (2 s each, two at a time); once 3 in a row did, the circuit opens (30 s) and the
      // deliveries wait for its probe — longer than their tries would have lasted (3 × 2 s + back-offs).
      await waitForDeadLetters('wh_gis', 4);
      expect(Date.now() - queuedAt).toBeLessThan(15_000);
      const attempts = (await repo.attempts('wh_gis', 100)).reverse();
      const givenUp = attempts.filter((a) => a.error?.startsWith('circuit_open'));
      expect(givenUp).toHaveLength(4);
      expect(givenUp.every((a) => a.outcome === 'dead' && a.statusCode === null && a.durationMs === 0)).toBe(true);
      expect(givenUp[0].error).toMatch(/^circuit_open: [34] tries in a row got no answer; next POST after \d{4}-/);
      expect(gis.posts()).toBeLessThanOrEqual(4);
    } finally {
      await gis.close();
    }
  }, 30_000);

  it('delivers everything to a receiver back while its circuit was open: waiting for the probe uses no try', async () => {
    await deliveries.close();
    deliveries = new WebhookDeliveries({
      connection: redis,
      repository: repo,
      options: resolveOutboundOptions({ queuePrefix: prefix, webhookMaxAttempts: 5, webhookBackoffMs: 50, webhookTimeoutMs: 1000, webhookCircuitOpenMs: 1500 }),
      registry,
      logger,
    });
    deliveries.startWorker();
    // A gateway rebooting: it takes POSTs and answers none for 2.2 s, then answers 200.
    let down = true;
    const gateway = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (!down) res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    setTimeout(() => (down = false), 2200);
    try {
      await repo.insert(subscription('wh_gateway', `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/hook`));
      const events = Array.from({ length: 4 }, (_, i) => ({ seq: 400 + i, at: Date.now(), ...pushEvent(scopes.riverA, { id: `gw-${i}`, severity: 'critical' }) }) as LogEvent);
      await deliveries.dispatch(events);
      const deadline = Date.now() + 15_000;
      while ((await repo.attempts('wh_gateway', 100)).filter((a) => a.outcome === 'delivered').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const attempts = await repo.attempts('wh_gateway', 100);
      expect(attempts.filter((a) => a.outcome === 'delivered').map((a) => a.eventSeq).sort()).toEqual([400, 401, 402, 403]);
      expect(attempts.filter((a) => a.outcome === 'dead')).toEqual([]); // before: the open circuit burnt the tries — dead letters, no POST
      expect(attempts.filter((a) => a.error?.startsWith('circuit_open'))).toEqual([]);
    } finally {
      gateway.closeAllConnections();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  }, 30_000);

  it("does not POST a queued retry that the subscription's new filters exclude (the siren moved to another pond)", async () => {
    const sub = subscription('wh_siren', '');
    const moving = await receiverActingDuring(async (n) => {
      // During the first try the admin points the siren at the river camera, alarms only.
      if (n === 1) await repo.update({ ...sub, url: moving.url, filters: { ...sub.filters, cameraIds: ['cam-river-a'], alarmsOnly: true }, updatedAt: Date.now() });
    });
    try {
      await repo.insert({ ...sub, url: moving.url, filters: { ...sub.filters, cameraIds: ['cam-pond'] } });
      const event = { seq: 31, at: Date.now(), ...pushEvent(scopes.schoolPond, { id: 'pond-1', severity: 'major', state: 'acknowledged' }, 'alert.updated') } as LogEvent;
      await deliveries.dispatch([event]);
      await waitForAttempts('wh_siren', 1);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(moving.received()).toBe(1); // before: 3 — the retries sounded the siren for the old pond's acknowledgement
    } finally {
      await moving.close();
    }
  });

  it('leaves no dead letter and no dead count behind a subscription deleted while its last try was in flight', async () => {
    const gone = await receiverActingDuring(async (n) => {
      if (n !== 3) return;
      // The admin deletes the subscription during the last (3rd) try: WebhooksService.delete does this.
      await repo.delete('wh_gone');
      await deliveries.dropDeadLetters('wh_gone');
    });
    try {
      await repo.insert(subscription('wh_gone', gone.url));
      await deliveries.dispatch([{ seq: 41, at: Date.now(), ...pushEvent(scopes.schoolPond, { id: 'pond-2', severity: 'critical' }) } as LogEvent]);
      for (let i = 0; gone.received() < 3 && i < 200; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 800));
      const letters = await deliveries.deadLetters.getJobs(['waiting']);
      expect(letters.map((job) => job.data.deliveryId)).toEqual([]); // before: ['wh_gone_41'], kept 30 days, listed by no API
      expect(await registry.getSingleMetricAsString('xl_webhook_deliveries_total')).not.toMatch(/webhook="wh_gone",outcome="dead"} [1-9]/);
    } finally {
      await gone.close();
    }
  });

  it('refuses to follow a redirect and reports an unreachable receiver without its URL', async () => {
    const closed = new TestReceiver();
    const closedUrl = await closed.start();
    await closed.close();
    await repo.insert(subscription('wh_moved', url));
    await repo.insert(subscription('wh_gone', `${closedUrl}?token=secret`, ['county-b']));
    receiver.script = [302];
    await deliveries.dispatch([{ seq: 9, at: 0, ...pushEvent(scopes.riverB, {}) } as LogEvent]);
    const [moved] = await waitForAttempts('wh_moved', 1);
    const [gone] = await waitForAttempts('wh_gone', 1);
    expect(moved).toMatchObject({ outcome: 'retry', statusCode: 302, error: 'HTTP 302' });
    expect(gone).toMatchObject({ outcome: 'retry', statusCode: null, error: 'ECONNREFUSED' });
    expect(receiver.requests.map((r) => r.path)).not.toContain('/elsewhere');
  });
});
