// The one place that starts ffmpeg: fluent-ffmpeg spawns it with our argument lists; stdout is
// streamed (raw frames), stderr is delivered line by line. The supervisor (CameraReader) only sees
// the small FfmpegProcess interface, so unit tests can drive it with a fake.
import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import type { FfmpegCommandSpec } from './ffmpeg-args';
import { redactText } from './redact';

export interface FfmpegExit {
  /** Exit code; null when ended by a signal or when it never started. */
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started or fluent-ffmpeg reported a failure (redacted). */
  error?: string;
}

export interface FfmpegHandlers {
  /** A chunk of stdout, cut anywhere. */
  onData(chunk: Buffer): void;
  /** One stderr line (raw: may contain the camera URL; redact before printing). */
  onStderrLine(line: string): void;
  /** Called once, after stdout and stderr are drained. */
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
}

/** Launches ffmpeg through fluent-ffmpeg. */
export function fluentFfmpegLauncher(options: FluentLauncherOptions = {}): FfmpegLauncher {
  return (spec, handlers) => {
    let child: ChildProcess | undefined;
    let done = false;
    // A stop asked for before fluent-ffmpeg spawned the process (it checks capabilities first).
    let pendingSignal: NodeJS.Signals | null = null;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      // Read from the child, not from its 'exit' event: fluent-ffmpeg's own 'exit' listener runs first
      // and may report the end before ours would have run.
      const code = child ? child.exitCode : null;
      const signal = child ? child.signalCode : null;
      handlers.onExit({ code, signal, ...(error ? { error: redactText(error) } : {}) });
    };
    // Our own sink: fluent-ffmpeg pipes stdout into it and keeps no copy (with a string target it
    // would buffer stdout as text lines). It never emits 'close': fluent-ffmpeg would take that for a
    // broken output, report an error and kill ffmpeg before its exit status is known.
    const sink = new Writable({
      emitClose: false,
      autoDestroy: false,
      write(chunk: Buffer, _encoding, callback) {
        handlers.onData(chunk);
        callback();
      },
    });
    // stdoutLines bounds fluent-ffmpeg's own stderr ring; we keep our own tail.
    const command = ffmpeg({ source: spec.input, stdoutLines: 20 });
    if (options.ffmpegPath) command.setFfmpegPath(options.ffmpegPath);
    // Spread, not an array: with one array argument fluent-ffmpeg splits options at spaces.
    command.inputOptions(...spec.inputOptions);
    command.output(sink);
    command.outputOptions(...spec.outputOptions);
    command.on('start', (commandLine: string) => {
      // fluent-ffmpeg sets ffmpegProc just before 'start'; it is not in its type definitions.
      child = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      child?.stdin?.on('error', () => undefined); // EPIPE when ffmpeg is already gone
      options.onStart?.(redactText(commandLine), child?.pid);
      if (pendingSignal) child?.kill(pendingSignal);
    });
    command.on('stderr', (line: string) => handlers.onStderrLine(line));
    command.on('end', () => finish());
    command.on('error', (err: Error) => {
      // 'ffmpeg exited with code N' is the normal way a failing camera ends; only other errors
      // (binary missing, stream errors) are worth a detail of their own.
      finish(/ffmpeg (exited with code|was killed with signal)/.test(err.message) ? undefined : err.message);
    });
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
