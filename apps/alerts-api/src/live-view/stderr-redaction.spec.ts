import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FfmpegFrameGrabber, FrameGrabError } from './frame-grabber';
import { Mpeg1MuxerLauncher, type LiveSourceExit } from './live-source';

// A camera URL that ffmpeg prints in two writes, read by Node in two chunks: redacted chunk by chunk,
// the second piece held the password with no scheme to mark it as a URL (live-view review, note 6).
// A stand-in for ffmpeg writes it so; everything else is the real adapters.

describe('ffmpeg stderr reaches errors redacted, however it was cut', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xl-stderr-'));
  const fakeFfmpeg = path.join(dir, 'ffmpeg');
  writeFileSync(fakeFfmpeg, "#!/bin/sh\nprintf 'rtsp://admin:Pond' >&2\nsleep 0.3\nprintf '2024@10.0.0.7/sub: Connection refused\\n' >&2\nexit 2\n");
  chmodSync(fakeFfmpeg, 0o755);
  // One error line of 8,010 bytes that starts with the URL: the grabber kept the last 8,000 characters
  // of stderr, which began inside the URL ("in:Pond2024@…"), no scheme left to mark it as one.
  const longLineFfmpeg = path.join(dir, 'ffmpeg-long');
  const prefix = 'rtsp://admin:Pond2024@10.0.0.7/sub: ';
  writeFileSync(longLineFfmpeg, `#!/bin/sh\nprintf '%s%s\\n' '${prefix}' '${'x'.repeat(8010 - 1 - prefix.length)}' >&2\nexit 2\n`);
  chmodSync(longLineFfmpeg, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('in the live view transcoder exit detail', async () => {
    const exit = await new Promise<LiveSourceExit>((resolve) =>
      new Mpeg1MuxerLauncher(fakeFfmpeg).start('rtsp://admin:Pond2024@10.0.0.7/sub', { width: 640, frameRate: 25, bitrateKbps: 800 }, { data: () => undefined, exit: resolve }),
    );
    expect(exit.lastError).toBe('rtsp://***:***@10.0.0.7/sub: Connection refused');
  });

  it('in a frame grab error', async () => {
    const failed = await new FfmpegFrameGrabber(fakeFfmpeg).grab('rtsp://admin:Pond2024@10.0.0.7/sub', { width: 960, ioTimeoutSeconds: 5, timeoutMs: 8000 }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(FrameGrabError);
    expect((failed as FrameGrabError).message).toBe('rtsp://***:***@10.0.0.7/sub: Connection refused');
    expect((failed as FrameGrabError).reason).toBe('refused');
  });

  it('in a frame grab error whose stderr outgrew what is kept: a line too long is dropped whole, never cut', async () => {
    const failed = await new FfmpegFrameGrabber(longLineFfmpeg).grab('rtsp://admin:Pond2024@10.0.0.7/sub', { width: 960, ioTimeoutSeconds: 5, timeoutMs: 8000 }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(FrameGrabError);
    expect((failed as FrameGrabError).message).toBe('ffmpeg exited with code 2 and wrote no picture');
  });
});
