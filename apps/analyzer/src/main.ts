#!/usr/bin/env node
// Analyzer worker: frames queue → detector pool → tracker → rules → alerts queue. Settings: settings.ts.
import { createLogger } from '@xl/observability';
import { startAnalyzer } from './analyzer.app';
import { loadAnalyzerSettings } from './settings';

const log = createLogger('analyzer');

async function main(): Promise<void> {
  const app = await startAnalyzer(loadAnalyzerSettings(), log);
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
  log.fatal({ err: err.message }, 'analyzer failed to start');
  process.exit(1);
});
