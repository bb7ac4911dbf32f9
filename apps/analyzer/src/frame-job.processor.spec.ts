import sharp from 'sharp';
import type { AlertEvent, FrameJob } from '@xl/contracts';
import { parseCamera } from '@xl/config';
import { RedisClock, type RedisClient } from '@xl/queue';
import type { RuleEvent } from '@xl/rules';
import { ANALYSED_MARK_INTERVAL_MS, CLOCK_RECHECK_INTERVAL_MS, CLOCK_RECHECK_TIMEOUT_MS, type ClockPort, FrameJobProcessor, type FrameJobProcessorOptions } from './frame-job.processor';
import { AnalyzerMetrics } from './metrics';
import { CameraRuntime } from './pipeline/camera-runtime';
import type { AnalysisResult, AnalysisState, FrameAnalyzer } from './pipeline/frame-analyzer';
import { renderSnapshot } from './pipeline/snapshot';

// The real renderer, except in the tests of snapshot deadlines (renderedAtOnceOnFakeTime): sharp works on libuv's
// threads in real time, which a fake clock cannot step through.
jest.mock('./pipeline/snapshot', () => {
  const actual = jest.requireActual<typeof import('./pipeline/snapshot')>('./pipeline/snapshot');
  return { ...actual, renderSnapshot: jest.fn(actual.renderSnapshot) };
});

const NOW = 1_800_000_000_000;
const camera = parseCamera({ id: 'pond', url: 'rtsp://h/x', zones: [{ id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] });
const job = (over: Partial<FrameJob> = {}): FrameJob => ({
  cameraId: 'pond',
  seq: 7,
  capturedAt: NOW - 100,
  key: 'xl:frame:{pond}:7',
  width: 4,
  height: 4,
  rows: 4,
  pixelFormat: 'bgr24',
  letterbox: { srcWidth: 4, srcHeight: 4, scale: 1, padX: 0, padY: 0 },
  reason: 'motion',
  motion: 0.2,
  difference: 0.5,
  earlierDifferences: [],
  ingestId: 'i1',
  ...over,
});
const state = (capturedAt: number) => ({ capturedAt }) as AnalysisState;
const event = (over: Partial<RuleEvent> = {}): RuleEvent => ({
  kind: 'created',
  alertId: 'a1',
  cameraId: 'pond',
  ruleId: 'water.enter',
  rule: 'zone_enter',
  severity: 'major',
  zoneId: 'water',
  trackId: 3,
  startedAt: NOW - 100,
  capturedAt: NOW - 100,
  score: 0.8,
  boxes: [{ box: [0.1, 0.1, 0.3, 0.9], label: 'person', score: 0.8, trackId: 3 }],
  message: 'person in water',
  ...over,
});

/**
 * The snapshot deadline on a fake clock, and snapshots rendered at once (a resolved promise): what
 * these tests time is the share, so each step is the test's own — no real wait races a loaded machine.
 */
function renderedAtOnceOnFakeTime(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  jest.mocked(renderSnapshot).mockResolvedValue(Buffer.from('jpeg'));
}
function realTimeAndRenderer(): void {
  jest.useRealTimers();
  jest.mocked(renderSnapshot).mockImplementation(jest.requireActual<typeof import('./pipeline/snapshot')>('./pipeline/snapshot').renderSnapshot);
}

/** Runs every pending promise callback: a real setImmediate comes after them all. */
const flushPromises = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Steps the fake clock by `ms`, then lets what the timers started run. */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  await flushPromises();
}

/** Records how `promise` settled, to be read without waiting for it. */
function settledLater<T>(promise: Promise<T>): { outcome?: { value: T } | { error: unknown } } {
  const settled: { outcome?: { value: T } | { error: unknown } } = {};
  promise.then(
    (value) => (settled.outcome = { value }),
    (error: unknown) => (settled.outcome = { error }),
  );
  return settled;
}

/** A snapshot share whose writes complete only when the test says so (never, for a stalled one). */
function heldShare() {
  const writes: Array<{ name: string; finish: (snapshotPath: string) => void }> = [];
  let inProgress = 0;
  let mostAtOnce = 0;
  return {
    save: (_camera: string, name: string): Promise<string> =>
      new Promise<string>((resolve) => {
        inProgress++;
        mostAtOnce = Math.max(mostAtOnce, inProgress);
        writes.push({ name, finish: resolve });
      }),
    /** Completes the write of `name` as a working share would. */
    finish(name: string): void {
      const write = writes.find((w) => w.name === name);
      if (!write) throw new Error(`no write of snapshot '${name}' started; started: ${writes.map((w) => w.name).join(', ') || 'none'}`);
      inProgress--;
      write.finish(`pond/${name}.jpg`);
    },
    /** The snapshots whose writes started, in order. */
    started: () => writes.map((w) => w.name),
    mostAtOnce: () => mostAtOnce,
  };
}

/**
 * The snapshot deadline of tests not about it: the real renderer (sharp, on libuv's threads) took
 * over 200 ms on a loaded CI host, and the alert went out without its picture.
 */
const RENDER_TIMEOUT_MS = 10_000;

