// Fault: the only analyzer is SIGKILLed while it holds a camera's frame (the camera's in-flight gate
// taken, the job active); a second analyzer is started after it, as an orchestrator would. The gate
// must free itself by its TTL, the new analyzer must continue the camera from its saved state (the
// vanish raises the same alert to critical), and the dead worker's job must not hang forever.
// apps/analyzer/src/analyzer.int.spec.ts covers the same with frames queued by the test and two
// analyzers running; this one runs the real ingest and alerts-api around them.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { FRAMES_QUEUE, redisKeys } from '@xl/contracts';
import { describeWithShared, testRedisUrl } from '@xl/testing';
import { BEACH_CLIP, BeachFault, metricTotal, sleep, waitUntil } from './fault-kit';

jest.setTimeout(90_000);
const INFLIGHT_TTL_MS = 5000; // ingest's default

describeWithShared([BEACH_CLIP])('fault: an analyzer killed while it holds a frame', () => {
  const fault = new BeachFault('analyzer-kill');
  const prefix = fault.prefix;
  const redis = new Redis(testRedisUrl());
  const frames = new Queue(FRAMES_QUEUE, { connection: redis, prefix });
  afterAll(async () => {
    await frames.obliterate({ force: true }).catch(() => undefined);
    await frames.close();
    redis.disconnect();
  });

  it('the gate frees itself by TTL and the next analyzer continues the track; the dead job blocks nothing', async () => {
    const { pipeline, watcher } = await fault.start();
    const ingest = await pipeline.startIngest('ingest', { INFLIGHT_TTL_MS: String(INFLIGHT_TTL_MS) });
    const first = await pipeline.startAnalyzer('analyzer-1');

    const entered = await watcher.waitFor('zone_enter', () => watcher.events.find((e) => e.type === 'alert.created' && e.data?.rule === 'zone_enter'), 50_000);
    // In the water long enough for the vanish rule (minTrackedSeconds 1), then killed with a frame in
    // hand: the gate held and the job active.
    await sleep(1500);
    const gate = `${prefix}:${redisKeys.inflight('beach')}`;
    let holder: string | null = null;
    // Frozen (SIGSTOP) while we look, so it cannot release the gate between the look and the kill.
    await waitUntil('a frame in the analyzer’s hands', async () => {
      first.child.kill('SIGSTOP');
      holder = await redis.get(gate);
      if (holder !== null && (await frames.getJobCounts('active')).active > 0) return true;
      first.child.kill('SIGCONT');
      return false;
    }, 15_000, 20);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    const gateTtlMs = await redis.pttl(gate);
    // Taken with ingest's TTL: it frees itself within that, with its analyzer gone.
    expect(gateTtlMs).toBeGreaterThan(0);
    expect(gateTtlMs).toBeLessThanOrEqual(INFLIGHT_TTL_MS);
    const droppedBefore = await metricTotal(ingest, 'xl_ingest_frames_total', { camera: 'beach', outcome: 'dropped_inflight' });
    const second = await pipeline.startAnalyzer('analyzer-2');

    // The dead worker's gate is never refreshed by anyone: its TTL only runs down until it expires.
    let heldTtlMs = gateTtlMs;
    await waitUntil(
      'the orphaned gate gone',
      async () => {
        const [[, current], [, ttl]] = (await redis.multi().get(gate).pttl(gate).exec()) as [[null, string | null], [null, number]];
        if (current !== holder) return true;
        expect(ttl).toBeLessThanOrEqual(heldTtlMs);
        heldTtlMs = ttl;
        return false;
      },
      3 * INFLIGHT_TTL_MS,
      50,
    );
    const gateFreedAfterMs = Date.now() - killedAt;
    const dropped = (await metricTotal(ingest, 'xl_ingest_frames_total', { camera: 'beach', outcome: 'dropped_inflight' })) - droppedBefore;

    // The new analyzer continues from the saved state: the vanish raises the same alert to critical.
    const critical = await watcher.waitFor('the vanish update', () => watcher.events.find((e) => e.type === 'alert.updated' && e.data?.id === entered.data!.id && e.data?.severity === 'critical'), 40_000);
    await waitUntil('frames analysed by the new analyzer', async () => (await metricTotal(second, 'xl_analyzer_frames_total', { outcome: 'analysed' })) > 0, 10_000);
    // The job the dead worker held stays 'active' until BullMQ's stalled check (lock 30 s, check every
    // 30 s) fails it; frames are not retried (maxStalledCount 0): a stale frame is worth nothing.
    const deadJobsStillActive = (await frames.getJobCounts('active')).active;
    console.log(
      `analyzer-kill figures: ${JSON.stringify({ gateTtlLeftAtKillMs: gateTtlMs, gateFreedAfterKillMs: gateFreedAfterMs, framesDroppedWhileGateHeld: dropped, vanishPushedAfterKillMs: critical.receivedAt - killedAt, deadJobsStillActive })}`,
    );
    expect(second.child.exitCode).toBeNull();
  });
});
