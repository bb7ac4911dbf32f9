import '../testing/nest-esm';
import type { Queue } from 'bullmq';
import { CAMERA_STATUS_STREAM, type CameraStatusEvent, SEVERITY_RANK } from '@xl/contracts';
import { Clock } from '../common/clock';
import { EventPublisher, type PushEvent } from '../shared/push-events';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { ApiTimers, timerJobId } from '../timers/api-timers';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { SYSTEM } from './alert';
import { AlertIntakeService } from './alert-intake.service';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { EscalationService } from './escalation.service';

// Short SLAs so that deadlines pass within the test: critical 0.3 s; major 1.5 s (the
// acknowledgement test acknowledges at once and must stay safely inside it on a loaded machine);
// camera offline alerts after 0.4 s, resolved as soon as the camera is back (a stability period and
// flapping cameras: camera-status.int.spec.ts); the sweep for deadlines whose timer was lost every 0.5 s.
const SLA_ENV = { SLA_CRITICAL_SECONDS: '0.3', SLA_MAJOR_SECONDS: '1.5', SLA_WARNING_SECONDS: '0', CAMERA_OFFLINE_ALERT_SECONDS: '0.4', CAMERA_STABLE_SECONDS: '0', TIMER_SWEEP_SECONDS: '0.5' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Redis gone for the timers, as ioredis has it: every command of their queue is held until the
 * reconnect attempts run out (~20 s; 5 s here), then fails. Returns how to bring Redis back.
 */
function timersRedisAway(timers: ApiTimers): () => void {
  const queue = (timers as unknown as { queue: Queue }).queue;
  const held = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('Reached the max retries per request limit (which is 20)')), 5000).unref());
  const add = jest.spyOn(queue, 'add').mockImplementation(held);
  const remove = jest.spyOn(queue, 'remove').mockImplementation(held);
  return () => {
    add.mockRestore();
    remove.mockRestore();
  };
}

/**
 * Holds every timer call (schedule, cancel) made from now on until `release()`: work that finishes
 * while they are held did not wait on them. `within` gives such work a generous bound (a code path
 * that waits on a held call never finishes), not a measure of this machine's speed.
 */
function timerCallsHeld(timers: ApiTimers): {
  made: () => number;
  madeFor: (alertIds: string[], jobIds: string[]) => string[];
  release: () => void;
  within: <T>(work: Promise<T>) => Promise<T | 'waited on a timer call'>;
} {
  const held: Array<() => void> = [];
  const calls: Array<{ jobId: string; alertId?: unknown }> = [];
  const hold = (jobId: string, alertId?: unknown) => {
    calls.push({ jobId, alertId });
    return new Promise<void>((resolve) => held.push(resolve));
  };
  const spies = [
    jest.spyOn(timers, 'schedule').mockImplementation((_name, jobId, data) => hold(jobId, data.alertId)),
    jest.spyOn(timers, 'cancel').mockImplementation((jobId) => hold(jobId)),
  ];
  return {
    made: () => held.length,
    /** Job ids of the calls held for these alerts (scheduled for one, or one of these jobs), in order. */
    madeFor: (alertIds, jobIds) => calls.filter((c) => jobIds.includes(c.jobId) || alertIds.includes(c.alertId as string)).map((c) => c.jobId),
    release: () => {
      spies.forEach((spy) => spy.mockRestore());
      held.splice(0).forEach((resolve) => resolve());
    },
    within: (work) => Promise.race([work, sleep(10_000).then(() => 'waited on a timer call' as const)]),
  };
}

