import '../testing/nest-esm';
import { Queue } from 'bullmq';
import { ALERTS_QUEUE } from '@xl/contracts';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { createWorld } from '../testing/world';
import { AlertIntakeService, type IntakeOutcome } from './alert-intake.service';

// An event whose holder died, or whose event loop stayed blocked past the 4 s lock (better-sqlite3
// blocks it), stalls: BullMQ's stalled check hands it to a worker again. However often that happens,
// the event is stored; BullMQ's default failed it, unstored, at its second stall.
describe('alert intake worker when an event stalls', () => {
  let t: TestApp;
  let queue: Queue;

  beforeAll(async () => {
    // Several events at once: the stalled runs below keep their slots, as a dead instance would.
    t = await startTestApp('sqlite', { INTAKE_CONCURRENCY: '4' });
    await createWorld(t);
    queue = new Queue(ALERTS_QUEUE, { connection: { url: t.settings.redisUrl }, prefix: t.settings.queuePrefix });
  });

  afterAll(async () => {
    await queue?.close();
    await t?.close();
  });

  it('stores an event that stalled twice and completes its job', async () => {
    const intake = t.app.get(AlertIntakeService);
    const consume = intake.consume.bind(intake);
    const event = alertEvent({ cameraId: 'cam-a', severity: 'critical', rule: 'vanish_in_water', ruleId: 'pond.vanish' });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    // The first two runs hang, as on an instance that died or froze holding the event.
    const spy = jest.spyOn(intake, 'consume').mockImplementation(async (e): Promise<IntakeOutcome> => {
      if (e.alertId === event.alertId && ++runs <= 2) await released;
      return consume(e);
    });
    try {
      const job = await queue.add('alert', event);
      const lockKey = `${queue.toKey(job.id!)}:lock`;
      for (const run of [1, 2]) {
        await eventually(async () => runs >= run && (await t.redis.exists(lockKey)) === 1, `run ${run} of the event holding its lock`);
        // Its holder stops renewing the lock: the next stalled checks hand the event over.
        await t.redis.del(lockKey);
      }
      const state = await eventually(async () => {
        const s = await job.getState();
        return (s === 'completed' || s === 'failed') && s;
      }, 'the job to complete or fail', 25_000);
      expect({ state, failedReason: (await queue.getJob(job.id!))?.failedReason }).toEqual({ state: 'completed', failedReason: undefined });
      expect(runs).toBe(3);
      const admin = { Authorization: `Bearer ${await t.token('admin')}` };
      const stored = await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}`).set(admin);
      expect([stored.status, stored.body.severity, stored.body.state]).toEqual([200, 'critical', 'open']);
    } finally {
      release();
      spy.mockRestore();
    }
  }, 45_000);
});
