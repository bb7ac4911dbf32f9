#!/usr/bin/env node
// Ingest worker: cameras (RTSP) → ffmpeg → motion gate → frames in Redis + jobs on the frames queue.
// Settings: settings.ts (environment). SIGTERM/SIGINT: stop ffmpegs, release leases, exit 0.
import { createLogger, runService } from '@xl/observability';
import { INGEST_CLOSE_TIMEOUT_MS, startIngest } from './ingest.app';
import { loadIngestSettings } from './settings';

const log = createLogger('ingest');
runService('ingest', log, (signal) => startIngest(loadIngestSettings(), log, signal), { closeTimeoutMs: INGEST_CLOSE_TIMEOUT_MS });
