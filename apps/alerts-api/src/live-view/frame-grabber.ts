import { execFile } from 'node:child_process';
import sharp from 'sharp';
import type { OfflineReason } from '@xl/contracts';
import { classifyExit, redactText } from '@xl/media';
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

/** ffmpeg decodes one picture to PNG (~45 ms spawn, ~1 s to the first keyframe); sharp encodes the JPEG. */
export class FfmpegFrameGrabber extends FrameGrabber {
  constructor(private readonly ffmpegPath = 'ffmpeg') {
    super();
  }

  async grab(url: string, options: GrabOptions): Promise<Buffer> {
    const png = await new Promise<Buffer>((resolve, reject) => {
      execFile(
        this.ffmpegPath,
        frameGrabArgs(url, options),
        { encoding: 'buffer', timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (stdout.length > 0) return resolve(stdout);
          const lines = redactText(stderr.toString('utf8')).trim().split('\n');
          const lastLine = lines.at(-1)?.slice(0, 300);
          const why = err?.killed ? `no picture within ${options.timeoutMs / 1000} s` : lastLine || (err ? redactText(err.message) : 'ffmpeg wrote no picture');
          // Killed by our timeout: no answer. Otherwise what its stderr says (refused, 404, 401 …), else 'exited'.
          const reason = err?.killed
            ? 'timeout'
            : classifyExit({ watchdogFired: false, code: typeof err?.code === 'number' ? err.code : null, signal: null, stderr: lines, silentMs: 0, hadOutput: false, ioTimeoutMs: Infinity });
          reject(new FrameGrabError(why, reason));
        },
      );
    });
    return sharp(png).jpeg({ quality: 80, mozjpeg: false }).toBuffer();
  }
}
