import { parseCamera, type CameraConfig } from '@xl/config';
import type { ClipRequest, ClipResult } from '@xl/contracts';
import type { SegmentRecorder } from '@xl/media';
import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import type { Pipeline } from '../services/ingest.service';
import { ClipService } from './clip-service';
import type { PausableRecorder } from './ports';
import { recordedPipeline, segmentRecorderFactory, type FramePipelineFactory } from './recorded-pipeline';

const log = createLogger('test', 'silent');

/** Records calls; pause/resume flip isPaused as the real SegmentRecorder does. */
class FakeRecorder implements PausableRecorder {
  calls: string[] = [];
  isPaused = false;
  recordedUntil = 0;
  delaySeconds = 0;
  pins = new Map<string, number>();
  /** The pins when start() was called: what its first trim would have kept. */
  pinnedAtStart: string[] = [];
  pinsAtStart = new Map<string, number>();
  /** start() resolves once this does (a large directory to index). */
  indexing: Promise<void> = Promise.resolve();
  segments() {
    return [];
  }
  pin(key: string, fromMs: number) {
    this.pins.set(key, fromMs);
  }
  unpin(key: string) {
    this.pins.delete(key);
  }
  async start() {
    this.calls.push('start');
    this.pinnedAtStart = [...this.pins.keys()];
    this.pinsAtStart = new Map(this.pins);
    await this.indexing;
    this.started = true;
  }
  async stop() {
    this.calls.push('stop');
  }
  started = false;
  async pause(because: { reason: string; detail: string }) {
    this.calls.push(`pause ${because.reason}`);
    this.isPaused = this.started; // as SegmentRecorder: a recorder not started yet is not paused
  }
  resume() {
    this.calls.push('resume');
    this.isPaused = false;
  }
}

function setUp(camera: CameraConfig) {
  const recorder = new FakeRecorder();
  const metrics = new IngestMetrics();
  let reader!: Parameters<FramePipelineFactory>[0];
  const frames: Pipeline = { start: () => undefined, stop: async () => undefined };
  // A hand-over cut that takes its time (an H.265 clip re-encoding): resolved by the test.
  let cutDone!: () => void;
  const handover = new Promise<void>((resolve) => (cutDone = resolve));
  const clips = { keepHandoverSegments: jest.fn(), keepRequestedSegments: jest.fn(async () => () => undefined), attach: jest.fn(async () => undefined), detach: jest.fn(() => handover) } as unknown as ClipService;
  const pipeline = recordedPipeline(
    camera,
    (hooks) => {
      reader = hooks;
      return frames;
    },
    { clips, recorders: () => recorder, metrics, log },
  );
  const paused = async () => (await metrics.registry.getSingleMetric('xl_recording_paused')!.get()).values.find((v) => v.labels.camera === camera.id)?.value;
  return { recorder, reader, pipeline, paused, clips, cutDone };
}

describe('recordedPipeline: analysis goes first', () => {
  const camera = parseCamera({ id: 'pond', url: 'rtsp://cam/main', subUrl: 'rtsp://cam/sub' });

  it('pauses the recorder when the camera refuses the reader as busy, once, and resumes it when the reader has its stream', async () => {
    const { recorder, reader, pipeline, paused } = setUp(camera);
    pipeline.start();
    await new Promise((r) => setImmediate(r));
    reader.refusedBusy();
    reader.refusedBusy(); // every refused try says so; one pause
    expect(recorder.calls).toEqual(['start', 'pause busy']);
    expect(await paused()).toBe(1);
    reader.flowing();
    reader.flowing();
    expect(recorder.calls).toEqual(['start', 'pause busy', 'resume']);
    expect(await paused()).toBe(0);
  });

  it('counts a refusal before the recorder started as no pause, and pauses it on the next one', async () => {
    const { recorder, reader, pipeline, paused } = setUp(camera);
    reader.refusedBusy();
    expect(await paused()).toBeUndefined();
    pipeline.start();
    await new Promise((r) => setImmediate(r));
    reader.refusedBusy();
    expect(recorder.isPaused).toBe(true);
    expect(await paused()).toBe(1);
  });

  it('leaves a recorder alone while the reader flows, and a camera without recording has none to pause', async () => {
    const { recorder, reader } = setUp(camera);
    reader.flowing();
    expect(recorder.calls).toEqual([]);
    const off = setUp(parseCamera({ id: 'quiet', url: 'rtsp://cam/main', recording: { enabled: false } }));
    off.pipeline.start();
    expect(() => off.reader.refusedBusy()).not.toThrow();
    expect(off.recorder.calls).toEqual([]);
  });
});

