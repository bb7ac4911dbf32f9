// What ffmpeg's stderr tells the supervisor: the source picture size (from the input's Stream line,
// so no extra ffprobe connection per camera) and why a reader ended.
import type { OfflineReason } from '@xl/contracts';
import { redactText } from './redact';

export interface PictureSize {
  width: number;
  height: number;
}

const STREAM_SIZE = /^\s*Stream #\d+:\d+.*?: Video: .*?,\s*(\d{1,5})x(\d{1,5})(?=[\s,[]|$)/;

/** Width and height of a "Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x360 …" line, else null. */
export function parseVideoStreamSize(line: string): PictureSize | null {
  const m = STREAM_SIZE.exec(line);
  if (!m) return null;
  const width = Number(m[1]);
  const height = Number(m[2]);
  return width > 0 && height > 0 ? { width, height } : null;
}

// With -reinit_filter 0, each decoded frame whose size differs from the filter graph's (ffmpeg 5.1:
// "… filter context - w: 640 h: 360 fmt: 0, incoming frame - w: 704 h: 576 fmt: 0 pts_time: 3";
// later versions add colour fields between).
const SIZE_CHANGE = /filter context - w: (\d{1,5}) h: (\d{1,5}) .*incoming frame - w: (\d{1,5}) h: (\d{1,5})/;

/** The new picture size of a "filter context … incoming frame …" line when it differs, else null. */
export function parseSizeChange(line: string): PictureSize | null {
  const m = SIZE_CHANGE.exec(line);
  if (!m || (m[1] === m[3] && m[2] === m[4])) return null;
  const width = Number(m[3]);
  const height = Number(m[4]);
  return width > 0 && height > 0 ? { width, height } : null;
}

