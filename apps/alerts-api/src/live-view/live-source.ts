import path from 'node:path';
import Mpeg1Muxer from 'node-rtsp-stream/mpeg1muxer';
import { exitDetail, RedactedLines, redactText } from '@xl/media';
import { liveViewFfmpegOptions, type LiveEncodeOptions } from './ffmpeg-args';

/** How a transcoding process ended; `lastError` explains it best (the camera's RTSP answer, else the last error line), credentials redacted. */
export interface LiveSourceExit {
  code: number | null;
  signal: string | null;
  lastError: string | null;
}

export interface LiveSourceHandlers {
  data(chunk: Buffer): void;
  exit(exit: LiveSourceExit): void;
}

/** One running camera → MPEG-TS/MPEG-1 transcoder. */
export interface LiveSource {
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited 2 s later. `exit` is still reported. */
  stop(): void;
}

/** Starts transcoders (the side effect behind the live view; mocked in unit tests). */
export abstract class LiveSourceLauncher {
  abstract start(url: string, encode: LiveEncodeOptions, handlers: LiveSourceHandlers): LiveSource;
}

const KILL_GRACE_MS = 2000;

/**
 * What the muxer spawns: ffmpeg with the camera's input options (RTSP over TCP, the protocol
 * whitelist, no frame-rate probing) placed before the `-i URL` the muxer writes first; see the script.
 */
export const LIVE_VIEW_FFMPEG = path.join(__dirname, 'ffmpeg-rtsp-input.sh');

/** node-rtsp-stream's Mpeg1Muxer: ffmpeg reading the camera, writing MPEG-TS with MPEG-1 video to stdout. */
export class Mpeg1MuxerLauncher extends LiveSourceLauncher {
  constructor(private readonly ffmpegPath = LIVE_VIEW_FFMPEG) {
    super();
  }

  start(url: string, encode: LiveEncodeOptions, handlers: LiveSourceHandlers): LiveSource {
    const muxer = new Mpeg1Muxer({ url, ffmpegPath: this.ffmpegPath, ffmpegOptions: liveViewFfmpegOptions(encode) });
    const child = muxer.stream;
    // The last lines, redacted: the camera's RTSP answer ("method SETUP failed: 503 …") explains an
    // exit better than ffmpeg's closing summary of it.
    const tail: string[] = [];
    const keep = (lines: string[]) => {
      tail.push(...lines.map((l) => l.trim().slice(0, 300)).filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 12));
    };
    const stderr = new RedactedLines(); // whole lines: a URL cut between two reads must not escape redaction
    let spawnError: string | null = null;
    let exited = false;
    muxer.on('mpeg1data', (chunk: Buffer) => handlers.data(chunk));
    // ffmpeg prints the input URL in some errors: only redacted text leaves this adapter.
    muxer.on('ffmpegStderr', (chunk: Buffer) => keep(stderr.push(chunk)));
    child.on('error', (err) => (spawnError = redactText(err.message)));
    child.once('close', (code, signal) => {
      exited = true;
      keep(stderr.end());
      handlers.exit({ code, signal, lastError: spawnError ?? (tail.length ? exitDetail(tail, '') : null) });
    });
    return {
      pid: child.pid,
      stop() {
        if (exited) return;
        child.kill('SIGTERM');
        setTimeout(() => !exited && child.kill('SIGKILL'), KILL_GRACE_MS).unref();
      },
    };
  }
}
