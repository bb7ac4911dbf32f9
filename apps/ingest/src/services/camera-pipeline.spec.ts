import { type CameraConfig, parseCamera } from '@xl/config';
import type { CameraStatusEvent, FrameJob } from '@xl/contracts';
import type { RawFrame } from '@xl/media';
import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import type { FramePublisher, FrameSourceHandlers, PublishResult } from '../ports';
import { CameraPipeline } from './camera-pipeline';

const S = 64; // small frames keep the test fast; 1/8 grid = 8×8 cells
const log = createLogger('test', 'silent');

function frameOf(seq: number, capturedAt: number, paint?: [number, number]): RawFrame {
  const data = Buffer.alloc(S * S * 3, 90);
  if (paint) {
    const [x0, y0] = paint;
    for (let y = y0; y < y0 + 16; y++) for (let x = x0; x < x0 + 16; x++) data.fill(250, (y * S + x) * 3, (y * S + x) * 3 + 3);
  }
  return { data, release: jest.fn(), seq, capturedAt, width: S, height: S, source: { width: 640, height: 640 } };
}

function setup(cameraOverrides: Record<string, unknown> = {}, unchecked: Partial<CameraConfig> = {}) {
  const camera = { ...parseCamera({ id: 'pond-1', url: 'rtsp://u:p@h/main', subUrl: 'rtsp://u:p@h/sub', motion: { heartbeatSeconds: 5 }, ...cameraOverrides }), ...unchecked };
  let handlers!: FrameSourceHandlers;
  const source = { start: jest.fn(), stop: jest.fn(async () => undefined) };
  const jobs: Omit<FrameJob, 'key'>[] = [];
  let gate: PublishResult = 'published';
  let hot = false;
  const publisher: FramePublisher = {
    publish: jest.fn(async (job: Omit<FrameJob, 'key'>) => {
      jobs.push(job);
      return gate;
    }),
    isHot: jest.fn(async () => hot),
  };
  const events: CameraStatusEvent[] = [];
  const status = { report: jest.fn((e: CameraStatusEvent) => void events.push(e)) };
  const metrics = new IngestMetrics();
  const delayMarks: { seconds: number; at: number }[] = [];
  let delayMarksFail = false;
  const pipeline = new CameraPipeline(camera, {
    delayMarks: {
      mark: jest.fn(async (cameraId: string, mark: { seconds: number; at: number }) => {
        if (delayMarksFail) throw new Error('redis down');
        expect(cameraId).toBe('pond-1');
        delayMarks.push(mark);
      }),
    },
    sources: (_c, h) => {
      handlers = h;
      return source;
    },
    publisher,
    status,
    metrics,
    log,
    ingestId: 'ingest-a',
  });
  pipeline.start();
  const count = async (outcome: string) =>
    (await metrics.frames.get()).values.find((v) => v.labels.outcome === outcome && v.labels.camera === 'pond-1')?.value ?? 0;
  return {
    pipeline,
    handlers: () => handlers,
    source,
    jobs,
    events,
    metrics,
    publisher,
    count,
    setGate: (g: PublishResult) => (gate = g),
    setHot: (h: boolean) => (hot = h),
    delayMarks,
    failDelayMarks: () => (delayMarksFail = true),
  };
}

