import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { repoRoot } from './shared-data';

/** A pipeline app started as a child process (demo, end-to-end tests, benchmarks); it is stopped with SIGTERM (and SIGKILL after a grace period). */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** stdout + stderr so far, when started with `captureOutput` (the last 4 MiB); '' otherwise. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartServiceOptions {
  /** Keep stdout and stderr (e.g. to check that no password reaches them) instead of passing them through. */
  captureOutput?: boolean;
}

const CAPTURE_LIMIT = 4 * 1024 * 1024;

/** Starts a compiled app (`dist/apps/NAME/src/main.js`) with extra environment; logs go to the demo's stderr. */
export function startService(
  name: string,
  app: string,
  env: Record<string, string | undefined>,
  onExit: (code: number | null) => void = () => undefined,
  options: StartServiceOptions = {},
): ServiceProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(repoRoot, 'dist', 'apps', app, 'src', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', options.captureOutput ? 'pipe' : 'inherit', options.captureOutput ? 'pipe' : 'inherit'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > CAPTURE_LIMIT) output = output.slice(-CAPTURE_LIMIT / 2);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code) => onExit(code));
  return {
    name,
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export async function scrape(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** Resolves when `url` answers with a 2xx, rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await scrape(url)) !== null) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** A TCP port free right now on 127.0.0.1 (for a child process that needs a fixed port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
