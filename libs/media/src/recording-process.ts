// Runs the short ffmpeg/ffprobe jobs of recording (cut a clip, grab a keyframe, measure a segment):
// spawned directly, no shell, bounded in time, stderr tail kept (redacted) for the error message.
import { spawn } from 'node:child_process';
import { redactText } from './redact';

export interface ToolRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  /** Last lines of stderr, credentials redacted. */
  stderr: string;
}

/** Runs `binary args…` to completion; kills it (SIGKILL) after `timeoutMs`. Rejects only when it cannot start. */
export function runTool(binary: string, args: string[], timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-64 * 1024)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4096)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${binary} could not be started: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr: redactText(stderr.trim()) });
    });
  });
}

/** Throws naming the tool, the exit and its last stderr line unless it exited 0. */
export function assertSucceeded(what: string, run: ToolRun): void {
  if (run.code === 0) return;
  const last = run.stderr.split('\n').filter(Boolean).pop() ?? '';
  const how = run.signal ? `killed by ${run.signal}` : `exit code ${run.code}`;
  throw new Error(`${what} failed (${how})${last ? `: ${last}` : ''}`);
}
