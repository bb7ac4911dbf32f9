import { createServer, type Server } from 'node:http';
import { createLogger } from '@xl/observability';
import { loadSettings, SettingsError } from './settings';

/**
 * Answers the probes on the API's port while the app starts: /healthz 200 (alive), /readyz 503. Start
 * can wait a long time (Redis not up yet: the clock provider retries), and a pod that answers nothing
 * meanwhile is restarted by its startup probe into CrashLoopBackOff.
 */
async function startingProbes(port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const alive = path === '/healthz';
    res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify({ status: alive ? 'ok' : 'starting' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** The longest app.close() may take after SIGTERM, under the 30 s grace of compose and docker/k8s. */
const CLOSE_TIMEOUT_MS = 25_000;

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
  // Until Nest's shutdown hooks take over: as PID 1 Node ignores a signal it has no handler for, and
  // nothing started yet needs closing.
  const stopEarly = (signal: string) => {
    logger.info({ signal }, 'stopped during start-up');
    process.exit(0);
  };
  process.once('SIGTERM', stopEarly);
  process.once('SIGINT', stopEarly);
  // Port 0 (tests) picks a port per listen: there is nothing to hold for the app then.
  const probes = settings.port === 0 ? null : await startingProbes(settings.port, settings.host);
  // Loaded after the probes answer: Nest and every module take seconds to load on a busy node.
  const { createApp } = await import('./app.factory');
  const app = await createApp(settings, { logger });
  if (probes) await new Promise<void>((resolve) => probes.close(() => resolve()));
  process.off('SIGTERM', stopEarly);
  process.off('SIGINT', stopEarly);
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  // Closing waits on every module's connections; with Redis or the database unreachable that has no
  // end. Bounded below the orchestrators' grace (30 s: docker/k8s/alerts-api.yaml, compose).
  const bound = () => setTimeout(() => {
    logger.error({ closeTimeoutMs: CLOSE_TIMEOUT_MS }, 'shutdown did not finish in time; exiting');
    process.exit(1);
  }, CLOSE_TIMEOUT_MS).unref();
  process.once('SIGTERM', bound);
  process.once('SIGINT', bound);
  await app.listen(settings.port, settings.host);
  logger.info({ port: settings.port, host: settings.host, database: settings.databaseUrl.split(':')[0] }, 'alerts-api listening');
}

main().catch((err: Error) => {
  console.error(`alerts-api failed to start: ${err.stack ?? err.message}`);
  process.exit(1);
});
