import '../testing/nest-esm';
import type { Queue } from 'bullmq';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { Clock } from '../common/clock';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { createWorld } from '../testing/world';
import { ApiTimers, TIMER_REDIS_TIMEOUT_MS } from './api-timers';

/** The shared clock as this host reads it, `behindMs` behind its own wall clock. */
class SkewedClock extends Clock {
  behindMs = 0;
  now(): number {
    return Date.now() - this.behindMs;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// BullMQ delays a job by the adding host's clock and promotes it by the promoting host's. The
// shared clock decides when a deadline is due: a timer that fires early by the host's clock waits.
describe('API timers on hosts whose clocks differ, and while Redis does not answer', () => {
  const clock = new SkewedClock();
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { SLA_CRITICAL_SECONDS: '2', SLA_MAJOR_SECONDS: '0', SLA_WARNING_SECONDS: '0', TIMER_SWEEP_SECONDS: '60' }, { clock });
    await createWorld(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('does not escalate before the deadline on the shared clock, however early the host fires the timer', async () => {
    const admin = { Authorization: `Bearer ${await t.token('admin')}` };
    const event = alertEvent({ cameraId: 'cam-a', severity: 'critical', rule: 'vanish_in_water', ruleId: 'pond.vanish' });
    const openedAt = Date.now();
    await t.app.get(AlertIntakeService).consume(event);
    // From here on this host reads the shared clock 4 s behind: BullMQ's timer (2 s, by the host's
    // clock) fires while the deadline is still 4 s away on the shared clock.
    clock.behindMs = 4000;
    const detail = async () => (await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}`).set(admin)).body;
    const due = (await detail()).escalationDueAt as number;
    await sleep(Math.max(0, openedAt + 3500 - Date.now())); // 1.5 s after BullMQ's timer fired
    expect(clock.now()).toBeLessThan(due);
    expect((await detail()).escalationLevel).toBe(0);
    const escalated = await eventually(async () => {
      const d = await detail();
      return d.escalationLevel === 1 && d;
    }, 'the escalation once due on the shared clock', 8000);
    const step = escalated.transitions.find((x: { action: string }) => x.action === 'escalate');
    expect(step.at).toBeGreaterThanOrEqual(due);
  });

  it('runs no handler before its due time on the shared clock, also one the worker picks up a little early', async () => {
    const timers = t.app.get(ApiTimers);
    const ran: number[] = [];
    timers.register('probe', async () => void ran.push(clock.now()));
    clock.behindMs = 0;
    // As the worker hands over a job BullMQ promoted 200 ms before it is due on the shared clock:
    // within the tolerance that used to run it at once (a maintenance window's end timer then found
    // the window still active and ended nothing).
    const due = clock.now() + 200;
    const run = (timers as unknown as { run(job: unknown): Promise<void> }).run.bind(timers);
    await run({ name: 'probe', id: 'probe-early', data: { timerFireAt: due } });
    expect(ran).toHaveLength(1);
    expect(ran[0]).toBeGreaterThanOrEqual(due);
  });

  it('fails a schedule, and gives a cancel up, within a second while Redis does not answer', async () => {
    const timers = t.app.get(ApiTimers);
    const queue = (timers as unknown as { queue: Queue }).queue;
    // What ioredis does with a command while Redis is down: holds it until its reconnect attempts
    // run out (~20 s). Here it never answers: a call that returns at all gave up by itself.
    const held = () => new Promise<never>(() => undefined);
    const add = jest.spyOn(queue, 'add').mockImplementation(held);
    const remove = jest.spyOn(queue, 'remove').mockImplementation(held);
    try {
      await expect(timers.schedule('escalate', 'esc-redis-away', { alertId: 'a' }, 60_000)).rejects.toThrow(
        `scheduling timer 'escalate' (job esc-redis-away): no answer from Redis within ${TIMER_REDIS_TIMEOUT_MS} ms`,
      );
      await timers.cancel('esc-redis-away'); // returns: given up, the error logged
      expect(add).toHaveBeenCalledWith('escalate', expect.anything(), expect.objectContaining({ jobId: 'esc-redis-away' }));
      expect(remove).toHaveBeenCalledWith('esc-redis-away');
    } finally {
      add.mockRestore();
      remove.mockRestore();
    }
  });
});
