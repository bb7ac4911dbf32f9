import '../testing/nest-esm';
import type { ClipRequest } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { RedisClient } from '@xl/queue';
import type { Alert } from '../alerts/alert';
import type { CameraStatusRepository } from '../camera-status/camera-status.repository';
import type { Clock } from '../common/clock';
import type { Settings } from '../settings';
import type { EvidenceMetrics } from './evidence.metrics';
import type { EvidenceOptions } from './evidence.options';
import type { EvidenceRepository } from './evidence.repository';
import { EvidenceService } from './evidence.service';

describe('EvidenceService.requestClip', () => {
  const now = 1_800_000_000_000;
  const startedAt = now - 30_000;
  const capturedAt = now - 5_000;
  let published: ClipRequest[];
  let requested: Array<[string, string, number]>;

  const service = () => {
    published = [];
    requested = [];
    const repo = { requested: async (id: string, camera: string, at: number) => void requested.push([id, camera, at]) } as unknown as EvidenceRepository;
    // XADD key MAXLEN ~ n * json <value>: the value is the last argument
    const redis = { xadd: async (...args: unknown[]) => (published.push(JSON.parse(String(args.at(-1))) as ClipRequest), `${now}-0`) } as unknown as RedisClient;
    const log = { error: () => undefined } as unknown as Logger;
    return new EvidenceService(
      repo,
      {} as CameraStatusRepository,
      {} as EvidenceMetrics,
      { now: () => now } as Clock,
      redis,
      { redisKeyPrefix: 'test:', runWorkers: false } as Settings,
      {} as EvidenceOptions,
      log,
    );
  };
  const alert = (streamDelaySeconds: number | null) => ({ id: 'al-1', cameraId: 'cam-1', startedAt, capturedAt, streamDelaySeconds }) as Alert;

  it('asks for the alert\'s window and frame as they are when the stream is near live', async () => {
    await service().requestClip(alert(null));
    expect(requested).toEqual([['al-1', 'cam-1', now]]);
    expect(published).toEqual([{ alertId: 'al-1', cameraId: 'cam-1', startedAt, lastAt: capturedAt, snapshotAt: capturedAt, requestedAt: now }]);
  });

  it('moves window and snapshot back by the stream delay: frames are stamped on arrival, segments at scene time', async () => {
    const s = service();
    await s.requestClip(alert(12));
    await s.requestClip(alert(2.35));
    expect(published.map((r) => [r.startedAt, r.lastAt, r.snapshotAt])).toEqual([
      [startedAt - 12_000, capturedAt - 12_000, capturedAt - 12_000],
      [startedAt - 2_350, capturedAt - 2_350, capturedAt - 2_350],
    ]);
    expect(published.map((r) => r.requestedAt)).toEqual([now, now]); // when it was asked: not shifted
  });

  it('never moves them forward: a delay of 0 or below counts as none', async () => {
    const s = service();
    await s.requestClip(alert(0));
    await s.requestClip(alert(-3));
    expect(published.map((r) => [r.startedAt, r.lastAt, r.snapshotAt])).toEqual([
      [startedAt, capturedAt, capturedAt],
      [startedAt, capturedAt, capturedAt],
    ]);
  });
});