describe.each(DATABASE_KINDS)('escalation and camera status on %s', (kind) => {
  let t: TestApp;
  let pushes: PushEvent[];
  let intake: AlertIntakeService;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(kind, SLA_ENV);
    await createWorld(t);
    intake = t.app.get(AlertIntakeService);
    pushes = [];
    jest.spyOn(t.app.get(EventPublisher), 'publish').mockImplementation(async (event) => {
      pushes.push(event);
    });
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });

  afterAll(async () => {
    await t?.close();
  });

  const detail = async (id: string) => (await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin)).body;

  it('escalates an unacknowledged critical alert up the region tree, one SLA per level, and stops at the root', async () => {
    const event = alertEvent({ cameraId: 'cam-a', severity: 'critical', rule: 'vanish_in_water', ruleId: 'pond.vanish' });
    await intake.consume(event);
    const opened = await detail(event.alertId);
    expect(opened).toMatchObject({ escalationLevel: 0, responsibleRegionId: 'vil-a1a' });
    expect(opened.escalationDueAt - opened.createdAt).toBe(300);

    const top = await eventually(async () => {
      const d = await detail(event.alertId);
      return d.escalationLevel === 3 && d;
    }, 'three escalations');
    expect(top).toMatchObject({ state: 'open', responsibleRegionId: 'city', escalationDueAt: null });
    const steps = top.transitions.filter((x: { action: string }) => x.action === 'escalate');
    expect(steps.map((x: { regionId: string; escalationLevel: number }) => [x.escalationLevel, x.regionId])).toEqual([
      [1, 'town-a1'],
      [2, 'county-a'],
      [3, 'city'],
    ]);
    expect(steps[0]).toMatchObject({ actor: { kind: 'system', name: 'escalation' }, from: 'open', to: 'open' });
    expect(steps[0].note).toContain("escalated from village 'Village A1a' to township 'Township A1'");
    expect(steps[0].detail).toEqual({
      kind: 'escalated',
      slaSeconds: 0.3, // SLA_CRITICAL_SECONDS
      fromRegion: { id: 'vil-a1a', name: 'Village A1a', level: 'village' },
      toRegion: { id: 'town-a1', name: 'Township A1', level: 'township' },
    });
    // Each escalation's push goes out after its commit, unawaited: the level-3 one may come after the GET.
    const levelsPushed = () => pushes.filter((p) => p.data.id === event.alertId && p.type === 'alert.updated').map((p) => p.data.escalationLevel);
    await eventually(async () => levelsPushed().includes(3), 'the push of level 3');
    // The notifier may push a newer copy again (a level repeats): every level pushed, first in order.
    expect([...new Set(levelsPushed())]).toEqual([1, 2, 3]);
    // Each escalation's push still reaches everyone who could see the alert: the camera's own path.
    expect(pushes.find((p) => p.data.id === event.alertId && p.type === 'alert.updated')?.scope.regionPath).toEqual(['city', 'county-a', 'town-a1', 'vil-a1a']);

    await sleep(700);
    expect((await detail(event.alertId)).transitions.filter((x: { action: string }) => x.action === 'escalate')).toHaveLength(3);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/xl_alert_escalations_total\{level="1"\} [1-9]/);
  });

  it('escalates an alert whose timer was lost (Redis lost its data) from the database sweep', async () => {
    const event = alertEvent({ cameraId: 'cam-a', severity: 'major', trackId: 901 });
    await intake.consume(event);
    const opened = await detail(event.alertId);
    // What a flushed Redis does to the deadline: the delayed job is gone, the database still has it.
    await t.app.get(ApiTimers).cancel(timerJobId('esc', event.alertId, 0, opened.escalationDueAt));
    const escalated = await eventually(async () => {
      const d = await detail(event.alertId);
      return d.escalationLevel >= 1 && d;
    }, 'escalation by the sweep', 8000);
    const step = escalated.transitions.find((x: { action: string }) => x.action === 'escalate');
    expect(step).toMatchObject({ escalationLevel: 1, regionId: 'town-a1', actor: { kind: 'system', name: 'escalation' } });
    const late = step.at - opened.escalationDueAt;
    console.log(`escalated ${late} ms after its deadline by the sweep (interval 500 ms)`);
    expect(late).toBeGreaterThanOrEqual(500); // the timer's turn first
    expect(late).toBeLessThan(5000);
  });

  it('escalates every overdue alert in one sweep, without waiting on Redis per alert, while timers cannot be armed (Redis away)', async () => {
    const escalation = t.app.get(EscalationService);
    escalation.onModuleDestroy(); // this test sweeps itself
    const timers = t.app.get(ApiTimers);
    // The alerts were opened while their timers could not be armed: only the sweep escalates them.
    const schedule = jest.spyOn(timers, 'schedule').mockRejectedValue(new Error('Redis connection lost'));
    let redisBack: (() => void) | undefined;
    try {
      const events = [902, 903, 904].map((trackId) => alertEvent({ cameraId: 'cam-a', severity: 'major', trackId }));
      for (const event of events) await intake.consume(event);
      schedule.mockRestore();
      await sleep(2200); // past the 1.5 s SLA and the sweep's 0.5 s grace
      redisBack = timersRedisAway(timers);
      const calls = timerCallsHeld(timers);
      try {
        // Each escalation arms its next deadline, and the sweep waits for none of them.
        expect(await calls.within(escalation.sweepOverdue())).toBeGreaterThanOrEqual(3);
        expect(calls.made()).toBeGreaterThanOrEqual(3);
      } finally {
        calls.release();
      }
      for (const event of events) expect((await detail(event.alertId)).escalationLevel).toBe(1);
    } finally {
      schedule.mockRestore();
      redisBack?.();
      await escalation.onApplicationBootstrap();
    }
  });

  it('goes on with the other overdue alerts when escalating one of them fails', async () => {
    const escalation = t.app.get(EscalationService);
    escalation.onModuleDestroy(); // this test sweeps itself
    const timers = t.app.get(ApiTimers);
    const schedule = jest.spyOn(timers, 'schedule').mockRejectedValue(new Error('Redis connection lost'));
    const escalate = escalation.escalate.bind(escalation);
    const events = [907, 908, 909].map((trackId) => alertEvent({ cameraId: 'cam-a', severity: 'major', trackId }));
    const failing = jest.spyOn(escalation, 'escalate').mockImplementation(async (alertId, level, dueAt) => {
      if (alertId === events[0].alertId) throw new Error('deadlock detected');
      return escalate(alertId, level, dueAt);
    });
    try {
      for (const event of events) await intake.consume(event); // no timers: only the sweep escalates them
      schedule.mockRestore();
      await sleep(2200); // past the 1.5 s SLA and the sweep's 0.5 s grace
      expect(await escalation.sweepOverdue()).toBeGreaterThanOrEqual(2);
      expect((await detail(events[0].alertId)).escalationLevel).toBe(0);
      for (const event of events.slice(1)) expect((await detail(event.alertId)).escalationLevel).toBe(1);
    } finally {
      failing.mockRestore();
      schedule.mockRestore();
      await escalation.onApplicationBootstrap();
    }
  });

  it('acknowledges, and resolves for the system, without waiting on a timer that cannot be removed (Redis away); the timer left behind does nothing', async () => {
    const op = { Authorization: `Bearer ${await t.token('op-a')}` };
    const acknowledged = alertEvent({ cameraId: 'cam-a', severity: 'major', trackId: 905 });
    const recovered = alertEvent({ cameraId: 'cam-a', severity: 'major', trackId: 906 });
    for (const event of [acknowledged, recovered]) await intake.consume(event); // timers armed: due in 1.5 s
    const ours = await Promise.all([acknowledged, recovered].map(async (event) => timerJobId('esc', event.alertId, 0, (await detail(event.alertId)).escalationDueAt)));
    const redisBack = timersRedisAway(t.app.get(ApiTimers));
    const calls = timerCallsHeld(t.app.get(ApiTimers));
    try {
      // Answered while the removal of its deadline's timer is held: the answer did not wait for it.
      const res = await calls.within(t.http.post(`/alerts/${encodeURIComponent(acknowledged.alertId)}/acknowledge`).set(op).send({}).then((r) => r));
      expect(res).toMatchObject({ status: 200, body: { state: 'acknowledged', escalationDueAt: null } });
      expect(await calls.within(t.app.get(AlertsService).resolveBySystem(recovered.alertId, SYSTEM.cameraStatus, { kind: 'camera_recovered', offlineSeconds: 5 }))).toBe(true);
      // Only this test's alerts: the previous test's re-armed alerts may escalate (and arm) in the window.
      expect(calls.madeFor([acknowledged.alertId, recovered.alertId], ours)).toEqual(ours);
    } finally {
      calls.release();
      redisBack();
    }
    await sleep(2000); // the deadlines' jobs fire and find the deadlines gone
    expect((await detail(acknowledged.alertId)).transitions.map((x: { action: string }) => x.action)).toEqual(['open', 'acknowledge']);
    expect((await detail(recovered.alertId)).transitions.map((x: { action: string }) => x.action)).toEqual(['open', 'resolve']);
  });

  it('does not escalate an alert acknowledged within its SLA', async () => {
    const op = { Authorization: `Bearer ${await t.token('op-a')}` };
    const event = alertEvent({ cameraId: 'cam-a', severity: 'major' });
    await intake.consume(event);
    await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/acknowledge`).set(op).send({}).expect(200);
    await sleep(2000);
    const d = await detail(event.alertId);
    expect(d).toMatchObject({ state: 'acknowledged', escalationLevel: 0, responsibleRegionId: 'vil-a1a', escalationDueAt: null });
    expect(d.transitions.map((x: { action: string }) => x.action)).toEqual(['open', 'acknowledge']);
  });

  it('never escalates a severity without an SLA, and a raise to critical tightens the deadline', async () => {
    const event = alertEvent({ cameraId: 'cam-a', severity: 'warning', trackId: 900 });
    await intake.consume(event);
    expect((await detail(event.alertId)).escalationDueAt).toBeNull();
    await sleep(400);
    expect((await detail(event.alertId)).escalationLevel).toBe(0);

    await intake.consume({ ...event, kind: 'updated', severity: 'critical', capturedAt: event.capturedAt + 100 });
    const raised = await eventually(async () => {
      const d = await detail(event.alertId);
      return d.escalationLevel >= 1 && d;
    }, 'escalation after the raise');
    expect(raised.severity).toBe('critical');
    expect(raised.transitions.map((x: { action: string }) => x.action).slice(0, 3)).toEqual(['open', 'severity_raised', 'escalate']);
    expect(raised.transitions[1].detail).toMatchObject({ kind: 'severity_raised', severityFrom: 'warning', severityTo: 'critical', event: { eventId: event.alertId, rule: event.rule } });
  });

  it('drops, without escalating, a deadline left from when the severity had an SLA (SLA changed to 0, then a restart)', async () => {
    const event = alertEvent({ cameraId: 'cam-a', severity: 'warning', trackId: 907 });
    await intake.consume(event);
    // The deadline an earlier start with SLA_WARNING_SECONDS > 0 gave it, due now.
    const repo = t.app.get(AlertsRepository);
    const stored = (await repo.get(event.alertId))!;
    await repo.transaction((trx) => repo.update(trx, { ...stored, escalationDueAt: t.app.get(Clock).now() + 100 }, SEVERITY_RANK.warning));
    // The start with SLA_WARNING_SECONDS=0 re-arms the deadlines of open alerts.
    const escalation = t.app.get(EscalationService);
    escalation.onModuleDestroy();
    await escalation.onApplicationBootstrap();
    await eventually(async () => (await detail(event.alertId)).escalationDueAt === null, 'the deadline dropped', 8000);
    await sleep(600); // a cascade would be under way by now
    const d = await detail(event.alertId);
    expect(d).toMatchObject({ state: 'open', escalationLevel: 0, responsibleRegionId: 'vil-a1a', escalationDueAt: null });
    expect(d.transitions.map((x: { action: string }) => x.action)).toEqual(['open']);
    expect(pushes.filter((p) => p.data.id === event.alertId && p.data.escalationLevel !== 0)).toEqual([]);
  });

  async function status(event: Omit<CameraStatusEvent, 'ingestId'>): Promise<void> {
    await t.redis.xadd(`${t.settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`, '*', 'event', JSON.stringify({ ...event, ingestId: 'ingest-1' }));
  }

  it('follows the status stream, raises camera_offline after the threshold and resolves it on recovery', async () => {
    const offlineAt = Date.now();
    await status({ cameraId: 'cam-b', status: 'offline', reason: 'refused', detail: 'Connection refused', at: offlineAt });
    const pushed = await eventually(async () => pushes.find((p) => p.type === 'camera.status' && p.data.cameraId === 'cam-b'), 'camera.status push');
    expect(pushed.scope).toEqual({ cameraId: 'cam-b', regionPath: ['city', 'county-b', 'town-b1', 'vil-b1a'] });
    expect(pushed.data).toMatchObject({ status: 'offline', reason: 'refused', since: offlineAt });
    const camera = (await t.http.get('/cameras/cam-b').set(admin)).body;
    expect(camera.status).toMatchObject({ status: 'offline', reason: 'refused', offlineSince: offlineAt });

    const alertId = `camera_offline:cam-b:${offlineAt}`;
    const raised = await eventually(async () => {
      const res = await t.http.get(`/alerts/${encodeURIComponent(alertId)}`).set(admin);
      return res.status === 200 && res.body;
    }, 'camera_offline alert');
    expect(raised).toMatchObject({ rule: 'camera_offline', severity: 'major', state: 'open', cameraId: 'cam-b', startedAt: offlineAt });
    expect(raised.message).toContain('refused');

    await status({ cameraId: 'cam-b', status: 'recovered', at: offlineAt + 5000 });
    const resolved = await eventually(async () => {
      const d = await detail(alertId);
      return d.state === 'resolved' && d;
    }, 'automatic resolution');
    expect(resolved.outcome).toBe('recovered');
    expect(resolved.transitions.at(-1)).toMatchObject({
      action: 'resolve',
      actor: { kind: 'system', name: 'camera status' },
      note: 'camera back online after 5 s offline',
      detail: { kind: 'camera_recovered', offlineSeconds: 5 },
    });
    expect((await t.http.get('/cameras/cam-b').set(admin)).body.status).toMatchObject({ status: 'online', offlineSince: null });
    expect(pushes.filter((p) => p.type === 'camera.status' && p.data.cameraId === 'cam-b').map((p) => p.data.status)).toEqual(['offline', 'online']);
  });

  it('raises camera_offline from the sweep when its timer was lost, once', async () => {
    const offlineAt = Date.now();
    await t.app.get(CameraStatusService).handle({ cameraId: 'cam-a3', status: 'offline', reason: 'timeout', at: offlineAt, ingestId: 'ingest-1' });
    await t.app.get(ApiTimers).cancel(timerJobId('offline', 'cam-a3', offlineAt)); // what a flushed Redis does
    const alertId = `camera_offline:cam-a3:${offlineAt}`;
    const raised = await eventually(async () => {
      const res = await t.http.get(`/alerts/${encodeURIComponent(alertId)}`).set(admin);
      return res.status === 200 && res.body;
    }, 'camera_offline alert from the sweep', 8000);
    expect(raised).toMatchObject({ rule: 'camera_offline', state: 'open', cameraId: 'cam-a3', startedAt: offlineAt });
    const late = raised.createdAt - (offlineAt + 400);
    console.log(`camera_offline raised ${late} ms after its threshold by the sweep (interval 500 ms)`);
    expect(late).toBeGreaterThanOrEqual(500);
    await sleep(1200); // two more sweeps: the alert exists, nothing more is raised
    const list = await t.http.get('/alerts').query({ camera: 'cam-a3', rule: 'camera_offline' }).set(admin);
    expect(list.body.items).toHaveLength(1);
    await t.app.get(CameraStatusService).handle({ cameraId: 'cam-a3', status: 'recovered', at: offlineAt + 3000, ingestId: 'ingest-1' });
  });

  it('raises nothing for an outage shorter than the threshold, and ignores stale entries', async () => {
    const at = Date.now();
    await status({ cameraId: 'cam-a2', status: 'offline', reason: 'stalled', at });
    await status({ cameraId: 'cam-a2', status: 'online', at: at + 100 });
    await status({ cameraId: 'cam-a2', status: 'offline', reason: 'timeout', at: at + 50 }); // older than the last one
    await eventually(async () => (await t.http.get('/cameras/cam-a2').set(admin)).body.status?.status === 'online', 'cam-a2 online');
    await sleep(800);
    const list = await t.http.get('/alerts').query({ camera: 'cam-a2', rule: 'camera_offline' }).set(admin);
    expect(list.body.items).toEqual([]);
    expect((await t.http.get('/cameras/cam-a2').set(admin)).body.status.status).toBe('online');
  });

  it('resolves a camera_offline alert whose camera came back while it was being stored', async () => {
    const offlineAt = Date.now();
    const service = t.app.get(CameraStatusService);
    const consume = intake.consume.bind(intake);
    const alertId = `camera_offline:cam-a2:${offlineAt}`;
    let returned = false;
    const spy = jest.spyOn(intake, 'consume').mockImplementation(async (event) => {
      // The recovery is applied just before the alert commits: it finds nothing to resolve yet (and,
      // the drop past the threshold with no alert stored, raises it too: once, not again from here).
      if (event.alertId === alertId && !returned) {
        returned = true;
        await service.handle({ cameraId: 'cam-a2', status: 'recovered', at: offlineAt + 450, ingestId: 'ingest-1' });
      }
      return consume(event);
    });
    try {
      await service.handle({ cameraId: 'cam-a2', status: 'offline', reason: 'timeout', at: offlineAt, ingestId: 'ingest-1' });
      const resolved = await eventually(async () => {
        const res = await t.http.get(`/alerts/${encodeURIComponent(alertId)}`).set(admin);
        return res.status === 200 && res.body.state === 'resolved' && res.body;
      }, 'the late camera_offline alert resolved', 8000);
      expect(resolved).toMatchObject({ outcome: 'recovered', escalationDueAt: null });
      expect(resolved.transitions.at(-1)).toMatchObject({ action: 'resolve', detail: { kind: 'camera_recovered', offlineSeconds: 0 } });
    } finally {
      spy.mockRestore();
    }
  });
});

// A severity whose SLA is 0 never escalates, also when an alert is raised to it from one with an SLA.
// The warning's SLA (5 s) outlasts the two consumes and the read between them on a loaded machine:
// at 0.5 s its own timer sometimes escalated the warning before the vanish arrived.
const WARNING_SLA_MS = 5000;
describe.each(DATABASE_KINDS)('escalation with no SLA for critical alerts on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind, { SLA_CRITICAL_SECONDS: '0', SLA_MAJOR_SECONDS: '0', SLA_WARNING_SECONDS: String(WARNING_SLA_MS / 1000), TIMER_SWEEP_SECONDS: '0.5' });
    await createWorld(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('drops the deadline of a warning raised to critical, and never escalates it', async () => {
    const admin = { Authorization: `Bearer ${await t.token('admin')}` };
    const detail = async (id: string) => (await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin)).body;
    const intake = t.app.get(AlertIntakeService);
    const enter = alertEvent({ cameraId: 'cam-a', severity: 'warning', trackId: 920 });
    await intake.consume(enter);
    const warningDueAt: number = (await detail(enter.alertId)).escalationDueAt;
    expect(warningDueAt).toEqual(expect.any(Number));
    const vanish = alertEvent({ cameraId: 'cam-a', severity: 'critical', rule: 'vanish_in_water', ruleId: 'pond.vanish', trackId: 920, relatedAlertId: enter.alertId, capturedAt: enter.capturedAt + 100 });
    expect(await intake.consume(vanish)).toBe('updated');
    expect(Date.now()).toBeLessThan(warningDueAt); // raised before the warning's own deadline, as the test means
    expect(await detail(enter.alertId)).toMatchObject({ severity: 'critical', escalationDueAt: null });
    await sleep(warningDueAt + 1500 - Date.now()); // past the warning's deadline (its timer), and a sweep or two after it
    const d = await detail(enter.alertId);
    expect(d).toMatchObject({ state: 'open', escalationLevel: 0, responsibleRegionId: 'vil-a1a', escalationDueAt: null });
    expect(d.transitions.map((x: { action: string }) => x.action)).toEqual(['open', 'supersede']);
  });
});
