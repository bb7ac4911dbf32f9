import os from 'node:os';
import { z } from 'zod';
import { clusterSettingsProblem, parseSettings, redisClusterNodesSetting } from '@xl/config';
import { leaseRoundMs, leaseTimingProblem } from './services/lease-keeper';

const int = (min: number, max: number, def: number) => z.coerce.number().int().min(min).max(max).default(def);

/** Ingest settings from the environment. Every field: description, default, bounds. Unknown variables are ignored (it is the environment). */
export const ingestSettingsSchema = z
  .object({
    REDIS_URL: z
      .string()
      .url()
      .default('redis://127.0.0.1:6379')
      .describe('Redis with the frames queue, in-flight gates, hot marks, leases, status stream and camera configuration, and the frame bytes unless FRAME_REDIS_URL names another'),
    REDIS_CLUSTER_NODES: redisClusterNodesSetting,
    FRAME_REDIS_URL: z
      .string()
      // The scheme only in the error: the rest of the URL may hold a password.
      .url({ protocol: /^rediss?$/, error: (issue) => `must be a redis:// or rediss:// URL, not '${String(issue.input).split(':')[0]}:'` })
      .optional()
      .describe(
        "Redis for the frame bytes alone (each published frame's picture rows, ~0.3 MB, kept FRAME_TTL_MS): one without persistence (compose's redis-frames), so that they stay out of the AOF of the Redis at REDIS_URL; redis:// or rediss:// of a single Redis, also beside a cluster; the analyzer's must name the same. Unset or equal to REDIS_URL: the frame bytes go to REDIS_URL (or the cluster)",
      ),
    INGEST_ID: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits, _ . : -')
      .default(`ingest-${os.hostname()}-${process.pid}`)
      .describe('this worker: the value of its camera leases, and ingestId in frame jobs and status events'),
    INGEST_CAPACITY: int(1, 1024, 32).describe('most cameras this worker reads at once (one ffmpeg each; a 640×360 sub stream at 2 fps costs ~2 % of a core)'),
    LEASE_TTL_MS: int(500, 600_000, 10_000).describe(
      "camera lease lifetime: a dead worker's cameras are taken over within this plus one claim interval; a camera whose lease Redis cannot renew is stopped 2 × STOP_GRACE_MS + 250 ms before it expires, which must leave at least one lease round + 250 ms",
    ),
    CLAIM_INTERVAL_MS: int(100, 60_000, 2_000).describe('how often leases are renewed and free cameras claimed (renewal also runs at least every LEASE_TTL_MS / 3)'),
    CONFIG_POLL_MS: int(500, 600_000, 10_000).describe("how often the published configuration's revision is read (one GET): a change announced while ingest's subscriber was disconnected is applied this late at most"),
    CAMERAS_FILE: z
      .string()
      .min(1)
      .optional()
      .describe('YAML/JSON camera file for standalone use; when absent, cameras come from the configuration alerts-api publishes to Redis, followed live'),
    FRAME_TTL_MS: int(100, 600_000, 5_000).describe("lifetime of a frame's bytes in Redis; an analyzer that has not taken it by then never will, and its job is removed from the frames queue (swept this often, at least every second)"),
    INFLIGHT_TTL_MS: int(100, 600_000, 5_000).describe('in-flight gate lifetime: frees a camera whose frame was lost with its analyzer'),
    MODEL_INPUT_WIDTH: int(32, 4096, 416).describe('detector input width: frames are letterboxed to this size'),
    MODEL_INPUT_HEIGHT: int(32, 4096, 416).describe('detector input height'),
    METRICS_PORT: int(0, 65535, 9101).describe('port of /healthz, /readyz and /metrics (0 = any free port)'),
    METRICS_HOST: z.string().min(1).default('127.0.0.1').describe('bind address of the probe server (0.0.0.0 in containers)'),
    QUEUE_PREFIX: z.string().min(1).max(64).default('xl').describe('BullMQ key prefix of the frames queue; must match the analyzer'),
    KEY_PREFIX: z.string().max(64).default('').describe('prepended to every other Redis key (frames, gates, hot marks, leases, status, config); must match analyzer and alerts-api'),
    FRAME_UPLOAD: z
      .enum(['direct', 'ioredis'])
      .default('direct')
      .describe("how frame bytes reach Redis: 'direct' writes them on a connection of their own without copying (a single Redis; ignored on a cluster); 'ioredis' through the shared client (proxies)"),
    FFMPEG_PATH: z.string().min(1).optional().describe('ffmpeg binary; default: ffmpeg on the PATH'),
    RECORDING_DIR: z
      .string()
      .min(1)
      .optional()
      .describe("local directory of the cameras' rolling recordings (one folder per camera); unset: no recording, no evidence clips"),
    EVIDENCE_DIR: z
      .string()
      .min(1)
      .optional()
      .describe('shared evidence directory (the same volume alerts-api serves from): clips and high-resolution snapshots are written here; required with RECORDING_DIR'),
    CLIP_TRANSCODE: z
      .enum(['auto', 'never'])
      .default('auto')
      .describe("'auto': clips of cameras that record anything but H.264 (H.265 mostly) are re-encoded to H.264 (one core for about half the clip's length at 1080p), which every browser plays; 'never': clips are copied as recorded"),
    FFPROBE_PATH: z.string().min(1).optional().describe('ffprobe binary (measures the last segment of a recording run); default: ffprobe on the PATH'),
    START_CONCURRENCY: int(1, 1024, 4).describe('most cameras starting at once (ffmpeg spawned, no frame yet): many cameras claimed together, or back after an outage, come up in turn instead of all missing their first-frame deadline'),
    STOP_GRACE_MS: int(100, 30_000, 1_000).describe("stopping ffmpeg: 'q' on stdin, SIGTERM after this, SIGKILL after twice this (a stop takes up to twice this: LEASE_TTL_MS must leave room for it)"),
  })
  .refine((s) => !s.RECORDING_DIR || s.EVIDENCE_DIR, { message: 'RECORDING_DIR is set but EVIDENCE_DIR is not: clips would have nowhere to go', path: ['EVIDENCE_DIR'] })
  .superRefine((s, ctx) => {
    const problem = clusterSettingsProblem(s.REDIS_CLUSTER_NODES, s.QUEUE_PREFIX);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['QUEUE_PREFIX'] });
    const leaseProblem = leaseTimingProblem(s.LEASE_TTL_MS, s.CLAIM_INTERVAL_MS, s.STOP_GRACE_MS);
    if (leaseProblem) ctx.addIssue({ code: 'custom', message: leaseProblem, path: ['LEASE_TTL_MS'] });
  })
  .transform((s) => ({
    ...s,
    tickMs: leaseRoundMs(s.LEASE_TTL_MS, s.CLAIM_INTERVAL_MS),
    // Waiting frame jobs older than this are swept from the queue: their bytes are gone, and so is
    // their gate (no analyzer will reach a removed job to release it early).
    frameJobMaxAgeMs: Math.max(s.FRAME_TTL_MS, s.INFLIGHT_TTL_MS),
    sweepIntervalMs: Math.max(1000, s.FRAME_TTL_MS),
  }));

export type IngestSettings = z.infer<typeof ingestSettingsSchema>;

export function loadIngestSettings(env: NodeJS.ProcessEnv = process.env): IngestSettings {
  return parseSettings(ingestSettingsSchema, env, 'ingest');
}
