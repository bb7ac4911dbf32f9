// A camera that serves one stream, through the ingest app with recording on: the analysis reader and
// the recorder want the same slot. Analysis goes first: refused as busy, ingest pauses the recorder,
// so the reader gets the slot as soon as it frees; the recorder, resumed, is refused and backs off
// while the reader keeps its stream. Real Redis, real ffmpeg, gst-rtsp-server capped at one session.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createLogger } from '@xl/observability';
import { CameraSimulator, childrenNamed, describeWithShared, sharedPath, testRedisUrl, watchRtsp } from '@xl/testing';
import { startIngest, type IngestApp } from '../ingest.app';
import { loadIngestSettings } from '../settings';
import { dropTestKeys, FrameDrain, sleep, statusEvents, testCamera, testPrefixes, waitFor, writeCamerasFile } from '../testing/harness';

const CLIP = 'media/clips/drowning_sub.mp4';
jest.setTimeout(90_000);

describeWithShared([CLIP])('analysis goes first on a camera that serves one stream (ingest, recording on)', () => {
  const prefixes = testPrefixes('first');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-first-'));
  const sim = new CameraSimulator({ loopSeconds: 120 });
  let redis: Redis;
  let app: IngestApp | null = null;
  let drain: FrameDrain | null = null;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await app?.close();
    await drain?.close();
    await sim.stopAll();
    await dropTestKeys(redis, prefixes);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const recorders = () => childrenNamed(process.pid, 'ffmpeg').filter((p) => p.argv.includes('segment'));
  const paused = async () => (await app!.metrics.registry.getSingleMetric('xl_recording_paused')?.get())?.values.find((v) => v.labels.camera === 'pond')?.value;
  const events = async () => (await statusEvents(redis, prefixes.keyPrefix)).filter((e) => e.cameraId === 'pond');

  it('pauses the recorder while the camera refuses the reader, and the reader keeps the slot once it has it', async () => {
    const [cam] = await sim.start([{ id: 'pond', clip: sharedPath(CLIP)!, maxSessions: 1 }]);
    const viewer = watchRtsp(cam.url, { timeoutMs: 80_000 }); // another system holds the camera's one stream
    try {
      await waitFor('the other viewer streaming', () => viewer.frames() > 0, 10_000);
      const recording = { segmentSeconds: 2, windowSeconds: 30, preSeconds: 4, postSeconds: 4 };
      app = await startIngest(
        loadIngestSettings({
          REDIS_URL: testRedisUrl(),
          INGEST_ID: 'ingest-first',
          KEY_PREFIX: prefixes.keyPrefix,
          QUEUE_PREFIX: prefixes.queuePrefix,
          CAMERAS_FILE: writeCamerasFile([testCamera('pond', cam.url, { recording })]),
          METRICS_PORT: '0',
          RECORDING_DIR: path.join(dir, 'recordings'),
          EVIDENCE_DIR: path.join(dir, 'evidence'),
        }),
        createLogger('ingest', 'silent'),
      );
      drain = new FrameDrain(redis, prefixes);
      const offline = await waitFor('pond offline', async () => (await events()).find((e) => e.status === 'offline'), 15_000);
      expect(offline.reason).toBe('busy');
      await waitFor('recording paused', async () => (await paused()) === 1, 10_000);
      // Paused means no recorder process and no recorder tries: the slot is left to the reader. The
      // run that was trying ends first ('q', then signals: on a loaded machine a moment after the
      // pause is reported); from then on none starts.
      await waitFor('the paused run ended', () => recorders().length === 0, 10_000);
      for (let i = 0; i < 6; i++) {
        expect(recorders()).toEqual([]);
        await sleep(500);
      }
    } finally {
      viewer.stop();
      await viewer.exited;
    }
    const back = await waitFor('pond recovered', async () => (await events()).find((e) => e.status === 'recovered'), 15_000);
    await waitFor('frames of pond', () => drain!.of('pond').length > 0, 10_000);
    await waitFor('recording resumed', async () => (await paused()) === 0, 10_000);
    // The camera is full again (the reader has its one stream): the recorder's tries are refused, the
    // reader is not disturbed and its frames keep coming.
    const framesBefore = drain!.of('pond').length;
    await sleep(6_000);
    expect((await events()).filter((e) => e.at > back.at && e.status === 'offline')).toEqual([]);
    expect(drain!.of('pond').length).toBeGreaterThan(framesBefore + 5);
  });
});
