// The cameras both ingest and the floor processes of bench/ingest.ts read: the harness's test camera
// with a watchdog patient enough for 32 cameras starting on 2 cores.
import type { CameraConfig } from '@xl/config';
import { testCamera } from '../../apps/ingest/src/testing/harness';

const WATCHDOG = { stallSeconds: 6, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 10 };

export function benchCamera(id: string, url: string, fps: number): CameraConfig {
  return testCamera(id, url, { fps, watchdog: WATCHDOG });
}
