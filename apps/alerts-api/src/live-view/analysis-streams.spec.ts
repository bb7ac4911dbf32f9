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

describe('AnalysisStreams', () => {
  // The follower touches Redis and the database only once started; apply() is what it calls with each entry.
  const make = () => new AnalysisStreams({} as RedisClient, {} as Kysely<Database>, { redisKeyPrefix: 'x:' } as Settings, createLogger('test', 'silent'));
  const event = (cameraId: string, status: CameraStatusEvent['status'], reason?: CameraStatusEvent['reason']): CameraStatusEvent => ({ cameraId, status, reason, at: 1, ingestId: 'i' });

  it('holds a camera from its busy refusal until any other status, telling the listeners once per refusal', () => {
    const streams = make();
    const refused: string[] = [];
    streams.onRefused((id) => refused.push(id));
    streams.apply(event('pond', 'offline', 'busy'));
    streams.apply(event('pond', 'offline', 'busy')); // ingest says so again (e.g. its entry read twice)
    expect(streams.isWaiting('pond')).toBe(true);
    expect(streams.isWaiting('river')).toBe(false);
    expect(refused).toEqual(['pond']);
    streams.apply(event('pond', 'recovered'));
    expect(streams.isWaiting('pond')).toBe(false);
    streams.apply(event('pond', 'offline', 'busy'));
    expect(refused).toEqual(['pond', 'pond']);
    // Another outage reason: analysis is not waiting for a free stream then (the camera is gone or wrong).
    streams.apply(event('pond', 'offline', 'refused'));
    expect(streams.isWaiting('pond')).toBe(false);
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
