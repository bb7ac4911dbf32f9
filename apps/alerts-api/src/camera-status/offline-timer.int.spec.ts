import '../testing/nest-esm';
import type { CameraStatusEvent } from '@xl/contracts';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { createWorld } from '../testing/world';
import { CameraStatusService } from './camera-status.service';

// The other camera-status suites sweep the database every 0.5 s, which raises a camera_offline (or
// confirms a recovery) within about a second even when its timer was never armed. Here the sweep
// runs every 60 s, past the end of the test: only the BullMQ timers armed when the status changed can
// act. Without them a dark camera was reported 10–20 s after its threshold (the default 10 s sweep).
// One database: the timers are armed after the commit, the same on each.
const ENV = { CAMERA_OFFLINE_ALERT_SECONDS: '1', CAMERA_STABLE_SECONDS: '1', TIMER_SWEEP_SECONDS: '60', SLA_MAJOR_SECONDS: '0' };
/** Generous for a loaded 2-core machine, and far inside the sweep. */
const WITHIN_MS = 8000;

describe('camera outage timers (no database sweep within the test)', () => {
  let t: TestApp;
  let service: CameraStatusService;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp('sqlite', ENV);
    await createWorld(t);
    service = t.app.get(CameraStatusService);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });

  afterAll(async () => t?.close());

  const handle = (cameraId: string, status: CameraStatusEvent['status'], at: number, reason?: CameraStatusEvent['reason']) =>
    service.handle({ cameraId, status, at, ingestId: 'ingest-1', ...(reason ? { reason } : {}) });
  const alert = async (id: string) => {
    const res = await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin);
    return res.status === 200 ? res.body : undefined;
  };

  it("raises camera_offline on the offline timer once the threshold passes, and resolves it on the stability timer", async () => {
    const darkAt = Date.now();
    await handle('cam-a', 'offline', darkAt, 'stalled');
    const id = `camera_offline:cam-a:${darkAt}`;

    const raised = await eventually(() => alert(id), 'camera_offline raised by its timer', WITHIN_MS);
    expect(raised).toMatchObject({ state: 'open', rule: 'camera_offline', startedAt: darkAt });

    const backAt = Date.now();
    await handle('cam-a', 'recovered', backAt);
    const resolved = await eventually(async () => {
      const a = await alert(id);
      return a?.state === 'resolved' && a;
    }, 'the outage resolved by the stability timer', WITHIN_MS);
    expect(resolved.outcome).toBe('recovered');
    expect(resolved.resolvedAt).toBeGreaterThanOrEqual(backAt + 1000 - 250); // after the stability period, not at once
  });
});
