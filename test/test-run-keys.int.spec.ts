import { Redis } from 'ioredis';
import { newTestRunId, testRedisUrl, testRunStartedAt, TEST_RUN_ENV, uniquePrefix } from '@xl/testing';
import { deleteTestKeys, ofRun, ofStaleRuns, STALE_RUN_MS } from './test-run-keys';

// The tests' Redis keys are deleted at the end of their jest run (global-teardown.ts), and a run killed
// before its teardown is cleaned up by a later run's set-up: before, every run left ~430 keys with no TTL.
describe('test run keys', () => {
  it('names every test key after the jest run, whose start it can be read back from', () => {
    const run = process.env[TEST_RUN_ENV]!;
    expect(run).toMatch(/^r[0-9a-z]{8,10}$/); // set by global-setup.ts for every worker
    const prefix = uniquePrefix('queue');
    expect(prefix).toMatch(new RegExp(`^xltest:${run}:queue:[0-9a-f]{8}$`));
    const at = Date.UTC(2026, 11, 4, 8, 30);
    expect(testRunStartedAt(`xltest:${newTestRunId(at)}:queue:0123abcd:frames:meta`)).toBe(at);
    expect(testRunStartedAt('xltest:soak:0123abcd:frames')).toBeNull(); // a bench's, outside jest
  });

  it("deletes one run's keys, and the keys of runs over STALE_RUN_MS old, and nothing else", async () => {
    const redis = new Redis(testRedisUrl());
    try {
      const now = Date.now();
      const ended = newTestRunId(now - 60_000) + 'x'; // this test's own: one character longer than any run's id until 2059
      const killed = newTestRunId(now - STALE_RUN_MS - 3600_000);
      const running = newTestRunId(now - 3600_000);
      const keys = [`xltest:${ended}:api:1:a`, `xltest:${ended}:api:2:b`, `xltest:${killed}:e2e:3:c`, `xltest:${running}:e2e:4:d`, 'xltest:soak:5:e'];
      for (const key of keys) await redis.set(key, '1');
      expect(await deleteTestKeys(ofRun(ended))).toBe(2);
      expect(await deleteTestKeys(ofStaleRuns(now))).toBeGreaterThanOrEqual(1);
      expect(await redis.exists(...keys)).toBe(2);
      expect(await redis.exists(`xltest:${running}:e2e:4:d`, 'xltest:soak:5:e')).toBe(2);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
});
