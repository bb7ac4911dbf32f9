// A camera whose picture size changes mid-stream (sub-stream reconfigured while streaming), through
// real ffmpeg: every frame stays in the letterbox the reader knows, and a live camera gets a new
// ffmpeg at once, without going offline. The stream is made here: 640x360, then 704x576, in one TS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CameraSimulator } from '@xl/testing';
import { CameraReader, type CameraReaderOptions } from './camera-reader';
import { fluentFfmpegLauncher } from './ffmpeg-process';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-size-change-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `seconds` at `size`, then the rest at `then`, as one MPEG-TS (2 s GOP at 25 fps). */
function twoSizes(name: string, size: string, seconds: number, then: string, thenSeconds: number): string {
  const part = (s: string, t: number, file: string) =>
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${s}:rate=25`, '-t', String(t), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', path.join(dir, file)]);
  part(size, seconds, `${name}-a.ts`);
  part(then, thenSeconds, `${name}-b.ts`);
  const out = path.join(dir, `${name}.ts`);
  writeFileSync(out, Buffer.concat([readFileSync(path.join(dir, `${name}-a.ts`)), readFileSync(path.join(dir, `${name}-b.ts`))]));
  return out;
}

/** Rows above the first row that is all pad grey (114): the picture's height in the letterboxed frame. */
function pictureRowCount(data: Uint8Array, width: number, height: number): number {
  const rowBytes = width * 3;
  for (let y = 0; y < height; y++) {
    let pad = true;
    for (let i = y * rowBytes; i < (y + 1) * rowBytes && pad; i++) pad = data[i] === 114;
    if (pad) return y;
  }
  return height;
}

const base = {
  fps: 5,
  width: 416,
  height: 416,
  watchdog: { stallSeconds: 10, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 2 },
  launcher: fluentFfmpegLauncher(),
} satisfies Partial<CameraReaderOptions>;

describe('CameraReader on a stream that changes its picture size (real ffmpeg)', () => {
  jest.setTimeout(60_000);

  it('a clip: keeps every frame in the first letterbox and notices the change on stderr', async () => {
    const clip = twoSizes('clip', '640x360', 2, '704x576', 2);
    const warnings: Array<{ obj: object; msg: string }> = [];
    const reader = new CameraReader({
      ...base,
      cameraId: 'resized',
      source: { kind: 'file', path: clip },
      logger: { info: () => undefined, debug: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg }) },
    });
    const rows: number[] = [];
    reader.on('frame', (f) => {
      rows.push(pictureRowCount(f.data, 416, 416));
      f.release();
    });
    const ended = new Promise<void>((resolve) => reader.once('end', resolve));
    reader.start();
    await ended;
    // 4 s at 5 fps; 640x360 → 416x234 in every one of them, the 704x576 part stretched into it
    expect(rows.length).toBeGreaterThanOrEqual(19);
    expect(new Set(rows)).toEqual(new Set([234]));
    expect(warnings).toEqual([{ obj: { camera: 'resized', from: '640x360', to: '704x576' }, msg: expect.stringContaining('picture size changed mid-file') }]);
  });

  it('a live camera: restarted at once for the new size, never offline, every frame in a letterbox it knows', async () => {
    const sim = new CameraSimulator({ loopSeconds: 0 });
    const [camera] = await sim.start([{ id: 'resized', clip: twoSizes('live', '640x360', 3, '704x576', 30) }]);
    const reader = new CameraReader({ ...base, cameraId: 'resized', source: { kind: 'rtsp', url: camera.url } });
    const events: string[] = [];
    const frames: Array<{ at: number; rows: number; source: string }> = [];
    reader.on('offline', ({ reason }) => events.push(`offline ${reason}`));
    reader.on('frame', (f) => {
      frames.push({ at: Date.now(), rows: pictureRowCount(f.data, 416, 416), source: `${f.source.width}x${f.source.height}` });
      f.release();
    });
    const restarted = new Promise<{ reason: string; delayMs: number; at: number }>((resolve) => reader.once('restart', (r) => resolve({ ...r, at: Date.now() })));
    try {
      reader.start();
      const restart = await restarted;
      expect(restart).toMatchObject({ reason: 'source_changed', delayMs: 0 });
      // The simulator serves every connection from the clip's start: the new run sees 640x360 again.
      while (!frames.some((f) => f.at > restart.at)) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(events).toEqual([]);
      expect(reader.isOnline).toBe(true);
      expect(frames.length).toBeGreaterThanOrEqual(10);
      for (const f of frames) expect(f).toMatchObject({ rows: 234, source: '640x360' });
    } finally {
      await reader.stop();
      await sim.stopAll();
    }
  });
});
