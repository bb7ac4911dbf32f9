// Fault: the analyzer cannot write snapshots (its SNAPSHOT_DIR lies under a regular file, so mkdir
// fails even for root, who ignores permission bits). The alert must still reach the operator, without
// a snapshot, with the error logged and counted (xl_snapshot_errors_total).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeWithShared } from '@xl/testing';
import { BEACH_CLIP, BeachFault, metricTotal } from './fault-kit';

jest.setTimeout(60_000);

describeWithShared([BEACH_CLIP])('fault: snapshot storage unwritable', () => {
  const fault = new BeachFault('snapshot-unwritable');

  it('delivers the alert without a snapshot, logs the failure and counts it', async () => {
    const { pipeline, api, token, watcher } = await fault.start();
    const blocker = path.join(fault.dir, 'not-a-directory');
    writeFileSync(blocker, 'a regular file where the snapshot directory should be');
    await pipeline.startIngest();
    const analyzer = await pipeline.startAnalyzer('analyzer', { SNAPSHOT_DIR: path.join(blocker, 'snapshots') });

    const alert = await watcher.waitFor('zone_enter pushed', () => watcher.events.find((e) => e.type === 'alert.created' && e.data?.rule === 'zone_enter'), 45_000);
    expect(alert.data).toMatchObject({ cameraId: 'beach', hasSnapshot: false, snapshotUrl: null });
    const stored = await fetch(`${api.url}/alerts/${encodeURIComponent(String(alert.data!.id))}`, { headers: { authorization: `Bearer ${token}` } });
    expect(await stored.json()).toMatchObject({ id: alert.data!.id, hasSnapshot: false });
    const snapshot = await fetch(`${api.url}/alerts/${encodeURIComponent(String(alert.data!.id))}/snapshot`, { headers: { authorization: `Bearer ${token}` } });
    expect(snapshot.status).toBe(404);

    expect(await metricTotal(analyzer, 'xl_snapshot_errors_total')).toBeGreaterThanOrEqual(1);
    const failures = analyzer
      .output()
      .split('\n')
      .filter((l) => l.includes('snapshot failed; alert sent without it'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failures[0]).toMatchObject({ level: 50, camera: 'beach', alertId: alert.data!.id, err: expect.stringMatching(/ENOTDIR|EEXIST/) });
    expect(analyzer.child.exitCode).toBeNull();
  });
});
