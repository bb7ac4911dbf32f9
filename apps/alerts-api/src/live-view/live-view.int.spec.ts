import '../testing/nest-esm';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Response as SuperagentResponse } from 'superagent';
import WebSocket from 'ws';
import { CAMERA_STATUS_STREAM, redisKeys } from '@xl/contracts';
import { CameraSimulator, childrenNamed, describeWithShared, isAlive, requireShared } from '@xl/testing';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';

// The console's API side against real processes: a simulated RTSP camera (with a password), ffmpeg
// for the latest frame and the live view (node-rtsp-stream), the app listening on a real port.

jest.setTimeout(60_000);
const CLIP = 'media/clips/drowning_sub.mp4';
const PASSWORD = 'Cam-Secret-9';

describeWithShared([CLIP])('camera pictures and the console on the API origin', () => {
  const simulator = new CameraSimulator({ loopSeconds: 60 });
  const consoleDir = mkdtempSync(path.join(tmpdir(), 'xl-console-dist-'));
  let t: TestApp;
  let base: string;
  let auth: (user: string) => Promise<Record<string, string>>;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    mkdirSync(path.join(consoleDir, 'assets'));
    writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(consoleDir, 'assets', 'app-1.js'), 'console.log(1)');
    // One camera per caller (not the default 4), so that the caller's own bound is reached with one simulated camera.
    Object.assign(process.env, { CONSOLE_DIR: consoleDir, XL_LIVE_IDLE_STOP_MS: '300', XL_FRAME_TTL_MS: '20000', XL_LIVE_RECHECK_MS: '1000', XL_LIVE_MAX_STREAMS_PER_CALLER: '1' });
    const [cam] = await simulator.start([{ id: 'pond', clip: requireShared(CLIP), credentials: { user: 'admin', password: PASSWORD } }]);
    t = await startTestApp('sqlite');
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    base = `127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    auth = async (user) => ({ Authorization: `Bearer ${await t.token(user)}` });
    const admin = await auth('admin');
    for (const r of [{ id: 'city', name: 'City', level: 'city' }, { id: 'vil-a', name: 'A', level: 'village', parentId: 'city' }, { id: 'vil-b', name: 'B', level: 'village', parentId: 'city' }]) {
      expect((await t.http.post('/regions').set(admin).send(r)).status).toBe(201);
    }
    expect((await t.http.post('/cameras').set(admin).send({ id: 'pond', url: cam.url, regionId: 'vil-a' })).status).toBe(201);
    for (const u of [{ username: 'school', role: 'school', cameraIds: ['pond'] }, { username: 'op-b', role: 'operator', regionIds: ['vil-b'] }, { username: 'op-a', role: 'operator', regionIds: ['vil-a'] }]) {
      expect((await t.http.post('/users').set(admin).send({ ...u, password: `${u.username}-password` })).status).toBe(201);
    }
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await t?.close();
    await simulator.stopAll();
    rmSync(consoleDir, { recursive: true, force: true });
    for (const name of ['CONSOLE_DIR', 'XL_LIVE_IDLE_STOP_MS', 'XL_FRAME_TTL_MS', 'XL_LIVE_RECHECK_MS', 'XL_LIVE_MAX_STREAMS_PER_CALLER']) delete process.env[name];
  });

  const transcoders = () => childrenNamed(process.pid, 'ffmpeg').filter((p) => p.argv.includes('mpeg1video'));

  it("serves the camera's latest frame as a JPEG to viewers in scope, once per TTL, and 404 outside it", async () => {
    const started = Date.now();
    const res = await t.http.get('/cameras/pond/frame').set(await auth('school')).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(res.body as Buffer).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeGreaterThanOrEqual(320);
    console.log(`latest frame: ${meta.width}x${meta.height}, ${(res.body as Buffer).length} bytes, grabbed in ${Date.now() - started} ms`);
    expect((await t.http.get('/cameras/pond/frame').set(await auth('op-a'))).status).toBe(200);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/xl_frame_grabs_total\{result="grabbed"\} 1\b/);
    expect(metrics).toMatch(/xl_frame_grabs_total\{result="cached"\} 1\b/);
    expect((await t.http.get('/cameras/pond/frame').set(await auth('op-b'))).status).toBe(404);
    expect((await t.http.get('/cameras/pond/frame')).status).toBe(401);
  });

  it("serves the analyzer's picture while one is fresh, without a grab, and the camera's own with source=camera", async () => {
    const key = t.settings.redisKeyPrefix + redisKeys.latestFrame('pond');
    const analysed = await sharp({ create: { width: 416, height: 234, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg().toBuffer();
    await t.redis.set(key, analysed, 'PX', 20_000);
    // As the analyzer stores it: the frame's capture time next to the picture.
    const atKey = t.settings.redisKeyPrefix + redisKeys.latestFrameAt('pond');
    const capturedAt = Date.now() - 7000;
    await t.redis.set(atKey, String(capturedAt), 'PX', 20_000);
    const jpeg = (r: SuperagentResponse, cb: (err: Error | null, body: Buffer) => void) => {
      const chunks: Buffer[] = [];
      const stream = r as unknown as NodeJS.ReadableStream; // in Node, superagent hands the parser the response stream
      stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => cb(null, Buffer.concat(chunks)));
    };
    try {
      const wall = await t.http.get('/cameras/pond/frame').set(await auth('op-a')).buffer(true).parse(jpeg);
      expect(wall.status).toBe(200);
      expect(wall.headers['x-picture-source']).toBe('analysed');
      expect(wall.headers['x-picture-taken-at']).toBe(String(capturedAt)); // 7 s old: the console says so
      expect(Buffer.compare(wall.body as Buffer, analysed)).toBe(0);
      const editor = await t.http.get('/cameras/pond/frame?source=camera').set(await auth('op-a')).buffer(true).parse(jpeg);
      expect(editor.status).toBe(200);
      expect(editor.headers['x-picture-source']).toBe('camera');
      expect(Number(editor.headers['x-picture-taken-at'])).toBeGreaterThan(capturedAt);
      expect((await sharp(editor.body as Buffer).metadata()).width).toBeGreaterThanOrEqual(320); // the stream, not the 416 px picture
      expect((await t.http.get('/cameras/pond/frame?source=ffmpeg').set(await auth('op-a'))).status).toBe(400);
      expect((await t.http.get('/cameras/pond/frame').set(await auth('op-b'))).status).toBe(404); // scope first, as before
      const metrics = (await t.http.get('/metrics')).text;
      expect(metrics).toMatch(/xl_frame_grabs_total\{result="analysed"\} 1\b/);
      expect(metrics).toMatch(/xl_frame_grabs_total\{result="grabbed"\} 1\b/); // still the first test's one grab
    } finally {
      await t.redis.del(key, atKey);
    }
  });

  it('says which camera gave no picture and why, without its password', async () => {
    const admin = await auth('admin');
    await t.http.post('/cameras').set(admin).send({ id: 'dead', url: `rtsp://admin:${PASSWORD}@127.0.0.1:9/x`, regionId: 'vil-a' }).expect(201);
    const res = await t.http.get('/cameras/dead/frame').set(admin);
    expect(res.status).toBe(404);
    expect(res.body.message).toMatch(/^camera 'dead' gave no picture: .*Connection refused/);
    expect(res.body.reason).toBe('refused'); // as ingest names it, for the console to translate
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    const again = await t.http.get('/cameras/dead/frame').set(admin); // remembered: no second ffmpeg
    expect(again.body).toEqual(res.body);
    expect((await t.http.get('/metrics')).text).toMatch(/xl_frame_grabs_total\{result="failed"\} 1\b/);
  });

  /** The handshake's HTTP status: 101 when let in (the socket is kept, closed after the suite). */
  const handshakeStatus = (url: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      sockets.push(ws);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });

  // As the console's player connects: the token among the offered subprotocols, not in the URL.
  const watch = async (user: string, camera = 'pond') => {
    const ws = new WebSocket(`ws://${base}/live/${camera}`, ['xl.v1', `xl.bearer.${await t.token(user)}`]);
    sockets.push(ws);
    const bytes: Buffer[] = [];
    ws.on('message', (data: Buffer) => bytes.push(data));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(ws.protocol).toBe('xl.v1'); // a browser drops a socket whose answer names none of its offers
    return { ws, bytes };
  };

  it('starts one ffmpeg for the first live viewer, shares it, and stops it after the last leaves', async () => {
    expect(transcoders()).toEqual([]);
    const first = await watch('school');
    const [ffmpeg] = await eventually(async () => (transcoders().length ? transcoders() : null), 'the transcoder', 5000);
    const input = ffmpeg.argv.indexOf('-i');
    expect(ffmpeg.argv[input + 1]).toBe(`rtsp://admin:${PASSWORD}@127.0.0.1:${new URL(simulator.camera('pond').url).port}/pond`);
    expect(ffmpeg.argv.slice(1, input)).toEqual(['-rtsp_transport', 'tcp', '-protocol_whitelist', 'tcp,tls', '-fpsprobesize', '0']); // from the launcher script
    await eventually(async () => first.bytes.length > 10, 'MPEG-TS from the transcoder', 15_000);
    const ts = Buffer.concat(first.bytes);
    expect(ts[0]).toBe(0x47); // MPEG-TS sync byte: what JSMpeg demuxes
    const second = await watch('op-a');
    await eventually(async () => second.bytes.length > 0, 'bytes for the second viewer', 10_000);
    expect(transcoders().map((p) => p.pid)).toEqual([ffmpeg.pid]);
    first.ws.close();
    await new Promise((r) => setTimeout(r, 600));
    expect(isAlive(ffmpeg.pid)).toBe(true); // one viewer left
    second.ws.close();
    await eventually(async () => !isAlive(ffmpeg.pid), 'the transcoder to stop after the last viewer', 5000);
    expect(transcoders()).toEqual([]);
  });

  it("gives the camera's stream back to analysis when ingest reports it refused as busy, and starts no live view until analysis has it", async () => {
    const statusKey = `${t.settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`;
    const report = (event: Record<string, unknown>) => t.redis.xadd(statusKey, '*', 'event', JSON.stringify({ cameraId: 'pond', at: Date.now(), ingestId: 'ingest-1', ...event }));
    const handshake = (user: string) =>
      new Promise<{ status: number; body: string }>((resolve) => {
        void t.token(user).then((token) => {
          const ws = new WebSocket(`ws://${base}/live/pond?token=${token}`);
          ws.on('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          ws.on('open', () => (ws.close(), resolve({ status: 101, body: '' })));
          ws.on('error', () => undefined);
        });
      });
    const viewer = await watch('op-a');
    const [ffmpeg] = await eventually(async () => (transcoders().length ? transcoders() : null), 'the transcoder', 5000);
    const closed = new Promise<[number, string]>((resolve) => viewer.ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    await report({ status: 'offline', reason: 'busy', detail: 'method SETUP failed: 503 Service Unavailable' });
    expect(await closed).toEqual([1011, "camera 'pond' has no stream left for analysis: live view stopped so that analysis gets one"]);
    await eventually(async () => !isAlive(ffmpeg.pid), 'the transcoder to stop', 5000);
    const refused = await handshake('op-a');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/serves no more streams and its analysis is waiting for one/);
    expect(transcoders()).toEqual([]);
    await report({ status: 'recovered' });
    await eventually(async () => ((await handshake('op-a')).status === 101 ? true : null), 'a live view once analysis has its stream', 5000);
    await eventually(async () => (transcoders().length === 0 ? true : null), 'the last transcoder to stop (idle)', 5000);
  });

  it('stops the live view opened while the camera was disabled once, enabled again, it refuses analysis as busy although the old refusal was still remembered', async () => {
    const admin = await auth('admin');
    // Not 'pond': a school's camera cannot be disabled. Same simulated camera, another id.
    await t.http.post('/cameras').set(admin).send({ id: 'pond-4', url: simulator.camera('pond').url, regionId: 'vil-a' }).expect(201);
    const statusKey = `${t.settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`;
    const report = (event: Record<string, unknown>) => t.redis.xadd(statusKey, '*', 'event', JSON.stringify({ cameraId: 'pond-4', at: Date.now(), ingestId: 'ingest-1', ...event }));
    const busy = { status: 'offline', reason: 'busy', detail: 'method SETUP failed: 503 Service Unavailable' };
    await eventually(async () => (transcoders().length === 0 ? true : null), 'earlier transcoders to stop', 5000);
    try {
      await report(busy); // 1. the NVR and a vendor app hold the camera's streams
      await t.http.patch('/cameras/pond-4').set(admin).send({ enabled: false }).expect(200); // 2. disabled to look at it
      const wall = await eventually(async () => watch('op-a', 'pond-4').catch(() => null), 'a live view of the disabled camera', 5000);
      const closed = new Promise<number>((resolve) => wall.ws.once('close', (code) => resolve(code)));
      const [ffmpeg] = await eventually(async () => (transcoders().length ? transcoders() : null), 'the transcoder', 5000);
      await t.http.patch('/cameras/pond-4').set(admin).send({ enabled: true }).expect(200); // 3. enabled again with the tile open
      await report(busy); // ingest's new reader refused (NVR + live view): its one report of this outage
      expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000))])).toBe(1011); // before: open for as long as it was watched
      await eventually(async () => !isAlive(ffmpeg.pid), 'the transcoder to stop', 5000);
    } finally {
      await report({ status: 'recovered' });
      await t.http.delete('/cameras/pond-4').set(admin);
    }
  });

  it('grabs no picture of a camera whose analysis waits for a stream, and grabs again once analysis has it', async () => {
    const admin = await auth('admin');
    await t.http.post('/cameras').set(admin).send({ id: 'pond-2', url: simulator.camera('pond').url, regionId: 'vil-a' }).expect(201);
    const statusKey = `${t.settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`;
    const report = (event: Record<string, unknown>) => t.redis.xadd(statusKey, '*', 'event', JSON.stringify({ cameraId: 'pond-2', at: Date.now(), ingestId: 'ingest-1', ...event }));
    const grabsSkipped = async () => Number(/xl_frame_grabs_total\{result="skipped_for_analysis"\} (\d+)/.exec((await t.http.get('/metrics')).text)?.[1] ?? 0);
    await report({ status: 'offline', reason: 'busy', detail: 'method SETUP failed: 503 Service Unavailable' });
    const refused = await eventually(async () => {
      const res = await t.http.get('/cameras/pond-2/frame?source=camera').set(admin);
      return res.body.reason === 'busy' ? res : null;
    }, 'the grab to step aside', 5000);
    expect(refused.status).toBe(404);
    expect(refused.body.message).toBe("camera 'pond-2' has no stream left for analysis: no picture grabbed, so that analysis gets one");
    expect(await grabsSkipped()).toBeGreaterThanOrEqual(1);
    await report({ status: 'recovered' });
    const back = await eventually(async () => {
      const res = await t.http.get('/cameras/pond-2/frame?source=camera').set(admin);
      return res.status === 200 ? res : null;
    }, 'a grab once analysis has its stream', 15_000);
    expect(back.headers['content-type']).toBe('image/jpeg');
  });

  it('answers GET /cameras/:id/live as the handshake would: available, 429 past the caller\'s own bound, 503 while analysis waits, 404 out of scope', async () => {
    const admin = await auth('admin');
    const opA = await auth('op-a');
    // Same simulated camera under another id: a second camera for op-a.
    await t.http.post('/cameras').set(admin).send({ id: 'pond-5', url: simulator.camera('pond').url, regionId: 'vil-a' }).expect(201);
    expect((await t.http.get('/cameras/pond/live').set(opA).expect(200)).body).toEqual({ available: true });
    expect((await t.http.get('/cameras/pond/live').set(await auth('op-b'))).status).toBe(404);
    expect((await t.http.get('/cameras/pond/live')).status).toBe(401);
    const viewer = await watch('op-a');
    expect((await t.http.get('/cameras/pond/live').set(opA)).body).toEqual({ available: true }); // a second tab of it
    const own = await t.http.get('/cameras/pond-5/live').set(opA).expect(200);
    expect(own.headers['cache-control']).toBe('no-store');
    expect(own.body).toEqual({ available: false, status: 429, reason: expect.stringMatching(/already watching 1 cameras live.*XL_LIVE_MAX_STREAMS_PER_CALLER=1/) });
    expect(await handshakeStatus(`ws://${base}/live/pond-5?token=${await t.token('op-a')}`)).toBe(429); // what the handshake answers too
    expect((await t.http.get('/cameras/pond-5/live').set(admin)).body).toEqual({ available: true }); // another caller
    const statusKey = `${t.settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`;
    const report = (event: Record<string, unknown>) => t.redis.xadd(statusKey, '*', 'event', JSON.stringify({ cameraId: 'pond-5', at: Date.now(), ingestId: 'ingest-1', ...event }));
    try {
      await report({ status: 'offline', reason: 'busy', detail: 'method SETUP failed: 503 Service Unavailable' });
      const busy = await eventually(async () => {
        const res = await t.http.get('/cameras/pond-5/live').set(admin);
        return res.body.available === false ? res.body : null;
      }, 'the analysis refusal to be seen', 5000);
      expect(busy).toEqual({ available: false, status: 503, reason: expect.stringMatching(/serves no more streams and its analysis is waiting/) });
      expect(JSON.stringify([own.body, busy])).not.toContain(PASSWORD);
    } finally {
      await report({ status: 'recovered' });
      viewer.ws.close();
    }
    await eventually(async () => ((await t.http.get('/cameras/pond-5/live').set(opA)).body.available === true ? true : null), 'op-a to be let in once its viewer left', 5000);
    await eventually(async () => (transcoders().length === 0 ? true : null), 'the transcoder to stop (idle)', 5000);
  });

  it('refuses live viewers without a credential (401) or outside their scope (404) before the upgrade', async () => {
    expect(await handshakeStatus(`ws://${base}/live/pond`)).toBe(401);
    expect(await handshakeStatus(`ws://${base}/live/pond?token=${await t.token('op-b')}`)).toBe(404);
    expect(await handshakeStatus(`ws://${base}/live/nope?token=${await t.token('admin')}`)).toBe(404);
    expect(await handshakeStatus(`ws://${base}/elsewhere?token=${await t.token('admin')}`)).toBe(404); // refused, not left hanging
    expect(transcoders()).toEqual([]);
  });

  it('closes a live viewer whose scope no longer holds the camera (4404) within a re-check period', async () => {
    const admin = await auth('admin');
    const users = (await t.http.get('/users').set(admin)).body.items as { id: string; username: string }[];
    const opA = users.find((u) => u.username === 'op-a')!;
    const viewer = await watch('op-a');
    const closed = new Promise<number>((resolve) => viewer.ws.once('close', (code) => resolve(code)));
    await eventually(async () => viewer.bytes.length > 0, 'bytes for the viewer', 15_000);
    await t.http.patch(`/users/${opA.id}`).set(admin).send({ regionIds: ['vil-b'] }).expect(200);
    try {
      expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open'), 5000))])).toBe(4404);
    } finally {
      await t.http.patch(`/users/${opA.id}`).set(admin).send({ regionIds: ['vil-a'] }).expect(200);
    }
  });

  it.each([
    { viewers: ['op-a'], simId: 'pond-right', what: "a live viewer to the camera's corrected address within a re-check period, on the same socket, and stops the old ffmpeg" },
    { viewers: ['op-a', 'school'], simId: 'pond-right-2', what: 'every live viewer of a camera to its corrected address on their own sockets: one new ffmpeg, the old one stopped, nobody closed' },
  ])('moves $what', async ({ viewers: users, simId }) => {
    const admin = await auth('admin');
    const [right] = await simulator.start([{ id: simId, clip: requireShared(CLIP), credentials: { user: 'admin', password: PASSWORD } }]);
    const wrongUrl = simulator.camera('pond').url;
    await eventually(async () => (transcoders().length === 0 ? true : null), 'earlier transcoders to stop', 5000);
    const viewers: Awaited<ReturnType<typeof watch>>[] = [];
    for (const user of users) viewers.push(await watch(user));
    const closedWith: (number | undefined)[] = viewers.map(() => undefined);
    viewers.forEach((v, i) => v.ws.once('close', (code) => (closedWith[i] = code)));
    const [old] = await eventually(async () => (transcoders().length ? transcoders() : null), 'the transcoder', 5000);
    expect(old.argv).toContain(wrongUrl);
    await eventually(async () => viewers.every((v) => v.bytes.length > 0), 'bytes from the first address for every viewer', 15_000);
    await t.http.patch('/cameras/pond').set(admin).send({ url: right.url }).expect(200);
    try {
      const [moved] = await eventually(async () => {
        const reading = transcoders().filter((p) => p.argv.includes(right.url));
        return reading.length ? reading : null;
      }, 'a transcoder reading the corrected address (XL_LIVE_RECHECK_MS=1000)', 5000);
      await eventually(async () => !isAlive(old.pid), 'the old transcoder to stop', 5000);
      const before = viewers.map((v) => v.bytes.length);
      await eventually(async () => viewers.every((v, i) => v.bytes.length > before[i]), 'bytes from the corrected address on every socket', 15_000);
      expect(closedWith).toEqual(users.map(() => undefined));
      expect(transcoders().map((p) => p.pid)).toEqual([moved.pid]);
    } finally {
      await t.http.patch('/cameras/pond').set(admin).send({ url: wrongUrl }).expect(200);
      for (const v of viewers) v.ws.close();
      await simulator.stop(simId);
    }
  });

  it('records a school\'s "seen" as a transition that keeps the state', async () => {
    const event = alertEvent({ cameraId: 'pond', rule: 'vanish_in_water', severity: 'critical' });
    await t.app.get(AlertIntakeService).consume(event);
    const id = event.alertId;
    const seen = await t.http.post(`/alerts/${encodeURIComponent(id)}/seen`).set(await auth('school')).send({ note: 'teacher on duty' });
    expect(seen.status).toBe(200);
    expect(seen.body.state).toBe('open');
    expect(seen.body.transitions.at(-1)).toMatchObject({ action: 'seen', from: 'open', to: 'open', actor: { name: 'school' }, note: 'teacher on duty' });
    expect((await t.http.post(`/alerts/${encodeURIComponent(id)}/seen`).set(await auth('op-a')).send({})).status).toBe(403);
  });

  it('serves the console under /console with a fallback that leaves the API alone', async () => {
    expect((await t.http.get('/')).headers.location).toBe('/console/');
    const index = await t.http.get('/console/');
    expect([index.status, index.headers['cache-control']]).toEqual([200, 'no-cache']);
    expect(index.text).toContain('<title>console</title>');
    expect((await t.http.get('/console/alerts/some-id')).text).toContain('<title>console</title>');
    const asset = await t.http.get('/console/assets/app-1.js');
    expect([asset.status, asset.headers['cache-control']]).toEqual([200, 'public, max-age=31536000, immutable']);
    expect((await t.http.get('/console/assets/missing.js')).status).toBe(404);
    expect((await t.http.get('/console/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await t.http.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.http.get('/alerts')).status).toBe(401);
  });
});
