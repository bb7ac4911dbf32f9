import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../shared-data';

/** The server script, found from the repository root so that it works from sources (jest) and dist/ alike. */
export const cameraScriptPath = path.join(repoRoot, 'libs/testing/src/simulator/rtsp_camera.py');

/** The system python, which has the GStreamer bindings (a pyenv python3 on PATH has no `gi`). */
export function gstPython(): string {
  return process.env.XL_GST_PYTHON ?? '/usr/bin/python3';
}

export interface CameraProcessOptions {
  file: string;
  mount: string;
  port: number;
  credentials?: { user: string; password: string };
  /** At most this many RTSP sessions at once (see SimulatedCameraSpec.maxSessions). */
  maxSessions?: number;
  /** RTP over UDP only (see SimulatedCameraSpec.udpOnly). */
  udpOnly?: boolean;
  label: string;
  log: (line: string) => void;
  readyTimeoutMs?: number;
}

/** One running gst-rtsp-server process. `exited` resolves when it has exited and been reaped. */
export interface CameraProcess {
  pid: number;
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
  isRunning(): boolean;
}

// Every live server, so that a synchronous exit hook can kill them; the script's PDEATHSIG covers a
// test process that dies without running its exit hooks.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Spawns the script and resolves once it prints its bound port; rejects (and kills it) otherwise. */
export function spawnCameraProcess(opts: CameraProcessOptions): Promise<CameraProcess> {
  installExitHook();
  const args = [cameraScriptPath];
  if (opts.maxSessions !== undefined) args.push('--max-sessions', String(opts.maxSessions));
  if (opts.udpOnly) args.push('--udp-only');
  args.push(opts.file, opts.mount, String(opts.port));
  if (opts.credentials) args.push(opts.credentials.user, opts.credentials.password);
  const started = Date.now();
  const child = spawn(gstPython(), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XL_SIM_PARENT_PID: String(process.pid) },
  });
  live.add(child);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      running = false;
      live.delete(child);
      resolve();
    });
  });
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    opts.log(`${opts.label}: ${line}`);
  });

  return new Promise<CameraProcess>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      const tail = stderrTail.join('\n');
      void exited.then(() => reject(new Error(`${opts.label}: RTSP server ${why}${tail ? `\n${tail}` : ''}`)));
    };
    const timer = setTimeout(() => fail(`not listening after ${opts.readyTimeoutMs ?? 15000} ms`), opts.readyTimeoutMs ?? 15000);
    child.once('error', (err) => fail(`could not start ${gstPython()}: ${err.message}`));
    // 'close' fires only after stderr is drained, so the tail in the error is complete.
    void exited.then(() => fail(`exited before listening (code ${child.exitCode}, signal ${child.signalCode})`));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (settled) return;
      let port: unknown;
      try {
        port = (JSON.parse(line) as { port?: unknown }).port;
      } catch {
        opts.log(`${opts.label}: ${line}`);
        return;
      }
      if (typeof port !== 'number' || port <= 0) return fail(`printed no port: ${line}`);
      settled = true;
      clearTimeout(timer);
      opts.log(`${opts.label}: listening on 127.0.0.1:${port}${opts.mount} (pid ${child.pid}, ${Date.now() - started} ms)`);
      resolve({ pid: child.pid!, port, child, exited, isRunning: () => running });
    });
  });
}

/** SIGTERM (with SIGCONT, so a stalled server can act on it), then SIGKILL after `graceMs`. */
export async function killCameraProcess(proc: CameraProcess, graceMs = 3000): Promise<void> {
  if (!proc.isRunning()) return proc.exited;
  proc.child.kill('SIGTERM');
  proc.child.kill('SIGCONT');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Whether `pid` is a live process. A zombie (exited, not yet reaped by its parent) counts as dead. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) S ..."; comm may contain spaces, so read the state after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Parent pid of a process, from /proc (Linux); null when it is gone. */
export function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}
