// Wires ingest: Redis adapters, the ffmpeg reader factory, the services, probes. No logic lives here.
import { createLogger, registerDiskSpace, startProbeServer, untilSucceeds, type Logger, type ProbeServer } from '@xl/observability';
import { StartGate } from '@xl/media';
import {
  CameraConfigStore,
  CameraLeases,
  connectRedis,
  EvidenceResultStream,
  FrameStore,
  FramesQueue,
  FrameUploader,
  HotMarks,
  InflightGate,
  isCluster,
  redisRetryStrategy,
  startRedisClock,
  StreamDelayMarks,
} from '@xl/queue';
import { IngestMetrics } from './metrics';
import { ClipService } from './recording/clip-service';
import { FileEvidenceWriter, RedisClipRequestFeed } from './recording/evidence.repository';
import { FileRecordingDirs } from './recording/recording-dirs.repository';
import { RecordingJanitor } from './recording/recording-janitor';
import { recordedPipeline, segmentRecorderFactory } from './recording/recorded-pipeline';
import { FileCameraSource, RedisCameraSource } from './repositories/camera-source.repository';
import { RedisFramePublisher } from './repositories/frame-publisher.repository';
import { RedisStatusPublisher } from './repositories/status-publisher.repository';
import { cameraReaderFactory } from './repositories/frame-source.repository';
import { CameraPipeline } from './services/camera-pipeline';
import { FrameBacklogSweeper } from './services/frame-backlog-sweeper';
import { IngestService } from './services/ingest.service';
import { StatusOutbox } from './services/status-outbox';
import type { IngestSettings } from './settings';

/** How often the recordings of cameras not recorded here are looked at (and once at start). */
const RECORDING_SWEEP_MS = 5 * 60_000;
/** A camera whose configuration is unknown here keeps its recording this long: the longest ring allowed. */
const RECORDING_MAX_WINDOW_SECONDS = 600;

/** On shutdown, the last status events get this long (the leases are released already). */
const STATUS_FLUSH_ON_CLOSE_MS = 2000;

/** cutClip's limit for a clip re-encoded to H.264 (libs/media recording-clip.ts): the longest hand-over cut. */
export const CLIP_TRANSCODE_TIMEOUT_MS = 300_000;
/**
 * The longest close() may take (runService's deadline): the hand-over cut of a camera this worker
 * gives up may be an H.265 clip being re-encoded, and killing it loses the start of that alert's
 * evidence; the rest (camera stops, status flush, Redis) takes seconds. The orchestrators' grace
 * (docker/k8s/ingest.yaml, compose stop_grace_period) is set above it: checked by test/deploy.
 */
export const INGEST_CLOSE_TIMEOUT_MS = CLIP_TRANSCODE_TIMEOUT_MS + 20_000;

/**
 * Puts a camera's behind_live series at 0 when this worker takes it: XlCameraUplinkTooSlow counts
 * them with increase(), which cannot see a series that first appears at 1.
 */
export function presetCameraSeries(metrics: IngestMetrics, cameraId: string): void {
  metrics.restarts.inc({ camera: cameraId, reason: 'behind_live' }, 0);
  metrics.recordingInterruptions.inc({ camera: cameraId, reason: 'behind_live' }, 0);
}

export interface IngestApp {
  service: IngestService;
  metrics: IngestMetrics;
  probes: ProbeServer;
  /** Deletes the recordings of cameras not recorded here (null without RECORDING_DIR). */
  janitor: RecordingJanitor | null;
  /** Stops the ffmpegs, releases the leases, closes connections and the probe server. */
  close(): Promise<void>;
}

