// Evidence clips through the ingest app with a real RTSP camera and real ffmpeg: the drowning
// camera's vanish_in_water alert (from the clip's truth: the victim is gone 14.0 s into the stream)
// gets a clip of the main stream that plays for pre + post seconds from before the alert's start; a
// camera disconnected mid-clip gives a shorter clip, flagged; the ring stays within its window.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { ClipRequest, ClipResult } from '@xl/contracts';
import { parseSegmentFileName, runTool } from '@xl/media';
import { EvidenceRequestStream, EvidenceResultStream } from '@xl/queue';
import { createLogger } from '@xl/observability';
import { CameraSimulator, describeWithShared, sharedPath, testRedisUrl } from '@xl/testing';
import { startIngest, type IngestApp } from '../ingest.app';
import { loadIngestSettings } from '../settings';
import { dropTestKeys, testCamera, testPrefixes, waitFor, writeCamerasFile } from '../testing/harness';

const MAIN = 'media/clips/drowning.mp4';
const SUB = 'media/clips/drowning_sub.mp4';
const OTHER = 'media/clips/safe-waterside.mp4';
/** drowning.truth.json: person A is gone (vanishes inside the water zone) from 14.0 s. */
const VANISH_SECONDS = 14.0;
// holdSeconds 0: a clip's pin ends one window after its cut, as the ring bound below assumes.
const recording = { segmentSeconds: 2, windowSeconds: 30, preSeconds: 6, postSeconds: 6, holdSeconds: 0 };
jest.setTimeout(90_000);