describe('CameraPipeline', () => {
  it('publishes the first frame as a heartbeat with full metadata', async () => {
    const t = setup();
    expect(t.source.start).toHaveBeenCalled();
    expect(await t.pipeline.onFrame(frameOf(1000, 50_000))).toBe('published');
    expect(t.jobs[0]).toEqual({
      cameraId: 'pond-1',
      seq: 1000,
      capturedAt: 50_000,
      width: S,
      height: S,
      rows: S, // a square camera fills every row
      pixelFormat: 'bgr24',
      letterbox: { srcWidth: 640, srcHeight: 640, scale: 0.1, padX: 0, padY: 0 },
      reason: 'heartbeat',
      motion: 0,
      difference: null, // the first frame has nothing to compare with
      earlierDifferences: [],
      ingestId: 'ingest-a',
    });
  });

  it('skips still frames until the heartbeat is due, publishes motion at once', async () => {
    const t = setup();
    await t.pipeline.onFrame(frameOf(1, 0));
    expect(await t.pipeline.onFrame(frameOf(2, 500))).toBe('skipped_no_motion');
    expect(await t.pipeline.onFrame(frameOf(3, 4_999))).toBe('skipped_no_motion');
    expect(await t.pipeline.onFrame(frameOf(4, 5_000))).toBe('published');
    expect(t.jobs[1].reason).toBe('heartbeat');
    expect(await t.pipeline.onFrame(frameOf(5, 5_500, [16, 16]))).toBe('published');
    expect(t.jobs[2].reason).toBe('motion');
    expect(t.jobs[2].motion).toBeGreaterThan(0.05);
    expect(await t.count('skipped_no_motion')).toBe(2);
    expect(await t.count('published')).toBe(3);
  });

  it('sends the differences of the frames it skipped with the next published frame, and keeps them when the gate drops it', async () => {
    const t = setup();
    await t.pipeline.onFrame(frameOf(1, 0));
    await t.pipeline.onFrame(frameOf(2, 1000)); // skipped: identical picture
    await t.pipeline.onFrame(frameOf(3, 2000)); // skipped
    t.setGate('dropped_inflight');
    expect(await t.pipeline.onFrame(frameOf(4, 5000))).toBe('dropped_inflight'); // heartbeat, gate held
    t.setGate('published');
    expect(await t.pipeline.onFrame(frameOf(5, 5500))).toBe('published');
    const job = t.jobs[t.jobs.length - 1];
    expect(job.difference).toBe(0);
    expect(job.earlierDifferences).toEqual([
      { at: 1000, difference: 0 },
      { at: 2000, difference: 0 },
      { at: 5000, difference: 0 },
    ]);
    // sent once: the next published frame starts a new list
    expect(await t.pipeline.onFrame(frameOf(6, 6000, [16, 16]))).toBe('published');
    expect(t.jobs[t.jobs.length - 1].earlierDifferences).toEqual([]);
  });

  it('stores only the picture rows of a landscape camera (the padding below is constant)', async () => {
    const t = setup();
    const frame = { ...frameOf(1, 0), source: { width: 640, height: 360 } };
    expect(await t.pipeline.onFrame(frame)).toBe('published');
    expect(t.jobs[0].rows).toBe(36); // 64 × 360/640
    const [, data] = (t.publisher.publish as jest.Mock).mock.calls[0] as [unknown, Uint8Array];
    expect(data.length).toBe(S * 36 * 3);
  });

  it('publishes every still frame of a hot camera', async () => {
    const t = setup();
    await t.pipeline.onFrame(frameOf(1, 0));
    t.setHot(true);
    expect(await t.pipeline.onFrame(frameOf(2, 500))).toBe('published');
    expect(t.jobs[1].reason).toBe('hot');
    t.setHot(false);
    expect(await t.pipeline.onFrame(frameOf(3, 1000))).toBe('skipped_no_motion');
  });

  it('ignores motion inside the camera masks', async () => {
    const t = setup({ masks: [[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]] });
    await t.pipeline.onFrame(frameOf(1, 0));
    expect(await t.pipeline.onFrame(frameOf(2, 500, [0, 0]))).toBe('skipped_no_motion');
    expect(await t.pipeline.onFrame(frameOf(3, 1000, [40, 40]))).toBe('published');
  });

  it('counts frames dropped at the in-flight gate and retries the heartbeat on the next frame', async () => {
    const t = setup();
    t.setGate('dropped_inflight');
    expect(await t.pipeline.onFrame(frameOf(1, 0))).toBe('dropped_inflight');
    t.setGate('published');
    expect(await t.pipeline.onFrame(frameOf(2, 500))).toBe('published');
    expect(t.jobs[1].reason).toBe('heartbeat');
    expect(await t.count('dropped_inflight')).toBe(1);
  });

  it('drops a frame that arrives while the previous one is still being published', async () => {
    const t = setup();
    let finish!: (r: PublishResult) => void;
    (t.publisher.publish as jest.Mock).mockImplementationOnce(() => new Promise<PublishResult>((r) => (finish = r)));
    const first = t.pipeline.onFrame(frameOf(1, 0));
    expect(await t.pipeline.onFrame(frameOf(2, 500, [16, 16]))).toBe('dropped_inflight');
    finish('published');
    expect(await first).toBe('published');
  });

  it('hands every frame buffer back, whatever became of the frame', async () => {
    const t = setup();
    const frames = [frameOf(1, 0), frameOf(2, 500), frameOf(3, 1000, [16, 16]), frameOf(4, 1500)];
    const outcomes = [];
    for (const f of frames) {
      if (f.seq === 3) t.setGate('dropped_inflight');
      outcomes.push(await t.pipeline.onFrame(f));
    }
    expect(outcomes).toEqual(['published', 'skipped_no_motion', 'dropped_inflight', 'dropped_inflight']);
    for (const f of frames) expect(f.release).toHaveBeenCalledTimes(1);
  });

  it('survives a camera whose masks leave nothing to measure', async () => {
    // The schema refuses such masks; a picture shape it did not foresee can still leave none.
    const t = setup({}, { masks: [[[0, 0], [1, 0], [1, 1], [0, 1]]] });
    const f = frameOf(1, 0);
    expect(await t.pipeline.onFrame(f)).toBe('error');
    expect(f.release).toHaveBeenCalled();
  });

  it('counts a Redis failure as an error and keeps going', async () => {
    const t = setup();
    (t.publisher.publish as jest.Mock).mockRejectedValueOnce(new Error('ECONNRESET'));
    expect(await t.pipeline.onFrame(frameOf(1, 0))).toBe('error');
    expect(await t.pipeline.onFrame(frameOf(2, 500))).toBe('published');
  });

  it('turns reader events into ordered status events, camera_up and restart counts', async () => {
    const t = setup();
    const h = t.handlers();
    h.online({ at: 1 });
    h.offline({ at: 2, reason: 'refused', detail: 'Connection refused' });
    h.restart({ at: 2, reason: 'refused', attempt: 1, delayMs: 1000 });
    expect((await t.metrics.cameraUp.get()).values[0].value).toBe(0);
    h.recovered({ at: 3, downMs: 1, reason: 'refused' });
    await t.pipeline.stop();
    expect(t.events).toEqual([
      { cameraId: 'pond-1', ingestId: 'ingest-a', status: 'online', at: 1 },
      { cameraId: 'pond-1', ingestId: 'ingest-a', status: 'offline', at: 2, reason: 'refused', detail: 'Connection refused' },
      { cameraId: 'pond-1', ingestId: 'ingest-a', status: 'recovered', at: 3 },
    ]);
    const restarts = (await t.metrics.restarts.get()).values;
    expect(restarts).toEqual([expect.objectContaining({ labels: { camera: 'pond-1', reason: 'refused' }, value: 1 })]);
    expect(t.source.stop).toHaveBeenCalled();
    expect((await t.metrics.cameraUp.get()).values).toEqual([]); // forgotten once no longer owned
  });

  it('shows how late the stream arrives, and forgets it while the camera is offline, after a reconnect to live and once released', async () => {
    const t = setup();
    const h = t.handlers();
    const delay = async () => (await t.metrics.streamDelay.get()).values.map((v) => v.value);
    h.online({ at: 1 });
    h.delay!({ at: 2, seconds: 0 });
    h.delay!({ at: 4, seconds: 12.3456 });
    expect(await delay()).toEqual([12.35]);
    h.offline({ at: 5, reason: 'stalled', detail: 'no frame' });
    expect(await delay()).toEqual([]);
    h.recovered({ at: 6, downMs: 1, reason: 'stalled' });
    h.delay!({ at: 7, seconds: 15.2 });
    h.restart({ at: 8, reason: 'behind_live', attempt: 0, delayMs: 0 }); // reconnected: the old delay no longer holds
    expect(await delay()).toEqual([]);
    h.delay!({ at: 9, seconds: 0.4 });
    expect(await delay()).toEqual([0.4]);
    await t.pipeline.stop();
    expect(await delay()).toEqual([]);
  });

  it('reports a late stream for the console every 5 s at most, and nothing while it is near live', async () => {
    const t = setup();
    const h = t.handlers();
    h.online({ at: 0 });
    for (const [at, seconds] of [[1000, 2], [2000, 9.9], [3000, 10.04], [4000, 11], [7999, 12], [8000, 12.5], [9000, 3], [14_000, 10.5]]) h.delay!({ at, seconds });
    expect(t.delayMarks).toEqual([{ seconds: 10.04, at: 3000 }, { seconds: 12.5, at: 8000 }, { seconds: 10.5, at: 14_000 }]);
    // Redis away: the frames go on; the report is lost, not thrown.
    t.failDelayMarks();
    expect(() => h.delay!({ at: 20_000, seconds: 11 })).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(t.delayMarks).toHaveLength(3);
    await t.pipeline.stop();
  });

  it("tells the analyzer, on each published frame, how late the camera's stream arrives", async () => {
    const t = setup();
    const h = t.handlers();
    h.online({ at: 0 });
    const publish = async (seq: number) => {
      await t.pipeline.onFrame(frameOf(seq, seq * 10_000, [(seq % 4) * 16, 0])); // a heartbeat apart: always published
      return t.jobs.at(-1)?.streamDelaySeconds;
    };
    expect(await publish(1)).toBeUndefined(); // no reading yet
    h.delay!({ at: 1000, seconds: 12.34 });
    expect(await publish(2)).toBe(12.3);
    h.delay!({ at: 2000, seconds: 0.4 });
    expect(await publish(3)).toBeUndefined(); // near live: nothing to say
    h.delay!({ at: 3000, seconds: 14 });
    h.restart({ at: 4000, reason: 'behind_live', attempt: 0, delayMs: 0 });
    expect(await publish(4)).toBeUndefined(); // the new connection starts at live
    h.delay!({ at: 5000, seconds: 11 });
    h.restart({ at: 6000, reason: 'stalled', attempt: 1, delayMs: 500 });
    expect(await publish(5)).toBeUndefined(); // any new connection: not the old one's delay
    await t.pipeline.stop();
  });

  it('counts a stream as late from its reconnect bound when that is under the warning threshold', async () => {
    const t = setup({ watchdog: { maxDelaySeconds: 5 } });
    const h = t.handlers();
    h.online({ at: 0 });
    for (const [at, seconds] of [[1000, 4.9], [2000, 5.1]]) h.delay!({ at, seconds });
    expect(t.delayMarks).toEqual([{ seconds: 5.1, at: 2000 }]);
    await t.pipeline.stop();
  });
});
