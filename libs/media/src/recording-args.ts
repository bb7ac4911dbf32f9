// Pure builders of the recording command lines: a camera's stream copied (never re-encoded) into
// keyframe-aligned MPEG-TS segments, a clip cut from segments without re-encoding (or re-encoded to
// H.264 when the camera records another codec), and one keyframe decoded into a JPEG. Every flag is
// asserted in recording-args.spec.ts.

import { RTSP_PROTOCOL_WHITELIST } from './ffmpeg-args';

export interface SegmentRecorderOptions {
  /** rtsp:// or rtsps:// URL, credentials included (redact before printing). */
  url: string;
  /** Socket I/O timeout in seconds (`-timeout`, µs in ffmpeg ≥ 5). */
  ioTimeoutSeconds: number;
  /** Target segment length; the muxer cuts at the first keyframe after it. */
  segmentSeconds: number;
  /** Output pattern with one %06d, e.g. /rec/cam-1/part-17-%06d.ts. */
  pattern: string;
}

/**
 * Drops every packet before the first keyframe that has a presentation time. Over RTSP ffmpeg gives
 * the first packet none; the MPEG-TS muxer fills it in only when it can derive it, which it cannot
 * for a camera that sends B-frames (H.264 or H.265): "first pts and dts value must be set", and the
 * recorder failed on every start (measured with the simulator). Dropping only that packet would start
 * the first segment without its keyframe and parameter sets (undecodable); so the recording starts
 * at the next keyframe, one GOP later. `st(0)`/`ld(0)` keep "seen" from one packet to the next.
 */
const FIRST_TIMED_KEYFRAME = 'noise=drop=if(ld(0)\\,0\\,if(key*not(eq(pts\\,nopts))\\,st(0\\,1)*0\\,1))';

/**
 * `-c copy` into segments: no decoding at all, so it costs what a bare copy reader costs. MPEG-TS
 * because a segment cut short (camera gone, process killed) is still playable up to its last
 * packet, and TS files concatenate. `-loglevel verbose` for the segment muxer's "segment:'…' starts
 * with packet … pts_time:…" lines, which tell the recorder when each segment began.
 */
export function segmentRecorderArgs(o: SegmentRecorderOptions): string[] {
  if (!(o.ioTimeoutSeconds > 0)) throw new Error(`recording args: ioTimeoutSeconds ${o.ioTimeoutSeconds} must be positive`);
  if (!(o.segmentSeconds > 0 && o.segmentSeconds <= 60)) throw new Error(`recording args: segmentSeconds ${o.segmentSeconds} must be in (0, 60]`);
  if ((o.pattern.match(/%0?\d*d/g) ?? []).length !== 1) throw new Error(`recording args: pattern "${o.pattern}" must contain exactly one %d / %06d`);
  return [
    '-hide_banner',
    '-nostats',
    '-loglevel', 'verbose',
    '-rtsp_transport', 'tcp',
    '-protocol_whitelist', RTSP_PROTOCOL_WHITELIST,
    '-timeout', String(Math.round(o.ioTimeoutSeconds * 1_000_000)),
    '-i', o.url,
    '-map', '0:v:0', // the picture only: audio would double the bytes and no rule uses it
    '-c', 'copy',
    '-bsf:v', FIRST_TIMED_KEYFRAME,
    '-f', 'segment',
    '-segment_time', String(o.segmentSeconds),
    '-segment_format', 'mpegts',
    '-reset_timestamps', '1', // every segment starts at 0: a keyframe's offset inside it is its own time
    o.pattern,
  ];
}

export interface ClipCutOptions {
  /** ffconcat list naming the segments in order (see `concatList`). */
  listFile: string;
  /** Where the clip's presentation starts, seconds after the first segment's start (≥ 0). */
  offsetSeconds: number;
  /** Presentation length, seconds. */
  durationSeconds: number;
  /** Output .mp4. */
  output: string;
}

/**
 * A clip from consecutive segments without re-encoding. The first segment starts on a keyframe;
 * `-itsoffset -offset` shifts everything before the wanted start to negative times, which the MP4
 * muxer keeps (decodable from the keyframe) behind an edit list, so players start exactly at the
 * wanted moment and the clip's duration is the one asked for. `-ss` would not do: with stream copy it
 * drops the frames before the next keyframe and the clip would start up to a GOP late.
 */
