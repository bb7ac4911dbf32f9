import type { FfmpegCommandSpec } from './ffmpeg-args';
import type { FfmpegHandlers, FfmpegLauncher, FfmpegProcess } from './ffmpeg-process';
import { CameraReader, type CameraReaderEvents, type CameraReaderOptions } from './camera-reader';
import { StartGate } from './start-gate';

/** Stands in for ffmpeg: the test feeds its stdout/stderr and decides how it exits. */
class FakeFfmpeg implements FfmpegProcess {
  readonly signals: string[] = [];
  quitRequested = false;
  quitRequests = 0;
  exited = false;
  constructor(
    readonly spec: FfmpegCommandSpec,
    private readonly handlers: FfmpegHandlers,
  ) {}
  get pid() {
    return 4242;
  }
  requestQuit() {
    this.quitRequested = true;
    this.quitRequests++;
  }
  kill(signal: NodeJS.Signals) {
    this.signals.push(signal);
  }
  stderr(...lines: string[]) {
    lines.forEach((l) => this.handlers.onStderrLine(l));
  }
  stdout(bytes: number) {
    this.handlers.onData(Buffer.alloc(bytes, 7));
  }
  exit(code: number | null, signal: string | null = null) {
    this.exited = true;
    this.handlers.onExit({ code, signal });
  }
}

const W = 4;
const H = 2;
const FRAME = W * H * 3;
/** ffmpeg's progress line with the stream time of the last frame written (under a minute). */
const progressLine = (streamSeconds: number) => `frame=   9 fps=2.0 q=-0.0 size=N/A time=00:00:${streamSeconds.toFixed(2).padStart(5, '0')} bitrate=N/A speed=   1x`;
const INPUT = ["Input #0, rtsp, from 'rtsp://u:p@h/x':", '  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x360, 25 fps'];

