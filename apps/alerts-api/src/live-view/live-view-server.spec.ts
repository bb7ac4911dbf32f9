import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { createLogger } from '@xl/observability';
import type { Principal } from '../shared/principal';
import { LiveViewHub } from './live-view-hub';
import { LiveViewServer } from './live-view-server';
import { LiveViewMetrics } from './live-view.metrics';
import { liveViewOptionsSchema } from './live-view.options';
import { FakeLauncher } from './fake-live-source';

// The live view endpoint on a real HTTP server with real ws clients; only ffmpeg is faked.

const operator: Principal = { kind: 'user', id: 'u1', name: 'op-a', role: 'operator', regionIds: ['vil-a'], cameraIds: [], waters: [] };
const school: Principal = { kind: 'user', id: 'u2', name: 'school', role: 'school', regionIds: [], cameraIds: ['pond'], waters: [] };
/** Who each token is. */
const principals: Record<string, Principal> = { good: operator, school };

async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LiveViewServer (real ws, fake ffmpeg)', () => {
  let http: Server;
  let server: LiveViewServer;
  let hub: LiveViewHub;
  let launcher: FakeLauncher;
  /** What the camera lookup answers now: the camera's current address. */
  let cameraUrl: string;
  /** Principals the lookup no longer finds the camera for (out of their scope). */
  let outOfScope: Set<string>;
  /** Principals whose lookup throws (the database away). */
  let lookupFails: Set<string>;
  /** What the lookup answered, as `<principal> <url>`. */
  let lookups: string[];
  /** Whether the lookup finds the camera enabled (analysed). */
  let analysed: boolean;
  /** Cameras whose analysis waits for a stream (AnalysisStreams' answer). */
  let waiting: Set<string>;
  const clients: WebSocket[] = [];

  const start = async ({
    pingMs,
    reverifyMs = 60_000,
    idleStopMs = 200,
    maxStreamsPerCaller,
  }: {
    pingMs?: number;
    reverifyMs?: number;
    idleStopMs?: number;
    maxStreamsPerCaller?: number;
  }) => {
    launcher = new FakeLauncher();
    const options = liveViewOptionsSchema.parse({ idleStopMs, maxStreamsPerCaller });
    hub = new LiveViewHub(launcher, options, new LiveViewMetrics(new Registry()), createLogger('test', 'silent'), { isWaiting: (id) => waiting.has(id) });
    server = new LiveViewServer({
      hub,
      verifier: { verify: async (token) => principals[token] ?? null },
      cameras: {
        stream: async (p) => {
          if (lookupFails.has(p.name)) throw new Error('connection terminated unexpectedly');
          const url = outOfScope.has(p.name) ? null : cameraUrl;
          lookups.push(`${p.name} ${url}`);
          return url ? { url, analysed } : null;
        },
      },
      path: '/live',
      reverifyMs,
      pingMs,
      logger: createLogger('test', 'silent'),
    });
    http = createServer();
    server.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  };

  const watch = async (options: WebSocket.ClientOptions = {}, token = 'good', cameraId = 'pond') => {
    const { port } = http.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/live/${cameraId}?token=${token}`, options);
    clients.push(ws);
    const received: string[] = [];
    ws.on('message', (data: Buffer) => received.push(data.toString()));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return { ws, received, closed };
  };

  beforeEach(() => {
    cameraUrl = 'rtsp://10.0.0.7/sub';
    outOfScope = new Set();
    lookupFails = new Set();
    lookups = [];
    analysed = true;
    waiting = new Set();
  });

  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await server?.close();
    await new Promise((resolve) => http?.close(resolve));
  });

  /** The handshake's answer when it is refused: status and body. */
  const refusedWith = (token: string, cameraId: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { port } = http.address() as { port: number };
      const ws = new WebSocket(`ws://127.0.0.1:${port}/live/${cameraId}?token=${token}`);
      clients.push(ws);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error(`${token} was let in to ${cameraId}`)));
      ws.on('error', () => undefined);
    });

  it('refuses a caller a camera beyond maxStreamsPerCaller with 429 naming the bound, and lets it in once it closed one; other callers are not held to its count', async () => {
    await start({ maxStreamsPerCaller: 2 });
    await watch({}, 'good', 'pond');
    const dam = await watch({}, 'good', 'dam');
    await watch({}, 'good', 'pond'); // a second tab of a camera it watches
    const refused = await refusedWith('good', 'canal');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).message).toMatch(/already watching 2 cameras live.*XL_LIVE_MAX_STREAMS_PER_CALLER=2.*close one first/);
    await watch({}, 'school', 'canal'); // the school is another caller
    dam.ws.close();
    await waitFor(() => hub.active().find((s) => s.cameraId === 'dam')?.viewers === 0, 'the hub to see the dam viewer leave');
    await watch({}, 'good', 'canal');
    expect(launcher.started).toHaveLength(3); // pond, dam, canal: one transcoder each
  });

  it('terminates a viewer that answers no pings (console asleep, network gone), frees its slot and stops ffmpeg after idleStopMs', async () => {
    await start({ pingMs: 100, idleStopMs: 200 });
    const ghost = await watch({ autoPong: false });
    const awake = await watch(); // a browser answers pings by itself
    expect(hub.active()).toEqual([{ cameraId: 'pond', viewers: 2, pid: 1000 }]);
    expect(await Promise.race([ghost.closed, new Promise((r) => setTimeout(() => r('still open after 1 s'), 1000))])).toBe(1006); // terminated, no close frame
    await waitFor(() => hub.active()[0]?.viewers === 1, 'the server to take the ghost out of the hub (hub.leave)');
    expect(awake.ws.readyState).toBe(WebSocket.OPEN);
    awake.ws.close();
    await waitFor(() => launcher.started[0].stopped === 1, 'ffmpeg to stop idleStopMs after the last viewer left');
    expect(launcher.started).toHaveLength(1);
  });

  it("gives the stream back to analysis at the re-check when the camera, enabled again, finds its analysis waiting (a refusal this instance missed)", async () => {
    await start({ reverifyMs: 100 });
    analysed = false; // disabled: watched although its last refusal is remembered
    waiting.add('pond');
    const wall = await watch();
    const [transcoder] = launcher.started;
    await new Promise((r) => setTimeout(r, 300)); // disabled: the re-checks keep it
    expect([wall.ws.readyState, transcoder.stopped]).toEqual([WebSocket.OPEN, 0]);
    analysed = true; // enabled again; ingest refused as busy, and this instance missed the report
    cameraUrl = 'rtsp://10.0.0.8/sub'; // and its address edited: no transcoder on the new one either
    expect(await Promise.race([wall.closed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2000).unref())])).toBe(1011); // before: open for as long as it was watched
    expect(transcoder.stopped).toBe(1);
    expect(launcher.started).toHaveLength(1);
    expect(hub.refusal('pond', true)).toMatch(/analysis is waiting/);
  });

  it("moves a viewer to the camera's new address at the next re-check, on the same socket, and stops the old ffmpeg", async () => {
    await start({ reverifyMs: 100 });
    const viewer = await watch();
    const [wrong] = launcher.started;
    expect(wrong.url).toBe('rtsp://10.0.0.7/sub');
    wrong.handlers.data(Buffer.from('wrong pond'));
    await waitFor(() => viewer.received.length === 1, 'the first stream to reach the viewer');
    cameraUrl = 'rtsp://10.0.0.8/sub'; // an admin corrected the camera's address
    const right = await waitFor(() => launcher.started[1], 'a transcoder on the new address', 2000);
    expect(right.url).toBe('rtsp://10.0.0.8/sub');
    expect(wrong.stopped).toBe(1);
    right.handlers.data(Buffer.from('right pond'));
    await waitFor(() => viewer.received.length === 2, 'the new stream to reach the viewer');
    expect(viewer.received).toEqual(['wrong pond', 'right pond']);
    expect(viewer.ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.active()).toEqual([{ cameraId: 'pond', viewers: 1, pid: 1001 }]);
    await new Promise((r) => setTimeout(r, 300)); // more re-checks with the same address: nothing restarts
    expect(launcher.started).toHaveLength(2);
    expect(right.stopped).toBe(0);
  });

  it("moves every viewer of the camera to its new address when the first re-check sees it: all stay open and get the new stream, one new ffmpeg", async () => {
    await start({ reverifyMs: 100 });
    const viewers = [await watch(), await watch({}, 'school')];
    const [wrong] = launcher.started;
    wrong.handlers.data(Buffer.from('wrong pond'));
    await waitFor(() => viewers.every((v) => v.received.length === 1), 'the first stream to reach both viewers');
    cameraUrl = 'rtsp://10.0.0.8/sub'; // an admin corrected the camera's address
    const right = await waitFor(() => launcher.started[1], 'a transcoder on the new address', 2000);
    await waitFor(() => lookups.includes('op-a rtsp://10.0.0.8/sub') && lookups.includes('school rtsp://10.0.0.8/sub'), "both viewers' re-checks to see the new address");
    await new Promise((r) => setImmediate(r)); // and act on it (what follows a lookup runs in microtasks)
    expect(launcher.started.map((s) => [s.url, s.stopped])).toEqual([
      ['rtsp://10.0.0.7/sub', 1],
      ['rtsp://10.0.0.8/sub', 0],
    ]);
    right.handlers.data(Buffer.from('right pond'));
    await waitFor(() => viewers.every((v) => v.received.length === 2) || viewers.some((v) => v.ws.readyState !== WebSocket.OPEN), 'the new stream to reach both viewers, or one to close');
    expect(viewers.map((v) => [v.ws.readyState, v.received])).toEqual([
      [WebSocket.OPEN, ['wrong pond', 'right pond']],
      [WebSocket.OPEN, ['wrong pond', 'right pond']],
    ]);
    expect(hub.active()).toEqual([{ cameraId: 'pond', viewers: 2, pid: 1001 }]);
  });

  it("checks the viewers of a user or key announced changed at once, and only theirs: one out of scope gets 4404", async () => {
    await start({ reverifyMs: 60_000 }); // no periodic re-check during the test
    const operatorView = await watch();
    const schoolView = await watch({}, 'school');
    outOfScope.add('school').add('op-a'); // both lost the camera; only the school is announced
    lookups = [];
    server.recheckPrincipal({ kind: 'user', id: school.id });
    expect(await Promise.race([schoolView.closed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2000).unref())])).toBe(4404);
    expect(lookups).toEqual(['school null']);
    expect(operatorView.ws.readyState).toBe(WebSocket.OPEN); // its own announcement, or its period, closes it
    server.recheckPrincipal({ kind: 'api_key', id: operator.id }); // the same id under another kind is another principal
    await new Promise((r) => setTimeout(r, 200));
    expect([operatorView.ws.readyState, lookups]).toEqual([WebSocket.OPEN, ['school null']]);
  });

  it("checks the moved viewers' scope at once when a new viewer brings the camera's new address: one out of scope gets 4404, the others stay on the new stream", async () => {
    await start({ reverifyMs: 60_000 }); // no periodic re-check during the test: only the one at the switch
    const stays = await watch();
    const loses = await watch({}, 'school');
    const [wrong] = launcher.started;
    // The camera was deleted and created again under its id elsewhere: the school no longer holds it.
    cameraUrl = 'rtsp://10.0.0.8/sub';
    outOfScope.add('school');
    const joins = await watch();
    expect(await Promise.race([loses.closed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2000).unref())])).toBe(4404);
    expect(wrong.stopped).toBe(1);
    expect(launcher.started.map((s) => s.url)).toEqual(['rtsp://10.0.0.7/sub', 'rtsp://10.0.0.8/sub']);
    launcher.started[1].handlers.data(Buffer.from('new pond'));
    await waitFor(() => stays.received.length === 1 && joins.received.length === 1, 'the new stream to reach the viewers in scope');
    expect(stays.ws.readyState).toBe(WebSocket.OPEN);
    expect(loses.received).toEqual([]);
    await waitFor(() => hub.active()[0]?.viewers === 2, 'the server to take the 4404 viewer out of the hub');
  });

  it('closes a viewer whose check fails after its user is announced changed (1011); a failing periodic check keeps it', async () => {
    await start({ reverifyMs: 100 });
    const operatorView = await watch();
    const schoolView = await watch({}, 'school');
    lookupFails.add('op-a').add('school'); // the database away from here on
    await new Promise((r) => setTimeout(r, 350)); // three periodic checks failed
    expect([operatorView.ws.readyState, schoolView.ws.readyState]).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    const schoolClosed = new Promise<[number, string]>((resolve) => schoolView.ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    server.recheckPrincipal({ kind: 'user', id: school.id }); // e.g. its scope narrowed: the check cannot tell whether it still holds the pond
    expect(await Promise.race([schoolClosed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2000).unref())])).toEqual([
      1011,
      'could not check your access after a change: the live view reconnects',
    ]);
    expect(operatorView.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("closes the moved viewers whose check fails when a new viewer brings the camera's new address", async () => {
    await start({ reverifyMs: 60_000 });
    const moved = await watch({}, 'school');
    cameraUrl = 'rtsp://10.0.0.8/sub'; // the id may now name a pond elsewhere
    lookupFails.add('school');
    const joins = await watch();
    expect(await Promise.race([moved.closed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2000).unref())])).toBe(1011);
    expect(joins.ws.readyState).toBe(WebSocket.OPEN);
    expect(launcher.started.map((s) => s.url)).toEqual(['rtsp://10.0.0.7/sub', 'rtsp://10.0.0.8/sub']);
  });
});
