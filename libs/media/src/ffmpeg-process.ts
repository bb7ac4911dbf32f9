// The one place that starts ffmpeg: fluent-ffmpeg spawns it with our argument lists; stderr is
// delivered line by line; the frames come over a Unix socket that ffmpeg listens on and we connect
// to. Why not stdout: a child's stdout pipe hands Node a fresh 64 KiB buffer per read, and at 32
// cameras those allocations (≈ 35 MB/s) made the garbage collector the largest CPU cost of ingest;
// a socket we connect ourselves reads into one reused buffer (net `onread`). The supervisor
// (CameraReader) only sees the small FfmpegProcess interface, so unit tests can drive it with a fake.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { outputTarget, type FfmpegCommandSpec } from './ffmpeg-args';
import { redactText } from './redact';

export interface FfmpegExit {
  /** Exit code; null when ended by a signal or when it never started. */
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started or fluent-ffmpeg reported a failure (redacted). */
  error?: string;
}

export interface FfmpegHandlers {
  /** A chunk of the frame stream, cut anywhere. Valid only during the call: the buffer is reused. */
  onData(chunk: Buffer): void;
  /** One stderr line (raw: may contain the camera URL; redact before printing). */
  onStderrLine(line: string): void;
  /** Called once, after the process ended and all its output was delivered. */
  onExit(exit: FfmpegExit): void;
}

/** A running ffmpeg as the supervisor drives it. */
export interface FfmpegProcess {
  /** Asks ffmpeg to finish cleanly ('q' on stdin). */
  requestQuit(): void;
  kill(signal: NodeJS.Signals): void;
  /** OS process id, once spawned. */
  readonly pid: number | undefined;
}

export type FfmpegLauncher = (spec: FfmpegCommandSpec, handlers: FfmpegHandlers) => FfmpegProcess;

export interface FluentLauncherOptions {
  /** ffmpeg binary. Default: $FFMPEG_PATH, else `ffmpeg` on the PATH (fluent-ffmpeg's lookup). */
  ffmpegPath?: string;
  /** Called with the full command line once spawned (credentials redacted). Default: none. */
  onStart?: (commandLine: string, pid: number | undefined) => void;
  /** Folder for the frame sockets. Default: a fresh folder under the OS temp dir, removed on exit. */
  socketDir?: string;
  /** Size of the read buffer shared by all processes of this launcher. Default 256 KiB. */
  readBufferBytes?: number;
}

/**
 * Connecting while ffmpeg opens the camera (up to its I/O timeout) and then its output socket: first
 * retry after 25 ms, growing by half each time up to 250 ms. ffmpeg waits in accept() meanwhile.
 */
const CONNECT_RETRY_FIRST_MS = 25;
const CONNECT_RETRY_MAX_MS = 250;

/**
 * Numbers the frame sockets of every launcher in this process: launchers share the private socket
 * folder (and may be given the same `socketDir`), so a counter per launcher would hand two ffmpegs
 * the same path — each then serves the other's reader.
 */
let socketCounter = 0;

/** Launches ffmpeg through fluent-ffmpeg, frames over a Unix socket. */
export function fluentFfmpegLauncher(options: FluentLauncherOptions = {}): FfmpegLauncher {
  let socketDir = options.socketDir;
  // One read buffer for every socket: onread callbacks run one at a time and consumers copy out.
  const readBuffer = Buffer.allocUnsafeSlow(options.readBufferBytes ?? 256 * 1024);
  return (spec, handlers) => {
    socketDir ??= privateSocketDir();
    const socketPath = path.join(socketDir, `${process.pid}-${++socketCounter}.sock`);
    const { options: targetOptions, target } = outputTarget({ kind: 'unix-socket', path: socketPath });
    let child: ChildProcess | undefined;
    let socket: Socket | null = null;
    let connectTimer: NodeJS.Timeout | null = null;
    let retryMs = CONNECT_RETRY_FIRST_MS;
    let processDone = false;
    let processError: string | undefined;
    let done = false;
    // A stop asked for before fluent-ffmpeg spawned the process (it checks capabilities first).
    let pendingSignal: NodeJS.Signals | null = null;

    const finish = () => {
      // Only when ffmpeg ended and every byte it wrote was read.
      if (done || !processDone || socket) return;
      done = true;
      if (connectTimer) clearTimeout(connectTimer);
      removeQuietly(socketPath); // ffmpeg removes it on a clean exit, not when killed
      // Read from the child, not from its 'exit' event: fluent-ffmpeg's own 'exit' listener runs first
      // and may report the end before ours would have run.
      const code = child ? child.exitCode : null;
      const signal = child ? child.signalCode : null;
      handlers.onExit({ code, signal, ...(processError ? { error: redactText(processError) } : {}) });
    };
    const tryConnect = () => {
      connectTimer = null;
      if (processDone || socket) return;
      const s = connect({
        path: socketPath,
        onread: {
          buffer: readBuffer,
          callback: (bytes: number, buf: Uint8Array) => {
            handlers.onData(Buffer.from(buf.buffer, buf.byteOffset, bytes));
            return true;
          },
        },
      });
      s.once('connect', () => {
        socket = s;
        s.once('close', () => {
          socket = null;
          finish();
        });
      });
      s.once('error', () => {
        // Not listening yet (ENOENT / ECONNREFUSED): ffmpeg is still opening the camera.
        if (socket === s) return;
        s.destroy();
        if (processDone) return;
        connectTimer = setTimeout(tryConnect, retryMs);
        retryMs = Math.min(CONNECT_RETRY_MAX_MS, Math.round(retryMs * 1.5));
      });
    };

    // stdoutLines bounds fluent-ffmpeg's own stderr ring; we keep our own tail.
    const command = ffmpeg({ source: spec.input, stdoutLines: 20 });
    if (options.ffmpegPath) command.setFfmpegPath(options.ffmpegPath);
    // Spread, not an array: with one array argument fluent-ffmpeg splits options at spaces.
    command.inputOptions(...spec.inputOptions);
    command.output(target);
    command.outputOptions(...spec.outputOptions, ...targetOptions);
    command.on('start', (commandLine: string) => {
      // fluent-ffmpeg sets ffmpegProc just before 'start'; it is not in its type definitions.
      child = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      child?.stdin?.on('error', () => undefined); // EPIPE when ffmpeg is already gone
      options.onStart?.(redactText(commandLine), child?.pid);
      if (pendingSignal) child?.kill(pendingSignal);
      else tryConnect();
    });
    command.on('stderr', (line: string) => handlers.onStderrLine(line));
    const ended = (err?: Error) => {
      processDone = true;
      // 'ffmpeg exited with code N' is the normal way a failing camera ends; only other errors
      // (binary missing, bad options) are worth a detail of their own.
      if (err && !/ffmpeg (exited with code|was killed with signal)/.test(err.message)) processError = err.message;
      finish();
    };
    command.on('end', () => ended());
    command.on('error', (err: Error) => ended(err));
    command.run();
    return {
      get pid() {
        return child?.pid;
      },
      requestQuit() {
        if (!child) pendingSignal ??= 'SIGTERM';
        else if (child.stdin?.writable) child.stdin.write('q');
      },
      kill(signal) {
        if (!child) pendingSignal = signal;
        else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
  };
}

let sharedDir: string | null = null;

/** One private folder per Node process for its frame sockets (mode 0700), removed at exit. */
function privateSocketDir(): string {
  if (!sharedDir) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-ffmpeg-'));
    sharedDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return sharedDir;
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
