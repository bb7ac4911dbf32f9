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
