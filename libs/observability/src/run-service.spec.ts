// runService's process handling, in child processes (it ends them with process.exit): the compiled
// library from dist/ (test/global-setup.ts builds it), driven by a few lines of script per case.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@xl/testing';

const compiled = path.join(repoRoot, 'dist/libs/observability/src/index.js');

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

/** Runs `body` (with runService, untilSucceeds and log in scope); sends SIGTERM once its log shows `termOn`. */
function run(body: string, termOn?: string): Promise<Run> {
  const script = `const { runService, untilSucceeds, createLogger } = require(${JSON.stringify(compiled)});\nconst log = createLogger('t', 'info');\n${body}`;
  const started = Date.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let termed = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (termOn !== undefined && !termed && stderr.includes(termOn)) {
      termed = true;
      child.kill('SIGTERM');
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - started })));
}

const lines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });

describe('runService', () => {
  it('reports a synchronous throw of the start callback (bad settings) as its fatal line, exit 1', async () => {
    const r = await run(`runService('t', log, () => { throw new Error('invalid t settings: X: bad'); });`);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toContainEqual(expect.objectContaining({ level: 60, msg: 't failed to start' }));
    expect(r.stderr).not.toContain('    at '); // no raw stack trace
  });

  it('handles SIGTERM while start waits for a dependency: the wait gives up, exit 0 at once', async () => {
    const r = await run(
      `runService('t', log, (signal) => untilSucceeds('waiting', () => Promise.reject(new Error('ECONNREFUSED')), { log, signal, delayMs: 100 }).then(() => ({ close: async () => undefined })));`,
      '"failures":3',
    );
    expect(r.code).toBe(0);
    expect(lines(r.stderr).map((l) => l.msg)).toEqual(expect.arrayContaining(['waiting failed; trying again', 'stopping', 'stopped during start-up']));
    expect(r.ms).toBeLessThan(5000);
  });

  it('closes an app whose start finishes after the signal came, then exits 0', async () => {
    const r = await run(
      `runService('t', log, () => { log.info('starting'); return new Promise((resolve) => setTimeout(() => resolve({ close: async () => log.info('closed') }), 1000)); });`,
      'starting',
    );
    expect(r.code).toBe(0);
    expect(lines(r.stderr).map((l) => l.msg)).toEqual(['starting', 'stopping', 'closed']);
  });

  it('bounds close() by closeTimeoutMs: a close that hangs (Redis unreachable) exits 1 when it runs out', async () => {
    const r = await run(
      `runService('t', log, async () => { setInterval(() => undefined, 1000); log.info('started'); return { close: () => new Promise(() => setInterval(() => undefined, 1000)) }; }, { closeTimeoutMs: 500 });`,
      'started',
    );
    expect(r.code).toBe(1);
    expect(lines(r.stderr).map((l) => l.msg)).toEqual(['started', 'stopping', 'shutdown did not finish in time; exiting']);
  });
});