/** `signal` (runService's stop request) ends the wait for Redis at start. */
export async function startIngest(settings: IngestSettings, log: Logger = createLogger('ingest'), signal?: AbortSignal): Promise<IngestApp> {
  const redis = connectRedis({ url: settings.REDIS_URL, clusterNodes: settings.REDIS_CLUSTER_NODES }, { lazyConnect: false, retryStrategy: redisRetryStrategy });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  // Frame bytes in a Redis of their own when FRAME_REDIS_URL names one: without persistence, so that
  // ~0.3 MB per published frame stays out of the main Redis's AOF (docs/deployment.md). Only the
  // bytes: the gate, the job and everything else stay on REDIS_URL.
  const frameRedisUrl = settings.FRAME_REDIS_URL ?? settings.REDIS_URL;
  const frameRedis = frameRedisUrl === settings.REDIS_URL ? redis : connectRedis({ url: frameRedisUrl }, { lazyConnect: false, retryStrategy: redisRetryStrategy });
  if (frameRedis !== redis) frameRedis.on('error', (err) => log.warn({ err: err.message }, 'frame redis connection error'));
  const keyPrefix = settings.KEY_PREFIX;
  const metrics = new IngestMetrics();
  registerDiskSpace(metrics.registry, { recording: settings.RECORDING_DIR, evidence: settings.EVIDENCE_DIR });
  // Probes first, not ready until the service runs: a worker waiting for Redis is alive (no
  // liveness restart, no CrashLoopBackOff to sit out once Redis is back), just not ready.
  let serviceReady = () => false;
  const probes = await startProbeServer({
    port: settings.METRICS_PORT,
    host: settings.METRICS_HOST,
    registry: metrics.registry,
    ready: async () => serviceReady() && (await redis.ping()) === 'PONG' && (frameRedis === redis || (await frameRedis.ping()) === 'PONG'),
  });
  // Frames, status events and recordings are stamped by the Redis server's time: one clock for every
  // host. Measured before anything is stamped, so start waits here until Redis answers.
  const clock = await untilSucceeds('measuring the clock against Redis', () => startRedisClock(redis, { gauge: metrics.clockOffset, log }), { log, signal }).catch(async (err: unknown) => {
    redis.disconnect();
    frameRedis.disconnect();
    await probes.close();
    throw err;
  });
  const queue = new FramesQueue({ connection: redis, prefix: settings.QUEUE_PREFIX, now: clock.now });
  // Jobs nobody took before their bytes expired are removed: the wait list stays bounded while no analyzer runs.
  const sweeper = new FrameBacklogSweeper({ backlog: queue, expired: metrics.expiredJobs, log }, { maxAgeMs: settings.frameJobMaxAgeMs, intervalMs: settings.sweepIntervalMs });
  // The direct uploader speaks to one node; a cluster routes each frame by its key through ioredis.
  const uploader = settings.FRAME_UPLOAD === 'direct' && !isCluster(frameRedis) ? new FrameUploader({ url: frameRedisUrl, name: `xl-frames:${settings.INGEST_ID}` }) : undefined;
  const publisher = new RedisFramePublisher(
    new InflightGate(redis, { keyPrefix }),
    new FrameStore(frameRedis, { keyPrefix, uploader }),
    queue,
    new HotMarks(redis, { keyPrefix }),
    { frameTtlMs: settings.FRAME_TTL_MS, inflightTtlMs: settings.INFLIGHT_TTL_MS },
  );
  // Kept per camera through a Redis outage and published when it answers (services/status-outbox.ts).
  const status = new StatusOutbox({ status: new RedisStatusPublisher(redis, { keyPrefix }), metrics, log }, { retryMs: 1000, retryMaxMs: 5000 });
  const delayMarks = new StreamDelayMarks(redis, { keyPrefix });
  const sources = cameraReaderFactory(
    { width: settings.MODEL_INPUT_WIDTH, height: settings.MODEL_INPUT_HEIGHT, stopGraceMs: settings.STOP_GRACE_MS, ffmpegPath: settings.FFMPEG_PATH, startGate: new StartGate(settings.START_CONCURRENCY), now: clock.now },
    log,
  );
  const cameras = settings.CAMERAS_FILE
    ? new FileCameraSource(settings.CAMERAS_FILE)
    : new RedisCameraSource(new CameraConfigStore(redis, { keyPrefix }), log, { pollMs: settings.CONFIG_POLL_MS });
  // Evidence clips: only with a recording directory and the shared evidence directory (settings.ts).
  const clips =
    settings.RECORDING_DIR && settings.EVIDENCE_DIR
      ? new ClipService(
          {
            requests: new RedisClipRequestFeed(redis, keyPrefix, log),
            results: new EvidenceResultStream(redis, { keyPrefix }),
            writer: new FileEvidenceWriter(settings.EVIDENCE_DIR, { ffmpegPath: settings.FFMPEG_PATH, ffprobePath: settings.FFPROBE_PATH, transcode: settings.CLIP_TRANSCODE }),
            log,
            ingestId: settings.INGEST_ID,
            now: clock.now,
          },
          { tickMs: 500 },
        )
      : null;
  const recorders = settings.RECORDING_DIR
    ? segmentRecorderFactory({ recordingDir: settings.RECORDING_DIR, stopGraceMs: settings.STOP_GRACE_MS, ffmpegPath: settings.FFMPEG_PATH, ffprobePath: settings.FFPROBE_PATH, now: clock.now }, log, metrics)
    : null;
  await clips?.start();
  const service = new IngestService(
    {
      cameras,
      leases: new CameraLeases(redis, { ownerId: settings.INGEST_ID, ttlMs: settings.LEASE_TTL_MS, keyPrefix }),
      pipelines: (camera) => {
        presetCameraSeries(metrics, camera.id);
        const frameDeps = { sources, publisher, status, metrics, log, ingestId: settings.INGEST_ID, delayMarks };
        if (!clips || !recorders) return new CameraPipeline(camera, frameDeps);
        return recordedPipeline(camera, (readerStream) => new CameraPipeline(camera, { ...frameDeps, readerStream }), { clips, recorders, metrics, log });
      },
      metrics,
      log,
    },
    { capacity: settings.INGEST_CAPACITY, tickMs: settings.tickMs, leaseTtlMs: settings.LEASE_TTL_MS, stopGraceMs: settings.STOP_GRACE_MS },
  );
  serviceReady = () => service.ready;
  await service.start();
  sweeper.start();
  const janitor = settings.RECORDING_DIR
    ? new RecordingJanitor(
        {
          dirs: new FileRecordingDirs(settings.RECORDING_DIR),
          // Held cameras that record (their recorder may be starting, not attached yet), and what the clips still need.
          inUse: () => new Set([...service.heldIds.filter((id) => service.cameraConfig(id)?.recording.enabled !== false), ...(clips?.camerasInUse() ?? [])]),
          windowSecondsOf: (cameraId) => service.cameraConfig(cameraId)?.recording.windowSeconds,
          log,
          now: clock.now,
        },
        { intervalMs: RECORDING_SWEEP_MS, defaultWindowSeconds: RECORDING_MAX_WINDOW_SECONDS },
      )
    : null;
  janitor?.start();
  log.info(
    { ingestId: settings.INGEST_ID, port: probes.port, capacity: settings.INGEST_CAPACITY, source: settings.CAMERAS_FILE ?? 'redis' },
    'ingest started',
  );

  return {
    service,
    metrics,
    probes,
    janitor,
    close: async () => {
      // The leases are handed over first; the janitor's pass in progress ends after its current camera.
      const janitorStopped = janitor?.stop();
      await service.stop();
      await janitorStopped;
      await status.close(STATUS_FLUSH_ON_CLOSE_MS);
      await sweeper.stop();
      await clips?.stop();
      clock.stop();
      await queue.close();
      await uploader?.close();
      if (frameRedis !== redis) await frameRedis.quit().catch(() => frameRedis.disconnect());
      await redis.quit().catch(() => redis.disconnect());
      await probes.close();
    },
  };
}
