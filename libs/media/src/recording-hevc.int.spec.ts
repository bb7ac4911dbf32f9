// An H.265 camera (simulator serving an HEVC clip made here) recorded as it sends its stream, and
// its evidence clip re-encoded to H.264 — what every browser plays — starting on the same picture as
// the stream-copied clip, for the asked length.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CameraSimulator } from '@xl/testing';
import { cutClip, probeDurationMs, probeVideoCodec } from './recording-clip';
import { runTool } from './recording-process';
import { SegmentRecorder } from './recording-recorder';
import { planClip, type RecordedSegment } from './recording-segments';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first picture a player shows (edit lists honoured), as 8-bit grey. */
async function firstPicture(clip: string, index = 0): Promise<Buffer> {
  const { stdout } = await execFileAsync('ffmpeg', ['-v', 'error', '-i', clip, '-vf', `select=eq(n\\,${index})`, '-frames:v', '1', '-pix_fmt', 'gray', '-f', 'rawvideo', '-'], { encoding: 'buffer', maxBuffer: 16 << 20 });
  expect(stdout.length).toBe(640 * 360);
  return stdout;
}

function meanDifference(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

describe('an H.265 camera: recording and evidence clips (real RTSP camera, real ffmpeg)', () => {
  jest.setTimeout(90_000);
  const sim = new CameraSimulator({ loopSeconds: 0 });
  let dir: string;
  let recorder: SegmentRecorder;
  const segments: RecordedSegment[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xl-hevc-'));
    // A moving test pattern (every frame differs), 2 s GOP like the test clips, 30 s long.
    const clip = path.join(dir, 'hevc.mp4');
    const made = await runTool(
      'ffmpeg',
      ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '30', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=50:min-keyint=50', '-tag:v', 'hvc1', clip],
      60_000,
    );
    expect(made).toMatchObject({ code: 0, stderr: '' });
    const [camera] = await sim.start([{ id: 'hevc', clip }]);
    recorder = new SegmentRecorder({
      cameraId: 'hevc',
      url: camera.url,
      dir: path.join(dir, 'rec'),
      segmentSeconds: 2,
      windowSeconds: 20,
      ioTimeoutSeconds: 5,
      stallSeconds: 6,
      backoffInitialSeconds: 30,
      backoffMaxSeconds: 30,
    });
    recorder.on('segment', (s) => segments.push(s));
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await sim.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('records the H.265 stream as it comes and re-encodes its clip to H.264 from the same first picture', async () => {
    const startedAt = Date.now();
    while (segments.length < 4 && Date.now() - startedAt < 30_000) await sleep(250);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    expect(await probeVideoCodec(segments[0].file)).toBe('hevc'); // copied, never re-encoded while recording

    const to = recorder.recordedUntil - 300;
    const plan = planClip(recorder.segments(), to - 4_300, to, 200)!;
    expect(plan.offsetMs).toBeGreaterThan(0); // not on a keyframe: the start must be found by decoding
    const h264 = path.join(dir, 'clips', 'a1.mp4');
    const asRecorded = path.join(dir, 'clips', 'a1-copy.mp4');
    expect((await cutClip(plan, h264)).bytes).toBeGreaterThan(10_000);
    expect((await cutClip(plan, asRecorded, { transcode: 'never' })).bytes).toBeGreaterThan(10_000);

    expect(await probeVideoCodec(h264)).toBe('h264');
    expect(await probeVideoCodec(asRecorded)).toBe('hevc');
    expect(Math.abs((await probeDurationMs(h264))! - 4_300)).toBeLessThan(250);
    const decoded = await runTool('ffmpeg', ['-v', 'error', '-i', h264, '-f', 'null', '-'], 30_000);
    expect(decoded).toMatchObject({ code: 0, stderr: '' });
    // The same first picture as the copied clip (whose edit list starts it exactly), not its neighbour.
    const first = await firstPicture(h264);
    const sameMoment = meanDifference(first, await firstPicture(asRecorded));
    const nextFrame = meanDifference(first, await firstPicture(asRecorded, 1));
    expect(sameMoment).toBeLessThan(4);
    expect(nextFrame).toBeGreaterThan(2 * sameMoment);
  });
});