function setup(
  result: Partial<AnalysisResult> = {},
  saved: AnalysisState | null = null,
  pictureIntervalMs = 0,
  extra: Partial<FrameJobProcessorOptions> = {},
  clock: { now: () => number; port?: ClockPort } = { now: () => NOW },
) {
  const calls: string[] = [];
  const analyzer = { analyze: jest.fn(async () => ({ state: state(NOW - 100), droppedAlerts: [], pixels: new Uint8Array(48), detections: [], tracks: [], events: [], live: false, ...result }) as AnalysisResult) };
  const take = jest.fn(async (_key: string): Promise<Buffer | null> => Buffer.alloc(48));
  const frames = {
    take,
    drop: jest.fn(async (_key: string) => undefined),
    // The real FrameStore.takeInto without its downloader: GETDEL, then a copy into the target.
    takeInto: async (key: string, into: (n: number) => Uint8Array) => {
      const bytes = await take(key);
      if (!bytes) return null;
      const target = into(bytes.length);
      target.set(bytes);
      return target;
    },
  };
  const gate = { release: jest.fn(async () => (calls.push('release'), true)), renew: jest.fn(async () => true) };
  const hot = { mark: jest.fn(async () => undefined) };
  const states = { load: jest.fn(async () => saved), save: jest.fn(async () => (calls.push('save'), true)) };
  const emitted: AlertEvent[] = [];
  const alerts = { emit: jest.fn(async (e: AlertEvent) => (calls.push('emit'), emitted.push(e), undefined)) };
  const snapshots = { save: jest.fn(async (_camera: string, _name: string, _jpeg: Buffer, _at?: Date) => 'pond/2027-01-15/a1.jpg') };
  const pictures = { put: jest.fn(async (_camera: string, _jpeg: Buffer, _ttlMs: number, _capturedAt: number) => undefined) };
  const analysed = { mark: jest.fn(async (_camera: string, _capturedAt: number) => undefined), forget: jest.fn(async (_camera: string) => undefined) };
  const metrics = new AnalyzerMetrics();
  const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  // The camera directory: 'pond' until removed, telling the processor as CameraDirectoryRepository does.
  const runtimes = new Map([['pond', new CameraRuntime(camera)]]);
  const removedListeners: Array<(cameraId: string) => void> = [];
  const directory = {
    runtime: (id: string) => runtimes.get(id),
    onRemoved: (listener: (cameraId: string) => void) => void removedListeners.push(listener),
    add: (id: string) => runtimes.set(id, new CameraRuntime({ ...camera, id })),
    remove: (id: string) => runtimes.delete(id) && removedListeners.forEach((listener) => listener(id)),
    /** Removed without a word to the listeners: a removal the processor missed. */
    removeUnheard: (id: string) => runtimes.delete(id),
  };
  const processor = new FrameJobProcessor(
    analyzer as unknown as FrameAnalyzer,
    directory,
    frames,
    gate,
    hot,
    states,
    alerts,
    snapshots,
    pictures,
    analysed,
    metrics,
    log as never,
    { maxFrameAgeMs: 3000, hotTtlMs: 5000, maxStateGapMs: 60_000, pictureIntervalMs, pictureTtlMs: 20_000, snapshotTimeoutMs: RENDER_TIMEOUT_MS, ...extra },
    clock.now,
    clock.port,
  );
  return { processor, analyzer, directory, frames, gate, hot, states, alerts, emitted, snapshots, pictures, analysed, metrics, log, calls };
}

