import '../testing/nest-esm';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EVIDENCE_REQUESTS_STREAM, EVIDENCE_RESULTS_STREAM, type ClipRequest, type ClipResult } from '@xl/contracts';
import { capturedLogger } from '../testing/captured-logger';
import { sharedPath } from '@xl/testing';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { AlertsRepository } from '../alerts/alerts.repository';
import { EvidenceService } from './evidence.service';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import type { EvidenceOptions } from './evidence.options';
import { EvidenceRepository } from './evidence.repository';
import { EvidenceRetentionService } from './retention.service';
import { CameraStatusRepository } from '../camera-status/camera-status.repository';
import { REDIS } from '../core/tokens';
import type { RedisClient } from '@xl/queue';

// Evidence in alerts-api with real Redis and both databases: clip requests follow the stored alert,
// results from ingest are recorded, clips are served with range requests under the alert's scope,
// retention deletes what the policy says and never an unresolved alert's evidence.

const MB = 1_048_576;

describe.each(DATABASE_KINDS)('alert evidence on %s', (kind) => {
  let t: TestApp;
  const logLines: string[] = [];
  let evidenceDir: string;
  let intake: AlertIntakeService;
  const auth = async (user: string) => ({ Authorization: `Bearer ${await t.token(user)}` });
  const options: EvidenceOptions = {
    EVIDENCE_DIR: '',
    EVIDENCE_KEEP_FALSE_ALARM_DAYS: 0, // deleted at the next run
    EVIDENCE_KEEP_TRUE_ALARM_DAYS: 180,
    EVIDENCE_KEEP_DUPLICATE_DAYS: 0,
    EVIDENCE_KEEP_RECOVERED_DAYS: 30,
    EVIDENCE_KEEP_CRITICAL_MIN_DAYS: 30,
    EVIDENCE_MAX_BYTES: 4 * MB, // the retention test's alerts and ~0.3 MB of the others'
    EVIDENCE_SWEEP_SECONDS: 86_400, // runs only when the test calls it
    EVIDENCE_ANSWER_TIMEOUT_SECONDS: 600,
    SNAPSHOT_ORPHAN_DAYS: 2,
  };

  beforeAll(async () => {
    evidenceDir = mkdtempSync(path.join(tmpdir(), 'xl-evidence-'));
    t = await startTestApp(kind, {}, { evidence: { ...options, EVIDENCE_DIR: evidenceDir }, logger: capturedLogger(logLines, 'info') });
    await createWorld(t);
    intake = t.app.get(AlertIntakeService);
  });

  afterAll(async () => {
    await t?.close();
    rmSync(evidenceDir, { recursive: true, force: true });
  });

  const requestsFor = async (alertId: string): Promise<ClipRequest[]> =>
    (await t.redis.xrange(`${t.settings.redisKeyPrefix}${EVIDENCE_REQUESTS_STREAM}`, '-', '+'))
      .map(([, fields]) => JSON.parse(fields[1]) as ClipRequest)
      .filter((r) => r.alertId === alertId);

  /** What ingest does: files into the evidence directory, a result on the stream. */
  async function deliver(alertId: string, cameraId: string, clipBytes: Buffer, over: Partial<ClipResult> = {}): Promise<void> {
    const clipPath = `clips/${cameraId}/${alertId.replace(/[^A-Za-z0-9_.-]/g, '_')}.mp4`;
    const snapshotPath = clipPath.replace('clips/', 'snapshots/').replace('.mp4', '.jpg');
    for (const [rel, data] of [[clipPath, clipBytes], [snapshotPath, Buffer.from([0xff, 0xd8, 0xff, 0xd9])]] as const) {
      mkdirSync(path.dirname(path.join(evidenceDir, rel)), { recursive: true });
      writeFileSync(path.join(evidenceDir, rel), data);
    }
    const result: ClipResult = {
      alertId, cameraId, status: 'complete', clipPath, snapshotPath, requestedFrom: 1, requestedTo: 20_001, clipFrom: 1, clipTo: 20_001,
      bytes: clipBytes.length + 4, ingestId: 'ingest-test', at: Date.now(), ...over,
    };
    await t.redis.xadd(`${t.settings.redisKeyPrefix}${EVIDENCE_RESULTS_STREAM}`, '*', 'json', JSON.stringify(result));
  }

  const evidenceOf = async (alertId: string, user = 'admin') => (await t.http.get(`/alerts/${encodeURIComponent(alertId)}/evidence`).set(await auth(user))).body;

  it('asks for a clip when an alert opens and again, extended, when it is updated (one clip per alert)', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', rule: 'zone_enter', ruleId: 'pond.enter' });
    await intake.consume(enter);
    const vanish = alertEvent({
      cameraId: 'cam-a', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', relatedAlertId: enter.alertId,
      startedAt: enter.startedAt + 5_000, capturedAt: enter.startedAt + 9_000,
    });
    await intake.consume(vanish);
    await intake.consume(vanish); // a redelivery asks for nothing more
    const requests = await requestsFor(enter.alertId);
    expect(requests.map((r) => [r.startedAt, r.lastAt])).toEqual([
      [enter.startedAt, enter.capturedAt],
      [enter.startedAt, vanish.capturedAt], // same alert, later end: the clip grows
    ]);
    expect(await requestsFor(vanish.alertId)).toEqual([]); // superseding event: no second clip
    expect(await evidenceOf(enter.alertId)).toMatchObject({ status: 'pending', clipUrl: null });
  });

  it('asks for the clip also when the work after the alert was stored failed (its retry is a duplicate)', async () => {
    const event = alertEvent({ cameraId: 'cam-a' });
    const reread = jest.spyOn(t.app.get(AlertsRepository), 'get').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    try {
      await expect(intake.consume(event)).rejects.toThrow('Connection terminated unexpectedly');
    } finally {
      reread.mockRestore();
    }
    expect(await intake.consume(event)).toBe('duplicate');
    expect(await requestsFor(event.alertId)).toHaveLength(1);
  });

  it('asks for the scene\'s times when the stream arrived late: its frames were stamped that much after the scene', async () => {
    const late = alertEvent({ cameraId: 'cam-a2', streamDelaySeconds: 12 });
    await intake.consume(late);
    expect((await requestsFor(late.alertId)).map((r) => [r.startedAt, r.lastAt, r.snapshotAt])).toEqual([
      [late.startedAt - 12_000, late.capturedAt - 12_000, late.capturedAt - 12_000],
    ]);
  });

  it('records the result and serves the clip with range requests, only to who may see the alert', async () => {
    const event = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(event);
    const file = sharedPath('media/clips/drowning_sub.mp4');
    const clip = file ? readFileSync(file).subarray(0, 300_000) : Buffer.alloc(300_000, 7);
    await deliver(event.alertId, 'cam-a', clip, { status: 'truncated', reason: 'camera_offline', clipTo: 12_001 });
    const view = await eventually(async () => {
      const v = await evidenceOf(event.alertId);
      return v.status === 'truncated' ? v : null;
    }, 'the evidence result to be applied');
    const id = encodeURIComponent(event.alertId);
    expect(view).toMatchObject({ reason: 'camera_offline', clipUrl: `/alerts/${id}/clip`, hiresSnapshotUrl: `/alerts/${id}/hires-snapshot`, durationMs: 12_000 });
    // the alert detail carries it too
    expect((await t.http.get(`/alerts/${id}`).set(await auth('op-a'))).body.evidence).toMatchObject({ status: 'truncated' });

    const op = await auth('op-a');
    const whole = await t.http.get(`/alerts/${id}/clip`).set(op).buffer(true).parse(binary);
    expect(whole.status).toBe(200);
    expect(whole.headers).toMatchObject({ 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': String(clip.length) });
    expect(Buffer.compare(whole.body as Buffer, clip)).toBe(0);

    const part = await t.http.get(`/alerts/${id}/clip`).set(op).set('Range', 'bytes=1000-1999').buffer(true).parse(binary);
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${clip.length}`);
    expect(Buffer.compare(part.body as Buffer, clip.subarray(1000, 2000))).toBe(0);

    const tail = await t.http.get(`/alerts/${id}/clip`).set(op).set('Range', 'bytes=-100').buffer(true).parse(binary);
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body as Buffer, clip.subarray(clip.length - 100))).toBe(0);

    const beyond = await t.http.get(`/alerts/${id}/clip`).set(op).set('Range', `bytes=${clip.length}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${clip.length}`);

    const invalid = await t.http.get(`/alerts/${id}/clip`).set(op).set('Range', 'bytes=500-400').buffer(true).parse(binary);
    expect(invalid.status).toBe(200); // not a range at all: ignored
    expect(Buffer.compare(invalid.body as Buffer, clip)).toBe(0);

    // validators: a client revalidates, and a seek after a re-cut gets the new clip whole, not a part of it
    const etag = whole.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f-]+"$/);
    expect(Date.parse(whole.headers['last-modified'] as string)).toBeGreaterThan(0);
    expect(part.headers.etag).toBe(etag);
    expect((await t.http.get(`/alerts/${id}/clip`).set(op).set('If-None-Match', etag)).status).toBe(304);
    const resumed = await t.http.get(`/alerts/${id}/clip`).set(op).set('Range', 'bytes=2000-2999').set('If-Range', etag).buffer(true).parse(binary);
    expect(resumed.status).toBe(206);
    const recut = Buffer.alloc(200_000, 9);
    const clipFile = path.join(evidenceDir, 'clips', 'cam-a', `${event.alertId.replace(/[^A-Za-z0-9_.-]/g, '_')}.mp4`);
    writeFileSync(`${clipFile}.4711-0a1b2c3d.part`, recut);
    renameSync(`${clipFile}.4711-0a1b2c3d.part`, clipFile);
    const seek = await t.http.get(`/alerts/${id}/clip`).set(op).set('Range', 'bytes=3000-3999').set('If-Range', etag).buffer(true).parse(binary);
    expect(seek.status).toBe(200);
    expect(seek.headers.etag).not.toBe(etag);
    expect(seek.headers['content-length']).toBe(String(recut.length));
    expect(Buffer.compare(seek.body as Buffer, recut)).toBe(0);
    expect((await t.http.get(`/alerts/${id}/clip`).set(op).set('If-None-Match', etag)).status).toBe(200);

    const jpeg = await t.http.get(`/alerts/${id}/hires-snapshot`).set(op).buffer(true).parse(binary);
    expect(jpeg.status).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect((await t.http.get(`/alerts/${id}/hires-snapshot`).set(op).set('If-None-Match', jpeg.headers.etag as string)).status).toBe(304);
    // Nest sends the empty 304 / 416 itself: the controller ending it made Nest's send() throw, logged as an error each time
    expect(logLines.filter((l) => l.includes('ERR_HTTP_HEADERS_SENT') || l.includes('Cannot set headers'))).toEqual([]);

    // an operator of another county, and a school of another camera, do not even learn it exists
    expect((await t.http.get(`/alerts/${id}/clip`).set(await auth('op-b'))).status).toBe(404);
    expect((await t.http.get(`/alerts/${id}/hires-snapshot`).set(await auth('op-b'))).status).toBe(404);
    expect((await t.http.get(`/alerts/${id}/evidence`).set(await auth('op-b'))).status).toBe(404);
    expect((await t.http.get(`/alerts/${id}/clip`)).status).toBe(401);
  });

  /** A Redis blip at alerts-api: the client gives up on the clip requests' XADD (maxRetriesPerRequest), nothing else fails. */
  const refusingRequests = () => {
    const redis = t.app.get<RedisClient>(REDIS);
    const xadd = redis.xadd.bind(redis) as (...args: unknown[]) => Promise<string>;
    return jest.spyOn(redis, 'xadd').mockImplementation(((key: string, ...rest: unknown[]) =>
      key.endsWith(EVIDENCE_REQUESTS_STREAM) ? Promise.reject(new Error('Reached the max retries per request limit (which is 3)')) : xadd(key, ...rest)) as never);
  };

  it("serves a clip's recorded time (the result's durationMs): shorter than clipTo − clipFrom when it has holes", async () => {
    const event = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(event);
    await deliver(event.alertId, 'cam-a', Buffer.alloc(1000, 1), { status: 'truncated', reason: 'camera_offline', durationMs: 16_000 });
    const view = await eventually(async () => {
      const v = await evidenceOf(event.alertId);
      return v.status === 'truncated' ? v : null;
    }, 'the evidence result to be applied');
    expect(view).toMatchObject({ clipFrom: 1, clipTo: 20_001, durationMs: 16_000 }); // before: 20 000
  });

  it('sends a clip request that Redis refused again, rebuilt from the stored alert, once', async () => {
    const service = t.app.get(EvidenceService);
    const lost = alertEvent({ cameraId: 'cam-a', streamDelaySeconds: 3 });
    const spy = refusingRequests();
    try {
      expect(await intake.consume(lost)).toBe('created');
    } finally {
      spy.mockRestore();
    }
    const asked = Date.now();
    expect(await intake.consume(lost)).toBe('duplicate'); // the event's retry asks for nothing
    expect(await requestsFor(lost.alertId)).toEqual([]);
    expect(logLines.some((l) => l.includes('evidence clip request not sent') && l.includes(lost.alertId))).toBe(true);
    await service.resendUnsent(asked + 20_000);
    expect((await requestsFor(lost.alertId)).map((r) => [r.cameraId, r.startedAt, r.lastAt, r.snapshotAt])).toEqual([
      ['cam-a', lost.startedAt - 3_000, lost.capturedAt - 3_000, lost.capturedAt - 3_000],
    ]);
    await service.resendUnsent(asked + 25_000); // on the stream now: never again
    expect(await requestsFor(lost.alertId)).toHaveLength(1);
    // a request that got there the first time is never sent again
    const fine = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(fine);
    await service.resendUnsent(Date.now() + 20_000);
    expect(await requestsFor(fine.alertId)).toHaveLength(1);
  });

  it("stops sending a refused request once its camera's ring no longer holds what it asks for (windowSeconds + postSeconds)", async () => {
    const service = t.app.get(EvidenceService);
    const admin = await auth('admin');
    expect((await t.http.post('/cameras').set(admin).send({ id: 'cam-long', url: 'rtsp://10.0.0.9/main', regionId: 'vil-a1a', recording: { windowSeconds: 300 } })).status).toBe(201);
    const short = alertEvent({ cameraId: 'cam-a' }); // recording defaults: 60 + 10 s
    const long = alertEvent({ cameraId: 'cam-long' });
    const spy = refusingRequests();
    try {
      for (const event of [short, long]) await intake.consume(event);
    } finally {
      spy.mockRestore();
    }
    const asked = Date.now();
    await service.resendUnsent(asked + 75_000);
    expect(await requestsFor(short.alertId)).toEqual([]);
    expect(await requestsFor(long.alertId)).toHaveLength(1); // its ring still holds it
    expect(logLines.some((l) => l.includes('its recording is gone by now') && l.includes(short.alertId))).toBe(true);
    expect(await t.app.get(EvidenceRepository).unsent(asked + 600_000, 10)).toEqual([]); // given up: not looked at again
    expect(await evidenceOf(short.alertId)).toMatchObject({ status: 'pending' }); // no_answer after the answer timeout, as before
  });

  it("refuses a result whose files are not the alert's own (another alert's clip, another camera), and applies its own", async () => {
    const victim = alertEvent({ cameraId: 'cam-a' });
    const other = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(victim);
    await intake.consume(other);
    await deliver(other.alertId, 'cam-a', Buffer.alloc(1000, 1));
    await eventually(async () => (await evidenceOf(other.alertId)).status === 'complete', 'the other alert\'s clip');
    const otherClip = `clips/cam-a/${other.alertId.replace(/[^A-Za-z0-9_.-]/g, '_')}.mp4`;
    await deliver(victim.alertId, 'cam-a', Buffer.alloc(1000, 1), { clipPath: otherClip, snapshotPath: undefined });
    await deliver(victim.alertId, 'cam-a2', Buffer.alloc(1000, 1));
    const marker = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(marker);
    await deliver(marker.alertId, 'cam-a', Buffer.alloc(10, 1));
    await eventually(async () => (await evidenceOf(marker.alertId)).status === 'complete', 'a later result (so the foreign ones were read)');
    expect(await evidenceOf(victim.alertId)).toMatchObject({ status: 'pending', clipUrl: null });
    expect((await t.app.get(EvidenceRepository).get(victim.alertId))?.camera_id).toBe('cam-a');
    expect(logLines.some((l) => l.includes('evidence result refused') && l.includes(victim.alertId) && l.includes(otherClip))).toBe(true);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/xl_api_evidence_results_refused_total\{why="clip_path"\} [1-9]/);
    expect(metrics).toMatch(/xl_api_evidence_results_refused_total\{why="camera"\} [1-9]/);
    await deliver(victim.alertId, 'cam-a', Buffer.alloc(1000, 1));
    await eventually(async () => (await evidenceOf(victim.alertId)).status === 'complete', 'its own clip');
  });

  it('says unavailable, no_answer, when nobody answered a clip request in time, and a late answer still wins', async () => {
    const event = alertEvent({ cameraId: 'cam-a3' });
    await intake.consume(event);
    const service = t.app.get(EvidenceService);
    expect(await evidenceOf(event.alertId)).toMatchObject({ status: 'pending' });
    // Within the timeout it stays pending (other tests' requests, a second or more older, may expire here).
    await service.expireUnanswered(Date.now() + 599_000);
    expect(await evidenceOf(event.alertId)).toMatchObject({ status: 'pending' });
    expect(await service.expireUnanswered(Date.now() + 601_000)).toBeGreaterThanOrEqual(1);
    expect(await evidenceOf(event.alertId)).toMatchObject({ status: 'unavailable', reason: 'no_answer', clipUrl: null });
    // The camera's ingest came back and cut it after all: its answer is later, so it replaces the mark.
    await deliver(event.alertId, 'cam-a3', Buffer.alloc(1000, 1), { at: Date.now() + 602_000 });
    await eventually(async () => (await evidenceOf(event.alertId)).status === 'complete', 'the late answer');
  });

  it('reads past result entries that are not clip results (garbled, foreign, or of a newer shape), logs them, and applies the next', async () => {
    const key = `${t.settings.redisKeyPrefix}${EVIDENCE_RESULTS_STREAM}`;
    const garbled = await t.redis.xadd(key, '*', 'json', '{"alertId":');
    const wrongShape = await t.redis.xadd(key, '*', 'json', JSON.stringify({ alertId: 'x', cameraId: 'cam-a', status: 'complete' }));
    // The last entry read is one of them: the offset still moves past it (before, it was read again at once, for ever).
    await eventually(async () => ((await t.app.get(CameraStatusRepository).streamOffset(key)) === wrongShape ? true : null), 'the offset past the entries that are not results');
    expect(logLines.some((line) => line.includes('skipping evidence result entries that are not clip results') && line.includes(garbled!))).toBe(true);
    const event = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(event);
    await deliver(event.alertId, 'cam-a', Buffer.alloc(1000, 1));
    await eventually(async () => ((await evidenceOf(event.alertId)).status === 'complete' ? true : null), 'the next result to be applied');
  });

  it('never lets an older result replace a newer clip', async () => {
    const event = alertEvent({ cameraId: 'cam-a2' });
    await intake.consume(event);
    await deliver(event.alertId, 'cam-a2', Buffer.alloc(1000, 1), { at: Date.now(), clipTo: 30_001 });
    await eventually(async () => (await evidenceOf(event.alertId)).status === 'complete', 'first result');
    await deliver(event.alertId, 'cam-a2', Buffer.alloc(1000, 1), { at: Date.now() - 60_000, status: 'truncated', reason: 'handover' });
    const marker = alertEvent({ cameraId: 'cam-a2' });
    await intake.consume(marker);
    await deliver(marker.alertId, 'cam-a2', Buffer.alloc(10, 1));
    await eventually(async () => (await evidenceOf(marker.alertId)).status === 'complete', 'a later result (so the older one was read)');
    expect(await evidenceOf(event.alertId)).toMatchObject({ status: 'complete', durationMs: 30_000 });
  });

  it('keeps the high-resolution snapshot of an earlier cut when a re-cut brings none (served, and held for retention)', async () => {
    const event = alertEvent({ cameraId: 'cam-a3' });
    await intake.consume(event);
    const at = Date.now();
    await deliver(event.alertId, 'cam-a3', Buffer.alloc(1000, 1), { at });
    await eventually(async () => (await evidenceOf(event.alertId)).status === 'complete', 'first result');
    // the re-cut's keyframe failed (ingest logs it and publishes the clip alone): the old JPEG stays on disk
    await deliver(event.alertId, 'cam-a3', Buffer.alloc(2000, 2), { at: at + 1, snapshotPath: undefined, clipTo: 40_001 });
    const view = await eventually(async () => {
      const v = await evidenceOf(event.alertId);
      return v.durationMs === 40_000 ? v : null;
    }, 'the re-cut result');
    const id = encodeURIComponent(event.alertId);
    expect(view.hiresSnapshotUrl).toBe(`/alerts/${id}/hires-snapshot`);
    expect((await t.http.get(`/alerts/${id}/hires-snapshot`).set(await auth('admin'))).status).toBe(200);
    const held = (await t.app.get(EvidenceRepository).holdings()).find((h) => h.alertId === event.alertId);
    expect(held?.snapshotPath).toBe(`snapshots/cam-a3/${event.alertId.replace(/[^A-Za-z0-9_.-]/g, '_')}.jpg`);
    // a later snapshot replaces it as before (also after a re-cut without one)
    await deliver(event.alertId, 'cam-a3', Buffer.alloc(2000, 2), { at: at + 2, snapshotPath: undefined, clipTo: 50_001 });
    await eventually(async () => (await evidenceOf(event.alertId)).durationMs === 50_000, 'the second re-cut');
    await deliver(event.alertId, 'cam-a3', Buffer.alloc(2000, 2), { at: at + 3 });
    await eventually(async () => (await t.app.get(EvidenceRepository).get(event.alertId))?.snapshot_path === held?.snapshotPath, 'the newer snapshot');
  });

  it('retention: deletes by outcome, then the oldest resolved over the budget, never an unresolved alert', async () => {
    const admin = await auth('admin');
    const resolveAs = async (alertId: string, outcome: string) => {
      const id = encodeURIComponent(alertId);
      expect((await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({})).status).toBe(200);
      expect((await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome })).status).toBe(200);
    };
    const make = async (cameraId: string, startedAt: number, bytes: number) => {
      const event = alertEvent({ cameraId, startedAt, severity: 'major' });
      await intake.consume(event);
      await deliver(event.alertId, cameraId, Buffer.alloc(bytes, 3));
      await eventually(async () => (await evidenceOf(event.alertId)).status === 'complete', `evidence of ${event.alertId}`);
      return event.alertId;
    };
    const base = 1_700_000_000_000;
    const falseAlarm = await make('cam-b', base + 1, 10_000);
    const oldTrue = await make('cam-b', base + 2, 2 * MB);
    const newTrue = await make('cam-b', base + 4, 1 * MB);
    const stillOpen = await make('cam-b', base + 3, 2 * MB); // old and big, but nobody closed it
    await resolveAs(falseAlarm, 'false_alarm');
    await resolveAs(oldTrue, 'true_alarm');
    await resolveAs(newTrue, 'true_alarm');
    const fileOf = (alertId: string) => path.join(evidenceDir, 'clips', 'cam-b', `${alertId.replace(/[^A-Za-z0-9_.-]/g, '_')}.mp4`);

    const decisions = await t.app.get(EvidenceRetentionService).sweep();
    const ours = decisions.filter((d) => [falseAlarm, oldTrue, newTrue, stillOpen].includes(d.alertId));
    expect(ours).toEqual([
      { alertId: falseAlarm, why: 'expired' },
      { alertId: oldTrue, why: 'disk_budget' },
    ]);
    expect(existsSync(fileOf(falseAlarm))).toBe(false);
    expect(existsSync(fileOf(oldTrue))).toBe(false);
    expect(existsSync(fileOf(newTrue))).toBe(true);
    expect(existsSync(fileOf(stillOpen))).toBe(true);
    expect(await evidenceOf(oldTrue)).toMatchObject({ status: 'deleted', clipUrl: null });
    expect((await t.http.get(`/alerts/${encodeURIComponent(oldTrue)}/clip`).set(admin)).status).toBe(404);
    expect(await evidenceOf(stillOpen)).toMatchObject({ status: 'complete' });
  });
});

/** supertest parser that keeps the body as bytes. */
function binary(res: { on(event: string, listener: (chunk?: Buffer) => void): void }, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c) => chunks.push(c!));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
