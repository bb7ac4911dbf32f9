// Pure builders of the ffmpeg command lines that turn a camera (or a local clip) into letterboxed
// raw BGR frames on stdout. Kept separate from the process code so every flag is asserted in a test.

/** What the frame pipeline asks ffmpeg for; the same for live cameras and local files. */
export interface FrameOutputOptions {
  /** Frames per second sampled from the stream (the `fps` filter, applied first so the rest runs at this rate). */
  fps: number;
  /** Detector input size; the picture is scaled to fit and padded to exactly width × height. */
  width: number;
  height: number;
}

export interface RtspInputOptions extends FrameOutputOptions {
  /** rtsp:// or rtsps:// URL, credentials included (redact before printing). */
  url: string;
  /** Socket I/O timeout in seconds (`-timeout`, in µs for ffmpeg ≥ 5): without it a stalled server hangs ffmpeg forever. */
  ioTimeoutSeconds: number;
}

export interface FileInputOptions extends FrameOutputOptions {
  path: string;
  /** Read at the file's native rate (`-re`), as a live camera would deliver it. Default false: as fast as possible. */
  realtime?: boolean;
  /** Play the file this many extra times (`-stream_loop`); -1 loops forever. Default 0. */
  loop?: number;
}

/**
 * An ffmpeg invocation in the shape fluent-ffmpeg takes it: options before `-i input`, then output
 * options; the output itself is always stdout (`pipe:1`).
 */
export interface FfmpegCommandSpec {
  input: string;
  inputOptions: string[];
  outputOptions: string[];
}

/** Pad colour 114 grey: what YOLOX was trained with, so the padding looks like nothing to the detector. */
export const LETTERBOX_PAD_COLOR = '0x727272';

/**
 * The only protocols ffmpeg may open for a camera (`-protocol_whitelist`): RTSP over TCP runs on
 * `tcp`, RTSPS on `tls`. URLs are checked when a camera is saved; this is the second line, so that no
 * other way of reaching ffmpeg (a redirect, a crafted URL) can make it open a file, HTTP or UDP.
 */
export const RTSP_PROTOCOL_WHITELIST = 'tcp,tls';

/** Bytes of one bgr24 frame of the given size. */
export function frameByteLength(width: number, height: number): number {
  return width * height * 3;
}

/**
 * Seconds between the progress lines ("frame= … time=00:01:02.50 …") of a live reader: `time` is the
 * stream time of the last frame written, which the reader holds against the wall clock to see how far
 * behind real time the camera's stream arrives (stream-delay.ts).
 */
export const STATS_PERIOD_SECONDS = 2;

/** Logging and threading flags every reader uses. */
function commonInputOptions(): string[] {
  return [
    '-hide_banner',
    '-loglevel', 'info', // 'info' keeps the input "Stream #0:0: Video: … 640x360" line that gives the source size
    // One decoder thread: default threading costs more CPU and 15–26 MiB per process without helping a
    // live source at a few fps (measured, shared/RTSP.md).
    '-threads', '1',
    '-filter_threads', '1',
    // H.264 without its deblocking filter: ~20 % less decode CPU (measured, docs/ingest.md). At the
    // detector's 416 px the picture differs by < 3 grey levels on average even at the end of a 10 s
    // GOP (PSNR ≥ 35 dB against the deblocked decode) — far below the motion gate's threshold.
    '-skip_loop_filter', 'all',
    // A camera that changes its picture size mid-stream (its sub-stream reconfigured, an NVR relay
    // that keeps the session) keeps its frames in the letterbox the reader knows, stretched, instead
    // of a new one it does not (rows of picture cut off, zones out of place); ffmpeg says so on stderr
    // and the reader restarts it for the new size (camera-reader.ts).
    '-reinit_filter', '0',
    // The stream's frame rate is not probed (sampling goes by timestamps): the first frame of a 25 fps
    // camera comes 0.39 s after connecting instead of 1.20 s (20 frames of rate probing; measured
    // against the simulator). Every (re)connect — start, recovery after an outage — is that much shorter.
    '-fpsprobesize', '0',
  ];
}

/**
 * Sampling filter: the first frame of each 1/fps slot of the stream's timeline, and never a copy.
 * ffmpeg's `fps` filter fills the gaps of a slower stream with copies of the last frame: a sub stream
 * at 1 fps sampled at 2 gave a copy every other frame, their difference 0, and camera_frozen reported
 * a live quiet camera frozen 6.5 s in. A slower stream now gives its own rate. A timestamp that goes
 * back (the camera's clock reset) starts a new grid; frames without one are dropped, as `fps` does.
 */