describe('FrameJobProcessor', () => {
  it('drops a stale frame, frees its bytes and releases the gate with the frame key as holder', async () => {
    const s = setup();
    expect(await s.processor.process(job({ capturedAt: NOW - 5000 }))).toBe('stale');
    expect(s.frames.drop).toHaveBeenCalledWith('xl:frame:{pond}:7');
    expect(s.frames.take).not.toHaveBeenCalled(); // not read just to be deleted
    expect(s.analyzer.analyze).not.toHaveBeenCalled();
    expect(s.gate.release).toHaveBeenCalledWith('pond', 'xl:frame:{pond}:7');
  });

  it('drops frames of unknown cameras, missing frames and out-of-order frames', async () => {
    expect(await setup().processor.process(job({ cameraId: 'other' }))).toBe('unknown_camera');
    const missing = setup();
    missing.frames.take.mockResolvedValueOnce(null as never);
    expect(await missing.processor.process(job())).toBe('missing');
    const late = setup({}, state(NOW - 50));
    expect(await late.processor.process(job())).toBe('out_of_order');
    expect(late.analyzer.analyze).not.toHaveBeenCalled();
  });

  it('continues from a recent state and starts afresh after a long gap, keeping what the camera learned', async () => {
    const recent = setup({}, state(NOW - 5000));
    await recent.processor.process(job());
    expect(recent.analyzer.analyze).toHaveBeenCalledWith(expect.anything(), expect.anything(), state(NOW - 5000), 'all');
    const old = setup({}, state(NOW - 200_000));
    expect(await old.processor.process(job())).toBe('analysed');
    expect(old.analyzer.analyze).toHaveBeenCalledWith(expect.anything(), expect.anything(), state(NOW - 200_000), 'learned');
    expect(old.states.save).toHaveBeenCalledWith('pond', state(NOW - 100), undefined);
  });

  it('drops a late frame within the bound, and starts afresh on a frame far behind the state (the clock went back)', async () => {
    // Behind by 4.9 s (under MIN_CLOCK_JUMP_MS; maxFrameAgeMs is 3 s): a late frame, dropped.
    const late = setup({}, state(NOW + 4800));
    expect(await late.processor.process(job())).toBe('out_of_order');
    expect(late.analyzer.analyze).not.toHaveBeenCalled();
    // The clock was stepped back 60 s: before, every frame was dropped until the clock caught up.
    const jumped = setup();
    expect(await jumped.processor.process(job({ seq: 1, capturedAt: NOW + 59_900 }))).toBe('analysed');
    jumped.states.load.mockResolvedValue(state(NOW + 59_900));
    expect(await jumped.processor.process(job())).toBe('clock_jump');
    expect(jumped.analyzer.analyze).toHaveBeenCalledWith(expect.anything(), expect.anything(), state(NOW + 59_900), 'learned');
    // Its state replaces the one from before the jump, though that one is "newer".
    expect(jumped.states.save).toHaveBeenCalledWith('pond', state(NOW - 100), NOW + 59_900);
    expect(jumped.log.warn).toHaveBeenCalledWith({ camera: 'pond', capturedAt: NOW - 100, stateAt: NOW + 59_900, jumpMs: 60_000 }, expect.stringMatching(/clock went back/));
    expect((await jumped.metrics.frames.get()).values).toContainEqual(expect.objectContaining({ labels: { outcome: 'clock_jump' }, value: 1 }));
    // The camera's capture-time throttles start over too: the analysed mark is not held back a minute.
    expect(jumped.analysed.mark.mock.calls).toEqual([
      ['pond', NOW + 59_900],
      ['pond', NOW - 100],
    ]);
  });

  it('counts and logs open alerts the rule engine dropped from a camera with too many', async () => {
    const s = setup({ droppedAlerts: [{ alertId: 'a7', ruleId: 'water.vanish', key: 'water.vanish#track:7' }] });
    expect(await s.processor.process(job())).toBe('analysed');
    expect((await s.metrics.droppedAlerts.get()).values).toEqual([expect.objectContaining({ labels: { camera: 'pond' }, value: 1 })]);
    expect(s.log.warn).toHaveBeenCalledWith({ camera: 'pond', dropped: ['a7'], rules: ['water.vanish'] }, expect.stringMatching(/too many open alerts/));
  });

  it('releases the gate when analysis throws', async () => {
    const s = setup();
    s.analyzer.analyze.mockRejectedValueOnce(new Error('detector died'));
    await expect(s.processor.process(job())).rejects.toThrow('detector died');
    expect(s.gate.release).toHaveBeenCalledTimes(1);
    expect(s.states.save).not.toHaveBeenCalled();
  });

  it('rejects bytes of the wrong size naming the camera, frame and size', async () => {
    const s = setup();
    s.frames.take.mockResolvedValueOnce(Buffer.alloc(10));
    await expect(s.processor.process(job())).rejects.toThrow("camera 'pond' frame 7: 10 bytes, expected 48 (4x4 of 4x4 bgr24)");
  });

  it('emits created alerts with a snapshot before saving the state, marks the camera hot, skips ended events', async () => {
    const s = setup({ live: true, events: [event(), event({ kind: 'updated', alertId: 'a0' }), event({ kind: 'ended', alertId: 'a9' })] });
    expect(await s.processor.process(job())).toBe('analysed');
    expect(s.emitted.map((e) => [e.alertId, e.kind, e.snapshotPath])).toEqual([
      ['a1', 'created', 'pond/2027-01-15/a1.jpg'],
      ['a0', 'updated', undefined],
    ]);
    expect(s.calls).toEqual(['emit', 'emit', 'save', 'release']);
    expect(s.gate.release).toHaveBeenCalledTimes(1); // with the save, not again at the end
    expect(s.hot.mark).toHaveBeenCalledWith('pond', 5000);
  });

  it("sends nothing and saves nothing for a frame whose camera gate is gone (the camera's next frame derives the same alerts from the same state)", async () => {
    const s = setup({ live: true, events: [event()] });
    s.gate.renew.mockResolvedValue(false); // expired, or another frame holds it
    expect(await s.processor.process(job())).toBe('out_of_order');
    expect(s.emitted).toEqual([]);
    expect(s.states.save).not.toHaveBeenCalled();
    expect(s.gate.renew).toHaveBeenCalledWith('pond', 'xl:frame:{pond}:7', 5000);
    // A frame that still holds it goes on as before, one renewal before its alerts.
    const held = setup({ live: true, events: [event()] });
    expect(await held.processor.process(job())).toBe('analysed');
    expect(held.emitted).toHaveLength(1);
  });

  it("emits the end of a camera health alert (alerts-api's maintenance windows need it), without a snapshot, never a safety alert's end", async () => {
    const covered = { ruleId: 'health.covered', rule: 'camera_covered' as const, zoneId: undefined, trackId: undefined, boxes: [] };
    const s = setup({
      events: [
        event({ ...covered, alertId: 'h1', kind: 'ended', message: 'picture recovered' }),
        event({ kind: 'ended', alertId: 'a9' }),
        event({ kind: 'ended', alertId: 'a8', ruleId: 'water.vanish', rule: 'vanish_in_water', severity: 'critical' }),
      ],
    });
    expect(await s.processor.process(job())).toBe('analysed');
    expect(s.emitted.map((e) => [e.alertId, e.kind, e.rule, e.snapshotPath])).toEqual([['h1', 'ended', 'camera_covered', undefined]]);
    expect(s.snapshots.save).not.toHaveBeenCalled();
    expect(await s.metrics.registry.getSingleMetricAsString('xl_alerts_emitted_total')).toContain('xl_alerts_emitted_total{rule="camera_covered",kind="ended"} 1');
  });

  it('refreshes the hot mark by elapsed time: the Redis clock standing still or stepping back does not hold it', async () => {
    let elapsed = 0;
    const s = setup({ live: true }, null, 0, { elapsed: () => elapsed });
    await s.processor.process(job());
    elapsed += 1000; // within a third of the 5 s TTL: no write
    await s.processor.process(job({ seq: 8 }));
    expect(s.hot.mark).toHaveBeenCalledTimes(1);
    elapsed += 1000; // past it: refreshed, though the clock frames are judged by has not moved
    await s.processor.process(job({ seq: 9 }));
    expect(s.hot.mark).toHaveBeenCalledTimes(2);
    // A failed mark fails no frame and is retried with the next one.
    s.hot.mark.mockRejectedValueOnce(new Error('READONLY'));
    elapsed += 2000;
    expect(await s.processor.process(job({ seq: 10 }))).toBe('analysed');
    expect(await s.processor.process(job({ seq: 11 }))).toBe('analysed');
    expect(s.hot.mark).toHaveBeenCalledTimes(4);
  });

  it("passes the frame's stream delay on with its alerts, and says nothing of a stream near live", async () => {
    const late = setup({ events: [event(), event({ kind: 'updated', alertId: 'a0' })] });
    await late.processor.process(job({ streamDelaySeconds: 12.3 }));
    expect(late.emitted.map((e) => e.streamDelaySeconds)).toEqual([12.3, 12.3]);
    const live = setup({ events: [event()] });
    await live.processor.process(job());
    expect('streamDelaySeconds' in live.emitted[0]).toBe(false);
  });

  it('expands the stored picture rows to the full frame, padding restored, before analysing', async () => {
    const s = setup();
    s.frames.take.mockResolvedValueOnce(Buffer.alloc(4 * 2 * 3, 7));
    expect(await s.processor.process(job({ rows: 2 }))).toBe('analysed');
    const frame = (s.analyzer.analyze.mock.calls[0] as unknown[])[0] as { data: Uint8Array };
    expect(frame.data.length).toBe(48);
    expect(frame.data[0]).toBe(7);
    expect(frame.data[47]).toBe(114);
  });

  it('sends the alert without a snapshot when storing it fails, and counts the error', async () => {
    const s = setup({ events: [event()] });
    s.snapshots.save.mockRejectedValueOnce(new Error('EACCES: read-only file system'));
    expect(await s.processor.process(job())).toBe('analysed');
    expect(s.emitted[0].snapshotPath).toBeUndefined();
    expect((await s.metrics.snapshotErrors.get()).values[0].value).toBe(1);
  });

  it('sends the alert without its snapshot when the snapshot hangs (a stalled share), and counts the error', async () => {
    const s = setup({ events: [event()] }, null, 0, { snapshotTimeoutMs: 200 });
    s.snapshots.save.mockImplementationOnce(() => new Promise<string>(() => undefined));
    expect(await s.processor.process(job())).toBe('analysed');
    expect(s.emitted).toHaveLength(1);
    expect(s.emitted[0].snapshotPath).toBeUndefined();
    expect((await s.metrics.snapshotErrors.get()).values[0].value).toBe(1);
    expect(s.log.error).toHaveBeenCalledWith(expect.objectContaining({ err: 'snapshot took longer than 200 ms (SNAPSHOT_DIR on a stalled share?)' }), 'snapshot failed; alert sent without it');
  });

  it('sends alerts without a snapshot at once while two abandoned writes still hang', async () => {
    renderedAtOnceOnFakeTime();
    try {
      const s = setup({ events: [event()] }, null, 0, { snapshotTimeoutMs: 200 });
      const share = heldShare();
      s.snapshots.save.mockImplementation(share.save);
      for (const seq of [1, 2]) {
        const processed = s.processor.process(job({ seq, capturedAt: NOW - 1000 + seq }));
        await flushPromises();
        expect(share.started()).toHaveLength(seq);
        await advance(200); // its deadline: the write is abandoned, still hanging
        expect(await processed).toBe('analysed');
      }
      const third = settledLater(s.processor.process(job({ seq: 3, capturedAt: NOW - 997 })));
      await flushPromises();
      // Out with the clock where the second frame's deadline left it: no other 200 ms wait.
      expect(third.outcome).toEqual({ value: 'analysed' });
      expect(s.snapshots.save).toHaveBeenCalledTimes(2);
      expect(s.emitted.map((e) => e.snapshotPath)).toEqual([undefined, undefined, undefined]);
      expect(s.log.error).toHaveBeenLastCalledWith(expect.objectContaining({ err: '2 earlier snapshots are still being written (SNAPSHOT_DIR on a stalled share?)' }), 'snapshot failed; alert sent without it');
    } finally {
      realTimeAndRenderer();
    }
  });

  /** Frames analysed in turn each raise one created alert, `alertIds[i]`; their snapshots go to a held share. */
  function framesAlertingInTurn(s: ReturnType<typeof setup>, alertIds: string[]) {
    for (const id of alertIds)
      s.analyzer.analyze.mockImplementationOnce(
        async () => ({ state: state(NOW - 100), droppedAlerts: [], pixels: new Uint8Array(48), detections: [], tracks: [], ignored: 0, events: [event({ alertId: id })], live: false }) as unknown as AnalysisResult,
      );
    const share = heldShare();
    s.snapshots.save.mockImplementation(share.save);
    return { share, name: (id: string) => `${id}-${NOW - 100}` };
  }

  it('gives a frame a snapshot slot as another frame frees one on a working share, instead of refusing it', async () => {
    renderedAtOnceOnFakeTime();
    try {
      const s = setup({}, null, 0, { snapshotTimeoutMs: 2000 });
      const { share, name } = framesAlertingInTurn(s, ['f1', 'f2', 'f3']);
      const frames = [1, 2, 3].map((seq) => s.processor.process(job({ seq, capturedAt: NOW - 400 + seq })));
      await flushPromises();
      expect(share.started()).toEqual([name('f1'), name('f2')]);
      share.finish(name('f1'));
      await flushPromises();
      expect(share.started()).toEqual([name('f1'), name('f2'), name('f3')]);
      expect(share.mostAtOnce()).toBe(2);
      share.finish(name('f2'));
      share.finish(name('f3'));
      expect(await Promise.all(frames)).toEqual(['analysed', 'analysed', 'analysed']);
      expect(Object.fromEntries(s.emitted.map((e) => [e.alertId, e.snapshotPath]))).toEqual({ f1: `pond/${name('f1')}.jpg`, f2: `pond/${name('f2')}.jpg`, f3: `pond/${name('f3')}.jpg` });
      expect((await s.metrics.snapshotErrors.get()).values[0].value).toBe(0);
    } finally {
      realTimeAndRenderer();
    }
  });

  it('sends a waiting frame\'s alert without a snapshot at its deadline when no slot freed, and gives the slot to the next frame', async () => {
    renderedAtOnceOnFakeTime();
    try {
      const s = setup({}, null, 0, { snapshotTimeoutMs: 200 });
      const { share, name } = framesAlertingInTurn(s, ['f1', 'f2', 'f3', 'f4']);
      const frames = [1, 2, 3].map((seq) => s.processor.process(job({ seq, capturedAt: NOW - 400 + seq })));
      await flushPromises();
      expect(share.started()).toEqual([name('f1'), name('f2')]); // the third waits for a slot
      await advance(200);
      expect(await Promise.all(frames)).toEqual(['analysed', 'analysed', 'analysed']);
      expect(share.started()).toEqual([name('f1'), name('f2')]); // its deadline passed while waiting: never written
      expect(s.emitted.map((e) => e.snapshotPath)).toEqual([undefined, undefined, undefined]);
      // Two abandoned writes hang; one finishing frees a slot, which the next frame takes.
      share.finish(name('f1'));
      await flushPromises();
      const fourth = settledLater(s.processor.process(job({ seq: 4, capturedAt: NOW - 300 })));
      await flushPromises();
      expect(share.started()).toEqual([name('f1'), name('f2'), name('f4')]);
      share.finish(name('f4'));
      await flushPromises();
      expect(fourth.outcome).toEqual({ value: 'analysed' });
      expect(s.emitted.at(-1)).toMatchObject({ alertId: 'f4', snapshotPath: `pond/${name('f4')}.jpg` });
    } finally {
      realTimeAndRenderer();
    }
  });

  it("stores the camera's picture at most once per interval of capture time, after the gate's release", async () => {
    const s = setup({}, null, 1000);
    expect(await s.processor.process(job({ seq: 1, capturedAt: NOW - 2900 }))).toBe('analysed');
    expect(await s.processor.process(job({ seq: 2, capturedAt: NOW - 2000 }))).toBe('analysed'); // 900 ms later
    expect(await s.processor.process(job({ seq: 3, capturedAt: NOW - 1800 }))).toBe('analysed'); // 1100 ms later
    expect(s.pictures.put).toHaveBeenCalledTimes(2);
    const [camera, jpeg, ttl, capturedAt] = s.pictures.put.mock.calls[0];
    expect([camera, ttl, capturedAt]).toEqual(['pond', 20_000, NOW - 2900]); // shown with the picture: how old it is
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 4, height: 4 });
    expect((await s.metrics.pictures.get()).values).toEqual([expect.objectContaining({ labels: { result: 'stored' }, value: 2 })]);
    const ordered = setup({}, null, 1000);
    ordered.pictures.put.mockImplementationOnce(async () => void ordered.calls.push('picture'));
    await ordered.processor.process(job());
    expect(ordered.calls).toEqual(['save', 'release', 'picture']);
  });

  it('stores no picture with an interval of 0, nor of a frame it did not analyse', async () => {
    const off = setup();
    await off.processor.process(job());
    expect(off.pictures.put).not.toHaveBeenCalled();
    const stale = setup({}, null, 1000);
    await stale.processor.process(job({ capturedAt: NOW - 5000 }));
    expect(stale.pictures.put).not.toHaveBeenCalled();
  });

  it('analyses the frame when its picture cannot be stored, and counts the failure', async () => {
    const s = setup({}, null, 1000);
    s.pictures.put.mockRejectedValueOnce(new Error('OOM command not allowed'));
    expect(await s.processor.process(job())).toBe('analysed');
    expect((await s.metrics.pictures.get()).values).toEqual([expect.objectContaining({ labels: { result: 'failed' }, value: 1 })]);
  });

  it('marks the camera analysed with the capture time, at most once per interval, and never for a frame it did not analyse', async () => {
    const s = setup();
    const t0 = NOW - 2900;
    await s.processor.process(job({ seq: 1, capturedAt: t0 }));
    await s.processor.process(job({ seq: 2, capturedAt: t0 + ANALYSED_MARK_INTERVAL_MS - 1 }));
    await s.processor.process(job({ seq: 3, capturedAt: t0 + ANALYSED_MARK_INTERVAL_MS }));
    expect(s.analysed.mark.mock.calls).toEqual([
      ['pond', t0],
      ['pond', t0 + ANALYSED_MARK_INTERVAL_MS],
    ]);
    const stale = setup();
    await stale.processor.process(job({ capturedAt: NOW - 5000 }));
    expect(stale.analysed.mark).not.toHaveBeenCalled();
  });

  it('analyses the frame when the mark cannot be stored, and tries again with the next frame', async () => {
    const s = setup();
    s.analysed.mark.mockRejectedValueOnce(new Error('READONLY You can\'t write against a read only replica'));
    expect(await s.processor.process(job({ seq: 1, capturedAt: NOW - 300 }))).toBe('analysed');
    expect(await s.processor.process(job({ seq: 2, capturedAt: NOW - 200 }))).toBe('analysed');
    expect(s.analysed.mark).toHaveBeenCalledTimes(2);
  });

  describe('snapshots of one frame', () => {
    const vanish = event({ alertId: 'a2', ruleId: 'water.vanish', rule: 'vanish_in_water', severity: 'critical', message: 'person vanished in water' });
    const nameOf = (alertId: string) => `${alertId}-${NOW - 100}`;
    beforeEach(renderedAtOnceOnFakeTime);
    afterEach(realTimeAndRenderer);

    it('are taken together under one deadline: a vanish after a zone_enter waits no longer on a stalled share', async () => {
      const s = setup({ events: [event(), vanish] }, null, 0, { snapshotTimeoutMs: 400 });
      const share = heldShare(); // stalled: no write ever completes
      s.snapshots.save.mockImplementation(share.save);
      const processed = s.processor.process(job());
      await flushPromises();
      expect(share.started()).toEqual([nameOf('a1'), nameOf('a2')]);
      await advance(399);
      expect(s.emitted).toEqual([]);
      // One 400 ms deadline for both; one after the other the vanish waited until 800 ms.
      await advance(1);
      expect(s.emitted.map((e) => [e.alertId, e.snapshotPath])).toEqual([
        ['a1', undefined],
        ['a2', undefined],
      ]); // in rule order still
      expect(await processed).toBe('analysed');
      expect((await s.metrics.snapshotErrors.get()).values[0].value).toBe(2);
      expect(s.log.error.mock.calls.map(([fields]) => [(fields as { alertId: string }).alertId, (fields as { err: string }).err])).toEqual([
        ['a1', 'snapshot took longer than 400 ms (SNAPSHOT_DIR on a stalled share?)'],
        ['a2', 'snapshot took longer than 400 ms (SNAPSHOT_DIR on a stalled share?)'],
      ]);
    });

    it('are all written on a working share, two at a time, and those not written by the deadline go without', async () => {
      const three = [event(), event({ alertId: 'a3', trackId: 4 }), vanish];
      const working = setup({ events: three }, null, 0, { snapshotTimeoutMs: 1000 });
      const share = heldShare();
      working.snapshots.save.mockImplementation(share.save);
      const written = working.processor.process(job());
      await flushPromises();
      // MAX_PENDING_SNAPSHOTS: one of libuv's four threads stays free for sharp.
      expect(share.started()).toEqual([nameOf('a1'), nameOf('a3')]);
      share.finish(nameOf('a1'));
      await flushPromises();
      expect(share.started()).toEqual([nameOf('a1'), nameOf('a3'), nameOf('a2')]);
      share.finish(nameOf('a3'));
      share.finish(nameOf('a2'));
      expect(await written).toBe('analysed');
      expect(working.emitted.map((e) => e.snapshotPath)).toEqual([`pond/${nameOf('a1')}.jpg`, `pond/${nameOf('a3')}.jpg`, `pond/${nameOf('a2')}.jpg`]);
      expect(share.mostAtOnce()).toBe(2);
      expect((await working.metrics.snapshotErrors.get()).values[0].value).toBe(0);

      // 300 ms a write, a 400 ms deadline: two written, the third would end at 600 ms.
      const slow = setup({ events: three }, null, 0, { snapshotTimeoutMs: 400 });
      const slowShare = heldShare();
      slow.snapshots.save.mockImplementation(slowShare.save);
      const processed = slow.processor.process(job());
      await advance(300);
      slowShare.finish(nameOf('a1'));
      slowShare.finish(nameOf('a3'));
      await flushPromises();
      expect(slowShare.started()).toEqual([nameOf('a1'), nameOf('a3'), nameOf('a2')]); // the vanish's, from 300 ms on
      await advance(99);
      expect(slow.emitted).toEqual([]);
      await advance(1);
      expect(slow.emitted.map((e) => [e.alertId, e.snapshotPath])).toEqual([
        ['a1', `pond/${nameOf('a1')}.jpg`],
        ['a3', `pond/${nameOf('a3')}.jpg`],
        ['a2', undefined],
      ]);
      expect(await processed).toBe('analysed');
      expect((await slow.metrics.snapshotErrors.get()).values[0].value).toBe(1);
      expect(slow.log.error).toHaveBeenCalledWith(expect.objectContaining({ alertId: 'a2', err: 'snapshot took longer than 400 ms (SNAPSHOT_DIR on a stalled share?)' }), 'snapshot failed; alert sent without it');
    });
  });

  describe('a camera that left the directory', () => {
    const seen = { live: true, tracks: [{}, {}] as AnalysisResult['tracks'], ignored: 3, droppedAlerts: [{ alertId: 'a7', ruleId: 'water.vanish', key: 'water.vanish#track:7' }] };
    const cameraSeries = async (s: ReturnType<typeof setup>, cameraId: string) =>
      (await Promise.all([s.metrics.liveTracks.get(), s.metrics.ignoredDetections.get(), s.metrics.droppedAlerts.get()])).flatMap((m) => m.values.filter((v) => v.labels.camera === cameraId).map(() => m.name));

    /** Created again under its id, the camera's next frame is not held back by throttles of its earlier life. */
    async function expectStartedAfresh(s: ReturnType<typeof setup>) {
      s.directory.add('pond');
      expect(await s.processor.process(job({ seq: 9, capturedAt: NOW - 50 }))).toBe('analysed'); // 50 ms after the first
      expect(s.hot.mark).toHaveBeenCalledTimes(2);
      expect(s.analysed.mark).toHaveBeenCalledTimes(2);
      expect(s.pictures.put).toHaveBeenCalledTimes(2);
    }

    it('exports none of its series once removed, and its throttles start afresh', async () => {
      const s = setup(seen, null, 1000);
      expect(await s.processor.process(job())).toBe('analysed');
      expect(await cameraSeries(s, 'pond')).toEqual(['xl_analyzer_live_tracks', 'xl_analyzer_detections_ignored_total', 'xl_analyzer_alerts_dropped_total']);
      s.directory.remove('pond');
      expect(await cameraSeries(s, 'pond')).toEqual([]);
      await expectStartedAfresh(s);
    });

    it('is forgotten by a frame that finds it unknown, when its removal was missed', async () => {
      const s = setup(seen, null, 1000);
      expect(await s.processor.process(job())).toBe('analysed');
      s.directory.removeUnheard('pond');
      expect(await s.processor.process(job({ seq: 8 }))).toBe('unknown_camera');
      expect(await cameraSeries(s, 'pond')).toEqual([]);
      await expectStartedAfresh(s);
    });

    it('is forgotten after its last frame when removed while that frame was analysed', async () => {
      const s = setup(seen, null, 1000);
      const analyze = s.analyzer.analyze.getMockImplementation()!;
      s.analyzer.analyze.mockImplementationOnce(async () => {
        s.directory.remove('pond');
        return analyze();
      });
      expect(await s.processor.process(job())).toBe('analysed');
      expect(await cameraSeries(s, 'pond')).toEqual([]);
      // Its analysed mark, written by this frame after alerts-api deleted it, goes too (before: for good).
      expect(s.analysed.mark).toHaveBeenCalledWith('pond', expect.any(Number));
      expect(s.analysed.forget).toHaveBeenCalledWith('pond');
      expect(s.analysed.forget.mock.invocationCallOrder.at(-1)).toBeGreaterThan(s.analysed.mark.mock.invocationCallOrder[0]);
      await expectStartedAfresh(s);
    });
  });

  describe('a frame whose age is implausible (a clock step on the Redis host)', () => {
    /** A clock that took no step lately. */
    const noStep = () => undefined;

    it("measures the clock again before dropping it as stale, and judges it by the new measurement", async () => {
      // Redis stepped back 60 s; ingest measured it already, this analyzer not yet.
      let offset = 0;
      const measure = jest.fn(async () => void (offset = -60_000));
      const s = setup({ state: state(NOW - 60_100) }, null, 0, {}, { now: () => NOW + offset, port: { measure, previousNow: noStep } });
      expect(await s.processor.process(job({ capturedAt: NOW - 60_100 }))).toBe('analysed');
      expect(measure).toHaveBeenCalledTimes(1);
      expect(await s.processor.process(job({ seq: 8, capturedAt: NOW - 60_000 }))).toBe('analysed');
      expect(measure).toHaveBeenCalledTimes(1); // the clock agrees now
    });

    it('judges a frame by the offset before a step this analyzer measured first, for as long as ingest may still stamp by it', async () => {
      // The Redis host's clock stepped 60 s forward; this analyzer's RedisClock measured the step, ingest not yet.
      const server = { aheadMs: 0 };
      const redis = {
        time: async () => {
          const t = Date.now() + server.aheadMs;
          return [String(Math.floor(t / 1000)), String((t % 1000) * 1000)];
        },
      };
      let mono = 0;
      const clock = new RedisClock(redis as unknown as RedisClient, { monotonicNow: () => mono });
      await clock.measure();
      server.aheadMs = 60_000;
      await clock.measure();
      const measure = jest.spyOn(clock, 'measure');
      const s = setup({}, null, 0, { elapsed: () => mono }, { now: clock.now, port: clock });
      /** Captured 100 ms ago, stamped by ingest's offset from before the step. */
      const stampedBeforeStep = () => Date.now() - 100;
      expect(await s.processor.process(job({ capturedAt: stampedBeforeStep() }))).toBe('analysed');
      expect(measure).not.toHaveBeenCalled(); // measuring again would change nothing
      // Stamped after the step (by another ingest that measured it already) and 10 s old: stale all the same.
      mono += 1000;
      expect(await s.processor.process(job({ seq: 8, capturedAt: clock.now() - 10_000 }))).toBe('stale');
      mono += 10_000;
      expect(await s.processor.process(job({ seq: 9, capturedAt: stampedBeforeStep() }))).toBe('analysed');
      // 35 s after the step ingest has measured it too: a frame stamped by the old offset is 60 s old.
      mono += 24_000;
      expect(await s.processor.process(job({ seq: 10, capturedAt: stampedBeforeStep() }))).toBe('stale');
    });

    it('measures at most once a second, shared by the frames judged meanwhile; stale frames stay stale', async () => {
      let elapsed = 0;
      let answer: () => void = () => undefined;
      const measure = jest.fn(() => new Promise<void>((resolve) => (answer = resolve)));
      const s = setup({}, null, 0, { elapsed: () => elapsed }, { now: () => NOW, port: { measure, previousNow: noStep } });
      const judged = [1, 2, 3].map((seq) => s.processor.process(job({ seq, capturedAt: NOW - 5000 })));
      await new Promise((resolve) => setImmediate(resolve));
      expect(measure).toHaveBeenCalledTimes(1);
      answer();
      expect(await Promise.all(judged)).toEqual(['stale', 'stale', 'stale']);
      elapsed += 999;
      expect(await s.processor.process(job({ seq: 4, capturedAt: NOW - 5000 }))).toBe('stale');
      expect(measure).toHaveBeenCalledTimes(1);
      elapsed += 1;
      const fifth = s.processor.process(job({ seq: 5, capturedAt: NOW - 5000 }));
      await new Promise((resolve) => setImmediate(resolve));
      answer();
      expect(await fifth).toBe('stale');
      expect(measure).toHaveBeenCalledTimes(2);
    });

    it('judges it by the last offset when the measurement fails, and measures without waiting for a frame from the future', async () => {
      const measure = jest.fn(async () => {
        throw new Error('Connection is closed.');
      });
      const s = setup({}, null, 0, {}, { now: () => NOW, port: { measure, previousNow: noStep } });
      expect(await s.processor.process(job({ capturedAt: NOW - 60_000 }))).toBe('stale');
      expect(s.log.warn).toHaveBeenCalledWith({ err: 'Connection is closed.' }, expect.stringMatching(/measuring the clock again/));
      let elapsed = 0;
      const hanging = jest.fn(() => new Promise<void>(() => undefined));
      const ahead = setup({}, null, 0, { elapsed: () => elapsed }, { now: () => NOW, port: { measure: hanging, previousNow: noStep } });
      expect(await ahead.processor.process(job({ capturedAt: NOW + 4000 }))).toBe('analysed'); // within MIN_CLOCK_JUMP_MS: no measurement
      expect(hanging).not.toHaveBeenCalled();
      elapsed += 1000;
      expect(await ahead.processor.process(job({ seq: 8, capturedAt: NOW + 60_000 }))).toBe('analysed');
      expect(hanging).toHaveBeenCalledTimes(1);
    });

    it('judges a stale-looking frame by the last offset when the measurement does not answer within CLOCK_RECHECK_TIMEOUT_MS', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        let elapsed = 0;
        const hanging = jest.fn(() => new Promise<void>(() => undefined)); // a half-open connection
        const s = setup({}, null, 0, { elapsed: () => elapsed }, { now: () => NOW, port: { measure: hanging, previousNow: noStep } });
        const judged = settledLater(s.processor.process(job({ capturedAt: NOW - 5000 })));
        await jest.advanceTimersByTimeAsync(CLOCK_RECHECK_TIMEOUT_MS - 1);
        expect(judged.outcome).toBeUndefined();
        await jest.advanceTimersByTimeAsync(1);
        await flushPromises();
        expect(judged.outcome).toEqual({ value: 'stale' }); // before: never settled, its worker slot held for good
        expect(s.log.warn).toHaveBeenCalledWith({ err: `no answer within ${CLOCK_RECHECK_TIMEOUT_MS} ms` }, expect.stringMatching(/measuring the clock again/));
        elapsed += CLOCK_RECHECK_INTERVAL_MS;
        const next = settledLater(s.processor.process(job({ seq: 8, capturedAt: NOW - 5000 })));
        await jest.advanceTimersByTimeAsync(CLOCK_RECHECK_TIMEOUT_MS);
        await flushPromises();
        expect(next.outcome).toEqual({ value: 'stale' });
        expect(hanging).toHaveBeenCalledTimes(2); // measured again: the one that hung is not waited on
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
