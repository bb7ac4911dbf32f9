// npm run bench -- pipeline [--counts100 16,24,…] [--counts10 40,60,…] [--seconds 60] [--warmup 15] [--fps 2] [--threads N]
// Capacity of one box: N simulated sub-stream cameras through the whole pipeline (RTSP → ingest →
// Redis/BullMQ → analyzer → alerts-api → an operator's WebSocket), all real processes, at 100 % and
// 10 % motion duty cycle (moving clips vs the static street). For each N: analysed fps of the moving
// cameras, drop rate, CPU, p50/p95 capture → WebSocket latency. A count keeps up when no camera loses
// more than 5 % of its motion frames to load (so a camera sampled at 2 fps is analysed at ≥ 1.9 fps
// while it has motion) and p95 latency ≤ 300 ms. Counts are tried in ascending order and a duty cycle
// stops at its first failure. The last line is one JSON object with "maxCameras100" and "maxCameras10".
// The camera simulator runs on the same machine; its CPU is reported apart.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runTrial, type TrialResult } from './lib/pipeline-trial';

const list = (s: string) => s.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);

function describe(r: TrialResult): string {
  return [
    `${String(r.cameras).padStart(3)} cameras (${r.moving} moving)`,
    `moving fps min ${r.movingFps.min} median ${r.movingFps.median}`,
    `drops ${(r.dropRate * 100).toFixed(2)} % (worst camera ${(r.worstCameraDropRate * 100).toFixed(1)} %)`,
    `${r.analysedPerSecond} analysed/s`,
    `CPU ${r.cpu.machinePercent} % of machine (ingest ${r.cpu.ingest}, analyzer ${r.cpu.analyzer}, api ${r.cpu.api}, simulator ${r.cpu.simulator} % of a core)`,
    `latency p50 ${r.latencyMs.p50} p95 ${r.latencyMs.p95} ms (${r.latencyMs.samples} alerts)`,
    `frame age p50 ≤${r.frameAgeMs.p50} p95 ≤${r.frameAgeMs.p95} ms`,
    r.keepsUp ? 'KEEPS UP' : `FAILS: ${r.why.join('; ')}`,
  ].join(' · ');
}

function failedTrial(cameras: number, dutyPercent: number, err: Error): TrialResult {
  const none = { p50: NaN, p95: NaN };
  return { cameras, dutyPercent, moving: 0, movingFps: { min: NaN, median: NaN }, dropRate: NaN, worstCameraDropRate: NaN, analysedPerSecond: 0, cpu: { machinePercent: NaN, ingest: NaN, analyzer: NaN, api: NaN, simulator: NaN }, latencyMs: { samples: 0, ...none, max: NaN }, frameAgeMs: none, keepsUp: false, why: [err.message] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      counts100: { type: 'string', default: '16,24,32,40,48,56,64' },
      counts10: { type: 'string', default: '40,60,80,100,120' },
      seconds: { type: 'string', default: '60' },
      warmup: { type: 'string', default: '15' },
      fps: { type: 'string', default: '2' },
      threads: { type: 'string', default: String(os.availableParallelism()) },
    },
  });
  const common = { seconds: Number(values.seconds), warmupSeconds: Number(values.warmup), fps: Number(values.fps), detectorThreads: Number(values.threads), log: console.log };
  const results: TrialResult[] = [];
  const max: Record<string, number> = {};
  for (const [duty, counts] of [
    [100, list(values.counts100!)],
    [10, list(values.counts10!)],
  ] as const) {
    max[duty] = 0;
    for (const cameras of counts) {
      const r = await runTrial({ ...common, cameras, dutyPercent: duty }).catch((err: Error): TrialResult => failedTrial(cameras, duty, err));
      results.push(r);
      console.log(`duty ${duty} % · ${describe(r)}`);
      if (!r.keepsUp) break;
      max[duty] = cameras;
    }
  }
  console.log(JSON.stringify({ bench: 'pipeline', cores: os.availableParallelism(), fps: common.fps, seconds: common.seconds, maxCameras100: max[100], maxCameras10: max[10], trials: results }));
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
