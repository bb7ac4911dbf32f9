// Fault: the ingest process reading the drowning camera is SIGKILLed just after the person walked into
// the water; a second ingest takes the camera over when the lease runs out (3 s here) and reconnects.
// The simulator starts the clip anew for the new RTSP session, so after ~6 s without frames the person
// is seen walking into the water again at the same spot — for the operators the same person, as when
// someone is lost during a handover and found again there. They must get that person once: the first
// alert, continued ("again") and raised to critical when they go under — not a second zone_enter for
// the "new" track (the analyzer relates it: docs/rules.md).
// Which comes first depends on how long the analyzer had seen them in the water when the frames
// stopped, which the test cannot fix (the kill follows the zone_enter push, which lags under load):
// under `minTrackedSeconds` (1 s) the old track is not a drowning candidate, so "again" comes at the
// re-entry and the new track's vanish raises the alert; over it, the old track not seen when frames
// resume is a vanish (someone in the water who is not there after a 4 s outage: raising it is right),
// and "again" follows at the re-entry. Both must come, on the first alert, and no second zone_enter.
import { Redis } from 'ioredis';
import { redisKeys } from '@xl/contracts';
import { describeWithShared, testRedisUrl } from '@xl/testing';
import { BEACH_CLIP, BeachFault } from './fault-kit';

jest.setTimeout(120_000);
const LEASE = { LEASE_TTL_MS: '3000', CLAIM_INTERVAL_MS: '500' };

describeWithShared([BEACH_CLIP])('fault: the ingest reading the camera is killed while someone is in the water', () => {
  const fault = new BeachFault('ingest-kill');
  const redis = new Redis(testRedisUrl());
  afterAll(() => redis.disconnect());

  it('the other ingest takes the camera over; the person is reported once and their vanishing raises that alert', async () => {
    const { pipeline, watcher } = await fault.start();
    const ingests = [await pipeline.startIngest('ingest-a', LEASE), await pipeline.startIngest('ingest-b', LEASE)];
    await pipeline.startAnalyzer();

    const enter = await watcher.waitFor('zone_enter', () => watcher.events.find((e) => e.type === 'alert.created' && e.data?.rule === 'zone_enter'), 60_000);
    const lease = `${fault.prefix}:${redisKeys.lease('beach')}`;
    const holder = await redis.get(lease);
    const reader = ingests.find((i) => i.name === holder);
    expect(reader).toBeDefined();
    reader!.child.kill('SIGKILL');
    const killedAt = Date.now();
    const survivor = ingests.find((i) => i !== reader)!;
    for (let i = 0; i < 100 && (await redis.get(lease)) !== survivor.name; i++) await new Promise((r) => setTimeout(r, 100));
    const takenOverMs = Date.now() - killedAt;
    expect(await redis.get(lease)).toBe(survivor.name);

    const critical = await watcher.waitFor('the vanish raising the first alert', () => watcher.events.find((e) => e.type === 'alert.updated' && e.data?.id === enter.data!.id && e.data?.severity === 'critical'), 45_000);
    const again = await watcher.waitFor('the person seen again continuing the first alert', () => watcher.events.find((e) => e.type === 'alert.updated' && e.data?.id === enter.data!.id && String(e.data?.message).includes(' again (')), 30_000);
    const repeats = watcher.events.filter((e) => e.type === 'alert.created' && e.data?.rule === 'zone_enter' && e.receivedAt > killedAt);
    const figures = { takenOverMs, againAfterKillMs: again.receivedAt - killedAt, criticalAfterKillMs: critical.receivedAt - killedAt, criticalFirst: critical.receivedAt < again.receivedAt, repeats: repeats.length };
    console.log(`ingest-kill figures: ${JSON.stringify(figures)}`);
    expect(repeats).toEqual([]);
  });
});