function setup(overrides: Partial<CameraReaderOptions> = {}) {
  const procs: FakeFfmpeg[] = [];
  const launcher: FfmpegLauncher = (spec, handlers) => {
    const p = new FakeFfmpeg(spec, handlers);
    procs.push(p);
    return p;
  };
  const reader = new CameraReader({
    cameraId: 'cam-1',
    source: { kind: 'rtsp', url: 'rtsp://u:p@h/x' },
    fps: 2,
    width: W,
    height: H,
    watchdog: { stallSeconds: 3, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 4 },
    launcher,
    random: () => 0.5, // no jitter: delays are exactly 1 s, 2 s, 4 s, 4 s …
    firstSeq: 100,
    ...overrides,
  });
  const events: Array<[keyof CameraReaderEvents, unknown]> = [];
  for (const name of ['online', 'offline', 'recovered', 'restart', 'end'] as const) {
    reader.on(name, (...args: unknown[]) => events.push([name, args[0]]));
  }
  const frames: CameraReaderEvents['frame'][0][] = [];
  reader.on('frame', (f) => frames.push(f));
  const last = () => procs[procs.length - 1];
  return { reader, procs, last, events, frames, names: () => events.map(([n]) => n) };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('CameraReader', () => {
  it('emits frames with metadata, and online once', () => {
    const { reader, last, frames, names } = setup();
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME + 5);
    last().stdout(FRAME - 5);
    expect(frames.map((f) => f.seq)).toEqual([100, 101]);
    expect(frames[0]).toMatchObject({ width: W, height: H, source: { width: 640, height: 360 }, capturedAt: 1_000_000 });
    expect(frames[0].data).toHaveLength(FRAME);
    expect(names()).toEqual(['online']);
    expect(last().spec.inputOptions).toContain('-rtsp_transport');
  });

  it('reports how far behind real time the stream arrives from the progress lines, and starts afresh with each run', () => {
    const { reader, last } = setup();
    const delays: number[] = [];
    reader.on('delay', ({ seconds }) => delays.push(Math.round(seconds * 10) / 10));
    reader.start();
    const progress = (streamSeconds: number) => last().stderr(progressLine(streamSeconds));
    last().stderr(...INPUT);
    last().stdout(FRAME);
    progress(2);
    jest.advanceTimersByTime(2000);
    progress(4);
    jest.advanceTimersByTime(2000);
    progress(4.5); // the uplink holds the stream up: 1.5 s lost
    jest.advanceTimersByTime(2000);
    progress(5);
    expect(delays).toEqual([0, 0, 1.5, 3]);
    last().exit(0);
    jest.advanceTimersByTime(1000); // a new connection: live again
    last().stderr(...INPUT);
    last().stdout(FRAME);
    progress(1);
    expect(delays.slice(-1)).toEqual([0]);
  });

  it('logs a stream that arrives 10 s late once, and when it is back near real time', () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn(), child: jest.fn() };
    // Time passes without the timers running (no watchdog tick): both clocks follow the system time.
    const { reader, last } = setup({ logger: logger as unknown as CameraReaderOptions['logger'], monotonicNow: () => Date.now() });
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME);
    const progressAt = (wallSeconds: number, streamSeconds: number) => {
      jest.setSystemTime(1_000_000 + wallSeconds * 1000);
      last().stderr(progressLine(streamSeconds));
    };
    progressAt(2, 2);
    progressAt(14, 3.9); // 10.1 s lost
    progressAt(16, 5);
    const late = logger.warn.mock.calls.filter((c) => String(c[1]).startsWith('stream arrives late'));
    expect(late).toEqual([[{ camera: 'cam-1', delaySeconds: 10.1 }, expect.any(String)]]); // once, not again at 11 s
    progressAt(18, 15); // caught up
    expect(logger.info.mock.calls.filter((c) => c[1] === 'stream back near real time')).toHaveLength(1);
  });

  it('treats exit code 0 of a live source as a failure and respawns with back-off', () => {
    const { reader, procs, last, events, names } = setup();
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME);
    last().exit(0); // the server died mid-stream
    expect(names()).toEqual(['online', 'offline', 'restart']);
    expect(events[1][1]).toMatchObject({ reason: 'exited', detail: expect.stringContaining('') });
    expect(events[2][1]).toMatchObject({ reason: 'exited', attempt: 1, delayMs: 1000 });
    jest.advanceTimersByTime(999);
    expect(procs).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(procs).toHaveLength(2);
  });

  it('classifies start-up failures from stderr, backs off exponentially up to the cap, reports a changed reason', () => {
    const { reader, procs, last, events } = setup();
    reader.start();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      last().stderr('[tcp @ 0x1] Connection to tcp://h:554?timeout=5000000 failed: Connection refused');
      last().exit(1);
      const restart = events[events.length - 1][1] as { delayMs: number };
      delays.push(restart.delayMs);
      jest.advanceTimersByTime(restart.delayMs);
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000]);
    expect(procs).toHaveLength(5);
    // the same reason again is not a new offline event; a different one is
    expect(events.filter(([n]) => n === 'offline')).toHaveLength(1);
    expect(events[0][1]).toMatchObject({ reason: 'refused', detail: expect.stringContaining('Connection refused') });
    last().stderr('[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found');
    last().exit(1);
    const offline = events.filter(([n]) => n === 'offline').map(([, e]) => (e as { reason: string }).reason);
    expect(offline).toEqual(['refused', 'not_found']);
  });

  it('reconnects a stream that falls maxDelaySeconds behind at once, without an outage, as often as it falls behind', () => {
    const watchdog = { stallSeconds: 3, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 4, maxDelaySeconds: 15 };
    // Time passes without the timers running (no watchdog tick): both clocks follow the system time.
    const monotonicNow = () => Date.now();
    const { reader, procs, last, events, names } = setup({ watchdog, monotonicNow });
    reader.start();
    let wall = 0;
    /** Wall clock moves on by `seconds`, of which the stream delivered `streamSeconds`. */
    const lose = (seconds: number, streamSeconds: number) => {
      wall += seconds;
      jest.setSystemTime(1_000_000 + wall * 1000);
      last().stdout(FRAME);
      last().stderr(progressLine(streamSeconds));
    };
    const connect = () => {
      last().stderr(...INPUT);
      last().stdout(FRAME);
      lose(0, 0);
    };
    connect();
    lose(20, 5.1); // 14.9 s behind: late, not yet too late
    expect(last().quitRequested).toBe(false);
    lose(2, 5.3); // 16.7 s
    expect(last().quitRequested).toBe(true);
    expect(last().signals).toEqual([]);
    lose(1, 5.5); // the backlog still arriving while ffmpeg quits: no second request
    expect(last().quitRequests).toBe(1);
    last().exit(255, null);
    expect(names()).toEqual(['online', 'restart']);
    expect(events[1][1]).toMatchObject({ reason: 'behind_live', attempt: 0, delayMs: 0 });
    jest.advanceTimersByTime(0);
    expect(procs).toHaveLength(2);
    connect(); // a new connection starts at live
    lose(10, 2); // and the link is still too slow: 8 s
    expect(last().quitRequested).toBe(false);
    lose(10, 3); // 17 s
    last().exit(255, null);
    jest.advanceTimersByTime(0);
    expect(procs).toHaveLength(3);
    expect(names()).toEqual(['online', 'restart', 'restart']); // never offline: frames kept coming
    expect(reader.restarts).toBe(2);

    /** A new reader given two progress lines `laterMs` apart: whether it asked ffmpeg to quit. */
    const reconnectsAfter = (overrides: Partial<CameraReaderOptions>, from: number, to: number, laterMs: number) => {
      const other = setup(overrides);
      other.reader.start();
      other.last().stderr(...INPUT);
      other.last().stdout(FRAME);
      other.last().stderr(progressLine(from));
      jest.setSystemTime(Date.now() + laterMs);
      other.last().stderr(progressLine(to));
      return other.last().quitRequested;
    };
    const slowWatchdog = { watchdog: { ...watchdog, stallSeconds: 30 }, monotonicNow };
    expect(reconnectsAfter(slowWatchdog, 0, 1, 20_000)).toBe(true); // 19 s behind and still flowing
    expect(reconnectsAfter(slowWatchdog, 1, 1, 20_000)).toBe(false); // a stream that stopped is the watchdog's
    expect(reconnectsAfter({ monotonicNow }, 0, 1, 100_000)).toBe(false); // maxDelaySeconds absent: the stream is only reported late
  });

  it('restarts a camera that changed its picture size at once, without an outage; a file plays on', () => {
    const change = '[graph 0 input from stream 0:0 @ 0x5] filter context - w: 640 h: 360 fmt: 0, incoming frame - w: 704 h: 576 fmt: 0 pts_time: 3';
    const { reader, procs, last, events, frames, names } = setup();
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME);
    last().stderr(change);
    expect(last().quitRequested).toBe(true);
    last().stdout(FRAME); // stretched into the first letterbox until ffmpeg is gone: still a frame
    last().exit(255, null);
    expect(names()).toEqual(['online', 'restart']);
    expect(events[1][1]).toMatchObject({ reason: 'source_changed', attempt: 0, delayMs: 0 });
    jest.advanceTimersByTime(0);
    expect(procs).toHaveLength(2);
    last().stderr(...INPUT.slice(0, 1), '  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 704x576, 25 fps');
    last().stdout(FRAME);
    expect(frames.map((f) => f.source)).toEqual([
      { width: 640, height: 360 },
      { width: 640, height: 360 },
      { width: 704, height: 576 },
    ]);
    expect(names()).toEqual(['online', 'restart']); // no offline, no recovered: the camera never went away
    expect(reader.restarts).toBe(1);

    // A camera that keeps changing (or a relay alternating between two profiles) is backed off.
    const changeAgain = () => {
      last().stderr(change);
      last().exit(255, null);
      const restart = events[events.length - 1][1] as { delayMs: number };
      jest.advanceTimersByTime(restart.delayMs);
      last().stderr(...INPUT);
      last().stdout(FRAME);
      return restart;
    };
    expect(changeAgain()).toMatchObject({ reason: 'source_changed', attempt: 1, delayMs: 1000 });
    expect(changeAgain()).toMatchObject({ reason: 'source_changed', attempt: 2, delayMs: 2000 });
    for (let s = 0; s < 61; s++) {
      jest.advanceTimersByTime(1000); // calm for a minute: a new change is a reconfiguration again
      last().stdout(FRAME);
    }
    expect(changeAgain()).toMatchObject({ reason: 'source_changed', attempt: 0, delayMs: 0 });
    expect(names().filter((n) => n === 'offline')).toEqual([]);

    const file = setup({ source: { kind: 'file', path: '/clips/two-sizes.ts' } });
    file.reader.start();
    file.last().stderr("Input #0, mpegts, from '/clips/two-sizes.ts':", INPUT[1], change);
    expect(file.last().quitRequested).toBe(false); // starting a file over would replay its beginning
  });

  it('recovers after an outage and resets the back-off', () => {
    const { reader, last, events, names } = setup();
    reader.start();
    last().stderr('Connection refused');
    last().exit(1);
    jest.advanceTimersByTime(1000);
    last().stderr('Connection refused');
    last().exit(1);
    jest.advanceTimersByTime(2000);
    last().stderr(...INPUT);
    last().stdout(FRAME);
    expect(names()).toEqual(['offline', 'restart', 'restart', 'recovered']);
    expect(events[3][1]).toMatchObject({ downMs: 3000, reason: 'refused' });
    // frames for the back-off cap (4 s): the camera is back for good, its next failure starts over
    for (let s = 0; s < 4; s++) {
      jest.advanceTimersByTime(1000);
      last().stdout(FRAME);
    }
    last().exit(0);
    expect(events[events.length - 1][1]).toMatchObject({ attempt: 1, delayMs: 1000 });
  });

  it('keeps backing off a camera that drops every session soon after its first frames, up to the cap', () => {
    // A relay that accepts, sends a frame and hangs up: every frame used to reset the back-off,
    // so it was retried every second for ever, with an offline/recovered pair each time.
    const { reader, last, events, names } = setup();
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME);
    const delays: number[] = [];
    /** The run ends; then a new one delivers frames for `forMs`. */
    const dropAndReconnect = (forMs: number) => {
      last().exit(0);
      const restart = events[events.length - 1][1] as { delayMs: number };
      delays.push(restart.delayMs);
      jest.advanceTimersByTime(restart.delayMs);
      last().stderr(...INPUT);
      last().stdout(FRAME);
      for (let t = 0; t < forMs; t += 500) {
        jest.advanceTimersByTime(Math.min(500, forMs - t));
        last().stdout(FRAME);
      }
    };
    for (let i = 0; i < 4; i++) dropAndReconnect(0);
    expect(delays).toEqual([1000, 2000, 4000, 4000]); // the first failure of a camera that was up starts at the initial delay
    dropAndReconnect(3900); // frames for less than the cap: still backing off
    dropAndReconnect(4000); // for the cap: the back-off starts over
    dropAndReconnect(0);
    expect(delays).toEqual([1000, 2000, 4000, 4000, 4000, 4000, 1000]);
    expect(names().filter((n) => n === 'recovered')).toHaveLength(7);
  });

  it('starts the back-off of a first delay above the cap (a camera stored before the check) at the cap, not throwing at the exit', () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn() };
    const watchdog = { stallSeconds: 3, ioTimeoutSeconds: 5, backoffInitialSeconds: 5, backoffMaxSeconds: 2 };
    const { reader, procs, last, events } = setup({ watchdog, logger });
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME);
    // backoffDelay threw here, from ffmpeg's exit event: the ingest process ended.
    expect(() => last().exit(1)).not.toThrow();
    const restart = events.find(([n]) => n === 'restart')![1] as { delayMs: number };
    expect(restart.delayMs).toBeLessThanOrEqual(2000);
    jest.advanceTimersByTime(restart.delayMs);
    expect(procs).toHaveLength(2);
    // A picture size change soon after another is backed off the same way.
    const change = '[graph 0 input from stream 0:0 @ 0x5] filter context - w: 640 h: 360 fmt: 0, incoming frame - w: 704 h: 576 fmt: 0 pts_time: 3';
    for (let i = 0; i < 2; i++) {
      last().stderr(...INPUT, change);
      expect(() => last().exit(255)).not.toThrow();
      const sizeRestart = events[events.length - 1][1] as { reason: string; delayMs: number };
      expect(sizeRestart.reason).toBe('source_changed');
      expect(sizeRestart.delayMs).toBeLessThanOrEqual(2000);
      jest.advanceTimersByTime(sizeRestart.delayMs);
    }
    expect(procs).toHaveLength(4);
    expect(logger.warn).toHaveBeenCalledWith({ camera: 'cam-1', backoffInitialSeconds: 5, backoffMaxSeconds: 2 }, expect.stringContaining('above backoffMaxSeconds'));
  });

  it('still respawns when handling an exit fails: a listener that throws, a back-off that cannot be computed', () => {
    const { reader, procs, last } = setup();
    reader.on('offline', () => {
      throw new Error('listener failed');
    });
    reader.start();
    expect(() => last().exit(1)).not.toThrow();
    jest.advanceTimersByTime(1000); // the back-off's first delay: scheduled before the events went out
    expect(procs).toHaveLength(2);

    const broken = setup({ watchdog: { stallSeconds: 3, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: Number.NaN } });
    broken.reader.start();
    expect(() => broken.last().exit(1)).not.toThrow();
    expect(broken.names()).toEqual(['offline', 'restart']);
    expect(broken.events[1][1]).toMatchObject({ attempt: 1, delayMs: 30_000 });
    jest.advanceTimersByTime(29_999);
    expect(broken.procs).toHaveLength(1);
    jest.advanceTimersByTime(1); // FALLBACK_RESPAWN_MS
    expect(broken.procs).toHaveLength(2);
  });

  it('times silence and the stable run on the monotonic clock: a step of the Redis clock fires no watchdog', () => {
    // `now` is Date.now plus the Redis clock's offset, which moves when it is measured again: +7 s
    // here (a TIME answered late after an outage), then back 30 s later.
    let offsetMs = 0;
    const { reader, last, events, frames } = setup({ now: () => Date.now() + offsetMs });
    reader.start();
    last().stderr(...INPUT);
    const framesFor = (ms: number) => {
      for (let t = 0; t < ms; t += 500) {
        jest.advanceTimersByTime(500);
        last().stdout(FRAME);
      }
    };
    framesFor(2000);
    offsetMs = 7000;
    framesFor(30_000);
    offsetMs = 0;
    framesFor(10_000);
    expect(last().quitRequested).toBe(false);
    expect(events.map(([n]) => n)).toEqual(['online']);
    // Capture times follow `now`, step included: that clock is the one frames are judged by.
    expect(frames[4].capturedAt - frames[3].capturedAt).toBe(7500);

    // A run that delivered for 1 s across a +7 s step has not delivered for the cap (4 s): still backing off.
    const flapping = setup({ now: () => Date.now() + offsetMs });
    flapping.reader.start();
    flapping.last().exit(1); // attempt 1: 1 s
    jest.advanceTimersByTime(1000);
    flapping.last().stderr(...INPUT);
    flapping.last().stdout(FRAME);
    offsetMs = 7000;
    jest.advanceTimersByTime(1000);
    flapping.last().stdout(FRAME);
    flapping.last().exit(1);
    expect(flapping.events[flapping.events.length - 1][1]).toMatchObject({ attempt: 2, delayMs: 2000 });
  });

  it('measures the stream delay on the monotonic clock: a step of the Redis clock and back is no delay and no reconnect', () => {
    // `now` steps 8 s back (an NTP step on this host, before the Redis clock measures its offset
    // again) and 30 s later forward again, while the stream keeps pace.
    let offsetMs = 0;
    const watchdog = { stallSeconds: 3, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 4, maxDelaySeconds: 5 };
    const { reader, procs, last, events } = setup({ watchdog, now: () => Date.now() + offsetMs });
    const delays: Array<{ at: number; seconds: number }> = [];
    reader.on('delay', (d) => delays.push(d));
    reader.start();
    last().stderr(...INPUT);
    for (let streamSeconds = 0; streamSeconds <= 50; streamSeconds += 2) {
      if (streamSeconds === 10) offsetMs = -8000;
      if (streamSeconds === 40) offsetMs = 0;
      last().stdout(FRAME);
      last().stderr(progressLine(streamSeconds));
      jest.advanceTimersByTime(2000);
    }
    expect(delays).toHaveLength(26);
    expect(Math.max(...delays.map((d) => d.seconds))).toBe(0);
    expect(last().quitRequested).toBe(false);
    expect(procs).toHaveLength(1);
    expect(events.map(([n]) => n)).toEqual(['online']); // no behind_live restart
    // The events are stamped by `now`, step included.
    expect(delays[5].at - delays[4].at).toBe(2000 - 8000);
  });

  it('fires the watchdog after stallSeconds without a frame: q, then SIGTERM, then SIGKILL; reason stalled', () => {
    const { reader, last, events } = setup({ stopGraceMs: 500 });
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME);
    const proc = last();
    jest.advanceTimersByTime(2900);
    expect(proc.quitRequested).toBe(false);
    jest.advanceTimersByTime(100); // checked every 750 ms: the tick at 3.0 s sees 3 s of silence
    expect(proc.quitRequested).toBe(true);
    expect(proc.signals).toEqual([]);
    jest.advanceTimersByTime(500);
    expect(proc.signals).toEqual(['SIGTERM']);
    jest.advanceTimersByTime(500);
    expect(proc.signals).toEqual(['SIGTERM', 'SIGKILL']);
    proc.exit(null, 'SIGKILL');
    const offline = events.find(([n]) => n === 'offline')![1];
    expect(offline).toMatchObject({ reason: 'stalled', detail: 'no frame for 3 s' });
  });

  it('gives a start twice the stall time for its first frame, then counts it as stalled too', () => {
    const { reader, last, events } = setup();
    reader.start();
    jest.advanceTimersByTime(5000); // a slow start on a busy box is not a dead camera
    expect(last().quitRequested).toBe(false);
    jest.advanceTimersByTime(1000);
    expect(last().quitRequested).toBe(true);
    last().exit(0);
    expect(events[0][1]).toMatchObject({ reason: 'stalled', detail: 'no first frame within 6 s' });
  });

  it("calls a silent exit after ffmpeg's I/O timeout a stall once frames flowed, a timeout before the first", () => {
    const watchdog = { stallSeconds: 60, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 4 };
    const flowing = setup({ watchdog });
    flowing.reader.start();
    flowing.last().stderr(...INPUT);
    flowing.last().stdout(FRAME);
    jest.advanceTimersByTime(11_000);
    flowing.last().exit(0);
    expect(flowing.events.find(([n]) => n === 'offline')![1]).toMatchObject({ reason: 'stalled' });

    const never = setup({ watchdog });
    never.reader.start();
    jest.advanceTimersByTime(11_000);
    never.last().exit(0);
    expect(never.events.find(([n]) => n === 'offline')![1]).toMatchObject({ reason: 'timeout' });
  });

  it('stop() quits ffmpeg, escalates, resolves on exit and never respawns', async () => {
    const { reader, procs, last, names } = setup({ stopGraceMs: 100 });
    reader.start();
    last().stderr(...INPUT);
    last().stdout(FRAME);
    const stopped = reader.stop();
    expect(last().quitRequested).toBe(true);
    jest.advanceTimersByTime(200);
    expect(last().signals).toEqual(['SIGTERM', 'SIGKILL']);
    last().exit(null, 'SIGKILL');
    await stopped;
    jest.advanceTimersByTime(60_000);
    expect(procs).toHaveLength(1);
    expect(names()).toEqual(['online']);
    expect(reader.isOnline).toBe(false);
  });

  it('stop() during back-off cancels the respawn', async () => {
    const { reader, procs, last } = setup();
    reader.start();
    last().exit(1);
    await reader.stop();
    jest.advanceTimersByTime(60_000);
    expect(procs).toHaveLength(1);
  });

  it('drops frames until the source size is known', () => {
    const { reader, last, frames } = setup();
    reader.start();
    last().stdout(FRAME);
    expect(frames).toHaveLength(0);
    last().stderr(...INPUT);
    last().stdout(FRAME);
    expect(frames).toHaveLength(1);
  });

  it('ends a file source at exit code 0 instead of respawning', () => {
    const { reader, procs, last, names } = setup({ source: { kind: 'file', path: '/clips/a.mp4' } });
    reader.start();
    expect(last().spec.inputOptions).not.toContain('-rtsp_transport');
    last().stderr("Input #0, mov,mp4, from '/clips/a.mp4':", INPUT[1]);
    last().stdout(FRAME);
    last().exit(0);
    jest.advanceTimersByTime(60_000);
    expect(names()).toEqual(['online', 'end']);
    expect(procs).toHaveLength(1);
  });
});

