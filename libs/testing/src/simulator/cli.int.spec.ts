import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { describeWithShared, repoRoot, sharedPath } from '../shared-data';
import { isProcessAlive, parentPid } from './camera-process';
import type { SimulatedCamera } from './camera-simulator';
import { readRtspFrames } from './rtsp-reader';

const CLIP = 'media/clips/drowning_sub.mp4';

interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  cameras: SimulatedCamera[];
  exited: Promise<number | null>;
}

const running: RunningCli[] = [];

/** Starts the CLI the way the demo does (tools/run.mjs builds it into dist/) and parses its JSON line. */
async function startCli(count: number): Promise<RunningCli> {
  const clipsDir = path.dirname(sharedPath(CLIP)!);
  const args = ['tools/run.mjs', 'libs/testing/src/simulator/cli.ts', '--clips', clipsDir, '--count', String(count), '--json', '--loop-seconds', '60'];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const cli: RunningCli = { child, cameras: [], exited };
  running.push(cli);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output within 25 s; stderr:\n${stderr}`)), 25000);
    createInterface({ input: child.stdout }).once('line', (first) => {
      clearTimeout(timer);
      resolve(first);
    });
    void exited.then((code) => reject(new Error(`CLI exited with ${code} before printing; stderr:\n${stderr}`)));
  });
  cli.cameras = JSON.parse(line) as SimulatedCamera[];
  return cli;
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isProcessAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    alive = alive.filter(isProcessAlive);
  }
  return alive;
}

describeWithShared([CLIP])('simulator CLI (built by tools/run.mjs, so the .py is found from dist/)', () => {
  afterEach(() => {
    for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
  });

  it('serves --count cameras, prints them as JSON, and stops every server on SIGTERM', async () => {
    const { child, cameras, exited } = await startCli(2);
    expect(cameras.map((c) => c.id)).toEqual(['cam-01', 'cam-02']);
    expect(cameras[0].url).toBe(`rtsp://127.0.0.1:${cameras[0].port}/cam-01`);
    expect(cameras[0].port).not.toBe(cameras[1].port);
    expect(await readRtspFrames(cameras[1].url)).toMatchObject({ code: 0, stderr: '' });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(cameras.filter((c) => isProcessAlive(c.pid))).toEqual([]);
  }, 40000);

  it('servers die with the process that started them, even when SIGKILLed and a camera is stalled', async () => {
    const { cameras } = await startCli(2);
    const owner = parentPid(cameras[0].pid);
    expect(owner).not.toBeNull();
    expect(owner).not.toBe(process.pid);
    process.kill(cameras[0].pid, 'SIGSTOP');
    process.kill(owner!, 'SIGKILL');
    expect(await waitUntilGone(cameras.map((c) => c.pid), 3000)).toEqual([]);
  }, 40000);
});
