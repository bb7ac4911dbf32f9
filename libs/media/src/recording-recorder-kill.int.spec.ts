// The recorder's ffmpeg when the Node process that runs it is SIGKILLed (OOM, crash): it quits
// neither on stdin EOF nor on SIGPIPE, so unless it dies with its parent it keeps the camera's session
// and fills the disk with part files for ever, one more per crash. Real ffmpeg, real RTSP camera.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CameraSimulator, childPids, cmdline, describeWithShared, isAlive, repoRoot, sharedPath, type SimulatedCamera } from '@xl/testing';
import { SegmentRecorder } from './recording-recorder';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `pid` has exited within `ms`. */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

describeWithShared(['media/clips/drowning.mp4'])('SegmentRecorder of a process that is SIGKILLed', () => {
  jest.setTimeout(60_000);
  const sim = new CameraSimulator({ loopSeconds: 60 });
  let dir: string;
  let cameras: Record<string, SimulatedCamera>;
  const children: ChildProcess[] = [];
  const ffmpegs: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xl-rec-kill-'));
    const clip = sharedPath('media/clips/drowning.mp4')!;
    // One session each, as many cameras allow: a session left behind locks the next owner out.
    const started = await sim.start(['dies', 'orphan'].map((id) => ({ id, clip, maxSessions: 1 })));
    cameras = Object.fromEntries(started.map((c) => [c.id, c]));
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of ffmpegs) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await sim.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  /** A Node process (the compiled recorder) recording `camera` into dir/<camera>; resolves with its ffmpeg's pid once the first segment began. */
  async function recordInChild(camera: string, options: object = {}): Promise<{ child: ChildProcess; ffmpeg: number }> {
    const script = `
      const { SegmentRecorder } = require(${JSON.stringify(path.join(repoRoot, 'dist/libs/media/src/recording-recorder.js'))});
      const r = new SegmentRecorder({ cameraId: 'c', url: ${JSON.stringify(cameras[camera].url)}, dir: ${JSON.stringify(path.join(dir, camera))},
        segmentSeconds: 2, windowSeconds: 60, ioTimeoutSeconds: 5, stallSeconds: 10, backoffInitialSeconds: 30, backoffMaxSeconds: 30, ...${JSON.stringify(options)} });
      r.once('recording', () => console.log(JSON.stringify({ ffmpeg: r.pid })));
      r.start();
      setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child recorded nothing within 20 s')), 20_000);
      createInterface({ input: child.stdout! }).once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
    const { ffmpeg } = JSON.parse(line) as { ffmpeg: number };
    ffmpegs.push(ffmpeg);
    // ffmpeg itself is the child (setpriv execs it), so the recorder's pid and signals are ffmpeg's
    expect(childPids(child.pid!)).toContain(ffmpeg);
    expect(path.basename(cmdline(ffmpeg)![0])).toBe('ffmpeg');
    return { child, ffmpeg };
  }

  it("takes its ffmpeg with it (setpriv's parent-death signal)", async () => {
    const { child, ffmpeg } = await recordInChild('dies');
    await sleep(1000); // the recording runs on while its process lives
    expect(isAlive(ffmpeg)).toBe(true);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    // Before the fix it recorded on, re-parented to init, until someone killed it.
    expect(await goneWithin(ffmpeg, 3000)).toBe(true);
    console.log(`recorder's ffmpeg gone ${Date.now() - killedAt} ms after its process was SIGKILLed`);
  });

  it("kills an ffmpeg a dead process left recording (no death signal) when its directory's recorder starts", async () => {
    const { child, ffmpeg } = await recordInChild('orphan', { dieWithParent: false });
    child.kill('SIGKILL');
    await sleep(2000);
    expect(isAlive(ffmpeg)).toBe(true); // the orphan: still holding the camera's only session, still writing
    expect((await readdir(path.join(dir, 'orphan'))).some((f) => f.startsWith(`part-${child.pid}-`))).toBe(true);

    const recorder = new SegmentRecorder({
      cameraId: 'orphan',
      url: cameras.orphan.url,
      dir: path.join(dir, 'orphan'),
      segmentSeconds: 2,
      windowSeconds: 60,
      ioTimeoutSeconds: 5,
      stallSeconds: 10,
      backoffInitialSeconds: 1,
      backoffMaxSeconds: 2,
    });
    const recording = new Promise<void>((resolve) => recorder.once('recording', () => resolve()));
    try {
      const startedAt = Date.now();
      await recorder.start();
      const cleanedMs = Date.now() - startedAt;
      expect(isAlive(ffmpeg)).toBe(false);
      expect((await readdir(path.join(dir, 'orphan'))).filter((f) => f.startsWith(`part-${child.pid}-`))).toEqual([]);
      // SIGTERM first: ffmpeg closed its session, so the camera's one slot is the new recorder's
      await recording;
      expect(recorder.pid).not.toBe(ffmpeg);
      console.log(`left-over ffmpeg killed in start() within ${cleanedMs} ms; recording again ${Date.now() - startedAt} ms after start(), restarts ${recorder.restarts}`);
    } finally {
      await recorder.stop();
    }
  });
});
