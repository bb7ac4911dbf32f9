import '../testing/nest-esm';
import type { Redis } from 'ioredis';
import { ANALYSED_AT_HASH, CAMERA_CONFIG_HASH, type CameraStatusEvent } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { CameraStatusRepository } from '../camera-status/camera-status.repository';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { REDIS } from '../core/tokens';
import { EventPublisher, type PushEvent } from '../shared/push-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { CamerasRepository } from './cameras.repository';

// camera_offline after 1 s offline; the sweep for lost timers every 0.5 s.
const ENV = { CAMERA_OFFLINE_ALERT_SECONDS: '1', CAMERA_STABLE_SECONDS: '0', TIMER_SWEEP_SECONDS: '0.5', SLA_MAJOR_SECONDS: '0' };
const THRESHOLD_MS = 1000;
const pond = { id: 'pond', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 0.9], [0, 0.9]] };
const pond2 = { id: 'pond2', type: 'water', polygon: [[0, 0], [0.5, 0], [0.5, 0.4], [0, 0.4]] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DATABASE_KINDS)('camera disable, delete, concurrent edits and search on %s', (kind) => {
  let t: TestApp;
  let admin: Record<string, string>;
  let service: CameraStatusService;

  beforeAll(async () => {
    t = await startTestApp(kind, ENV);
    await createWorld(t);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
    service = t.app.get(CameraStatusService);
  });

  afterAll(async () => {
    await t?.close();
  });

  const createCamera = async (id: string, extra: Record<string, unknown> = {}) => {
    const res = await t.http.post('/cameras').set(admin).send({ id, url: `rtsp://10.0.2.1/${id}`, regionId: 'vil-a1a', zones: [pond], ...extra });
    expect(res.status).toBe(201);
  };
  const status = (cameraId: string, state: CameraStatusEvent['status'], at: number) =>
    service.handle({ cameraId, status: state, at, ingestId: 'ingest-1', ...(state === 'offline' ? { reason: 'timeout' as const } : {}) });
  const offlineAlerts = async (cameraId: string) =>
    (await t.http.get('/alerts').query({ camera: cameraId, rule: 'camera_offline' }).set(admin)).body.items as { id: string; state: string }[];
  const camerasOfflineGauge = async () => Number(/^xl_cameras_offline (\d+)$/m.exec((await t.http.get('/metrics')).text)?.[1]);
  const cameraStatus = async (id: string) => (await t.http.get(`/cameras/${id}`).set(admin)).body.status;

  it('forgets the status of a camera disabled while offline: no camera_offline past the threshold, not counted offline, afresh when enabled again', async () => {
    await createCamera('cam-off-disabled');
    await status('cam-off-disabled', 'offline', Date.now());
    expect(await camerasOfflineGauge()).toBe(1);

    expect((await t.http.patch('/cameras/cam-off-disabled').set(admin).send({ enabled: false })).status).toBe(200);
    // Ingest's last word, sent before it stopped reading the camera, arrives after the disable.
    await status('cam-off-disabled', 'offline', Date.now());
    await sleep(THRESHOLD_MS + 1000); // the threshold's timer and two sweeps
    expect(await offlineAlerts('cam-off-disabled')).toEqual([]);
    expect(await camerasOfflineGauge()).toBe(0);
    expect(await cameraStatus('cam-off-disabled')).toBeNull();

    expect((await t.http.patch('/cameras/cam-off-disabled').set(admin).send({ enabled: true })).status).toBe(200);
    expect(await cameraStatus('cam-off-disabled')).toBeNull();
    const again = Date.now();
    await status('cam-off-disabled', 'offline', again);
    expect(await cameraStatus('cam-off-disabled')).toMatchObject({ status: 'offline', offlineSince: again });
    await eventually(async () => (await offlineAlerts('cam-off-disabled')).find((a) => a.id === `camera_offline:cam-off-disabled:${again}` && a.state === 'open'), 'camera_offline of the camera enabled again');
    await t.http.delete('/cameras/cam-off-disabled').set(admin);
  });

  it('pushes a camera taken out of service once, and not when it is enabled again: disabled, then deleted', async () => {
    const pushes: PushEvent[] = [];
    const spy = jest.spyOn(t.app.get(EventPublisher), 'publish').mockImplementation(async (event) => {
      pushes.push(event);
    });
    try {
      await createCamera('cam-retired');
      await status('cam-retired', 'offline', Date.now());
      const ofCamera = () => pushes.filter((p) => p.type === 'camera.status' && p.data.cameraId === 'cam-retired').map((p) => [p.data.status, p.data.reason]);
      await eventually(async () => ofCamera().length === 1 || undefined, 'the offline push');
      expect((await t.http.patch('/cameras/cam-retired').set(admin).send({ enabled: false })).status).toBe(200);
      expect((await t.http.patch('/cameras/cam-retired').set(admin).send({ name: 'Retired' })).status).toBe(200); // saved again while disabled
      expect(ofCamera()).toEqual([['offline', 'timeout'], ['out_of_service', 'disabled']]);
      const disabledPush = pushes.find((p) => p.data.status === 'out_of_service')!;
      expect(disabledPush.scope).toEqual({ cameraId: 'cam-retired', regionPath: ['city', 'county-a', 'town-a1', 'vil-a1a'] });
      expect(disabledPush.data).toMatchObject({ cameraName: null, detail: null, offlineSince: null });
      expect((await t.http.patch('/cameras/cam-retired').set(admin).send({ enabled: true })).status).toBe(200);
      expect(ofCamera()).toHaveLength(2); // enabled again: it starts afresh, nothing to take back
      expect((await t.http.delete('/cameras/cam-retired').set(admin)).status).toBe(204);
      expect(ofCamera().at(-1)).toEqual(['out_of_service', 'deleted']);
      expect(pushes.at(-1)?.scope.regionPath).toEqual(['city', 'county-a', 'town-a1', 'vil-a1a']); // placed while it still existed
    } finally {
      spy.mockRestore();
    }
  });

  it('says a camera is out of service again when a status of it, pushed while it was disabled, went out after that', async () => {
    const pushes: PushEvent[] = [];
    let raced = false;
    const spy = jest.spyOn(t.app.get(EventPublisher), 'publish').mockImplementation(async (event) => {
      if (!raced && event.type === 'camera.status' && event.data.cameraId === 'cam-status-raced' && event.data.status === 'offline') {
        raced = true;
        // Disabled while the drop is being pushed: the disable's out_of_service goes first.
        expect((await t.http.patch('/cameras/cam-status-raced').set(admin).send({ enabled: false })).status).toBe(200);
      }
      pushes.push(event);
    });
    try {
      await createCamera('cam-status-raced');
      await status('cam-status-raced', 'offline', Date.now());
      const ofCamera = pushes.filter((p) => p.type === 'camera.status' && p.data.cameraId === 'cam-status-raced').map((p) => p.data.status);
      // What a wall display keeps (the last one): out of service, not the drop that overtook it.
      expect(ofCamera).toEqual(['out_of_service', 'offline', 'out_of_service']);
      expect(pushes.at(-1)?.data).toMatchObject({ status: 'out_of_service', reason: 'disabled' });
    } finally {
      spy.mockRestore();
      await t.http.delete('/cameras/cam-status-raced').set(admin);
    }
  });

  it('resolves the open camera_offline of a camera disabled while dark, by the system', async () => {
    await createCamera('cam-dark-disabled');
    const offlineAt = Date.now() - 5000;
    await status('cam-dark-disabled', 'offline', offlineAt);
    const id = `camera_offline:cam-dark-disabled:${offlineAt}`;
    await eventually(async () => (await offlineAlerts('cam-dark-disabled')).find((a) => a.id === id && a.state === 'open'), 'camera_offline of the dark camera');

    expect((await t.http.patch('/cameras/cam-dark-disabled').set(admin).send({ enabled: false })).status).toBe(200);
    const resolved = (await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin)).body;
    expect(resolved).toMatchObject({ state: 'resolved', outcome: 'recovered' });
    expect(resolved.transitions.at(-1)).toMatchObject({ action: 'resolve', actor: { kind: 'system', id: 'camera-status' }, detail: { kind: 'camera_out_of_service', reason: 'disabled', drops: 1 } });
    expect(resolved.transitions.at(-1).note).toMatch(/^camera disabled while offline \(for \d+ s\): no longer watched, outage closed$/);
    expect(await camerasOfflineGauge()).toBe(0);
    await t.http.delete('/cameras/cam-dark-disabled').set(admin);
  });

  it('resolves a camera_offline stored while its camera was being disabled (the disable found no alert to resolve)', async () => {
    await createCamera('cam-raced');
    const intake = t.app.get(AlertIntakeService);
    const consume = intake.consume.bind(intake);
    let disabled = 0;
    const spy = jest.spyOn(intake, 'consume').mockImplementation(async (event) => {
      // Once: the threshold's timer and the sweep may both raise this overdue outage, and two disables
      // at the same moment are two concurrent edits (the second a 409).
      if (event.cameraId === 'cam-raced' && event.rule === 'camera_offline' && disabled === 0) {
        disabled = -1;
        disabled = (await t.http.patch('/cameras/cam-raced').set(admin).send({ enabled: false })).status;
      }
      return consume(event);
    });
    try {
      const offlineAt = Date.now() - 5000;
      await status('cam-raced', 'offline', offlineAt);
      const id = `camera_offline:cam-raced:${offlineAt}`;
      const resolved = await eventually(async () => {
        const res = await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin);
        return res.status === 200 && res.body.state === 'resolved' && res.body;
      }, 'the camera_offline of the disabled camera resolved');
      const resolution = resolved.transitions.at(-1);
      // It never came back: no return time (duty reports would end the outage there).
      expect({ disabled, outcome: resolved.outcome, actor: resolution.actor.id, kind: resolution.detail.kind, reason: resolution.detail.reason, backAt: resolution.detail.backAt }).toEqual({
        disabled: 200,
        outcome: 'recovered',
        actor: 'camera-status',
        kind: 'camera_out_of_service',
        reason: 'disabled',
        backAt: undefined,
      });
    } finally {
      spy.mockRestore();
    }
    await t.http.delete('/cameras/cam-raced').set(admin);
  });

  it('raises no camera_offline for a disabled camera, from the sweep for lost timers or the end of a maintenance window, whatever status row is left', async () => {
    await createCamera('cam-swept', { enabled: false });
    // A row as stored before disabled cameras were forgotten, or by an event handled during the disable.
    const offlineSince = Date.now() - 60_000;
    await t.app.get(CameraStatusRepository).save({ cameraId: 'cam-swept', status: 'offline', reason: 'timeout', detail: null, since: offlineSince, offlineSince, ingestId: 'ingest-1', updatedAt: offlineSince, recoveredFrom: null, stableMs: null, outageDrops: 1 });
    expect(await service.sweepOfflineThresholds()).toBe(0);
    await service.maintenanceEnded('cam-swept');
    expect(await offlineAlerts('cam-swept')).toEqual([]);
    await t.http.delete('/cameras/cam-swept').set(admin);
  });

  it('resolves the open camera_offline of a camera deleted while dark, by the system', async () => {
    await createCamera('cam-dark-deleted');
    const offlineAt = Date.now() - 5000;
    await status('cam-dark-deleted', 'offline', offlineAt);
    const id = `camera_offline:cam-dark-deleted:${offlineAt}`;
    await eventually(async () => (await offlineAlerts('cam-dark-deleted')).find((a) => a.id === id && a.state === 'open'), 'camera_offline of the dark camera');

    expect((await t.http.delete('/cameras/cam-dark-deleted').set(admin)).status).toBe(204);
    const resolved = (await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin)).body;
    expect(resolved).toMatchObject({ state: 'resolved', outcome: 'recovered' });
    expect(resolved.transitions.at(-1)).toMatchObject({ action: 'resolve', actor: { kind: 'system', id: 'camera-status' }, detail: { kind: 'camera_out_of_service', reason: 'deleted', drops: 1 } });
    expect(resolved.transitions.at(-1).note).toMatch(/^camera deleted while offline \(for \d+ s\): no longer watched, outage closed$/);
    expect(await camerasOfflineGauge()).toBe(0);
  });

  it("takes a deleted camera out of the workers' configuration even when removing its analysis mark fails (READONLY after a failover)", async () => {
    await createCamera('cam-marked');
    const configHash = `${t.settings.redisKeyPrefix}${CAMERA_CONFIG_HASH}`;
    const marksHash = `${t.settings.redisKeyPrefix}${ANALYSED_AT_HASH}`;
    await t.redis.hset(marksHash, 'cam-marked', String(Date.now()));
    expect(await t.redis.hexists(configHash, 'cam-marked')).toBe(1);

    const redis = t.app.get<Redis>(REDIS);
    const hdel = redis.hdel.bind(redis);
    let refused = 0;
    const spy = jest.spyOn(redis, 'hdel').mockImplementation(((key: string, ...fields: string[]) => {
      if (key === marksHash && refused++ === 0) return Promise.reject(new Error("READONLY You can't write against a read only replica."));
      return hdel(key, ...fields);
    }) as typeof redis.hdel);
    try {
      const res = await t.http.delete('/cameras/cam-marked').set(admin);
      expect({ status: res.status, refused }).toEqual({ status: 204, refused: 1 });
    } finally {
      spy.mockRestore();
    }
    expect(await t.redis.hexists(configHash, 'cam-marked')).toBe(0);
    expect((await t.http.get('/cameras/cam-marked').set(admin)).status).toBe(404);
  });

  it("refuses a save built on a copy another save changed meanwhile (409), keeping the other's change", async () => {
    await createCamera('cam-edited', { name: 'Old name' });
    const repository = t.app.get(CamerasRepository);
    const get = repository.get.bind(repository);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    // The zone edit reads the camera, then waits while a rename is read and saved.
    const spy = jest.spyOn(repository, 'get').mockImplementation(async (id: string) => {
      const record = await get(id);
      if (id === 'cam-edited' && ++reads === 1) await held;
      return record;
    });
    try {
      const zoneEdit = t.http.put('/cameras/cam-edited/zones').set(admin).send({ zones: [pond, pond2] }).then((res) => res);
      await eventually(async () => reads === 1, 'the zone edit reading the camera');
      const rename = await t.http.patch('/cameras/cam-edited').set(admin).send({ name: 'New name' });
      expect(rename.status).toBe(200);
      release();
      const res = await zoneEdit;
      expect({ status: res.status, message: res.body.message }).toEqual({ status: 409, message: "camera 'cam-edited' changed meanwhile; reload and try again" });
    } finally {
      release();
      spy.mockRestore();
    }
    const camera = (await t.http.get('/cameras/cam-edited').set(admin)).body;
    expect({ name: camera.name, zones: camera.zones.map((z: { id: string }) => z.id) }).toEqual({ name: 'New name', zones: ['pond'] });
    // Reloaded and saved again, the zone edit keeps the rename.
    expect((await t.http.put('/cameras/cam-edited/zones').set(admin).send({ zones: [pond, pond2] })).status).toBe(200);
    const after = (await t.http.get('/cameras/cam-edited').set(admin)).body;
    expect({ name: after.name, zones: after.zones.map((z: { id: string }) => z.id) }).toEqual({ name: 'New name', zones: ['pond', 'pond2'] });
    await t.http.delete('/cameras/cam-edited').set(admin);
  });

  it('finds cameras by names with capitals outside ASCII, in any case', async () => {
    await createCamera('cam-etang', { name: 'Étang du Moulin' });
    await createCamera('cam-fullwidth', { name: 'Ａ区 pond' });
    const ids = async (q: string) => ((await t.http.get('/cameras').query({ q }).set(admin)).body.items as { id: string }[]).map((c) => c.id);
    expect(await ids('étang')).toEqual(['cam-etang']);
    expect(await ids('ÉTANG')).toEqual(['cam-etang']);
    expect(await ids('Étang')).toEqual(['cam-etang']);
    expect(await ids('ａ区')).toEqual(['cam-fullwidth']);
    expect(await ids('Ａ区')).toEqual(['cam-fullwidth']);
    for (const id of ['cam-etang', 'cam-fullwidth']) await t.http.delete(`/cameras/${id}`).set(admin);
  });
});
