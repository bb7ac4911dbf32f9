// Fault: the ingest host's clock is 5 minutes behind (an edge box without NTP), the analyzer's 2
// minutes ahead and alerts-api's 1 minute behind, all run under libfaketime.
// Stamped by its own clock, every frame was 5 minutes "old" to the analyzer (MAX_FRAME_AGE_MS 3 s):
// dropped as stale, no alert ever, and the camera still reported online. Ingest and analyzer take their
// time from the Redis server (RedisClock), so the drowning must reach the operator as usual, with
// capture times by the real clock, and ingest must report its offset.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describeWithShared } from '@xl/testing';
import { BEACH_CLIP, BeachFault, metricTotal } from './fault-kit';

jest.setTimeout(90_000);
const SKEW_S = 300;
const AHEAD_S = 120;
const API_BEHIND_S = 60;

/** libfaketime's preload library (Debian package faketime, installed by scripts/setup.sh). */
function libfaketime(): string {
  for (const lib of ['/usr/lib', ...readdirSync('/usr/lib').filter((d) => d.includes('-linux-gnu')).map((d) => `/usr/lib/${d}`)]) {
    const file = path.join(lib, 'faketime', 'libfaketime.so.1');
    if (existsSync(file)) return file;
  }
  throw new Error('libfaketime.so.1 not found: apt-get install -y faketime (scripts/setup.sh does)');
}

describeWithShared([BEACH_CLIP])('fault: the ingest host’s clock is 5 minutes behind, the analyzer’s 2 minutes ahead', () => {
  const fault = new BeachFault('clock-skew');

  it('still raises the drowning alerts, stamped by the Redis server’s clock, and reports the offset', async () => {
    const { pipeline, api, watcher } = await fault.start({ LD_PRELOAD: libfaketime(), FAKETIME: `-${API_BEHIND_S}s` });
    const ingest = await pipeline.startIngest('ingest', { LD_PRELOAD: libfaketime(), FAKETIME: `-${SKEW_S}s` });
    const analyzer = await pipeline.startAnalyzer('analyzer', { LD_PRELOAD: libfaketime(), FAKETIME: `+${AHEAD_S}s` });

    const enter = await watcher.waitFor('zone_enter', () => watcher.events.find((e) => e.type === 'alert.created' && e.data?.rule === 'zone_enter'), 60_000);
    await watcher.waitFor('the vanish (critical)', () => watcher.events.find((e) => e.type === 'alert.updated' && e.data?.id === enter.data!.id && e.data?.severity === 'critical'), 45_000);
    // Capture time by the real clock (the API's, here the same host's without faketime), not 5 min back.
    const lagMs = enter.receivedAt - Number(enter.data!.capturedAt);
    const offsets = { ingest: await metricTotal(ingest, 'xl_clock_offset_seconds'), analyzer: await metricTotal(analyzer, 'xl_clock_offset_seconds'), api: await metricTotal(api, 'xl_clock_offset_seconds') };
    // The API's own capture → push latency, read on its clock: Redis's, not its host's minute behind.
    const apiLatencyS = (await metricTotal(api, 'xl_alert_latency_seconds_sum')) / Math.max(1, await metricTotal(api, 'xl_alert_latency_seconds_count'));
    console.log(`clock-skew figures: ${JSON.stringify({ enterCaptureToPushMs: lagMs, apiLatencyS, offsets })}`);
    // Stamped, judged or pushed by any of the skewed clocks, the lag would be off by that clock's
    // offset (a minute at the least): it must be far smaller than the smallest one.
    const smallestSkewMs = Math.min(SKEW_S, AHEAD_S, API_BEHIND_S) * 1000;
    expect(Math.abs(lagMs)).toBeLessThan(smallestSkewMs / 4);
    expect(Math.abs(offsets.ingest - SKEW_S)).toBeLessThan(2);
    expect(Math.abs(offsets.analyzer + AHEAD_S)).toBeLessThan(2);
    expect(Math.abs(offsets.api - API_BEHIND_S)).toBeLessThan(2);
    expect(apiLatencyS).toBeGreaterThan(0.001); // by its own clock a minute behind: negative, counted as 0
    expect(apiLatencyS).toBeLessThan(smallestSkewMs / 4 / 1000);
    expect(ingest.output()).toContain("this host's clock is off the Redis server's");
  });
});
