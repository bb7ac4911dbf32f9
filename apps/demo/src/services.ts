import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@xl/testing';

/** A pipeline process the demo started; it is stopped with SIGTERM (and SIGKILL after a grace period). */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a compiled app (`dist/apps/NAME/src/main.js`) with extra environment; logs go to the demo's stderr. */
export function startService(name: string, app: string, env: Record<string, string | undefined>, onExit: (code: number | null) => void): ServiceProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(repoRoot, 'dist', 'apps', app, 'src', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code) => onExit(code));
  return {
    name,
    child,
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
