import { randomBytes } from 'node:crypto';

/** Redis the tests use: $REDIS_URL or the local default (scripts/test.sh starts one if none answers). */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/**
 * The jest run's id (test/global-setup.ts sets it for the workers): every key a test of that run makes
 * under uniquePrefix starts `xltest:<run>:`, so the run's teardown deletes what its tests left.
 */
export const TEST_RUN_ENV = 'XL_TEST_RUN';

/** A new run id, `r` and the start time in base 36 (testRunStartedAt reads it back). */
export function newTestRunId(now = Date.now()): string {
  return `r${now.toString(36)}`;
}

/** When the run whose keys start `xltest:<run>:` began, from its id; null for a key of no run (a bench's, or older). */
export function testRunStartedAt(key: string): number | null {
  const match = /^xltest:r([0-9a-z]{8,10}):/.exec(key);
  return match ? parseInt(match[1], 36) : null;
}

/** A key / BullMQ prefix unique to one test, so parallel test files never see each other's data. */
export function uniquePrefix(label = 'test'): string {
  const run = process.env[TEST_RUN_ENV];
  return `xltest:${run ? `${run}:` : ''}${label}:${randomBytes(4).toString('hex')}`;
}
