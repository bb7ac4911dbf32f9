// The segment recorder against a real RTSP camera (simulator) and real ffmpeg: keyframe-aligned
// segments placed in wall-clock time, a ring that stays within its window, a clip cut from it that
// plays for the asked duration, a full-resolution keyframe, and a camera that goes away.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CameraSimulator, describeWithShared, sharedPath, startSlowLink } from '@xl/testing';
import { cutClip, keyframeSnapshot, placedFileId, probeDurationMs } from './recording-clip';
import { runTool } from './recording-process';
import { SegmentRecorder } from './recording-recorder';
import { planClip, segmentEnd, type RecordedSegment } from './recording-segments';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sameNames = (files: string[], ring: RecordedSegment[]) => JSON.stringify(files) === JSON.stringify(ring.map((s) => path.basename(s.file)).sort());

async function probe(file: string, entries: string): Promise<string> {
  return (await runTool('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'csv=p=0', file], 20_000)).stdout.trim();
}

describeWithShared(['media/clips/drowning.mp4'])('SegmentRecorder (real RTSP camera, real ffmpeg)', () => {
  jest.setTimeout(90_000);
  const sim = new CameraSimulator({ loopSeconds: 120 });
  let dir: string;
  let recorder: SegmentRecorder;
  const segments: RecordedSegment[] = [];
  const interruptions: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xl-rec-'));
    const [camera] = await sim.start([{ id: 'beach', clip: sharedPath('media/clips/drowning.mp4')!, credentials: { user: 'admin', password: 's3cret' } }]);
    recorder = new SegmentRecorder({
      cameraId: 'beach',
      url: camera.url,
      dir: path.join(dir, 'beach'),
      segmentSeconds: 2,
      windowSeconds: 10,
      ioTimeoutSeconds: 5,
      stallSeconds: 6,
      backoffInitialSeconds: 30, // no respawn within the test once the camera is gone
      backoffMaxSeconds: 30,
    });
    recorder.on('segment', (s) => segments.push(s));
    recorder.on('interrupted', ({ reason, detail }) => interruptions.push(`${reason}: ${detail}`));
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await sim.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('records back-to-back segments placed in wall-clock time, and keeps only the window', async () => {
    const startedAt = Date.now();
    while (Date.now() - startedAt < 20_000) await sleep(500);
    expect(segments.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < segments.length; i++) {
      // one GOP (2 s at 25 fps) each, no hole between them
      expect(segments[i].durationMs).toBeGreaterThan(1_500);
      expect(Math.abs(segments[i].startMs - segmentEnd(segments[i - 1]))).toBeLessThan(150);
    }
    // live: the newest segment ended within a few seconds of now
    expect(Date.now() - recorder.recordedUntil).toBeLessThan(5_000);
    // the ring: nothing that ended more than the window ago, on disk exactly what the index says. The
    // recorder renames a segment before indexing it and unindexes one before deleting it: a segment
    // boundary between the two reads makes them differ for a moment, so they are read until they agree.
    const onDisk = async () => (await readdir(path.join(dir, 'beach'))).filter((f) => !f.startsWith('part-')).sort();
    const deadline = Date.now() + 10_000;
    let ring = recorder.segments();
    let files = await onDisk();
    while (!sameNames(files, ring) && Date.now() < deadline) {
      await sleep(100);
      ring = recorder.segments();
      files = await onDisk();
    }
    expect(files).toEqual(ring.map((s) => path.basename(s.file)).sort());
    expect(ring[0].startMs + ring[0].durationMs).toBeGreaterThan(Date.now() - 10_000 - 2_500);
    expect(ring.length).toBeLessThan(segments.length);
  });

  it('cuts a clip of the asked length from the keyframe before its start, decodable end to end', async () => {
    const to = recorder.recordedUntil - 500;
    const from = to - 5_300; // not on a keyframe
    const plan = planClip(recorder.segments(), from, to, 200)!;
    expect(plan.offsetMs).toBeGreaterThan(0);
    const clip = path.join(dir, 'clips', 'a1.mp4');
    expect((await cutClip(plan, clip)).bytes).toBeGreaterThan(10_000);
    const duration = (await probeDurationMs(clip))!;
    expect(Math.abs(duration - 5_300)).toBeLessThan(250);
    expect(await probe(clip, 'stream=codec_name,width,height')).toBe('h264,1280,720');
    // every frame decodes, and the edit list shows 5.3 s of them at 25 fps
    const decoded = await runTool('ffmpeg', ['-v', 'error', '-i', clip, '-f', 'null', '-'], 30_000);
    expect(decoded).toMatchObject({ code: 0, stderr: '' });
    const frames = Number(await probe(clip, 'stream=nb_frames'));
    expect(frames).toBeGreaterThan(5.3 * 25); // the pre-roll from the keyframe is in the file
    // no partial or list file left behind
    expect(await readdir(path.join(dir, 'clips'))).toEqual(['a1.mp4']);
  });

  it("cuts the same clip twice at once (a camera's old and new owner) into one whole file, the later rename standing", async () => {
    const to = recorder.recordedUntil - 500;
    const plan = planClip(recorder.segments(), to - 4_000, to, 200)!;
    const clip = path.join(dir, 'clips', 'both.mp4');
    // Before 2026-12-02 both wrote `both.mp4.part`: a torn file, and ENOENT for the second rename.
    const [first, second] = await Promise.all([cutClip(plan, clip), cutClip(plan, clip)]);
    expect(first.id).not.toBe(second.id);
    expect([first.id, second.id]).toContain(await placedFileId(clip));
    const decoded = await runTool('ffmpeg', ['-v', 'error', '-i', clip, '-f', 'null', '-'], 30_000);
    expect(decoded).toMatchObject({ code: 0, stderr: '' });
    expect((await readdir(path.join(dir, 'clips'))).filter((f) => f.startsWith('both'))).toEqual(['both.mp4']);
  });

  it('grabs a full-resolution keyframe', async () => {
    const ring = recorder.segments();
    const segment = ring[ring.length - 2];
    const jpg = path.join(dir, 'snapshots', 'a1.jpg');
    expect(await keyframeSnapshot(segment, segment.startMs + 1_000, jpg)).toBeGreaterThan(20_000);
    expect(await probe(jpg, 'stream=codec_name,width,height')).toBe('mjpeg,1280,720');
  });

  it('pause() ends ffmpeg and starts none (its last segment kept); resume() records again', async () => {
    const before = recorder.recordedUntil;
    expect(recorder.pid).toBeDefined();
    await recorder.pause({ reason: 'busy', detail: 'paused by the test' });
    expect({ paused: recorder.isPaused, recording: recorder.isRecording, pid: recorder.pid }).toEqual({ paused: true, recording: false, pid: undefined });
    expect(recorder.recordedUntil).toBeGreaterThan(before); // the open segment was measured and kept
    expect(interruptions).toEqual(['busy: paused by the test']);
    await sleep(3_000); // no respawn while paused (the back-off here would have been 30 s anyway: the state decides)
    expect(recorder.pid).toBeUndefined();
    const count = segments.length;
    recorder.resume();
    const deadline = Date.now() + 15_000;
    while (segments.length < count + 2 && Date.now() < deadline) await sleep(200);
    expect(segments.length).toBeGreaterThanOrEqual(count + 2);
    expect(recorder.isPaused).toBe(false);
    interruptions.length = 0; // the next test counts the interruptions of the camera going away
  });

  it('keeps the last segment and reports the interruption when the camera goes away, without its password', async () => {
    const before = recorder.recordedUntil;
    await sim.stop('beach');
    const deadline = Date.now() + 20_000;
    while (interruptions.length === 0 && Date.now() < deadline) await sleep(200);
    await sleep(500);
    expect(interruptions).toHaveLength(1);
    expect(interruptions[0]).not.toContain('s3cret');
    expect(recorder.recordedUntil).toBeGreaterThan(before); // the open segment was measured and kept
    expect(recorder.isRecording).toBe(false);
    expect((await readdir(path.join(dir, 'beach'))).filter((f) => f.startsWith('part-'))).toEqual([]);
  });
});

describeWithShared(['media/clips/drowning.mp4'])('SegmentRecorder on an uplink below its bitrate', () => {
  jest.setTimeout(90_000);
  const sim = new CameraSimulator({ loopSeconds: 120 });
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xl-rec-slow-'));
  });
  afterAll(async () => {
    await sim.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('reconnects once the recording is maxDelaySeconds behind real time, and records from live again', async () => {
    const [camera] = await sim.start([{ id: 'uplink', clip: sharedPath('media/clips/drowning.mp4')! }]);
    const link = await startSlowLink(camera.url);
    const recorder = new SegmentRecorder({
      cameraId: 'uplink',
      url: link.url,
      dir: path.join(dir, 'uplink'),
      segmentSeconds: 2,
      windowSeconds: 60,
      ioTimeoutSeconds: 5,
      stallSeconds: 6,
      backoffInitialSeconds: 0.5,
      backoffMaxSeconds: 2,
      maxDelaySeconds: 5,
    });
    const interruptions: string[] = [];
    recorder.on('interrupted', ({ reason }) => interruptions.push(reason));
    try {
      await recorder.start();
      const until = async (what: string, done: () => boolean, ms: number) => {
        const deadline = Date.now() + ms;
        while (!done() && Date.now() < deadline) await sleep(200);
        if (!done()) throw new Error(`timed out waiting for ${what}; interruptions ${interruptions.join(', ')}`);
      };
      await until('a first segment', () => recorder.segments().length > 0, 20_000);
      link.setRate(25_000); // ~60 % of drowning.mp4's 41 KB/s: the recording loses ~0.4 s every second
      const slowedAt = Date.now();
      await until('a reconnect behind live', () => interruptions.length > 0, 45_000);
      expect(interruptions).toEqual(['behind_live']);
      const reconnectedAt = Date.now();
      // The recording goes on from a new connection (a new connection measures its delay from itself,
      // so what this shows is the reconnect and that it records again, not the dropped backlog).
      await until('a segment of the new connection', () => recorder.recordedUntil > reconnectedAt, 20_000);
      expect(recorder.restarts).toBe(1);
      console.log(`recording reconnected ${((reconnectedAt - slowedAt) / 1000).toFixed(1)} s after the link slowed; recording again ${((Date.now() - reconnectedAt) / 1000).toFixed(1)} s later`);
    } finally {
      await recorder.stop();
      await link.close();
    }
  });
});
