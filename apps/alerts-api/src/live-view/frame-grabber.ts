import { spawn } from 'node:child_process';
import sharp from 'sharp';
import type { OfflineReason } from '@xl/contracts';
import { classifyExit, exitDetail, RedactedLines, redactText } from '@xl/media';
import { frameGrabArgs, type FrameGrabOptions } from './ffmpeg-args';

export interface GrabOptions extends FrameGrabOptions {
  timeoutMs: number;
}

/** No picture came; `reason` classifies why as ingest classifies a camera going offline. */
export class FrameGrabError extends Error {
  constructor(
    message: string,
    readonly reason: OfflineReason,
  ) {
    super(message);
  }
}

/** Takes one picture from a camera (the side effect behind the latest frame; mocked in unit tests). */
export abstract class FrameGrabber {
  /** A JPEG of the camera's current picture; FrameGrabError (credentials redacted) when none came. */
  abstract grab(url: string, options: GrabOptions): Promise<Buffer>;
}

/** The most PNG bytes read from one grab (a 4K picture is ~25 MB). */
const MAX_PNG_BYTES = 64 * 1024 * 1024;
/** stderr lines a grab keeps for its error: the camera's answer is among the last few. */
const STDERR_LINES = 40;

/**
 * After a timed-out grab's SIGTERM, how long ffmpeg has to close the RTSP session before SIGKILL.
 * A reader killed outright keeps its session on the camera until the camera's session timeout (60 s
 * on gst-rtsp-server), and a camera that serves few streams then refuses the next one — ingest's
 * analysis reader among them ('busy').
 */
export const GRAB_TEARDOWN_GRACE_MS = 1000;

/**
 * A grab that gives up asks ffmpeg to quit with 'q' on stdin, and sends SIGTERM only when ffmpeg has
 * not quit after `ioTimeoutSeconds`. Why not SIGTERM at once: ffmpeg reads 'q' in its main loop, after
 * the camera's session is open, and then sends TEARDOWN; a SIGTERM that lands while it is still
 * opening (SETUP answered, the stream not yet probed — a few hundred ms on a loaded machine) aborts
 * the opening without one, and the session stays taken. Its own I/O timeout ends an opening that hangs.
 */
export const grabQuitGraceMs = (options: FrameGrabOptions): number => Math.round(options.ioTimeoutSeconds * 1000);

/** ffmpeg decodes one picture to PNG (~45 ms spawn, ~1 s to the first keyframe); sharp encodes the JPEG. */
export class FfmpegFrameGrabber extends FrameGrabber {
  constructor(private readonly ffmpegPath = 'ffmpeg') {
    super();
  }

  async grab(url: string, options: GrabOptions): Promise<Buffer> {
    const png = await this.decodeOne(url, options);
    return sharp(png).jpeg({ quality: 80, mozjpeg: false }).toBuffer();
  }

  private decodeOne(url: string, options: GrabOptions): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(this.ffmpegPath, frameGrabArgs(url, options), { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.on('error', () => undefined); // EPIPE when ffmpeg is already gone
      const png: Buffer[] = [];
      let pngBytes = 0;
      // Whole redacted lines, the last STDERR_LINES: cutting the text at a length could cut a URL's scheme off.
      const stderrLines = new RedactedLines();
      const stderr: string[] = [];
      const keep = (lines: string[]) => {
        stderr.push(...lines);
        stderr.splice(0, Math.max(0, stderr.length - STDERR_LINES));
      };
      let stoppedBecause: 'timeout' | 'too_large' | null = null;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const stop = (why: 'timeout' | 'too_large') => {
        if (stoppedBecause) return;
        stoppedBecause = why;
        if (child.stdin.writable) child.stdin.write('q');
        timers.push(
          setTimeout(() => {
            child.kill('SIGTERM');
            timers.push(setTimeout(() => child.kill('SIGKILL'), GRAB_TEARDOWN_GRACE_MS));
          }, grabQuitGraceMs(options)),
        );
      };
      const finish = (result: Buffer | FrameGrabError) => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        if (result instanceof FrameGrabError) reject(result);
        else resolve(result);
      };
      timers.push(setTimeout(() => stop('timeout'), options.timeoutMs));
      child.stdout.on('data', (chunk: Buffer) => {
        pngBytes += chunk.length;
        if (pngBytes > MAX_PNG_BYTES) return stop('too_large');
        png.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => keep(stderrLines.push(chunk)));
      child.once('error', (err) => finish(new FrameGrabError(redactText(err.message), 'exited')));
      child.once('close', (code) => {
        if (stoppedBecause === 'timeout') return finish(new FrameGrabError(`no picture within ${options.timeoutMs / 1000} s`, 'timeout'));
        if (stoppedBecause === 'too_large') return finish(new FrameGrabError(`picture larger than ${MAX_PNG_BYTES} bytes`, 'invalid_data'));
        // A picture is a picture even when ffmpeg complains on its way out; sharp checks it is whole.
        if (pngBytes > 0) return finish(Buffer.concat(png));
        // What its stderr says (refused, 404, 401, 503 …), else 'exited'.
        keep(stderrLines.end());
        const lines = stderr.map((l) => l.trim()).filter(Boolean);
        const detail = exitDetail(lines, `ffmpeg exited with code ${code} and wrote no picture`).slice(0, 300);
        const reason = classifyExit({ watchdogFired: false, code, signal: null, stderr: lines, silentMs: 0, hadOutput: false, ioTimeoutMs: Infinity });
        finish(new FrameGrabError(detail, reason));
      });
    });
  }
}
