import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { SegmentRecorder, type SegmentRecorderOptions } from './recording-recorder';

/** Stands in for the recorder's ffmpeg: the test writes its stderr and decides when it exits. */
class FakeFfmpeg extends EventEmitter {
  readonly stderr = new PassThrough();
  readonly stdin = { writable: true, write: jest.fn(), on: jest.fn() };
  readonly signals: string[] = [];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly pid = 4242;
  constructor(
    readonly command: string,
    readonly args: string[],
  ) {
    super();
  }
  kill(signal: NodeJS.Signals) {
    this.signals.push(signal);
    return true;
  }
  /** The segment muxer's line for a segment beginning at stream time `ptsSeconds` (the file is created). */
  async segment(n: number, ptsSeconds: number) {
    const file = this.args[this.args.length - 1].replace('%06d', String(n).padStart(6, '0'));
    await writeFile(file, 'ts');
    this.stderr.write(`[segment @ 0x1] segment:'${file}' starts with packet stream:0 pts:${ptsSeconds * 90000} pts_time:${ptsSeconds} dts:0\n`);
  }
  exit(code: number) {
    this.exitCode = code;
    this.stderr.end();
    this.emit('close', code, null);
  }
}

const procs: FakeFfmpeg[] = [];
jest.mock('node:child_process', () => ({
  ...jest.requireActual('node:child_process'),
  spawn: (command: string, args: string[]) => {
    const p = new FakeFfmpeg(command, args);
    procs.push(p);
    return p;
  },
}));
jest.mock('./recording-clip', () => ({ probeDurationMs: async () => 2000 }));

