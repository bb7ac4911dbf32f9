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
import type { EvidenceRepository, UnsentRequest } from './evidence.repository';
import { EvidenceService, RESEND_AFTER_MS } from './evidence.service';
import type { ClipResult } from '@xl/contracts';

describe('EvidenceService.requestClip', () => {
  const now = 1_800_000_000_000;
  const startedAt = now - 30_000;
  const capturedAt = now - 5_000;
  let published: ClipRequest[];
  let requested: Array<[string, string, number]>;

  const service = () => {
    published = [];
    requested = [];
    const repo = { requested: async (id: string, camera: string, at: number) => void requested.push([id, camera, at]), published: async () => undefined } as unknown as EvidenceRepository;
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

/** A stand-in for the evidence table and the request stream, with Redis refusing XADDs while `down`. */
function world(now: number) {
  const rows = new Map<string, { requestDue: number | null; alert: Omit<UnsentRequest, 'requestedAt' | 'recording'>; recording: UnsentRequest['recording'] }>();
  const published: ClipRequest[] = [];
  const applied: ClipResult[] = [];
  const logs: Array<[string, Record<string, unknown>]> = [];
  const refused: string[] = [];
  const state = { down: false };
  const repo = {
    async requested(alertId: string, cameraId: string, at: number) {
      const row = rows.get(alertId);
      rows.set(alertId, { alert: row?.alert ?? { alertId, cameraId, startedAt: 0, capturedAt: 0, streamDelaySeconds: null }, recording: row?.recording ?? { windowSeconds: 60, postSeconds: 10 }, requestDue: at });
    },
    async published(alertId: string, at: number) {
      const row = rows.get(alertId);
      if (row?.requestDue === at) row.requestDue = null;
    },
    async unsent(by: number, limit: number): Promise<UnsentRequest[]> {
      return [...rows.values()]
        .filter((r) => r.requestDue !== null && r.requestDue <= by)
        .slice(0, limit)
        .map((r) => ({ ...r.alert, recording: r.recording, requestedAt: r.requestDue! }));
    },
    async alertCamera(alertId: string) {
      return rows.get(alertId)?.alert.cameraId;
    },
    async applyResult(result: ClipResult) {
      applied.push(result);
      return true;
    },
  } as unknown as EvidenceRepository;
  const redis = {
    xadd: async (...args: unknown[]) => {
      if (state.down) throw new Error('Reached the max retries per request limit (which is 3)');
      published.push(JSON.parse(String(args.at(-1))) as ClipRequest);
      return `${now}-0`;
    },
  } as unknown as RedisClient;
  const log = (level: string) => (fields: Record<string, unknown>, msg: string) => void logs.push([`${level} ${msg}`, fields]);
  const logger = { error: log('error'), warn: log('warn'), info: log('info') } as unknown as Logger;
  const clock = { t: now, now: () => clock.t };
  const metrics = { results: { inc: () => undefined }, refused: { inc: (labels: { why: string }) => void refused.push(labels.why) } } as unknown as EvidenceMetrics;
  const service = new EvidenceService(repo, {} as CameraStatusRepository, metrics, clock as Clock, redis, { redisKeyPrefix: 'test:', runWorkers: false } as Settings, {} as EvidenceOptions, logger);
  return { service, rows, published, applied, logs, refused, state, clock };
}

describe('EvidenceService: a request Redis refused is sent again', () => {
  const now = 1_800_000_000_000;
  const alert = { id: 'al-1', cameraId: 'cam-1', startedAt: now - 30_000, capturedAt: now - 5_000, streamDelaySeconds: 2 } as Alert;

  it('sends it again once RESEND_AFTER_MS old, rebuilt from the stored alert, and only once', async () => {
    const w = world(now);
    w.state.down = true; // a Redis blip: the client gives up on the XADD
    await w.service.requestClip(alert);
    expect(w.published).toEqual([]);
    expect(w.rows.get('al-1')?.requestDue).toBe(now);
    expect(w.logs.some(([msg, f]) => msg.includes('evidence clip request not sent') && f.alertId === 'al-1' && f.cameraId === 'cam-1')).toBe(true);
    w.rows.get('al-1')!.alert = { alertId: 'al-1', cameraId: 'cam-1', startedAt: alert.startedAt, capturedAt: alert.capturedAt, streamDelaySeconds: 2 };
    w.state.down = false;

    expect(await w.service.resendUnsent(now + RESEND_AFTER_MS - 1)).toBe(0); // its first try may still be under way
    expect(await w.service.resendUnsent(now + RESEND_AFTER_MS)).toBe(1);
    expect(w.published).toEqual([{ alertId: 'al-1', cameraId: 'cam-1', startedAt: alert.startedAt - 2_000, lastAt: alert.capturedAt - 2_000, snapshotAt: alert.capturedAt - 2_000, requestedAt: now }]);
    expect(await w.service.resendUnsent(now + RESEND_AFTER_MS + 10_000)).toBe(0);
    expect(w.published).toHaveLength(1);
  });

  it('keeps it due while Redis still refuses, and tries again at the next check', async () => {
    const w = world(now);
    w.state.down = true;
    await w.service.requestClip(alert);
    await expect(w.service.resendUnsent(now + 20_000)).rejects.toThrow('max retries');
    expect(w.rows.get('al-1')?.requestDue).toBe(now);
    w.state.down = false;
    expect(await w.service.resendUnsent(now + 30_000)).toBe(1);
  });

  it('never sends again a request that reached the stream', async () => {
    const w = world(now);
    await w.service.requestClip(alert);
    expect(w.rows.get('al-1')?.requestDue).toBeNull();
    expect(await w.service.resendUnsent(now + 20_000)).toBe(0);
    expect(w.published).toHaveLength(1);
  });

  it("gives up once the camera's ring no longer holds what it asks for (windowSeconds + postSeconds), and says so", async () => {
    const w = world(now);
    w.state.down = true;
    await w.service.requestClip(alert);
    w.rows.get('al-1')!.recording = { windowSeconds: 120, postSeconds: 10 };
    w.state.down = false;
    expect(await w.service.resendUnsent(now + 130_001)).toBe(0);
    expect(w.published).toEqual([]);
    expect(w.rows.get('al-1')?.requestDue).toBeNull(); // not looked at again
    const line = w.logs.find(([msg]) => msg.includes('its recording is gone'));
    expect(line?.[1]).toMatchObject({ alertId: 'al-1', cameraId: 'cam-1', ageSeconds: 130, boundSeconds: 130 });
  });

  it('a later request of the same alert stays due when only the earlier one got through', async () => {
    const w = world(now);
    await w.service.requestClip(alert);
    w.state.down = true;
    w.clock.t = now + 5_000;
    await w.service.requestClip({ ...alert, capturedAt: now + 4_000 } as Alert);
    expect(w.rows.get('al-1')?.requestDue).toBe(now + 5_000);
  });
});

describe("EvidenceService.apply: only the alert's own result", () => {
  const now = 1_800_000_000_000;
  const own = (over: Partial<ClipResult> = {}): ClipResult => ({
    alertId: 'al:1#2', cameraId: 'cam-1', status: 'complete', clipPath: 'clips/cam-1/al_1_2.mp4', snapshotPath: 'snapshots/cam-1/al_1_2.jpg',
    requestedFrom: 1, requestedTo: 2, clipFrom: 1, clipTo: 2, bytes: 10, ingestId: 'ingest-1', at: now, ...over,
  });
  const seeded = async () => {
    const w = world(now);
    await w.service.requestClip({ id: 'al:1#2', cameraId: 'cam-1', startedAt: now, capturedAt: now, streamDelaySeconds: null } as Alert);
    await w.service.requestClip({ id: 'al-2', cameraId: 'cam-1', startedAt: now, capturedAt: now, streamDelaySeconds: null } as Alert);
    return w;
  };

  it('applies a result at the paths ingest gives the alert (with or without files)', async () => {
    const w = await seeded();
    await w.service.apply(own());
    await w.service.apply(own({ status: 'unavailable', reason: 'no_segments', clipPath: undefined, snapshotPath: undefined }));
    await w.service.apply(own({ snapshotPath: undefined }));
    expect(w.applied).toHaveLength(3);
    expect(w.refused).toEqual([]);
  });

  it("refuses another alert's clip, another camera, a path elsewhere, and an alert that is not stored, and logs it", async () => {
    const w = await seeded();
    await w.service.apply(own({ clipPath: 'clips/cam-1/al-2.mp4' }));
    await w.service.apply(own({ snapshotPath: 'snapshots/cam-1/al-2.jpg' }));
    await w.service.apply(own({ clipPath: 'clips/cam-9/al_1_2.mp4', snapshotPath: undefined }));
    await w.service.apply(own({ clipPath: 'clips/cam-1/../cam-1/al_1_2.mp4' }));
    await w.service.apply(own({ cameraId: 'cam-9', clipPath: 'clips/cam-9/al_1_2.mp4', snapshotPath: 'snapshots/cam-9/al_1_2.jpg' }));
    await w.service.apply(own({ alertId: 'al-404', clipPath: 'clips/cam-1/al-404.mp4', snapshotPath: undefined }));
    expect(w.applied).toEqual([]);
    expect(w.refused).toEqual(['clip_path', 'snapshot_path', 'clip_path', 'clip_path', 'camera', 'unknown_alert']);
    const line = w.logs.find(([msg]) => msg.includes('evidence result refused'));
    expect(line?.[1]).toMatchObject({ alertId: 'al:1#2', cameraId: 'cam-1', clipPath: 'clips/cam-1/al-2.mp4', expectedClipPath: 'clips/cam-1/al_1_2.mp4', why: 'clip_path' });
  });
});