describe('CameraReader with a StartGate', () => {
  const flush = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('starts the next camera only when one already starting delivers its first frame or ends', async () => {
    const gate = new StartGate(1);
    const a = setup({ startGate: gate, cameraId: 'a' });
    const b = setup({ startGate: gate, cameraId: 'b' });
    const c = setup({ startGate: gate, cameraId: 'c' });
    a.reader.start();
    b.reader.start();
    c.reader.start();
    await flush();
    expect([a.procs.length, b.procs.length, c.procs.length]).toEqual([1, 0, 0]);
    expect([gate.starting, gate.waiting]).toEqual([1, 2]);
    // Waiting for a slot is not silence: b reports nothing while it waits.
    jest.advanceTimersByTime(2_500);
    expect(b.names()).toEqual([]);
    a.last().stderr(...INPUT);
    a.last().stdout(FRAME); // a is up: b may start
    await flush();
    expect([a.procs.length, b.procs.length, c.procs.length]).toEqual([1, 1, 0]);
    b.last().exit(1); // b fails to start: its slot goes to c
    await flush();
    expect(c.procs).toHaveLength(1);
    expect(gate.starting).toBe(1);
    // b's respawn waits behind c.
    jest.advanceTimersByTime(1000);
    await flush();
    expect(b.procs).toHaveLength(1);
    c.last().stderr(...INPUT);
    c.last().stdout(FRAME);
    await flush();
    expect(b.procs).toHaveLength(2);
  });

  it('gives the slot back when the reader is stopped while it waits', async () => {
    const gate = new StartGate(1);
    const a = setup({ startGate: gate });
    const b = setup({ startGate: gate });
    a.reader.start();
    b.reader.start();
    await flush();
    await b.reader.stop();
    a.last().exit(1);
    await flush();
    expect(b.procs).toHaveLength(0);
    expect([gate.starting, gate.waiting]).toEqual([0, 0]);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new StartGate(0)).toThrow('start gate: limit 0 must be a positive integer');
  });
});
