import '../testing/nest-esm';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { ALERTS_QUEUE, type AlertEvent, SEVERITY_RANK } from '@xl/contracts';
import { EventPublisher, type PushEvent } from '../shared/push-events';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp, eventually } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { Clock } from '../common/clock';
import { RedisEventLog } from '../realtime/event-log';
import { RedisEventPublisher } from '../realtime/redis-event-publisher';
import { AlertIntakeService } from './alert-intake.service';
import { AlertNotifier } from './alert-notifier';
import { AlertsRepository } from './alerts.repository';
import { AlertsService, MAX_NOTES_PER_ALERT, TOO_MANY_NOTES_REASON } from './alerts.service';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
const PATH_A = ['city', 'county-a', 'town-a1', 'vil-a1a'];

describe.each(DATABASE_KINDS)('alert intake and lifecycle on %s', (kind) => {
  let t: TestApp;
  let queue: Queue;
  let pushes: PushEvent[];
  let intake: AlertIntakeService;
  const auth = async (user: string) => ({ Authorization: `Bearer ${await t.token(user)}` });

  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
    queue = new Queue(ALERTS_QUEUE, { connection: { url: t.settings.redisUrl }, prefix: t.settings.queuePrefix });
    intake = t.app.get(AlertIntakeService);
    pushes = [];
    jest.spyOn(t.app.get(EventPublisher), 'publish').mockImplementation(async (event) => {
      pushes.push(event);
    });
    mkdirSync(path.join(t.snapshotDir, 'cam-a'), { recursive: true });
    writeFileSync(path.join(t.snapshotDir, 'cam-a', 'a1.jpg'), JPEG);
  });

  afterAll(async () => {
    await queue?.close();
    await t?.close();
  });

  async function enqueue(event: AlertEvent, jobId?: string): Promise<void> {
    const job = await queue.add('alert', event, jobId ? { jobId } : {});
    await eventually(async () => (await job.getState()) === 'completed', `job ${job.id} to complete`);
  }

  const pushesOf = (id: string, type?: PushEvent['type']) => pushes.filter((p) => p.data.id === id && (!type || p.type === type));

  it('takes an alert from the queue through open → acknowledged → dispatched → resolved with an audit trail', async () => {
    const event = alertEvent({ cameraId: 'cam-a', snapshotPath: 'cam-a/a1.jpg' });
    await enqueue(event);

    const created = pushesOf(event.alertId, 'alert.created');
    expect(created).toHaveLength(1);
    expect(created[0].scope).toEqual({ cameraId: 'cam-a', regionPath: PATH_A, alert: { zoneId: 'pond', rule: 'zone_enter' } });
    expect(created[0].capturedAt).toBe(event.capturedAt);
    expect(created[0].data).toMatchObject({ state: 'open', severity: 'major', cameraName: 'North pond', zoneId: 'pond', zoneName: '北塘', hasSnapshot: true, regionId: 'vil-a1a' });

    const id = encodeURIComponent(event.alertId);
    const op = await auth('op-a');
    let res = await t.http.post(`/alerts/${id}/acknowledge`).set(op).send({ note: 'on it' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'op-a' });
    expect((await t.http.post(`/alerts/${id}/acknowledge`).set(op).send({})).status).toBe(409);

    res = await t.http.post(`/alerts/${id}/dispatch`).set(op).send({ note: 'no assignee' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('body.assignee');
    res = await t.http.post(`/alerts/${id}/dispatch`).set(op).send({ assignee: 'grid worker Li', note: 'go to the north bank' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'dispatched', assignee: 'grid worker Li' });

    res = await t.http.post(`/alerts/${id}/resolve`).set(op).send({ outcome: 'maybe' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/body\.outcome: .*true_alarm/);
    res = await t.http.post(`/alerts/${id}/resolve`).set(op).send({ outcome: 'true_alarm', note: 'child brought back' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'resolved', outcome: 'true_alarm' });
    expect((await t.http.post(`/alerts/${id}/acknowledge`).set(op).send({})).status).toBe(409);
    expect((await t.http.post(`/alerts/${id}/dispatch`).set(op).send({ assignee: 'x' })).status).toBe(409);
    expect((await t.http.post(`/alerts/${id}/resolve`).set(op).send({ outcome: 'duplicate' })).status).toBe(409);

    const detail = (await t.http.get(`/alerts/${id}`).set(op)).body;
    const trail = detail.transitions.map((x: Record<string, unknown>) => [x.action, x.from, x.to, (x.actor as { name: string }).name]);
    expect(trail).toEqual([
      ['open', 'none', 'open', 'alert intake'],
      ['acknowledge', 'open', 'acknowledged', 'op-a'],
      ['dispatch', 'acknowledged', 'dispatched', 'op-a'],
      ['resolve', 'dispatched', 'resolved', 'op-a'],
    ]);
    expect(detail.transitions[1].note).toBe('on it');
    expect(detail.transitions[2]).toMatchObject({ assignee: 'grid worker Li', note: 'go to the north bank' });
    expect(detail.transitions[3]).toMatchObject({ outcome: 'true_alarm', note: 'child brought back' });
    const times = detail.transitions.map((x: { at: number }) => x.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(pushesOf(event.alertId, 'alert.updated').map((p) => p.data.state)).toEqual(['acknowledged', 'dispatched', 'resolved']);
  });

  it('keeps trying an event it could not store beyond the producer\'s attempts, and stores it once the database answers', async () => {
    const event = alertEvent({ cameraId: 'cam-a', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical' });
    const consume = jest.spyOn(intake, 'consume');
    consume.mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:5432')).mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    try {
      // One attempt allowed by the producer: BullMQ alone would have failed it for good at once.
      const job = await queue.add('alert', event, { attempts: 1 });
      // Waits for an end either way, so that a job failed for good is reported as such at once; the
      // generous limit is for a loaded CI machine (nominal back-off: 1 s, then 2 s).
      const state = await eventually(async () => {
        const now = await job.getState();
        return now === 'completed' || now === 'failed' ? now : undefined;
      }, `job ${job.id} to end after two failed tries`, 30_000).catch(async (err: Error) => {
        throw new Error(`${err.message}: state ${await job.getState()}, consume called ${consume.mock.calls.length} times`);
      });
      const ended = await queue.getJob(job.id!);
      expect({ state, failedReason: ended?.failedReason, calls: consume.mock.calls.length }).toEqual({ state: 'completed', failedReason: undefined, calls: 3 });
    } finally {
      consume.mockRestore();
    }
    expect(pushesOf(event.alertId, 'alert.created')).toHaveLength(1);
  });

  it('consumes the same event twice as one alert', async () => {
    const event = alertEvent({ cameraId: 'cam-a' });
    const before = await t.http.get('/metrics');
    await enqueue(event, 'dup-1');
    await enqueue(event, 'dup-2');
    expect(await intake.consume(event)).toBe('duplicate');

    const list = await t.http.get('/alerts').query({ camera: 'cam-a', limit: 200 }).set(await auth('admin'));
    expect(list.body.items.filter((a: { id: string }) => a.id === event.alertId)).toHaveLength(1);
    expect(pushesOf(event.alertId, 'alert.created')).toHaveLength(1);
    const detail = await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}`).set(await auth('admin'));
    expect(detail.body.transitions).toHaveLength(1);
    const count = (text: string) => Number(/xl_alert_intake_events_total\{outcome="duplicate"\} (\d+)/.exec(text)?.[1] ?? 0);
    expect(count((await t.http.get('/metrics')).text) - count(before.text)).toBe(2);
    expect((await t.http.get('/metrics')).text).toMatch(/xl_alerts_total\{rule="zone_enter",severity="major"\} \d+/);
  });

  it("keeps an alert's rule id when a newer update of the same rule names another rule id (two zone_enter rules on one zone)", async () => {
    // Only a superseding event takes an alert over: an update of another rule id of the same type
    // would flip a drowning's rule back and forth with each event (session-33 review, F5).
    const created = alertEvent({ cameraId: 'cam-a', ruleId: 'pond.enter-day' });
    expect(await intake.consume(created)).toBe('created');
    const update = { ...created, kind: 'updated' as const, ruleId: 'pond.enter-night', capturedAt: created.capturedAt + 1000, message: 'person still in the pond' };
    expect(await intake.consume(update)).toBe('updated');
    expect(await t.app.get(AlertsRepository).get(created.alertId)).toMatchObject({ ruleId: 'pond.enter-day', message: 'person still in the pond' });
  });

  it('lets vanish_in_water on the same track take over the zone_enter alert and raise it to critical', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 42 });
    await enqueue(enter);
    const vanish = alertEvent({
      cameraId: 'cam-a',
      trackId: 42,
      rule: 'vanish_in_water',
      ruleId: 'pond.vanish',
      severity: 'critical',
      message: 'person lost in water zone pond for 3 s',
      relatedAlertId: enter.alertId,
      startedAt: enter.startedAt + 4000,
      capturedAt: enter.capturedAt + 4000,
      snapshotPath: 'cam-a/a1.jpg',
    });
    await enqueue(vanish);
    const admin = await auth('admin');
    const detail = (await t.http.get(`/alerts/${encodeURIComponent(enter.alertId)}`).set(admin)).body;
    expect(detail).toMatchObject({ severity: 'critical', rule: 'vanish_in_water', ruleId: 'pond.vanish', state: 'open', hasSnapshot: true });
    expect(detail.transitions.map((x: { action: string }) => x.action)).toEqual(['open', 'supersede']);
    expect((await t.http.get(`/alerts/${encodeURIComponent(vanish.alertId)}`).set(admin)).status).toBe(404);
    const updates = pushesOf(enter.alertId, 'alert.updated');
    expect(updates).toHaveLength(1);
    expect(updates[0].data.severity).toBe('critical');
    // The drowning is this update: it carries the alarm (sirens sound on it); the entry did not.
    expect(updates[0].data.alarm).toBe(true);
    expect(pushesOf(enter.alertId, 'alert.created')[0].data.alarm).toBe(false);

    // Later updates of the vanish event reach the same alert; severity never goes back down.
    await enqueue({ ...vanish, kind: 'updated', relatedAlertId: undefined, severity: 'major', capturedAt: vanish.capturedAt + 1000, message: 'still missing' });
    const after = (await t.http.get(`/alerts/${encodeURIComponent(enter.alertId)}`).set(admin)).body;
    expect(after).toMatchObject({ severity: 'critical', message: 'still missing' });
    expect(pushesOf(enter.alertId, 'alert.updated')).toHaveLength(2);
    expect(pushesOf(enter.alertId, 'alert.updated')[1].data.alarm).toBe(false);
  });

  it('pushes a raised alarm again when its push failed, once, with alarm set; never once the alert is resolved', async () => {
    const publisher = t.app.get(EventPublisher);
    const notifier = t.app.get(AlertNotifier);
    const clock = t.app.get(Clock);
    // The test drives the sweeper itself: the app's 10 s timer stops here (it would sweep too).
    await notifier.onModuleDestroy();
    /** A sweep as the timer would run it 11 s from now (on the API's clock), past its 10 s grace. */
    const sweepLater = async () => {
      const now = jest.spyOn(clock, 'now').mockReturnValue(clock.now() + 11_000);
      try {
        await notifier.sweep();
      } finally {
        now.mockRestore();
      }
    };
    const raise = async (trackId: number) => {
      const enter = alertEvent({ cameraId: 'cam-a', trackId });
      await enqueue(enter);
      const vanish = alertEvent({ cameraId: 'cam-a', trackId, rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', relatedAlertId: enter.alertId, startedAt: enter.startedAt + 4000, capturedAt: enter.capturedAt + 4000 });
      // The publisher is down exactly when the drowning's update is pushed (and for nothing else).
      let failed = false;
      const spy = jest.spyOn(publisher, 'publish').mockImplementation(async (event) => {
        if (!failed && event.type === 'alert.updated' && event.data.id === enter.alertId && event.data.alarm === true) {
          failed = true;
          throw new Error('Redis connection lost');
        }
        pushes.push(event);
      });
      await enqueue(vanish);
      expect(failed).toBe(true);
      spy.mockImplementation(async (event) => void pushes.push(event));
      expect(pushesOf(enter.alertId, 'alert.updated')).toEqual([]);
      return enter.alertId;
    };

    const lost = await raise(77);
    await notifier.sweep(); // within its 10 s: the intake's own push may still be on its way
    expect(pushesOf(lost, 'alert.updated')).toEqual([]);
    await sweepLater();
    expect(pushesOf(lost, 'alert.updated').map((p) => [p.data.severity, p.data.alarm])).toEqual([['critical', true]]);
    await sweepLater();
    expect(pushesOf(lost, 'alert.updated')).toHaveLength(1);

    const closed = await raise(78);
    const admin = await auth('admin');
    await t.http.post(`/alerts/${encodeURIComponent(closed)}/acknowledge`).set(admin).send({}).expect(200);
    await t.http.post(`/alerts/${encodeURIComponent(closed)}/resolve`).set(admin).send({ outcome: 'false_alarm' }).expect(200);
    await sweepLater();
    expect(pushesOf(closed, 'alert.updated').map((p) => p.data.alarm)).toEqual([false, false]); // the acknowledgement and the resolution
    await sweepLater();
    expect(pushesOf(closed, 'alert.updated')).toHaveLength(2);
  });

  it('pushes an acknowledgement or resolution again when its push failed, and ends on the newest copy', async () => {
    const publisher = t.app.get(EventPublisher);
    const notifier = t.app.get(AlertNotifier);
    const clock = t.app.get(Clock);
    await notifier.onModuleDestroy();
    const event = alertEvent({ cameraId: 'cam-a', trackId: 79 });
    await enqueue(event);
    const id = encodeURIComponent(event.alertId);
    const op = await auth('op-a');
    // Redis is away exactly when the acknowledgement is pushed: the API still answers 200.
    const spy = jest.spyOn(publisher, 'publish').mockRejectedValueOnce(new Error('Redis connection lost'));
    await t.http.post(`/alerts/${id}/acknowledge`).set(op).send({}).expect(200);
    spy.mockImplementation(async (e) => void pushes.push(e));
    expect(pushesOf(event.alertId, 'alert.updated')).toEqual([]);
    await notifier.sweep(); // within its 10 s grace: nothing yet
    expect(pushesOf(event.alertId, 'alert.updated')).toEqual([]);
    const now = jest.spyOn(clock, 'now').mockReturnValue(clock.now() + 11_000);
    try {
      await notifier.sweep();
      await notifier.sweep();
    } finally {
      now.mockRestore();
    }
    expect(pushesOf(event.alertId, 'alert.updated').map((p) => p.data.state)).toEqual(['acknowledged']);

    // A note committed while the resolution's push is on its way is pushed first (a concurrent
    // writer): the resolution's pusher pushes the newest copy after its own.
    let noted = false;
    spy.mockImplementation(async (e) => {
      if (!noted && e.type === 'alert.updated' && e.data.id === event.alertId && e.data.state === 'resolved') {
        noted = true;
        await t.app.get(AlertsService).addNote({ kind: 'user', id: 'admin', name: 'admin', role: 'admin', regionIds: [], cameraIds: [], waters: [] }, event.alertId, { note: 'parents informed' });
      }
      pushes.push(e);
    });
    await t.http.post(`/alerts/${id}/resolve`).set(op).send({ outcome: 'true_alarm' }).expect(200);
    const updates = pushesOf(event.alertId, 'alert.updated').map((p) => p.data.updatedAt as number);
    expect(updates.at(-1)).toBe(Math.max(...updates));
    expect(updates.at(-1)).toBe((await t.http.get(`/alerts/${id}`).set(op)).body.updatedAt);
    spy.mockImplementation(async (e) => void pushes.push(e));
  });

  it("logs a plain update when a re-pushed alarm was already logged, so a change since (an acknowledgement) is not lost", async () => {
    const publisher = t.app.get(EventPublisher);
    const notifier = t.app.get(AlertNotifier);
    const clock = t.app.get(Clock);
    const repo = t.app.get(AlertsRepository);
    await notifier.onModuleDestroy();
    // The real event log and its rule (one push per (alert, alarm), a second one reported as a
    // duplicate), not a copy of it in a mock: the publisher must pass the log's answer on. The suite's
    // spy is on the instance; the class's own publish is the real one.
    const realPublish = RedisEventPublisher.prototype.publish;
    const spy = jest.spyOn(publisher, 'publish').mockImplementation(async (e) => {
      pushes.push(e);
      return realPublish.call(publisher, e);
    });
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 83 });
    await enqueue(enter);
    await enqueue(vanishOf(enter));
    const id = encodeURIComponent(enter.alertId);
    const op = await auth('op-a');
    const { alarmedAt } = (await t.http.get(`/alerts/${id}`).set(op)).body;
    // The API died after the alarm's push and before it noted it: the alarm is still due.
    await repo.transaction((trx) => repo.setAlarmDue(trx, enter.alertId, alarmedAt));
    spy.mockRejectedValueOnce(new Error('Redis connection lost')); // the acknowledgement's push fails
    await t.http.post(`/alerts/${id}/acknowledge`).set(op).send({}).expect(200);
    const now = jest.spyOn(clock, 'now').mockReturnValue(clock.now() + 11_000);
    try {
      await notifier.sweep();
    } finally {
      now.mockRestore();
      spy.mockImplementation(async (e) => void pushes.push(e));
    }
    // What screens, MQTT and webhooks follow: the log itself, whose last word on the alert must be
    // the acknowledgement, not the open, ringing drowning.
    const { events } = await t.app.get(RedisEventLog).readAfter(0, 1000);
    const logged = events.filter((e) => e.type === 'alert.updated' && e.data.id === enter.alertId);
    expect(logged.filter((e) => e.data.alarm === true)).toHaveLength(1); // the re-pushed alarm was not logged twice
    expect(logged.at(-1)?.data).toMatchObject({ state: 'acknowledged', alarm: false });
  });

  it('merges a zone_enter of a new track related to a vanish into that alert without taking its rule over', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 7 });
    await enqueue(enter);
    const vanish = alertEvent({ cameraId: 'cam-a', trackId: 7, rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', relatedAlertId: enter.alertId, capturedAt: enter.capturedAt + 4000 });
    await enqueue(vanish);
    // The same person seen again as track 8: the analyzer relates its zone_enter to the first one.
    const again = alertEvent({ cameraId: 'cam-a', trackId: 8, message: "person in water zone 'pond' again (track 7 lost 5.0 s before, seen again as track 8)", relatedAlertId: enter.alertId, capturedAt: enter.capturedAt + 9000 });
    await enqueue(again);
    const admin = await auth('admin');
    const detail = (await t.http.get(`/alerts/${encodeURIComponent(enter.alertId)}`).set(admin)).body;
    expect(detail).toMatchObject({ severity: 'critical', rule: 'vanish_in_water', ruleId: 'pond.vanish', message: again.message });
    expect(detail.transitions.map((x: { action: string; note: string }) => [x.action, x.note])).toEqual([
      ['open', expect.any(String)],
      ['supersede', `vanish_in_water (rule 'pond.vanish', event '${vanish.alertId}') superseded zone_enter, severity major → critical: ${vanish.message}`],
      ['supersede', `zone_enter (rule 'pond.enter', event '${again.alertId}') related to this vanish_in_water alert, severity stays critical: ${again.message}`],
    ]);
    // The same facts as data, for a console to say in its reader's language.
    const facts = (e: typeof enter) => ({ eventId: e.alertId, rule: e.rule, ruleId: e.ruleId, zoneId: e.zoneId, labels: e.boxes.map((b) => b.label), message: e.message });
    expect(detail.transitions.map((x: { detail: unknown }) => x.detail)).toEqual([
      { kind: 'opened', event: facts(enter) },
      { kind: 'superseded', takesOver: true, previousRule: 'zone_enter', severityFrom: 'major', severityTo: 'critical', event: facts(vanish) },
      { kind: 'superseded', takesOver: false, previousRule: 'vanish_in_water', severityFrom: 'critical', severityTo: 'critical', event: facts(again) },
    ]);
    expect((await t.http.get(`/alerts/${encodeURIComponent(again.alertId)}`).set(admin)).status).toBe(404);
    expect(pushesOf(again.alertId, 'alert.created')).toHaveLength(0);
    // The continuation is news, not a new alarm: alarmedAt stays when the vanish raised it.
    const alarmedAt = (await t.app.get(AlertsRepository).get(enter.alertId))!.alarmedAt;
    expect(alarmedAt).toEqual(expect.any(Number));
    expect(pushesOf(enter.alertId, 'alert.updated').map((p) => p.data.alarmedAt)).toEqual([alarmedAt, alarmedAt]);

    // …and goes under again: a new vanish of the same alert calls for attention anew.
    await new Promise((r) => setTimeout(r, 20));
    const underAgain = alertEvent({ cameraId: 'cam-a', trackId: 8, rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', relatedAlertId: again.alertId, capturedAt: enter.capturedAt + 14_000 });
    await enqueue(underAgain);
    const latest = pushesOf(enter.alertId, 'alert.updated').at(-1)!;
    expect(latest.data).toMatchObject({ severity: 'critical', rule: 'vanish_in_water', message: underAgain.message });
    expect(latest.data.alarmedAt).toBeGreaterThan(alarmedAt!);
    // An update of that vanish (a new score) does not.
    await enqueue({ ...underAgain, kind: 'updated', score: 0.95, capturedAt: underAgain.capturedAt + 1000 });
    expect(pushesOf(enter.alertId, 'alert.updated').at(-1)!.data.alarmedAt).toBe(latest.data.alarmedAt);
  });

  const vanishOf = (enter: AlertEvent, after = 4000) =>
    alertEvent({
      cameraId: 'cam-a',
      trackId: enter.trackId,
      rule: 'vanish_in_water',
      ruleId: 'pond.vanish',
      severity: 'critical',
      message: 'person lost in water zone pond for 3 s',
      relatedAlertId: enter.alertId,
      startedAt: enter.startedAt + after,
      capturedAt: enter.capturedAt + after,
    });

  it('builds an acknowledgement on the alert as stored under its lock: a drowning raised meanwhile stays critical', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 77 });
    await intake.consume(enter);
    const service = t.app.get(AlertsService);
    const read = service.visible.bind(service);
    // The operator's screen (and the service's scope check) read the alert before the vanish committed.
    const spy = jest.spyOn(service, 'visible').mockImplementationOnce(async (principal, id) => {
      const seen = await read(principal, id);
      expect(await intake.consume(vanishOf(enter))).toBe('updated');
      return seen;
    });
    try {
      const acked = await t.http.post(`/alerts/${encodeURIComponent(enter.alertId)}/acknowledge`).set(await auth('admin')).send({});
      expect(acked.status).toBe(200);
      expect(acked.body).toMatchObject({ state: 'acknowledged', severity: 'critical', rule: 'vanish_in_water' });
      expect(acked.body.alarmedAt).not.toBeNull();
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses (409) an acknowledgement of the copy someone saw when a drowning raised the alert since, and takes it once they saw that', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 79 });
    await intake.consume(enter);
    const admin = await auth('admin');
    const id = encodeURIComponent(enter.alertId);
    const seen = (await t.http.get(`/alerts/${id}`).set(admin)).body;
    expect(seen).toMatchObject({ state: 'open', severity: 'major', alarmedAt: null });
    // The entry on screen, the click on its button — and the vanish commits in between.
    expect(await intake.consume(vanishOf(enter))).toBe('updated');
    const stale = await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({ seenAlarmedAt: seen.alarmedAt });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(`alert '${enter.alertId}' was raised again (vanish_in_water, critical) after the copy you acknowledged; look at it again before acknowledging`);
    // A reason code, so that a console tells it from the other 409s (someone else took it) and says it in its reader's language.
    expect(stale.body).toMatchObject({ statusCode: 409, error: 'Conflict', reason: 'raised_again' });
    const raised = (await t.http.get(`/alerts/${id}`).set(admin)).body;
    expect(raised).toMatchObject({ state: 'open', severity: 'critical', acknowledgedBy: null });
    expect(raised.escalationDueAt).not.toBeNull();
    // Seen now: acknowledged.
    const acked = await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({ seenAlarmedAt: raised.alarmedAt });
    expect([acked.status, acked.body.state, acked.body.escalationDueAt]).toEqual([200, 'acknowledged', null]);
    // Another 409 of a transition is not "raised again": taken already, there is nothing to look at anew.
    const again = await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({ seenAlarmedAt: raised.alarmedAt });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBeUndefined();
  });

  it("refuses (409) a school's 'seen' of the copy on its screen when a drowning raised the alert since, and records it once they saw that", async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 80 });
    await intake.consume(enter);
    const school = await auth('school-a');
    const id = encodeURIComponent(enter.alertId);
    const shown = (await t.http.get(`/alerts/${id}`).set(school)).body;
    // The entry into the water on the school's screen, the press on "seen" — and the vanish commits in between.
    expect(await intake.consume(vanishOf(enter))).toBe('updated');
    const stale = await t.http.post(`/alerts/${id}/seen`).set(school).send({ seenAlarmedAt: shown.alarmedAt });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(`alert '${enter.alertId}' was raised again (vanish_in_water, critical) after the copy you confirmed; look at it again`);
    expect(stale.body).toMatchObject({ statusCode: 409, error: 'Conflict', reason: 'raised_again' });
    const raised = (await t.http.get(`/alerts/${id}`).set(school)).body;
    expect(raised.transitions.filter((tr: { action: string }) => tr.action === 'seen')).toEqual([]);
    // Seen now: recorded.
    const seen = await t.http.post(`/alerts/${id}/seen`).set(school).send({ seenAlarmedAt: raised.alarmedAt });
    expect(seen.status).toBe(200);
    expect(seen.body.transitions.at(-1)).toMatchObject({ action: 'seen', actor: { name: 'school-a' } });
    expect(seen.body.transitions.at(-1).at).toBeGreaterThanOrEqual(raised.alarmedAt);
    // Pressed again and again (a kiosk, a script): answered, recorded once for this alarm (before: an
    // entry each time, past the notes' cap, each pushed to every screen).
    for (let i = 0; i < 3; i++) {
      const again = await t.http.post(`/alerts/${id}/seen`).set(school).send({ seenAlarmedAt: raised.alarmedAt, note: 'x'.repeat(2000) });
      expect(again.status).toBe(200);
    }
    const trail = (await t.http.get(`/alerts/${id}`).set(school)).body.transitions as { action: string }[];
    expect(trail.filter((tr) => tr.action === 'seen')).toHaveLength(1);
  });

  it("dates a drowning raised after a school's 'seen' later than that seen, even when its time was read before (a lock wait, a lagging replica)", async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 81 });
    await intake.consume(enter);
    const school = await auth('school-a');
    const id = encodeURIComponent(enter.alertId);
    const shown = (await t.http.get(`/alerts/${id}`).set(school)).body;
    const seen = await t.http.post(`/alerts/${id}/seen`).set(school).send({ seenAlarmedAt: shown.alarmedAt });
    expect(seen.status).toBe(200);
    const seenAt: number = seen.body.transitions.at(-1).at;
    // The vanish's intake read its time 5 s before the seen was stored, and commits after it.
    const clock = t.app.get(Clock);
    const lagging = jest.spyOn(clock, 'now').mockReturnValue(seenAt - 5000);
    try {
      expect(await intake.consume(vanishOf(enter))).toBe('updated');
    } finally {
      lagging.mockRestore();
    }
    const raised = (await t.http.get(`/alerts/${id}`).set(school)).body;
    // The school's screens count a seen at or after the alarm as seen (seenSinceAlarm): this one is before it.
    expect(raised.alarmedAt).toBeGreaterThan(seenAt);
    expect(raised.alarmedAt).toBe(raised.updatedAt);
  });

  it('opens a claimed alert again when a drowning is raised on it: acknowledged anew, escalating again if nobody does', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 78 });
    await intake.consume(enter);
    const admin = await auth('admin');
    const id = encodeURIComponent(enter.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    await t.http.post(`/alerts/${id}/dispatch`).set(admin).send({ assignee: 'grid worker Li' }).expect(200);
    const vanish = vanishOf(enter);
    expect(await intake.consume(vanish)).toBe('updated');
    const reopened = (await t.http.get(`/alerts/${id}`).set(admin)).body;
    expect(reopened).toMatchObject({ state: 'open', severity: 'critical', assignee: 'grid worker Li' });
    expect(reopened.escalationDueAt).toBeGreaterThan(reopened.updatedAt - 1000);
    expect(reopened.transitions.at(-1)).toMatchObject({ action: 'supersede', from: 'dispatched', to: 'open' });
    expect(pushesOf(enter.alertId, 'alert.updated').at(-1)?.data).toMatchObject({ state: 'open', alarm: true });
    const again = await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({});
    expect([again.status, again.body.state, again.body.escalationDueAt]).toEqual([200, 'acknowledged', null]);
    // The same vanish re-derived (an analyzer restarted before saving its state) is news, not a new alarm.
    expect(await intake.consume({ ...vanish, capturedAt: vanish.capturedAt + 2000 })).toBe('updated');
    expect((await t.http.get(`/alerts/${id}`).set(admin)).body.state).toBe('acknowledged');
    expect(pushesOf(enter.alertId, 'alert.updated').at(-1)?.data.alarm).toBe(false);
  });

  it('joins an entry stored after the vanish that names it to the vanish\'s alert: one alert, one alarm', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 80 });
    const vanish = vanishOf(enter);
    expect(await intake.consume(vanish)).toBe('created'); // the entry's job is still waiting for its retry
    expect(await intake.consume(enter)).toBe('updated');
    const admin = await auth('admin');
    expect((await t.http.get(`/alerts/${encodeURIComponent(enter.alertId)}`).set(admin)).status).toBe(404);
    const alert = (await t.http.get(`/alerts/${encodeURIComponent(vanish.alertId)}`).set(admin)).body;
    expect(alert).toMatchObject({ severity: 'critical', rule: 'vanish_in_water', startedAt: enter.startedAt, message: vanish.message, state: 'open' });
    // The vanish's later news names the entry: it reaches the same alert, and sounds nothing again.
    expect(await intake.consume({ ...vanish, kind: 'updated', capturedAt: vanish.capturedAt + 1000, message: 'still missing' })).toBe('updated');
    expect(pushesOf(enter.alertId)).toEqual([]);
    expect(pushesOf(vanish.alertId, 'alert.created')).toHaveLength(1);
    expect(pushesOf(vanish.alertId, 'alert.updated').map((p) => p.data.alarm)).toEqual([false, false]);
  });

  it("shows the entry's snapshot when the entry's own update overtook its creation (a retry reordered them); a re-derived entry stays a duplicate", async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 85, snapshotPath: 'cam-a/a1.jpg' });
    const update = { ...enter, kind: 'updated' as const, capturedAt: enter.capturedAt + 250, score: 0.9, snapshotPath: undefined };
    expect(await intake.consume(update)).toBe('created');
    expect(await intake.consume(enter)).toBe('updated'); // before: 'duplicate', its picture only in the trail
    const id = encodeURIComponent(enter.alertId);
    const alert = (await t.http.get(`/alerts/${id}`).set(await auth('admin'))).body;
    expect(alert.snapshots).toHaveLength(1);
    expect(alert).toMatchObject({ hasSnapshot: true, score: 0.9 }); // the newer update's score stays
    expect(pushesOf(enter.alertId).at(-1)?.data).toMatchObject({ hasSnapshot: true });
    // The analyzer restarted before saving its state and derives the same entry under a later time: no news.
    expect(await intake.consume({ ...enter, capturedAt: enter.capturedAt + 1000 })).toBe('duplicate');
  });

  it("joins an entry's update that overtook its creation to the vanish's alert too", async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 81 });
    const vanish = vanishOf(enter);
    expect(await intake.consume(vanish)).toBe('created');
    expect(await intake.consume({ ...enter, kind: 'updated', capturedAt: enter.capturedAt + 500 })).toBe('updated');
    expect(await intake.consume(enter)).toBe('updated');
    const admin = await auth('admin');
    expect((await t.http.get(`/alerts/${encodeURIComponent(enter.alertId)}`).set(admin)).status).toBe(404);
    expect((await t.http.get(`/alerts/${encodeURIComponent(vanish.alertId)}`).set(admin)).body).toMatchObject({ severity: 'critical', startedAt: enter.startedAt });
  });

  it('applies an entry and its vanish handled at the same time (two instances) to one alert', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 82 });
    const vanish = vanishOf(enter);
    const repo = t.app.get(AlertsRepository);
    const insert = repo.insert.bind(repo);
    // The entry's transaction stays open a while after inserting, as on a busy database.
    let entryInserted = false;
    const slow = jest.spyOn(repo, 'insert').mockImplementation(async (trx, alert, rank) => {
      const done = await insert(trx, alert, rank);
      if (alert.id === enter.alertId) {
        entryInserted = true;
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      return done;
    });
    try {
      const entering = intake.consume(enter);
      // The vanish starts once the entry holds its camera's lock and has inserted, not after a guess.
      await eventually(async () => entryInserted, 'the entry inserted, its transaction open');
      const [entered, vanished] = await Promise.all([entering, intake.consume(vanish)]);
      expect([entered, vanished]).toEqual(['created', 'updated']);
    } finally {
      slow.mockRestore();
    }
    const admin = await auth('admin');
    expect((await t.http.get(`/alerts/${encodeURIComponent(vanish.alertId)}`).set(admin)).status).toBe(404);
    expect((await t.http.get(`/alerts/${encodeURIComponent(enter.alertId)}`).set(admin)).body).toMatchObject({ severity: 'critical', rule: 'vanish_in_water' });
  });

  it('leaves a resolved alert as it was judged when news of it arrives later', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 79, message: 'person entered pond' });
    await intake.consume(enter);
    const admin = await auth('admin');
    const id = encodeURIComponent(enter.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    const resolved = (await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome: 'false_alarm' }).expect(200)).body;
    const pushed = pushesOf(enter.alertId).length;
    const news = { ...enter, kind: 'updated' as const, capturedAt: enter.capturedAt + 3000, score: 0.99, message: 'still in pond' };
    expect(await intake.consume(news)).toBe('closed');
    expect(await intake.consume(news)).toBe('duplicate'); // recorded as consumed
    const after = (await t.http.get(`/alerts/${id}`).set(admin)).body;
    expect(after).toMatchObject({ state: 'resolved', message: 'person entered pond', updatedAt: resolved.updatedAt, capturedAt: enter.capturedAt });
    expect(pushesOf(enter.alertId)).toHaveLength(pushed);
  });

  it('takes a vanish re-sent as created after the alert it joined was resolved as news of that closed alert, not a new alarm', async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 84 });
    await intake.consume(enter);
    const vanish = vanishOf(enter);
    expect(await intake.consume(vanish)).toBe('updated');
    const admin = await auth('admin');
    const id = encodeURIComponent(enter.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    const resolved = (await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome: 'true_alarm' }).expect(200)).body;
    const pushed = pushesOf(enter.alertId).length;
    // The analyzer restarted before saving its state and derives the same vanish again.
    expect(await intake.consume({ ...vanish, capturedAt: vanish.capturedAt + 2000 })).toBe('closed');
    expect((await t.http.get(`/alerts/${encodeURIComponent(vanish.alertId)}`).set(admin)).status).toBe(404);
    expect(pushesOf(vanish.alertId)).toEqual([]);
    expect((await t.http.get(`/alerts/${id}`).set(admin)).body).toMatchObject({ state: 'resolved', updatedAt: resolved.updatedAt, capturedAt: vanish.capturedAt });
    expect(pushesOf(enter.alertId)).toHaveLength(pushed);
  });

  it("sends the news of an event applied to two alerts (stored so by an earlier version) to the one not resolved, else the newest", async () => {
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 85 });
    await intake.consume(enter);
    const vanish = vanishOf(enter);
    expect(await intake.consume(vanish)).toBe('updated');
    const admin = await auth('admin');
    const id = encodeURIComponent(enter.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome: 'true_alarm' }).expect(200);
    // What an earlier version did with the vanish re-sent as created: a second, open alert under its id.
    const repo = t.app.get(AlertsRepository);
    const merged = (await repo.get(enter.alertId))!;
    const resent = { ...vanish, capturedAt: vanish.capturedAt + 2000 };
    const now = t.app.get(Clock).now();
    await repo.transaction(async (trx) => {
      await repo.recordEvent(trx, { eventId: resent.alertId, kind: resent.kind, capturedAt: resent.capturedAt, alertId: resent.alertId, at: now });
      await repo.insert(
        trx,
        { ...merged, id: resent.alertId, relatedAlertId: enter.alertId, state: 'open', outcome: null, acknowledgedBy: null, acknowledgedAt: null, resolvedAt: null, escalationDueAt: null, createdAt: now, updatedAt: now, pushedAt: now },
        SEVERITY_RANK.critical,
      );
    });
    expect(await repo.aliasOf(repo.db, vanish.alertId)).toBe(vanish.alertId);
    expect(await intake.consume({ ...vanish, kind: 'updated', capturedAt: resent.capturedAt + 1000, message: 'still missing' })).toBe('updated');
    expect((await t.http.get(`/alerts/${encodeURIComponent(vanish.alertId)}`).set(admin)).body).toMatchObject({ state: 'open', message: 'still missing' });
    await t.http.post(`/alerts/${encodeURIComponent(vanish.alertId)}/acknowledge`).set(admin).send({}).expect(200);
    await t.http.post(`/alerts/${encodeURIComponent(vanish.alertId)}/resolve`).set(admin).send({ outcome: 'true_alarm' }).expect(200);
    expect(await repo.aliasOf(repo.db, vanish.alertId)).toBe(vanish.alertId);
  });

  it('opens a new alert when the related alert was already resolved', async () => {
    const enter = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(enter);
    const admin = await auth('admin');
    const id = encodeURIComponent(enter.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome: 'false_alarm' }).expect(200);
    const vanish = alertEvent({ cameraId: 'cam-a', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', relatedAlertId: enter.alertId });
    expect(await intake.consume(vanish)).toBe('created');
    const fresh = (await t.http.get(`/alerts/${encodeURIComponent(vanish.alertId)}`).set(admin)).body;
    expect(fresh).toMatchObject({ state: 'open', severity: 'critical', relatedAlertId: enter.alertId });
  });

  it('links a new alert to the alert a merged event joined, not to the merged event (a third tripwire crossing after the first was resolved)', async () => {
    const admin = await auth('admin');
    const line = { cameraId: 'cam-a', rule: 'line_cross' as const, ruleId: 'fence.trip', zoneId: undefined };
    const first = alertEvent({ ...line, trackId: 31 });
    await intake.consume(first);
    // The second crossing names the first, still open: merged into it, never an alert of its own.
    const second = alertEvent({ ...line, trackId: 31, relatedAlertId: first.alertId, capturedAt: first.capturedAt + 60_000, startedAt: first.startedAt + 60_000 });
    await intake.consume(second);
    const id = encodeURIComponent(first.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome: 'true_alarm' }).expect(200);
    // The third names the second: a new alert, linked to the alert the second became part of.
    const third = alertEvent({ ...line, trackId: 31, relatedAlertId: second.alertId, capturedAt: first.capturedAt + 120_000, startedAt: first.startedAt + 120_000 });
    expect(await intake.consume(third)).toBe('created');
    const fresh = (await t.http.get(`/alerts/${encodeURIComponent(third.alertId)}`).set(admin).expect(200)).body;
    expect(fresh.relatedAlertId).toBe(first.alertId); // before: the second's id, which no alert has (404)
    await t.http.get(`/alerts/${encodeURIComponent(fresh.relatedAlertId)}`).set(admin).expect(200);
  });

  it('stores and pushes an alert whose snapshot is missing or outside SNAPSHOT_DIR, without the snapshot', async () => {
    const admin = await auth('admin');
    for (const snapshotPath of ['cam-a/never-written.jpg', '../../etc/passwd']) {
      const event = alertEvent({ cameraId: 'cam-a', snapshotPath });
      await enqueue(event);
      const res = await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}`).set(admin);
      expect(res.body).toMatchObject({ hasSnapshot: false, snapshotUrl: null });
      expect(pushesOf(event.alertId, 'alert.created')).toHaveLength(1);
      expect((await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}/snapshot`).set(admin)).status).toBe(404);
    }
  });

  it('streams the snapshot image to callers in scope only', async () => {
    const event = alertEvent({ cameraId: 'cam-a', snapshotPath: 'cam-a/a1.jpg' });
    await intake.consume(event);
    const url = `/alerts/${encodeURIComponent(event.alertId)}/snapshot`;
    const res = await t.http.get(url).set(await auth('school-a')).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(res.body as Buffer, JPEG)).toBe(0);
    expect((await t.http.get(url).set(await auth('op-b'))).status).toBe(404);
  });

  it("names an alert's zone as the camera's configuration names it now, and not at all where it has no such zone", async () => {
    const base = 1_796_100_000_000;
    const inPond = alertEvent({ cameraId: 'cam-a', startedAt: base });
    const noZones = alertEvent({ cameraId: 'cam-a3', startedAt: base + 1000 });
    for (const e of [inPond, noZones]) await intake.consume(e);
    const admin = await auth('admin');
    const zoneOf = async (e: AlertEvent) => (await t.http.get(`/alerts/${encodeURIComponent(e.alertId)}`).set(admin)).body as { zoneId: string; zoneName: string | null };
    expect(await zoneOf(inPond)).toMatchObject({ zoneId: 'pond', zoneName: '北塘' });
    expect(await zoneOf(noZones)).toMatchObject({ zoneId: 'pond', zoneName: null });
    const zones = (name: string) => [{ id: 'pond', name, type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 0.9], [0, 0.9]] }];
    expect((await t.http.patch('/cameras/cam-a').set(admin).send({ zones: zones('北塘 (north pond)') })).status).toBe(200);
    expect(await zoneOf(inPond)).toMatchObject({ zoneName: '北塘 (north pond)' });
    expect((await t.http.patch('/cameras/cam-a').set(admin).send({ zones: zones('北塘') })).status).toBe(200);
  });

  it("keeps how late the camera's stream arrived with the alert's newest evidence, and pushes it", async () => {
    const base = 1_796_200_000_000;
    const first = alertEvent({ cameraId: 'cam-a', startedAt: base, capturedAt: base + 500, streamDelaySeconds: 12.3 });
    await intake.consume(first);
    const admin = await auth('admin');
    const delayOf = async () => (await t.http.get(`/alerts/${encodeURIComponent(first.alertId)}`).set(admin)).body.streamDelaySeconds;
    expect(await delayOf()).toBeCloseTo(12.3, 5);
    expect(pushesOf(first.alertId, 'alert.created')[0].data.streamDelaySeconds).toBeCloseTo(12.3, 5);
    // Newer evidence from a stream back near live: no delay any more.
    await intake.consume({ ...first, kind: 'updated', capturedAt: base + 4000, streamDelaySeconds: undefined });
    expect(await delayOf()).toBeNull();
    // An older event arriving late does not replace the newer evidence's figure.
    await intake.consume({ ...first, kind: 'updated', capturedAt: base + 2000, streamDelaySeconds: 9 });
    expect(await delayOf()).toBeNull();
  });

  it('lists with filters and cursor pagination, newest first', async () => {
    const base = 1_796_000_000_000;
    const events = [
      alertEvent({ cameraId: 'cam-a2', startedAt: base + 1000, severity: 'warning' }),
      alertEvent({ cameraId: 'cam-a2', startedAt: base + 2000, severity: 'critical', rule: 'dwell', ruleId: 'pond.dwell' }),
      alertEvent({ cameraId: 'cam-a3', startedAt: base + 3000, severity: 'major' }),
      alertEvent({ cameraId: 'cam-b', startedAt: base + 4000, severity: 'critical' }),
      alertEvent({ cameraId: 'cam-a3', startedAt: base + 5000, severity: 'info' }),
    ];
    for (const e of events) await intake.consume(e);
    const admin = await auth('admin');
    const window = { from: String(base), to: new Date(base + 10_000).toISOString() };

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.http.get('/alerts').query({ ...window, limit: 2, ...(cursor ? { cursor } : {}) }).set(admin);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((a: { id: string }) => a.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...events].reverse().map((e) => e.alertId));

    const ids = async (query: Record<string, string>, user = 'admin') =>
      (await t.http.get('/alerts').query({ ...window, ...query }).set(await auth(user))).body.items.map((a: { id: string }) => a.id);
    expect(await ids({ severity: 'critical' })).toEqual([events[3].alertId, events[1].alertId]);
    expect(await ids({ region: 'vil-a1a' })).toEqual([events[4].alertId, events[2].alertId]);
    expect(await ids({ region: 'county-a', severity: 'critical,warning' })).toEqual([events[1].alertId, events[0].alertId]);
    expect(await ids({ rule: 'dwell' })).toEqual([events[1].alertId]);
    expect(await ids({ ruleId: 'pond.dwell' })).toEqual([events[1].alertId]);
    expect(await ids({ camera: 'cam-a3', state: 'open' })).toEqual([events[4].alertId, events[2].alertId]);
    expect(await ids({ state: 'resolved' })).toEqual([]);
    expect(await ids({}, 'op-b')).toEqual([events[3].alertId]);
    expect(await ids({ region: 'county-a' }, 'op-b')).toEqual([]);

    for (const [query, field] of [
      [{ severity: 'urgent' }, 'query.severity'],
      [{ from: 'yesterday' }, 'query.from'],
      [{ limit: '0' }, 'query.limit'],
      [{ cursor: 'bogus' }, 'query.cursor'],
      [{ colour: 'red' }, 'query.colour'],
    ] as const) {
      const res = await t.http.get('/alerts').query(query).set(admin);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
    }
  });

  it('takes at most MAX_NOTES_PER_ALERT notes on one alert, then answers 409 too_many_notes', async () => {
    const event = alertEvent({ cameraId: 'cam-a' });
    await intake.consume(event);
    const alerts = t.app.get(AlertsRepository);
    const alert = (await alerts.get(event.alertId))!;
    // A looping script's first 499 notes, written directly (as many requests would take long here).
    await alerts.transaction(async (trx) => {
      for (let i = 0; i < MAX_NOTES_PER_ALERT - 1; i++) {
        await alerts.addTransition(trx, event.alertId, { action: 'note', from: 'open', to: 'open', actor: { kind: 'user', id: 'op-a', name: 'op-a' }, at: alert.updatedAt + i, note: `retry ${i}`, escalationLevel: 0, regionId: alert.responsibleRegionId });
      }
    });
    const url = `/alerts/${encodeURIComponent(event.alertId)}/notes`;
    await t.http.post(url).set(await auth('op-a')).send({ note: 'the 500th' }).expect(200);
    const refused = await t.http.post(url).set(await auth('op-a')).send({ note: 'one more' }).expect(409);
    expect(refused.body).toMatchObject({ reason: TOO_MANY_NOTES_REASON });
    expect(refused.body.message).toContain('500 notes');
    // The lifecycle goes on: acknowledging is not a note.
    await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/acknowledge`).set(await auth('op-a')).send({}).expect(200);
  });

  it('re-pushes what the event log missed most severe first: a drowning before the minor alerts stored ahead of it', async () => {
    const alerts = t.app.get(AlertsRepository);
    const spy = jest.spyOn(t.app.get(EventPublisher), 'publish').mockRejectedValue(new Error('Connection is closed.'));
    const minor = Array.from({ length: 3 }, (_, i) => alertEvent({ cameraId: 'cam-a', trackId: 900 + i }));
    const drowning = alertEvent({ cameraId: 'cam-a', trackId: 910, rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical' });
    try {
      for (const event of [...minor, drowning]) await intake.consume(event);
    } finally {
      spy.mockRestore();
    }
    const mine = new Set([...minor, drowning].map((e) => e.alertId));
    const order = (await alerts.unpushed(Date.now() + 60_000, 1000)).map((a) => a.id).filter((id) => mine.has(id));
    expect(order[0]).toBe(drowning.alertId); // before: last, behind the minor ones stored first
    expect(order).toHaveLength(4);
  });
});
