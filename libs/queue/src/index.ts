// Redis adapters shared by ingest, analyzer and alerts-api. Every class takes an ioredis client and an
// optional `keyPrefix` (default '': keys exactly as `redisKeys` in @xl/contracts).
export { PrefixedRedis, type KeyPrefixOptions } from './prefixed';
export { FrameStore, type FrameStoreOptions } from './frame-store';
export { FrameUploader, type FrameUploaderOptions } from './frame-uploader';
export { FrameDownloader, type FrameDownloaderOptions, type FrameTarget } from './frame-downloader';
export { InflightGate, type InflightGateOptions } from './inflight-gate';
export { HotMarks, type HotMarksOptions } from './hot-marks';
export { AnalysisMarks, type AnalysisMarksOptions } from './analysis-marks';
export { StreamDelayMarks, type StreamDelayMark, type StreamDelayMarksOptions } from './stream-delay-marks';
export { CameraLeases, fairShare, LEASE_HOLDERS_KEY, type CameraLeasesOptions } from './camera-leases';
export { CameraStatusStream, STATUS_FIELD, type CameraStatusStreamOptions, type StatusEntry } from './status-stream';
export { CameraConfigStore, type CameraConfigStoreOptions, type LoadedCameras } from './config-store';
export { FramesQueue, type FramesQueueOptions } from './frames-queue';
export { redisRetryStrategy } from './reconnect';
export { EvidenceRequestStream, EvidenceResultStream, type EvidenceStreamOptions, type StreamItem, type StreamPage } from './evidence-streams';
export { CLOCK_OFFSET_WARN_MS, RedisClock, startRedisClock, type ClockReport, type RedisClockOptions } from './redis-clock';
export { connectRedis, duplicateClient, isCluster, parseClusterNode, type RedisClient, type RedisTarget } from './redis-client';
export { COMPARE_AND_DELETE, COMPARE_AND_PEXPIRE } from './scripts';
