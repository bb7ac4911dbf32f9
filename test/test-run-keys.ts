import { Redis } from 'ioredis';
import { testRedisUrl, testRunStartedAt } from '../libs/testing/src/redis';

/** A run older than this is over (a suite takes ~12 min; one killed before its teardown left its keys). */
export const STALE_RUN_MS = 12 * 3600_000;

/**
 * Deletes the `xltest:` keys that `doomed` picks (by key) from the tests' Redis; returns how many.
 * Redis not answering is said and not fatal: the tests that need it fail on their own.
 */
export async function deleteTestKeys(doomed: (key: string) => boolean): Promise<number> {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined); // answered by the rejected command below
  let deleted = 0;
  try {
    await redis.connect();
    const stream = redis.scanStream({ match: 'xltest:*', count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      const batch = keys.filter(doomed);
      if (batch.length > 0) deleted += await redis.unlink(...batch);
    }
  } catch (err) {
    console.warn(`test keys: could not clean up at ${testRedisUrl()}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Keys of `run` (this jest run's, at its end). */
export const ofRun = (run: string) => (key: string) => key.startsWith(`xltest:${run}:`);

/** Keys of runs that began more than STALE_RUN_MS before `now` (killed before their teardown). */
export const ofStaleRuns = (now: number) => (key: string) => {
  const started = testRunStartedAt(key);
  return started !== null && started < now - STALE_RUN_MS;
};
