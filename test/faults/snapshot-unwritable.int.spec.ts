// Fault: the analyzer cannot write snapshots (its SNAPSHOT_DIR lies under a regular file, so mkdir
// fails even for root, who ignores permission bits). The alert must still reach the operator, without
// a snapshot, with the error logged and counted (xl_snapshot_errors_total).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CameraSimulator, describeWithShared, sharedPath, uniquePrefix, type Pipeline, type PipelineApp, type PushWatcher } from '@xl/testing';
import { beachPipeline, keepLogs, metricTotal } from './fault-kit';

jest.setTimeout(60_000);
const CLIP = 'media/clips/drowning_sub.mp4';

describeWithShared([CLIP])('fault: snapshot storage unwritable', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-fault-snap-'));
  const simulator = new CameraSimulator({ loopSeconds: 120 });
  let pipeline: Pipeline;
  let watcher: PushWatcher;

  afterAll(async () => {
    watcher?.close();
    await pipeline?.stop();
    keepLogs('snapshot-unwritable', pipeline);
    await simulator.stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the alert without a snapshot, logs the failure and counts it', async () => {
    const [cam] = await simulator.start([{ id: 'beach', clip: sharedPath(CLIP)! }]);
    let api: PipelineApp;
    let token: string;
    ({ pipeline, api, token, watcher } = await beachPipeline(dir, uniquePrefix('fault-snap'), cam.url));
    const blocker = path.join(dir, 'not-a-directory');
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
