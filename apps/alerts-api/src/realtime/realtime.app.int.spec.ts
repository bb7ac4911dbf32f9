import '../testing/nest-esm';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ALERTS_QUEUE } from '@xl/contracts';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { ScopeService } from '../auth/scope.service';
import { TestReceiver } from '../outbound/testing/http-receiver';
import { requireBroker, subscribe, TEST_BROKER } from '../outbound/testing/mqtt-broker';
import { verifyWebhookSignature, WebhookHeaders } from '../outbound/webhook-signature';
import { loadSettings } from '../settings';
import { EventPublisher, type PushEventType } from '../shared/push-events';
import { alertEvent } from '../testing/alert-events';
import { ADMIN, eventually, type TestApp } from '../testing/test-app';
import { createWorld } from '../testing/world';
import { startApiInstance, type ApiInstance } from './testing/api-instance';
import { deleteKeys } from './testing/push-harness';
import { TestPushClient } from './testing/ws-client';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('push in the API: two instances from createApp sharing Redis and a database', () => {
  let dir: string;
  let prefix: string;
  let a: ApiInstance;
  let b: ApiInstance;
  let alerts: Queue;
  const clients: TestPushClient[] = [];
  const receiver = new TestReceiver();
  let hookUrl: string;
  let mqtt: boolean;
  let topicPrefix: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'xl-push-app-'));
    prefix = uniquePrefix('push-app');
    const settings = loadSettings({
      DATABASE_URL: `sqlite:${path.join(dir, 'api.db')}`,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `${prefix}:`,
      QUEUE_PREFIX: `${prefix}-q`,
      JWT_SECRET: 'a-shared-secret-of-at-least-32-characters',
      SNAPSHOT_DIR: dir,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'silent',
    });
    mqtt = await requireBroker();
    topicPrefix = prefix.replace(/:/g, '-');
    const outbound = {
      webhookBackoffMs: 50,
      consumerBlockMs: 100,
      ...(mqtt ? { mqttUrl: TEST_BROKER, mqttTopicPrefix: topicPrefix } : {}),
    };
    const push = { realtime: { heartbeatMs: 5000 }, outbound };
    a = await startApiInstance(settings, push, ADMIN.password);
    b = await startApiInstance(settings, push, ADMIN.password);
    await createWorld(a.world as TestApp);
    alerts = new Queue(ALERTS_QUEUE, { connection: { url: settings.redisUrl }, prefix: settings.queuePrefix });
    hookUrl = await receiver.start();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await alerts?.close();
    await a?.close();
    await b?.close();
    await receiver.close();
    const redis = new Redis(testRedisUrl());
    await deleteKeys(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (instance: ApiInstance, user: string) => {
    const c = await TestPushClient.connect(instance.wsUrl, await instance.world.token(user));
    clients.push(c);
    return c;
  };
  /** Publishes through an instance's EventPublisher with the camera's real scope (region path from the database). */
  const publish = async (
    instance: ApiInstance,
    cameraId: string,
    regionId: string,
    data: Record<string, unknown>,
    type: PushEventType = 'alert.created',
  ) =>
    instance.app
      .get(EventPublisher)
      .publish({ type, scope: await instance.app.get(ScopeService).resourceOf(cameraId, regionId), data });
  const ids = (c: TestPushClient) => c.events.map((e) => `${e.type}:${String(e.data?.id ?? e.data?.status)}`);

  it('an alert from the analyzer queue reaches, once, exactly the WebSocket clients whose scope holds its camera', async () => {
    await expect(TestPushClient.connect(a.wsUrl, 'forged.jwt.token')).rejects.toMatchObject({ statusCode: 401 });
    const schoolOnA = await connect(a, 'school-a');
    const schoolOnB = await connect(b, 'school-a');
    const opBOnB = await connect(b, 'op-b');
    const adminOnA = await connect(a, 'admin');

    const pond = alertEvent({ cameraId: 'cam-a', severity: 'critical', capturedAt: Date.now() - 200 });
    const river = alertEvent({ cameraId: 'cam-b', capturedAt: Date.now() - 200 });
    await alerts.add('alert', pond);
    await alerts.add('alert', river);
    await adminOnA.waitForEvents(2);
    await schoolOnA.waitForEvents(1);
    await schoolOnB.waitForEvents(1);
    await opBOnB.waitForEvents(1);

    // A lifecycle transition by REST on the other instance is pushed as alert.updated.
    const ack = await b.world.http
      .post(`/alerts/${encodeURIComponent(pond.alertId)}/acknowledge`)
      .set({ Authorization: `Bearer ${await b.world.token('school-a')}` })
      .send({ note: 'teacher on the way' });
    expect(ack.status).toBe(200);
    await schoolOnA.waitForEvents(2);
    await schoolOnB.waitForEvents(2);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(ids(schoolOnA)).toEqual([`alert.created:${pond.alertId}`, `alert.updated:${pond.alertId}`]);
    expect(ids(schoolOnB)).toEqual(ids(schoolOnA));
    expect(schoolOnA.eventSeqs).toEqual(schoolOnB.eventSeqs);
    expect(schoolOnA.events[1].data).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'school-a' });
    expect(ids(opBOnB)).toEqual([`alert.created:${river.alertId}`]);
    expect(ids(adminOnA).sort()).toEqual(
      [`alert.created:${pond.alertId}`, `alert.created:${river.alertId}`, `alert.updated:${pond.alertId}`].sort(),
    );

    expect(await a.registry.getSingleMetricAsString('xl_ws_clients')).toContain('xl_ws_clients 2');
    const latency = await a.registry.getSingleMetricAsString('xl_alert_latency_seconds');
    expect(latency).toContain('xl_alert_latency_seconds_count 2');
    expect((await a.world.http.get('/metrics')).text).toContain('xl_ws_clients 2');
  });

  it('webhooks: admin-only CRUD, http(s) only, one signed delivery per event across both instances, delivery log', async () => {
    const admin = { Authorization: `Bearer ${await a.world.token('admin')}` };
    const school = { Authorization: `Bearer ${await a.world.token('school-a')}` };
    expect((await a.world.http.post('/webhooks').set(school).send({ name: 'x', url: hookUrl })).status).toBe(403);
    expect((await a.world.http.get('/webhooks')).status).toBe(401);
    const badUrl = await a.world.http.post('/webhooks').set(admin).send({ name: 'x', url: 'file:///etc/passwd' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.message).toContain('must use http:// or https://');
    expect(
      (
        await a.world.http
          .post('/webhooks')
          .set(admin)
          .send({ name: 'x', url: hookUrl, regionIds: ['nowhere'] })
      ).status,
    ).toBe(400);

    const created = await a.world.http
      .post('/webhooks')
      .set(admin)
      .send({
        name: 'county A duty desk',
        url: `${hookUrl}?token=abc`,
        regionIds: ['county-a'],
        minSeverity: 'major',
        eventTypes: ['alert.created'],
      });
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);
    const listed = await b.world.http.get('/webhooks').set(admin);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id, url: `${hookUrl}?token=***`, regionIds: ['county-a'], minSeverity: 'major' }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    await publish(a, 'cam-a', 'vil-a1a', { id: 'hook-1', severity: 'warning' }); // below minSeverity
    await publish(b, 'cam-b', 'vil-b1a', { id: 'hook-2', severity: 'critical' }); // other county
    await publish(b, 'cam-a', 'vil-a1a', { id: 'hook-3', severity: 'critical' });
    await publish(a, 'cam-a3', 'vil-a1a', { id: 'hook-4', severity: 'major' });
    await receiver.waitForRequests(2);
    await new Promise((resolve) => setTimeout(resolve, 500)); // time for a request too many to arrive
    expect(receiver.requests.map((r) => JSON.parse(r.rawBody).data.id).sort()).toEqual(['hook-3', 'hook-4']);
    for (const r of receiver.requests)
      expect(verifyWebhookSignature(secret, r.rawBody, r.headers[WebhookHeaders.signature] as string)).toBe(true);

    const delivered = async (i: ApiInstance) =>
      Number(
        /outcome="delivered"} (\d+)/.exec(
          await i.registry.getSingleMetricAsString('xl_webhook_deliveries_total'),
        )?.[1] ?? 0,
      );
    // A delivery is logged and counted after the receiver answered: wait for both.
    const log = await eventually(async () => {
      const res = await a.world.http.get(`/webhooks/${id}/deliveries`).set(admin);
      return res.body.items?.length >= 2 && (await delivered(a)) + (await delivered(b)) >= 2 && res;
    }, 'both deliveries logged and counted');
    expect(log.body.items).toEqual([
      expect.objectContaining({ outcome: 'delivered', statusCode: 200, attempt: 1 }),
      expect.objectContaining({ outcome: 'delivered' }),
    ]);
    expect((await delivered(a)) + (await delivered(b))).toBe(2);
    const dead = await b.world.http.get(`/webhooks/${id}/dead-letters`).set(admin);
    expect(dead.body).toEqual({ items: [], complete: true });
    const none = await a.world.http.post(`/webhooks/${id}/dead-letters/redeliver`).set(admin).send({});
    expect([none.status, none.body]).toEqual([200, { redelivered: [] }]);
    const badIds = await a.world.http.post(`/webhooks/${id}/dead-letters/redeliver`).set(admin).send({ deliveryIds: [] });
    expect(badIds.status).toBe(400);

    const patched = await a.world.http.patch(`/webhooks/${id}`).set(admin).send({ enabled: false });
    expect(patched.body).toMatchObject({ id, enabled: false });
    const disabled = await a.world.http.post(`/webhooks/${id}/dead-letters/redeliver`).set(admin).send({});
    expect(disabled.status).toBe(409);
    expect((await a.world.http.delete(`/webhooks/${id}`).set(admin)).status).toBe(204);
    expect((await a.world.http.get(`/webhooks/${id}`).set(admin)).status).toBe(404);
  });

  it("webhooks narrowed by waters: a school's pond only, with its camera's health and status; waters checked against the cameras", async () => {
    const admin = { Authorization: `Bearer ${await a.world.token('admin')}` };
    const refused = await a.world.http
      .post('/webhooks')
      .set(admin)
      .send({ name: 'x', url: hookUrl, cameraIds: ['cam-a'], waters: ['cam-a/square', 'cam-b/pond'] });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain("water 'cam-a/square': camera 'cam-a' has no zone 'square'");
    expect(refused.body.message).toContain("water 'cam-b/pond': camera 'cam-b' is not one of cameraIds");

    const created = await a.world.http
      .post('/webhooks')
      .set(admin)
      .send({ name: 'Village school siren', url: hookUrl, cameraIds: ['cam-a'], waters: ['cam-a/pond'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ cameraIds: ['cam-a'], waters: ['cam-a/pond'] });
    const id = created.body.id as string;

    // The siren is tested before anything is raised: one signed webhook.test POST, logged.
    const pinged = receiver.requests.length;
    const test = await b.world.http.post(`/webhooks/${id}/test`).set(admin).send({});
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ eventType: 'webhook.test', outcome: 'delivered', statusCode: 200, error: null, attempt: 1 });
    expect(receiver.requests).toHaveLength(pinged + 1);
    const ping = receiver.requests[pinged];
    expect(JSON.parse(ping.rawBody)).toMatchObject({ id: test.body.deliveryId, seq: 0, type: 'webhook.test', data: { subscriptionId: id, requestedBy: 'admin' } });
    expect(ping.headers[WebhookHeaders.event]).toBe('webhook.test');
    expect(verifyWebhookSignature(created.body.secret, ping.rawBody, ping.headers[WebhookHeaders.signature] as string)).toBe(true);
    const testLog = await a.world.http.get(`/webhooks/${id}/deliveries`).set(admin);
    expect(testLog.body.items[0]).toMatchObject({ deliveryId: test.body.deliveryId, eventType: 'webhook.test', outcome: 'delivered' });
    // A receiver that is down is the answer, not an error: outcome failed with the cause.
    const closed = await closedPort();
    const down = await a.world.http.post('/webhooks').set(admin).send({ name: 'unplugged', url: `http://127.0.0.1:${closed}/siren`, enabled: false });
    const downTest = await a.world.http.post(`/webhooks/${down.body.id}/test`).set(admin).send({});
    expect([downTest.status, downTest.body.outcome, downTest.body.error, downTest.body.statusCode]).toEqual([200, 'failed', 'ECONNREFUSED', null]);
    // A port fetch refuses to use is refused when saved, naming the port.
    const badPort = await a.world.http.patch(`/webhooks/${down.body.id}`).set(admin).send({ url: 'http://127.0.0.1:9/siren' }).expect(400);
    expect(JSON.stringify(badPort.body)).toMatch(/port 9/);
    expect((await a.world.http.post('/webhooks/wh_missing/test').set(admin).send({})).status).toBe(404);
    await a.world.http.delete(`/webhooks/${down.body.id}`).set(admin).expect(204);

    const before = receiver.requests.length;
    const alertAt = async (instance: ApiInstance, zoneId: string | null, rule: string, alertId: string) =>
      instance.app.get(EventPublisher).publish({
        type: 'alert.created',
        scope: await instance.app.get(ScopeService).resourceOf('cam-a', 'vil-a1a', { zoneId, rule }),
        data: { id: alertId, severity: 'critical', zoneId, rule },
      });
    await alertAt(a, 'square', 'crowd', 'waters-square'); // the same camera's other zone
    await alertAt(b, null, 'tripwire', 'waters-tripwire');
    await alertAt(a, 'pond', 'no_exit', 'waters-pond');
    await alertAt(b, null, 'camera_offline', 'waters-offline');
    await publish(a, 'cam-a', 'vil-a1a', { cameraId: 'cam-a', status: 'offline' }, 'camera.status');
    await receiver.waitForRequests(before + 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const got = receiver.requests.slice(before).map((r) => JSON.parse(r.rawBody).data);
    expect(got.map((d) => d.id ?? d.status).sort()).toEqual(['offline', 'waters-offline', 'waters-pond']);

    const widened = await b.world.http.patch(`/webhooks/${id}`).set(admin).send({ waters: [] });
    expect(widened.body).toMatchObject({ waters: [] });
    expect((await a.world.http.patch(`/webhooks/${id}`).set(admin).send({ waters: ['cam-a/nowhere'] })).status).toBe(400);
    expect((await a.world.http.delete(`/webhooks/${id}`).set(admin)).status).toBe(204);
  });

  it('a siren (alarmsOnly) sounds for the drowning raised on the entry alert, not for the entry, its acknowledgement or its resolution', async () => {
    const admin = { Authorization: `Bearer ${await a.world.token('admin')}` };
    const created = await a.world.http.post('/webhooks').set(admin).send({ name: 'river siren', url: `${hookUrl}?siren=river`, cameraIds: ['cam-b'], alarmsOnly: true });
    expect(created.body).toMatchObject({ alarmsOnly: true });
    const sirenPosts = () => receiver.requests.filter((r) => r.path.includes('siren=river')).map((r) => JSON.parse(r.rawBody));
    const startedAt = Date.now() - 30_000;
    const enter = alertEvent({ cameraId: 'cam-b', startedAt }); // major: a person entered the water
    await alerts.add('alert', enter);
    const vanish = alertEvent({ cameraId: 'cam-b', ruleId: 'pond.vanish', rule: 'vanish_in_water', severity: 'critical', relatedAlertId: enter.alertId, startedAt: startedAt + 8000, message: 'person went under' });
    await alerts.add('alert', vanish);
    for (const deadline = Date.now() + 10_000; sirenPosts().length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sirenPosts().map((p) => [p.type, p.data.id, p.data.severity])).toEqual([['alert.updated', enter.alertId, 'critical']]);
    await b.world.http.post(`/alerts/${encodeURIComponent(enter.alertId)}/acknowledge`).set(admin).send({}).expect(200);
    await b.world.http.post(`/alerts/${encodeURIComponent(enter.alertId)}/resolve`).set(admin).send({ outcome: 'true_alarm' }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(sirenPosts()).toHaveLength(1);
    await a.world.http.delete(`/webhooks/${created.body.id}`).set(admin).expect(204);
  });

  it('MQTT: each event published once across both instances; camera status retained for late subscribers', async () => {
    if (!mqtt) return;
    const early = await subscribe(`${topicPrefix}/#`);
    await publish(a, 'cam-a', 'vil-a1a', { id: 'mqtt-1', severity: 'critical' });
    await publish(b, 'cam-b', 'vil-b1a', { cameraId: 'cam-b', status: 'offline' }, 'camera.status');
    // Live messages only: a status retained by an earlier test (cam-a's) comes too, flagged retain.
    const live = () => early.got.filter((m) => !m.retain);
    await eventually(async () => live().length >= 2, 'both MQTT messages');
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a duplicate to arrive
    const late = await subscribe(`${topicPrefix}/cameras/cam-b/status`);
    await eventually(async () => late.got.length > 0, 'the retained cam-b status');
    const seen = live().map((m) => [m.topic, JSON.parse(m.payload).data.id ?? JSON.parse(m.payload).data.status]);
    // Each instance publishes what it took from the log on its own connection: no order between them.
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        [`${topicPrefix}/alerts/vil-a1a/cam-a`, 'mqtt-1'],
        [`${topicPrefix}/cameras/cam-b/status`, 'offline'],
      ]),
    );
    expect(late.got).toEqual([expect.objectContaining({ topic: `${topicPrefix}/cameras/cam-b/status`, retain: true })]);
    await late.client.publishAsync(`${topicPrefix}/cameras/cam-b/status`, '', { qos: 1, retain: true });
    await late.client.publishAsync(`${topicPrefix}/cameras/cam-a/status`, '', { qos: 1, retain: true }); // the waters test's
    await early.client.endAsync(true);
    await late.client.endAsync(true);
  });
});
