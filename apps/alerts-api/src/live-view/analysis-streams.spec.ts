import '../testing/nest-esm';
import type { CameraStatusEvent } from '@xl/contracts';
import { createLogger } from '@xl/observability';
import type { RedisClient } from '@xl/queue';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Settings } from '../settings';
import { cameraSchema } from '@xl/config';
import { liveViewOptionsSchema } from './live-view.options';
import { AnalysisStreams } from './analysis-streams';
import { CameraPicturesService } from './camera-pictures.service';
import { Registry } from 'prom-client';
import { LiveViewHub } from './live-view-hub';
import { LiveViewMetrics } from './live-view.metrics';
import { FakeLauncher } from './fake-live-source';

describe('AnalysisStreams', () => {
  // The follower touches Redis and the database only once started; apply() is what it calls with each entry.
  const make = () => new AnalysisStreams({} as RedisClient, {} as Kysely<Database>, { redisKeyPrefix: 'x:' } as Settings, createLogger('test', 'silent'));
  const event = (cameraId: string, status: CameraStatusEvent['status'], reason?: CameraStatusEvent['reason']): CameraStatusEvent => ({ cameraId, status, reason, at: 1, ingestId: 'i' });

  it('holds a camera from its busy refusal until any other status, telling the listeners of every refusal', () => {
    const streams = make();
    const refused: string[] = [];
    streams.onRefused((id) => refused.push(id));
    streams.apply(event('pond', 'offline', 'busy'));
    // Ingest says so again: a new reader refused (the camera disabled and enabled again meanwhile),
    // or its entry read twice. The listeners hear it again (before: not, finding 2 of the 2026-12-03
    // live view review): stopping a live view that no longer runs does nothing.
    streams.apply(event('pond', 'offline', 'busy'));
    expect(streams.isWaiting('pond')).toBe(true);
    expect(streams.isWaiting('river')).toBe(false);
    expect(refused).toEqual(['pond', 'pond']);
    streams.apply(event('pond', 'recovered'));
    expect(streams.isWaiting('pond')).toBe(false);
    streams.apply(event('pond', 'offline', 'busy'));
    expect(refused).toEqual(['pond', 'pond', 'pond']);
    // Another outage reason: analysis is not waiting for a free stream then (the camera is gone or wrong).
    streams.apply(event('pond', 'offline', 'refused'));
    expect(streams.isWaiting('pond')).toBe(false);
  });

  it('stops the live view opened while the camera was disabled when, enabled again, it refuses analysis as busy although the old refusal was still remembered', () => {
    const streams = make();
    const launcher = new FakeLauncher();
    const hub = new LiveViewHub(launcher, liveViewOptionsSchema.parse({}), new LiveViewMetrics(new Registry()), createLogger('test', 'silent'), streams);
    streams.onRefused((id) => hub.giveBackForAnalysis(id)); // as LiveViewService wires them
    streams.apply(event('pond', 'offline', 'busy')); // 1. the NVR and a vendor app hold the camera's streams
    // 2. The admin disables the camera, the vendor app is closed, the admin watches it on the wall:
    //    the handshake passes analysed=false (nothing reads it for analysis).
    expect(hub.refusal('pond', false)).toBeNull();
    const wall = { bufferedBytes: 0, caller: 'user:admin', open: true, send: () => undefined, closed: null as null | number, close: (code: number) => (wall.closed = code) };
    hub.join('pond', 'rtsp://10.0.0.7/sub', wall);
    // 3. Enabled again with the tile open: ingest's new reader is refused (NVR + live view), reported once.
    streams.apply(event('pond', 'offline', 'busy'));
    expect(launcher.started[0].stopped).toBe(1); // before: 0, the pond unanalysed for as long as the tile stayed open
    expect(wall.closed).toBe(1011);
    expect(hub.refusal('pond')).toMatch(/analysis is waiting/);
  });

  it('lets a camera disabled while it refused analysis as busy be viewed and grabbed: nothing reads it for analysis', async () => {
    const streams = make();
    streams.apply(event('pond', 'offline', 'busy')); // ingest's last word on it: disabled since, it says no more
    let pond = cameraSchema.parse({ id: 'pond', url: 'rtsp://10.0.0.1/x', enabled: false });
    const pictures = new CameraPicturesService(
      { get: async () => ({ config: pond, createdAt: 1, updatedAt: 2 }) } as never,
      { canSeeCamera: async () => true } as never,
      { analysed: async () => null, grabbed: async () => null, putGrabbed: async () => undefined } as never,
      { grab: async () => Buffer.from([0xff, 0xd8, 0xff, 0xd9]) } as never,
      { frameGrabs: { inc: () => undefined } } as never,
      streams,
      liveViewOptionsSchema.parse({}),
      createLogger('test', 'silent'),
    );
    const admin = { role: 'admin' } as never;
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).resolves.toMatchObject({ source: 'camera' }); // before: 404 "no stream left for analysis"
    expect(await pictures.stream(admin, 'pond')).toEqual({ url: 'rtsp://10.0.0.1/x', analysed: false });
    pond = cameraSchema.parse({ id: 'pond', url: 'rtsp://10.0.0.1/x' }); // enabled again: analysis first
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).rejects.toThrow("camera 'pond' has no stream left for analysis");
  });
});
