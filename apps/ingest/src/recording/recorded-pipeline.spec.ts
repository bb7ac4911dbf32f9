import { parseCamera, type CameraConfig } from '@xl/config';
import type { SegmentRecorder } from '@xl/media';
import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import type { Pipeline } from '../services/ingest.service';
import type { ClipService } from './clip-service';
import type { PausableRecorder } from './ports';
import { recordedPipeline, segmentRecorderFactory, type FramePipelineFactory } from './recorded-pipeline';

const log = createLogger('test', 'silent');

/** Records calls; pause/resume flip isPaused as the real SegmentRecorder does. */
class FakeRecorder implements PausableRecorder {
  calls: string[] = [];
  isPaused = false;
  recordedUntil = 0;
  delaySeconds = 0;
  segments() {
    return [];
  }
  pin() {}
  unpin() {}
  async start() {
    this.calls.push('start');
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
  const clips = { attach: jest.fn(async () => undefined), detach: jest.fn(() => handover) } as unknown as ClipService;
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
