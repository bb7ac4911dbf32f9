import { createLogger } from '@xl/observability';
import { createApp } from './app.factory';
import { loadSettings, SettingsError } from './settings';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings(process.env);
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger('alerts-api', settings.logLevel);
  const app = await createApp(settings, { logger });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen(settings.port, settings.host);
  logger.info({ port: settings.port, host: settings.host, database: settings.databaseUrl.split(':')[0] }, 'alerts-api listening');
}

main().catch((err: Error) => {
  console.error(`alerts-api failed to start: ${err.stack ?? err.message}`);
  process.exit(1);
});
