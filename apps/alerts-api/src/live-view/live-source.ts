import Mpeg1Muxer from 'node-rtsp-stream/mpeg1muxer';
import { redactText } from '@xl/media';
import { liveViewFfmpegOptions, type LiveEncodeOptions } from './ffmpeg-args';

/** How a transcoding process ended; `lastError` is its last stderr line, credentials redacted. */
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

/** node-rtsp-stream's Mpeg1Muxer: ffmpeg reading the camera, writing MPEG-TS with MPEG-1 video to stdout. */
export class Mpeg1MuxerLauncher extends LiveSourceLauncher {
  constructor(private readonly ffmpegPath = 'ffmpeg') {
    super();
  }

  start(url: string, encode: LiveEncodeOptions, handlers: LiveSourceHandlers): LiveSource {
    const muxer = new Mpeg1Muxer({ url, ffmpegPath: this.ffmpegPath, ffmpegOptions: liveViewFfmpegOptions(encode) });
    const child = muxer.stream;
    let lastError: string | null = null;
    let exited = false;
    muxer.on('mpeg1data', (chunk: Buffer) => handlers.data(chunk));
    // ffmpeg prints the input URL in some errors: only redacted text leaves this adapter.
    muxer.on('ffmpegStderr', (text: Buffer) => {
      const lines = redactText(text.toString('utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
      if (lines.length) lastError = lines[lines.length - 1].slice(0, 300);
    });
    child.on('error', (err) => (lastError = redactText(err.message)));
    child.once('close', (code, signal) => {
      exited = true;
      handlers.exit({ code, signal, lastError });
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