export function clipCutArgs(o: ClipCutOptions): string[] {
  checkClip(o);
  return [
    ...QUIET_OVERWRITE,
    '-itsoffset', seconds(-o.offsetSeconds),
    '-f', 'concat',
    '-safe', '0', // absolute segment paths, written by us
    '-i', o.listFile,
    '-map', '0:v:0',
    '-c', 'copy',
    '-t', seconds(o.durationSeconds),
    '-avoid_negative_ts', 'disabled', // keep the pre-roll before 0: the edit list hides it
    '-movflags', '+faststart', // index first: a browser can seek before the whole file arrived
    '-f', 'mp4',
    o.output,
  ];
}

/**
 * The same clip re-encoded to H.264, for a camera that records another codec (H.265 mostly): browsers
 * play H.264 in MP4 everywhere, H.265 only on some systems with hardware decoding, and an evidence clip
 * the duty officer cannot open is no evidence. `-ss` as an output option: everything from the first
 * segment's keyframe is decoded and what precedes the wanted start dropped (as an input option the
 * concat demuxer seeks into the middle of a GOP and the clip starts with a broken picture, measured).
 * One thread for the decoder and one for the encoder: the ingest host's cores belong to its live
 * cameras (veryfast, CRF 23: ~9 s of one core for 20 s of 1080p here).
 */
export function clipTranscodeArgs(o: ClipCutOptions): string[] {
  checkClip(o);
  return [
    ...QUIET_OVERWRITE,
    '-threads', '1', // decoder
    '-f', 'concat',
    '-safe', '0',
    '-i', o.listFile,
    '-map', '0:v:0',
    '-ss', seconds(o.offsetSeconds), // after -i: decoded from the first segment's keyframe, dropped until then
    '-t', seconds(o.durationSeconds),
    '-c:v', 'libx264',
    '-preset', 'veryfast',
    '-crf', '23',
    '-pix_fmt', 'yuv420p', // 8-bit 4:2:0, what every browser decodes (from H.265 Main10 too)
    '-x264-params', 'threads=1', // encoder
    '-movflags', '+faststart',
    '-f', 'mp4',
    o.output,
  ];
}

/** A clip's ffmpeg: errors only on stderr, no banner or progress, the output written over. */
const QUIET_OVERWRITE = ['-hide_banner', '-nostats', '-loglevel', 'error', '-y'];

function checkClip(o: ClipCutOptions): void {
  if (!(o.offsetSeconds >= 0 && Number.isFinite(o.offsetSeconds))) throw new Error(`clip args: offsetSeconds ${o.offsetSeconds} must be >= 0`);
  if (!(o.durationSeconds > 0 && Number.isFinite(o.durationSeconds))) throw new Error(`clip args: durationSeconds ${o.durationSeconds} must be > 0`);
}

/** An ffconcat file listing segment paths (absolute, written by the recorder: no quoting surprises). */
export function concatList(files: string[]): string {
  for (const f of files) if (/['\n\r]/.test(f)) throw new Error(`concat list: unsupported character in "${f}"`);
  return ['ffconcat version 1.0', ...files.map((f) => `file '${f}'`), ''].join('\n');
}

export interface KeyframeSnapshotOptions {
  /** A segment (starts on a keyframe). */
  segment: string;
  /** The wanted moment, seconds after the segment's start; the last keyframe at or before it is taken. */
  offsetSeconds: number;
  /** Output .jpg. */
  output: string;
}

/**
 * The last keyframe at or before the offset, as a JPEG at full resolution. Only keyframes are decoded
 * (`-skip_frame nokey`): a segment holds one or a few, each written over the previous one (`-update`),
 * so the file left is the last one selected. (`-ss` cannot do this: TS segments start at 1.4 s, and
 * with only keyframes decoded it skips them all.)
 */
export function keyframeSnapshotArgs(o: KeyframeSnapshotOptions): string[] {
  if (!(o.offsetSeconds >= 0 && Number.isFinite(o.offsetSeconds))) throw new Error(`snapshot args: offsetSeconds ${o.offsetSeconds} must be >= 0`);
  return [
    '-hide_banner',
    '-nostats',
    '-loglevel', 'error',
    '-y',
    '-threads', '1',
    '-skip_frame', 'nokey',
    '-i', o.segment,
    '-map', '0:v:0',
    '-vf', `select='lte(t-start_t,${seconds(o.offsetSeconds)})'`,
    '-fps_mode', 'passthrough',
    '-update', '1',
    '-q:v', '2', // high JPEG quality: this is the picture a case is built on
    '-f', 'image2',
    o.output,
  ];
}

function seconds(value: number): string {
  return (Math.round(value * 1000) / 1000).toFixed(3);
}
