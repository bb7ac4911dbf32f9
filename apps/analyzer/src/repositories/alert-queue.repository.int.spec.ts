import { Queue, Worker } from 'bullmq';
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
      const [job] = await queue.getJobs(['waiting', 'prioritized']);
      expect(job.id).toBe('a-1-created-2');
      expect(job.opts.removeOnFail).toEqual({ count: 10_000, age: 30 * 86_400 }); // before: false, kept for good
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await alerts.close();
      await redis.quit();
    }
  });

  it('hands a critical event to the API before the minor ones queued ahead of it, and keeps each severity in order', async () => {
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const prefix = uniquePrefix('alertq');
    const alerts = new AlertQueueRepository(redis, prefix);
    const taken: string[] = [];
    try {
      const event = (alertId: string, severity: string, capturedAt: number) => ({ alertId, kind: 'created', cameraId: 'pond', ruleId: 'r', rule: 'zone_enter', severity, startedAt: 1, capturedAt, score: 0.9, boxes: [] }) as never;
      // A festival's zone_enter events, a warning, then a drowning, all queued before the API takes any.
      for (let i = 0; i < 5; i++) await alerts.emit(event(`enter-${i}`, 'major', 10 + i));
      await alerts.emit(event('covered', 'warning', 20));
      await alerts.emit(event('drowning', 'critical', 30));
      await alerts.emit(event('enter-5', 'major', 40));
      const worker = new Worker(ALERTS_QUEUE, async (job) => void taken.push(job.data.alertId), { connection: redis, prefix, concurrency: 1 });
      await new Promise<void>((resolve) => worker.on('drained', () => resolve()));
      await worker.close();
      // Before: enter-0 … enter-4, covered, drowning, enter-5.
      expect(taken).toEqual(['drowning', 'enter-0', 'enter-1', 'enter-2', 'enter-3', 'enter-4', 'enter-5', 'covered']);
    } finally {
      const queue = new Queue(ALERTS_QUEUE, { connection: redis, prefix });
      await queue.obliterate({ force: true });
      await queue.close();
      await alerts.close();
      await redis.quit();
    }
  });
});
