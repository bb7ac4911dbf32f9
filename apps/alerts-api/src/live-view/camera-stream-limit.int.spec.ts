import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CameraSimulator, describeWithShared, readRtspFramesAfterTeardown, requireShared, watchRtsp } from '@xl/testing';
import { FfmpegFrameGrabber, FrameGrabError, GRAB_TEARDOWN_GRACE_MS } from './frame-grabber';
import { Mpeg1MuxerLauncher, type LiveSourceExit } from './live-source';

// The API's picture grab and live view against real ffmpeg and a simulated camera that, like many
// cameras, serves one stream at a time: a grab must never leave its session behind, or ingest is
// locked out, and a refusal must say what the camera answered.

jest.setTimeout(60_000);
const CLIP = 'media/clips/drowning_sub.mp4';
const options = { width: 960, ioTimeoutSeconds: 5 };

describeWithShared([CLIP])('picture grab and live view on a camera that serves one stream (real ffmpeg, RTSP simulator)', () => {
  const simulator = new CameraSimulator({ loopSeconds: 60 });
  const scratch = mkdtempSync(path.join(tmpdir(), 'xl-grab-'));
  let url: string;

  beforeAll(async () => {
    [{ url }] = await simulator.start([{ id: 'one-stream', clip: requireShared(CLIP), maxSessions: 1 }]);
  });
  afterAll(async () => {
    await simulator.stopAll();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('returns a JPEG of the picture, and frees the camera after it', async () => {
    const jpeg = await new FfmpegFrameGrabber().grab(url, { ...options, timeoutMs: 10_000 });
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(await readRtspFramesAfterTeardown(url)).toMatchObject({ code: 0, stderr: '' });
  });

  it("closes the camera's session when it gives up ('q': TEARDOWN), so the one stream is free at once", async () => {
    // 300 ms: the session is being set up or open, the first picture (~1 s) not decoded yet. A
    // SIGKILL, or a SIGTERM while ffmpeg was still opening, left the slot taken for the camera's 60 s
    // session timeout: the next reader got 503.
    const error = await new FfmpegFrameGrabber().grab(url, { ...options, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameGrabError);
    expect(error).toMatchObject({ reason: 'timeout', message: 'no picture within 0.3 s' });
    expect(await readRtspFramesAfterTeardown(url)).toMatchObject({ code: 0, stderr: '' });
  });

  it('reports the camera at its limit as busy, naming its answer', async () => {
    const holder = watchRtsp(url, { timeoutMs: 20_000 });
    try {
      for (const deadline = Date.now() + 10_000; holder.frames() === 0; ) {
        if (Date.now() > deadline) throw new Error('the other viewer got no frame within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const error = await new FfmpegFrameGrabber().grab(url, { ...options, timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ reason: 'busy', message: expect.stringMatching(/method SETUP failed: 503 Service Unavailable/) });
      // The live view's transcoder, refused the same way, reports the camera's answer to its viewers.
      const exit = await new Promise<LiveSourceExit>((resolve) => {
        new Mpeg1MuxerLauncher().start(url, { width: 320, frameRate: 10, bitrateKbps: 300 }, { data: () => undefined, exit: resolve });
      });
      expect(exit.lastError).toMatch(/method SETUP failed: 503 Service Unavailable/);
    } finally {
      holder.stop();
      await holder.exited;
    }
  });

  /** A stand-in for ffmpeg: a shell script (it starts at once, where Node could still be loading). */
  const fakeFfmpeg = (name: string, script: string) => {
    const file = path.join(scratch, name);
    writeFileSync(file, `#!/bin/sh\n${script}`);
    chmodSync(file, 0o755);
    return file;
  };

  it("waits for an ffmpeg still opening the camera to read its 'q' rather than signalling it", async () => {
    const log = path.join(scratch, 'opening.log');
    // Opens for 1.5 s (the grab gives up after 200 ms), then reads stdin as ffmpeg's main loop does.
    // Its sleep holds none of the grabber's pipes.
    const slowOpener = fakeFfmpeg(
      'ffmpeg-slow-to-open',
      `trap 'echo TERM >> ${log}; exit 1' TERM\nsleep 1.5 </dev/null >/dev/null 2>&1 &\nwait $!\necho opened >> ${log}\necho "read $(head -c 1)" >> ${log}\n`,
    );
    const error = await new FfmpegFrameGrabber(slowOpener).grab(url, { ...options, ioTimeoutSeconds: 5, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'timeout', message: 'no picture within 0.2 s' });
    expect(readFileSync(log, 'utf8')).toBe('opened\nread q\n');
  });

  it("kills an ffmpeg that heeds neither 'q' nor SIGTERM: SIGTERM after the I/O timeout, SIGKILL after the grace", async () => {
    // It ignores SIGTERM and never reads stdin; its sleep holds none of the grabber's pipes, so only
    // the SIGKILL of the shell ends the grab.
    const stubborn = fakeFfmpeg('ffmpeg-ignoring-sigterm', `trap '' TERM\nsleep 10 </dev/null >/dev/null 2>&1 &\nwait\n`);
    const started = Date.now();
    const error = await new FfmpegFrameGrabber(stubborn).grab(url, { ...options, ioTimeoutSeconds: 1, timeoutMs: 200 }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(200 + 1000 + GRAB_TEARDOWN_GRACE_MS - 50);
    expect(elapsed).toBeLessThan(200 + 1000 + GRAB_TEARDOWN_GRACE_MS + 5_000);
  });
});
