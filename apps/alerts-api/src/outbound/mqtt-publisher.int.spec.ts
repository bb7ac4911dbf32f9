import { connect as tcpConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { createLogger } from '@xl/observability';
import { freePort, testRedisUrl, uniquePrefix } from '@xl/testing';
import { eventLogKeys, type LogEvent } from '../realtime/event-log';
import { deleteKeys, pushEvent } from '../realtime/testing/push-harness';
import { scopes } from '../realtime/testing/test-auth';
import { MqttPublisher } from './mqtt-publisher';
import { RetainedStatusGuard } from './retained-status';
import { requireBroker, subscribe, TEST_BROKER, type ReceivedMessage } from './testing/mqtt-broker';

const logger = createLogger('test.mqtt', process.env.LOG_LEVEL ?? 'silent');

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('MqttPublisher (real Mosquitto)', () => {
  let available = false;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    available = await requireBroker();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  it('publishes alerts to <prefix>/alerts/<region>/<camera> and retains camera status for late subscribers', async () => {
    if (!available) return;
    const prefix = uniquePrefix('mqtt').replace(/:/g, '-');
    const publisher = MqttPublisher.connect(TEST_BROKER, prefix, logger);
    const early = await subscribe(`${prefix}/#`);
    clients.push(early.client);

    const alert = { seq: 101, at: 0, ...pushEvent(scopes.schoolPond, { id: 'a1', severity: 'critical' }) } as LogEvent;
    const status = {
      seq: 102,
      at: 0,
      ...pushEvent(scopes.riverB, { cameraId: 'cam-river-b', status: 'offline' }, 'camera.status'),
    } as LogEvent;
    await publisher.publish([alert, status]);
    await until(() => early.got.length === 2);
    expect(early.got[0]).toEqual({
      topic: `${prefix}/alerts/village-a1/cam-pond`,
      payload: JSON.stringify({ seq: 101, type: 'alert.created', data: { id: 'a1', severity: 'critical' } }),
      retain: false,
    });
    expect(early.got[1].topic).toBe(`${prefix}/cameras/cam-river-b/status`);

    const late = await subscribe(`${prefix}/cameras/+/status`);
    clients.push(late.client);
    await until(() => late.got.length === 1);
    expect(late.got[0]).toMatchObject({ topic: `${prefix}/cameras/cam-river-b/status`, retain: true });
    expect(JSON.parse(late.got[0].payload)).toMatchObject({
      seq: 102,
      type: 'camera.status',
      data: { status: 'offline' },
    });

    // Clear the retained message so the broker does not keep test data.
    await late.client.publishAsync(`${prefix}/cameras/cam-river-b/status`, '', { qos: 1, retain: true });
    await publisher.close();
  });

  it('publishes a status outside `retainable` without retaining it: the retained one stays the newer', async () => {
    if (!available) return;
    const prefix = uniquePrefix('mqtt').replace(/:/g, '-');
    const publisher = MqttPublisher.connect(TEST_BROKER, prefix, logger);
    const status = (seq: number, value: string) => ({ seq, at: 0, ...pushEvent(scopes.riverB, { cameraId: 'cam-river-b', status: value }, 'camera.status') }) as LogEvent;
    await publisher.publish([status(105, 'online')], new Set([105]));
    await publisher.publish([status(100, 'offline')], new Set()); // an older one, claimed late
    const late = await subscribe(`${prefix}/cameras/+/status`);
    clients.push(late.client);
    await until(() => late.got.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(late.got).toHaveLength(1);
    expect(JSON.parse(late.got[0].payload)).toMatchObject({ seq: 105, data: { status: 'online' } });
    await late.client.publishAsync(`${prefix}/cameras/cam-river-b/status`, '', { qos: 1, retain: true });
    await publisher.close();
  });

  it('retains a disabled camera as out of service, and clears the retained status of a deleted one after publishing it', async () => {
    if (!available) return;
    const prefix = uniquePrefix('mqtt').replace(/:/g, '-');
    const publisher = MqttPublisher.connect(TEST_BROKER, prefix, logger);
    const status = (seq: number, cameraId: string, data: Record<string, unknown>) =>
      ({ seq, at: 0, ...pushEvent({ ...scopes.riverB, cameraId }, { cameraId, ...data }, 'camera.status') }) as LogEvent;
    const live = await subscribe(`${prefix}/cameras/+/status`);
    clients.push(live.client);
    await publisher.publish([
      status(301, 'cam-disabled', { status: 'offline', reason: 'timeout' }),
      status(302, 'cam-deleted', { status: 'offline', reason: 'timeout' }),
      status(303, 'cam-disabled', { status: 'out_of_service', reason: 'disabled' }),
      status(304, 'cam-deleted', { status: 'out_of_service', reason: 'deleted' }),
    ]);
    // Live subscribers get the deletion, then the empty retained message that clears the topic.
    await until(() => live.got.length === 5);
    const ofDeleted = live.got.filter((m) => m.topic === `${prefix}/cameras/cam-deleted/status`);
    expect(ofDeleted.map((m) => (m.payload ? JSON.parse(m.payload).data.status : ''))).toEqual(['offline', 'out_of_service', '']);
    // A wall display connecting later: the disabled camera out of service, the deleted one gone.
    const late = await subscribe(`${prefix}/cameras/+/status`);
    clients.push(late.client);
    await until(() => late.got.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(late.got.map((m) => [m.topic, m.retain, JSON.parse(m.payload).data])).toEqual([
      [`${prefix}/cameras/cam-disabled/status`, true, { cameraId: 'cam-disabled', status: 'out_of_service', reason: 'disabled' }],
    ]);
    await late.client.publishAsync(`${prefix}/cameras/cam-disabled/status`, '', { qos: 1, retain: true });
    await publisher.close();
  });

  it("publishes an alarm also on its pond's alarm topic, where an acknowledgement never goes", async () => {
    if (!available) return;
    const prefix = uniquePrefix('mqtt').replace(/:/g, '-');
    const publisher = MqttPublisher.connect(TEST_BROKER, prefix, logger);
    const siren = await subscribe(`${prefix}/alarms/+/cam-pond/pond`);
    clients.push(siren.client);
    const at = Date.now();
    const raised = { seq: 201, at: 0, ...pushEvent(scopes.schoolPond, { id: 'a2', severity: 'critical', state: 'open', zoneId: 'pond', rule: 'vanish_in_water', alarmedAt: at, updatedAt: at }, 'alert.updated') } as LogEvent;
    const acknowledged = { seq: 202, at: 0, ...pushEvent(scopes.schoolPond, { id: 'a2', severity: 'critical', state: 'acknowledged', zoneId: 'pond', rule: 'vanish_in_water', alarmedAt: at, updatedAt: at + 4000 }, 'alert.updated') } as LogEvent;
    await publisher.publish([raised, acknowledged]);
    await until(() => siren.got.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(siren.got).toEqual([expect.objectContaining({ topic: `${prefix}/alarms/village-a1/cam-pond/pond`, retain: false })]);
    expect(JSON.parse(siren.got[0].payload)).toMatchObject({ seq: 201, data: { id: 'a2', state: 'open' } });
    await publisher.close();
  });

  it('reconnects by itself after the connection drops; a message published meanwhile arrives', async () => {
    if (!available) return;
    // A TCP relay in front of the broker whose connections the test cuts.
    const broker = new URL(TEST_BROKER);
    const links: Socket[] = [];
    const relay = createServer((inbound) => {
      const outbound = tcpConnect(Number(broker.port || 1883), broker.hostname);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      links.push(inbound, outbound);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const prefix = uniquePrefix('mqtt').replace(/:/g, '-');
    const publisher = MqttPublisher.connect(
      `mqtt://127.0.0.1:${(relay.address() as AddressInfo).port}`,
      prefix,
      logger,
    );
    const sub = await subscribe(`${prefix}/#`);
    clients.push(sub.client);
    await until(() => publisher.connected);

    for (const link of links.splice(0)) link.destroy();
    await until(() => !publisher.connected);
    const event = { seq: 7, at: 0, ...pushEvent(scopes.schoolPond, { id: 'after-drop' }) } as LogEvent;
    await publisher.publish([event]);
    await until(() => sub.got.length === 1);
    expect(JSON.parse(sub.got[0].payload)).toMatchObject({ seq: 7, data: { id: 'after-drop' } });
    await publisher.close();
    relay.close();
  });

  it('fails a publish still waiting for an unreachable broker when closed, so shutdown never waits for it', async () => {
    // Nothing listens there: mqtt.js queues the QoS 1 message and would never settle it.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const publisher = MqttPublisher.connect(`mqtt://127.0.0.1:${closedPort}`, 'xl-test-unreachable', logger);
    const event = { seq: 8, at: 0, ...pushEvent(scopes.schoolPond, { id: 'never-acknowledged' }) } as LogEvent;
    const outcome = publisher.publish([event]).then(
      () => 'acknowledged',
      (err: Error) => err.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await publisher.close();
    await expect(outcome).resolves.toBe('MQTT publisher closed before the broker acknowledged');
  });

  /** A TCP relay to the broker on `port`, opened when the test says: instance A's link to the broker. */
  function relayOn(port: number): Promise<{ server: Server; links: Socket[] }> {
    const broker = new URL(TEST_BROKER);
    const links: Socket[] = [];
    const server = createServer((inbound) => {
      const outbound = tcpConnect(Number(broker.port || 1883), broker.hostname);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      links.push(inbound, outbound);
    });
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, links })));
  }

  /**
   * Two instances on one Redis: A holds `heldByA` while its broker link is down, B publishes
   * `publishedByB`, then A's link comes back. Returns what a wall display connecting afterwards gets.
   */
  async function reachingTheBrokerLast(heldByA: LogEvent[], publishedByB: LogEvent[]): Promise<ReceivedMessage[]> {
    const prefix = uniquePrefix('mqtt').replace(/:/g, '-');
    const redis = new Redis(testRedisUrl());
    const key = eventLogKeys(prefix).mqttRetainedStatus;
    // Instance A: its link to the broker is down for a few seconds (a broker restart, a network blip).
    const port = await freePort();
    const a = MqttPublisher.connect(`mqtt://127.0.0.1:${port}`, prefix, logger);
    const b = MqttPublisher.connect(TEST_BROKER, prefix, logger);
    const guardA = new RetainedStatusGuard(redis, key);
    const guardB = new RetainedStatusGuard(redis, key);
    let relay: Awaited<ReturnType<typeof relayOn>> | undefined;
    try {
      // As outbound.service does it: A read the older status, B the newer one.
      const publishedByA = a.publishGuarded(heldByA, guardA); // waits for A's broker link …
      const camera = heldByA[0].scope.cameraId;
      while ((await redis.hget(key, camera)) !== String(heldByA[0].seq)) await new Promise((r) => setTimeout(r, 10)); // … once recorded
      await b.publishGuarded(publishedByB, guardB);
      // A's link comes back: its QoS 1 message, held meanwhile, goes out now.
      relay = await relayOn(port);
      await publishedByA;
      const late = await subscribe(`${prefix}/cameras/+/status`);
      clients.push(late.client);
      await new Promise((r) => setTimeout(r, 300)); // retained messages arrive at once
      return [...late.got]; // before the clean-up below clears the topic
    } finally {
      const cleaner = await subscribe(`${prefix}/x`);
      clients.push(cleaner.client);
      await cleaner.client.publishAsync(`${prefix}/cameras/cam-river-b/status`, '', { qos: 1, retain: true });
      await a.close();
      await b.close();
      if (relay) {
        for (const l of relay.links) l.destroy();
        relay.server.close();
      }
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  }
  const riverStatus = (seq: number, data: Record<string, unknown>) =>
    ({ seq, at: 0, ...pushEvent(scopes.riverB, { cameraId: 'cam-river-b', ...data }, 'camera.status') }) as LogEvent;

  it("never leaves a camera's retained status at an older one when the instance holding it reaches the broker last", async () => {
    if (!available) return;
    // The camera comes back (seq 10, read by A) and drops again (seq 12, read by B).
    const got = await reachingTheBrokerLast([riverStatus(10, { status: 'online' })], [riverStatus(12, { status: 'offline' })]);
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0].payload)).toMatchObject({ seq: 12, data: { status: 'offline' } }); // before 2026-12-03: seq 10, online
  });

  it('never brings a deleted camera back on the wall displays when an older status of it reaches the broker last', async () => {
    if (!available) return;
    const deleted = riverStatus(12, { status: 'out_of_service', reason: 'deleted' });
    const got = await reachingTheBrokerLast([riverStatus(10, { status: 'online' })], [deleted]);
    expect(got).toEqual([]); // before 2026-12-03: seq 10, online, retained
  });
});
