// npm run bench -- recording [--counts 32] [--seconds 20]
// CPU per camera of the rolling recording (a Node process running one SegmentRecorder per camera, as
// ingest does, plus its `ffmpeg -c copy` segmenters; from /proc of the process tree) against bare
// `ffmpeg -c copy` readers (output discarded) on the same simulated main-stream cameras at the same
// time, and the disk bytes written per camera-minute. Every camera plays drowning.mp4 (1280×720,
// 25 fps, the main stream). Prints a JSON line last; "ratio" is recording CPU / bare CPU at the
// largest count. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes flags to the recorder's Node.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CameraSimulator, childrenNamed, cpuSeconds, repoRoot, requireShared, treeCpuSeconds, type SimulatedCamera } from '@xl/testing';

const WARMUP_MS = 5000;
const round = (v: number, digits = 3) => Number(v.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));

/** The same input a recorder reads, copied to nowhere: what reading a camera costs at least. */
function startBare(cameras: SimulatedCamera[]) {
  const procs = cameras.map((cam) =>
    spawn('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', cam.url, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    }),
  );
  return {
    cpu: () => procs.reduce((sum, p) => sum + cpuSeconds(p.pid!), 0),
    stop: async () => {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map(exited));
    },
  };
}

async function startRecording(cameras: SimulatedCamera[], dir: string) {
  const input = { cameras: cameras.map((c) => ({ id: c.id, url: c.url })), dir, windowSeconds: 60, segmentSeconds: 2 };
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, 'dist/bench/lib/recording-runner.js'), JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  let segments = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const s = JSON.parse(line) as { bytes: number };
    bytes += s.bytes;
    segments++;
  });
  const deadline = Date.now() + 30_000;
  while (childrenNamed(child.pid!, 'ffmpeg').length < cameras.length) {
    if (Date.now() > deadline) throw new Error(`only ${childrenNamed(child.pid!, 'ffmpeg').length} of ${cameras.length} recorders started`);
    await sleep(200);
  }
  return {
    cpu: () => treeCpuSeconds(child.pid!),
    nodeCpu: () => cpuSeconds(child.pid!),
    written: () => ({ bytes, segments }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

async function measure(clip: string, n: number, seconds: number) {
  const sim = new CameraSimulator({ loopSeconds: 600 });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-bench-rec-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const cameras = await sim.start(Array.from({ length: n }, (_, i) => ({ id: `rec-${i + 1}`, clip })));
    const bare = startBare(cameras);
    stops.push(bare.stop);
    const rec = await startRecording(cameras, dir);
    stops.push(rec.stop);
    await sleep(WARMUP_MS);
    const [bare0, rec0, node0, w0, t0] = [bare.cpu(), rec.cpu(), rec.nodeCpu(), rec.written(), Date.now()];
    await sleep(seconds * 1000);
    const [bare1, rec1, node1, w1, t1] = [bare.cpu(), rec.cpu(), rec.nodeCpu(), rec.written(), Date.now()];
    const wall = (t1 - t0) / 1000;
    const pct = (cpu: number) => (100 * cpu) / wall / n;
    return {
      cameras: n,
      recordingCpuPctPerCamera: round(pct(rec1 - rec0), 3),
      nodeCpuPctPerCamera: round(pct(node1 - node0), 3),
      bareCpuPctPerCamera: round(pct(bare1 - bare0), 3),
      ratio: round((rec1 - rec0) / (bare1 - bare0)),
      diskBytesPerCameraMinute: Math.round(((w1.bytes - w0.bytes) / n / wall) * 60),
      segmentsPerCameraMinute: round(((w1.segments - w0.segments) / n / wall) * 60, 1),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await sim.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { counts: { type: 'string', default: '32' }, seconds: { type: 'string', default: '20' } } });
  const counts = values.counts.split(',').map(Number);
  const seconds = Number(values.seconds);
  const clip = requireShared('media/clips/drowning.mp4');
  const results = [];
  for (const n of counts) {
    const row = await measure(clip, n, seconds);
    console.log(
      `${n} cameras: recording ${row.recordingCpuPctPerCamera} % of a core per camera (Node ${row.nodeCpuPctPerCamera} %) vs bare ffmpeg -c copy ` +
        `${row.bareCpuPctPerCamera} % → ratio ${row.ratio}; ${(row.diskBytesPerCameraMinute / 1e6).toFixed(2)} MB per camera-minute, ${row.segmentsPerCameraMinute} segments`,
    );
    results.push(row);
  }
  const last = results[results.length - 1];
  console.log(JSON.stringify({ bench: 'recording', seconds, counts: results, ratio: last.ratio, diskBytesPerCameraMinute: last.diskBytesPerCameraMinute }));
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
