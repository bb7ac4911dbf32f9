// Serves the clips of a folder as fake RTSP cameras until SIGINT/SIGTERM (demo and benchmarks):
//   node tools/run.mjs libs/testing/src/simulator/cli.ts --clips DIR [--sub-only] [--count N] [--json]
// Prints `id url` per camera (or one JSON array with --json) on stdout; logs go to stderr.
import { readdir } from 'node:fs/promises';
import { createLogger } from '@xl/observability';
import { CameraSimulator } from './camera-simulator';
import { parseCliArgs, planCameras } from './cli-args';

async function main(): Promise<void> {
  const opts = parseCliArgs(process.argv.slice(2));
  const logger = createLogger('camera-simulator');
  const specs = planCameras(await readdir(opts.clipsDir), opts);
  const simulator = new CameraSimulator({ loopSeconds: opts.loopSeconds, log: (line) => logger.info(line) });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping ${specs.length} camera(s)`);
    simulator.stopAll().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error(`stopping cameras failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const cameras = await simulator.start(specs);
  if (stopping) return;
  process.stdout.write(opts.json ? `${JSON.stringify(cameras)}\n` : cameras.map((c) => `${c.id} ${c.url}\n`).join(''));
  // The child servers keep the event loop alive until a signal arrives.
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