/** Waits (in real time: only the timers are fake) until `done`, letting stream events, file operations and promise chains run. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SegmentRecorder back-off', () => {
  let dir: string;
  let clock: number;
  const respawns: Array<{ attempt: number; delayMs: number }> = [];
  const warnings: string[] = [];
  let segmentsSeen = 0;

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    dir = await mkdtemp(path.join(os.tmpdir(), 'xl-rec-unit-'));
    clock = 1_000_000;
    procs.length = 0;
    respawns.length = 0;
    warnings.length = 0;
    segmentsSeen = 0;
  });

  afterEach(async () => {
    jest.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  function recorder(overrides: Partial<SegmentRecorderOptions> = {}) {
    const info = (o: object, m: string) => {
      if (m === 'recorder ended; respawning') respawns.push(o as { attempt: number; delayMs: number });
    };
    const r = new SegmentRecorder({
      cameraId: 'cam-1',
      url: 'rtsp://u:p@h/main',
      dir: path.join(dir, 'cam-1'),
      segmentSeconds: 2,
      windowSeconds: 600,
      ioTimeoutSeconds: 5,
      stallSeconds: 120, // the watchdog stays out of it
      backoffInitialSeconds: 1,
      backoffMaxSeconds: 4,
      random: () => 0.5, // no jitter: 1 s, 2 s, 4 s, 4 s …
      now: () => clock,
      monotonicNow: () => clock,
      logger: { info, warn: (_, m) => warnings.push(m), debug: () => undefined },
      ...overrides,
    });
    r.on('segment', () => segmentsSeen++);
    return r;
  }

  /** The current ffmpeg records segments every 2 s for `forMs`, then the camera drops the session; returns the respawn delay. */
  async function recordThenDrop(r: SegmentRecorder, forMs: number): Promise<number> {
    const p = procs[procs.length - 1];
    const segments = segmentsSeen;
    for (let n = 0, pts = 0; pts * 1000 <= forMs; n++, pts += 2) {
      clock += n === 0 ? 0 : 2000;
      await p.segment(n, pts);
      // the line was taken in once the segment before it has been closed
      await until(() => r.isRecording && segmentsSeen >= segments + n, 'the segment');
    }
    const ended = respawns.length;
    p.exit(0);
    await until(() => respawns.length > ended, 'the respawn');
    const { delayMs } = respawns[respawns.length - 1];
    const spawned = procs.length;
    jest.advanceTimersByTime(delayMs);
    await until(() => procs.length > spawned, 'the next ffmpeg');
    return delayMs;
  }

  it('keeps backing off a camera that drops every session soon after its first segment, and starts over after a run of the cap', async () => {
    const r = recorder();
    await r.start();
    const delays: number[] = [];
    // A camera that was up (recording 10 s) starts at the initial delay; then one that hangs up after
    // its first segment: before this fix its first segment reset the back-off, so it was retried
    // every second for ever, an interruption each time.
    delays.push(await recordThenDrop(r, 10_000));
    for (let i = 0; i < 3; i++) delays.push(await recordThenDrop(r, 0));
    expect(delays).toEqual([1000, 2000, 4000, 4000]);
    delays.push(await recordThenDrop(r, 2000)); // recorded for less than the cap (4 s): still backing off
    delays.push(await recordThenDrop(r, 4000)); // for the cap: starts over
    delays.push(await recordThenDrop(r, 0));
    expect(delays).toEqual([1000, 2000, 4000, 4000, 4000, 1000, 2000]);
    expect(procs).toHaveLength(8);
    const stopping = r.stop();
    procs[7].exit(255);
    await stopping;
  });

  it('starts the back-off of a first delay above the cap (a camera stored before the check) at the cap, not rejecting at the exit', async () => {
    const r = recorder({ backoffInitialSeconds: 5, backoffMaxSeconds: 2 });
    await r.start();
    // backoffDelay threw here, in an async exit handler nothing awaited: an unhandled rejection ended the ingest process.
    const delays = [await recordThenDrop(r, 2000), await recordThenDrop(r, 0)];
    expect(delays).toEqual([2000, 2000]);
    expect(warnings).toEqual(['watchdog.backoffInitialSeconds is above backoffMaxSeconds: recorder respawns start at backoffMaxSeconds']);
    const stopping = r.stop();
    procs[procs.length - 1].exit(255);
    await stopping;
  });

  it('still respawns when handling an exit fails (a listener that throws): after the fallback delay', async () => {
    const r = recorder();
    r.on('interrupted', () => {
      throw new Error('listener failed');
    });
    await r.start();
    await procs[0].segment(0, 0);
    await until(() => r.isRecording, 'the first segment');
    procs[0].exit(0);
    await until(() => warnings.includes('handling the recorder exit failed; respawning'), 'the failure to be handled');
    jest.advanceTimersByTime(29_999);
    expect(procs).toHaveLength(1);
    jest.advanceTimersByTime(1); // FALLBACK_RESPAWN_MS
    await until(() => procs.length === 2, 'the next ffmpeg');
    const stopping = r.stop();
    procs[1].exit(255);
    await stopping;
  });

  it('times the no-new-segment watchdog on the monotonic clock: a step of the Redis clock does not restart the recorder', async () => {
    // `now` is Date.now plus the Redis clock's offset, which moves when it is measured again: +7 s here.
    let offsetMs = 0;
    let mono = 0;
    const r = recorder({ stallSeconds: 1, now: () => clock + offsetMs, monotonicNow: () => mono }); // no new segment for 1 + 3 × 2 = 7 s → restart
    await r.start();
    const p = procs[0];
    for (let n = 0; n < 8; n++) {
      await p.segment(n, 2 * n);
      await until(() => r.isRecording && segmentsSeen >= n, 'the segment');
      if (n === 3) offsetMs = 7000;
      clock += 2000;
      mono += 2000;
      jest.advanceTimersByTime(2000);
    }
    expect(p.stdin.write).not.toHaveBeenCalled(); // no 'q'
    expect(p.signals).toEqual([]);
    expect(procs).toHaveLength(1);
    const stopping = r.stop();
    p.exit(255);
    await stopping;
  });

  it('measures the stream delay on the monotonic clock: a step of the Redis clock and back is no delay and no reconnect', async () => {
    // `now` steps 8 s back (an NTP step on this host, before the Redis clock measures its offset
    // again) and 18 s later forward again, while the camera's segments keep pace.
    let offsetMs = 0;
    const r = recorder({ maxDelaySeconds: 5, now: () => clock + offsetMs });
    await r.start();
    const p = procs[0];
    const delays: number[] = [];
    for (let n = 0; n < 16; n++) {
      if (n === 3) offsetMs = -8000;
      if (n === 12) offsetMs = 0;
      await p.segment(n, 2 * n);
      await until(() => r.isRecording && segmentsSeen >= n, 'the segment');
      delays.push(r.delaySeconds);
      clock += 2000;
      jest.advanceTimersByTime(2000);
    }
    expect(delays).toEqual(Array(16).fill(0));
    expect(warnings.filter((w) => w.startsWith('recording too far behind real time'))).toEqual([]);
    expect(p.stdin.write).not.toHaveBeenCalled(); // no 'q'
    expect(procs).toHaveLength(1);
    const stopping = r.stop();
    p.exit(255);
    await stopping;
  });

  it('runs ffmpeg itself with dieWithParent false, otherwise through setpriv where that works, with the same arguments', async () => {
    const plain = recorder({ dieWithParent: false });
    await plain.start();
    expect(procs[0].command).toBe('ffmpeg');
    const wrapped = recorder({ dir: path.join(dir, 'cam-2') });
    await wrapped.start();
    const { command, args } = procs[1];
    if (command === 'setpriv') expect(args.slice(0, 4)).toEqual(['--pdeathsig', 'SIGTERM', '--', 'ffmpeg']);
    else expect(command).toBe('ffmpeg'); // no setpriv here: start() cleans up after a killed process instead
    expect(args.slice(-procs[0].args.length, -1)).toEqual(procs[0].args.slice(0, -1));
    for (const [r, p] of [
      [plain, procs[0]],
      [wrapped, procs[1]],
    ] as const) {
      const stopping = r.stop();
      p.exit(255);
      await stopping;
    }
  });

  it('reports a directory it cannot make (a full or failing disk) as an interruption and tries again with the back-off, also after a pause', async () => {
    const blocker = path.join(dir, 'cam-1');
    await writeFile(blocker, 'a file where the directory should be'); // mkdir fails: ENOTDIR/EEXIST, as ENOSPC would
    const r = recorder();
    const interruptions: Array<{ reason: string; detail: string }> = [];
    r.on('interrupted', (i) => interruptions.push(i));
    await r.start(); // resolves: the recorder lives on and tries again
    expect(interruptions).toEqual([expect.objectContaining({ reason: 'storage', detail: expect.stringContaining(`recording directory ${blocker}`) })]);
    expect(warnings).toEqual(['recording directory not usable; trying again']);
    expect(procs).toHaveLength(0);
    jest.advanceTimersByTime(1000); // the first back-off step: still no directory
    await until(() => interruptions.length === 2, 'the second try');
    expect(procs).toHaveLength(0);
    await rm(blocker);
    jest.advanceTimersByTime(2000);
    await until(() => procs.length === 1, 'ffmpeg once the directory could be made');
    const stopping = r.stop();
    procs[0].exit(255);
    await stopping;

    // Paused while it waits to try again (analysis wanted the stream): resume() tries at once.
    const blocked = path.join(dir, 'cam-3');
    await writeFile(blocked, 'x');
    const paused = recorder({ dir: blocked });
    await paused.start();
    await paused.pause({ reason: 'busy', detail: 'analysis first' });
    await rm(blocked);
    paused.resume();
    await until(() => procs.length === 2, 'ffmpeg after resume');
    const stopped = paused.stop();
    procs[1].exit(255);
    await stopped;
  });
});
