import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RtspReadResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  elapsedMs: number;
}

export interface RtspWatch {
  /** Video packets received so far. */
  frames(): number;
  /** ms from spawn to the first packet, or null before it. */
  firstFrameMs(): number | null;
  /** Resolves when ffmpeg exits (killed after `timeoutMs` at the latest). */
  exited: Promise<RtspReadResult>;
  /** Kills ffmpeg (SIGKILL): no TEARDOWN, so the server keeps the session until it times out. */
  kill(): void;
  /** Ends ffmpeg as a viewer that closes the stream does (SIGTERM): it sends TEARDOWN. */
  stop(): void;
}

/** ffmpeg as the pipeline's readers run it: TCP transport (unless told otherwise) and a 5 s socket timeout. */
const inputArgs = (transport: 'tcp' | 'udp') => ['-nostdin', '-hide_banner', '-loglevel', 'error', '-rtsp_transport', transport, '-timeout', '5000000'];

function runFfmpeg(url: string, outputArgs: string[], timeoutMs: number, transport: 'tcp' | 'udp' = 'tcp'): { child: ChildProcess; exited: Promise<RtspReadResult> } {
  const started = Date.now();
  const child = spawn('ffmpeg', [...inputArgs(transport), '-i', url, ...outputArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<RtspReadResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, elapsedMs: Date.now() - started });
    });
  });
  return { child, exited };
}

/**
 * Follows an RTSP stream with ffmpeg, counting video packets (copied, not decoded: one framemd5 line
 * each) so that a test can see frames arrive, stop and come back.
 */
export function watchRtsp(url: string, opts: { timeoutMs?: number; maxFrames?: number } = {}): RtspWatch {
  const limit = opts.maxFrames ? ['-frames:v', String(opts.maxFrames)] : [];
  const started = Date.now();
  const { child, exited } = runFfmpeg(url, ['-map', '0:v:0', '-c', 'copy', ...limit, '-f', 'framemd5', '-'], opts.timeoutMs ?? 15000);
  let count = 0;
  let first: number | null = null;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('#')) return;
    first ??= Date.now() - started;
    count++;
  });
  return { frames: () => count, firstFrameMs: () => first, exited, kill: () => child.kill('SIGKILL'), stop: () => child.kill('SIGTERM') };
}

/** Decodes `frames` frames (`-frames:v N -f null -`) and reports how ffmpeg ended; RTP over TCP unless `transport` says 'udp'. */
export function readRtspFrames(url: string, opts: { frames?: number; timeoutMs?: number; transport?: 'tcp' | 'udp' } = {}): Promise<RtspReadResult> {
  return runFfmpeg(url, ['-frames:v', String(opts.frames ?? 3), '-f', 'null', '-'], opts.timeoutMs ?? 15000, opts.transport).exited;
}

/**
 * readRtspFrames right after another reader of the camera sent its TEARDOWN: the simulator frees
 * the maxSessions slot only when its own process handles it, a moment later on a loaded host, so a
 * 503 is tried again (3 tries, 1 s apart). A session left behind (SIGKILL, no TEARDOWN) stays taken
 * for the camera's 60 s timeout, far beyond these tries; any other failure shows at once.
 */
export async function readRtspFramesAfterTeardown(url: string): Promise<RtspReadResult> {
  let result = await readRtspFrames(url);
  for (let i = 0; i < 2 && result.code !== 0 && /503 Service Unavailable/.test(result.stderr); i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    result = await readRtspFrames(url);
  }
  return result;
}