export function samplingFilter(fps: number): string {
  const slot = (t: string) => `floor(${t}*${fps})`;
  return `select='if(isnan(t),0,if(isnan(prev_selected_t),1,gt(${slot('t')},${slot('prev_selected_t')})+lt(t,prev_selected_t)))'`;
}

/**
 * Video filter: sample first (everything after runs at `fps` at most), scale to fit keeping the
 * aspect ratio, then pad right/bottom with grey so the picture sits top-left as YOLOX expects.
 */
export function letterboxFilter(o: FrameOutputOptions): string {
  assertOutput(o);
  const { width: w, height: h } = o;
  return [samplingFilter(o.fps), `scale=${w}:${h}:force_original_aspect_ratio=decrease`, `pad=${w}:${h}:0:0:color=${LETTERBOX_PAD_COLOR}`].join(',');
}

function outputOptions(o: FrameOutputOptions): string[] {
  // passthrough: each sampled frame written once. rawvideo is a constant-rate output by default, and
  // ffmpeg would duplicate frames to the stream's own rate.
  return ['-an', '-sn', '-dn', '-vf', letterboxFilter(o), '-fps_mode', 'passthrough', '-pix_fmt', 'bgr24', '-f', 'rawvideo'];
}

function assertOutput(o: FrameOutputOptions): void {
  if (!(o.fps > 0 && Number.isFinite(o.fps))) throw new Error(`ffmpeg args: fps ${o.fps} must be a positive number`);
  for (const [name, v] of [['width', o.width], ['height', o.height]] as const) {
    if (!Number.isInteger(v) || v < 2 || v > 8192) throw new Error(`ffmpeg args: ${name} ${v} must be an integer in 2..8192`);
  }
}

/** A live camera read over RTSP/TCP (UDP loses packets and is blocked by most NATs and firewalls). */
export function rtspFrameCommand(o: RtspInputOptions): FfmpegCommandSpec {
  if (!(o.ioTimeoutSeconds > 0)) throw new Error(`ffmpeg args: ioTimeoutSeconds ${o.ioTimeoutSeconds} must be positive`);
  return {
    input: o.url,
    inputOptions: [
      ...commonInputOptions(),
      '-stats_period', String(STATS_PERIOD_SECONDS),
      '-rtsp_transport', 'tcp',
      '-protocol_whitelist', RTSP_PROTOCOL_WHITELIST,
      '-timeout', String(Math.round(o.ioTimeoutSeconds * 1_000_000)),
    ],
    outputOptions: outputOptions(o),
  };
}

/** A local clip with the same filters (replay, benchmarks). */
export function fileFrameCommand(o: FileInputOptions): FfmpegCommandSpec {
  const loop = o.loop ?? 0;
  if (!Number.isInteger(loop) || loop < -1) throw new Error(`ffmpeg args: loop ${loop} must be -1 or a non-negative integer`);
  return {
    input: o.path,
    inputOptions: [
      ...commonInputOptions(),
      '-nostats', // a file is not late to anything: no progress lines to parse
      ...(o.realtime ? ['-re'] : []),
      ...(loop !== 0 ? ['-stream_loop', String(loop)] : []),
    ],
    outputOptions: outputOptions(o),
  };
}

/** Where ffmpeg writes the frames: stdout, or a Unix socket it listens on for the reader to connect. */
export type FrameOutput = { kind: 'stdout' } | { kind: 'unix-socket'; path: string };

/**
 * ffmpeg gives up waiting for the reader to connect to its socket after this (a reader that died
 * before connecting must not leave ffmpeg blocked in accept() forever).
 */
export const SOCKET_ACCEPT_TIMEOUT_MS = 10_000;

/** Output options and target for `output`. */
export function outputTarget(output: FrameOutput): { options: string[]; target: string } {
  if (output.kind === 'stdout') return { options: [], target: 'pipe:1' };
  // After the output file these options belong to the unix protocol: listen, accept timeout in ms.
  return { options: ['-listen', '1', '-timeout', String(SOCKET_ACCEPT_TIMEOUT_MS)], target: `unix:${output.path}` };
}

/** The complete argument vector (after the ffmpeg binary), exactly as the process is spawned. */
export function toArgv(spec: FfmpegCommandSpec, output: FrameOutput = { kind: 'stdout' }): string[] {
  const { options, target } = outputTarget(output);
  return [...spec.inputOptions, '-i', spec.input, ...spec.outputOptions, ...options, target];
}
