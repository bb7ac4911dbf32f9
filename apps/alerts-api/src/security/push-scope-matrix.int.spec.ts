import '../testing/nest-esm';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { TestPushClient } from '../realtime/testing/ws-client';
import { alertEvent } from '../testing/alert-events';
import { startListeningApi, type ListeningApi } from './testing/listening-api';

// WebSocket subscriptions × every kind of caller: each receives exactly the events of the cameras
// in its scope — live, and again when it resumes from the backlog — and nothing else. Alerts are
// raised for every camera of the world (and one the database does not know: admins only).
//
//   city ─ county-a ─ town-a1 (cam-a2) ─ vil-a1a (cam-a, cam-a3)
//        └ county-b ─ town-b1 ─ vil-b1a (cam-b)

const CAMERAS = ['cam-a', 'cam-a2', 'cam-a3', 'cam-b', 'unregistered-cam'] as const;
const A_SIDE = ['cam-a', 'cam-a2', 'cam-a3'];

interface Caller {
  name: string;
  user?: string;
  apiKey?: { role: string; regionIds?: string[]; cameraIds?: string[] };
  /** The declared policy: cameras whose events this caller receives. */
  sees: string[];
}

const CALLERS: Caller[] = [
  { name: 'admin', user: 'admin', sees: [...CAMERAS] },
  { name: 'operator@township A1', user: 'op-a', sees: A_SIDE },
  { name: 'operator@county A', user: 'op-county-a', sees: A_SIDE },
  { name: 'operator@city', user: 'op-city', sees: ['cam-a', 'cam-a2', 'cam-a3', 'cam-b'] },
  { name: 'operator@county B', user: 'op-b', sees: ['cam-b'] },
  { name: 'school (cam-a)', user: 'school-a', sees: ['cam-a'] },
  { name: 'viewer@county A', user: 'viewer-a', sees: A_SIDE },
  { name: 'api-key operator@township A1', apiKey: { role: 'operator', regionIds: ['town-a1'] }, sees: A_SIDE },
  { name: 'api-key school (cam-a)', apiKey: { role: 'school', cameraIds: ['cam-a'] }, sees: ['cam-a'] },
];

/** "alert.created cam-b" for each event a client received. */
function received(client: TestPushClient): string[] {
  return client.events.map((m) => `${m.type} ${String(m.data?.cameraId)}`).sort();
}

describe('WebSocket subscriptions × callers × scope', () => {
  let env: ListeningApi;
  const credentials: Record<string, string> = {};
  const clients: TestPushClient[] = [];

  beforeAll(async () => {
    env = await startListeningApi();
    const { world } = env.api;
    const admin = { Authorization: `Bearer ${await world.token('admin')}` };
    for (const caller of CALLERS) {
      credentials[caller.name] = caller.user
        ? await world.token(caller.user)
        : (await world.http.post('/api-keys').set(admin).send({ name: caller.name, ...caller.apiKey }).expect(201)).body.key;
    }
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await env?.close();
  });

  it('delivers to every caller exactly the events of its scope, live and on resume', async () => {
    const { api } = env;
    const live = await Promise.all(CALLERS.map((c) => TestPushClient.connect(api.wsUrl, credentials[c.name])));
    clients.push(...live);
    await Promise.all(live.map((c) => c.waitFor('hello', () => c.messages.some((m) => m.type === 'hello'))));
    const startSeq = live[0].messages.find((m) => m.type === 'hello')?.seq as number;

    const intake = api.app.get(AlertIntakeService);
    const events = CAMERAS.map((cameraId) => alertEvent({ cameraId }));
    for (const event of events) await intake.consume(event);
    // A lifecycle change of the county-B alert is pushed as alert.updated, under the same scope.
    const admin = { Authorization: `Bearer ${await api.world.token('admin')}` };
    await api.world.http.post(`/alerts/${encodeURIComponent(events[3].alertId)}/acknowledge`).set(admin).send({}).expect(200);
    // Last, one alert on each side: a client that has its sentinel has everything before it (seq order).
    const sentinels = [alertEvent({ cameraId: 'cam-a' }), alertEvent({ cameraId: 'cam-b' })];
    for (const event of sentinels) await intake.consume(event);

    const expected = (caller: Caller) =>
      [
        ...caller.sees.map((cam) => `alert.created ${cam}`),
        ...(caller.sees.includes('cam-b') ? ['alert.updated cam-b'] : []),
        ...sentinels.filter((s) => caller.sees.includes(s.cameraId)).map((s) => `alert.created ${s.cameraId}`),
      ].sort();
    const hasSentinel = (client: TestPushClient, caller: Caller) => () =>
      sentinels.filter((s) => caller.sees.includes(s.cameraId)).every((s) => client.events.some((m) => m.data?.id === s.alertId));

    await Promise.all(CALLERS.map((caller, i) => live[i].waitFor(`${caller.name}'s sentinel`, hasSentinel(live[i], caller), 10_000)));
    expect(Object.fromEntries(CALLERS.map((c, i) => [c.name, received(live[i])]))).toEqual(Object.fromEntries(CALLERS.map((c) => [c.name, expected(c)])));

    const resumed = await Promise.all(CALLERS.map((c) => TestPushClient.connect(api.wsUrl, credentials[c.name], { lastSeq: startSeq })));
    clients.push(...resumed);
    await Promise.all(CALLERS.map((caller, i) => resumed[i].waitFor(`${caller.name}'s replayed sentinel`, hasSentinel(resumed[i], caller), 10_000)));
    expect(Object.fromEntries(CALLERS.map((c, i) => [c.name, received(resumed[i])]))).toEqual(Object.fromEntries(CALLERS.map((c) => [c.name, expected(c)])));
  }, 60_000);

  it('refuses the upgrade without a valid credential: 401 and no socket', async () => {
    for (const token of [null, 'garbage', `${credentials.admin}x`, 'xlk_0000000000000000_secret']) {
      await expect(TestPushClient.connect(env.api.wsUrl, token)).rejects.toMatchObject({ statusCode: 401 });
    }
  });
});
