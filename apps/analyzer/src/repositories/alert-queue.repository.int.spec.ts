import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ALERTS_QUEUE } from '@xl/contracts';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { AlertQueueRepository } from './alert-queue.repository';

describe('AlertQueueRepository', () => {
  it('queues each event under its own id, and keeps a failed one for 30 days, not for good', async () => {
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const prefix = uniquePrefix('alertq');
    const alerts = new AlertQueueRepository(redis, prefix);
    const queue = new Queue(ALERTS_QUEUE, { connection: redis, prefix });
    try {
      const event = { alertId: 'a-1', kind: 'created', cameraId: 'pond', ruleId: 'r', rule: 'zone_enter', severity: 'major', startedAt: 1, capturedAt: 2, score: 0.9, boxes: [] } as const;
      await alerts.emit(event as never);
      const [job] = await queue.getJobs(['waiting']);
      expect(job.id).toBe('a-1-created-2');
      expect(job.opts.removeOnFail).toEqual({ count: 10_000, age: 30 * 86_400 }); // before: false, kept for good
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await alerts.close();
      await redis.quit();
    }
  });
});