async function probe(file: string, entries: string): Promise<string> {
  return (await runTool('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'csv=p=0', file], 20_000)).stdout.trim();
}

describeWithShared([MAIN, SUB, OTHER])('evidence clips from ingest (real RTSP cameras, real ffmpeg)', () => {
  const prefixes = testPrefixes('clips');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-clips-'));
  const evidenceDir = path.join(dir, 'evidence');
  const recordingDir = path.join(dir, 'recordings');
  const sim = new CameraSimulator({ loopSeconds: 120 });
  let redis: Redis;
  let app: IngestApp;
  let requests: EvidenceRequestStream;
  const results: ClipResult[] = [];
  let following = true;
  let follower: Promise<void>;
  let readerConnection: Redis;

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    const [main, sub, other] = await sim.start([
      { id: 'beach', clip: sharedPath(MAIN)! },
      { id: 'beach-sub', clip: sharedPath(SUB)! },
      { id: 'pier', clip: sharedPath(OTHER)! },
    ]);
    const cameras = [testCamera('beach', main.url, { subUrl: sub.url, recording }), testCamera('pier', other.url, { recording })];
    app = await startIngest(
      loadIngestSettings({
        REDIS_URL: testRedisUrl(),
        INGEST_ID: 'ingest-clips',
        KEY_PREFIX: prefixes.keyPrefix,
        QUEUE_PREFIX: prefixes.queuePrefix,
        CAMERAS_FILE: writeCamerasFile(cameras),
        METRICS_PORT: '0',
        RECORDING_DIR: recordingDir,
        EVIDENCE_DIR: evidenceDir,
      }),
      createLogger('ingest', 'warn'),
    );
    requests = new EvidenceRequestStream(redis, { keyPrefix: prefixes.keyPrefix });
    readerConnection = redis.duplicate();
    const reader = new EvidenceResultStream(readerConnection, { keyPrefix: prefixes.keyPrefix });
    follower = (async () => {
      let after = '0';
      while (following) {
        for (const item of (await reader.read(after, { blockMs: 500 })).items) {
          after = item.id;
          results.push(item.value);
        }
      }
    })();
  });

  afterAll(async () => {
    following = false;
    await follower;
    readerConnection?.disconnect();
    await app?.close();
    await sim.stopAll();
    await dropTestKeys(redis, prefixes);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Wall-clock start of the camera's stream: its recording's first segment (each reader starts at t=0 of the clip). */
  const streamStart = (camera: string) =>
    waitFor(
      `${camera}'s first segment`,
      () => Math.min(...readdirSync(path.join(recordingDir, camera)).map((f) => parseSegmentFileName(f)?.startMs ?? Infinity)) || null,
      15_000,
    ).then((ms) => (Number.isFinite(ms) ? ms : Promise.reject(new Error('no segment'))));

  const request = (r: Omit<ClipRequest, 'requestedAt'>) => requests.publish({ ...r, requestedAt: Date.now() });

  it("cuts the drowning alert's clip from the main stream: pre + post seconds from before its start, decodable end to end", async () => {
    const t0 = await waitFor('a recorded segment', async () => {
      try {
        return await streamStart('beach');
      } catch {
        return null;
      }
    }, 20_000);
    const startedAt = t0 + VANISH_SECONDS * 1000;
    await waitFor('the alert time', () => Date.now() >= startedAt, 20_000);
    await request({ alertId: 'vanish-1', cameraId: 'beach', startedAt, lastAt: startedAt, snapshotAt: startedAt });
    const result = await waitFor('the clip', () => results.find((r) => r.alertId === 'vanish-1'), 30_000);

    expect(result).toMatchObject({ status: 'complete', cameraId: 'beach', ingestId: 'ingest-clips', clipPath: 'clips/beach/vanish-1.mp4', snapshotPath: 'snapshots/beach/vanish-1.jpg' });
    expect(result.clipFrom!).toBeLessThanOrEqual(startedAt - recording.preSeconds * 1000);
    const clip = path.join(evidenceDir, result.clipPath!);
    const seconds = Number(await probe(clip, 'format=duration'));
    expect(Math.abs(seconds - (recording.preSeconds + recording.postSeconds))).toBeLessThan(1);
    expect(await probe(clip, 'stream=codec_name,width,height')).toBe('h264,1280,720'); // the main stream, not the analysed sub stream
    const decoded = await runTool('ffmpeg', ['-v', 'error', '-i', clip, '-f', 'null', '-'], 30_000);
    expect(decoded).toMatchObject({ code: 0, stderr: '' });
    expect(await probe(path.join(evidenceDir, result.snapshotPath!), 'stream=width,height')).toBe('1280,720');
  });

  it('the ring holds the window, plus only what a clip still needs', async () => {
    const now = Date.now();
    const segments = readdirSync(path.join(recordingDir, 'beach'))
      .map((f) => parseSegmentFileName(f))
      .filter((s) => s !== null);
    const oldestEnd = Math.min(...segments.map((s) => s.startMs + s.durationMs));
    // the clip of the first test pins its pre-roll (for updates) for one window after it was cut (holdSeconds 0)
    const bound = Math.max(recording.windowSeconds, VANISH_SECONDS + recording.postSeconds + recording.windowSeconds) * 1000;
    expect(now - oldestEnd).toBeLessThan(bound + 2 * recording.segmentSeconds * 1000);
    expect(segments.length).toBeLessThan((bound / 1000 / recording.segmentSeconds) + 4);
  });

  it('a camera disconnected mid-clip gives a shorter clip, flagged, that still plays', async () => {
    await streamStart('pier');
    const startedAt = Date.now();
    await request({ alertId: 'cut-short', cameraId: 'pier', startedAt, lastAt: startedAt, snapshotAt: startedAt });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await sim.stop('pier');
    const result = await waitFor('the shortened clip', () => results.find((r) => r.alertId === 'cut-short'), 40_000);
    expect(result).toMatchObject({ status: 'truncated', reason: 'camera_offline' });
    const clip = path.join(evidenceDir, result.clipPath!);
    const seconds = Number(await probe(clip, 'format=duration'));
    expect(seconds).toBeGreaterThan(recording.preSeconds);
    expect(seconds).toBeLessThan(recording.preSeconds + recording.postSeconds - 1);
    expect(Math.abs(seconds * 1000 - (result.clipTo! - result.clipFrom!))).toBeLessThan(1000);
    expect((await runTool('ffmpeg', ['-v', 'error', '-i', clip, '-f', 'null', '-'], 30_000)).code).toBe(0);
  });
});
