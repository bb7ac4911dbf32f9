#!/usr/bin/env node
// Ingest worker: cameras (RTSP) → ffmpeg → motion gate → frames in Redis + jobs on the frames queue.
// Settings: settings.ts (environment). SIGTERM/SIGINT: stop ffmpegs, release leases, exit 0.
import { createLogger } from '@xl/observability';
import { startIngest } from './ingest.app';
import { loadIngestSettings } from './settings';

const log = createLogger('ingest');

async function main(): Promise<void> {
  const app = await startIngest(loadIngestSettings(), log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    app.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: Error) => {
  log.fatal({ err: err.message }, 'ingest failed to start');
  process.exit(1);
});
