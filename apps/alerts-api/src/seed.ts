// Seed command: `node tools/run.mjs apps/alerts-api/src/seed.ts --file seed.yaml`
// Applies a seed file (regions, cameras, users; see docs/api.md) to the database named by
// DATABASE_URL and publishes the camera configuration to Redis. Idempotent; prints a JSON summary.
import { parseArgs } from 'node:util';
import { createLogger } from '@xl/observability';
import { createApp } from './app.factory';
import { applySeed, readSeedFile } from './seeding';
import { loadSettings } from './settings';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { file: { type: 'string', short: 'f' } } });
  if (!values.file) {
    console.error('usage: node tools/run.mjs apps/alerts-api/src/seed.ts --file seed.yaml');
    process.exit(2);
  }
  const { seed, cameras } = await readSeedFile(values.file);
  // No workers (the seed must not consume queues) and no tokens issued, so no secret warning.
  const settings = { ...loadSettings(process.env), runWorkers: false, jwtSecretGenerated: false };
  const logger = createLogger('alerts-api-seed', settings.logLevel === 'info' ? 'warn' : settings.logLevel);
  const app = await createApp(settings, { logger, docs: false, push: false });
  await app.init();
  try {
    const summary = await applySeed(app, seed, cameras);
    process.stdout.write(`${JSON.stringify({ seeded: values.file, ...summary })}\n`);
  } finally {
    await app.close();
  }
}

main().catch((err: Error) => {
  console.error(`seed failed: ${err.message}`);
  process.exit(1);
});
