// Two analyzer processes (A and B) on one camera, real Redis for the in-flight gate and the camera
// state, the real FrameAnalyzer, tracker and rules; only the detector is a fake (its time is ours).
// Ingest is played as FramePublisher plays it: SET NX PX 5000 (INFLIGHT_TTL_MS) before each frame.
import { Redis } from 'ioredis';
import { parseCamera } from '@xl/config';
import type { AlertEvent, FrameJob } from '@xl/contracts';
import type { Detector } from '@xl/detection';
import { InflightGate } from '@xl/queue';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { FrameJobProcessor } from './frame-job.processor';
import { AnalyzerMetrics } from './metrics';
import { CameraRuntime } from './pipeline/camera-runtime';
import { FrameAnalyzer } from './pipeline/frame-analyzer';
import { CameraStateRepository } from './repositories/camera-state.repository';

const INFLIGHT_TTL_MS = 5000; // ingest's default
const W = 32;
const H = 32;
const camera = parseCamera({
  id: 'gate',
  url: 'rtsp://h/x',
  lines: [{ id: 'fence', points: [[0, 0.5], [1, 0.5]] }],
  rules: [{ id: 'fence.cross', type: 'line_cross', line: 'fence' }],
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;

describe('a frame that outlives its in-flight gate', () => {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const prefix = `${uniquePrefix('gatehold')}:`;
  const gate = new InflightGate(redis, { keyPrefix: prefix });
  const states = new CameraStateRepository(redis, prefix);
  afterAll(async () => {
    await redis.del(gate.keyOf('gate'), `${prefix}xl:state:{gate}`);
    redis.disconnect();
  });

  it("holds the camera's gate while a slow frame is analysed: the next frame starts from its state, one crossing, one alert", async () => {
    const emitted: AlertEvent[] = [];
    // The person's foot: above the fence until `crossAt`, below it after (a slow step over it).
    let crossAt = Infinity;
    const person = (t: number) => ({ box: [0.3, t < crossAt ? 0.05 : 0.16, 0.5, t < crossAt ? 0.45 : 0.56] as [number, number, number, number], score: 0.9, classId: 0, label: 'person' });
    // Frame capturedAt -> how long its detector run takes (a slow frame in A's pool).
    const slow = new Map<number, number>();
    const detector = (): Detector => ({
      detect: async () => [],
      detectKeepingFrame: async (f) => {
        const t = (f.data as unknown as { t: number }).t;
        await sleep(slow.get(t) ?? 5);
        return { detections: [person(t)], data: f.data };
      },
      close: async () => undefined,
    });
    const processor = () => {
      const analyzer = new FrameAnalyzer(detector());
      // The fake detector needs the frame's time; the analyzer passes only pixels on.
      const analyze = analyzer.analyze.bind(analyzer);
      analyzer.analyze = (frame, runtime, saved, carry) => analyze({ ...frame, data: Object.assign(frame.data, { t: frame.capturedAt }) } as never, runtime, saved, carry);
      const runtime = new CameraRuntime(camera);
      return new FrameJobProcessor(
        analyzer,
        { runtime: () => runtime, onRemoved: () => undefined },
        { drop: async () => undefined, takeInto: async (_k, into) => into(W * H * 3).fill(100) },
        gate,
        { mark: async () => undefined },
        states,
        { emit: async (e) => void emitted.push(e) },
        // SNAPSHOT_DIR on a share that has stopped answering: each alert waits out the 2 s deadline.
        { save: () => new Promise<string>(() => undefined) },
        { put: async () => undefined },
        { mark: async () => undefined, forget: async () => undefined },
        new AnalyzerMetrics(),
        log,
        { maxFrameAgeMs: 3000, hotTtlMs: 5000, maxStateGapMs: 60_000, pictureIntervalMs: 0, pictureTtlMs: 20_000, snapshotTimeoutMs: 2000 },
      );
    };
    const a = processor();
    const b = processor();
    let seq = 0;
    /** Ingest: takes the camera's gate for a frame captured now; null when a frame still holds it. */
    const publish = async (): Promise<FrameJob | null> => {
      const key = `${prefix}xl:frame:{gate}:${++seq}`;
      if (!(await gate.tryAcquire('gate', key, INFLIGHT_TTL_MS))) return null;
      return { cameraId: 'gate', seq, capturedAt: Date.now(), key, width: W, height: H, rows: H, pixelFormat: 'bgr24', letterbox: { srcWidth: W, srcHeight: H, scale: 1, padX: 0, padY: 0 }, reason: 'motion', motion: 0.1, difference: 0.5, earlierDifferences: [], ingestId: 'i1' } as FrameJob;
    };

    // Two seconds at 4 fps above the fence, analysed one after another by A and B.
    for (let i = 0; i < 8; i++) {
      const job = await publish();
      expect(job).not.toBeNull();
      await (i % 2 ? b : a).process(job!);
      await sleep(250);
    }
    // The person steps over. Every bound is within what the analyzer allows: A picks the frame up
    // 2.95 s old (a backlog; MAX_FRAME_AGE_MS is 3 s), its detector run waits 300 ms behind other
    // cameras' frames, and its alert's snapshot waits out SNAPSHOT_TIMEOUT_MS (2 s) on a stalled share.
    crossAt = Date.now();
    const f1 = (await publish())!;
    slow.set(f1.capturedAt, 300);
    await sleep(2950);
    const running = a.process(f1);
    // Ingest offers a frame every 250 ms; B is free.
    const others: Promise<unknown>[] = [];
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      await sleep(250);
      const job = await publish();
      if (job) others.push(b.process(job));
    }
    await running;
    await Promise.all(others);

    const crossings = emitted.filter((e) => e.rule === 'line_cross' && e.kind === 'created');
    // Before 2026-12-03: two crossing alerts for one step over the fence (F1's, started at F1, and the
    // one B derived from the same saved state for the frame admitted when F1's gate expired). Now A
    // holds the gate while F1 is analysed, and the next frame starts from F1's state.
    expect(crossings.map((e) => ({ alertId: e.alertId, trackId: e.trackId, afterStep: e.capturedAt - crossAt }))).toHaveLength(1);
  });
});
