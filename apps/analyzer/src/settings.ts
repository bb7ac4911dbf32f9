import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { clusterSettingsProblem, parseSettings, redisClusterNodesSetting } from '@xl/config';
import type { PoolOptions, RunnerOptions } from '@xl/detection';

/** STATE_MAX_GAP_MS's default; replay uses it too, so that it answers as production does. */
export const STATE_MAX_GAP_DEFAULT_MS = 60_000;

/** Analyzer settings from the environment. Every field: description, default, bounds. */
export const analyzerSettingsSchema = z
  .object({
    REDIS_URL: z
      .string()
      .url()
      .default('redis://127.0.0.1:6379')
      .describe('Redis with the frames queue, in-flight gates, camera state and configuration, and the frame bytes unless FRAME_REDIS_URL names another'),
    REDIS_CLUSTER_NODES: redisClusterNodesSetting,
    FRAME_REDIS_URL: z
      .string()
      // The scheme only in the error: the rest of the URL may hold a password.
      .url({ protocol: /^rediss?$/, error: (issue) => `must be a redis:// or rediss:// URL, not '${String(issue.input).split(':')[0]}:'` })
      .optional()
      .describe(
        "Redis the frame bytes are taken from: ingest's FRAME_REDIS_URL (a Redis without persistence, compose's redis-frames); redis:// or rediss:// of a single Redis, also beside a cluster. Unset or equal to REDIS_URL: REDIS_URL (or the cluster)",
      ),
    QUEUE_PREFIX: z.string().min(1).max(64).default('xl').describe('BullMQ key prefix shared with ingest and alerts-api'),
    KEY_PREFIX: z.string().max(64).default('').describe('prepended to every Redis key (frames, gates, hot marks, state, config); must match ingest and alerts-api'),
    ANALYZER_ID: z.string().min(1).max(64).default(`analyzer-${os.hostname()}-${process.pid}`).describe('worker id in logs'),
    CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8).describe('frames processed at once (different cameras); the detector pool bounds CPU'),
    DETECTOR_THREADS: z.coerce.number().int().min(1).max(64).default(os.availableParallelism()).describe('onnxruntime sessions, one per worker thread'),
    EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu').describe("onnxruntime execution provider; 'cuda' needs onnxruntime-node's CUDA build and a GPU"),
    CUDA_DEVICE_ID: z.coerce
      .number()
      .int()
      .min(0)
      .max(15)
      .default(0)
      .describe('GPU index (as CUDA numbers them after CUDA_VISIBLE_DEVICES) that every detector session of this analyzer runs on, with EXECUTION_PROVIDER=cuda; one analyzer process per GPU on a multi-GPU box'),
    MODELS_DIR: z.string().default(path.resolve(__dirname, '../../../../models')).describe('directory of model manifests and weights'),
    CONFIG_POLL_MS: z.coerce.number().int().min(500).max(600_000).default(10_000).describe("how often the published configuration's revision is read (one GET): a change announced while the analyzer's subscriber was away (a reconnect, a Redis Cluster node change) is applied this late at most"),
    MAX_FRAME_AGE_MS: z.coerce.number().int().min(100).max(60000).default(3000).describe('frames older than this when picked up are dropped (stale)'),
    INFLIGHT_TTL_MS: z.coerce
      .number()
      .int()
      .min(300)
      .max(600_000)
      .default(5000)
      .describe("how long a camera's in-flight gate is held from each renewal while its frame is analysed (renewed every third of it; set as ingest's INFLIGHT_TTL_MS): a frame that outlived the gate let the camera's next frame be analysed from the same state, and one incident was reported twice"),
    STATE_MAX_GAP_MS: z.coerce.number().int().min(1000).max(3_600_000).default(STATE_MAX_GAP_DEFAULT_MS).describe('a camera state older than this when the next frame arrives loses its tracks and rule timers (the scene has changed: outage, restart); its learned view and sharpness baseline are kept'),
    HOT_TTL_MS: z.coerce.number().int().min(500).max(60000).default(5000).describe('how long a camera stays hot after a frame with live tracks'),
    PICTURE_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(5000)
      .describe("how often (capture time) a camera's analysed frame is stored as its latest picture for the console's camera wall, so the wall needs no RTSP session of its own; 0 = never (the API then grabs from the camera)"),
    PICTURE_TTL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .max(300_000)
      .default(20_000)
      .describe("how long a stored picture is served: past it (camera offline, analyzer behind) the API grabs one from the camera and says why when it gets none; keep it above PICTURE_INTERVAL_MS plus the cameras' motion heartbeat"),
    SNAPSHOT_DIR: z.string().default(path.resolve(process.cwd(), 'var/snapshots')).describe('where annotated JPEG snapshots are written (shared with alerts-api)'),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9102).describe('port of /healthz, /readyz, /metrics (0 = any)'),
    METRICS_HOST: z.string().default('127.0.0.1').describe('bind address of the probe server'),
    FRAME_DOWNLOAD: z
      .enum(['direct', 'ioredis'])
      .default('direct')
      .describe("how frame bytes are read from Redis: 'direct' on a connection of its own straight into pooled frame buffers (a single Redis; ignored on a cluster); 'ioredis' through the shared client (proxies)"),
    CAMERAS_FILE: z.string().optional().describe('YAML/JSON camera file for standalone use; else cameras come from Redis (published by alerts-api)'),
  })
  .superRefine((s, ctx) => {
    const problem = clusterSettingsProblem(s.REDIS_CLUSTER_NODES, s.QUEUE_PREFIX);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['QUEUE_PREFIX'] });
  });

export type AnalyzerSettings = z.infer<typeof analyzerSettingsSchema>;

/**
 * What the detector keeps, wherever frames are analysed (this analyzer's pool, replay, the scenario
 * replays), so that they raise the same alerts: a low score floor — the rules apply their own
 * thresholds (boats at 0.2 for no_fishing) and the tracker matches low-score boxes in a second stage.
 * Replay on the library's default floor (0.25) lost both.
 */
export function analysisDetectorOptions(): RunnerOptions {
  return { scoreThreshold: 0.1 };
}

/**
 * The detector pool this analyzer runs: one session per thread on the chosen provider and GPU; what
 * it keeps as analysisDetectorOptions says; room for two frames per concurrent job.
 */
export function detectorPoolOptions(s: AnalyzerSettings): PoolOptions {
  return { ...analysisDetectorOptions(), size: s.DETECTOR_THREADS, executionProvider: s.EXECUTION_PROVIDER, deviceId: s.CUDA_DEVICE_ID, maxQueue: s.CONCURRENCY * 2 };
}

export function loadAnalyzerSettings(env: NodeJS.ProcessEnv = process.env): AnalyzerSettings {
  return parseSettings(analyzerSettingsSchema, env, 'analyzer');
}
