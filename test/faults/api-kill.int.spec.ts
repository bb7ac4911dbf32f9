// Fault: one of two alerts-api processes (same Redis, same database) is SIGKILLed in the middle of a
// burst of alerts while an operator's console is connected to it. The console reconnects to the other
// instance with ?lastSeq= and must end with every alert exactly once; alerts the dead instance was
// taking in are finished by the survivor.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { ALERTS_QUEUE, type AlertEvent } from '@xl/contracts';
import { Pipeline, PushWatcher, testRedisUrl, uniquePrefix } from '@xl/testing';
import { alertEvent } from '../../apps/alerts-api/src/testing/alert-events';
import { keepLogs, sleep, storedAlertIds, waitUntil } from './fault-kit';

jest.setTimeout(60_000);
const ALERTS = 200;

describe('fault: an alerts-api instance killed while clients are connected', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-fault-api-'));
  const prefix = uniquePrefix('fault-api');
  let pipeline: Pipeline;
  let watcher: PushWatcher;
  let queue: Queue<AlertEvent>;

  afterAll(async () => {
    watcher?.close();
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await pipeline?.stop();
    keepLogs('api-kill', pipeline);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the console moves to the other instance and gets every alert once; the dead instance’s intake is finished by the survivor', async () => {
    pipeline = await Pipeline.seed({
      dir,
      redisUrl: testRedisUrl(),
      prefix,
      seed: {
        regions: [{ id: 'vil', name: 'Village', level: 'village' }],
        cameras: [{ id: 'pond', url: 'rtsp://127.0.0.1:9/pond', regionId: 'vil', zones: [{ id: 'pond', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] }],
        users: [{ username: 'op', password: 'fault-password-1', role: 'operator', regionIds: ['vil'] }],
      },
    });
    const [a, b] = await Promise.all([pipeline.startApi('api-a'), pipeline.startApi('api-b')]);
    watcher = new PushWatcher([a.url, b.url], await pipeline.login(a, 'op', 'fault-password-1'));
    await watcher.start();

    // The analyzer's way of queueing (AlertQueueRepository): retried with back-off, id = the event's identity.
    queue = new Queue<AlertEvent>(ALERTS_QUEUE, { connection: { url: testRedisUrl() }, prefix, defaultJobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: false } });
    const now = Date.now();
    const events = Array.from({ length: ALERTS }, (_, i) => alertEvent({ cameraId: 'pond', startedAt: now + i, capturedAt: now + i }));
    const add = (batch: AlertEvent[]) => queue.addBulk(batch.map((e) => ({ name: e.kind, data: e, opts: { jobId: `${e.alertId.replace(/:/g, '_')}-${e.kind}` } })));

    await add(events.slice(0, ALERTS / 2));
    await watcher.waitFor('the first alerts on instance a', () => watcher.createdCounts().size >= 20, 20_000);
    a.child.kill('SIGKILL'); // both instances are taking in the burst: a dies with jobs in hand
    const killedAt = Date.now();
    await add(events.slice(ALERTS / 2));

    await watcher.waitFor(`all ${ALERTS} alerts`, () => watcher.createdCounts().size >= ALERTS, 45_000);
    const allAfterMs = Date.now() - killedAt;
    await sleep(500);
    const counts = watcher.createdCounts();
    expect([...counts.keys()].sort()).toEqual(events.map((e) => e.alertId).sort());
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    expect(watcher.duplicateSeqs()).toEqual([]);
    expect(watcher.closes).toContain(1006);
    const moved = watcher.messages.filter((m) => m.via === b.url);
    expect(moved.length).toBeGreaterThan(0);
    expect((await storedAlertIds(b, await pipeline.login(b, 'op', 'fault-password-1'))).size).toBe(ALERTS);
    const reconnectMs = moved[0].receivedAt - killedAt;
    // The job a held when it died (if its lock was still live) is taken over by b, not left hanging.
    await waitUntil('no intake job left active', async () => (await queue.getJobCounts('active')).active === 0, 10_000);
    const settledAfterMs = Date.now() - killedAt;
    console.log(`api-kill figures: ${JSON.stringify({ alerts: ALERTS, beforeKill: watcher.messages.filter((m) => m.via === a.url && m.type === 'alert.created').length, reconnectedAfterMs: reconnectMs, allDeliveredAfterKillMs: allAfterMs, intakeSettledAfterKillMs: settledAfterMs, lost: ALERTS - counts.size, duplicates: 0 })}`);
  });
});
