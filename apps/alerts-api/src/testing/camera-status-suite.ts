import type { CameraStatusEvent } from '@xl/contracts';
import { AlertsRepository } from '../alerts/alerts.repository';
import { CameraStatusRepository } from '../camera-status/camera-status.repository';
import { CameraStatusService } from '../camera-status/camera-status.service';
import type { DatabaseKind } from '../db/database';
import { startTestApp, type TestApp } from './test-app';
import { createWorld } from './world';

/** The camera-status parts of a test app, set once its describe block's beforeAll has run. */
export interface CameraStatusSuite {
  t: TestApp;
  service: CameraStatusService;
  statuses: CameraStatusRepository;
  alerts: AlertsRepository;
  /** Waits until `at`, then handles the camera's status event of that time as ingest sends it (reason `timeout` when offline). */
  handleAt(cameraId: string, status: 'offline' | 'recovered', at: number): Promise<void>;
}

/**
 * A test app on `kind` with `env` and the world (test-app, world) for the describe block that calls
 * this: started in its beforeAll, closed in its afterAll. Camera status specs run on real timers, so
 * their events are handled at the wall-clock time they carry.
 */
export function cameraStatusSuite(kind: DatabaseKind, env: Record<string, string>): CameraStatusSuite {
  const suite = {
    async handleAt(cameraId: string, status: 'offline' | 'recovered', at: number) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      const event: CameraStatusEvent = { cameraId, status, at, ingestId: 'ingest-1', ...(status === 'offline' ? { reason: 'timeout' as const } : {}) };
      await suite.service.handle(event);
    },
  } as CameraStatusSuite;
  beforeAll(async () => {
    suite.t = await startTestApp(kind, env);
    await createWorld(suite.t);
    suite.service = suite.t.app.get(CameraStatusService);
    suite.statuses = suite.t.app.get(CameraStatusRepository);
    suite.alerts = suite.t.app.get(AlertsRepository);
  });
  afterAll(async () => {
    await suite.t?.close();
  });
  return suite;
}

/**
 * Settings of the unstable-link specs: offline for 3 s is the threshold, dark 30 % of an 8 s window
 * an unstable link, stable after 1 s; the sweep (300 s) never runs during a test, no SLA.
 */
export const UNSTABLE_LINK_ENV = {
  CAMERA_OFFLINE_ALERT_SECONDS: '3',
  CAMERA_STABLE_SECONDS: '1',
  TIMER_SWEEP_SECONDS: '300',
  SLA_MAJOR_SECONDS: '0',
  CAMERA_UNSTABLE_WINDOW_SECONDS: '8',
  CAMERA_UNSTABLE_PERCENT: '30',
};

/**
 * Under UNSTABLE_LINK_ENV, from `t0`: three 1 s drops 2.5 s apart, dark 3 s of 8 — the unstable
 * alert camera_offline:<cam>:<t0+5000>, raised at t0+6000 with the camera back; returns its id.
 */
export async function raiseUnstable(suite: CameraStatusSuite, cameraId: string, t0: number): Promise<string> {
  for (let i = 0; i < 2; i++) {
    await suite.handleAt(cameraId, 'offline', t0 + i * 2500);
    await suite.handleAt(cameraId, 'recovered', t0 + i * 2500 + 1000);
  }
  await suite.handleAt(cameraId, 'offline', t0 + 5000);
  await suite.handleAt(cameraId, 'recovered', t0 + 6000);
  const id = `camera_offline:${cameraId}:${t0 + 5000}`;
  expect(await suite.alerts.get(id)).toMatchObject({ state: 'open', ruleId: 'health.unstable' });
  return id;
}
