import path from 'node:path';
import { Worker } from 'bullmq';
import { FRAMES_QUEUE, type FrameJob } from '@xl/contracts';
import { createPoolDetector, loadModel, type PoolDetector } from '@xl/detection';
import { createLogger, registerDiskSpace, startProbeServer, untilSucceeds, type Logger, type ProbeServer } from '@xl/observability';
import { AnalysisMarks, CameraConfigStore, connectRedis, duplicateClient, FrameDownloader, FrameStore, HotMarks, InflightGate, isCluster, redisRetryStrategy, startRedisClock } from '@xl/queue';
import { FrameJobProcessor } from './frame-job.processor';
import { AnalyzerMetrics } from './metrics';
import { FrameAnalyzer } from './pipeline/frame-analyzer';
import { AlertQueueRepository } from './repositories/alert-queue.repository';
import { CameraDirectoryRepository } from './repositories/camera-directory';
import { CameraStateRepository } from './repositories/camera-state.repository';
import { LatestPictureRepository } from './repositories/latest-picture.repository';
import { SnapshotRepository } from './repositories/snapshot.repository';
import { type AnalyzerSettings, detectorPoolOptions } from './settings';

export interface AnalyzerApp {
  probes: ProbeServer;
  metrics: AnalyzerMetrics;
  detector: PoolDetector;
  /** Stops taking frames, finishes the running ones, closes everything. */
  close(): Promise<void>;
}

/**
 * Wires the analyzer: Redis, the detector pool, the frames worker, probes. No logic lives here.
 * `signal` (runService's stop request) ends the wait for Redis at start.
 */
export async function startAnalyzer(settings: AnalyzerSettings, log: Logger = createLogger('analyzer'), signal?: AbortSignal): Promise<AnalyzerApp> {
  const target = { url: settings.REDIS_URL, clusterNodes: settings.REDIS_CLUSTER_NODES };
  const redis = connectRedis(target, { maxRetriesPerRequest: null, retryStrategy: redisRetryStrategy });
  // Frames, gates, hot marks and state: commands of concurrent jobs issued in the same tick share one
  // write (auto-pipelining); BullMQ keeps connections of its own.
  const data = connectRedis(target, { maxRetriesPerRequest: null, enableAutoPipelining: true, retryStrategy: redisRetryStrategy });
  // Frame bytes in a Redis of their own when FRAME_REDIS_URL names one (ingest's, without persistence:
  // docs/deployment.md). Only the bytes: gates, state, marks and the queue stay on REDIS_URL.
  const frameRedisUrl = settings.FRAME_REDIS_URL ?? settings.REDIS_URL;
  const frameRedis = frameRedisUrl === settings.REDIS_URL ? data : connectRedis({ url: frameRedisUrl }, { maxRetriesPerRequest: null, enableAutoPipelining: true, retryStrategy: redisRetryStrategy });
  for (const conn of [redis, data]) conn.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  if (frameRedis !== data) frameRedis.on('error', (err) => log.warn({ err: err.message }, 'frame redis connection error'));
  const metrics = new AnalyzerMetrics();
  registerDiskSpace(metrics.registry, { snapshots: settings.SNAPSHOT_DIR });
  // Probes first (alive, not ready): with Redis unreachable the start below waits, and a pod
  // without probe answers would be killed by its liveness probe over and over.
  let running: Worker<FrameJob> | undefined = undefined; // set once the frames worker exists
  const probes = await startProbeServer({
    port: settings.METRICS_PORT,
    host: settings.METRICS_HOST,
    registry: metrics.registry,
    healthy: () => !running?.closing,
    ready: async () => Boolean(running?.isRunning()) && (await redis.ping()) === 'PONG' && (frameRedis === data || (await frameRedis.ping()) === 'PONG'),
  });
  // Frame ages are judged by the Redis server's time, the clock ingest stamps them with.
  const clock = await untilSucceeds('measuring the clock against Redis', () => startRedisClock(redis, { gauge: metrics.clockOffset, log }), { log, signal }).catch(async (err: unknown) => {
    for (const conn of [redis, data, frameRedis]) conn.disconnect();
    await probes.close();
    throw err;
  });

  const model = loadModel(settings.MODELS_DIR, 'yolox_nano');
  // Cameras are checked against the model: a rule class it lacks, or another model, is refused.
  const cameras = new CameraDirectoryRepository(log, { name: 'yolox_nano', labels: model.manifest.labels });
  if (settings.CAMERAS_FILE) cameras.loadFile(settings.CAMERAS_FILE);
  else await cameras.follow(new CameraConfigStore(redis, { keyPrefix: settings.KEY_PREFIX }), settings.CONFIG_POLL_MS);

  const detector = await createPoolDetector(
    model,
    detectorPoolOptions(settings),
    {
      onInference: (m) => {
        metrics.inference.observe(m.inferenceSeconds);
        metrics.detectorTotal.observe(m.totalSeconds);
      },
      onWorkerError: (err) => log.error({ err: err.message }, 'detector worker failed; restarting it'),
    },
  );

  const alerts = new AlertQueueRepository(redis, settings.QUEUE_PREFIX);
  // The direct downloader speaks to one node; a cluster routes each frame by its key through ioredis.
  const downloader = settings.FRAME_DOWNLOAD === 'direct' && !isCluster(frameRedis) ? new FrameDownloader({ url: frameRedisUrl, name: 'xl-analyzer-frames' }) : undefined;
  const processor = new FrameJobProcessor(
    new FrameAnalyzer(detector),
    cameras,
    new FrameStore(frameRedis, { keyPrefix: settings.KEY_PREFIX, downloader }),
    new InflightGate(data, { keyPrefix: settings.KEY_PREFIX }),
    new HotMarks(data, { keyPrefix: settings.KEY_PREFIX }),
    new CameraStateRepository(data, settings.KEY_PREFIX),
    alerts,
    new SnapshotRepository(path.resolve(settings.SNAPSHOT_DIR)),
    new LatestPictureRepository(data, settings.KEY_PREFIX),
    new AnalysisMarks(data, { keyPrefix: settings.KEY_PREFIX }),
    metrics,
    log,
    { maxFrameAgeMs: settings.MAX_FRAME_AGE_MS, hotTtlMs: settings.HOT_TTL_MS, maxStateGapMs: settings.STATE_MAX_GAP_MS, pictureIntervalMs: settings.PICTURE_INTERVAL_MS, pictureTtlMs: settings.PICTURE_TTL_MS, gateHoldMs: settings.INFLIGHT_TTL_MS },
    clock.now,
    clock,
  );

  const worker = new Worker<FrameJob>(FRAMES_QUEUE, (job) => processor.process(job.data), {
    connection: duplicateClient(redis),
    prefix: settings.QUEUE_PREFIX,
    concurrency: settings.CONCURRENCY,
    // A frame is worth nothing after a few seconds: a stalled job is not retried (the gate frees itself by TTL).
    maxStalledCount: 0,
  });
  worker.on('failed', (job, err) => log.error({ camera: job?.data.cameraId, seq: job?.data.seq, err: err.message }, 'frame failed'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'frames worker error'));
  running = worker;

  log.info({ port: probes.port, threads: settings.DETECTOR_THREADS, concurrency: settings.CONCURRENCY, cameras: cameras.size }, 'analyzer started');

  return {
    probes,
    metrics,
    detector,
    async close() {
      await worker.close();
      await alerts.close();
      await cameras.close();
      await detector.close();
      await downloader?.close();
      await probes.close();
      clock.stop();
      redis.disconnect();
      data.disconnect();
      if (frameRedis !== data) frameRedis.disconnect();
    },
  };
}