// "frame=   42 fps=2.0 q=-0.0 size=N/A time=00:00:21.04 bitrate=N/A speed=   1x" (spaces vary by version).
const PROGRESS = /^frame=\s*(\d+)\b.*?\btime=(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/;

/**
 * The stream time (seconds) of the last frame written, from a progress line; null for other lines, a
 * line before the first frame (`frame=0`, `time=N/A`) and a negative time.
 */
export function parseProgressTime(line: string): number | null {
  const m = PROGRESS.exec(line.trim());
  if (!m || Number(m[1]) === 0 || m[2] === '-') return null;
  return Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
}

/** A progress line (kept out of the stderr tail: it would push the telling lines out). */
export function isProgressLine(line: string): boolean {
  return /^\s*frame=\s*\d+/.test(line);
}

/**
 * Follows ffmpeg's stderr line by line. The input section ("Input #0, rtsp, from …") lists the
 * camera's streams; the output section lists ours (416x416 rawvideo), which must not be mistaken for
 * the source. Keeps the last few lines (redacted) for the offline detail.
 */
export class FfmpegStderrParser {
  private section: 'none' | 'input' | 'output' = 'none';
  private size: PictureSize | null = null;
  private changedTo: PictureSize | null = null;
  private readonly tail: string[] = [];

  constructor(private readonly keepLines = 12) {}

  /** The source picture size once the input's video stream line was seen. */
  get sourceSize(): PictureSize | null {
    return this.size;
  }

  /** The size the source changed to mid-stream (first change only), or null. */
  get sizeChange(): PictureSize | null {
    return this.changedTo;
  }

  /** Returns the source size if this line revealed it (first time only). */
  feed(rawLine: string): PictureSize | null {
    const line = rawLine.trimEnd();
    if (!line || isProgressLine(line)) return null;
    this.tail.push(redactText(line));
    if (this.tail.length > this.keepLines) this.tail.shift();
    if (/^Input #\d+/.test(line)) this.section = 'input';
    else if (/^Output #\d+/.test(line)) this.section = 'output';
    else if (this.section === 'input' && !this.size) {
      const size = parseVideoStreamSize(line);
      if (size) {
        this.size = size;
        return size;
      }
    } else if (this.size && !this.changedTo) {
      this.changedTo = parseSizeChange(line);
    }
    return null;
  }

  /** The kept lines, oldest first, credentials redacted. */
  lines(): string[] {
    return [...this.tail];
  }
}

/** What the supervisor knows when a reader ended. */
export interface ExitContext {
  /** The no-frame watchdog stopped this process. */
  watchdogFired: boolean;
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  /** Recent stderr lines, oldest first. */
  stderr: string[];
  /** Time without a frame when the process ended (since spawn when it never delivered one). */
  silentMs: number;
  /** The process delivered at least one frame (or segment) before it went silent. */
  hadOutput: boolean;
  /** ffmpeg's I/O timeout in ms. */
  ioTimeoutMs: number;
}

const PATTERNS: Array<[RegExp, OfflineReason]> = [
  [/\b40[13]\b|Unauthorized|Forbidden/i, 'unauthorized'],
  // A camera at its limit of streams: gst-rtsp-server and many cameras answer SETUP or DESCRIBE with
  // 503, some (Hikvision among them) with 453. The slot of a reader killed without a TEARDOWN stays
  // taken until the camera's session timeout (60 s on gst-rtsp-server).
  // ffmpeg prints "method SETUP failed: 503 Service Unavailable"; the reason phrase varies by vendor.
  [/failed: (?:503|453)\b|\b503 Service Unavailable|\b453 Not Enough Bandwidth/i, 'busy'],
  // RTSP over TCP refused ("method SETUP failed: 461 Unsupported transport"), or answered with
  // another transport ("Nonmatching transport in server reply"): the camera streams over UDP only.
  [/failed: 461\b|\b461 Unsupported transport|Nonmatching transport/i, 'udp_only'],
  [/\b404\b|Not Found/, 'not_found'],
  [/Connection refused/i, 'refused'],
  [/timed out|Operation timed out/i, 'timeout'],
  // Decoder complaints ("error while decoding MB") are not here: ffmpeg conceals them and keeps running.
  [/Invalid data found/i, 'invalid_data'],
];

/**
 * Time without output counted as ffmpeg's I/O timeout although a little shorter: the silence is
 * measured from when Node took the last frame off the pipe, which a busy event loop does late.
 */
export const SILENCE_SLACK_MS = 1000;

/**
 * Why a live reader ended. Exit code 0 is not success for a camera: a server that dies mid-stream
 * and an I/O timeout after a stall both end ffmpeg with code 0 and no error text (shared/RTSP.md),
 * so the cause comes from context: the watchdog, the stderr text, then how long it had been silent.
 */
export function classifyExit(ctx: ExitContext): OfflineReason {
  if (ctx.watchdogFired) return 'stalled';
  const text = ctx.stderr.join('\n');
  const said = PATTERNS.find(([pattern]) => pattern.test(text))?.[1] ?? null;
  const timedOut = said === 'timeout' || (said === null && ctx.silentMs >= ctx.ioTimeoutMs - SILENCE_SLACK_MS);
  // A stream that was flowing and went silent until ffmpeg's own I/O timeout is the outage the
  // watchdog reports: which of the two fires first is a race of a few hundred ms.
  if (timedOut) return ctx.hadOutput ? 'stalled' : 'timeout';
  return said ?? 'exited';
}

/**
 * The line that best explains an exit: the camera's own RTSP answer ("method SETUP failed: 503 Service
 * Unavailable") over ffmpeg's summary of it ("Server returned 5XX Server Error reply"), else the last
 * error-looking line, else the last line.
 */
export function exitDetail(stderr: string[], fallback: string): string {
  for (let i = stderr.length - 1; i >= 0; i--) {
    if (/method \w+ failed: \d{3}\b/.test(stderr[i])) return stderr[i].trim();
  }
  for (let i = stderr.length - 1; i >= 0; i--) {
    if (/error|fail|refused|invalid|not found|unauthori[sz]ed|forbidden|unavailable|bandwidth|timed out|\b40\d\b|\b45\d\b|\b50\d\b/i.test(stderr[i])) return stderr[i].trim();
  }
  return stderr.length ? stderr[stderr.length - 1].trim() : fallback;
}
