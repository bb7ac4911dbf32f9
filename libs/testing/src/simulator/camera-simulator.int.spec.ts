import { describeWithShared, sharedPath } from '../shared-data';
import { isProcessAlive } from './camera-process';
import { CameraSimulator, type SimulatedCamera } from './camera-simulator';
import { startGarbageServer } from './garbage-server';
import { readRtspFrames, readRtspFramesAfterTeardown, watchRtsp } from './rtsp-reader';

const CLIP = 'media/clips/drowning_sub.mp4';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describeWithShared([CLIP])('CameraSimulator (gst-rtsp-server + ffmpeg)', () => {
  const clip = sharedPath(CLIP)!;
  let sim: CameraSimulator;
  let logLines: string[];

  beforeEach(() => {
    logLines = [];
    sim = new CameraSimulator({ loopSeconds: 60, log: (line) => logLines.push(line) });
  });
  afterEach(() => sim.stopAll());

  it('serves frames to an ffmpeg reader, on a separate port per camera', async () => {
    const [a, b] = await sim.start([
      { id: 'cam-a', clip },
      { id: 'cam-b', clip, mount: '/live/main' },
    ]);
    expect(a).toEqual({ id: 'cam-a', url: `rtsp://127.0.0.1:${a.port}/cam-a`, port: a.port, pid: a.pid });
    expect(b.url).toBe(`rtsp://127.0.0.1:${b.port}/live/main`);
    expect(a.port).not.toBe(b.port);
    expect(a.pid).not.toBe(b.pid);
    expect(sim.camera('cam-b')).toEqual(b);

    const [readA, readB] = await Promise.all([readRtspFrames(a.url), readRtspFrames(b.url)]);
    expect(readA).toMatchObject({ code: 0, stderr: '' });
    expect(readB).toMatchObject({ code: 0, stderr: '' });
  });

  it('answers an unknown mount with 404', async () => {
    const [cam] = await sim.start([{ id: 'cam-404', clip }]);
    const read = await readRtspFrames(`rtsp://127.0.0.1:${cam.port}/no-such-mount`);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toMatch(/404 Not Found/);
  });

  it('requires basic auth when credentials are set: right password reads, wrong one gets 401', async () => {
    const [cam] = await sim.start([{ id: 'cam-auth', clip, credentials: { user: 'viewer', password: 'p@ss:w/rd' } }]);
    expect(cam.url).toBe(`rtsp://viewer:p%40ss%3Aw%2Frd@127.0.0.1:${cam.port}/cam-auth`);
    const [right, wrong, none] = await Promise.all([
      readRtspFrames(cam.url),
      readRtspFrames(`rtsp://viewer:wrong@127.0.0.1:${cam.port}/cam-auth`),
      readRtspFrames(`rtsp://127.0.0.1:${cam.port}/cam-auth`),
    ]);
    expect(right).toMatchObject({ code: 0, stderr: '' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401 Unauthorized/);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/401 Unauthorized/);
  });

  it('maxSessions: a reader beyond the limit gets 503, and the slot frees when the first one leaves', async () => {
    const [cam] = await sim.start([{ id: 'cam-limit', clip, maxSessions: 1 }]);
    const first = watchRtsp(cam.url, { timeoutMs: 30_000 });
    await waitFor('the first reader streaming', () => first.frames() > 0, 10_000);
    const refused = await readRtspFrames(cam.url);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/method SETUP failed: 503 Service Unavailable/);
    first.stop();
    await first.exited;
    expect(await readRtspFramesAfterTeardown(cam.url)).toMatchObject({ code: 0, stderr: '' });
  });

  it('udpOnly: a reader asking for TCP gets 461, one over UDP gets the stream', async () => {
    const [cam] = await sim.start([{ id: 'cam-udp', clip, udpOnly: true }]);
    const overTcp = await readRtspFrames(cam.url);
    expect(overTcp.code).not.toBe(0);
    expect(overTcp.stderr).toMatch(/method SETUP failed: 461 Unsupported transport/);
    expect(await readRtspFrames(cam.url, { transport: 'udp' })).toMatchObject({ code: 0, stderr: '' });
  });

  it('stop() ends a reader, then restart() serves again on the same port', async () => {
    const [cam] = await sim.start([{ id: 'cam-restart', clip }]);
    const watch = watchRtsp(cam.url, { timeoutMs: 20000 });
    await waitFor('first frames', () => watch.frames() >= 3, 8000);

    const stoppedAt = Date.now();
    await sim.stop('cam-restart');
    expect(isProcessAlive(cam.pid)).toBe(false);
    expect(logLines).toContain(`cam-restart: stopped (pid ${cam.pid}, exit code 0, signal null)`);
    const ended = await watch.exited;
    // A killed server ends the reader at once and, as measured, with exit code 0 and no error text.
    expect(ended.signal).toBeNull();
    expect(Date.now() - stoppedAt).toBeLessThan(5000);

    const refused = await readRtspFrames(cam.url);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Connection refused/);

    const again = await sim.restart('cam-restart');
    expect(again.port).toBe(cam.port);
    expect(again.url).toBe(cam.url);
    expect(again.pid).not.toBe(cam.pid);
    expect(await readRtspFrames(again.url)).toMatchObject({ code: 0, stderr: '' });

    // Restarting a running camera (with a reader's connection just closed) also keeps the port.
    const third = await sim.restart('cam-restart');
    expect(third.port).toBe(cam.port);
    expect(isProcessAlive(again.pid)).toBe(false);
    expect(await readRtspFrames(third.url)).toMatchObject({ code: 0 });
  });

  it('stall() stops frames while the connection stays open; resume() brings them back', async () => {
    const [cam] = await sim.start([{ id: 'cam-stall', clip }]);
    const watch = watchRtsp(cam.url, { timeoutMs: 20000 });
    await waitFor('first frames', () => watch.frames() >= 5, 8000);

    sim.stall('cam-stall');
    // Packets already in the socket buffers still arrive (a CPU-starved reader takes a while for
    // them): the count has to hold still for 500 ms before the 2 s measurement.
    let atStall = watch.frames();
    let stillSince = Date.now();
    await waitFor(
      'the frame count to settle after the stall',
      () => {
        if (watch.frames() !== atStall) [atStall, stillSince] = [watch.frames(), Date.now()];
        return Date.now() - stillSince >= 500;
      },
      10_000,
    );
    await sleep(2000);
    expect(watch.frames()).toBe(atStall);

    sim.resume('cam-stall');
    // Within ffmpeg's 5 s socket timeout the same connection carries frames again.
    // Measured: the frames held back arrive in a burst at once (the server's clock kept running), then 25 fps.
    await waitFor('frames after resume', () => watch.frames() > atStall + 5, 5000);
    watch.kill();
    expect((await watch.exited).signal).toBe('SIGKILL');
  });

  it('answers garbage to a reader pointed at startGarbageServer()', async () => {
    const garbage = await startGarbageServer();
    try {
      expect(garbage.url).toBe(`rtsp://127.0.0.1:${garbage.port}/garbage`);
      const read = await readRtspFrames(garbage.url);
      expect(read.code).not.toBe(0);
      expect(read.stderr).toMatch(/Invalid data/);
    } finally {
      await garbage.close();
    }
  });

  it('stopAll() leaves no server process, even a stalled one, and can be called again', async () => {
    const cams: SimulatedCamera[] = await sim.start([
      { id: 'cam-x', clip },
      { id: 'cam-y', clip },
      { id: 'cam-z', clip },
    ]);
    expect(cams.every((c) => isProcessAlive(c.pid))).toBe(true);
    sim.stall('cam-y');
    await sim.stopAll();
    expect(cams.filter((c) => isProcessAlive(c.pid))).toEqual([]);
    // Each server, the stalled one too, handled SIGTERM itself and exited 0: no SIGKILL fallback was needed.
    for (const c of cams) expect(logLines).toContain(`${c.id}: stopped (pid ${c.pid}, exit code 0, signal null)`);
    await sim.stopAll();
    expect(() => sim.camera('cam-x')).toThrow(/no simulated camera "cam-x"/);
  });

  it('rejects bad specs before starting anything', async () => {
    await expect(sim.start([{ id: 'dup', clip }, { id: 'dup', clip }])).rejects.toThrow(/already used/);
    await expect(sim.start([{ id: 'rel', clip: 'media/clip.mp4' }])).rejects.toThrow(/absolute path/);
    await expect(sim.start([{ id: 'bad id', clip }])).rejects.toThrow(/must match/);
    await expect(sim.start([{ id: 'cap', clip, maxSessions: 0 }])).rejects.toThrow(/camera cap: maxSessions must be an integer >= 1, got 0/);
    await expect(sim.start([{ id: 'gone', clip: '/nonexistent/clip.mp4' }])).rejects.toThrow(/ENOENT/);
    expect(() => sim.stall('nope')).toThrow(/no simulated camera "nope"/);
  });
});