describe('recordedPipeline: stopping', () => {
  it('resolves once reader and recorder stopped, while its clips are still being cut', async () => {
    const camera = parseCamera({ id: 'pond', url: 'rtsp://cam/main' });
    const { recorder, pipeline, clips, cutDone } = setUp(camera);
    pipeline.start();
    await new Promise((r) => setImmediate(r));
    await pipeline.stop(); // the hand-over cut never finished: the lease may go all the same
    expect(recorder.calls).toEqual(['start', 'stop']);
    await new Promise((r) => setImmediate(r));
    expect(clips.detach).toHaveBeenCalledWith(camera);
    cutDone();
  });
});

describe('recordedPipeline: restarts and shutdown with a real clip service', () => {
  const camera = parseCamera({ id: 'pond', url: 'rtsp://cam/main' });
  const flush = () => new Promise((r) => setImmediate(r));
  const request = (alertId: string): ClipRequest => ({ alertId, cameraId: 'pond', startedAt: 1_000_000, lastAt: 1_000_000, snapshotAt: 1_000_000, requestedAt: 1_000_000 });

  function withClipService(recentRequestsWaitMs?: number) {
    const results: ClipResult[] = [];
    let answerSince: (requests: ClipRequest[]) => void = () => undefined;
    const options = { sinceHeld: false, cutHeld: null as Promise<void> | null, recent: [] as ClipRequest[], sinceFails: false };
    const clips = new ClipService(
      {
        requests: {
          follow: async () => async () => undefined,
          since: () =>
            options.sinceFails
              ? Promise.reject(new Error('Redis away'))
              : options.sinceHeld
                ? new Promise<ClipRequest[]>((resolve) => (answerSince = resolve))
                : Promise.resolve(options.recent),
        },
        results: { publish: async (r) => results.push(r) },
        writer: {
          clipPath: (c, a) => `clips/${c}/${a}.mp4`,
          snapshotPath: (c, a) => `snapshots/${c}/${a}.jpg`,
          exists: async () => false,
          placedId: async () => null,
          cut: async () => ({ bytes: 1, id: 'x' }),
          snapshot: async () => 1,
        },
        log,
        ingestId: 'ingest-a',
        now: () => 2_000_000,
      },
      { tickMs: 60_000, recentRequestsWaitMs },
    );
    const metrics = new IngestMetrics();
    const frames: Pipeline = { start: () => undefined, stop: async () => undefined };
    const pipelineWith = (config: CameraConfig, recorder: FakeRecorder) => recordedPipeline(config, () => frames, { clips, recorders: () => recorder, metrics, log });
    return { clips, results, options, pipelineWith, answerSince: (r: ClipRequest[]) => answerSince(r) };
  }

  it("a camera restarted while its old recorder was still starting keeps its new attachment (the old one's attach never runs after its stop)", async () => {
    const { clips, pipelineWith } = withClipService();
    const oldRecorder = new FakeRecorder();
    let indexed!: () => void;
    oldRecorder.indexing = new Promise((resolve) => (indexed = resolve));
    const newRecorder = new FakeRecorder();
    const oldPipeline = pipelineWith(camera, oldRecorder);
    const newPipeline = pipelineWith({ ...camera, fps: 4 }, newRecorder);
    oldPipeline.start();
    await flush(); // its recent requests read: the old recorder is indexing
    expect(oldRecorder.calls).toEqual(['start']);
    // As IngestService restarts a camera: the new pipeline starts once the old one's stop resolved.
    const restarted = oldPipeline.stop().then(() => newPipeline.start());
    await flush();
    indexed(); // the old recorder's start ends only now
    await restarted;
    await flush();
    clips.onRequest(request('a1'));
    expect(newRecorder.pins.has('a1')).toBe(true); // before: attach(old) overwrote it, detach(old) removed the camera
  });

  it('serves the clips of a camera whose recorder failed to start: its requests are answered, not left to time out', async () => {
    const { clips, results, pipelineWith } = withClipService();
    const recorder = new FakeRecorder();
    recorder.indexing = Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    const pipeline = pipelineWith(camera, recorder);
    pipeline.start();
    await flush();
    await flush();
    clips.onRequest(request('a1'));
    await pipeline.stop();
    await clips.stop();
    expect(results.map((r) => [r.alertId, r.status, r.reason])).toEqual([['a1', 'unavailable', 'no_segments']]); // before: none (the camera was never attached)
  });

  it('stop() waits for an attach under way, so that shutting the clip service down waits for its hand-over', async () => {
    const { clips, results, options, pipelineWith, answerSince } = withClipService();
    options.sinceHeld = true; // Redis slow to give the recent requests
    const pipeline = pipelineWith(camera, new FakeRecorder());
    pipeline.start();
    await flush();
    answerSince([]); // read before the recorder starts (its pins); attach's own read is held
    await flush();
    await flush();
    clips.onRequest(request('a1'));
    // As ingest.app shuts down: cameras stopped, then the clip service.
    const shutdown = pipeline.stop().then(() => clips.stop());
    await flush();
    answerSince([]);
    await shutdown;
    expect(results.map((r) => [r.alertId, r.reason])).toEqual([['a1', 'no_segments']]); // cut before shutdown, not after
  });

  it("a configuration restart's new recorder keeps the segments of the old one's hand-over clips until they are cut", async () => {
    const { clips, results, pipelineWith } = withClipService();
    const oldRecorder = new FakeRecorder();
    const newRecorder = new FakeRecorder();
    const oldPipeline = pipelineWith(camera, oldRecorder);
    const newPipeline = pipelineWith({ ...camera, recording: { ...camera.recording, windowSeconds: 10 } }, newRecorder);
    oldPipeline.start();
    await flush();
    clips.onRequest(request('a1'));
    await oldPipeline.stop();
    newPipeline.start();
    await flush();
    expect(newRecorder.pinnedAtStart).toEqual(['handover:a1']); // before its first trim
    await clips.stop(); // the hand-over cut
    expect(results.map((r) => r.alertId)).toEqual(['a1']);
    expect(newRecorder.pins.size).toBe(0);
  });

  /** A pipeline started on a fresh recorder, once the recent requests were read and the recorder started. */
  async function startedOnce(pipelineWith: (c: CameraConfig, r: FakeRecorder) => ReturnType<typeof recordedPipeline>) {
    const recorder = new FakeRecorder();
    const pipeline = pipelineWith(camera, recorder);
    pipeline.start();
    await flush();
    await flush();
    expect(recorder.calls).toEqual(['start']);
    return { recorder, pipeline };
  }

  it("a restarted ingest's new recorder keeps the pre-roll of the requests it takes over from its first trim on", async () => {
    const { clips, options, pipelineWith } = withClipService();
    // Asked 70 s ago (now 2_000_000): within window + pre + post (80 s), so attach takes it over, but its
    // pre-roll (from 1_920_000) ended more than windowSeconds (60 s) ago: the first trim deleted it.
    const startedAt = 2_000_000 - 70_000;
    options.recent = [{ alertId: 'a1', cameraId: 'pond', startedAt, lastAt: startedAt, snapshotAt: startedAt, requestedAt: startedAt }];
    const { recorder, pipeline } = await startedOnce(pipelineWith);
    expect(Math.min(...recorder.pinsAtStart.values())).toBeLessThanOrEqual(startedAt - 10_000); // before: nothing pinned at start
    expect([...recorder.pins]).toEqual([['a1', startedAt - 10_000]]); // attach's own pin; the one for the start let go
    await pipeline.stop();
    await clips.stop();
  });

  it('starts the recorder all the same when the recent requests cannot be read (Redis away)', async () => {
    const { clips, options, pipelineWith } = withClipService();
    options.sinceFails = true;
    const { recorder, pipeline } = await startedOnce(pipelineWith);
    expect(recorder.pins.size).toBe(0);
    await pipeline.stop();
    await clips.stop();
  });

  it('starts the recorder without those pins when Redis is slow to give the recent requests', async () => {
    const { clips, options, pipelineWith, answerSince } = withClipService(20);
    options.sinceHeld = true;
    const recorder = new FakeRecorder();
    const pipeline = pipelineWith(camera, recorder);
    pipeline.start();
    await flush();
    expect(recorder.calls).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.calls).toEqual(['start']); // after the wait, not after Redis
    expect(recorder.pinnedAtStart).toEqual([]);
    answerSince([]); // attach's read
    await pipeline.stop();
    await clips.stop();
  });
});

describe('segmentRecorderFactory', () => {
  it("counts each ended run of a camera's recorder by reason, behind_live included", async () => {
    const metrics = new IngestMetrics();
    const camera = parseCamera({ id: 'beach', url: 'rtsp://h/main' });
    const recorder = segmentRecorderFactory({ recordingDir: '/tmp/xl-never-started', stopGraceMs: 100 }, log, metrics)(camera) as SegmentRecorder;
    recorder.emit('interrupted', { at: 1, reason: 'behind_live', detail: 'more than 15 s behind real time' });
    recorder.emit('interrupted', { at: 2, reason: 'behind_live', detail: 'more than 15 s behind real time' });
    recorder.emit('interrupted', { at: 3, reason: 'exited', detail: 'ffmpeg exited with code 1' });
    const values = (await metrics.recordingInterruptions.get()).values.map((v) => [v.labels.reason, v.value]);
    expect(values).toEqual([
      ['behind_live', 2],
      ['exited', 1],
    ]);
  });
});
