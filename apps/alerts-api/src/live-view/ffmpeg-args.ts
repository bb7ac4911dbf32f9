// Pure builders of the two ffmpeg command lines behind the console's camera pictures; every flag is
// asserted in ffmpeg-args.spec.ts.

import { RTSP_PROTOCOL_WHITELIST } from '@xl/media';

export interface LiveEncodeOptions {
  width: number;
  frameRate: number;
  bitrateKbps: number;
}

/**
 * Pictures from one I-picture to the next (ffmpeg's default for MPEG-1, stated): ~0.5 s at 25 fps. A
 * viewer that fell behind goes on at the next one (live-view-hub.ts).
 */
export const LIVE_GOP_PICTURES = 12;

/** The options node-rtsp-stream's Mpeg1Muxer puts before and after ours: `ffmpeg -i URL -f mpegts -codec:v mpeg1video … -`. */
const MUXER_HEAD = ['-f', 'mpegts', '-codec:v', 'mpeg1video'];

/**
 * Output options for node-rtsp-stream's Mpeg1Muxer (`ffmpegOptions`: key = flag, '' = flag without
 * value; kept in insertion order). The muxer writes `-i URL` first, so no input option can go here:
 * the camera's input options come from the program it spawns (ffmpeg-rtsp-input.sh),
 * and a stalled camera is caught by the hub's no-data timer rather than by `-timeout`. Global
 * options (-loglevel, -nostdin) are honoured anywhere on the line.
 */
export function liveViewFfmpegOptions(o: LiveEncodeOptions): Record<string, string> {
  return {
    '-nostdin': '',
    '-hide_banner': '',
    '-loglevel': 'error', // stderr carries only errors, the last of which explains an exit
    '-an': '', // the player is muted; no audio to encode
    '-vf': `scale=w='min(${o.width},iw)':h=-2`, // never upscale; even height for the encoder
    '-r': String(o.frameRate), // MPEG-1 accepts only standard rates
    '-b:v': `${o.bitrateKbps}k`,
    '-bf': '0', // no B-frames: JSMpeg decodes P-frames only, and they add latency
    '-g': String(LIVE_GOP_PICTURES), // an I-picture every 12: where a viewer that fell behind goes on (LiveViewHub)
    '-threads': '1',
  };
}

/** The argv Mpeg1Muxer spawns for `url` and these options (what the process tests find in /proc). */
export function mpeg1MuxerArgv(url: string, options: Record<string, string>): string[] {
  const extra = Object.entries(options).flatMap(([flag, value]) => (value === '' ? [flag] : [flag, value]));
  return ['-i', url, ...MUXER_HEAD, ...extra, '-'];
}

export interface FrameGrabOptions {
  /** Largest output width; the picture is never upscaled. */
  width: number;
  /** RTSP socket I/O timeout. */
  ioTimeoutSeconds: number;
}

/**
 * One decoded picture of an RTSP camera as PNG on stdout (sharp turns it into the JPEG served).
 * No -nostdin: a grab that gives up sends 'q', which ffmpeg reads only once the camera's session is
 * fully open, so it always closes it (TEARDOWN); a signal during the opening would abort it without.
 */
export function frameGrabArgs(url: string, o: FrameGrabOptions): string[] {
  return [
    '-hide_banner',
    '-loglevel', 'error',
    '-rtsp_transport', 'tcp',
    '-protocol_whitelist', RTSP_PROTOCOL_WHITELIST,
    '-fpsprobesize', '0', // no rate probing: the picture 0.8 s sooner
    '-timeout', String(Math.round(o.ioTimeoutSeconds * 1_000_000)), // µs; without it a stalled camera hangs ffmpeg
    '-i', url,
    '-an',
    '-frames:v', '1',
    '-vf', `scale=w='min(${o.width},iw)':h=-2`,
    '-f', 'image2pipe',
    '-c:v', 'png',
    'pipe:1',
  ];
}
